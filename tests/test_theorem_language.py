"""The claim language's new quantities against exact answers, and published bounds with planted-false twins.

Ground truths: Hedge on constant losses has the closed-form regret sum_{s<T} 1/(1 + e^(eta s)); the chain MDP's
optimal values are exact rationals; GD on a diagonal quadratic contracts each coordinate by (1 - eta a_i).
"""

import mpmath
import pytest
import sympy as sp

from mdtheory.checker.bounds import HOLDS, INCONCLUSIVE, VIOLATED, Limit, T, UpperBound, constant_symbol as c
from mdtheory.checker.convergence import AffineLimit, ComputedConstantError, Solution, convergence_measurements
from mdtheory.checker.measure import measure
from mdtheory.checker.policy import measure_policy_md
from mdtheory.checker.regret import measure_regret
from mdtheory.engine.kernels import MirrorDescentKernel
from mdtheory.engine.mdp import TabularMDP, optimal_values_exact
from mdtheory.engine.run import RunSpec
from mdtheory.errors import DomainError
from mdtheory.symbolic.catalogue import euclidean, fermi_dirac, negative_entropy
from mdtheory.symbolic.domains import Domain
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import from_text
from mdtheory.symbolic.regularizer import Regularizer

ETA = sp.Rational(1, 10)
ROUNDS = 100
HEDGE = UpperBound(sp.log(c("d")) / c("eta") + c("eta") * T / 8, "regret")  # losses in [0, 1]
HEDGE_TIGHTENED = UpperBound(sp.log(c("d")) / (2 * c("eta")) + c("eta") * T / 8, "regret")


@pytest.fixture(scope="module")
def hedge():
    return measure_regret(negative_entropy(2), [sp.Rational(1, 2)] * 2, ETA,
                          lambda ctx, t: [ctx.mpf(0), ctx.mpf(1)], ROUNDS, 128)


def test_hedge_regret_on_constant_losses_is_the_closed_form(hedge):
    ctx = mpmath.MPContext()
    ctx.prec = 256
    closed = ctx.fsum(1 / (1 + ctx.exp(ctx.mpf(1) / 10 * s)) for s in range(ROUNDS))
    assert hedge.digits("regret")[-1] >= 30
    assert abs(hedge.values("regret")[-1] - closed) < ctx.mpf(10) ** -30


def test_hedge_bound_holds_and_its_tightened_twin_is_violated(hedge):
    assert HEDGE.check(hedge).verdict == HOLDS
    assert HEDGE_TIGHTENED.check(hedge).verdict == VIOLATED


CHAIN_R = [[sp.Rational(1, 2), sp.Rational(1, 2), 0], [0, 0, 0], [1, 1, 1]]
CHAIN_P = [[[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 0], [1, 0, 0], [1, 0, 0]], [[0, 0, 1], [0, 0, 1], [0, 0, 1]]]


def test_optimal_values_by_exact_policy_iteration():
    mdp = TabularMDP.build(CHAIN_P, CHAIN_R, sp.Rational(9, 10), [1, 0, 0])
    values, policy = optimal_values_exact(mdp)
    assert values == [9, sp.Rational(81, 10), 10] and policy[0] == 2


def test_a_row_of_P_that_does_not_sum_to_one_is_refused():
    bad = [[[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 0], [sp.Rational(1, 2), 0, 0], [1, 0, 0]], CHAIN_P[2]]
    with pytest.raises(DomainError, match=r"P\[1\]\[1\].*sum to 1"):
        TabularMDP.build(bad, CHAIN_R, sp.Rational(9, 10), [1, 0, 0])
    with pytest.raises(DomainError, match="gamma: .*float"):
        TabularMDP.build(CHAIN_P, CHAIN_R, 0.9, [1, 0, 0])


def test_npg_value_gap_obeys_agarwal_et_al():
    mdp = TabularMDP.build(CHAIN_P, CHAIN_R, sp.Rational(9, 10), [1, 0, 0])
    m = measure_policy_md(mdp, mdp.uniform_policy(), sp.Rational(1, 2), 40, 128)
    gamma = c("gamma")
    bound = UpperBound(sp.log(c("A")) / (c("eta") * T) + 1 / ((1 - gamma) ** 2 * T), "value_gap")
    assert bound.check(m).verdict == HOLDS
    assert m.values("value_gap")[0] == m.constants["Vgap0"][0] > 0


@pytest.fixture(scope="module")
def gd_on_quadratic():
    reg = euclidean(2)
    md = MirrorDescent(reg, from_text("2*x1**2 + x2**2/2", reg.variables))
    spec = RunSpec.build(["1", "1"], ["1", "0"], "1", "1/4", 30, perturbed=False)
    kernel = MirrorDescentKernel(md)
    return md, kernel, measure(md, spec, 128, with_float64=False, kernel=kernel, keep_path=True)


def test_gd_suboptimality_is_the_closed_form_and_L_is_exact(gd_on_quadratic):
    _, kernel, m = gd_on_quadratic
    (at_solution,) = convergence_measurements(m, kernel, Solution(), {})
    # eta = 1/4: x1 is zeroed in one step, x2 contracts by 3/4
    for t in (1, 3, 10):
        exact_value = sp.Rational(3, 4) ** (2 * t) / 2
        assert abs(at_solution.values("suboptimality")[t] - at_solution.ctx.mpf(exact_value.p) / exact_value.q) < 1e-35
    assert at_solution.constants["L"][0] == 4 and at_solution.constants["mu"][0] == 1
    assert UpperBound(c("L") * c("D0") / (2 * T), "suboptimality").check(at_solution).verdict == HOLDS
    assert UpperBound(c("L") * c("D0") / (20 * T), "suboptimality").check(at_solution).verdict == VIOLATED


def test_best_and_average_suboptimality_and_bregman_distance_are_the_closed_forms(gd_on_quadratic):
    """x_t = (0, (3/4)^t) for t >= 1 (x_0 = (1, 1)): f decreases, so the best before t is f(x_{t-1}); the mean of
    x_0..x_{t-1} is (1/t, (1 - (3/4)^t)/(t/4)); Euclidean D(x*, x_t) = ||x_t||^2/2."""
    _, kernel, m = gd_on_quadratic
    (at_solution,) = convergence_measurements(m, kernel, Solution(), {})
    f = lambda x1, x2: 2 * x1**2 + x2**2 / 2
    path = lambda t: (sp.Integer(1), sp.Integer(1)) if t == 0 else (sp.Integer(0), sp.Rational(3, 4) ** t)
    for t in (1, 2, 7):
        mean = [sum(path(s)[i] for s in range(t)) / t for i in range(2)]
        expected = {"best_suboptimality": f(*path(t - 1)), "average_suboptimality": f(*mean),
                    "bregman_to_solution": (path(t)[0] ** 2 + path(t)[1] ** 2) / 2}
        for quantity, value in expected.items():
            measured = at_solution.values(quantity)[t]
            assert abs(measured - at_solution.ctx.mpf(value.p) / value.q) < 1e-35, (quantity, t)
    # Fejer monotonicity at eta <= 1/L: D(x*, x_t) <= D0; a bound that halves it every step is too fast
    assert UpperBound(c("D0"), "bregman_to_solution").check(at_solution).verdict == HOLDS
    assert UpperBound(c("D0") * sp.Rational(1, 2) ** T, "bregman_to_solution").check(at_solution).verdict == VIOLATED


def test_entropy_regularized_npg_obeys_cen_et_al_and_a_tightened_constant_fails():
    """Cen et al. (2022), Thm 1: ||Q*_tau - Q^(t)_tau||_inf <= C1 gamma (1 - eta tau)^(t-1), t >= 1."""
    mdp = TabularMDP.build(CHAIN_P, CHAIN_R, "9/10", [1, 0, 0], tau="1/10")
    m = measure_policy_md(mdp, mdp.uniform_policy(), sp.Rational(1, 2), 40, 128)
    gamma = c("gamma")
    C1 = c("Qgap0") + 2 * c("tau") * (1 - c("eta") * c("tau") / (1 - gamma)) * c("logpigap0")
    assert UpperBound(C1 * gamma * (1 - c("eta") * c("tau")) ** (T - 1), "soft_q_gap").check(m).verdict == HOLDS
    assert UpperBound(C1 * gamma * (1 - c("eta") * c("tau")) ** (T - 1) / 10**4,
                      "soft_q_gap").check(m).verdict == VIOLATED


def test_a_declared_L_on_a_quadratic_is_refused_as_computed(gd_on_quadratic):
    """L of a quadratic f and phi is computed exactly (4 here): a declared one would replace it. A declared L
    where it is not computed is checked along the run (test_theorem_library, test_trust_r3_reference)."""
    _, kernel, m = gd_on_quadratic
    with pytest.raises(ComputedConstantError, match=r"\[constants\] L: the instance computes it \(exact: 4"):
        convergence_measurements(m, kernel, Solution(), {"L": sp.Integer(2)})


def test_implicit_bias_md_converges_to_the_bregman_projection_not_gds():
    """Gunasekar et al. (2018): MD on underdetermined least squares converges to argmin D_phi(x, x0), A x = b."""
    names = ["x1", "x2", "x3"]
    reg = Regularizer.from_text(" + ".join(f"{v}*log({v}) - {v}" for v in names), names, "positive")
    md = MirrorDescent(reg, from_text("(x1 + 2*x2 + 3*x3 - 3)**2/2", reg.variables))
    spec = RunSpec.build(["1/3"] * 3, ["1", "0", "0"], "1", "1/20", 400, record_every=20, perturbed=False)
    kernel = MirrorDescentKernel(md)
    m = measure(md, spec, 128, with_float64=False, kernel=kernel, keep_path=True)
    verdicts = {}
    for geometry in ("regularizer", "euclidean"):
        (at_limit,) = convergence_measurements(m, kernel, Solution(limit=AffineLimit(((1, 2, 3),), (3,), geometry)), {})
        verdicts[geometry] = Limit(sp.Rational(1, 10**6)).check(at_limit).verdict
    assert verdicts == {"regularizer": HOLDS, "euclidean": VIOLATED}
    # a tolerance below what 128/256 bits resolve decides nothing
    (at_limit,) = convergence_measurements(m, kernel, Solution(limit=AffineLimit(((1, 2, 3),), (3,))), {})
    assert Limit(sp.Rational(1, 10**60)).check(at_limit).verdict == INCONCLUSIVE


def test_the_box_domain_holds_fermi_dirac():
    reg = fermi_dirac(2)
    assert reg.domain is Domain.BOX
    with pytest.raises(DomainError, match="< 1"):
        Domain.BOX.check_point([sp.Rational(1, 2), sp.Integer(1)])
    md = MirrorDescent(reg, from_text("(x1 - 1/3)**2 + (x2 - 1/4)**2", reg.variables))
    spec = RunSpec.build(["1/2", "1/2"], ["1", "0"], "1", "1/2", 200, perturbed=False)
    kernel = MirrorDescentKernel(md)
    m = measure(md, spec, 128, with_float64=False, kernel=kernel, keep_path=True)
    (at_solution,) = convergence_measurements(m, kernel, Solution(point=(sp.Rational(1, 3), sp.Rational(1, 4))), {})
    assert at_solution.values("distance_to_solution")[-1] < 1e-10
