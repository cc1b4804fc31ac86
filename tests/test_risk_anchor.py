"""`mdtheory risk --anchor`: the cost of stabilization against exact answers (the anchored fixed point's closed
form, the engine's anchored MD, step-by-step iterated runs, closed-form crossing steps) and through the CLI."""

import json

import mpmath
import numpy as np
import pytest
import sympy as sp

from mdtheory.checker.stabilization import (
    DEFAULT_TARGET_GAP,
    _timed_loop,
    anchored_logit_step,
    compare,
    fixed_point,
)
from mdtheory.cli import main
from mdtheory.engine.context import working_context
from mdtheory.engine.entropic_float import RiskSetting, _state
from mdtheory.engine.frameworks import FrameworkRun, backend
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.symbolic.catalogue import negative_entropy
from mdtheory.symbolic.mirror_descent import MirrorDescent, anchored
from mdtheory.symbolic.objectives import linear

TRUTH_DIGITS = 80  # the tests' own reference values, in mpmath at this many digits


def truth_context():
    ctx = mpmath.MPContext()
    ctx.dps = TRUTH_DIGITS
    return ctx


def agrees(figure, exact_value, ctx):
    """The figure's shown (trusted) digits are those of the exact value: they differ by less than one unit in the
    last shown digit."""
    shown = figure.shown
    assert shown and shown >= 10, figure
    value = ctx.mpf(str(figure.value))
    return abs(value - exact_value) <= abs(exact_value) * ctx.mpf(10) ** (1 - shown)


def test_the_closed_form_fixed_point_is_the_engines_anchored_limit():
    """x* = a exp(-c/lambda) / Z, for an anchor that is not uniform, is where claim 4's anchored MD (the engine's
    own formulation, symbolic.mirror_descent.anchored) settles, and one anchored logit step leaves it in place."""
    anchor, costs = [sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 6)], [0, 1, sp.Rational(3, 2)]
    strength, eta = sp.Rational(1, 3), sp.Rational(3, 4)  # eta lambda = 1/4: contraction (3/4)^t
    ctx = working_context(200)
    star = fixed_point(ctx, anchor, costs, strength)
    moved = anchored_logit_step(ctx, [ctx.log(x) for x in star], anchor, costs, eta, strength)
    top = max(moved)
    total = ctx.fsum(ctx.exp(z - top) for z in moved)
    assert max(abs(ctx.exp(z - top) / total - x) for z, x in zip(moved, star)) < ctx.mpf(10) ** -55
    reg = negative_entropy(3)
    md = anchored(MirrorDescent(reg, linear(reg.variables, costs)), strength)
    spec = RunSpec.build([sp.Rational(1, 100), sp.Rational(9, 10), sp.Rational(9, 100)], [1, -1, 0], "1e-30", eta,
                         400, record_every=400, parameters=anchor)
    final = run_mirror_descent(md, spec, 200, MirrorDescentKernel(md), backend="flint").final
    # (3/4)^400 = 1e-50: the start is forgotten to 50 digits
    assert max(abs(ctx.mpf(f) - x) for f, x in zip(final, star)) < ctx.mpf(10) ** -45


def test_the_bias_is_the_exact_limit_and_the_horizon_value_is_the_closed_form():
    d, p, spread, eta, steps = 50, "1e-8", sp.Rational(3, 2), sp.Rational(1, 10), 300
    setting = RiskSetting.build(d, f"min:{p}", spread, eta, steps)
    strength = sp.Rational(1, 7)
    plain, anchored_run = compare(setting, (strength,)).costs
    ctx = truth_context()
    limit = 1 / (1 + (d - 1) * ctx.exp(-ctx.mpf(spread.p) / spread.q / (ctx.mpf(strength.p) / strength.q)))
    assert agrees(anchored_run.limit_x_k, limit, ctx)
    assert agrees(anchored_run.limit_gap, ctx.mpf(spread.p) / spread.q * (1 - limit), ctx)
    assert anchored_run.limit_x_k.trusted >= 30
    assert str(plain.limit_x_k) == "1" and str(plain.limit_gap) == "0"
    # x_k(T) from the float64 start: z_i - z_k = rho log(q/p) - (1 - rho) spread/lambda on the d - 1 others
    x0 = setting.initial()
    ratio = ctx.log(ctx.mpf(float(x0[1]))) - ctx.log(ctx.mpf(float(x0[0])))
    rho = (1 - ctx.mpf(eta * strength.p) / strength.q) ** steps
    pulled = (1 - rho) * ctx.mpf(spread.p) / spread.q / (ctx.mpf(strength.p) / strength.q)
    assert agrees(anchored_run.final_x_k, 1 / (1 + (d - 1) * ctx.exp(rho * ratio - pulled)), ctx)
    plain_final = 1 / (1 + (d - 1) * ctx.exp(ratio - ctx.mpf(eta.p) / eta.q * steps * ctx.mpf(spread.p) / spread.q))
    assert agrees(plain.final_x_k, plain_final, ctx)


def iterated_steps(setting, strength, target):
    """The first t with f(x_t) - min f <= target, by iterating the update in the logits step by step at
    TRUTH_DIGITS (z <- (1 - eta lambda) z - eta c; the uniform anchor's log a is a constant the softmax drops)."""
    ctx = truth_context()
    keep = 1 if strength is None else 1 - ctx.mpf((setting.eta * strength).p) / (setting.eta * strength).q
    eta = ctx.mpf(setting.eta.p) / setting.eta.q
    spread = ctx.mpf(setting.spread.p) / setting.spread.q
    z = [ctx.log(ctx.mpf(float(x))) for x in setting.initial()]
    costs = [ctx.mpf(float(c)) for c in setting.costs()]
    k, level = setting.target, ctx.mpf(target.p) / target.q
    for t in range(setting.steps + 1):
        weights = [ctx.exp(zi - z[k]) for zi in z]
        if spread * (1 - 1 / ctx.fsum(weights)) <= level:
            return t
        z = [keep * zi - eta * c for zi, c in zip(z, costs)]
    raise AssertionError("the target is not reached within the iterated horizon")


@pytest.mark.parametrize("start, d, eta, strengths", [
    ("min:1e-7", 5, "1/4", ("1/50", "1/10")),
    ("zipf:2", 40, "1/10", ("1/40", "1/12")),
])
def test_steps_to_the_target_are_those_of_the_iterated_runs(start, d, eta, strengths):
    setting = RiskSetting.build(d, start, "1", eta, 400)
    strengths = tuple(sp.Rational(s) for s in strengths)
    result = compare(setting, strengths)
    found = [int(str(c.steps)) for c in result.costs]
    expected = [iterated_steps(setting, s, DEFAULT_TARGET_GAP) for s in (None, *strengths)]
    assert found == expected
    assert [int(str(c.extra_steps)) for c in result.costs[1:]] == [e - expected[0] for e in expected[1:]]


def test_plain_steps_are_the_closed_form_crossing_and_a_biased_anchor_never_reaches_the_target():
    """Plain MD from min:P: 1 - x_tk = R/(1 + R), R = (d - 1) (q/p) exp(-eta t spread), so the first t with
    spread R/(1 + R) <= g is ceil((log((d - 1) q/p) - log(g/(spread - g))) / (eta spread)), far past the horizon
    (the steps are counted without it)."""
    d, eta, spread, target = 1000, sp.Rational(1, 100), 2, sp.Rational(1, 10**6)
    setting = RiskSetting.build(d, "min:1e-12", spread, eta, 50)
    x0 = setting.initial()
    ctx = truth_context()
    log_ratio = ctx.log((d - 1) * ctx.mpf(float(x0[1])) / ctx.mpf(float(x0[0])))
    crossing = (log_ratio - ctx.log(ctx.mpf(target.p) / target.q / (spread - ctx.mpf(target.p) / target.q))) / (
        ctx.mpf(eta.p) / eta.q * spread)
    # lambda = 1/10: the limit's suboptimality is 2 (d - 1) e^-20 / (1 + ...) = 4.1e-6 > 1e-6
    plain, biased = compare(setting, (sp.Rational(1, 10),), target_gap=target).costs
    assert int(str(plain.steps)) == int(ctx.ceil(crossing)) > setting.steps
    assert biased.steps is None and biased.steps_note.startswith("never")
    assert float(biased.limit_gap.value) > float(target)


@pytest.mark.parametrize("update", ["multiplicative", "logits"])
def test_the_timed_anchored_loop_runs_the_anchored_update(update):
    """The time per step is that of the update it claims: the timed loops' iterates are the closed forms'."""
    setting = RiskSetting.build(30, "zipf:1", "1", "1/5", 40, update=update)
    run = FrameworkRun("numpy", "cpu", "float64")
    kernels = backend(run)
    strength = sp.Rational(1, 2)
    anchored_setting = RiskSetting.build(30, "zipf:1", "1", "1/5", 40, anchor=strength, update=update)
    last = 40 if update == "multiplicative" else 39
    for s, loop, anchored_flag in ((setting, _timed_loop(setting, kernels, run, None), False),
                                   (anchored_setting, _timed_loop(setting, kernels, run, strength), True)):
        seconds, final = loop(40)
        assert seconds > 0
        assert np.max(np.abs(final - _state(s, last, anchored_flag)[0])) < 1e-13


def test_risk_anchor_command_reports_the_cost_side_by_side(tmp_path, capsys):
    code = main(["risk", "--d", "5", "--start", "min:1e-7", "--eta", "1/4", "--steps", "200", "--noise", "1e-9",
                 "--anchor", "1/20,1/10,1/2", "--target-gap", "1e-3", "--out", str(tmp_path)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "## The cost of stabilization" in printed and "never: the anchored limit's suboptimality" in printed
    assert (tmp_path / "stabilization.png").stat().st_size > 0
    runs = json.loads((tmp_path / "risk.json").read_text())["stabilization"]["runs"]
    assert [r["lambda"] for r in runs] == [None, "1/20", "1/10", "1/2"]
    assert all(float(r["seconds_per_step"]["value"]) > 0 for r in runs)
    # lambda = 1/10 keeps the noise below the tolerance at the price of 13 more steps to f - min f <= 1e-3
    assert runs[0]["noise_crossing"] is not None and runs[2]["noise_crossing"] is None
    assert runs[2]["extra_steps"]["value"] == str(iterated_steps(
        RiskSetting.build(5, "min:1e-7", "1", "1/4", 200), sp.Rational(1, 10), DEFAULT_TARGET_GAP)
        - iterated_steps(RiskSetting.build(5, "min:1e-7", "1", "1/4", 200), None, DEFAULT_TARGET_GAP))


@pytest.mark.parametrize("arguments, words", [
    (["--anchor", "0"], "--anchor 0: lambda must be positive"),
    (["--anchor=-1/2"], "--anchor -1/2: lambda must be positive"),
    (["--anchor", "abc"], "--anchor: 'abc' is not a number"),
    (["--anchor", "1/10,,1/20"], "--anchor '1/10,,1/20': an empty value"),
    (["--anchor", ",".join(f"1/{n}" for n in range(20, 29))], "9 values, at most 8"),
    (["--anchor", "1/20,0.05"], "given twice"),
    (["--anchor", "1/20,20"], "--anchor 20: the anchor needs 0 < eta \\* lambda < 1"),
    (["--anchor", "1/20", "--target-gap", "0"], "--target-gap 0: .* must be positive"),
    (["--anchor", "1/20", "--target-gap", "tiny"], "--target-gap: 'tiny' is not a number"),
    (["--target-gap", "1e-3"], "--target-gap .*add --anchor"),
])
def test_bad_anchor_input_exits_2_naming_the_option(arguments, words, capsys):
    import re

    code = main(["risk", "--d", "5", "--start", "min:1e-7", "--steps", "20", *arguments])
    assert code == 2
    assert re.search(words, capsys.readouterr().err)
