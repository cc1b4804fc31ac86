"""PEPit's Bregman examples, two-sided: explicit instances in PEPit's classes (certified lower ends), NoLips'
rate in Bregman divergence and the two nonconvex NoLips rates proved for every n.

PEPit's classes hold convex functions that need not be differentiable nor strictly convex (its
``ConvexFunction``), and its steps are optimality conditions: NoLips' x_(t+1) is any point with
grad h(x_t) - gamma grad f_1(x_t) in the subdifferential of h + f_2/gamma at x_(t+1), the Bregman proximal
point's any point with grad f_2(x_t) in that of gamma f_1 + f_2. The instances below are one-dimensional and
piecewise linear with exact rational data (``PiecewiseLinear``); each is run here by an exact simulator of
that step which takes the largest (or, where the instance says so, the smallest) point of the optimality set
(where the kernel is flat that set is a segment: the instances sit at one of its ends), its class membership
and every oracle answer are checked exactly, and its value is the performance measure over the initial
condition, a rational. A kernel with a kink keeps the iterate in place while its subgradient moves: that is
how the worst cases of Dragomir, Taylor, d'Aspremont & Bolte are met exactly.

The upper end for NoLips in Bregman divergence, min_(1 <= t <= n) D_h(x_(t-1); x_t) <= 2/(n (n - 1))
D_h(x*; x_0) for gamma <= 1/L (their Proposition 4), is a weighted sum of four one-step inequalities, each
proved in PEPit's class by exact multipliers (interpolation inequalities, a residual PSD by exact LDL^T), with
weights depending on the step index; that the weighted sum telescopes to the bound is verified with sympy
symbolically in n and in the index (``telescopes_for_every_n``). The nonconvex examples' rates are one
lemma each, summed with weight 1.
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


def _optimality_point(function: PiecewiseLinear, sigma: Fraction, nonnegative: bool, largest: bool = True):
    """The largest (or smallest) x (x >= 0 when ``nonnegative``: the normal cone of [0, inf) adds (-inf, 0] at
    0) with sigma in the subdifferential at x (plus the cone): the point the simulators take from the step's
    optimality set, a segment where the function is flat. Every end of that set is a knot, or 0."""
    candidates = [x for x, _ in function.knots if (x > 0 or not nonnegative)
                  and function.subdifferential(x)[0] <= sigma <= function.subdifferential(x)[1]]
    if nonnegative and sigma <= function.subdifferential(Fraction(0))[1]:
        candidates.append(Fraction(0))
    if largest and sigma >= function.right or not largest and not nonnegative and sigma <= function.left:
        raise WorstCaseError("the step has no such end point (the objective is unbounded or flat to that side)")
    if not candidates:
        raise WorstCaseError("the step has no solution in this instance")
    return max(candidates) if largest else min(candidates)


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
                n: int, nonconvex: bool = False, side: int = 0, largest: bool = True) -> tuple:
    """NoLips on f_1 + the indicator of [0, inf) with kernel h, exactly. The class is checked: L h - f_1 and
    f_1 (PEPit's convex examples; there x* = 0 minimizes f_1 over [0, inf)) or L h + f_1 (``nonconvex``: f_1 is
    then a difference of convex functions) convex, and at every iterate the oracle's subgradients consistent:
    s_t in the subdifferential of h, g_t in f_1's (its left derivative when ``side`` is -1, right when 1, else
    f_1 must be differentiable there), L s_t - g_t in that of L h - f_1 (and L s_t + g_t in that of L h + f_1).
    The step takes the largest (or smallest) point of its optimality set."""
    minus, plus = h.combine(L, f1, Fraction(-1)), h.combine(L, f1, Fraction(1))
    checks = [_require(minus.convex(), "L h - f_1 convex"),
              _require(plus.convex() if nonconvex else f1.convex(), "L h + f_1 convex" if nonconvex else "f_1 convex")]
    if not nonconvex:
        checks.append(_require(f1.subdifferential(Fraction(0))[1] >= 0, "x* = 0 minimizes f_1 over [0, inf)"))
    inside = lambda value, function, x: function.subdifferential(x)[0] <= value <= function.subdifferential(x)[1]
    xs, ss, gs = [x0], [s0], []
    for t in range(n + 1):
        x, s = xs[-1], ss[-1]
        left, right = f1.subdifferential(x)
        _require(side or left == right, "f_1 differentiable at the iterates")
        g = left if side < 0 else right
        _require(x >= 0 and inside(s, h, x) and inside(L * s - g, minus, x)
                 and (inside(L * s + g, plus, x) if nonconvex else inside(g, f1, x)),
                 f"the oracle's subgradients at x_{t} consistent")
        gs.append(g)
        if t == n:
            break
        sigma = s - gamma * g
        x1 = _optimality_point(h, sigma, nonnegative=True, largest=largest)
        xs.append(x1)
        ss.append(sigma if x1 > 0 else max(sigma, h.subdifferential(x1)[0]))  # at 0 the normal takes the rest
    checks.append(f"{n} steps simulated exactly (the {'largest' if largest else 'smallest'} point of each step's "
                  "optimality set), every oracle answer consistent with the class")
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


def nolips_nonconvex_instance(example: str, gamma: Fraction, L: Fraction, n: int) -> Instance:
    """PEPit's nonconvex NoLips examples, f_2 the indicator of [0, inf), iterates moving right from x_0 = 0:

    - ``no_lips_2``: f_1(x) = -x, h with knots at 0, 1, ..., n + 1 and slope gamma t on [t, t + 1]; each step's
      optimality set is [t + 1, t + 2] (the smallest point taken), D_h(x_t; x_(t+1)) = gamma, F(x_0) - F(x_n)
      = n: the ratio gamma/n.
    - ``no_lips_1`` (gamma < 1/L; r = 1 - L gamma): steps of length r^(-t), f_1's slope -r^(t+1) on the t-th
      (left of x_0: -1, its oracle the left derivative), h's slope rising by gamma r^t at x_t, so L h - f_1 is
      linear and the descent lemma an equality; each D_h(x_(t+1); x_t) = gamma while F falls by r per step:
      the ratio gamma/(n (1 - L gamma)).

    Measure: min_(t < n) of the divergence; initial: F(x_0) - F(x_n)."""
    if example == "no_lips_2":
        knots, value = [], Fraction(0)
        for x in range(n + 2):
            if x:
                value += (x - 1) * gamma
            knots.append((Fraction(x), value))
        h = PiecewiseLinear(tuple(knots), -gamma, (n + 1) * gamma)
        f1 = linear(Fraction(-1))
        xs, ss, checks = _nolips_run(h, f1, gamma, L, Fraction(0), Fraction(0), n, nonconvex=True, largest=False)
        measure = min(_divergence(h, xs[t], xs[t + 1], ss[t + 1]) for t in range(n))
    elif example == "no_lips_1":
        if not L * gamma < 1:
            raise WorstCaseError("gamma: no_lips_1's rate is posed for gamma < 1/L")
        r = 1 - L * gamma
        h_knots, f_knots, x, h_value, f_value, slope = [], [], Fraction(0), Fraction(0), Fraction(0), Fraction(0)
        for t in range(n + 1):
            h_knots.append((x, h_value))
            f_knots.append((x, f_value))
            slope += gamma * r ** t  # h's slope on [x_t, x_(t+1)]
            step = r ** -t
            x, h_value, f_value = x + step, h_value + slope * step, f_value - r ** (t + 1) * step
        h = PiecewiseLinear(tuple(h_knots), Fraction(0), slope + 1)
        f1 = PiecewiseLinear(tuple(f_knots), Fraction(-1), -r ** n)
        xs, ss, checks = _nolips_run(h, f1, gamma, L, Fraction(0), Fraction(0), n, nonconvex=True, side=-1)
        measure = min(_divergence(h, xs[t + 1], xs[t], ss[t]) for t in range(n))
    else:
        raise WorstCaseError(f"example: {example!r}; the nonconvex NoLips examples are no_lips_1, no_lips_2")
    return Instance(example, gamma, n, xs, ss, measure, f1(xs[0]) - f1(xs[-1]), tuple(checks))


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
        x1 = _optimality_point(step, ss[-1], nonnegative=False)
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


def nonconvex_instances_for_every_n() -> tuple:
    """The nonconvex instances for every n and every step t, symbolically (sympy; r = 1 - L gamma in (0, 1)):

    - ``no_lips_2``: h's slope on [t, t + 1] is gamma t; s_t = gamma t is h's right derivative at t; the target
      s_t + gamma is the slope on [t + 1, t + 2], whose smallest point is t + 1; D_h(x_t; x_(t+1)) = gamma; F
      falls by 1 per step.
    - ``no_lips_1``: steps r^(-t), h's slope m_t = gamma sum_(j <= t) r^j, f_1's p_t = -r^(t+1), g_t = p_(t-1):
      L h - f_1's slope is constant (so convex, and the descent lemma an equality), L h + f_1's rises by
      2 L gamma r^t; the target s_t - gamma g_t is m_t (the segment [x_t, x_(t+1)], its largest point taken);
      the oracle's answers at x_t are the left slopes of L h -+ f_1; D_h(x_(t+1); x_t) = gamma; F falls by r.
    Returns what was verified."""
    import sympy as sp

    t, j = sp.symbols("t j", integer=True, nonnegative=True)
    gamma, r = sp.symbols("gamma r", positive=True)
    L = (1 - r) / gamma
    zero = lambda expression: sp.simplify(expression) == 0
    # no_lips_2
    slope2 = lambda k: gamma * k
    if not (zero((slope2(t) + gamma) - slope2(t + 1)) and zero(-slope2(t) + slope2(t + 1) - gamma)):
        raise WorstCaseError("no_lips_2's instance: a step or a divergence is off: a bug")
    # no_lips_1
    m = lambda k: gamma * sp.summation(r ** j, (j, 0, k))
    p = lambda k: -r ** (k + 1)
    g = lambda k: p(k - 1)
    checks = {
        "L h - f_1 linear": L * (m(t) - m(t - 1)) - (p(t) - p(t - 1)),
        "L h + f_1 rises by 2 L gamma r^t": L * (m(t) - m(t - 1)) + (p(t) - p(t - 1)) - 2 * L * gamma * r ** t,
        "the step's target is m_t": m(t - 1) - gamma * g(t) - m(t),
        "D_h(x_(t+1); x_t) = gamma": (m(t) - m(t - 1)) * r ** -t - gamma,
        "F falls by r": -p(t) * r ** -t - r,
        "the oracle's answer for L h - f_1 is its left slope": (L * m(t - 1) - g(t)) - (L * m(t - 1) - p(t - 1)),
    }
    for what, expression in checks.items():
        if not zero(expression):
            raise WorstCaseError(f"no_lips_1's instance: {what} fails symbolically: a bug")
    return ("no_lips_2: every step and divergence for every t and n (sympy)",
            f"no_lips_1: {', '.join(checks)}, for every t and n and 0 < L gamma < 1 (sympy)")


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


def _nonconvex_step_forms(gamma: Fraction, L: Fraction):
    """One NoLips step in PEPit's nonconvex class: d_1 = L h - f_1 and d_2 = L h + f_1 convex (f_1 = (d_2 - d_1)/2,
    h = (d_1 + d_2)/(2 L)), f_2 an indicator, both x_k and x_(k+1) in its domain (PEPit evaluates F at x_0):
    (functions, number of points, number of values, named forms)."""
    leaves = _Leaves()
    x, g, s, n_k, x1, g1, n1 = (leaves.point() for _ in range(7))
    fk, fk1, hk, hk1 = (leaves.value() for _ in range(4))
    s1 = _lin((1, s), (-gamma, g), (-gamma, n1))
    f2 = _Function("f_2 (an indicator)", "convex", None, Fraction(0), [(x, n_k, {}), (x1, n1, {})])
    d = [_Function(f"d_{i} = L h {sign} f_1", "convex", None, Fraction(0),
                   [(x, _lin((L, s), (c, g)), _lin((L, hk), (c, fk))), (x1, _lin((L, s1), (c, g1)), _lin((L, hk1), (c, fk1)))])
         for i, sign, c in ((1, "-", -1), (2, "+", 1))]
    value = lambda leaf: ({}, leaf, Fraction(0))
    forms = {
        "f": value(fk), "f1": value(fk1),
        # D_h(x_(k+1); x_k) = h_(k+1) - h_k - <s_k, x_(k+1) - x_k>, D_h(x_k; x_(k+1)) likewise
        "D+": _add((1, value(hk1)), (-1, value(hk)), (-1, _quadratic(s, _lin((1, x1), (-1, x))))),
        "D-": _add((1, value(hk)), (-1, value(hk1)), (-1, _quadratic(s1, _lin((1, x), (-1, x1))))),
    }
    return [f2, *d], leaves.points, leaves.values, forms


# One-step lemmas (each "form <= 0"), in a_k = gamma (F(x_k) - F*), R_k = D_h(x*; x_k), D_k = D_h(x_(k-1); x_k)
# (convex: which step forms, the start x_k feasible, what it proves, the form); the nonconvex ones in a_k =
# gamma F(x_k) and D_k = (1 - L gamma) D_h(x_k; x_(k-1)) (``no_lips_1``) or D_h(x_(k-1); x_k) (``no_lips_2``).
LEMMAS = (
    ("progress", False, "a_(k+1) + R_(k+1) - R_k <= 0 (any start x_k, so k = 0 too)",
     lambda gamma, L, F: _add((gamma, F["f1"]), (1, F["R1"]), (-1, F["R"]))),
    ("descent", True, "a_(k+1) - a_k + D_(k+1) <= 0 (x_k feasible: k >= 1)",
     lambda gamma, L, F: _add((gamma, F["f1"]), (-gamma, F["f"]), (1, F["D1"]))),
    ("optimality", False, "-a_(k+1) <= 0", lambda gamma, L, F: _add((-gamma, F["f1"]))),
    ("divergence", False, "-R_(k+1) <= 0", lambda gamma, L, F: _add((-1, F["R1"]))),
)
NONCONVEX_LEMMAS = {
    "no_lips_1": ("descent", None, "gamma F(x_(k+1)) - gamma F(x_k) + (1 - L gamma) D_h(x_(k+1); x_k) <= 0",
                  lambda gamma, L, F: _add((gamma, F["f1"]), (-gamma, F["f"]), (1 - L * gamma, F["D+"]))),
    "no_lips_2": ("descent", None, "gamma F(x_(k+1)) - gamma F(x_k) + D_h(x_k; x_(k+1)) <= 0",
                  lambda gamma, L, F: _add((gamma, F["f1"]), (-gamma, F["f"]), (1, F["D-"]))),
}


@dataclass(frozen=True)
class DivergenceRate:
    """A NoLips rate in Bregman divergence for every n, proved: the one-step lemmas (exact parts) and their
    weighted sum's telescoping, verified symbolically in n; ``bound`` in words."""

    example: str
    gamma: Fraction
    L: Fraction
    bound: str
    lemmas: tuple  # Part per lemma
    checks: tuple


def _certify_lemma(gamma: Fraction, L: Fraction, name: str, start_feasible, proves: str, objective_of):
    """``start_feasible`` None: the nonconvex class's step."""
    if start_feasible is None:
        functions, n, m, forms = _nonconvex_step_forms(gamma, L)
    else:
        functions, n, m, forms = _nolips_step_forms(gamma, L, start_feasible)
    objective = objective_of(gamma, L, forms)
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


@dataclass(frozen=True)
class Telescoping:
    """A weighted sum of one-step lemmas and what it must equal, for every n >= ``smallest_n``.
    ``combination``: (lemma, weight as a function of the step k (from x_k to x_(k+1)) and n, the steps k it is
    summed over, ends affine in n as text); ``terms``: each lemma at step k as {(quantity, index offset from k):
    coefficient}; ``target``: (quantity, coefficient as a function of the index p and n, the indices p)."""

    combination: tuple
    terms: dict
    target: tuple
    smallest_n: int


DIVERGENCE_SUM = Telescoping(  # sum_(t=2)^n (t - 1) D_t - R_0
    combination=(("progress", lambda k, n: 1, (0, "n - 1")),  # sum_(k=0)^(n-1) progress_k
                 ("descent", lambda k, n: k, (1, "n - 1")),  # weight t - 1 = k on D_t, t = k + 1 = 2..n
                 ("optimality", lambda k, n: n, ("n - 1", "n - 1")),  # n a_n >= 0
                 ("divergence", lambda k, n: 1, ("n - 1", "n - 1"))),  # R_n >= 0
    terms={"progress": {("a", 1): 1, ("R", 1): 1, ("R", 0): -1},
           "descent": {("a", 1): 1, ("a", 0): -1, ("D", 1): 1},
           "optimality": {("a", 1): -1},
           "divergence": {("R", 1): -1}},
    target=(("D", lambda p, n: p - 1, (2, "n")), ("R", lambda p, n: -1, (0, 0))),
    smallest_n=2)
NONCONVEX_SUM = Telescoping(  # sum_(t=1)^n D_t + a_n - a_0
    combination=(("descent", lambda k, n: 1, (0, "n - 1")),),
    terms={"descent": {("a", 1): 1, ("a", 0): -1, ("D", 1): 1}},
    target=(("D", lambda p, n: 1, (1, "n")), ("a", lambda p, n: 1, ("n", "n")), ("a", lambda p, n: -1, (0, 0))),
    smallest_n=1)


def _coefficients(telescoping: Telescoping, n_value: int, which: str) -> dict:
    """The weighted sum's (``which`` = "sum") or the target's coefficient of each (quantity, index) at a concrete
    n, exactly."""
    import sympy as sp

    n = sp.Integer(n_value)
    total = {}
    if which == "sum":
        for lemma, weight, (lo, hi) in telescoping.combination:
            lo, hi = (sp.sympify(end).subs("n", n) for end in (lo, hi))
            for k in range(int(lo), int(hi) + 1):
                for (quantity, offset), c in telescoping.terms[lemma].items():
                    key = (quantity, k + offset)
                    total[key] = total.get(key, 0) + c * weight(sp.Integer(k), n)
    else:
        for quantity, coefficient, (lo, hi) in telescoping.target:
            lo, hi = (sp.sympify(end).subs("n", n) for end in (lo, hi))
            for p in range(int(lo), int(hi) + 1):
                total[(quantity, p)] = total.get((quantity, p), 0) + coefficient(sp.Integer(p), n)
    return {key: c for key, c in total.items() if c != 0}


def telescopes_for_every_n(telescoping: Telescoping = DIVERGENCE_SUM) -> tuple:
    """The weighted sum of the lemmas equals the target for every n >= smallest_n: exactly at each n below
    SMALLEST_N_FOR_SYMBOLS, and symbolically beyond: for each quantity, the index line is cut at the ends of
    every range (affine in n), and the coefficient at each end and on each open stretch between them (an index
    p symbolic) is summed with sympy. Returns what was verified."""
    import sympy as sp

    for n_value in range(telescoping.smallest_n, SMALLEST_N_FOR_SYMBOLS):
        if _coefficients(telescoping, n_value, "sum") != _coefficients(telescoping, n_value, "target"):
            raise WorstCaseError(f"the lemmas do not telescope to the bound at n = {n_value}")
    n, p = sp.symbols("n p", integer=True)
    order = lambda e: (sp.Poly(e, n).coeff_monomial(n), sp.Poly(e, n).coeff_monomial(1))  # for n large
    at_n = lambda end, offset=0: sp.sympify(end).subs("n", n) + offset
    sides = {"sum": {}, "target": {}}  # quantity -> [(coefficient at index p, range of p)]
    for lemma, weight, (lo, hi) in telescoping.combination:
        for (quantity, offset), c in telescoping.terms[lemma].items():
            sides["sum"].setdefault(quantity, []).append(
                (sp.sympify(c * weight(p - offset, n)), (at_n(lo, offset), at_n(hi, offset))))
    for quantity, coefficient, (lo, hi) in telescoping.target:
        sides["target"].setdefault(quantity, []).append((sp.sympify(coefficient(p, n)), (at_n(lo), at_n(hi))))
    classes = 0
    for quantity in sorted(set(sides["sum"]) | set(sides["target"])):
        terms = sides["sum"].get(quantity, []) + sides["target"].get(quantity, [])
        ends = sorted({sp.expand(e) for _, r in terms for e in r}, key=order)
        # the classes: each end, and the open stretch between consecutive ends (when it holds integers)
        probes = [(e, e) for e in ends] + [(a + 1, b - 1) for a, b in itertools.pairwise(ends)
                                            if order(b - a) > (0, 1)]
        inside = lambda probe, r: order(probe[0] - r[0]) >= (0, 0) and order(r[1] - probe[1]) >= (0, 0)
        for probe in probes:
            at = probe[0] if probe[0] == probe[1] else p
            got, want = (sum((w.subs(p, at) for w, r in sides[side].get(quantity, []) if inside(probe, r)),
                             sp.Integer(0)) for side in ("sum", "target"))
            if sp.simplify(got - want) != 0:
                raise WorstCaseError(f"the lemmas do not telescope: {quantity} at index {probe}")
            classes += 1
    return (f"the weighted sum telescopes exactly at n = {telescoping.smallest_n}..{SMALLEST_N_FOR_SYMBOLS - 1}",
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
              *telescopes_for_every_n(DIVERGENCE_SUM),
              "min_(t <= n) D_t <= min_(2 <= t <= n) D_t <= sum_(t=2)^n (t - 1) D_t/(n (n - 1)/2) <= 2 R_0/(n (n - 1))")
    return DivergenceRate("no_lips_in_bregman_divergence", gamma, L, "2/(n (n - 1)) D_h(x*; x_0)", tuple(parts),
                          checks), "proved for every n >= 2"


def certify_nolips_nonconvex(example: str, gamma: Fraction, L: Fraction) -> tuple[DivergenceRate | None, str]:
    """PEPit's ``no_lips_1`` (min_(t < n) D_h(x_(t+1); x_t) <= gamma/(n (1 - L gamma)) (F(x_0) - F(x_n)),
    gamma < 1/L) or ``no_lips_2`` (min_(t < n) D_h(x_t; x_(t+1)) <= gamma/n (F(x_0) - F(x_n))) for every n >= 1:
    the one-step lemma in the nonconvex class (exact), summed with weight 1 (symbolically in n); the minimum is
    at most the mean. (proof, how) or (None, why)."""
    if example not in NONCONVEX_LEMMAS:
        raise WorstCaseError(f"example: {example!r}; the nonconvex NoLips examples are {', '.join(NONCONVEX_LEMMAS)}")
    if example == "no_lips_1" and not L * gamma < 1:
        return None, "no_lips_1's rate gamma/(n (1 - L gamma)) is posed for gamma < 1/L"
    name, start_feasible, proves, objective_of = NONCONVEX_LEMMAS[example]
    part = _certify_lemma(gamma, L, name, start_feasible, proves, objective_of)
    if part is None:
        return None, f"the {name} lemma ({proves}) has no exact certificate at gamma = {gamma}, L = {L}"
    bound = "gamma/(n (1 - L gamma))" if example == "no_lips_1" else "gamma/n"
    checks = (f"{part.name}: {part.proves}, exact multipliers and LDL^T", *telescopes_for_every_n(NONCONVEX_SUM),
              f"min_(t < n) D_t <= sum_t D_t/n <= (a_0 - a_n)/n: {bound} (F(x_0) - F(x_n))")
    return DivergenceRate(example, gamma, L, f"{bound} (F(x_0) - F(x_n))", (part,), checks), "proved for every n >= 1"
