"""Proofs for every T (``horizons = "all"`` in a worst-case file): a quadratic potential found by a small SDP
on ONE step, rationalized and checked exactly.

Two runs share f (and phi). For GD the potential is V = ||x - x'||^2; for MD (dual form, y = grad phi(x),
x = grad h(y) with h = phi*) it is the quadratic form V = s^T P s of the state difference s = (y - y', x - x')
(Taylor, Van Scoy & Lessard 2018; Taylor & Bach 2019). Three inequalities, each over the class (every f, h of
the class and every pair of states, in any dimension), each proved by an exact dual certificate as in
``mdtheory.checker.worst_case`` (multipliers >= 0 on interpolation inequalities, the function values cancel,
the residual sum_k lambda_k H_k - H_objective is PSD by an exact LDL^T in rationals):

  step:   V(s_{t+1}) <= rho^2 V(s_t)                       (one step of the method)
  norm:   ||x - x'||^2 <= V(s)                               (MD only; for GD it is an identity)
  start:  V(s_0) <= C ||x_0 - x'_0||^2                       (MD only; C = 1 for GD)

By induction, for every T >= 1 and every f, phi of the class: ||x_T - x'_T||^2 <= C rho^(2T) ||x_0 - x'_0||^2.
The SDP (cvxpy, Clarabel) chooses P and the multipliers in floating point with the residuals kept a margin
inside the PSD cone, except along ``tight_directions`` (one-dimensional instances on which every inequality is
an equality, where no margin exists: there the rounded multipliers are corrected exactly); the rationalized
certificate is checked exactly, and only then is anything proved. The suboptimality's rates, whose multipliers
depend on the step, are ``mdtheory.checker.potential_rate``.
The translation y -> y + b of both runs changes nothing, so the second run's dual point is the origin (no
structural kernel is left in the residuals, which the margin would otherwise make infeasible).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from fractions import Fraction

from mdtheory.checker.directed import SquareRoot
from mdtheory.checker.reading import exactly, reading, rounded
from mdtheory.checker.reading import rounded_up as shown_rounded_up
from mdtheory.verdict import INCONCLUSIVE, VIOLATED
from mdtheory.checker.worst_case import (INACTIVE, PROVED, RATIONALIZATIONS,
                                         WorstCaseError, _ldlt)

MARGINS = (1e-6, 1e-8, 0.0)  # each residual kept this far inside the PSD cone in the SDP, so rounding survives
RHO_SQUARED_CEILING = 2 ** 12  # rho^2 searched in [1, this]: beyond it no potential is looked for
BISECTION_STEPS = 24  # on rho^2, geometric: the bracket [r, 2r] narrows to a relative width of about 2^-24
RHO_DIGITS = 8  # the certified rho^2: the bisection's feasible end, rounded up to this many decimals
CONSTANT_DIGITS = 8  # the certified C, rounded up to this many significant decimals
WITNESS_MATCH = Fraction(1, 100)  # a witness growth rate within 1% of the certified rho "meets" it
FIRST_HORIZONS = 3  # explicit instances are evaluated exactly at T = 1..this (and where the rate must cross)
EVERY_T_SCHEMA = "mdtheory-every-t-certificate/1"  # docs/every-t.md describes it
P_KEYS = ("p11", "p12", "p22")  # V = p11 ||dy||^2 + 2 p12 <dy, dx> + p22 ||dx||^2 (MD)


# --------------------------------------------------------------------------- exact forms
def _lin(*terms) -> dict:
    """sum of c * u over (c, u), u a {leaf: coefficient} dict."""
    out = {}
    for c, u in terms:
        for k, v in u.items():
            out[k] = out.get(k, Fraction(0)) + c * v
    return {k: v for k, v in out.items() if v}


def _inner(u: dict, v: dict) -> dict:
    """<u, v> as a symmetric Gram form {(i, j): c} (split evenly over (i, j) and (j, i), as worst_case does)."""
    out = {}
    for i, a in u.items():
        for j, b in v.items():
            out[(i, j)] = out.get((i, j), Fraction(0)) + a * b / 2
            out[(j, i)] = out.get((j, i), Fraction(0)) + a * b / 2
    return {k: v for k, v in out.items() if v}


def _add(*terms) -> tuple:
    """sum of c * form over (c, form), a form being (gram, values, constant)."""
    gram, values, constant = {}, {}, Fraction(0)
    for c, (g, a, k) in terms:
        for key, v in g.items():
            gram[key] = gram.get(key, Fraction(0)) + c * v
        for key, v in a.items():
            values[key] = values.get(key, Fraction(0)) + c * v
        constant += c * k
    return {k: v for k, v in gram.items() if v}, {k: v for k, v in values.items() if v}, constant


def _quadratic(u: dict, v: dict) -> tuple:
    return _inner(u, v), {}, Fraction(0)


def interpolation(L: Fraction, mu: Fraction, xi, gi, fi, xj, gj, fj) -> tuple:
    """The class's interpolation inequality between points i and j as a form <= 0 (Taylor, Hendrickx & Glineur;
    PEPit's): f_j - f_i + <g_j, x_i - x_j> + ||g_i - g_j||^2/(2L) + mu/(2(1 - mu/L)) ||x_i - x_j - (g_i - g_j)/L||^2;
    L None: convex, not smooth (the first and last terms alone)."""
    dx, dg = _lin((1, xi), (-1, xj)), _lin((1, gi), (-1, gj))
    terms = [(1, _quadratic(gj, dx)), (1, ({}, _lin((1, fj), (-1, fi)), 0))]
    if L is not None:
        terms.append((1 / (2 * L), _quadratic(dg, dg)))
    if mu:
        r = _lin((1, dx), (-1 / L, dg))
        terms.append((mu / (2 * (1 - mu / L)), _quadratic(r, r)))
    return _add(*terms)


@dataclass
class _Function:
    name: str
    kind: str
    L: Fraction
    mu: Fraction
    points: list  # (x, g, f) as {leaf: c}


@dataclass
class _Problem:
    """The leaves of one part: points (Gram unknowns) and function values, the functions' points over them, and
    the state differences the potential is a form of."""

    n_points: int
    n_values: int
    functions: list
    states: list  # per time: [(dy, dx)] for MD, [(dx,)] for GD, as {leaf: c}

    def inequalities(self) -> list:
        """((function, i, j), form) for every ordered pair of each function's points."""
        return [((k, i, j), interpolation(fn.L, fn.mu, *fn.points[i], *fn.points[j]))
                for k, fn in enumerate(self.functions) for i in range(len(fn.points))
                for j in range(len(fn.points)) if i != j]


class _Leaves:
    def __init__(self):
        self.points, self.values = 0, 0

    def point(self) -> dict:
        self.points += 1
        return {self.points - 1: Fraction(1)}

    def value(self) -> dict:
        self.values += 1
        return {self.values - 1: Fraction(1)}


def one_step_problem(method: str, eta: Fraction, L_f: Fraction, mu_phi, L_phi, steps: int) -> _Problem:
    """Two runs, ``steps`` (0 or 1) steps of the method, in a fixed leaf order that the standalone checker
    rebuilds. Without loss of generality the second run starts at the origin: translating x (and for MD y) moves
    both runs and keeps the class (MD: h(y) -> h(y + b) - <a, y>, f(x) -> f(x + a)); and for GD its gradient is
    0 (f(x) -> f(x) - <c, x> keeps the class and every difference between the runs). Without these, the
    residuals would have a kernel that no margin survives. Leaves: GD x_0, g_0; MD y_0, then g_0, g'_0 (one
    step), then x_t, x'_t for each t except x'_0 (x_t = grad h(y_t))."""
    leaves = _Leaves()
    f = _Function("f", "convex and L-smooth", L_f, Fraction(0), [])
    if method == "gd":
        x, x_ = leaves.point(), {}
        states = [(_lin((1, x), (-1, x_)),)]
        if steps:
            g, g_ = leaves.point(), {}
            f.points = [(x, g, leaves.value()), (x_, g_, leaves.value())]
            x, x_ = _lin((1, x), (-eta, g)), _lin((1, x_), (-eta, g_))
            states.append((_lin((1, x), (-1, x_)),))
        return _Problem(leaves.points, leaves.values, [f] if steps else [], states)
    h = _Function("h = phi* (the conjugate of phi)", "mu-strongly convex and L-smooth", 1 / mu_phi, 1 / L_phi, [])
    y, y_ = leaves.point(), {}
    g, g_ = (leaves.point(), leaves.point()) if steps else (None, None)
    states = []
    for t in range(steps + 1):
        x, x_ = leaves.point(), ({} if t == 0 else leaves.point())
        h.points += [(y, x, leaves.value()), (y_, x_, leaves.value())]
        states.append((_lin((1, y), (-1, y_)), _lin((1, x), (-1, x_))))
        if t < steps:
            f.points = [(x, g, leaves.value()), (x_, g_, leaves.value())]
            y, y_ = _lin((1, y), (-eta, g)), _lin((1, y_), (-eta, g_))
    return _Problem(leaves.points, leaves.values, ([f] if steps else []) + [h], states)


def potential_terms(method: str, state: tuple) -> dict:
    """V(state) as {unknown: form}: for MD over p11, p12, p22; for GD V = ||dx||^2 (the unknown "1")."""
    if method == "gd":
        return {"1": _quadratic(state[0], state[0])}
    dy, dx = state
    return {"p11": _quadratic(dy, dy), "p12": _add((2, _quadratic(dy, dx))), "p22": _quadratic(dx, dx)}


# --------------------------------------------------------------------------- the parts
@dataclass(frozen=True)
class Part:
    """One inequality ``objective <= 0`` over the class, proved exactly: objective = -<residual, G> +
    sum_k multiplier_k E_k with every E_k <= 0 and the residual PSD (= sum_r d_r l_r l_r^T)."""

    name: str
    proves: str
    problem: _Problem
    objective: tuple  # (gram, values, constant), exact
    inequalities: tuple  # ((function, i, j), multiplier, form), nonzero multipliers only
    residual: tuple
    factors: tuple


def _parts(method: str, eta, L_f, mu_phi, L_phi, rho_squared: Fraction) -> list:
    """(name, what it proves, problem, objective as {unknown: form}) for each part."""
    step = one_step_problem(method, eta, L_f, mu_phi, L_phi, 1)
    v0, v1 = potential_terms(method, step.states[0]), potential_terms(method, step.states[1])
    objective = {key: _add((1, v1[key]), (-rho_squared, v0[key])) for key in v0}
    parts = [("step", "V(s_(t+1)) - rho^2 V(s_t) <= 0", step, objective,
              tight_directions(method, eta, L_f, mu_phi, L_phi, rho_squared))]
    if method == "md":
        start = one_step_problem(method, eta, L_f, mu_phi, L_phi, 0)
        v = potential_terms(method, start.states[0])
        dx = start.states[0][1]
        parts.append(("norm", "||x - x'||^2 - V(s) <= 0", start,
                      {"1": _quadratic(dx, dx), **{key: _add((-1, form)) for key, form in v.items()}}, []))
        parts.append(("start", "V(s_0) - C ||x_0 - x'_0||^2 <= 0", start,
                      {**v, "c0": _add((-1, _quadratic(dx, dx)))}, []))
    return parts


def tight_directions(method: str, eta, L_f, mu_phi, L_phi, rho_squared: Fraction) -> list:
    """Leaf vectors (one-dimensional instances) along which every interpolation inequality of the step part is
    an equality and its objective is 0, whatever P: the step residual must vanish on them exactly, so no margin
    can be asked there and the rounded multipliers are corrected to annihilate them. They are the
    one-dimensional quadratics of extreme curvature (f: 0 or L_f; h: 1/L_phi or 1/mu_phi): two identical runs
    moved by a linear f (MD), and the runs' difference when its factor 1 - eta c a squares to rho^2."""
    if method == "gd":  # leaves x_0, g_0: f = c x^2/2
        return [[Fraction(1), c] for c in (Fraction(0), L_f) if (1 - eta * c) ** 2 == rho_squared]
    directions = []
    for a in (1 / L_phi, 1 / mu_phi):  # leaves y_0, g_0, g'_0, x_0, x_1, x'_1 (one_step_problem)
        directions.append([Fraction(0), Fraction(1), Fraction(1), Fraction(0), -a * eta, -a * eta])
        for c in (Fraction(0), L_f):
            r = 1 - eta * c * a
            if r ** 2 == rho_squared:
                directions.append([Fraction(1), c * a, Fraction(0), a, a * r, Fraction(0)])
    return directions


def _complement_projector(directions: list, n: int):
    """I minus the orthogonal projector onto the directions' span (floats): where the SDP's margin applies."""
    import numpy as np

    if not directions:
        return np.eye(n)
    K = np.array([[float(c) for c in v] for v in directions]).T
    basis, _ = np.linalg.qr(K)
    rank = np.linalg.matrix_rank(K)
    basis = basis[:, :rank]
    return np.eye(n) - basis @ basis.T


def _corrected(lam: list, unknowns: dict, forms: list, terms: dict, directions: list, n_values: int, n: int,
               free: list):
    """The active multipliers and the unknowns named in ``free`` (P's entries, or none), moved by the least-norm
    exact correction that makes the function values cancel and the residual annihilate ``directions``;
    (lam, unknowns) or None when it cannot keep the multipliers nonnegative (or the equations are inconsistent)."""
    from flint import fmpq_mat

    from mdtheory.checker.worst_case import _f, _in_row_span, _independent_rows, _q

    active = [k for k, value in enumerate(lam) if value > 0]
    free = [key for key in free if key in terms]
    columns = [forms[k] for k in active] + [_add((-1, terms[key])) for key in free]
    fixed = _add(*((Fraction(1) if key == "1" else unknowns[key], form) for key, form in terms.items()
                   if key not in free))

    def applied(gram: dict, v: list, row: int) -> Fraction:
        return sum((c * v[j] for (i, j), c in gram.items() if i == row), Fraction(0))

    rows, rhs = [], []
    for r in range(n_values):
        rows.append([form[1].get(r, Fraction(0)) for form in columns])
        rhs.append(fixed[1].get(r, Fraction(0)))
    for v in directions:
        for r in range(n):
            rows.append([applied(form[0], v, r) for form in columns])
            rhs.append(applied(fixed[0], v, r))
    z = [lam[k] for k in active] + [unknowns[key] for key in free]
    residual = [b - sum((a * x for a, x in zip(row, z)), Fraction(0)) for row, b in zip(rows, rhs)]
    independent = _independent_rows(rows)
    if not _in_row_span(rows, independent, residual):
        return None
    if any(residual[r] for r in independent):
        AAt = fmpq_mat(len(independent), len(independent),
                       [_q(sum((rows[a][c] * rows[b][c] for c in range(len(z))), Fraction(0)))
                        for a in independent for b in independent])
        w = AAt.solve(fmpq_mat(len(independent), 1, [_q(residual[r]) for r in independent]))
        z = [x + sum((rows[r][c] * _f(w[i, 0]) for i, r in enumerate(independent)), Fraction(0))
             for c, x in enumerate(z)]
    lam = list(lam)
    for k, value in zip(active, z):
        lam[k] = value
    if any(value < 0 for value in lam):
        return None
    return lam, {**unknowns, **dict(zip(free, z[len(active):]))}


def _evaluate(terms: dict, unknowns: dict) -> tuple:
    return _add(*((Fraction(1) if key == "1" else unknowns[key], form) for key, form in terms.items()))


def _matrix(gram: dict, n: int):
    import numpy as np

    M = np.zeros((n, n))
    for (i, j), c in gram.items():
        M[i, j] += float(c)
    return M


def _solve(parts, method: str, margin: float):
    """The SDP for the parts' unknowns (P, C) and multipliers in floats: feasible with every residual at least
    ``margin`` inside the PSD cone, minimizing C (a bounded objective: without it the solver fails on the
    unbounded scaling of P). None when infeasible."""
    import cvxpy as cp

    unknowns = {key: cp.Variable() for key in (P_KEYS + ("c0",) if method == "md" else ())}
    constraints, multipliers = [], []
    for _, _, problem, terms, directions in parts:
        inequalities = problem.inequalities()
        n, m = problem.n_points, problem.n_values
        lam = cp.Variable(len(inequalities), nonneg=True)
        multipliers.append(lam)
        residual = sum(lam[k] * _matrix(form[0], n) for k, (_, form) in enumerate(inequalities))
        values = [sum(lam[k] * float(form[1].get(row, 0)) for k, (_, form) in enumerate(inequalities))
                  for row in range(m)]
        for key, form in terms.items():
            coefficient = 1 if key == "1" else unknowns[key]
            residual = residual - coefficient * _matrix(form[0], n)
            values = [value - coefficient * float(form[1].get(row, 0)) for row, value in enumerate(values)]
        slack = cp.Variable((n, n), PSD=True)
        constraints += [slack == residual - margin * _complement_projector(directions, n)]
        constraints += [value == 0 for value in values if not isinstance(value, (int, float))]
    goal = cp.Minimize(unknowns["c0"] if "c0" in unknowns else 0)
    sdp = cp.Problem(goal, constraints)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sdp.solve(solver="CLARABEL")
        except Exception:  # a solver failure is "no potential found at this rho", never a proof
            return None
    if sdp.status not in ("optimal", "optimal_inaccurate"):
        return None
    return ({key: float(v.value) for key, v in unknowns.items()},
            [[max(float(x), 0.0) for x in lam.value] for lam in multipliers])


def rounded_up(value: float, digits: int) -> Fraction:
    scale = 10 ** digits
    return Fraction(math.ceil(value * scale), scale)


def _exact_part(name, proves, problem, terms, directions, unknowns, duals, digits, correct_P: bool):
    """The part proved exactly from rounded multipliers, and the unknowns (P corrected when ``correct_P``), or
    (None, unknowns)."""
    inequalities = problem.inequalities()
    forms = [form for _, form in inequalities]
    largest = max(duals, default=0.0)
    lam = [Fraction(d).limit_denominator(10 ** digits) if d > INACTIVE * largest else Fraction(0) for d in duals]
    corrected = _corrected(lam, unknowns, forms, terms, directions, problem.n_values, problem.n_points,
                           list(P_KEYS) if correct_P else [])
    if corrected is None:
        return None, unknowns
    lam, unknowns = corrected
    objective = _evaluate(terms, unknowns)
    total = _add(*((value, form) for value, form in zip(lam, forms)), (-1, objective))
    if total[2] > 0 or total[1]:  # objective = -<S, G> + sum lam E + (sum lam c - c): the rest must be <= 0
        return None, unknowns
    n = problem.n_points
    residual = [[total[0].get((i, j), Fraction(0)) for j in range(n)] for i in range(n)]
    factors = _ldlt(residual)
    if factors is None:
        return None, unknowns
    return Part(name, proves, problem, objective,
                tuple((label, value, form) for (label, form), value in zip(inequalities, lam) if value),
                tuple(tuple(row) for row in residual), factors), unknowns


def certify_rate(method: str, eta, L_f, mu_phi, L_phi, rho_squared: Fraction):
    """(C, the unknowns P and c0, parts) proving ||x_T - x'_T||^2 <= C rho_squared^T ||x_0 - x'_0||^2 for every
    T >= 1 and every f, phi of the class, or None when no potential was certified at this rho^2."""
    parts = _parts(method, eta, L_f, mu_phi, L_phi, rho_squared)
    for margin in MARGINS:
        solved = _solve(parts, method, margin)
        if solved is None:
            continue
        floats, duals = solved
        for digits in RATIONALIZATIONS:
            unknowns = {key: Fraction(value).limit_denominator(10 ** digits) for key, value in floats.items()
                        if key != "c0"}
            if "c0" in floats:
                scale = 10 ** max(0, CONSTANT_DIGITS - 1 - math.floor(math.log10(max(floats["c0"], 1e-300))))
                unknowns["c0"] = Fraction(math.ceil(floats["c0"] * scale), scale)
            proved = []
            for k, ((name, proves, problem, terms, directions), part_duals) in enumerate(zip(parts, duals)):
                part, unknowns = _exact_part(name, proves, problem, terms, directions, unknowns, part_duals, digits,
                                             correct_P=k == 0)
                if part is None:
                    break
                proved.append(part)
            else:
                return unknowns.get("c0", Fraction(1)), unknowns, proved
    return None


def least_rate(method: str, eta, L_f, mu_phi, L_phi) -> float | None:
    """The least rho^2 in [1, RHO_SQUARED_CEILING] (bisection, floats) at which the SDP finds a potential with
    the first margin; None when none is found below the ceiling."""
    def feasible(rho_squared: float) -> bool:
        parts = _parts(method, eta, L_f, mu_phi, L_phi, Fraction(rho_squared))
        return _solve(parts, method, MARGINS[0]) is not None

    low, high = 1.0, 1.0
    if not feasible(high):
        high = 2.0
        while not feasible(high):
            low, high = high, high * 2
            if high > RHO_SQUARED_CEILING:
                return None
        for _ in range(BISECTION_STEPS):
            middle = math.sqrt(low * high)
            low, high = (low, middle) if feasible(middle) else (middle, high)
    return high


# --------------------------------------------------------------------------- claims for every T
RHO_SLACKS = (Fraction(1, 10**4), Fraction(1, 10**3), Fraction(1, 10**2))  # above the SDP's least rho^2


@dataclass(frozen=True)
class Rate:
    """A proof that ||x_T - x'_T||^2 <= constant * rho_squared^T ||x_0 - x'_0||^2 for every T >= 1."""

    rho_squared: Fraction
    constant: Fraction
    unknowns: dict  # P's entries (MD) and c0, exact
    parts: tuple  # Part per inequality (step; for MD also norm and start)
    how: str


@dataclass(frozen=True)
class EveryT:
    """The answer to a worst-case claim for every T: the certified rate (or None), the best explicit instance's
    growth (exact), the SDP's least rho^2 (floats, evidence), and the verdict with why."""

    claim: object  # a ClassClaim with horizons "all"
    rate: Rate | None
    witness_rate: Fraction  # an explicit instance's amplification is witness_constant * witness_rate^T, exactly
    witness: str
    solver_rho_squared: float | None
    verdict: str | None
    why: object  # a Reading, or None
    violated_at: tuple | None = None  # (T, the explicit instance's squared amplification) when violated

    no_file_why = "no potential was certified"  # what --certificate says when ``certified`` is False

    @property
    def certified(self) -> bool:
        return self.rate is not None

    def rho(self) -> float | None:
        """The certified rho, rounded up (rho^2 is the exact number)."""
        return None if self.rate is None else math.nextafter(math.sqrt(float(self.rate.rho_squared)), math.inf)

    def gap(self) -> float | None:
        """How far the certified rho lies above the witness's growth rate, relative (0: they meet)."""
        return None if self.rate is None else math.sqrt(float(self.rate.rho_squared / self.witness_rate ** 2)) - 1


def _figure(value):
    """A sympy number as a Figure: exactly when rational, else to 9 digits."""
    return exactly(value) if value.is_Rational else rounded(float(value), 9)


def _rate_bound(bound, eta: Fraction):
    """(A, r) with bound = A r^T exactly (sympy numbers), or a WorstCaseError naming the form expected."""
    import sympy as sp

    from mdtheory.checker.bounds import ETA_T, T as T_SYMBOL

    expression = bound.subs(ETA_T, sp.Rational(eta.numerator, eta.denominator) * T_SYMBOL)
    A = sp.nsimplify(expression.subs(T_SYMBOL, 0))
    r = sp.simplify(expression.subs(T_SYMBOL, T_SYMBOL + 1) / expression)
    if (T_SYMBOL in r.free_symbols or not A.is_number or not r.is_number or not A.is_positive or not r.is_positive
            or sp.simplify(expression - A * r ** T_SYMBOL) != 0):
        raise WorstCaseError(f"[claim] bound: {bound}: with horizons = \"all\" the bound must be A * r**T (A, r > 0, "
                             "for example \"1\" or \"3*(11/10)**T\"): the potential proves C rho^T")
    return A, r


def _witness(method: str, eta, L_f, mu_phi) -> tuple[Fraction, str]:
    """The best one-dimensional explicit instance's growth per step, exactly: f = L_f x^2/2 with phi = mu x^2/2
    (GD: mu = 1) multiplies the runs' difference by 1 - eta L_f/mu each step, f = 0 by 1."""
    step = eta * L_f / (mu_phi if method == "md" else 1)
    if abs(1 - step) > 1:
        which = "f = L_f x^2/2" + (", phi = mu_phi x^2/2" if method == "md" else "")
        return abs(1 - step), f"{which} in one dimension: amplification |1 - {step}|^T, exactly"
    return Fraction(1), "f = 0: amplification 1 at every T"


def _certified(method, eta, L_f, mu_phi, L_phi, candidates, search: bool = True) -> tuple[Rate | None, float | None]:
    """The first rho^2 of ``candidates`` (exact) that a potential certifies; then (when ``search``) the SDP's
    least rho^2 (bisection) with RHO_SLACKS above it. (rate or None, the least rho^2 found or None)."""
    tried = set()
    for rho_squared, why in candidates:
        if rho_squared >= 1 and rho_squared not in tried:
            tried.add(rho_squared)
            if found := certify_rate(method, eta, L_f, mu_phi, L_phi, rho_squared):
                return Rate(rho_squared, found[0], found[1], tuple(found[2]), why), None
    if not search:
        return None, None
    least = least_rate(method, eta, L_f, mu_phi, L_phi)
    if least is None:
        return None, None
    for slack in RHO_SLACKS:
        rho_squared = rounded_up(least * (1 + float(slack)), RHO_DIGITS)
        if found := certify_rate(method, eta, L_f, mu_phi, L_phi, rho_squared):
            return Rate(rho_squared, found[0], found[1], tuple(found[2]),
                        f"the SDP's least rho^2 ({least:.9g}, floating point) raised by {float(slack):g} and rounded "
                        f"up to {RHO_DIGITS} decimals"), least
    return None, least


def check_amplification_every_t(claim):
    """A ClassClaim with horizons "all", for the amplification of GD or MD: proved (for every T >= 1) when an
    exactly checked potential gives C rho^(2T) <= bound(T)^2 at every T; violated when an explicit instance
    exceeds the bound at some T; else inconclusive, saying why. (``mdtheory.checker.every_t`` dispatches.)"""
    import sympy as sp

    method, eta, L_f, mu_phi, L_phi = claim.method, claim.eta, claim.L_f, claim.mu_phi, claim.L_phi
    witness_rate, witness = _witness(method, eta, L_f, mu_phi)
    q = lambda value: sp.Rational(value.numerator, value.denominator)
    candidates, A, r = [], None, None
    if claim.bound is not None:
        A, r = _rate_bound(claim.bound, eta)
        if (r ** 2).is_Rational:
            candidates.append((Fraction(int((r ** 2).p), int((r ** 2).q)), "the claim's rate"))
    candidates.append((witness_rate ** 2, "the explicit instance's growth rate (squared)"))
    # the explicit instance violates the claim at T when witness^(2T) > A^2 r^(2T); first T, if any
    violated_at = None
    if claim.bound is not None and q(witness_rate) > r:
        ratio = float(q(witness_rate) / r)
        first = max(1, math.ceil(math.log(float(A ** 2)) / (2 * math.log(ratio))) if float(A) > 1 else 1)
        for T in (first, first + 1):
            if sp.simplify(q(witness_rate) ** (2 * T) - A ** 2 * r ** (2 * T)) > 0:
                violated_at = (T, witness_rate ** (2 * T))
                break
    # a violated claim still gets the explicit instance's own rate certified when it can, without a search
    rate, least = _certified(method, eta, L_f, mu_phi, L_phi, candidates, search=violated_at is None)
    if claim.bound is None:
        return EveryT(claim, rate, witness_rate, witness, least, None, None)
    if violated_at is not None:
        return EveryT(claim, rate, witness_rate, witness, least, VIOLATED,
                      reading(f"the explicit instance ({witness}) exceeds the claim at T = ", exactly(violated_at[0])),
                      violated_at)
    if rate is None:
        why = (reading("no quadratic potential was found at any rho^2 up to ", exactly(RHO_SQUARED_CEILING))
               if least is None else reading("no potential was certified exactly (the SDP's least rho^2 is ",
                                             rounded(least, 9), ", floating point)"))
        return EveryT(claim, None, witness_rate, witness, least, INCONCLUSIVE, why)
    if q(rate.rho_squared) <= r ** 2 and sp.simplify(A ** 2 * r ** 2 - q(rate.constant * rate.rho_squared)) >= 0:
        return EveryT(claim, rate, witness_rate, witness, least, PROVED, None)
    why = reading("the certified C rho^(2T) with rho^2 = ", exactly(rate.rho_squared), ", C = ", exactly(rate.constant),
                  " does not lie below the claim's A^2 r^(2T) at every T (A = ", _figure(A), ", r = ", _figure(r), ")")
    return EveryT(claim, rate, witness_rate, witness, least, INCONCLUSIVE, why)


# --------------------------------------------------------------------------- what the command shows and writes
def every_t_lines(result: EveryT) -> list[str]:
    """The answer in words, one line each (the command prints them)."""
    if not isinstance(result, EveryT):  # a rate (potential_rate.RateVerdict)
        return result.lines()
    claim = result.claim
    lines = [f"{claim.method}, eta = {claim.eta} (L_f = {claim.L_f}"
             + (f", phi: mu = {claim.mu_phi}, L = {claim.L_phi}" if claim.method != "gd" else "") + "), every T >= 1"]
    if result.rate is None:
        lines.append("no potential certified")
    else:
        rate = result.rate
        lines.append(reading("certified for every T: ||x_T - x'_T||^2 <= C rho^(2T) ||x_0 - x'_0||^2 with rho^2 = ",
                             exactly(rate.rho_squared), " (rho <= ", shown_rounded_up(SquareRoot(rate.rho_squared), 9),
                             "), C = ",
                             exactly(rate.constant), f" ({rate.how}; {len(rate.parts)} exact certificate"
                             f"{'s' if len(rate.parts) > 1 else ''})").text())
    lines.append(reading("explicit instance: ", result.witness, ", growth rate ", exactly(result.witness_rate),
                         *(() if result.gap() is None else
                           ("; the certified rho lies ", rounded(100 * result.gap(), 3), "% above it"
                            + (" (they meet within 1%)" if result.gap() <= WITNESS_MATCH else "")))).text())
    if result.why is not None:
        lines.append(f"{result.verdict}: {result.why.text()}")
    if result.verdict is not None:
        lines.append(f"claim amplification <= {claim.bound} for every T: {result.verdict} (expected {claim.expected})")
    return lines


def exact_text(value: Fraction) -> str:
    """"p/q" (or "p") at any length, as python-flint writes it (str() refuses integers beyond 4300 digits);
    the same text as mdtheory.worstcase.exact_text, which lives a layer above."""
    from flint import fmpq

    return str(fmpq(value.numerator, value.denominator))


def _form_json(form) -> dict:
    q = exact_text
    gram, values, constant = form
    return {"gram": [[i, j, q(c)] for (i, j), c in sorted(gram.items()) if c],
            "values": [[k, q(c)] for k, c in sorted(values.items()) if c], "constant": q(constant)}


def _part_json(part: Part) -> dict:
    q = exact_text
    vector = lambda u: [[leaf, q(c)] for leaf, c in sorted(u.items()) if c]
    return {"name": part.name, "proves": part.proves, "points": part.problem.n_points, "values": part.problem.n_values,
            "functions": [{"name": fn.name, "class": fn.kind, "L": q(fn.L), "mu": q(fn.mu),
                           "points": [{"x": vector(x), "g": vector(g), "f": vector(f)} for x, g, f in fn.points]}
                          for fn in part.problem.functions],
            "objective": _form_json(part.objective),
            "inequalities": [{"which": {"function": k, "i": i, "j": j}, "multiplier": q(multiplier),
                              "form": _form_json(form)} for (k, i, j), multiplier, form in part.inequalities],
            "residual": [[q(c) for c in row] for row in part.residual],
            "ldlt": [{"d": q(d), "l": [q(c) for c in column]} for d, column in part.factors]}


def every_t_json(result: EveryT) -> dict:
    q = exact_text
    if not isinstance(result, EveryT):
        return result.as_json()
    claim, rate = result.claim, result.rate
    return {"quantity": claim.quantity, "method": claim.method, "eta": q(claim.eta), "L_f": q(claim.L_f),
            "mu_phi": None if claim.mu_phi is None else q(claim.mu_phi),
            "L_phi": None if claim.L_phi is None else q(claim.L_phi), "horizons": "all",
            "bound": None if claim.bound is None else str(claim.bound), "expected": claim.expected,
            "verdict": result.verdict, "why": None if result.why is None else result.why.text(),
            "why_figures": None if result.why is None else result.why.as_json(),
            "rate": None if rate is None else {
                "rho_squared": q(rate.rho_squared), "rho_at_most": result.rho(), "constant": q(rate.constant),
                "how": rate.how, "P": {key: q(rate.unknowns[key]) for key in P_KEYS if key in rate.unknowns}},
            "witness": {"rate": q(result.witness_rate), "instance": result.witness, "gap": result.gap(),
                        "meets": None if result.gap() is None else result.gap() <= WITNESS_MATCH},
            "solver_least_rho_squared": result.solver_rho_squared,
            "violated_at": None if result.violated_at is None else
            {"T": result.violated_at[0], "squared_amplification": q(result.violated_at[1])}}


def every_t_document(result: EveryT, source: str) -> dict:
    """The proof for every T as a self-contained document (``EVERY_T_SCHEMA``, docs/every-t.md): the claim, the
    potential and each part's exact certificate. ``proofs/check_every_t.py`` re-checks it with ``fractions``."""
    from pathlib import Path

    q = exact_text
    if not isinstance(result, EveryT):
        return result.document(source)
    claim, rate = result.claim, result.rate
    phi = ("" if claim.method == "gd" else
           f" and every phi {claim.mu_phi}-strongly convex and {claim.L_phi}-smooth")
    statement = (f"for every convex {claim.L_f}-smooth f{phi}, in any dimension, and every T >= 1, "
                 + ("gradient descent" if claim.method == "gd" else "mirror descent")
                 + f" with eta = {claim.eta} satisfies ||x_T - x'_T||^2 <= {q(rate.constant)} "
                   f"({q(rate.rho_squared)})^T ||x_0 - x'_0||^2")
    return {"schema": EVERY_T_SCHEMA, "source": Path(source).name,
            "claim": {"method": claim.method, "quantity": claim.quantity, "eta": q(claim.eta), "L_f": q(claim.L_f),
                      "mu_phi": None if claim.mu_phi is None else q(claim.mu_phi),
                      "L_phi": None if claim.L_phi is None else q(claim.L_phi),
                      "rho_squared": q(rate.rho_squared), "constant": q(rate.constant),
                      "bound": None if claim.bound is None else str(claim.bound), "verdict": result.verdict,
                      "statement": statement},
            "potential": {key: q(rate.unknowns[key]) for key in P_KEYS if key in rate.unknowns},
            "parts": [_part_json(part) for part in rate.parts]}
