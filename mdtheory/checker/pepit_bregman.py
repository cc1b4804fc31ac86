"""PEPit's Bregman examples, two-sided: explicit instances in PEPit's classes (certified lower ends) and the
NoLips rate in Bregman divergence proved for every n.

PEPit's classes hold convex functions that need not be differentiable nor strictly convex (its
``ConvexFunction``), and its steps are optimality conditions: NoLips' x_(t+1) is any point with
grad h(x_t) - gamma grad f_1(x_t) in the subdifferential of h + f_2/gamma at x_(t+1), the Bregman proximal
point's any point with grad f_2(x_t) in that of gamma f_1 + f_2. The instances below are one-dimensional and
piecewise linear with exact rational data (``PiecewiseLinear``); each is run here by an exact simulator of
that step which takes the largest point of the optimality set (where the kernel is flat that set is a segment:
the instances sit at its end), its class membership is checked exactly, and its value is the performance
measure over the initial condition, a rational. A kernel with a kink keeps the iterate in place while its
subgradient moves: that is how the worst cases of Dragomir, Taylor, d'Aspremont & Bolte are met exactly.

The upper end for NoLips in Bregman divergence, min_(1 <= t <= n) D_h(x_(t-1); x_t) <= 2/(n (n - 1))
D_h(x*; x_0) for gamma <= 1/L (their Proposition 4), is a weighted sum of four one-step inequalities, each
proved in PEPit's class by exact multipliers (interpolation inequalities, a residual PSD by exact LDL^T), with
weights depending on the step index; that the weighted sum telescopes to the bound is verified with sympy
symbolically in n and in the index (``telescopes_for_every_n``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

from mdtheory.checker.potential import Part, _add, _Function, _Leaves, _lin, _Problem, _quadratic
from mdtheory.checker.potential_rate import _exact_half, _inequalities, _solve_affine
from mdtheory.checker.worst_case import RATIONALIZATIONS, WorstCaseError

SMALLEST_N_FOR_SYMBOLS = 6  # the index classes of the telescoping are ordered for n >= this; below, exactly per n


# --------------------------------------------------------------------------- exact one-dimensional instances
@dataclass(frozen=True)
class PiecewiseLinear:
    """A piecewise-linear function on the line: the values at increasing knots, the slopes beyond the ends."""

    knots: tuple  # ((x, value), ...), x increasing
    left: Fraction  # slope left of the first knot
    right: Fraction  # slope right of the last knot

    def slopes(self) -> list:
        inner = [(v1 - v0) / (x1 - x0) for (x0, v0), (x1, v1) in zip(self.knots, self.knots[1:])]
        return [self.left, *inner, self.right]

    def convex(self) -> bool:
        slopes = self.slopes()
        return all(a <= b for a, b in itertools.pairwise(slopes))

    def __call__(self, x: Fraction) -> Fraction:
        (x0, v0), (xl, vl) = self.knots[0], self.knots[-1]
        if x <= x0:
            return v0 + self.left * (x - x0)
        if x >= xl:
            return vl + self.right * (x - xl)
        for (a, va), (b, vb) in zip(self.knots, self.knots[1:]):
            if a <= x <= b:
                return va + (vb - va) * (x - a) / (b - a)
        raise AssertionError("unreachable: the knots cover [x0, xl]")

    def subdifferential(self, x: Fraction) -> tuple:
        """(left derivative, right derivative) at x: the subdifferential when convex."""
        slopes, xs = self.slopes(), [k for k, _ in self.knots]
        for i, k in enumerate(xs):
            if x == k:
                return slopes[i], slopes[i + 1]
            if x < k:
                return slopes[i], slopes[i]
        return slopes[-1], slopes[-1]

    def combine(self, a: Fraction, other: PiecewiseLinear, b: Fraction) -> PiecewiseLinear:
        """a self + b other."""
        xs = sorted({x for x, _ in self.knots} | {x for x, _ in other.knots})
        return PiecewiseLinear(tuple((x, a * self(x) + b * other(x)) for x in xs),
                               a * self.left + b * other.left, a * self.right + b * other.right)


def linear(slope: Fraction) -> PiecewiseLinear:
    return PiecewiseLinear(((Fraction(0), Fraction(0)),), slope, slope)


def _largest_with_subgradient(function: PiecewiseLinear, sigma: Fraction, nonnegative: bool):
    """The largest x (x >= 0 when ``nonnegative``: the normal cone of [0, inf) adds (-inf, 0] at 0) with sigma
    in the subdifferential at x (plus the cone): the point the simulators take from the optimality set."""
    candidates = [x for x, _ in function.knots if (x > 0 or not nonnegative)
                  and function.subdifferential(x)[0] <= sigma <= function.subdifferential(x)[1]]
    if sigma >= function.right:
        raise WorstCaseError("the step has no largest solution (the objective is unbounded or flat to the right)")
    if candidates:
        return max(candidates)
    if nonnegative and sigma <= function.subdifferential(Fraction(0))[1]:
        return Fraction(0)
    raise WorstCaseError("the step has no solution in this instance")


@dataclass(frozen=True)
class Instance:
    """An explicit instance of one of PEPit's examples: its functions, the iterates and subgradients the exact
    simulator produced, the performance measure, the initial condition's left side, and what was checked."""

    example: str
    gamma: Fraction
    n: int
    iterates: tuple  # x_0, ..., x_n
    subgradients: tuple  # the kernel's subgradient at each iterate
    measure: Fraction
    initial: Fraction
    checks: tuple

    @property
    def ratio(self) -> Fraction:
        """The certified lower end: the measure over the initial condition's left side."""
        return self.measure / self.initial


def _require(condition: bool, what: str) -> str:
    if not condition:
        raise WorstCaseError(f"the instance is not in the class: {what} fails")
    return what


def _nolips_run(h: PiecewiseLinear, f1: PiecewiseLinear, gamma: Fraction, L: Fraction, x0: Fraction, s0: Fraction,
                n: int) -> tuple:
    """NoLips on f_1 + the indicator of [0, inf) with kernel h, exactly; the class checked (f_1, h and
    d = L h - f_1 convex, s_0 a subgradient of h at x_0, x* = 0 minimizing f_1 + f_2)."""
    checks = [_require(f1.convex(), "f_1 convex"), _require(h.convex(), "h convex"),
              _require(h.combine(L, f1, Fraction(-1)).convex(), "d = L h - f_1 convex"),
              _require(h.subdifferential(x0)[0] <= s0 <= h.subdifferential(x0)[1], "s_0 in the subdifferential of h at x_0"),
              _require(f1.subdifferential(Fraction(0))[1] >= 0, "x* = 0 minimizes f_1 over [0, inf)")]
    xs, ss = [x0], [s0]
    for _ in range(n):
        x, s = xs[-1], ss[-1]
        g = f1.subdifferential(x)
        _require(g[0] == g[1], "f_1 differentiable at the iterates")
        sigma = s - gamma * g[0]
        x1 = _largest_with_subgradient(h, sigma, nonnegative=True)
        s1 = sigma if x1 > 0 else max(sigma, h.subdifferential(x1)[0])  # at 0 the normal takes the rest
        xs.append(x1)
        ss.append(s1)
    checks.append(f"{n} steps simulated exactly (the largest point of each step's optimality set)")
    return tuple(xs), tuple(ss), checks


def _divergence(h: PiecewiseLinear, x: Fraction, y: Fraction, s_y: Fraction) -> Fraction:
    """D_h(x; y) with the subgradient s_y at y."""
    return h(x) - h(y) - s_y * (x - y)


def nolips_function_value_instance(gamma: Fraction, L: Fraction, n: int) -> Instance:
    """f_1(x) = x on [0, inf), h with one kink at 1 (slopes 0, then n gamma), x_0 = 1 with the kink's upper
    subgradient: h's subgradient falls by gamma per step and x_t stays at 1, so F(x_n) - F* = 1 while
    D_h(x*; x_0) = n gamma: the ratio is 1/(gamma n), the docstring's tight value."""
    f1 = linear(Fraction(1))
    h = PiecewiseLinear(((Fraction(1), Fraction(0)),), Fraction(0), n * gamma)
    xs, ss, checks = _nolips_run(h, f1, gamma, L, Fraction(1), n * gamma, n)
    measure = f1(xs[-1]) - f1(Fraction(0))
    initial = _divergence(h, Fraction(0), xs[0], ss[0])
    return Instance("nolips in function value", gamma, n, xs, ss, measure, initial, tuple(checks))


def nolips_divergence_instance(gamma: Fraction, L: Fraction, n: int) -> Instance:
    """f_1(x) = x on [0, inf), h piecewise linear with knots at 0, 1, ..., n and slope (n - t) gamma on
    [n - t, n - t + 1] (- gamma left of 0), x_0 = n: every step moves one knot to the left and
    D_h(x_(t-1); x_t) = gamma for every t while D_h(x*; x_0) = gamma n (n - 1)/2: the ratio 2/(n (n - 1))."""
    if n < 2:
        raise WorstCaseError("n: the rate 2/(n (n - 1)) is posed for n >= 2")
    f1 = linear(Fraction(1))
    knots, value = [], Fraction(0)
    for x in range(n + 1):  # slope on [x - 1, x] is (x - 1) gamma: slope m_t = (n - t) gamma on [n - t, n - t + 1]
        if x:
            value += (x - 1) * gamma
        knots.append((Fraction(x), value))
    h = PiecewiseLinear(tuple(knots), -gamma, n * gamma)
    xs, ss, checks = _nolips_run(h, f1, gamma, L, Fraction(n), (n - 1) * gamma, n)
    measure = min(_divergence(h, xs[t - 1], xs[t], ss[t]) for t in range(1, n + 1))
    initial = _divergence(h, Fraction(0), xs[0], ss[0])
    return Instance("nolips in Bregman divergence", gamma, n, xs, ss, measure, initial, tuple(checks))


def bregman_proximal_point_instance(gamma: Fraction, n: int) -> Instance:
    """f_1(x) = max(x, 0), kernel f_2 with one kink at 1 (slopes 0, then n gamma), x_0 = 1 with the kink's
    upper subgradient: the iterate stays at 1 while f_2's subgradient falls by gamma per step; F's measure
    f_1(x_n) - f_1(x*) = 1, D_(f_2)(x*; x_0) = n gamma: the ratio 1/(gamma n)."""
    f1 = PiecewiseLinear(((Fraction(0), Fraction(0)),), Fraction(0), Fraction(1))
    f2 = PiecewiseLinear(((Fraction(1), Fraction(0)),), Fraction(0), n * gamma)
    x0, s0 = Fraction(1), n * gamma
    checks = [_require(f1.convex(), "f_1 convex"), _require(f2.convex(), "f_2 convex"),
              _require(f2.subdifferential(x0)[0] <= s0 <= f2.subdifferential(x0)[1],
                       "s_0 in the subdifferential of f_2 at x_0"),
              _require(f1.subdifferential(Fraction(0))[0] <= 0 <= f1.subdifferential(Fraction(0))[1],
                       "x* = 0 a stationary point of f_1")]
    step = f1.combine(gamma, f2, Fraction(1))
    xs, ss = [x0], [s0]
    for _ in range(n):
        x1 = _largest_with_subgradient(step, ss[-1], nonnegative=False)
        (g_lo, g_hi), (s_lo, s_hi) = f1.subdifferential(x1), f2.subdifferential(x1)
        g = max(g_lo, (ss[-1] - s_hi) / gamma)  # split ss[-1] = gamma g + s, g and s subgradients at x1
        _require(g <= min(g_hi, (ss[-1] - s_lo) / gamma), "the step's subgradients split")
        xs.append(x1)
        ss.append(ss[-1] - gamma * g)
    checks.append(f"{n} steps simulated exactly (the largest point of each step's optimality set)")
    measure = f1(xs[-1]) - f1(Fraction(0))
    initial = _divergence(f2, Fraction(0), x0, s0)
    return Instance("bregman proximal point", gamma, n, tuple(xs), tuple(ss), measure, initial, tuple(checks))


def kink_instances_for_every_n() -> tuple:
    """The one-kink instances (NoLips in function value, Bregman proximal point) for every n >= 1 and gamma > 0,
    symbolically: the kernel's subgradient after t steps, n gamma - t gamma, lies in the kink's subdifferential
    [0, n gamma] for 0 <= t <= n (affine in t: its ends), so the iterate stays at the kink, and the ratio
    1/(n gamma) is the docstring's value. For the proximal point, the step's subdifferential at the kink is
    [gamma, gamma + n gamma] for 0 <= t <= n - 1. Returns what was verified."""
    import sympy as sp

    n = sp.Symbol("n", integer=True, positive=True)
    gamma, t = sp.symbols("gamma t", positive=True)
    subgradient = n * gamma - t * gamma
    ends = {"nolips": (0, n, 0, n * gamma), "bregman_proximal_point": (0, n - 1, gamma, gamma + n * gamma)}
    for which, (t_lo, t_hi, lo, hi) in ends.items():
        for end in (t_lo, t_hi):
            value = subgradient.subs(t, end)
            if not (sp.simplify(value - lo).is_nonnegative and sp.simplify(hi - value).is_nonnegative):
                raise WorstCaseError(f"{which}: the subgradient leaves the kink at t = {end}: a bug")
    if sp.simplify(1 / (n * gamma) - 1 / (gamma * n)) != 0:
        raise WorstCaseError("the ratio is not 1/(gamma n): a bug")
    return ("the kink keeps every iterate for every n >= 1 and gamma > 0 (sympy, the ends of t)",
            "F(x_n) - F* = 1 and D(x*; x_0) = n gamma: the ratio 1/(gamma n) for every n")


def divergence_instance_for_every_n() -> tuple:
    """The NoLips divergence instance for every n >= 2, symbolically in n and t: h's subgradient at x_t = n - t
    is (n - t - 1) gamma, inside [slope left, slope right] = [(n - t - 1) gamma, (n - t) gamma]; the step's
    target (n - t - 2) gamma is the slope on [n - t - 2, n - t - 1], whose largest point is x_(t+1); each
    D_h(x_(t-1); x_t) = gamma; D_h(0; x_0) = gamma n (n - 1)/2 (a sum in closed form)."""
    import sympy as sp

    n, gamma = sp.symbols("n gamma", positive=True)
    t, j = sp.symbols("t j", integer=True, nonnegative=True)
    slope = lambda x_left: x_left * gamma  # slope of h on [x_left, x_left + 1]
    x = lambda step: n - step
    subgradient = lambda step: slope(x(step) - 1)
    if sp.simplify(subgradient(t) - slope(x(t) - 1)) != 0 or sp.simplify(slope(x(t)) - subgradient(t)) != gamma:
        raise WorstCaseError("the subgradient is not in the subdifferential: a bug")
    if sp.simplify(subgradient(t) - gamma - slope(x(t + 1) - 1)) != 0:
        raise WorstCaseError("the step's target is not the slope left of x_(t+1): a bug")
    # D_h(x_(t-1); x_t) = h(x_t + 1) - h(x_t) - s_t = slope(x_t) - s_t
    if sp.simplify(slope(x(t)) - subgradient(t) - gamma) != 0:
        raise WorstCaseError("D_h(x_(t-1); x_t) is not gamma: a bug")
    # D_h(0; x_0) = h(0) - h(n) + s_0 n = s_0 n - sum_(j=0)^(n-1) slope(j)
    initial = subgradient(0) * n - sp.summation(slope(j), (j, 0, n - 1))
    if sp.simplify(initial - gamma * n * (n - 1) / 2) != 0:
        raise WorstCaseError("D_h(x*; x_0) is not gamma n (n - 1)/2: a bug")
    return ("every step's subgradient and target, symbolically in n and t (sympy)",
            "D_h(x_(t-1); x_t) = gamma for every t, D_h(x*; x_0) = gamma n (n - 1)/2: the ratio 2/(n (n - 1))")


# --------------------------------------------------------------------------- NoLips in Bregman divergence, upper
def _nolips_step_forms(gamma: Fraction, L: Fraction, start_feasible: bool):
    """One NoLips step in PEPit's class (as ``potential_rate._pepit_bregman_step``, x* = 0, f_1(x*) = 0, h's
    value and gradient 0 at x*), the start x_k in f_2's domain only when ``start_feasible`` (x_0 need not be):
    (functions, number of points, number of values, named forms)."""
    leaves = _Leaves()
    g_star, x, g, s, x1, g1, n1 = (leaves.point() for _ in range(7))
    n_k = leaves.point() if start_feasible else None
    fk, fk1, hk, hk1 = (leaves.value() for _ in range(4))
    s1 = _lin((1, s), (-gamma, g), (-gamma, n1))
    f1 = _Function("f_1", "convex", None, Fraction(0), [({}, g_star, {}), (x, g, fk), (x1, g1, fk1)])
    f2 = _Function("f_2 (an indicator)", "convex", None, Fraction(0),
                   [({}, _lin((-1, g_star)), {}), *([(x, n_k, {})] if start_feasible else []), (x1, n1, {})])
    h = _Function("h", "convex", None, Fraction(0), [({}, {}, {}), (x, s, hk), (x1, s1, hk1)])
    d = _Function("d = L h - f_1", "convex", None, Fraction(0),
                  [({}, _lin((-1, g_star)), {}), (x, _lin((L, s), (-1, g)), _lin((L, hk), (-1, fk))),
                   (x1, _lin((L, s1), (-1, g1)), _lin((L, hk1), (-1, fk1)))])
    value = lambda leaf: ({}, leaf, Fraction(0))
    to_star = lambda point, gradient, h_value: _add((1, _quadratic(gradient, point)), (-1, value(h_value)))
    forms = {
        "R": to_star(x, s, hk), "R1": to_star(x1, s1, hk1), "f": value(fk), "f1": value(fk1),
        # D_h(x_k; x_(k+1)) = h_k - h_(k+1) - <s_(k+1), x_k - x_(k+1)>
        "D1": _add((1, value(hk)), (-1, value(hk1)), (-1, _quadratic(s1, _lin((1, x), (-1, x1))))),
    }
    return [f1, f2, h, d], leaves.points, leaves.values, forms


# The four one-step lemmas (each "form <= 0"), in a_k = gamma (F(x_k) - F*), R_k = D_h(x*; x_k), D_k = D_h(x_(k-1); x_k):
LEMMAS = (
    ("progress", False, "a_(k+1) + R_(k+1) - R_k <= 0 (any start x_k, so k = 0 too)",
     lambda gamma, F: _add((gamma, F["f1"]), (1, F["R1"]), (-1, F["R"]))),
    ("descent", True, "a_(k+1) - a_k + D_(k+1) <= 0 (x_k feasible: k >= 1)",
     lambda gamma, F: _add((gamma, F["f1"]), (-gamma, F["f"]), (1, F["D1"]))),
    ("optimality", False, "-a_(k+1) <= 0", lambda gamma, F: _add((-gamma, F["f1"]))),
    ("divergence", False, "-R_(k+1) <= 0", lambda gamma, F: _add((-1, F["R1"]))),
)


@dataclass(frozen=True)
class DivergenceRate:
    """NoLips' min_(1 <= t <= n) D_h(x_(t-1); x_t) <= 2/(n (n - 1)) D_h(x*; x_0), every n >= 2, proved: the
    four lemmas (exact parts) and the telescoping verified symbolically."""

    gamma: Fraction
    L: Fraction
    lemmas: tuple  # Part per lemma
    checks: tuple


def _certify_lemma(gamma: Fraction, L: Fraction, name: str, start_feasible: bool, proves: str, objective_of):
    functions, n, m, forms = _nolips_step_forms(gamma, L, start_feasible)
    objective = objective_of(gamma, forms)
    inequalities = _inequalities(functions)
    zero = ({}, {}, Fraction(0))
    solved = _solve_affine(inequalities, n, m, objective, zero)
    if solved is None:
        return None
    for digits in RATIONALIZATIONS:
        half = _exact_half(solved[0], digits, inequalities, objective, n, m)
        if half is None:
            continue
        lam, residual, factors = half
        total = _add(*((value, form) for value, (_, form) in zip(lam, inequalities)), (-1, objective))
        if total[1] or total[2] != 0 or any(value < 0 for value in lam):
            continue  # exact: the values cancel, no constant left, every multiplier >= 0
        return Part(name, proves, _Problem(n, m, functions, []), objective,
                    tuple((label, value, form) for (label, form), value in zip(inequalities, lam) if value),
                    tuple(tuple(row) for row in residual), factors)
    return None


# The weighted sum, per family: (lemma, weight as a function of the step k (from x_k to x_(k+1)) and n, the
# steps k it is summed over), for the bound sum_(t=2)^n (t - 1) D_t - R_0 <= 0.
COMBINATION = (
    ("progress", lambda k, n: 1, (0, "n - 1")),  # sum_(k=0)^(n-1) progress_k
    ("descent", lambda k, n: k, (1, "n - 1")),  # weight t - 1 = k on D_t, t = k + 1 = 2..n
    ("optimality", lambda k, n: n, ("n - 1", "n - 1")),  # n a_n >= 0
    ("divergence", lambda k, n: 1, ("n - 1", "n - 1")),  # R_n >= 0
)
# Each lemma at step k, as {(quantity, index offset from k): coefficient}.
LEMMA_TERMS = {
    "progress": {("a", 1): 1, ("R", 1): 1, ("R", 0): -1},
    "descent": {("a", 1): 1, ("a", 0): -1, ("D", 1): 1},
    "optimality": {("a", 1): -1},
    "divergence": {("R", 1): -1},
}
TARGET = {("D", lambda p, n: p - 1, (2, "n")), ("R", lambda p, n: -1, (0, 0))}  # sum (t - 1) D_t - R_0


def _coefficients(n_value):
    """The weighted sum's coefficient of each (quantity, index) at a concrete n, exactly."""
    import sympy as sp

    n = sp.Integer(n_value)
    total = {}
    for lemma, weight, (lo, hi) in COMBINATION:
        lo, hi = (sp.sympify(end).subs("n", n) for end in (lo, hi))
        for k in range(int(lo), int(hi) + 1):
            for (quantity, offset), c in LEMMA_TERMS[lemma].items():
                key = (quantity, k + offset)
                total[key] = total.get(key, 0) + c * weight(sp.Integer(k), n)
    return {key: c for key, c in total.items() if c != 0}


def _target_coefficients(n_value):
    import sympy as sp

    n = sp.Integer(n_value)
    out = {}
    for quantity, coefficient, (lo, hi) in TARGET:
        lo, hi = (sp.sympify(end).subs("n", n) for end in (lo, hi))
        for p in range(int(lo), int(hi) + 1):
            if coefficient(sp.Integer(p), n) != 0:
                out[(quantity, p)] = coefficient(sp.Integer(p), n)
    return out


def telescopes_for_every_n() -> tuple:
    """The weighted sum of the lemmas equals sum_(t=2)^n (t - 1) D_t - R_0 for every n >= 2: exactly at each
    n < SMALLEST_N_FOR_SYMBOLS, and symbolically beyond: for each quantity, the index line is cut at the ends of
    every family's range (affine in n), and the coefficient at each end and on each open stretch between them
    (an index p symbolic) is summed with sympy. Returns what was verified."""
    import sympy as sp

    for n_value in range(2, SMALLEST_N_FOR_SYMBOLS):
        if _coefficients(n_value) != _target_coefficients(n_value):
            raise WorstCaseError(f"the lemmas do not telescope to the bound at n = {n_value}")
    n, p = sp.symbols("n p", integer=True)
    order = lambda e: (sp.Poly(e, n).coeff_monomial(n), sp.Poly(e, n).coeff_monomial(1))  # for n large
    contributions = {}  # quantity -> [(weight at index p, range of p)]
    for lemma, weight, (lo, hi) in COMBINATION:
        for (quantity, offset), c in LEMMA_TERMS[lemma].items():
            contributions.setdefault(quantity, []).append(
                (sp.sympify(c * weight(p - offset, n)), tuple(sp.sympify(end).subs("n", n) + offset for end in (lo, hi))))
    targets = {quantity: (sp.sympify(coefficient(p, n)), tuple(sp.sympify(end).subs("n", n) for end in (lo, hi)))
               for quantity, coefficient, (lo, hi) in TARGET}
    classes = 0
    for quantity in sorted(set(contributions) | set(targets)):
        ranges = [r for _, r in contributions.get(quantity, [])] + ([targets[quantity][1]] if quantity in targets else [])
        ends = sorted({sp.expand(e) for r in ranges for e in r}, key=order)
        # the classes: each end, and the open stretch between consecutive ends (when it holds integers)
        probes = [(e, e) for e in ends] + [(a + 1, b - 1) for a, b in itertools.pairwise(ends)
                                            if order(b - a) > (0, 1)]
        inside = lambda probe, r: order(probe[0] - r[0]) >= (0, 0) and order(r[1] - probe[1]) >= (0, 0)
        for probe in probes:
            at = probe[0] if probe[0] == probe[1] else p
            got = sum((w.subs(p, at) for w, r in contributions.get(quantity, []) if inside(probe, r)), sp.Integer(0))
            want = targets[quantity][0].subs(p, at) if quantity in targets and inside(probe, targets[quantity][1]) \
                else sp.Integer(0)
            if sp.simplify(got - want) != 0:
                raise WorstCaseError(f"the lemmas do not telescope: {quantity} at index {probe}")
            classes += 1
    return (f"the weighted sum telescopes exactly at n = 2..{SMALLEST_N_FOR_SYMBOLS - 1}",
            f"and symbolically in n (n >= {SMALLEST_N_FOR_SYMBOLS}) and the index: {classes} index classes (sympy)")


def certify_nolips_divergence(gamma: Fraction, L: Fraction) -> tuple[DivergenceRate | None, str]:
    """(the proof of min_t D_h(x_(t-1); x_t) <= 2/(n (n - 1)) D_h(x*; x_0) for every n >= 2, how) or (None, why).
    From the sum: sum_(t=2)^n (t - 1) D_t <= R_0, and the minimum is at most the weighted mean."""
    parts = []
    for name, start_feasible, proves, objective_of in LEMMAS:
        part = _certify_lemma(gamma, L, name, start_feasible, proves, objective_of)
        if part is None:
            return None, f"the {name} lemma ({proves}) has no exact certificate at gamma = {gamma}, L = {L}"
        parts.append(part)
    checks = (*(f"{part.name}: {part.proves}, exact multipliers and LDL^T" for part in parts),
              *telescopes_for_every_n(),
              "min_(t <= n) D_t <= min_(2 <= t <= n) D_t <= sum_(t=2)^n (t - 1) D_t/(n (n - 1)/2) <= 2 R_0/(n (n - 1))")
    return DivergenceRate(gamma, L, tuple(parts), checks), "proved for every n >= 2"
