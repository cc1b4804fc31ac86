"""The report's and the commands' figures say exactly what happened (issue 30, item 4): every check drawn,
flat and zero series drawn honestly, twins titled with what they predict, one colour scale across a sweep's
panels with the violated cells marked. The figures are inspected as matplotlib objects, not pixels."""

import math
from types import SimpleNamespace

import mpmath
import pytest

from mdtheory.checker import HOLDS, VIOLATED, ClaimReport, NamedCheck, UpperBound, measure
from mdtheory.engine.run import RunSpec
from mdtheory.symbolic.catalogue import euclidean
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import Objective


def gd_on_x_squared(eta: str, steps: int = 10):
    """GD on f = x^2 (L = 2): the amplification is |1 - 2 eta|^t exactly, so 1 at every step for eta = 1."""
    reg = euclidean(1)
    md = MirrorDescent(reg, Objective("x^2", reg.variables[0] ** 2, reg.variables))
    return measure(md, RunSpec.build([1], [1], "1e-10", eta, steps), 64)


def test_every_check_is_drawn_on_as_many_figures_as_it_takes(tmp_path, monkeypatch):
    from mdtheory import report as module
    from mdtheory.report import claim_figures, render_claim

    PANELS_PER_FIGURE = 2  # a figure holds 12 panels; 2 here keeps the drawing fast, the paging is the same
    monkeypatch.setattr(module, "PANELS_PER_FIGURE", PANELS_PER_FIGURE)
    checks = []
    for k in range(PANELS_PER_FIGURE + 1):  # one run per check: a panel each, one more than a figure holds
        m = gd_on_x_squared(f"1/{k + 3}", steps=4)
        checks.append(NamedCheck(f"GD, eta = 1/{k + 3}", UpperBound(1).check(m), m, HOLDS))
    m = checks[0].measurement  # a second check on the first run shares its panel
    checks.append(NamedCheck("GD, eta = 1/3, a tighter bound", UpperBound(2).check(m), m, HOLDS))
    checks.append(NamedCheck("a certificate", checks[0].result, None, HOLDS))  # no series: nothing to draw
    report = ClaimReport("many", "many checks", "", checks)
    figures = claim_figures(report)
    assert len(figures) == 2
    drawn = [label for fig in figures for ax in fig.axes if ax.get_gid() for label in ax.get_gid().split("\n")]
    assert sorted(drawn) == sorted(c.label for c in checks if c.measurement is not None)
    assert [len([ax for ax in fig.axes if ax.get_gid()]) for fig in figures] == [PANELS_PER_FIGURE, 1]
    assert "figure 2 of 2" in figures[1]._suptitle.get_text()
    section = render_claim(report, tmp_path)  # the verify report shows both figures, and says what is not drawn
    for name in ("many.png", "many-2.png"):
        assert f"({name})" in section and (tmp_path / name).stat().st_size > 0
    assert "the other 1 have no series to draw" in section


def test_a_constant_series_is_flat_with_room_and_says_so():
    from mdtheory.plotting import FLAT_PADDING_DECADES
    from mdtheory.report import claim_figures

    m = gd_on_x_squared("1")  # amplification exactly 1: log10 = 0 at every step
    (fig,) = claim_figures(ClaimReport("flat", "edge", "", [NamedCheck("GD at the edge", UpperBound(1).check(m), m)]))
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    assert low == pytest.approx(-FLAT_PADDING_DECADES) and high == pytest.approx(FLAT_PADDING_DECADES)
    assert any("constant" in text.get_text() for text in ax.texts)


def test_a_zero_series_is_noted_and_not_in_the_legend():
    from mdtheory.report import claim_figures

    ctx = mpmath.MPContext()
    zeros = [ctx.mpf(0)] * 4
    fake = SimpleNamespace(ctx=ctx, fine=SimpleNamespace(eta_t=[0, 1, 2, 3], bits=64), bits=(64, 128),
                           values=lambda quantity: zeros, float_run=None)
    result = SimpleNamespace(quantity="separation", kind="upper_bound", verdict=HOLDS, bound_curve=[(0, 1), (3, 1)])
    (fig,) = claim_figures(ClaimReport("zero", "zero", "", [NamedCheck("zero run", result, fake)]))
    ax = fig.axes[0]
    assert any("0 at every step" in text.get_text() for text in ax.texts)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["claimed: upper_bound"]


def test_a_twin_is_titled_with_what_it_predicts():
    from mdtheory.report import claim_figures

    m = gd_on_x_squared("11/10")  # beyond the edge: amplification 1.2^t, the bound 1 is violated
    result = UpperBound(1).check(m)
    assert result.verdict == VIOLATED
    twin = NamedCheck("gd_edge (twin)", result, m, VIOLATED)
    (fig,) = claim_figures(ClaimReport("library_x", "twin", "", [twin]))
    title = fig.axes[0].get_title()
    assert "planted-false twin, predicted violated: violated" in title and "(!)" not in title
    assert "(holds)" not in fig._suptitle.get_text() and "every check as predicted" in fig._suptitle.get_text()
    unexpected = NamedCheck("gd_edge", result, m, HOLDS)
    (fig,) = claim_figures(ClaimReport("x", "not as predicted", "", [unexpected]))
    assert "violated (!) expected holds" in fig.axes[0].get_title()
    assert "1 of 1 checks not as predicted" in fig._suptitle.get_text()


def test_a_flat_interval_on_a_log_axis_is_one_line_with_room():
    from matplotlib.figure import Figure

    from mdtheory.plotting import FLAT_PADDING_DECADES, legend_of_drawn, pad_flat

    ax = Figure().subplots()
    ax.semilogy([1, 2, 3], [1, 1, 1], label="certified lower")
    ax.semilogy([1, 2, 3], [1, 1, 1], label="certified upper")
    ax.semilogy([1, 2, 3], [math.nan] * 3, label="not certified")
    assert pad_flat(ax, log_axis=True)
    assert ax.get_ylim() == pytest.approx((10 ** -FLAT_PADDING_DECADES, 10 ** FLAT_PADDING_DECADES))
    assert [h.get_label() for h in legend_of_drawn(ax)] == ["certified lower", "certified upper"]


def test_sweep_heatmaps_share_one_scale_and_mark_the_violated_cells():
    from mdtheory.sweep import heatmap_figure

    rows = [dict(regularizer=reg, eta=eta, T=T, eps="1e-10", peak_amplification=str(scale * T),
                 verdict="violated" if scale * T > 1e4 else "holds")
            for reg, scale in (("negative_entropy", 1e3), ("log_barrier", 1.0)) for eta in ("1/10", "1/4")
            for T in (5, 20)]
    fig = heatmap_figure(rows, "eta", "T")
    images = [image for ax in fig.axes for image in ax.images]
    assert len(images) == 2
    assert len({(image.norm.vmin, image.norm.vmax) for image in images}) == 1
    assert images[0].norm.vmin == pytest.approx(math.log10(5)) and images[0].norm.vmax == pytest.approx(math.log10(2e4))
    marked = [text for ax in fig.axes for text in ax.texts if (text.get_gid() or "").startswith("not holding")]
    assert len(marked) == sum(row["verdict"] == "violated" for row in rows) == 2
    assert {text.get_position() for text in marked} == {(0, 1), (1, 1)}  # T = 20 (row 1), both etas


def test_falsify_figure_legend_lists_only_what_is_drawn():
    from mdtheory.search import FalsifyResult, falsify_figure

    empty = FalsifyResult("not falsified", 0, 0, 0, 0, 0.0, {}, None, 0.0, 0.0, False)
    left = falsify_figure(empty).axes[0]
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["measured = claimed"]
    searched = FalsifyResult("not falsified", 20, 0, 0, 0, 0.5, {}, None, 1.0, 1.0, True,
                             history=[(10, 0.5), (20, 0.5)], top_ratios=[0.5, 0.25])
    left = falsify_figure(searched).axes[0]
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["measured = claimed", "best so far (float64)"]
