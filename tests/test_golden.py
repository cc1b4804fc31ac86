"""Golden values: the catalogue's derived maps at fixed points and the claims' key numbers, pinned to
digits the precision ladder confirms. Regenerate with `pytest tests/test_golden.py --regen-golden`."""

import random

import pytest
import sympy as sp

from mdtheory.engine.context import decimal_digits, working_context
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.ladder import agreeing_digits
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.regularizer import random_domain_point

from .conftest import catalogue_cases
from .test_engine import an_objective

BITS = 256
CATALOGUE_DIGITS = 40


def _on_both_rungs(evaluate):
    """evaluate(ctx) -> list of numbers, at BITS and 2*BITS; returns the fine values and their digits."""
    coarse_ctx, fine_ctx = working_context(BITS), working_context(2 * BITS)
    coarse, fine = evaluate(coarse_ctx), evaluate(fine_ctx)
    return fine, [agreeing_digits(c, f, fine_ctx, decimal_digits(coarse_ctx)) for c, f in zip(coarse, fine)]


@pytest.mark.parametrize("name, reg", catalogue_cases(), ids=[c[0] for c in catalogue_cases()])
def test_catalogue_maps_at_a_fixed_point(golden, name, reg):
    md = MirrorDescent(reg, an_objective(reg))
    kernel = MirrorDescentKernel(md)
    point = random_domain_point(reg, random.Random(2026), digits=30)

    def evaluate(ctx):
        x = [ctx.exact(v) for v in point]
        eta = ctx.exact(sp.Rational(1, 50))
        step = kernel.step(ctx, x, eta)
        jacobian = kernel.jacobian(ctx, x, step, eta)
        return [*kernel.mirror_map(ctx, x), *step, jacobian[0, 0]]

    values, digits = _on_both_rungs(evaluate)
    labels = [f"grad_phi[{i}]" for i in range(reg.dim)] + [f"step[{i}]" for i in range(reg.dim)] + ["jacobian[0,0]"]
    for label, value, trusted in zip(labels, values, digits):
        golden.check(f"{name}.{label}", value, CATALOGUE_DIGITS, trusted, BITS)


def _check(report, label_prefix):
    return next(c for c in report.checks if c.label.startswith(label_prefix))


def test_claim1_tight_instance(golden, quick_reports):
    m = _check(quick_reports("claim1_quadratic_stability"), "Mahalanobis cond 100, eta = 2/L_M (tight)").measurement
    peak = max(range(len(m.fine.t)), key=lambda i: m.fine.amplification[i])
    golden.check("claim1.tight_amplification_cond100", m.fine.amplification[peak], 30,
                 m.ladder.digits["amplification"][peak], m.fine.bits // 2)


def test_claim3_peaks(golden, quick_reports):
    report = quick_reports("claim3_kl_linear")
    for delta in ("1e-6", "1e-12"):
        m = _check(report, f"delta = {delta}: peak").measurement
        i = max(range(len(m.fine.t)), key=lambda k: m.fine.log_tangent_amplification[k])
        golden.check(f"claim3.log_peak_amplification.delta={delta}", m.fine.log_tangent_amplification[i], 40,
                     m.ladder.digits["log_tangent_amplification"][i], m.fine.bits // 2)
    m = _check(report, "uniform d = 1000").measurement
    i = max(range(len(m.fine.t)), key=lambda k: m.fine.log_tangent_amplification[k])
    golden.check("claim3.log_peak_amplification.uniform_d=1000", m.fine.log_tangent_amplification[i], 40,
                 m.ladder.digits["log_tangent_amplification"][i], m.fine.bits // 2)


def test_claim2_growth(golden, quick_reports):
    m = _check(quick_reports("claim2_exponential_separation"), "eta = 1/10").measurement
    golden.check("claim2.log_tangent_amplification.eta=1/10.final", m.fine.log_tangent_amplification[-1], 20,
                 m.ladder.digits["log_tangent_amplification"][-1], m.fine.bits // 2)


def test_claim4_init_anchor_limit(golden, quick_reports):
    m = _check(quick_reports("claim4_anchoring"), "lambda = 1/10, anchor at x_0").measurement
    golden.check("claim4.init_anchor.lambda=1/10.final_amplification", m.fine.amplification[-1], 20,
                 m.ladder.digits["amplification"][-1], m.fine.bits // 2)


def test_npg_peak_amplifications(golden):
    from mdtheory.claims.practice_policy_optimization import bandit, chain_mdp, laddered

    for name, problem_of, eta, steps in (("bandit", bandit, sp.Rational(1, 4), 90), ("mdp", chain_mdp, sp.Rational(1, 100), 60)):
        ctx, series, digits = laddered(problem_of, sp.Rational(1, 10**9), eta, steps)
        i = max(range(len(series)), key=lambda k: series[k])
        golden.check(f"policy_optimization.{name}.peak_amplification.p=1e-9", series[i], 30, digits[i], 192)


def test_inexact_md_regret_per_round(golden):
    from mdtheory.claims.inexact_md import regret_per_round, regularizers
    from mdtheory.engine.inexact import linear_loss_problem

    for name, reg in regularizers().items():
        kernel = MirrorDescentKernel(linear_loss_problem(reg))
        coarse_ctx, coarse = regret_per_round(kernel, 150, -6.0, 128)
        fine_ctx, fine = regret_per_round(kernel, 150, -6.0, 256)
        golden.check(f"inexact_md.{name}.regret_per_round.T=150.eps=1e-6", fine, 25,
                     agreeing_digits(coarse, fine, fine_ctx, decimal_digits(coarse_ctx)), 128)
