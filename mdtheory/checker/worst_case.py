"""Worst-case sensitivity over function classes, by performance estimation (PEPit), with exact certificates.

``check`` decides one instance and ``falsify`` searches a range; this answers "for every f (and phi) in a
class". Two runs share f (and phi) and start at distance 1; the performance estimation problem (Drori &
Teboulle; Taylor, Hendrickx & Glineur) maximizes ||x_T - x'_T||^2 over every function of the class that
interpolates the iterates, which is exact for the classes used here:

  - ``gd``: x_{t+1} = x_t - eta grad f(x_t), f convex and L-smooth (by scaling, only eta L matters: L = 1);
  - ``md``: y_{t+1} = y_t - eta grad f(x_t), x_t = grad phi*(y_t), phi mu-strongly convex and L_phi-smooth,
    so phi* is (1/L_phi)-strongly convex and (1/mu)-smooth, f convex and L_f-smooth.

PEPit builds the problem and an SDP solver (Clarabel, through cvxpy) solves it in floating point. That value
is evidence, not a theorem. The **upper bound** is proved from dual multipliers: the SDP is solved for a
class larger by RELAXATIONS (so that its multipliers keep slack), and they are checked against the exact
class's inequalities. Multipliers below ``INACTIVE`` of the largest are set to 0, the rest rationalized
(coarse denominators first, which often recover a proof's own multipliers), the function-value equations
restored exactly by a least-norm correction, and the residual matrix sum_k lambda_k H_k - H_objective proved
positive semidefinite by an exact LDL^T in rationals; if rounding left it indefinite along the initial
condition's direction, that multiplier is inflated by the least power of ten that restores it. The bound is
the initial condition's multiplier, exactly. The **lower bound** is an instance in the class, evaluated
exactly: f = 0 (amplification 1), the quadratic f = L x^2/2 in one dimension (with phi = mu x^2/2 for MD), or
the SDP's own worst case, rounded to rationals, repaired and checked against every interpolation inequality
exactly (``mdtheory.checker.interpolation``), whichever is highest. The SDP is posed and solved in floats; the certificate is checked against the problem built
again with exact constants (``_ExactScalar``: eta, L_f, mu_phi, L_phi as the file wrote them, never their
floats), so a claim false by 1e-14 is not proved when its float is true: if the float solve's multipliers do not
certify the exact problem, the upper bound is left open and the verdict is inconclusive.
"""

from __future__ import annotations

import functools
import importlib
import math
import operator
import sys
import warnings
from dataclasses import dataclass, replace
from fractions import Fraction

from mdtheory.checker.pep_methods import PEP_METHODS
from mdtheory.checker.huber import huber_instance
from mdtheory.errors import MDTheoryError
from mdtheory.verdict import INCONCLUSIVE, PROVED, VIOLATED, Verdict

INACTIVE = 1e-6  # dual multipliers below this (relative to the largest) are taken as 0
SNAP = 1e-6  # a claimed bound this close above the solver's multiplier is tried as the certificate's value
RELAXATIONS = (Fraction(1, 10**7), Fraction(1, 10**6), Fraction(1, 10**5), Fraction(1, 10**4))  # how much larger the class the SDP is solved for is
FINER_RELAXATIONS = (Fraction(1, 10**9), Fraction(1, 10**8))  # tried after RELAXATIONS when no claim is proved, for a tighter bound
RATIONALIZATIONS = (2, 3, 4, 6, 8, 10, 12)  # decimal digits kept of each multiplier, coarse first
PARAMETER_RANGE = (Fraction(1, 10**12), Fraction(10**12))  # eta, L_f, mu_phi, L_phi: floats for the SDP
MAX_PARAMETER_DIGITS = 30  # of each constant's numerator and denominator ("2 + 1e-20" has 21)
COMPACT_DECIMALS = 40  # a longer exact lower bound, or claimed value to prove, is rounded down to this many
LARGEST_EXACT = Fraction(10**300)  # and one above this is lowered to it (the SDP's floats end near 1.8e308)
SHOWN_EXACTLY_BITS = 128  # a rational in a message is written exactly up to this size, else as 1.23e+45
MAX_HORIZON = 40  # gd's suboptimality (every interpolation inequality, and the SDP's worst case made exact)
# gd's amplification: the banded SDP (2 + 2T leaves, 2T same-step inequalities) through PEPit and cvxpy, whose
# memory grows about as T^3 (cvxpy's expressions over the Gram matrix): measured with /usr/bin/time, eta = 2/L,
# 0.94 GB and 15 s of CPU at T = 40, 3.2 GB and 90 s at T = 60; T = 100 would need about 15 GB
# Past LONG_HORIZON, gd's and md's amplification is solved by mdtheory.checker.banded_dual (the banded SDP over the
# iterates, straight to Clarabel): T = 100 in about 0.4 GB (benchmarks/worst_case.py --long); its certificate is
# over the iterates, written over PEPit's leaves for proofs/check_certificate.py by mdtheory.checker.leaf_basis
LONG_HORIZON = 30
MAX_GD_AMPLIFICATION_HORIZON = 100
# MD's SDPs hold two functions: peak memory (measured with /usr/bin/time -v, one process) grows about as T^3:
# with the band, 0.90 GB at T = 20 and 2.06 GB at T = 26, so about 3.2 GB at T = 30 and 8 GB at T = 40
# (extrapolated); with every interpolation inequality, 0.34 GB at T = 10 and 0.61 GB at T = 14, so about 1.5-1.9 GB
# at T = 20 and 12 GB at T = 40 (extrapolated; T = 40 needed more than 9.9 GB). Limits keep one run below ~4 GB.
MAX_MD_HORIZON = 100  # md amplification: the banded SDP (past LONG_HORIZON over the iterates)
MAX_MD_FULL_CLASS_HORIZON = 20  # md with every inequality: beyond it the banded bound is kept (and md suboptimality refused)
INFLATIONS = tuple(Fraction(1, 10**k) for k in range(12, 2, -1))
# Interpolation inequalities kept in the upper bound's SDP: between the two runs' points of the same step. On
# every case measured (GD; MD with kappa 3/2 to 9, T up to 20) the value equals the full class's to the solver's
# accuracy (benchmarks/worst_case.py prints both), at a fraction of the cost.
UPPER_BAND = 0
# The lower bound's instance needs the SDP's primal to meet every inequality: with only the same step's
# (band 0) it does not (md, kappa = 9, T = 8: 0.4 against 104.9); with band 1 it does, to 1e-7 there, but at
# T = 24 band 1's worst case, realized (checker/banded_primal.py), violates inequalities further apart (no
# instance); band 3's meets them all there (189.502758 squared, its solver's value 189.502728) but at T = 30 needs
# a repair that halves it (115.2); band 5's gives 236.532891 at T = 30 against its solver's 236.533297
PRIMAL_BAND = 5
# md amplification past MAX_MD_FULL_CLASS_HORIZON: the banded primal over the iterates (checker/banded_primal.py)
# and the exact check of every inequality took 240 s of CPU and 1.9 GB at T = 30 (kappa = 9, eta = 1/5; PEPit's
# band-1 solve took 2.5 GB at T = 24), the exact check growing as T^3; past this only explicit instances
MAX_MD_PRIMAL_HORIZON = 30


AMPLIFICATION = "amplification"  # ||x_T - x'_T|| over ||x_0 - x'_0|| <= 1, two runs sharing f and phi
SUBOPTIMALITY = "suboptimality"  # f(x_T) - f* over D_phi(x*, x_0) <= 1, one run
QUANTITIES = (AMPLIFICATION, SUBOPTIMALITY)


class WorstCaseError(MDTheoryError):
    """A worst-case problem that cannot be posed or solved (bad constants, solver failure)."""


@dataclass(frozen=True)
class WorstCase:
    """The worst squared amplification over the class at horizon T: the solver's value (evidence) and the
    certified interval [lower, upper] (exact), each with how it was obtained."""

    T: int
    solver_value: float
    lower: Fraction
    upper: Fraction | None
    how_lower: str
    how_upper: str
    quantity: str = AMPLIFICATION  # lower/upper bound its square; for SUBOPTIMALITY, f(x_T) - f* itself
    certificate: "Certificate | None" = None  # what proves ``upper`` (None when it is None)
    instance: "PrimalInstance | None" = None  # the exactly checked instance that attains ``lower``, when it does

    def interval(self) -> tuple[float, float | None]:
        """The certified interval for the quantity itself (square roots for the amplification), rounded outward."""
        root = math.sqrt if self.quantity == AMPLIFICATION else float
        low = math.nextafter(root(_float_at_most(self.lower)), -math.inf)
        high = None if self.upper is None else math.nextafter(root(_float_at_least(self.upper)), math.inf)
        return low, high


def _float_at_most(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:  # past the largest float, which is still below it
        return sys.float_info.max


def _float_at_least(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _compact_below(value: Fraction) -> tuple[Fraction, str]:
    """``value``, or a shorter rational below it, and what was done: a lower bound rounded down is still one,
    and proving a smaller claimed value proves the claim; so the exact numbers written stay short."""
    if value > LARGEST_EXACT:
        return LARGEST_EXACT, f" (capped at {_scientific(LARGEST_EXACT)}: smaller, so still a lower bound)"
    scale = 10**COMPACT_DECIMALS
    if value.denominator > scale:
        return Fraction(value.numerator * scale // value.denominator, scale), \
            f" (rounded down to {COMPACT_DECIMALS} decimals)"
    return value, ""


def exact_positive(value, name: str) -> Fraction:
    """A class constant (eta, L_f, mu_phi, L_phi) as an exact rational, refused outside PARAMETER_RANGE or
    beyond MAX_PARAMETER_DIGITS."""
    if isinstance(value, float):
        raise WorstCaseError(f"{name}: {value!r} is a float; give an exact number such as \"{value!r}\"")
    number = Fraction(value)
    if number <= 0:
        raise WorstCaseError(f"{name}: must be positive, got {_shown(number)}")
    low, high = PARAMETER_RANGE
    if not low <= number <= high:
        raise WorstCaseError(f"{name}: {_shown(number)} is outside [{_scientific(low)}, {_scientific(high)}], the range in which "
                             "the SDP is posed in floating point; rescale the problem (the amplification depends "
                             "only on eta L_f/mu_phi and L_phi/mu_phi, for gd on eta L_f)")
    if max(number.numerator, number.denominator) >= 10 ** MAX_PARAMETER_DIGITS:
        raise WorstCaseError(f"{name}: {_shown(number)} has a numerator or denominator of more than "
                             f"{MAX_PARAMETER_DIGITS} digits; round it to fewer (the certificate's exact rationals "
                             "grow with them)")
    return number


def _shown(number: Fraction) -> str:
    """A rational exactly when it is short, else in scientific notation (str() of a huge integer is refused
    by Python beyond 4300 digits)."""
    if max(abs(number.numerator), number.denominator).bit_length() <= SHOWN_EXACTLY_BITS:
        return str(number)
    return _scientific(number)


def _at_least(value: Fraction, digits: int = 9) -> str:
    """An instance's exact value written to ``digits`` significant digits: itself when it fits, else "at least"
    the value rounded down (it is a lower bound, and nearest rounding could write one above it)."""
    from decimal import Decimal

    from mdtheory.checker.directed import DOWN, directed_text

    text = directed_text(value, digits, DOWN)
    return text if Fraction(Decimal(text)) == value else f"at least {text}"


def _scientific(number: Fraction, digits: int = 6) -> str:
    """``digits`` significant digits, at any size (a float would overflow)."""
    if not number:
        return "0"
    exponent = math.floor(math.log10(abs(number.numerator)) - math.log10(number.denominator))
    if abs(exponent) < 300:
        return f"{float(number):.{digits}g}"
    return f"{float(number / Fraction(10) ** exponent):.{digits}g}e{exponent:+d}"


def checked_horizon(T: int, method: str = "gd", quantity: str = AMPLIFICATION) -> int:
    if isinstance(T, bool) or not isinstance(T, int) or T < 1:
        raise WorstCaseError(f"T: expected a positive integer, got {T!r}")
    if method in PEP_METHODS:
        limit = PEP_METHODS[method].max_horizon
        if T > limit:
            raise WorstCaseError(f"T: {T} exceeds the limit of {limit} steps for {method} (its SDP's memory grows as "
                                 f"T^3); choose horizons up to {limit}")
        return T
    limit = MAX_GD_AMPLIFICATION_HORIZON if quantity == AMPLIFICATION else MAX_HORIZON
    if T > limit:
        raise WorstCaseError(f"T: {T} exceeds the limit of {limit} steps for one SDP (the limit keeps one run below "
                             f"about 4 GB and 10 minutes); choose horizons up to {limit}")
    if method == "md":
        limit = MAX_MD_HORIZON if quantity == AMPLIFICATION else MAX_MD_FULL_CLASS_HORIZON
        if T > limit:
            raise WorstCaseError(f"T: {T} exceeds the limit of {limit} steps for md's {quantity} (its SDP's memory "
                                 f"grows as T^3; the limit keeps one run below about 4 GB); choose horizons up to "
                                 f"{limit}")
    return T


@functools.cache
def _banded(base, interpolation: str):
    """``base`` (a PEPit function class) with interpolation inequalities only between points at most ``band``
    steps apart: each run evaluates the function once per step, alternately, so point i is at step i // 2.
    Fewer inequalities describe a larger class, so the SDP's value is still an upper bound (and its dual
    certificate proves it); band None keeps every pair (the exact class)."""

    class Banded(base):
        band = None

        def add_class_constraints(self):
            # PEPit's own loop's order (i, then j != i); each constraint's pair is kept for the certificate
            self.pairs = []
            points = self.list_of_points
            for i, (xi, gi, fi) in enumerate(points):
                for j, (xj, gj, fj) in enumerate(points):
                    if i != j and (self.band is None or abs(i // 2 - j // 2) <= self.band):
                        constraint = getattr(self, interpolation)(xi, gi, fi, xj, gj, fj)
                        self.list_of_class_constraints.append(constraint)
                        self.pairs.append((i, j))

    Banded.__name__ = f"Banded{base.__name__}"
    return Banded


def _build(method: str, eta: Fraction, T: int, L_f: Fraction, mu_phi: Fraction | None, L_phi: Fraction | None,
           band: int | None = None, quantity: str = AMPLIFICATION, exact: bool = False):
    """(PEP problem, objective expression, the initial condition's constraint, the function objects). ``exact``:
    every constant is an ``_ExactScalar``, so the expressions' coefficients are exact (for the certificate);
    otherwise floats (for the solver)."""
    scalar = _ExactScalar if exact else float
    if method in PEP_METHODS:
        return PEP_METHODS[method].build(eta, T, L_f, quantity, scalar)
    if quantity == SUBOPTIMALITY:
        return _build_suboptimality(method, eta, T, L_f, mu_phi, L_phi, scalar)
    from PEPit import PEP
    from PEPit.functions import SmoothConvexFunction as SmoothConvex
    from PEPit.functions import SmoothStronglyConvexFunction as SmoothStronglyConvex

    SmoothConvexFunction = _banded(SmoothConvex, "set_smoothness_convexity_constraint_i_j")
    SmoothStronglyConvexFunction = _banded(SmoothStronglyConvex, "set_smoothness_strong_convexity_constraint_i_j")
    problem = PEP()
    f = problem.declare_function(SmoothConvexFunction, L=scalar(L_f))
    f.band = band
    functions = [f]
    if method == "gd":
        x, y = problem.set_initial_point(), problem.set_initial_point()
        start_x, start_y = x, y
        for _ in range(T):
            x, y = x - scalar(eta) * f.gradient(x), y - scalar(eta) * f.gradient(y)
    elif method == "md":
        conjugate = problem.declare_function(SmoothStronglyConvexFunction, mu=scalar(1 / L_phi), L=scalar(1 / mu_phi))
        conjugate.band = band
        functions.append(conjugate)
        u, v = problem.set_initial_point(), problem.set_initial_point()  # dual points y_0, y'_0
        x, y = conjugate.gradient(u), conjugate.gradient(v)
        start_x, start_y = x, y
        for _ in range(T):
            u, v = u - scalar(eta) * f.gradient(x), v - scalar(eta) * f.gradient(y)
            x, y = conjugate.gradient(u), conjugate.gradient(v)
    else:
        raise WorstCaseError(f"method: {method!r}; choose gd, md or mahalanobis")
    initial = (start_x - start_y) ** 2 <= 1
    problem.set_initial_condition(initial)
    objective = (x - y) ** 2
    problem.set_performance_metric(objective)
    return problem, objective, initial, functions


def _build_suboptimality(method, eta, T, L_f, mu_phi, L_phi, scalar):
    """One run from x_0 with D_phi(x*, x_0) <= 1; the objective f(x_T) - f*. For GD, D = ||x_0 - x*||^2/2. For
    MD in dual form with h = phi*: x* = grad h(y*) is a stationary point of f, and D_phi(x*, x_0) is
    D_h(y_0, y*) = h(y_0) - h(y*) - <x*, y_0 - y*>."""
    from PEPit import PEP, Expression, Point, null_point
    from PEPit.functions import SmoothConvexFunction as SmoothConvex
    from PEPit.functions import SmoothStronglyConvexFunction as SmoothStronglyConvex

    # every interpolation inequality (band None), written by ``_banded`` so that each records its pair of points
    SmoothConvexFunction = _banded(SmoothConvex, "set_smoothness_convexity_constraint_i_j")
    SmoothStronglyConvexFunction = _banded(SmoothStronglyConvex, "set_smoothness_strong_convexity_constraint_i_j")
    problem = PEP()
    f = problem.declare_function(SmoothConvexFunction, L=scalar(L_f))
    functions = [f]
    if method == "gd":
        star = f.stationary_point()
        f_star = f(star)
        x = start = problem.set_initial_point()
        for _ in range(T):
            x = x - scalar(eta) * f.gradient(x)
        initial = scalar(Fraction(1, 2)) * (start - star) ** 2 <= 1  # not "/ 2": PEPit would multiply by a float
    elif method == "md":
        h = problem.declare_function(SmoothStronglyConvexFunction, mu=scalar(1 / L_phi), L=scalar(1 / mu_phi))
        functions.append(h)
        y_star = Point()
        star, f_star = h.gradient(y_star), Expression()
        f.add_point((star, null_point, f_star))
        y = y_start = problem.set_initial_point()
        x = h.gradient(y)
        for _ in range(T):
            y = y - scalar(eta) * f.gradient(x)
            x = h.gradient(y)
        initial = h(y_start) - h(y_star) - star * (y_start - y_star) <= 1
    else:
        raise WorstCaseError(f"method: {method!r}; the suboptimality is posed for gd and md")
    problem.set_initial_condition(initial)
    objective = f(x) - f_star
    problem.set_performance_metric(objective)
    return problem, objective, initial, functions


def worst_case_suboptimality(method: str, eta, T: int, L_f=1, mu_phi=None, L_phi=None,
                             claimed: Fraction | None = None, primal_lower: bool = True) -> WorstCase:
    """The worst f(x_T) - f* over the class when D_phi(x*, x_0) <= 1 (phi = ||x||^2/2 for GD): every
    interpolation inequality (no banding: one run and x*), an exact dual certificate above, and below the
    better of the best one-dimensional quadratic and (``primal_lower``) the SDP's own worst case, made exact
    (``mdtheory.checker.interpolation``)."""
    eta, L_f, T = exact_positive(eta, "eta"), exact_positive(L_f, "L_f"), checked_horizon(T, method, SUBOPTIMALITY)
    if method == "md":
        mu_phi, L_phi = _phi_constants(mu_phi, L_phi)
    elif method != "gd":
        raise WorstCaseError(f"method: {method!r}; the suboptimality is posed for gd and md")
    huber = huber_instance(T, eta, L_f) if method == "gd" else None
    if huber is not None:
        # Drori & Teboulle's worst case, exact: no instance exceeds it (checker/tight_gd.py proves L/(2 eta L T + 1)
        # above for every T), so neither the best quadratic nor the SDP's instance, rounded and mixed (1.7e-6 below
        # at T = 30), is needed
        lower, how_lower, instance = huber.value, huber.describe(), huber
    else:
        lower, how_lower = _quadratic_suboptimality(eta, T, L_f, mu_phi if method == "md" else Fraction(1))
        lower, how_lower, instance = _with_primal_instance(lower, how_lower, method, eta, T, L_f, mu_phi, L_phi,
                                                           SUBOPTIMALITY, primal_lower)
    lower, compacted = _compact_below(lower)
    how_lower += compacted
    value, upper, how_upper, proof = _certified_upper(method, eta, T, L_f, mu_phi, L_phi, claimed, None, SUBOPTIMALITY)
    if upper is not None and lower > upper:
        raise WorstCaseError(f"certified lower bound {lower} exceeds certified upper bound {upper} at T = {T}: a bug")
    return WorstCase(T, value, lower, upper, how_lower, how_upper, SUBOPTIMALITY, proof, instance)


def worst_case_of_method(method: str, eta, T: int, L_f=1, mu_phi=None, L_phi=None, claimed: Fraction | None = None,
                         quantity: str | None = None, primal_lower: bool = True) -> WorstCase:
    """The worst case of a plug-in method (``mdtheory.checker.pep_methods``) over its class, one run from
    ||x_0 - x*||^2/2 <= 1: every interpolation inequality of the class, an exact dual certificate above; below, the
    method's explicit instances and, where its class has exact interpolation conditions (``primal_lower``), the
    SDP's own worst case made exact."""
    plugin = PEP_METHODS[method]
    quantity = quantity or plugin.quantities[0]
    if quantity not in plugin.quantities:
        raise WorstCaseError(f"quantity: {quantity!r}; {method} bounds {' or '.join(plugin.quantities)}")
    eta, L_f, T = exact_positive(eta, "eta"), exact_positive(L_f, "L_f"), checked_horizon(T, method, quantity)
    lower, how_lower = plugin.explicit_lower_bound(eta, T, L_f, quantity)
    lower, how_lower, instance = _with_primal_instance(lower, how_lower, method, eta, T, L_f, None, None, quantity,
                                                       primal_lower and plugin.exact_interpolation)
    lower, compacted = _compact_below(lower)
    how_lower += compacted
    value, upper, how_upper, proof = _certified_upper(method, eta, T, L_f, None, None, claimed, None, quantity)
    if upper is not None and lower > upper:
        raise WorstCaseError(f"certified lower bound {lower} exceeds certified upper bound {upper} at T = {T}: a bug")
    return WorstCase(T, value, lower, upper, how_lower, how_upper, quantity, proof, instance)


QUADRATIC_GRID = 64  # curvatures l = L k/64 tried for the lower bound


def _quadratic_suboptimality(eta, T, L_f, mu) -> tuple[Fraction, str]:
    """f = l x^2/2 in one dimension with phi = mu x^2/2 and D = mu x_0^2/2 = 1: MD is GD with step eta/mu, and
    f(x_T) - f* = (l/mu) (1 - eta l/mu)^(2T), exactly; the best l of a grid in [0, L_f] (f = 0 gives 0)."""
    best, best_l = Fraction(0), Fraction(0)
    for k in range(1, QUADRATIC_GRID + 1):
        l = L_f * Fraction(k, QUADRATIC_GRID)
        value = l / mu * (1 - eta * l / mu) ** (2 * T)
        if value > best:
            best, best_l = value, l
    return best, (f"f = l x^2/2 in one dimension with l = {best_l}" + (f", phi = {mu} x^2/2" if mu != 1 else "")
                  + f": (l/mu)(1 - eta l/mu)^(2T) = {_scientific(best)}, exactly")


def _phi_constants(mu_phi, L_phi) -> tuple[Fraction, Fraction]:
    if mu_phi is None or L_phi is None:
        raise WorstCaseError("md: give mu_phi and L_phi (phi is mu_phi-strongly convex and L_phi-smooth)")
    mu_phi, L_phi = exact_positive(mu_phi, "mu_phi"), exact_positive(L_phi, "L_phi")
    if not mu_phi < L_phi:
        raise WorstCaseError(f"mu_phi = {mu_phi} must be below L_phi = {L_phi} (phi = mu ||x||^2/2 is GD scaled)")
    return mu_phi, L_phi


def worst_case_amplification(method: str, eta, T: int, L_f=1, mu_phi=None, L_phi=None,
                             claimed: Fraction | None = None, band: int | None = UPPER_BAND,
                             primal_lower: bool = True) -> WorstCase:
    """The worst squared amplification ||x_T - x'_T||^2 / ||x_0 - x'_0||^2 over the class (module docstring).
    ``claimed``: a bound on it to try as the certificate's exact value (a proof that it holds). ``band``: the
    upper bound's SDP keeps interpolation inequalities only between points at most this many steps apart
    (None: all); if that leaves the claim unproved, the full class is solved too. ``primal_lower``: the lower
    bound is also read out of the SDP's worst case, made exact (``mdtheory.checker.interpolation``)."""
    eta, L_f, T = exact_positive(eta, "eta"), exact_positive(L_f, "L_f"), checked_horizon(T, method)
    if method == "mahalanobis":
        return _mahalanobis(eta, T, L_f, mu_phi, L_phi, claimed)
    if method == "md":
        mu_phi, L_phi = _phi_constants(mu_phi, L_phi)
    lower, how_lower = _explicit_lower_bound(method, eta, T, L_f, mu_phi, L_phi)
    lower, how_lower, instance = _with_primal_instance(lower, how_lower, method, eta, T, L_f, mu_phi, L_phi,
                                                       AMPLIFICATION, primal_lower)
    lower, compacted = _compact_below(lower)
    how_lower += compacted
    if band == 0 and T > LONG_HORIZON:
        # past it, the banded SDP over the iterates: a solver built on this module's forms and certificate, loaded
        # by name as the methods' plug-ins are (so that the two modules do not import each other)
        long_horizon = importlib.import_module("mdtheory.checker.banded_dual")
        value, upper, how_upper, proof = long_horizon.certified_upper(method, eta, T, L_f, mu_phi, L_phi, claimed,
                                                                      band)
    else:
        value, upper, how_upper, proof = _certified_upper(method, eta, T, L_f, mu_phi, L_phi, claimed, band)
    unproved = upper is None or (claimed is not None and upper > claimed and lower <= claimed)
    if band == 0 and unproved and T > LONG_HORIZON:
        how_upper += f"; the full class was not solved (T > {LONG_HORIZON}: its SDP's memory grows as T^3)"
    elif band is not None and unproved and method == "md" and T > MAX_MD_FULL_CLASS_HORIZON:
        how_upper += (f"; the full class was not solved (T > {MAX_MD_FULL_CLASS_HORIZON}: its SDP would need more than "
                      "about 2 GB of memory, growing as T^3)")
    elif band is not None and unproved:
        # the banded relaxation may be looser than the class: every interpolation inequality may still prove it
        value, upper, how_upper, proof = _certified_upper(method, eta, T, L_f, mu_phi, L_phi, claimed, None)
    if upper is not None and lower > upper:
        raise WorstCaseError(f"certified lower bound {lower} exceeds certified upper bound {upper} at T = {T}: a bug")
    return WorstCase(T, value, lower, upper, how_lower, how_upper, certificate=proof, instance=instance)


def _with_primal_instance(lower, how_lower, method, eta, T, L_f, mu_phi, L_phi, quantity, wanted):
    """(lower bound, how, instance): the explicit one, or the SDP's worst case made exact when it is higher.
    For md past MAX_MD_FULL_CLASS_HORIZON the SDP is solved with PRIMAL_BAND (the full class's would not fit
    in memory), over the iterates (``banded_primal``); its instance is still checked against every
    interpolation inequality."""
    if not wanted or (method == "gd" and quantity == AMPLIFICATION):
        # x -> x - eta grad f is max(1, |1 - eta L|)-Lipschitz over the class, and f = 0 or L x^2/2 attains
        # its T-th power: the explicit bound is already the worst case
        return lower, how_lower, None
    if method == "md" and T > MAX_MD_PRIMAL_HORIZON:
        return lower, how_lower + (f" (the SDP's worst case is not read out past T = {MAX_MD_PRIMAL_HORIZON}: its "
                                   "exact check would need more than about 2 GB, growing as T^3)"), None
    band = PRIMAL_BAND if method == "md" and T > MAX_MD_FULL_CLASS_HORIZON else None
    instance, why = sdp_instance(method, eta, T, L_f, mu_phi, L_phi, quantity, band)
    if instance is None:
        return lower, how_lower + f" (the SDP's worst case did not give a certified instance: {why})", None
    if instance.value <= lower:
        return lower, how_lower, None
    return instance.value, instance.describe(), instance


def sdp_instance(method, eta, T, L_f, mu_phi, L_phi, quantity=AMPLIFICATION, band=None):
    """(the SDP's worst case made exact, a ``PrimalInstance``, "") or (None, why not): the SDP is solved with
    interpolation inequalities ``band`` steps apart (None: every one), the instance checked against every one
    of the exact class (``mdtheory.checker.interpolation``)."""
    from mdtheory.checker.interpolation import (PRIMAL_ALTERNATIVES, PRIMAL_TOLERANCES, REPAIR_RCOND, REPAIR_RCONDS,
                                                primal_lower_bound)

    damping = min(Fraction(1), 1 / (T * eta * L_f * (1 / mu_phi if method == "md" else 1)))
    rcond = REPAIR_RCONDS.get((method, quantity), REPAIR_RCOND)
    if band is not None and method in ("gd", "md") and quantity == AMPLIFICATION:
        # the banded SDP over the iterates, straight to Clarabel (PEPit's over the leaves takes memory as T^3), its
        # worst case then expressed over the leaves; loaded by name, as banded_dual is (it imports this module)
        banded_primal = importlib.import_module("mdtheory.checker.banded_primal")
        solved = banded_primal.solve_primal(method, eta, T, L_f, mu_phi, L_phi, band)
        objective, initial, constraints, functions = _rebuilt(method, eta, T, L_f, mu_phi, L_phi, None, quantity)
        gram, values = banded_primal.over_the_leaves(*solved[:4], functions)
        forms = _Forms([objective, initial.expression, *(c.expression for c in constraints)])
        return primal_lower_bound(gram, values, forms, objective, initial, constraints, functions,
                                  damping, objective_nonnegative=quantity != AMPLIFICATION, repair_rcond=rcond)
    best, why = None, "the solver returned no primal solution"
    for settings in (PRIMAL_TOLERANCES.get(method, {}), *PRIMAL_ALTERNATIVES.get((method, quantity), ())):
        problem = _build(method, eta, T, L_f, mu_phi, L_phi, band, quantity)[0]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                problem.solve(verbose=0, wrapper="cvxpy", solver="CLARABEL", **settings)
        except Exception as err:  # a solver failure never yields a value
            raise WorstCaseError(f"the SDP solver failed at T = {T}: {type(err).__name__}: {err}") from None
        if problem.G_value is None or problem.F_value is None:
            continue
        gram, values = problem.G_value, problem.F_value
        objective, initial, constraints, functions = _rebuilt(method, eta, T, L_f, mu_phi, L_phi, None, quantity)
        forms = _Forms([objective, initial.expression, *(c.expression for c in constraints)])
        # each settings' instance is checked exactly the same way; the higher certified value is kept
        instance, why_not = primal_lower_bound(gram, values, forms, objective, initial, constraints, functions,
                                               damping, objective_nonnegative=quantity != AMPLIFICATION,
                                               repair_rcond=rcond)
        if instance is None:
            why = why_not
        elif best is None or instance.value > best.value:
            best = instance
    return (best, "") if best is not None else (None, why)


def _certified_upper(method, eta, T, L_f, mu_phi, L_phi, claimed, band,
                     quantity: str = AMPLIFICATION) -> tuple[float, Fraction | None, str, Certificate | None]:
    """(the solver's value, the certified upper bound or None, how, its certificate) for the class, or for its
    banded relaxation. The solve is in floating point (evidence); the certificate is checked against the class
    with the exact constants, so a solve too coarse to certify leaves the upper bound None (and says why)."""
    # The SDP is solved for a slightly larger class (L_f and 1/mu_phi up, 1/L_phi down): its multipliers, checked
    # against the exact class's inequalities, leave slack that survives rounding. A smaller relaxation first,
    # since at a step-size edge the larger class grows faster.
    value, upper, how_upper, proof = None, None, "not attempted", None
    for relaxation in RELAXATIONS:
        grow = 1 + relaxation
        duals, solved = _solve(method, eta, T, L_f * grow, mu_phi / grow if mu_phi else None,
                               L_phi * grow if L_phi else None, band, quantity)
        value = solved if value is None else min(value, solved)
        objective, initial, constraints, functions = _rebuilt(method, eta, T, L_f, mu_phi, L_phi, band, quantity)
        if len(constraints) + 1 != len(duals):
            raise WorstCaseError("the exact and the relaxed problems have different constraints: a bug")
        upper, how_upper, proof = dual_certificate(objective, initial, constraints, duals, claimed, functions)
        if upper is not None and (claimed is None or upper <= claimed):
            break
    for relaxation in FINER_RELAXATIONS if upper is not None and (claimed is None or upper > claimed) else ():
        # no claim is proved: a finer relaxation may certify a lower bound (past gd's edge the class larger by
        # 1e-7 grows as (|1 - eta L| + 1e-7 eta L)^T); kept only when it certifies, and only if lower
        grow = 1 + relaxation
        duals, solved = _solve(method, eta, T, L_f * grow, mu_phi / grow if mu_phi else None,
                               L_phi * grow if L_phi else None, band, quantity)
        value = min(value, solved)  # the solver's value for the smallest class solved, as in the loop above
        objective, initial, constraints, functions = _rebuilt(method, eta, T, L_f, mu_phi, L_phi, band, quantity)
        finer, how, certificate = dual_certificate(objective, initial, constraints, duals, claimed, functions)
        if finer is not None and finer < upper:
            upper, how_upper, proof = finer, f"{how} (a class larger by {relaxation})", certificate
    which = ("every interpolation inequality" if band is None else
             f"interpolation inequalities between points at most {band} steps apart (a relaxation: still an upper bound)")
    return value, upper, f"{how_upper}; {which}", proof


def _mahalanobis(eta: Fraction, T: int, L_M: Fraction, mu_phi, L_phi, claimed: Fraction | None) -> WorstCase:
    """Mahalanobis MD, phi = x^T M x/2 with the spectrum of M in [mu_phi, L_phi], f convex and L_M-smooth in the
    M-norm. In z = M^(1/2) x it is GD on g = f(M^(-1/2) z), g convex and L_M-smooth, so
    ||x_T - x'_T|| <= mu_phi^(-1/2) ||z_T - z'_T|| <= mu_phi^(-1/2) A_GD ||z_0 - z'_0|| <= sqrt(kappa) A_GD ||x_0 - x'_0||
    with kappa = L_phi/mu_phi and A_GD GD's worst case: the upper bound is kappa times GD's certified one (squared).
    The lower bound is the best of explicit two-dimensional instances (``_mahalanobis_lower_bound``)."""
    if mu_phi is None or L_phi is None:
        raise WorstCaseError("mahalanobis: give mu_phi and L_phi (the extreme eigenvalues of M)")
    mu_phi, L_phi = exact_positive(mu_phi, "mu_phi"), exact_positive(L_phi, "L_phi")
    if not mu_phi <= L_phi:
        raise WorstCaseError(f"mu_phi = {mu_phi} must be at most L_phi = {L_phi} (the extreme eigenvalues of M)")
    kappa = L_phi / mu_phi
    gd = worst_case_amplification("gd", eta, T, L_M, claimed=None if claimed is None else claimed / kappa)
    upper = None if gd.upper is None else kappa * gd.upper
    how_upper = (f"cond(M) = {kappa} times GD's certified bound in the M-norm, {gd.upper} "
                 f"(norm equivalence: ||x||^2 between ||M^(1/2) x||^2/L_phi and ||M^(1/2) x||^2/mu_phi); GD: "
                 f"{gd.how_upper}" if gd.upper is not None else f"GD's bound was not certified: {gd.how_upper}")
    lower, how_lower = _mahalanobis_lower_bound(eta, T, L_M, kappa)
    lower, compacted = _compact_below(lower)
    how_lower += compacted
    if upper is not None and lower > upper:
        raise WorstCaseError(f"certified lower bound {lower} exceeds certified upper bound {upper} at T = {T}: a bug")
    proof = None if gd.certificate is None else replace(gd.certificate, factor=kappa)
    return WorstCase(T, float(kappa) * gd.solver_value, lower, upper, how_lower, how_upper, certificate=proof)


def _mahalanobis_lower_bound(eta: Fraction, T: int, L_M: Fraction, kappa: Fraction) -> tuple[Fraction, str]:
    """The best of explicit instances: M = diag(1, kappa) (scaling M scales nothing here), g(z) = l (u.z)^2/2
    with 0 <= l <= L_M and u = e_1 or (e_1 + e_2)/sqrt 2. Then the T-step map in z is I - s u u^T with
    s = 1 - (1 - eta l)^T, and in x it is B = M^(-1/2) (I - s u u^T) M^(1/2), whose squared norm is the larger
    eigenvalue of B^T B, from its trace and determinant (both rational). ||B|| is convex in s, so the ends of
    the interval of reachable s (l = 0, L_M, and 1/eta when T is even) suffice. The value is rounded down to a
    rational, exactly."""
    import sympy as sp

    kappa_ = sp.Rational(kappa.numerator, kappa.denominator)
    r_min = 1 - sp.Rational(eta.numerator, eta.denominator) * sp.Rational(L_M.numerator, L_M.denominator)
    powers = {sp.Integer(1), r_min ** T} | ({sp.Integer(0)} if T % 2 == 0 and r_min <= 0 else set())
    root = sp.sqrt(kappa_)  # M^(-1/2) C M^(1/2) with M = diag(1, kappa): the off-diagonal scaled by sqrt(kappa)^(+-1)
    best, how = sp.Integer(1), "f = 0: the runs keep their distance (squared amplification 1)"
    for power in powers:
        s = 1 - power
        for name, C in (("u = e1", sp.Matrix([[1 - s, 0], [0, 1]])),
                        ("u = (e1 + e2)/sqrt(2)", sp.Matrix([[1 - s / 2, -s / 2], [-s / 2, 1 - s / 2]]))):
            largest = _oblique_norm_squared(sp.Matrix([[C[0, 0], C[0, 1] * root], [C[1, 0] / root, C[1, 1]]]))
            if sp.simplify(largest - best) > 0:
                best = largest
                how = (f"M = diag(1, {kappa}), f = l (u.M^(1/2) x)^2/2 with {name} and (1 - eta l)^T = "
                       f"{_shown(_rounded_down(power))}: squared amplification {_at_least(_rounded_down(largest))}, "
                       "exactly")
    return _rounded_down(best), how + ("" if best.is_Rational else " (rounded down to 30 digits)")


def _solve(method, eta, T, L_f, mu_phi, L_phi, band=None, quantity=AMPLIFICATION) -> tuple[list[float], float]:
    """(dual multipliers, the initial condition's first, then one per class constraint; the solver's value)."""
    problem, _, initial, functions = _build(method, eta, T, L_f, mu_phi, L_phi, band, quantity)
    try:
        with warnings.catch_warnings():
            # cvxpy's "solution may be inaccurate": the value is evidence only, the certificates are exact
            warnings.simplefilter("ignore")
            value = problem.solve(verbose=0, wrapper="cvxpy", solver="CLARABEL")
    except Exception as err:  # a solver failure never yields a value
        raise WorstCaseError(f"the SDP solver failed at T = {T}: {type(err).__name__}: {err}") from None
    if value is None or not math.isfinite(value):
        raise WorstCaseError(f"the SDP solver returned no value at T = {T}")
    duals = [float(initial.eval_dual())] + [float(c.eval_dual()) for f in functions for c in f.list_of_class_constraints]
    return duals, value


def _rebuilt(method, eta, T, L_f, mu_phi, L_phi, band=None, quantity=AMPLIFICATION):
    """The exact class's problem, built again (PEPit keeps one problem at a time) with exact constants: its
    objective, initial condition and interpolation inequalities, in the order the solved problem had them, and
    the functions (their points and the pair of points of each inequality, for the certificate)."""
    _, objective, initial, functions = _build(method, eta, T, L_f, mu_phi, L_phi, band, quantity, exact=True)
    for function in functions:
        function.set_class_constraints()
    return objective, initial, [c for function in functions for c in function.list_of_class_constraints], functions


# --------------------------------------------------------------------------- exact forms of PEPit expressions
class _ExactScalar(float):
    """A number PEPit accepts (its scalars must be int or float) that carries the exact rational it stands for.
    The certificate's problem is built with these, so each coefficient of its expressions is computed exactly
    from the file's eta, L_f, mu_phi and L_phi, never read back from a float (a float of eta = 1 - 5e-14 is a
    different eta, and rounding it back to a short rational certified eta = 1). Arithmetic with a plain float
    is refused: it would carry an inexact number into the certificate."""

    __slots__ = ("exact",)

    def __new__(cls, value):
        exact = Fraction(value)
        try:
            approximate = float(exact)
        except OverflowError:
            approximate = math.copysign(math.inf, exact)
        self = super().__new__(cls, approximate)
        self.exact = exact
        return self

    def __repr__(self):
        return f"_ExactScalar({self.exact})"

    def __neg__(self):
        return _ExactScalar(-self.exact)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ExactScalar(abs(self.exact))

    def __pow__(self, power):
        if isinstance(power, bool) or not isinstance(power, int):
            return NotImplemented
        return _ExactScalar(self.exact ** power)

    def __hash__(self):
        return hash(self.exact)


def _exact_operand(other):
    """The exact value of an operand of an ``_ExactScalar``, or None when it is not a number."""
    if isinstance(other, _ExactScalar):
        return other.exact
    if isinstance(other, float):
        raise WorstCaseError(f"the float {other!r} entered the exact problem: a bug (the certificate would not be exact)")
    if isinstance(other, (int, Fraction)):
        return Fraction(other)
    return None


def _exact_arithmetic(operation, reflected: bool):
    def method(self, other):
        value = _exact_operand(other)
        if value is None:
            return NotImplemented
        return _ExactScalar(operation(value, self.exact) if reflected else operation(self.exact, value))
    return method


def _exact_comparison(operation):
    def method(self, other):
        if isinstance(other, float) and not isinstance(other, _ExactScalar):
            # PEPit compares constants with np.inf; comparing is exact (no arithmetic on the float)
            return operation(float(self), other) if not math.isfinite(other) else operation(self.exact, Fraction(other))
        value = _exact_operand(other)
        return NotImplemented if value is None else operation(self.exact, value)
    return method


for _name, _operation in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                          ("truediv", operator.truediv)):
    setattr(_ExactScalar, f"__{_name}__", _exact_arithmetic(_operation, False))
    setattr(_ExactScalar, f"__r{_name}__", _exact_arithmetic(_operation, True))
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(_ExactScalar, f"__{_name}__", _exact_comparison(getattr(operator, _name)))


def _exact_coefficient(value, what: str) -> Fraction:
    if isinstance(value, _ExactScalar):
        return value.exact
    if isinstance(value, int):
        return Fraction(value)
    raise WorstCaseError(f"{what}: the coefficient {value!r} is not exact (a float entered the exact problem): a bug")


def _is_constant_key(key) -> bool:
    # PEPit keys a constant term by the number 1; never compare an Expression with ==, which builds a constraint
    return isinstance(key, (int, float)) and not isinstance(key, bool)


class _Forms:
    """Exact linear forms over the Gram matrix of leaf points and the leaf function values."""

    def __init__(self, expressions):
        points, values = {}, {}
        for expression in expressions:
            for key in expression.decomposition_dict:
                if isinstance(key, tuple):
                    for point in key:
                        points.setdefault(point, len(points))
                elif not _is_constant_key(key):
                    values.setdefault(key, len(values))
        self.points, self.values = points, values

    def of(self, expression, what: str):
        """(Gram coefficients {(i, j): c}, value coefficients {k: c}, constant), exact and symmetric."""
        gram, linear, constant = {}, {}, Fraction(0)
        for key, coefficient in expression.decomposition_dict.items():
            c = _exact_coefficient(coefficient, what)
            if isinstance(key, tuple):
                # G is symmetric: a product <a, b> keyed once is split evenly over (a, b) and (b, a)
                i, j = self.points[key[0]], self.points[key[1]]
                gram[(i, j)] = gram.get((i, j), 0) + c / 2
                gram[(j, i)] = gram.get((j, i), 0) + c / 2
            elif _is_constant_key(key):
                constant += c
            else:
                k = self.values[key]
                linear[k] = linear.get(k, 0) + c
        return gram, linear, constant

    def coordinates(self, leaf_combination, table: dict, what: str) -> dict:
        """A point (or function value) as exact coordinates over the leaves {leaf index: c}."""
        return {table.setdefault(leaf, len(table)): _exact_coefficient(c, what)
                for leaf, c in leaf_combination.decomposition_dict.items() if not _is_constant_key(leaf)}


@dataclass(frozen=True)
class Certificate:
    """Everything that proves ``objective <= bound``, in exact rationals, re-checkable without mdtheory.

    Unknowns: the Gram matrix G (G >= 0) of the leaf points and the vector F of leaf function values. Each
    inequality k reads E_k = <H_k, G> + a_k.F + c_k <= 0 (``forms``: H_k as {(i, j): c}, symmetric; a_k as
    {k: c}; c_k); the objective is <H, G> + a.F + c. With multipliers lambda_k >= 0, if sum_k lambda_k a_k = a
    and S = sum_k lambda_k H_k - H is positive semidefinite (S = sum_r d_r l_r l_r^T with every d_r >= 0), then
    objective <= c - sum_k lambda_k c_k - <S, G> <= c - sum_k lambda_k c_k = bound. Inequality 0 is the initial
    condition; the others are interpolation inequalities of ``functions`` (each the class's inequality between
    the function's points i and j, which are given over the leaves, so that a reader can rebuild them), only
    those with a nonzero multiplier. For mahalanobis the upper bound is ``factor`` times this bound."""

    bound: Fraction
    n_points: int
    n_values: int
    objective: tuple  # (gram, linear, constant)
    inequalities: tuple  # (label, multiplier, (gram, linear, constant)); label: "initial" or (function, i, j)
    residual: tuple  # S, rows of Fractions
    factors: tuple  # (d_r, l_r): S = sum_r d_r l_r l_r^T
    functions: tuple  # (name, class, L, mu, points: ((x, g, f) as {leaf index: c}, ...))
    factor: Fraction = Fraction(1)


def _functions_description(forms: _Forms, functions) -> tuple:
    described = []
    for k, function in enumerate(functions):
        mu = getattr(function, "mu", 0)
        name = getattr(function, "described_name", "f" if k == 0 else "h = phi* (the conjugate of phi)")
        kind = getattr(function, "described_class", "convex and L-smooth" if k == 0 else "mu-strongly convex and L-smooth")
        points = tuple((forms.coordinates(x, forms.points, name), forms.coordinates(g, forms.points, name),
                        forms.coordinates(value, forms.values, name)) for x, g, value in function.list_of_points)
        described.append((name, kind, _exact_coefficient(function.L, name), _exact_coefficient(mu, name), points))
    return tuple(described)


def dual_certificate(objective, initial, constraints, duals: list[float], target: Fraction | None = None,
                     functions=(), sizes: list[float] | None = None,
                     order=None) -> tuple[Fraction | None, str, Certificate | None]:
    """An exactly verified upper bound on the objective from dual multipliers (``duals[0]`` the initial
    condition's, then one per constraint; module docstring), or (None, why not, None). The constraints'
    coefficients are exact (``_rebuilt``); ``functions`` (the rebuilt problem's) describe them for the certificate.

    The multipliers are rationalized with denominators 10^2, 10^3, ...: the coarse ones often recover the
    exact certificate of a proof (GD's is lambda = 2 eta on each co-coercivity pair), which can certify a
    claimed ``target`` exactly; the fine ones certify the solver's value.

    ``sizes``: the size each multiplier is expected to have, where they span many orders of magnitude by
    construction (past gd's edge, step t's about |1 - eta L|^(2(T - t))): a multiplier is taken as 0 when
    below INACTIVE of the largest relative to its size (duals[k] / sizes[k] against the largest such ratio),
    not of the largest multiplier. It only decides which multipliers are tried as 0; the exact check is the
    judge. ``order``: the Gram vectors (points) in an order in which the residual is banded, for the
    band-order LDL^T (``_ldlt``); the other points, if any, come last."""
    every = [initial, *constraints]
    forms = _Forms([objective, *(c.expression for c in every)])
    exact = [forms.of(c.expression, f"constraint {k}") for k, c in enumerate(every)]
    obj_gram, obj_linear, obj_constant = forms.of(objective, "objective")
    scale = -exact[0][2]  # the initial condition reads ||x_0 - x'_0||^2 - 1 <= 0
    sizes = sizes or [1.0] * len(duals)
    largest = max(abs(d) / size for d, size in zip(duals, sizes))
    n = len(forms.points)
    if order is not None:
        banded = [forms.points[point] for point in order if point in forms.points]
        order = banded + sorted(set(range(n)) - set(banded))
    # the residual at weight w is the one at tau plus (w - tau) H_initial: when H_initial is PSD and carries no
    # function values, a weight that certifies makes every larger one certify, so the inflations are bisected
    monotone = not exact[0][1] and _ldlt(_residual_matrix([Fraction(0)] * len(exact), exact, {}, n, 1)) is not None
    why = "no rationalization of the multipliers gave a positive semidefinite residual"
    best = None  # (certificate, how) of the lowest bound certified so far

    def certificate(lam, weight, residual, factors) -> Certificate:
        lam = [weight, *lam[1:]]
        labels = ["initial", *((k, *pair) for k, function in enumerate(functions) for pair in function.pairs)]
        bound = obj_constant - sum((value * form[2] for value, form in zip(lam, exact)), Fraction(0))
        if bound != weight * scale:
            raise WorstCaseError(f"the certificate's bound {bound} is not its initial multiplier times {scale}: a bug")
        return Certificate(
            bound, len(forms.points), len(forms.values), (obj_gram, obj_linear, obj_constant),
            tuple((labels[k] if k < len(labels) else k, value, exact[k]) for k, value in enumerate(lam) if value),
            tuple(tuple(row) for row in residual), factors, _functions_description(forms, functions))

    for digits in RATIONALIZATIONS:
        lam = [Fraction(d).limit_denominator(10**digits) if d > INACTIVE * largest * size else Fraction(0)
               for d, size in zip(duals, sizes)]
        lam, failure = _restore_value_equations(lam, exact, obj_linear, len(forms.values))
        if lam is None:
            why = failure
            continue
        tau = lam[0]

        def certifies(weight: Fraction, lam=lam) -> Certificate | None:
            """The certificate with the initial condition's multiplier set to ``weight``, if the residual is PSD.
            If that condition has function values (D_phi(x*, x_0) does), they must cancel at this weight too:
            restore again."""
            if exact[0][1] and weight != lam[0]:
                lam, _ = _restore_value_equations([weight, *lam[1:]], exact, obj_linear, len(forms.values))
                if lam is None:
                    return None
            residual = _residual_matrix(lam, exact, obj_gram, n, weight)
            factors = _ldlt(residual, order)
            return None if factors is None else certificate(lam, weight, residual, factors)

        if target is not None and target >= tau * (1 - SNAP) and (proof := certifies(target / scale)):
            return target, (f"multipliers rationalized to 1e-{digits}; with the initial condition's set to give the "
                            f"claimed {target}, the residual is PSD by an exact LDL^T"), proof
        if (best is None or tau < best[0].bound / scale) and (proof := certifies(tau)):
            best = (proof, f"multipliers rationalized to 1e-{digits}; the residual is PSD by an exact LDL^T")
        else:
            # a coarser rationalization may already have certified a bound this low
            inflations = [delta for delta in INFLATIONS if best is None or tau + delta < best[0].bound / scale]
            if found := _least_inflation(inflations, lambda delta: certifies(tau + delta), monotone):
                delta, proof = found
                best = (proof, (f"multipliers rationalized to 1e-{digits}; the initial condition's inflated by "
                                f"{delta} to make the residual PSD (exact LDL^T)"))
        if best is not None and target is not None and best[0].bound <= target:
            return best[0].bound, best[1], best[0]  # it proves the claim: enough
    if best is not None:
        # without a claim it proves, finer rationalizations were tried too: a coarse one may leave the bound loose
        # (md's suboptimality at T = 2: 2.5e-5 at 1e-2) or need a large inflation (gd's at T = 5: 1e-5 where a
        # finer one needs 1e-8); the lowest bound is kept
        return best[0].bound, best[1], best[0]
    return None, why, None


def _least_inflation(inflations: list[Fraction], certifies, monotone: bool) -> tuple | None:
    """(the least of the ascending ``inflations`` that ``certifies``, its certificate), or None: in turn, or,
    when ``monotone`` (every larger one certifies too), the largest first and then by bisection, so that a
    rationalization no inflation repairs costs one exact factorization, not one per inflation."""
    if not monotone:
        return next(((delta, proof) for delta in inflations if (proof := certifies(delta))), None)
    if not inflations or not (proof := certifies(inflations[-1])):
        return None
    low, high, found = -1, len(inflations) - 1, proof  # inflations[low] fails (or none), inflations[high] certifies
    while high - low > 1:
        middle = (low + high) // 2
        if proof := certifies(inflations[middle]):
            high, found = middle, proof
        else:
            low = middle
    return inflations[high], found


def _restore_value_equations(lam, exact, obj_linear, m):
    """lambda with sum_k lambda_k a_k = a_objective exactly (the function values must cancel): a least-norm
    correction over the active multipliers; (None, why) when it cannot keep them nonnegative."""
    from flint import fmpq_mat

    lam = list(lam)
    active = [k for k, value in enumerate(lam) if value > 0 and k > 0]
    if not m:
        return lam, ""
    mismatch = dict(obj_linear)  # the equations' residual, over the sparse forms: zero when they already hold
    for k, value in enumerate(lam):
        for row, c in exact[k][1].items() if k == 0 or value > 0 else ():
            mismatch[row] = mismatch.get(row, 0) - value * c
    if not any(mismatch.values()):
        return lam, ""  # (the pairs of the banded problem share a multiplier: their values cancel exactly)
    A = [[exact[k][1].get(row, Fraction(0)) for k in active] for row in range(m)]
    # the initial condition's multiplier is fixed (it is the bound); its function values, if any, are moved over
    initial = exact[0][1]
    residual = [obj_linear.get(row, Fraction(0)) - lam[0] * initial.get(row, Fraction(0))
                - sum((A[row][col] * lam[k] for col, k in enumerate(active)), Fraction(0)) for row in range(m)]
    rows = _independent_rows(A)
    if not _in_row_span(A, rows, residual):
        return None, "the function values cannot cancel with the active multipliers"
    if any(residual[r] for r in rows):
        AAt = fmpq_mat(len(rows), len(rows), [_q(sum((A[a][c] * A[b][c] for c in range(len(active))), Fraction(0)))
                                              for a in rows for b in rows])
        w = AAt.solve(fmpq_mat(len(rows), 1, [_q(residual[r]) for r in rows]))
        for col, k in enumerate(active):
            lam[k] += sum((A[r][col] * _f(w[i, 0]) for i, r in enumerate(rows)), Fraction(0))
        if any(lam[k] < 0 for k in active):
            return None, "restoring the function-value equations made a multiplier negative"
    return lam, ""


def _residual_matrix(lam, exact, obj_gram, n, tau):
    """sum_k lambda_k H_k - H_objective, with the initial condition's multiplier replaced by ``tau``."""
    S = [[Fraction(0)] * n for _ in range(n)]
    for k, value in enumerate(lam):
        weight = tau if k == 0 else value
        if weight:
            for (i, j), c in exact[k][0].items():
                S[i][j] += weight * c
    for (i, j), c in obj_gram.items():
        S[i][j] -= c
    return S


def _independent_rows(A: list[list[Fraction]]) -> list[int]:
    """Indices of a maximal set of linearly independent rows (each interpolation inequality pairs two function
    values with +-1, so the rows of one function sum to zero and one of them is redundant)."""
    basis: list[tuple[int, list[Fraction]]] = []  # (pivot column, reduced row)
    chosen = []
    for r, row in enumerate(A):
        v = list(row)
        for pivot, b in basis:
            if v[pivot]:
                factor = v[pivot] / b[pivot]
                v = [x - factor * y for x, y in zip(v, b)]
        pivot = next((c for c, x in enumerate(v) if x), None)
        if pivot is not None:
            basis.append((pivot, v))
            chosen.append(r)
    return chosen


def _in_row_span(A, rows, residual) -> bool:
    """The dropped rows' equations follow from the kept ones exactly when the residual does too: check by
    reducing the augmented rows."""
    augmented = [list(A[r]) + [residual[r]] for r in range(len(A))]
    return len(_independent_rows(augmented)) == len(rows)


def _q(value: Fraction):
    from flint import fmpq

    return fmpq(value.numerator, value.denominator)


def _f(value) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def _is_psd(matrix: list[list[Fraction]]) -> bool:
    return _ldlt(matrix) is not None


def _ldlt(matrix: list[list[Fraction]], order: list[int] | None = None) -> tuple | None:
    """S = sum_r d_r l_r l_r^T with every d_r > 0 (exact rationals), or None when S is not positive
    semidefinite. Symmetric elimination: l_r is the pivot's row over its pivot (1 at the pivot). Without
    ``order``, diagonal pivoting (the largest remaining diagonal first), where a zero pivot needs its whole
    remaining block to be zero: for the dense residuals of PEPit's leaves. With ``order`` (every index, in an
    order in which S is banded, such as step by step for a block-tridiagonal S), the pivots are taken in that
    order over sparse rows: eliminating a band's first index updates only its neighbours, which are already
    coupled, so there is no fill-in and the cost is linear in the band's length; a zero pivot needs its own
    remaining row to be zero. The elimination runs on python-flint's exact rationals (fmpq, in C), the same
    arithmetic as Fractions."""
    from flint import fmpq

    n = len(matrix)
    if order is not None and sorted(order) != list(range(n)):
        raise WorstCaseError("the elimination order is not a permutation of the residual's indices: a bug")
    if any(matrix[i][j] != matrix[j][i] for i in range(n) for j in range(i)):
        return None
    if _fails_a_principal_minor(matrix):
        return None
    if order is not None:
        return _ldlt_in_order(matrix, order)
    a = [[fmpq(v.numerator, v.denominator) for v in row] for row in matrix]
    remaining = list(range(n))
    factors = []
    while remaining:
        pivot = max(remaining, key=lambda i: a[i][i])
        p = a[pivot][pivot]
        if p < 0:
            return None
        if p == 0:
            if all(a[i][j] == 0 for i in remaining for j in remaining):
                break
            return None
        remaining.remove(pivot)
        row = {j: a[pivot][j] for j in remaining if a[pivot][j] != 0}
        column = [Fraction(0)] * n
        column[pivot] = Fraction(1)
        for j, aj in row.items():
            column[j] = _f(aj / p)
        factors.append((_f(p), tuple(column)))
        for i, ai in row.items():
            factor = ai / p
            target = a[i]
            for j, aj in row.items():
                target[j] -= factor * aj
    return tuple(factors)


def _fails_a_principal_minor(matrix: list[list[Fraction]]) -> bool:
    """A cheaper exact test than the factorization, which it spares when it fails: a PSD matrix has no negative
    diagonal entry and no 2 x 2 principal minor S_ii S_jj - S_ij^2 below 0."""
    n = len(matrix)
    if any(matrix[i][i] < 0 for i in range(n)):
        return True
    return any(c and c * c > matrix[i][i] * matrix[j][j] for i in range(n) for j, c in enumerate(matrix[i]) if j > i)


def _ldlt_in_order(matrix: list[list[Fraction]], order: list[int]) -> tuple | None:
    """``_ldlt`` with the pivots taken in ``order`` (a permutation of the indices), over sparse rows."""
    from flint import fmpq

    n = len(matrix)
    rows = [{j: fmpq(v.numerator, v.denominator) for j, v in enumerate(row) if v} for row in matrix]
    factors = []
    for pivot in order:
        row = rows[pivot]
        p = row.pop(pivot, fmpq(0))
        if p < 0:
            return None
        if p == 0:
            if any(row.values()):
                return None
            for i in row:
                del rows[i][pivot]
            continue
        column = [Fraction(0)] * n
        column[pivot] = Fraction(1)
        for j, aj in row.items():
            column[j] = _f(aj / p)
        factors.append((_f(p), tuple(column)))
        for i, ai in row.items():  # the Schur complement, on the pivot's neighbours only
            factor = ai / p
            target = rows[i]
            del target[pivot]
            for j, aj in row.items():
                target[j] = target.get(j, 0) - factor * aj
    return tuple(factors)


def _explicit_lower_bound(method: str, eta: Fraction, T: int, L_f: Fraction, mu_phi: Fraction | None,
                          L_phi: Fraction | None = None) -> tuple[Fraction, str]:
    """The best of explicit instances in the class: f = 0 (the runs keep their distance); f = L_f x^2/2 in one
    dimension with phi = mu_phi x^2/2 (for GD mu_phi = 1), where MD is GD with step eta/mu_phi; and for MD,
    a quadratic phi = x^T M x/2 with M = diag(mu_phi, L_phi) (in the class) with f = l (u.x)^2/2, u at 45
    degrees (``_quadratic_md_instance``)."""
    step = eta * L_f / (mu_phi if method == "md" else 1)
    best, how = Fraction(1), "f = 0: the runs keep their distance (squared amplification 1)"
    quadratic = (1 - step) ** (2 * T)
    if quadratic > best:
        which = "f = L x^2/2" + (", phi = mu x^2/2" if method == "md" else "")
        best, how = quadratic, f"{which} in one dimension: (1 - {step})^(2T) = {_scientific(quadratic)}, exactly"
    if method == "md" and L_phi is not None:
        value, described = _quadratic_md_instance(eta, T, L_f, mu_phi, L_phi)
        if value > best:
            best, how = value, described
    return best, how


def _oblique_norm_squared(C) -> object:
    """||C||^2 for a 2 x 2 exact matrix, from the trace and determinant of C^T C (the larger eigenvalue)."""
    import sympy as sp

    trace = sum(c ** 2 for c in C)
    det = C.det() ** 2
    return (trace + sp.sqrt(trace ** 2 - 4 * det)) / 2


def _rounded_down(value) -> Fraction:
    import sympy as sp

    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    floor = sp.Rational(sp.floor(value * 10**30), 10**30)  # exact: the floor of an algebraic number
    return Fraction(int(floor.p), int(floor.q))


def _quadratic_md_instance(eta: Fraction, T: int, L_f: Fraction, mu_phi: Fraction, L_phi: Fraction):
    """MD with phi = x^T M x/2, M = diag(mu_phi, L_phi), on f = l (u.x)^2/2 with u = (e1 + e2)/sqrt 2 and
    0 <= l <= L_f: the T-step map is I - s w u^T/(u.w), w = M^(-1) u, s = 1 - (1 - eta l u.w)^T, an oblique
    projection scaled by s. Its norm is convex in s, so the ends of the reachable interval of s suffice."""
    import sympy as sp

    q = lambda v: sp.Rational(v.numerator, v.denominator)
    w = sp.Matrix([1 / q(mu_phi), 1 / q(L_phi)])  # M^(-1) u up to the factor 1/sqrt 2, which cancels
    u = sp.Matrix([1, 1])
    projection = w * u.T / (u.T * w)[0]
    r_min = 1 - q(eta) * q(L_f) * (u.T * w)[0] / 2
    powers = {sp.Integer(1), r_min ** T} | ({sp.Integer(0)} if T % 2 == 0 and r_min <= 0 else set())
    best, best_power = sp.Integer(1), sp.Integer(1)
    for power in powers:
        value = _oblique_norm_squared(sp.eye(2) - (1 - power) * projection)
        if sp.simplify(value - best) > 0:
            best, best_power = value, power
    rounded = _rounded_down(best)
    return rounded, (f"phi = x^T M x/2 with M = diag({mu_phi}, {L_phi}), f = l (u.x)^2/2 with u at 45 degrees and "
                     f"(1 - eta l u.M^(-1)u)^T = {_shown(_rounded_down(best_power))}: squared amplification "
                     f"{_at_least(rounded)}, exactly"
                     + ("" if best.is_Rational else " (rounded down to 30 digits)"))


# --------------------------------------------------------------------------- claims over a class
@dataclass(frozen=True)
class ClassClaim:
    """For every f (and phi) in the class: amplification(T) <= bound(T) at every T in ``horizons``."""

    method: str
    eta: Fraction
    horizons: tuple
    L_f: Fraction = Fraction(1)
    mu_phi: Fraction | None = None
    L_phi: Fraction | None = None
    bound: object = None  # a sympy expression in T (and etaT), or None: report the interval only
    expected: Verdict = PROVED
    quantity: str = AMPLIFICATION


@dataclass(frozen=True)
class ClassVerdict:
    claim: ClassClaim
    cases: tuple  # WorstCase per horizon
    verdicts: tuple  # per horizon: proved / violated / inconclusive (or None without a bound)
    reasons: tuple = ()  # per horizon: why it is inconclusive, with the numbers (a Reading), else None
    SHOWN_DIGITS = 9  # significant digits of the interval's ends in a table, as `mdtheory worst-case` prints them

    @property
    def verdict(self) -> Verdict | None:
        if self.claim.bound is None:
            return None
        if VIOLATED in self.verdicts:
            return VIOLATED
        return PROVED if all(v == PROVED for v in self.verdicts) else INCONCLUSIVE

    def heading(self) -> str:
        claim = self.claim
        return (f"{claim.method}, eta = {claim.eta} (L_f = {claim.L_f}"
                + (f", phi: mu = {claim.mu_phi}, L = {claim.L_phi}" if claim.method not in ("gd", *PEP_METHODS) else "") + ")"
                + ("" if self.verdict is None else
                   f"; claim {claim.quantity} <= {claim.bound}: {self.verdict} (expected {claim.expected})"))

    def rows(self) -> list[tuple[str, str, str]]:
        """(T, the certified interval of the quantity, its verdict) per horizon, the interval's ends written as
        ``mdtheory worst-case`` writes them (rounded outward, 9 significant digits)."""
        return [(str(case.T), interval_reading(case, self.SHOWN_DIGITS).text(), verdict or "-")
                for case, verdict in zip(self.cases, self.verdicts)]

    def _repr_markdown_(self) -> str:
        from mdtheory.checker.result import table_cell

        lines = [table_cell(self.heading()), "", f"| T | certified {self.claim.quantity} [lower, upper] | verdict |",
                 "|---|---|---|"]
        return "\n".join(lines + [f"| {T} | {interval} | {verdict} |" for T, interval, verdict in self.rows()])

    def why_inconclusive(self) -> list[str]:
        """One line per inconclusive horizon: why, with the numbers."""
        return [f"T = {case.T}: inconclusive: {reason}" for case, reason in zip(self.cases, self.reasons) if reason]

    def __str__(self) -> str:
        return "\n".join([self.heading()] + [f"T = {T}: {self.claim.quantity} in {interval}, {verdict}"
                                              for T, interval, verdict in self.rows()] + self.why_inconclusive())


def bound_value(bound, T: int, eta: Fraction, quantity: str):
    """The bound at T as an exact sympy number, squared for the amplification (the PEP bounds its square)."""
    import sympy as sp

    from mdtheory.checker.bounds import ETA_T, T as T_SYMBOL

    value = bound.subs({T_SYMBOL: T, ETA_T: sp.Rational(eta.numerator, eta.denominator) * T})
    if not value.is_number or not value.is_positive:
        raise WorstCaseError(f"[claim] bound: {bound} is not a positive number at T = {T}")
    return value ** 2 if quantity == AMPLIFICATION else value


WHY_DIGITS = 9  # significant digits of the bounds in an inconclusive verdict's reason
EXCESS_DIGITS = 2  # and of how far the certified upper bound (or the solver's value) lies above the claim


def _why_inconclusive(case: WorstCase, squared, quantity: str):
    """Why neither side decided the claim at this horizon, with the numbers, on the quantity itself (square
    roots for the amplification; the excess of the upper bound over the claim is computed exactly first)."""
    import sympy as sp

    from mdtheory.checker.directed import SquareRoot
    from mdtheory.checker.reading import reading, rounded, rounded_down, rounded_up

    root = sp.sqrt if quantity == AMPLIFICATION else (lambda value: value)
    as_rational = lambda q: sp.Rational(q.numerator, q.denominator)
    claimed = root(squared)
    shown = lambda value, digits=WHY_DIGITS: rounded(float(sp.N(value, digits + 5)), digits)
    on_quantity = lambda value: shown(root(value))
    certified = SquareRoot if quantity == AMPLIFICATION else (lambda value: value)  # the bounds, rounded outward
    lower = reading(f"; the certified lower bound {quantity} >= ", rounded_down(certified(case.lower), WHY_DIGITS),
                    " (an explicit instance) is below it")
    solver = max(sp.Rational(case.solver_value), sp.Integer(0))  # the float's exact value
    solver_side = "above" if sp.simplify(solver - squared) > 0 else "at or below"
    solver_text = reading(f"; the SDP solver's value {quantity} = ", on_quantity(solver),
                          f" (floating point, evidence only) is {solver_side} the claim")
    if case.upper is None:
        return reading(f"no upper bound was certified at T = {case.T} ({case.how_upper})") + solver_text + lower
    upper = as_rational(case.upper)
    excess = root(upper) - claimed
    return (reading(f"the certified upper bound {quantity} <= ", rounded_up(certified(case.upper), WHY_DIGITS),
                    " exceeds the claim ",
                    shown(claimed), " by ", shown(excess, EXCESS_DIGITS),
                    " (relative ", shown(excess / claimed, EXCESS_DIGITS),
                    f") at T = {case.T}") + solver_text + lower)


def check_class_claim(claim: ClassClaim, progress=None) -> ClassVerdict:
    import sympy as sp

    cases, verdicts, reasons = [], [], []
    for i, T in enumerate(claim.horizons):
        if progress:
            progress(i, len(claim.horizons))
        target = None
        squared = None  # the bound on what the PEP bounds (the amplification's square, or the suboptimality)
        if claim.bound is not None:
            squared = bound_value(claim.bound, T, claim.eta, claim.quantity)
            target = _compact_below(Fraction(int(squared.p), int(squared.q)))[0] if squared.is_Rational else None
        worst = worst_case_amplification if claim.quantity == AMPLIFICATION else worst_case_suboptimality
        if claim.method in PEP_METHODS:
            worst = functools.partial(worst_case_of_method, quantity=claim.quantity)
        case = worst(claim.method, claim.eta, T, claim.L_f, claim.mu_phi, claim.L_phi, target)
        cases.append(case)
        reason = None
        if squared is None:
            verdicts.append(None)
            reasons.append(reason)
            continue
        as_rational = lambda q: sp.Rational(q.numerator, q.denominator)
        if sp.simplify(as_rational(case.lower) - squared) > 0:
            verdicts.append(VIOLATED)
        elif case.upper is not None and sp.simplify(squared - as_rational(case.upper)) >= 0:
            verdicts.append(PROVED)
        else:
            verdicts.append(INCONCLUSIVE)
            reason = _why_inconclusive(case, squared, claim.quantity)
        reasons.append(reason)
    if progress:
        progress(len(claim.horizons), len(claim.horizons))
    return ClassVerdict(claim, tuple(cases), tuple(verdicts), tuple(reasons))


def interval_reading(case: WorstCase, digits: int):
    """The certified interval of the quantity as text, "[lower, upper]", each end rounded outward from the exact
    bound (square roots for the amplification), so that the digits shown are still bounds; exact when they fit."""
    from mdtheory.checker.directed import SquareRoot
    from mdtheory.checker.reading import reading, rounded_down, rounded_up

    on_quantity = SquareRoot if case.quantity == AMPLIFICATION else (lambda value: value)
    upper = "not certified" if case.upper is None else rounded_up(on_quantity(case.upper), digits)
    return reading("[", rounded_down(on_quantity(case.lower), digits), ", ", upper, "]")


def interval_curve(result: ClassVerdict) -> list[tuple]:
    """(T, certified lower, certified upper or None) of the amplification, per horizon."""
    return [(case.T, *case.interval()) for case in result.cases]
