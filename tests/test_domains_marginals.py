"""The transport polytope {X >= 0 : X 1 = a, X^T 1 = b} (``domain = "marginals"``, symbolic/sets/marginals.py):
Sinkhorn's KL projection and its implicit derivative against the 2 x 2 closed form, entropic MD on a linear cost
reaching the optimal plan's vertex with the MD bound holding and its twin violated; bad input names its key
(issue 26, item 6)."""

import mpmath
import pytest
import sympy as sp

from mdtheory.claimfile import toml_text
from mdtheory.cli import main
from mdtheory.engine.context import working_context
from mdtheory.symbolic.sets import marginals
from mdtheory.symbolic.sets.marginals import Marginals

BITS = 256
ROWS, COLUMNS = (sp.Rational(1, 3), sp.Rational(2, 3)), (sp.Rational(1, 2), sp.Rational(1, 2))


def closed_form_projection(y, at=None):
    """X = [[s, a1 - s], [b1 - s, a2 - b1 + s]]: the KL projection keeps the cross ratio x11 x22 / (x12 x21) =
    y11 y22 / (y12 y21) = k (log x_ij - log y_ij = p_i + q_j), so s solves
    (1 - k) s^2 + (a2 - b1 + k (a1 + b1)) s - k a1 b1 = 0, the root inside (max(0, b1 - a2), min(a1, b1))."""
    (a1, a2), (b1, _) = ROWS, COLUMNS
    k = y[0] * y[3] / (y[1] * y[2])
    s = sp.Symbol("s")
    low, high = max(0, b1 - a2), min(a1, b1)
    roots = [r for r in sp.solve((1 - k) * s**2 + (a2 - b1 + k * (a1 + b1)) * s - k * a1 * b1, s)
             if low < sp.N(r.subs(at or {}), 60) < high]  # ``at``: where a y in a symbol picks its root
    assert len(roots) == 1
    return [roots[0], a1 - roots[0], b1 - roots[0], a2 - b1 + roots[0]]


def test_sinkhorn_projection_and_its_derivative_equal_the_2x2_closed_form():
    ctx = working_context(BITS)
    polytope = Marginals(ROWS, COLUMNS)
    t = sp.Symbol("t")
    y = [sp.Rational(1, 5) + t, sp.Rational(3, 7), sp.Rational(2, 9) - 2 * t, sp.Rational(1, 2) + t / 3]
    exact = closed_form_projection([v.subs(t, 0) for v in y])
    x = polytope.project(ctx, [ctx.exact(v.subs(t, 0)) for v in y])
    assert max(abs(a - ctx.mpf(str(sp.N(b, 90)))) for a, b in zip(x, exact)) < mpmath.mpf(10) ** -30
    # the derivative along w = dy/dt, against d/dt of the closed form (the same root, differentiated exactly)
    along = closed_form_projection(y, {t: 0})
    derivative = [sp.N(sp.diff(v, t).subs(t, 0), 90) for v in along]
    w = [ctx.exact(sp.diff(v, t)) for v in y]
    tangent = polytope.project_tangent(ctx, [ctx.exact(v.subs(t, 0)) for v in y], w)
    assert max(abs(a - ctx.mpf(str(b))) for a, b in zip(tangent, derivative)) < mpmath.mpf(10) ** -30
    assert abs(sum(tangent[:2])) < mpmath.mpf(10) ** -60 and abs(tangent[0] + tangent[2]) < mpmath.mpf(10) ** -60


def test_the_vertices_of_a_2x3_polytope_and_the_exact_linear_minimizer():
    polytope = Marginals((sp.Integer(1), sp.Integer(1)), (sp.Rational(1, 2), sp.Rational(1, 2), sp.Integer(1)))
    # the plans with a spanning-tree support: one free row decides the other; 4 vertices here, by hand
    assert set(polytope.vertices) == {
        (0, 0, 1, sp.Rational(1, 2), sp.Rational(1, 2), 0), (sp.Rational(1, 2), sp.Rational(1, 2), 0, 0, 0, 1),
        (sp.Rational(1, 2), 0, sp.Rational(1, 2), 0, sp.Rational(1, 2), sp.Rational(1, 2)),
        (0, sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(1, 2), 0, sp.Rational(1, 2))}
    # costs at the four vertices, in that order: 11/2, 1/2, 7/2, 5/2
    assert polytope.linear_minimizer([1, 0, 5, 0, 1, 0]) == (sp.Rational(1, 2), sp.Rational(1, 2), 0, 0, 0, 1)
    assert polytope.linear_minimizer([0] * 6) is None  # every plan is optimal


PLAN = {"problem": {"variables": ["x1", "x2", "x3", "x4"], "domain": "marginals", "rows": ["1/3", "2/3"],
                    "columns": ["1/2", "1/2"], "regularizer": "negative_entropy",
                    "objective": "x1 + 3*x2 + 2*x3 + x4"},
        "run": {"x0": ["1/6", "1/6", "1/3", "1/3"], "eta": "1/2", "steps": 30, "precision_bits": 128},
        "solution": {"x": "computed"},
        # Pinsker on the plans of total mass 1 (the 4-point simplex): KL(x, y) >= ||x - y||_1^2 / 2
        "constants": {"sigma": "1"},
        "claim": {"kind": "upper_bound", "quantity": "best_suboptimality", "norm": "l1",
                  "bound": "(D0 + eta**2*G**2*T/(2*sigma))/(eta*T)"},
        "twin": {"why": "the bound divided by 8", "claim": {"bound": "(D0 + eta**2*G**2*T/(2*sigma))/(8*eta*T)"}}}


def write(tmp_path, tables, name="claim.toml"):
    path = tmp_path / name
    path.write_text(toml_text(tables))
    return path


def test_entropic_md_on_a_transport_polytope_meets_the_md_bound_and_its_twin_is_violated(tmp_path, capsys):
    """<C, X> with C = [[1, 3], [2, 1]]: the plans are [[s, 1/3 - s], [1/2 - s, 1/6 + s]], cost 13/6 - 3 s, so the
    optimal plan is the vertex s = 1/3: [[1/3, 0], [1/6, 1/2]], f* = 7/6."""
    path = write(tmp_path, PLAN)
    assert main(["check", str(path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "verdict: holds" in out
    assert "x* (computed: the exact minimizer of the linear f over the transport polytope" in out
    assert "= [0.3333333333, 0.0, 0.1666666667, 0.5]" in out and "Sinkhorn's scaling" in out
    assert main(["check", str(path), "--twin", "--no-progress"]) == 0  # as predicted: violated
    assert "verdict: violated" in capsys.readouterr().out


@pytest.mark.parametrize("problem, run, words", [
    ({"rows": ["1/3", "1/3"]}, {}, "[problem] columns: the column marginals sum to 1"),
    ({"rows": ["1/3", "1/3", "1/3"]}, {}, "[problem] rows: 3 rows times 2 columns"),
    ({"rows": ["1", "0"], "columns": ["1/2", "1/2"]}, {}, "[problem] rows: entry 1 is 0"),
    ({"columns": "1"}, {}, "[problem] columns"),
    ({"regularizer": "euclidean"}, {}, "[problem] regularizer"),
    ({}, {"x0": ["1/4", "1/4", "1/4", "1/4"]}, "[run] x0"),
    ({}, {"direction": ["1", "0", "0", "-1"], "eps": "1/100"}, "[run] direction"),
], ids=["totals differ", "cells", "zero marginal", "columns not a list", "not the entropy", "x0 off the marginals",
        "direction leaves"])
def test_bad_marginals_name_their_key(tmp_path, capsys, problem, run, words):
    tables = {**PLAN, "problem": {**PLAN["problem"], **problem}, "run": {**PLAN["run"], **run}}
    tables.pop("twin")
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert words in capsys.readouterr().err


def test_a_projection_that_does_not_converge_is_refused_naming_the_keys(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(marginals, "MAX_SINKHORN_ITERATIONS", 1)
    tables = dict(PLAN)
    tables.pop("twin")
    assert main(["check", str(write(tmp_path, tables)), "--no-progress"]) == 2
    assert "[problem] rows, columns: Sinkhorn's scaling" in capsys.readouterr().err
