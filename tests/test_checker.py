"""Every verdict of every bound kind, including planted false claims and too-low precision."""

import pytest
import sympy as sp

from mdtheory.checker import (
    HOLDS,
    INCONCLUSIVE,
    VIOLATED,
    ClosedFormAgreement,
    Decay,
    ExponentialGrowth,
    MinForm,
    Saturation,
    UpperBound,
    measure,
)
from mdtheory.checker.bounds import ETA_T, EPS
from mdtheory.checker.instance import check_instance
from mdtheory.checker.measure import float64_departure
from mdtheory.engine.run import RunSpec, run_mirror_descent
from mdtheory.errors import MDTheoryError
from mdtheory.symbolic.catalogue import euclidean, negative_entropy
from mdtheory.symbolic.mirror_descent import MirrorDescent
from mdtheory.symbolic.objectives import Objective, linear, quadratic

ETA = sp.Rational(1, 10)
EXACT_RATE = sp.log(1 + ETA) / ETA  # GD on f = -x^2/2 multiplies perturbations by 1 + eta per step


def expanding_line(bits=128, steps=80):
    reg = euclidean(1)
    md = MirrorDescent(reg, Objective("expanding", -reg.variables[0] ** 2 / 2, reg.variables))
    return measure(md, RunSpec.build([1], [1], "1e-20", ETA, steps), bits)


def gd_contracting(bits=128, eta="1/4"):
    reg = euclidean(2)
    md = MirrorDescent(reg, quadratic(reg.variables, [[2, 0], [0, 1]], [0, 0]))
    return measure(md, RunSpec.build([1, 1], [1, 1], "1e-12", eta, 40), bits)


def kl_boundary(bits=192, delta="1e-8", eps="1e-20", steps=160):
    reg = negative_entropy(3)
    md = MirrorDescent(reg, linear(reg.variables, [0, 1, 1]))
    x0 = [delta, f"(1 - {delta})/2", f"(1 - {delta})/2"]
    return measure(md, RunSpec.build(x0, [2, -1, -1], eps, "1/4", steps), bits)


def test_known_rate_is_recovered_to_the_stated_digits():
    m = expanding_line()
    result = ExponentialGrowth(rate=EXACT_RATE, exact=True, quantity="tangent_amplification").check(m)
    assert result.verdict == HOLDS
    fitted = m.ctx.mpf(result.rate["rate"])
    exact = m.ctx.mpf(str(sp.N(EXACT_RATE, 60)))
    assert abs(fitted - exact) <= abs(exact) * m.ctx.mpf(10) ** -(result.trusted_digits - 1)
    assert result.trusted_digits >= 20


def test_planted_rate_twice_the_truth_is_violated():
    result = ExponentialGrowth(rate=2 * EXACT_RATE, quantity="tangent_amplification").check(expanding_line())
    assert result.verdict == VIOLATED


def test_planted_claim_that_gd_amplifies_is_violated():
    m = gd_contracting()
    assert ExponentialGrowth(rate=None, quantity="amplification", window=(0, 5)).check(m).verdict == VIOLATED
    assert UpperBound(sp.Integer(1)).check(m).verdict == HOLDS


def test_upper_bound_violated_when_amplification_exceeds_it():
    assert UpperBound(sp.Integer(1)).check(expanding_line()).verdict == VIOLATED


def test_upper_bound_judges_values_near_zero_against_the_bound_scale():
    # eta = 1/2 kills the first coordinate's perturbation exactly: the amplification of e1 is ~0,
    # with no relative digits, but far below the bound.
    reg = euclidean(2)
    md = MirrorDescent(reg, quadratic(reg.variables, [[1, 0], [0, 1]], [0, 0]))
    m = measure(md, RunSpec.build([1, 1], [1, 0], "1e-12", "1", 5), 128)
    result = UpperBound(sp.Integer(1)).check(m)
    assert result.verdict == HOLDS and result.trusted_digits >= 20


def test_too_low_precision_is_inconclusive_never_holds():
    # At 53 bits the perturbation 1e-20 of an O(1) start is lost entirely: inconclusive, naming the fix.
    reg = negative_entropy(3)
    md = MirrorDescent(reg, linear(reg.variables, [0, 1, 1]))
    spec = RunSpec.build(["1e-8", "1/2 - 5e-9", "1/2 - 5e-9"], [2, -1, -1], "1e-20", "1/4", 40)
    for bound in (ExponentialGrowth(rate=1, window=(1, 10)), Saturation(sp.Integer(1)), UpperBound(sp.Integer(10) ** 9)):
        result, m = check_instance(bound, md, spec, 53)
        assert result.verdict == INCONCLUSIVE and m is None, bound
        assert "precision_bits >= 54 resolves it" in result.explanation


def test_too_short_window_is_inconclusive():
    result = ExponentialGrowth(rate=EXACT_RATE, window=(0, sp.Rational(3, 10)), quantity="tangent_amplification").check(expanding_line())
    assert result.verdict == INCONCLUSIVE and "too short" in result.explanation


def test_decay_holds_at_the_true_rate_and_fails_below_it():
    m = gd_contracting(eta="1/4")  # per-step factors 1 - 4/4 = 0 and 1 - 1/4 = 3/4
    assert Decay(1, sp.Rational(3, 4)).check(m).verdict == HOLDS
    assert Decay(1, sp.Rational(1, 2)).check(m).verdict == VIOLATED


def test_saturation_and_min_form_on_the_kl_boundary_instance():
    # Separation: sep0 * A(s) with A peaking at 1/(4 delta (1 - delta)) (claim 3's formula).
    m = kl_boundary()
    delta = sp.Rational(1, 10**8)
    sep0 = EPS * sp.sqrt(6)
    level = sep0 / (4 * delta * (1 - delta))
    assert Saturation(level, factor=sp.Rational(11, 10)).check(m).verdict == HOLDS
    assert Saturation(1000 * level).check(m).verdict == VIOLATED
    assert MinForm(level, 1, factor=2).check(m).verdict == HOLDS
    assert MinForm(level, 3, factor=2).check(m).verdict == VIOLATED


def test_saturation_not_reached_is_inconclusive():
    m = kl_boundary(steps=40)
    assert Saturation(sp.Integer(1)).check(m).verdict == INCONCLUSIVE


def test_closed_form_agreement_and_a_planted_wrong_formula():
    m = expanding_line()
    right = sp.exp(EXACT_RATE * ETA_T)
    assert ClosedFormAgreement(right).check(m).verdict == HOLDS
    assert ClosedFormAgreement(right * (1 + sp.Rational(1, 10**12))).check(m).verdict == VIOLATED


def test_worst_case_norm_of_a_diagonal_map():
    # GD on f = -(x1^2 + 3 x2^2)/2: J_T = diag((1 + eta)^T, (1 + 3 eta)^T); the norm is the larger factor.
    reg = euclidean(2)
    x1, x2 = reg.variables
    md = MirrorDescent(reg, Objective("expanding", -(x1**2 + 3 * x2**2) / 2, reg.variables))
    run = run_mirror_descent(md, RunSpec.build([1, 1], [1, 0], "1e-10", ETA, 50), 200, perturbed=False, worst_case=True)
    ctx, logs = run.ctx, run.log_worst_case_amplification
    exact = 50 * sp.log(1 + 3 * ETA)
    assert abs(logs[-1] - ctx.mpf(str(sp.N(exact, 70)))) < ctx.mpf(10) ** -50
    assert logs[0] == 0 and run.log_tangent_amplification[-1] < logs[-1]  # e_1 is not the stiffest direction


def test_worst_case_norm_on_the_simplex_dominates_every_tangent_direction():
    reg = negative_entropy(3)
    md = MirrorDescent(reg, linear(reg.variables, [0, 1, 2]))
    spec = RunSpec.build(["1e-3", "1/2", "1/2 - 1e-3"], [1, -1, 0], "1e-20", "1/4", 40)
    run = run_mirror_descent(md, spec, 128, worst_case=True)  # one pass: the pair, the tangent and the worst case
    worst, along = run.log_worst_case_amplification, run.log_tangent_amplification
    assert all(w >= a - run.ctx.mpf(10) ** -20 for w, a in zip(worst, along))
    assert run.separation  # the perturbed pair ran in the same pass


def test_the_worst_case_is_refused_where_it_cannot_be_carried():
    reg = euclidean(21)
    md = MirrorDescent(reg, quadratic(reg.variables, [[int(i == j) for j in range(21)] for i in range(21)], [0] * 21))
    spec = RunSpec.build([1] * 21, [1] + [0] * 20, "1e-10", ETA, 3)
    with pytest.raises(MDTheoryError, match="dimension 21 exceeds"):
        run_mirror_descent(md, spec, 64, worst_case=True)
    small = MirrorDescent(euclidean(2), quadratic(euclidean(2).variables, [[1, 0], [0, 1]], [0, 0]))
    with pytest.raises(ValueError, match="mpmath"):
        run_mirror_descent(small, RunSpec.build([1, 1], [1, 0], "1e-10", ETA, 3), 64, backend="flint", worst_case=True)


def test_float64_departure_is_reported():
    m = kl_boundary()
    departure = float64_departure(m)
    assert departure is not None  # x0 + 1e-20 * v is not representable in float64
