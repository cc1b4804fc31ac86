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


@pytest.fixture(scope="module")
def float_dual():
    import math

    problem = iga.pose(5, 1, 1, 1, 1, float, iga.step_sizes(5, 1, 1, float, math.sqrt))
    _, floats, free, _ = iga.solve_float(5, 1, 1, 1, 1)
    return problem, floats, free


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


def test_a_multiplier_off_its_multiple_breaks_an_equality(float_dual):
    """h's and f_2's multipliers are c times the dual value; one of them changed by 1e-6 leaves an equality
    of the dual unsatisfied, exactly."""
    problem, floats, _ = float_dual
    recipe = iga.read_recipe(problem, floats)
    label = next(label for label, (kind, *_) in recipe.items() if kind == "multiple")
    recipe[label] = ("multiple", recipe[label][1] + Fraction(1, 10 ** 6))
    with pytest.raises(WorstCaseError, match="equality"):
        iga.equalities_hold(5, 1, 1, 1, 1, recipe)


def test_a_circulation_that_keeps_the_equalities_fails_the_ball_cholesky(float_dual):
    """Adding 10 to f_1's multipliers at (1, 2) and (2, 1) keeps every equality (their value terms cancel) but
    makes the residual indefinite: the ball factorization finds a pivot that is not certainly positive."""
    problem, floats, _ = float_dual
    recipe = iga.read_recipe(problem, floats)
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
