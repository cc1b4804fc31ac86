"""The extragradient method (Korpelevich) for a monotone L-Lipschitz operator F with a zero x*:

    x~_t = x_t - eta F(x_t),    x_{t+1} = x_t - eta F(x~_t).

Bounded: the squared residual ||F(x_T)||^2 of the last iterate over ||x_0 - x*||^2/2 <= 1. Known: Gorbunov,
Loizou & Gidel (AISTATS 2022, Theorem 3.2): for eta <= 1/(sqrt(2) L), ||F(x_T)||^2 <= ||x_0 - x*||^2/(eta^2 (T + 1)),
i.e. 2/(eta^2 (T + 1)) here.

The class has no known exact interpolation conditions (Ryu, Taylor, Bergeling & Giselsson 2020): the PEP keeps
the pairwise ones, monotonicity <F x_i - F x_j, x_i - x_j> >= 0 and ||F x_i - F x_j||^2 <= L^2 ||x_i - x_j||^2,
which every operator of the class meets, so the PEP's class is larger and its certified bound is still an upper
bound; but the SDP's worst case need not be an operator of the class, so the lower bound comes only from
explicit ones: linear F(z) = r e^(i theta) z on the plane (monotone for |theta| <= pi/2, r-Lipschitz), on which
extragradient multiplies by m = 1 - eta r e^(i theta) + (eta r e^(i theta))^2 per step. theta is taken with
rational cosine and sine, so |m|^2 is rational and the value 2 r^2 |m|^(2T) exact.
"""

from __future__ import annotations

from fractions import Fraction

from mdtheory.checker.pep_methods.method import INITIAL_DISTANCE, PEPMethod

RESIDUAL = "residual_squared"
RADII = 32  # moduli r = L k/32 tried for the explicit lower bound
ANGLES = 32  # and angles with tan(theta/2) = j/32 in [0, 1], i.e. theta in [0, pi/2]
# 2T + 2 points and two inequalities per pair: about as many as gd's suboptimality has at 2T (its limit is 40)
MAX_HORIZON = 20


def operator_class():
    """A monotone L-Lipschitz operator with PEPit's pairwise conditions (``LipschitzStronglyMonotoneOperatorCheap``
    at mu = 0), written here so that each constraint records its pair and kind for the certificate."""
    from PEPit.function import Function

    class MonotoneLipschitzOperator(Function):
        described_name = "F"
        described_class = "monotone and L-Lipschitz operator (pairwise conditions, necessary for the class)"
        mu = 0

        def __init__(self, L, **kwargs):
            super().__init__(is_leaf=True, decomposition_dict=None, reuse_gradient=True)
            self.L = L

        def add_class_constraints(self):
            self.pairs = []
            points = self.list_of_points
            for i, (xi, gi, _) in enumerate(points):
                for j, (xj, gj, _) in enumerate(points[i + 1:], start=i + 1):
                    self.list_of_class_constraints.append(-((gi - gj) * (xi - xj)) <= 0)
                    self.pairs.append((i, j, "monotone"))
                    self.list_of_class_constraints.append((gi - gj) ** 2 - self.L ** 2 * (xi - xj) ** 2 <= 0)
                    self.pairs.append((i, j, "lipschitz"))

    return MonotoneLipschitzOperator


def build(eta, T, L, quantity, scalar):
    from PEPit import PEP

    problem = PEP()
    F = problem.declare_function(operator_class(), L=scalar(L))
    star = F.stationary_point()
    x = start = problem.set_initial_point()
    for _ in range(T):
        leading = x - scalar(eta) * F.gradient(x)
        x = x - scalar(eta) * F.gradient(leading)
    initial = scalar(Fraction(1, 2)) * (start - star) ** 2 <= 1
    problem.set_initial_condition(initial)
    objective = F.gradient(x) ** 2
    problem.set_performance_metric(objective)
    return problem, objective, initial, [F]


def linear_value(eta: Fraction, T: int, r: Fraction, u: Fraction) -> Fraction:
    """||F(x_T)||^2 for F = r e^(i theta) on the plane, tan(theta/2) = u, from |x_0|^2 = 2 (D = 1), exactly."""
    c, s = (1 - u * u) / (1 + u * u), 2 * u / (1 + u * u)
    a, b = eta * r * c, eta * r * s  # eta r e^(i theta) = a + i b
    real, imaginary = 1 - a + a * a - b * b, -b + 2 * a * b  # 1 - w + w^2
    return 2 * r * r * (real * real + imaginary * imaginary) ** T


def explicit_lower_bound(eta, T, L, quantity):
    best, where = Fraction(0), None
    for k in range(1, RADII + 1):
        r = L * Fraction(k, RADII)
        for j in range(ANGLES + 1):
            value = linear_value(eta, T, r, Fraction(j, ANGLES))
            if value > best:
                best, where = value, (r, Fraction(j, ANGLES))
    return best, (f"F = r e^(i theta) on the plane (linear, monotone, r-Lipschitz) with r = {where[0]}, "
                  f"tan(theta/2) = {where[1]}: 2 r^2 |1 - eta r e^(i theta) + (eta r e^(i theta))^2|^(2T) = "
                  f"{float(best):.9g}, exactly")


def statement(eta, L, T, quantity, upper):
    return (f"for every monotone {L}-Lipschitz operator F with a zero x*, in any dimension, extragradient "
            f"x~_t = x_t - {eta} F(x_t), x_(t+1) = x_t - {eta} F(x~_t) satisfies ||F(x_T)||^2 <= {upper} when "
            f"{INITIAL_DISTANCE} at T = {T}")


def bounded(quantity):
    return f"||F(x_T)||^2 with {INITIAL_DISTANCE}"


METHOD = PEPMethod("extragradient", (RESIDUAL,), build,
                   explicit_lower_bound, statement, bounded, exact_interpolation=False, max_horizon=MAX_HORIZON)
