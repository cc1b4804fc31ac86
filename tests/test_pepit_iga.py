"""PEPit's improved interior gradient method (issue 28 item 3, its last gap): a certified bracket of width at
most 1e-12 at the docstring's parameters (L = mu = c = lam = 1, n = 5). The ground truth for the upper end is
c_n / c = prod_t (1 - alpha_t), the recursion of the step sizes computed independently here in mpmath (a local
context); the checks that make the bracket a proof are each shown to reject a tampered certificate."""

from dataclasses import replace
from fractions import Fraction

import mpmath
import pytest

from mdtheory.checker import pepit_iga as iga
from mdtheory.checker.worst_case import WorstCaseError

REQUIRED_WIDTH = Fraction(1, 10 ** 12)  # issue 28: a bracket of width at most 1e-12
PEPIT_MOSEK_DOCSTRING = 0.06807592021457932  # PEPit's docstring: MOSEK's primal value at these parameters
PEPIT_SOLVER_ACCURACY = 1e-5  # PEPit's own float (CLARABEL) on the unreduced problem: ~8e-6 below the bracket


def closed_form(n, c, lam, digits=60):
    """c_n / c by the step sizes' recursion, in a local mpmath context."""
    ctx = mpmath.MPContext()
    ctx.dps = digits
    ct = ctx.mpf(c)
    for _ in range(n):
        alpha = (ctx.sqrt((ct * lam) ** 2 + 4 * ct * lam) - lam * ct) / 2
        ct = (1 - alpha) * ct
    return ct / c


@pytest.fixture(scope="module")
def bracket():
    return iga.certified_bracket()


def test_the_bracket_at_the_docstrings_parameters_is_narrower_than_1e_12(bracket):
    assert bracket.width() <= REQUIRED_WIDTH
    lower, upper = bracket.bounds_text(16)
    exact = closed_form(5, 1, 1)
    assert mpmath.mpf(lower) <= exact <= mpmath.mpf(upper)
    assert abs(float(bracket.upper.mid()) - float(exact)) < 1e-16
    assert bracket.check.inequalities == 3 * 7 * 6  # f_1, h and f_2 at 7 points each, every ordered pair


def test_pepits_docstring_value_lies_below_the_certified_lower_end(bracket):
    """MOSEK's 0.0680759 (PEPit's docstring) is 3.0e-6 below the instance: the unreduced problem's free
    directions (every dual residual singular) cost the solvers their 6th digit."""
    assert PEPIT_MOSEK_DOCSTRING < float(bracket.bounds_text(16)[0]) - 2e-6


@pytest.mark.slow
def test_the_exact_value_is_the_nested_radical(bracket):
    import sympy as sp

    assert abs(sp.N(bracket.exact_upper(), 40) - sp.Float(mpmath.nstr(closed_form(5, 1, 1), 40), 40)) < 1e-35


def test_a_multiplier_off_its_multiple_breaks_an_equality(bracket):
    """h's and f_2's multipliers are c times the dual value; one of them changed by 1e-6 leaves an equality
    of the dual unsatisfied, exactly."""
    recipe = dict(bracket.dual.recipe)
    label = next(label for label, (kind, *_) in recipe.items() if kind == "multiple")
    recipe[label] = ("multiple", recipe[label][1] + Fraction(1, 10 ** 6))
    with pytest.raises(WorstCaseError, match="equality"):
        iga.equalities_hold(5, 1, 1, 1, 1, recipe)


def test_a_circulation_that_keeps_the_equalities_fails_the_ball_cholesky(bracket):
    """Adding 10 to f_1's multipliers at (1, 2) and (2, 1) keeps every equality (their value terms cancel) but
    makes the residual indefinite: the ball factorization finds a pivot that is not certainly positive."""
    recipe = dict(bracket.dual.recipe)
    for label in ("f_1 at (1, 2)", "f_1 at (2, 1)"):
        recipe[label] = ("rational", recipe[label][1] + 10)
    assert iga.equalities_hold(5, 1, 1, 1, 1, recipe) == 60
    with pytest.raises(WorstCaseError, match="positive definite"):
        iga.dual_certificate(5, 1, 1, 1, 1, recipe)


def test_the_instance_is_checked_from_its_coordinates(bracket):
    """f_1(x_n) raised by 1e-9 breaks an interpolation inequality (the instance sits 1e-16 inside them)."""
    values = dict(bracket.instance.values)
    values["f1(xn)"] += Fraction(1, 10 ** 9)
    with pytest.raises(WorstCaseError, match="not certainly in the class"):
        iga.check_instance(replace(bracket.instance, values=values))


def test_pose_agrees_with_the_run_from_coordinates_on_random_data(bracket):
    """For any data, in the class or not, objective - tau initial = -sum_i lambda_i slack_i - <S, G> when the
    dual's equalities hold. On random rational coordinates and values, with the slacks from the run on the
    coordinates (``evaluate_instance``, which never reads ``pose``) and G their Gram matrix, the identity holds
    to the balls' width: ``pose``'s coefficients are those of the run PEPit describes."""
    import random

    from flint import arb

    from mdtheory.engine.context import flint_precision

    rng = random.Random(28)
    draw = lambda: Fraction(rng.randint(-9, 9), rng.randint(1, 9))
    instance = bracket.instance
    data = replace(instance, points={k: [draw() for _ in v] for k, v in instance.points.items()},
                   gradients={k: [draw() for _ in v] for k, v in instance.gradients.items()},
                   values={k: draw() for k in instance.values})
    with flint_precision(iga.BITS):
        slacks, objective, initial = iga.evaluate_instance(data)
        alphas = iga.step_sizes(5, 1, 1, iga._ball, arb.sqrt)
        problem = iga.pose(5, 1, 1, 1, 1, iga._ball, alphas)
        tau = iga.dual_value(alphas, iga._ball(1))
        values = iga.multipliers(problem, bracket.dual.recipe, tau, iga._ball)
        residual = iga.residual_matrix(problem, values, tau)
        vectors = [data.points.get(name) or data.gradients[name] for name in problem.gram_names]
        gram = [[sum((iga._ball(a * b) for a, b in zip(u, v)), iga._ball(0)) for v in vectors] for u in vectors]
        gap = objective - tau * initial + sum((values[label] * slack for (label, _, _), slack in zip(problem.rows, slacks)
                                               if label in values), iga._ball(0))
        gap += sum((residual[i][j] * gram[i][j] for i in range(len(gram)) for j in range(len(gram))), iga._ball(0))
        assert abs(objective) > 1e-3 and abs(gap) < 1e-50
        assert abs(gap - iga._ball(Fraction(1, 10 ** 6)) * slacks[0]) > 1e-9  # a multiplier off by 1e-6 would show


def test_bad_parameters_are_refused():
    with pytest.raises(WorstCaseError, match="n >= 1"):
        iga.certified_bracket(n=0)
    with pytest.raises(WorstCaseError, match="positive"):
        iga.certified_bracket(L=0)


@pytest.mark.slow
@pytest.mark.parametrize("n, c", [(3, 1), (5, 2)])
def test_other_parameters_bracket_c_n_over_c(n, c):
    bracket = iga.certified_bracket(n=n, c=c)
    assert bracket.width() <= REQUIRED_WIDTH
    lower, upper = bracket.bounds_text(16)
    assert mpmath.mpf(lower) <= closed_form(n, c, 1) <= mpmath.mpf(upper)


@pytest.mark.slow
def test_pepits_own_solve_lies_below_the_certified_upper_end(bracket):
    from PEPit.examples.composite_convex_minimization.improved_interior_algorithm import (
        wc_improved_interior_algorithm,
    )

    pepit, theory = wc_improved_interior_algorithm(L=1, mu=1, c=1, lam=1, n=5, wrapper="cvxpy", solver="CLARABEL",
                                                   verbose=-1)
    upper = float(bracket.bounds_text(16)[1])
    assert upper - PEPIT_SOLVER_ACCURACY < pepit <= upper and upper < theory == 4 / 36
