"""Nesterov's fast gradient method on convex L-smooth f, with the rational momentum t/(t + 3):

    x_{t+1} = y_t - eta grad f(y_t),    y_{t+1} = x_{t+1} + t/(t + 3) (x_{t+1} - x_t),    y_0 = x_0,

the variant of PEPit's ``accelerated_gradient_convex_simplified`` (Nesterov's original momentum
(lambda_t - 1)/lambda_{t+1}, lambda_{t+1} = (1 + sqrt(4 lambda_t^2 + 1))/2, is irrational, and the certificates
are exact rationals). Bounded: f(x_T) - f* over ||x_0 - x*||^2/2 <= 1. Known, with eta = 1/L: Tseng's / Beck &
Teboulle's 2 L ||x_0 - x*||^2/(T + 1)^2, i.e. 4 L/(T + 1)^2 here, and the tight value Taylor, Hendrickx &
Glineur (2017, Table 1) found numerically, 2 L ||x_0 - x*||^2/((T + 2)(T + 3)), i.e. 4 L/((T + 2)(T + 3)) here.

The class (convex L-smooth) has exact interpolation conditions, so the SDP's worst case made exact is a lower
bound; the explicit one is the best one-dimensional quadratic of a grid.
"""

from __future__ import annotations

from fractions import Fraction

from mdtheory.checker.pep_methods.method import INITIAL_DISTANCE, PEPMethod

SUBOPTIMALITY = "suboptimality"
QUADRATIC_GRID = 64  # curvatures l = L k/64 tried for the explicit lower bound
MAX_HORIZON = 40  # T + 2 points of one function, as gd's suboptimality (its limit, MAX_HORIZON in worst_case)


def momentum(t: int) -> Fraction:
    return Fraction(t, t + 3)


def function_class():
    """PEPit's convex L-smooth class, each interpolation inequality (every ordered pair, PEPit's order) recording
    its pair for the certificate."""
    from PEPit.functions import SmoothConvexFunction

    class RecordedSmoothConvexFunction(SmoothConvexFunction):
        def add_class_constraints(self):
            self.pairs = []
            for i, (xi, gi, fi) in enumerate(self.list_of_points):
                for j, (xj, gj, fj) in enumerate(self.list_of_points):
                    if i != j:
                        self.list_of_class_constraints.append(
                            self.set_smoothness_convexity_constraint_i_j(xi, gi, fi, xj, gj, fj))
                        self.pairs.append((i, j))

    return RecordedSmoothConvexFunction


def build(eta, T, L, quantity, scalar):
    from PEPit import PEP

    problem = PEP()
    f = problem.declare_function(function_class(), L=scalar(L))
    star = f.stationary_point()
    f_star = f(star)
    x = y = start = problem.set_initial_point()
    for t in range(T):
        previous, x = x, y - scalar(eta) * f.gradient(y)
        y = x + scalar(momentum(t)) * (x - previous)
    initial = scalar(Fraction(1, 2)) * (start - star) ** 2 <= 1  # not "/ 2": PEPit would multiply by a float
    problem.set_initial_condition(initial)
    objective = f(x) - f_star
    problem.set_performance_metric(objective)
    return problem, objective, initial, [f]


def quadratic_run(eta: Fraction, T: int, l: Fraction) -> Fraction:
    """f(x_T) - f* for f = l x^2/2 in one dimension from x_0 = 1 (D = 1/2), exactly."""
    x = y = Fraction(1)
    for t in range(T):
        previous, x = x, y - eta * l * y
        y = x + momentum(t) * (x - previous)
    return l * x * x / 2


def explicit_lower_bound(eta, T, L, quantity):
    best, best_l = Fraction(0), Fraction(0)
    for k in range(1, QUADRATIC_GRID + 1):
        l = L * Fraction(k, QUADRATIC_GRID)
        value = 2 * quadratic_run(eta, T, l)  # scaled from D = 1/2 to D = 1 (degree 2)
        if value > best:
            best, best_l = value, l
    return best, f"f = l x^2/2 in one dimension with l = {best_l}: the run computed exactly, {float(best):.9g}"


def statement(eta, L, T, quantity, upper):
    return (f"for every convex {L}-smooth f, in any dimension, the fast gradient method x_(t+1) = y_t - {eta} "
            f"grad f(y_t), y_(t+1) = x_(t+1) + t/(t+3) (x_(t+1) - x_t), y_0 = x_0 satisfies f(x_T) - f(x*) <= "
            f"{upper} for x* a minimizer and {INITIAL_DISTANCE} at T = {T}")


def bounded(quantity):
    return f"f(x_T) - f(x*) with {INITIAL_DISTANCE}"


METHOD = PEPMethod("accelerated",
                   (SUBOPTIMALITY,), build, explicit_lower_bound, statement, bounded, exact_interpolation=True,
                   max_horizon=MAX_HORIZON)
