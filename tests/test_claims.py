"""The paper's claims at quick settings: pinned verdicts, and measured values against their formulas."""

import pytest
import sympy as sp

from mdtheory.checker import HOLDS, VIOLATED
from mdtheory.checker.measure import measure
from mdtheory.engine.closed_forms import GroupedSimplexStart, entropic_linear_series
from mdtheory.engine.run import RunSpec
from mdtheory.symbolic.catalogue import negative_entropy
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import linear



def test_claim1_verdicts(quick_reports):
    report = quick_reports("claim1_quadratic_stability")
    assert report.verdict == HOLDS
    by_label = {c.label: c.result for c in report.checks}
    assert by_label["GD quadratic, eta = 1.1*2/L"].verdict == VIOLATED
    assert by_label["Mahalanobis cond 100, eta = 2/L_M (tight)"].extra["tight"]
    assert by_label["Mahalanobis cond 100, eta = 1.1*2/L_M"].verdict == VIOLATED


def test_claim3_verdicts_and_every_check_predicted(quick_reports):
    report = quick_reports("claim3_kl_linear")
    assert report.verdict == HOLDS
    assert all(c.as_predicted for c in report.checks)
    assert sum(c.result.kind == "closed_form" for c in report.checks) >= 4


def test_claim3_formulas_derived_by_sympy():
    from mdtheory.claims.claim3_kl_linear import jacobian_certificate
    from mdtheory.instances.two_group_simplex import delta_, derived_formulas, gap_

    f = derived_formulas()
    assert sp.simplify(f["peak"] - 1 / (4 * delta_ * (1 - delta_))) == 0
    assert sp.simplify(f["s_star"] - sp.log((1 - delta_) / delta_) / gap_) == 0
    assert f["rate"] == gap_
    assert jacobian_certificate() == (True, True)


def test_grouped_closed_form_agrees_with_the_generic_engine():
    d = 10
    reg = negative_entropy(d)
    md = MirrorDescent(reg, linear(reg.variables, [0] + [1] * (d - 1)))
    spec = RunSpec.build(["1/10"] * d, [d - 1] + [-1] * (d - 1), "1e-30", "1/4", 24)
    iterated = measure(md, spec, 200, with_float64=False).fine
    grouped = entropic_linear_series(
        GroupedSimplexStart((1, d - 1), (sp.Rational(1, d),) * 2, (0, 1), (d - 1, -1)), "1e-30", "1/4", 24, 400)
    ctx = grouped.ctx
    for a, b in zip(iterated.log_tangent_amplification, grouped.log_tangent_amplification):
        assert abs(ctx.mpf(a) - b) < ctx.mpf(10) ** -50
    for a, b in zip(iterated.separation, grouped.separation):
        assert abs(ctx.mpf(a) - b) <= abs(b) * ctx.mpf(10) ** -20


def test_claim2_certificates_are_proofs():
    from mdtheory.instances import exponential_separation as c

    bound = c.hessian_bound_certificate()
    assert bound["proved"] and bound["condition_number"] == 9
    assert c.convexity_certificate()["proved"]
    smooth = c.smoothness_certificate()
    assert smooth["proved"] and 9 < smooth["L_f_bound_value"] < 10
    assert c.invariance_certificate()["proved"]


def test_claim2_tube_width_respects_the_convexity_budget():
    from mdtheory.instances import exponential_separation as c

    for K in (5, 40, 333):
        assert c.convexity_budget(c.tube_width(K)) >= K


FLOAT64_STEP_AGREEMENT = 1e-12  # one float64 step (a few dozen softplus terms) against 200 bits


def test_ridge_oracle_matches_the_sympy_objective():
    from mdtheory.instances import exponential_separation as c
    from mdtheory.engine.context import working_context
    from mdtheory.engine.context import Float64Context
    from mdtheory.engine.kernels import MirrorDescentKernel

    K, r = 6, sp.Rational(1, 50)
    md = MirrorDescent(c.regularizer(), c.objective(K, r))
    reference, oracle = MirrorDescentKernel(md), MirrorDescentKernel(md, c.RidgeOracle(K, r))
    ctx = working_context(200)
    eta = ctx.exact(sp.Rational(1, 20))
    for point in ([0, 0, -1], ["1/100", "-1/70", "3/2"], ["1/10", "1/5", "6"], [0, 0, 20]):
        x = [ctx.exact(sp.Rational(v)) for v in point]
        a, b = reference.step(ctx, x, eta), oracle.step(ctx, x, eta)
        assert max(abs(p - q) for p, q in zip(a, b)) < ctx.mpf(10) ** -55
        assert ctx.mnorm(reference.jacobian(ctx, x, a, eta) - oracle.jacobian(ctx, x, b, eta), 1) < ctx.mpf(10) ** -55
        assert abs(reference.objective(ctx, x) - oracle.objective(ctx, x)) < ctx.mpf(10) ** -55
        # the float64 pilot (claim 2 plans its horizon with it) runs the same oracle in float64
        floats = oracle.step(Float64Context(), [float(v) for v in x], float(eta))
        assert all(abs(float(p) - q) <= FLOAT64_STEP_AGREEMENT * (1 + abs(float(p))) for p, q in zip(a, floats))


def test_claim2_quick_growth_and_eta_independence(quick_reports):
    report = quick_reports("claim2_exponential_separation")
    assert report.verdict == HOLDS
    labels = [c.label for c in report.checks]
    assert "c independent of eta" in labels


def test_claim4_quick_fixed_anchor_decays_init_anchor_freezes(quick_reports):
    report = quick_reports("claim4_anchoring")
    assert report.verdict == HOLDS
    kinds = {c.result.kind for c in report.checks}
    assert {"exponential_growth", "limit", "comparative"} <= kinds


def test_anchored_objective_adds_the_bregman_term():
    from mdtheory.symbolic.mirror_descent import anchored
    from mdtheory.symbolic.regularizer import second_point

    reg = negative_entropy(2)
    md = anchored(MirrorDescent(reg, linear(reg.variables, [1, 0])), "1/4")
    assert md.parameters == second_point(reg)
    x, a = reg.variables, second_point(reg)
    gradient = md.objective.gradient
    assert sp.simplify(gradient[0] - (1 + sp.Rational(1, 4) * (sp.log(x[0]) - sp.log(a[0])))) == 0


def test_practice_vocabulary_predictions_match_the_runs(quick_reports, tmp_path):
    from mdtheory.report import write_report

    report = quick_reports("practice_vocabulary")
    assert report.verdict == HOLDS
    assert all(c.as_predicted for c in report.checks)
    labels = " ".join(c.label for c in report.checks)
    assert "float32" in labels and "bfloat16" in labels and "anchor" in labels
    write_report([report], tmp_path)
    assert (tmp_path / "practice_vocabulary-separations.png").stat().st_size > 0
    assert "practice_vocabulary-separations.png" in (tmp_path / "report.md").read_text()


def test_practice_vocabulary_iteration_can_disagree_with_a_wrong_formula():
    # The measured side is an independent iteration: feed it a different eta and it no longer matches.
    import numpy as np

    from mdtheory.instances.vocabulary import iterate_float64
    from mdtheory.engine.entropic_float import RiskSetting, amplification

    setting = RiskSetting.build(200, "zipf:2", "1", "1/10", 100)
    other = RiskSetting.build(200, "zipf:2", "1", "1/8", 100)
    _, tangent = iterate_float64(setting)
    assert np.max(np.abs(tangent / amplification(setting) - 1)) < 1e-10
    assert np.max(np.abs(tangent / amplification(other) - 1)) > 1e-2


def test_practice_policy_optimization_checks_hold(quick_reports):
    report = quick_reports("practice_policy_optimization")
    assert report.verdict == HOLDS and all(c.as_predicted for c in report.checks)
    assert any("MDP" in c.label for c in report.checks) and any("bandit" in c.label for c in report.checks)


def test_npg_on_a_bandit_with_a_wrong_step_disagrees_with_the_closed_form():
    from mdtheory.claims.practice_policy_optimization import amplification_series, bandit
    from mdtheory.engine.entropic_float import RiskSetting, amplification

    _, series = amplification_series(bandit, sp.Rational(1, 10**6), sp.Rational(1, 5), 60, 128)
    predicted = amplification(RiskSetting.build(3, "min:1e-6", "1", "1/4", 60))
    assert max(abs(float(series[t]) / a - 1) for t, a in enumerate(predicted)) > 1e-2


@pytest.mark.slow  # about 18 s at quick settings; the slow verify test runs it at default settings too
def test_inexact_md_separation_holds(quick_reports):
    report = quick_reports("inexact_md")
    assert report.verdict == HOLDS and all(c.as_predicted for c in report.checks)
