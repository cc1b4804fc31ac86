"""`mdtheory risk`: every prediction against a measured run."""

import numpy as np
import pytest
import sympy as sp

from mdtheory.cli import main
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.errors import DomainError, ExpressionError, StepSizeError
from mdtheory.engine.entropic_float import (
    RiskSetting,
    amplification,
    first_crossing,
    measured_rounding,
    noise_separation,
    rounding_bound,
)
from mdtheory.risk import assess
from mdtheory.symbolic.catalogue import negative_entropy
from mdtheory.symbolic.mirror_descent import MirrorDescent, anchored
from mdtheory.symbolic.objectives import linear

BITS = 160
# float64 closed forms against a 160-bit iterated run: the closed form's own float64 rounding, a few
# hundred ulps over O(d) sums and exp of arguments up to ~30.
CLOSED_FORM_AGREEMENT = 1e-11


def exact(values):
    return [sp.Rational(*float(v).as_integer_ratio()) for v in values]


def exact_start(setting):
    """The float64 weights of the setting, normalized exactly (the closed forms are scale-invariant)."""
    weights = exact(setting.initial())
    total = sum(weights)
    return [w / total for w in weights]


def engine_run(setting, anchor=None, eps=None):
    """The engine iterating the same MD step by step, from the same float64-defined start."""
    reg = negative_entropy(setting.d)
    md = MirrorDescent(reg, linear(reg.variables, exact(setting.costs())))
    x0 = exact_start(setting)
    v = [-p for p in x0]
    v[setting.target] += 1
    params = ()
    if anchor is not None:
        md = anchored(md, anchor)
        params = [sp.Rational(1, setting.d)] * setting.d
    norm = sp.sqrt(sum(c * c for c in v))
    sigma = (setting.noise or sp.Rational(1, 10**30)) if eps is None else eps
    scaled = sp.Rational(str(sp.N(sigma / norm, 60)))  # x0 + sigma v/||v||, to 60 digits
    spec = RunSpec.build(x0, v, scaled, setting.eta, setting.steps, record_every=1, parameters=params)
    return run_mirror_descent(md, spec, BITS, MirrorDescentKernel(md), backend="flint")


def at_times(series, setting, values):
    return np.array([float(values[int(t)]) for t in setting.times()])


@pytest.mark.parametrize("anchor", [None, "1/20"])
def test_amplification_formula_equals_the_iterated_tangent(anchor):
    setting = RiskSetting.build(5, "min:1e-7", "1", "1/4", 120, anchor=anchor)
    series = engine_run(setting, anchor=setting.anchor)
    measured = at_times(series, setting, [series.ctx.exp(v) for v in series.log_tangent_amplification])
    predicted = amplification(setting, anchored=anchor is not None)
    assert np.max(np.abs(predicted / measured - 1)) < CLOSED_FORM_AGREEMENT


@pytest.mark.parametrize("anchor", [None, "1/20"])
def test_noise_separation_formula_equals_the_iterated_runs(anchor):
    setting = RiskSetting.build(5, "min:1e-7", "1", "1/4", 120, noise="1e-9", anchor=anchor)
    series = engine_run(setting, anchor=setting.anchor)
    measured = at_times(series, setting, series.separation)
    predicted = noise_separation(setting, anchored=anchor is not None)
    assert np.max(np.abs(predicted / measured - 1)) < CLOSED_FORM_AGREEMENT
    # and so the predicted times agree with the measured ones
    for level in ("1e-4", "1e-3"):
        assert first_crossing(setting.times(), predicted, level) == first_crossing(setting.times(), measured, level)


def test_noise_crossing_time_is_predicted_where_the_noise_matters():
    setting = RiskSetting.build(5, "min:1e-7", "1", "1/4", 120, noise="1e-9", tolerance="1e-3")
    report = assess(setting, validate=False)
    assert report.crossings["noise separation"]["tolerance"] is not None  # 1e-9 * 2.5e6 > 1e-3: it matters


@pytest.mark.parametrize("arithmetic, update", [("float64", "multiplicative"), ("float32", "multiplicative"),
                                                ("bfloat16", "multiplicative"), ("float32", "logits"),
                                                ("bfloat16", "logits")])
def test_measured_rounding_stays_within_the_bound(arithmetic, update):
    setting = RiskSetting.build(300, "zipf:2", "1", "1/10", 300, arithmetic, update=update)
    measured, bound = measured_rounding(setting), rounding_bound(setting)
    assert np.all(measured <= bound)
    assert np.max(measured) > 0  # the run did round: the comparison is not vacuous


def test_rounding_is_not_amplified_like_an_absolute_perturbation():
    # The finding the risk report states: u * A(t) (rounding as an absolute perturbation) overestimates a
    # float32 run by orders of magnitude, because rounding is relative and J_t (x_0 * delta) is O(delta).
    setting = RiskSetting.build(300, "min:1e-9", "1", "1/10", 300, "float32")
    report = assess(setting)
    naive, measured = report.columns["naive u*A"], report.columns["measured rounding"]
    assert naive.max() > 1e3 * measured.max()


def test_bfloat16_logits_stall_where_predicted():
    # beyond |z| = 32 a bfloat16 number's half-spacing (1/8) exceeds the step 1/10: the logits stop
    setting = RiskSetting.build(300, "min:1e-12", "1", "1/10", 400, "bfloat16", update="logits")
    report = assess(setting)
    assert report.stall["magnitude"] == 32
    assert abs(report.stall["measured_x_k"] / report.stall["x_k"] - 1) < 0.01
    assert report.stall["x_k"] < 0.5  # the takeover never completes
    assert assess(RiskSetting.build(300, "min:1e-12", "1", "1/10", 400, "float32", update="logits")).stall is None


def test_anchoring_prevents_the_noise_from_mattering_when_lambda_is_large_enough():
    plain = assess(RiskSetting.build(5, "min:1e-7", "1", "1/4", 200, noise="1e-9", anchor="1/2"), validate=False)
    assert plain.crossings["noise separation"]["tolerance"] is not None
    assert plain.crossings["anchored noise separation"]["tolerance"] is None
    assert any("anchoring prevents it" in line for line in plain.summary)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"start": "pareto:2"}, ExpressionError, "unknown start"),
    ({"start": "min:0.5"}, DomainError, "smallest probability"),
    ({"arithmetic": "float16x"}, ExpressionError, "unknown arithmetic"),
    ({"anchor": "20"}, StepSizeError, "eta \\* lambda"),
    ({"eta": "-1"}, StepSizeError, "positive"),
    ({"update": "additive"}, ExpressionError, "unknown update"),
])
def test_bad_settings_are_named(kwargs, error, words):
    with pytest.raises(error, match=words):
        RiskSetting.build(**{"d": 10, "steps": 10, **kwargs})


def test_risk_command_writes_table_json_and_plot(tmp_path, capsys):
    code = main(["risk", "--d", "50", "--start", "min:1e-8", "--eta", "1/10", "--steps", "100", "--arithmetic",
                 "float32", "--noise", "1e-10", "--anchor", "1/10", "--out", str(tmp_path)])
    assert code == 0
    for name in ("risk.md", "risk.json", "risk.png"):
        assert (tmp_path / name).stat().st_size > 0
    printed = capsys.readouterr().out
    assert "Where each column comes from" in printed and "peak amplification" in printed
