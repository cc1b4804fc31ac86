"""Certified lower bounds read out of the performance estimation problem's primal solution.

The SDP's optimum is a Gram matrix G of the leaf points (initial points, gradients; for MD the points
x_t = grad phi*(y_t) too) and a vector F of the leaf function values: a worst-case instance, in floats. It is
made exact in four steps:

  1. G = V^T V (eigendecomposition, directions below EIGENVALUE_FLOOR dropped), V and F rounded to rationals
     with ROUNDING_BITS bits after the point. Every iterate is a fixed linear combination of the leaves (the
     method's own recursion, x_{t+1} = x_t - eta g_t, or y_{t+1} = y_t - eta g_t for MD), so the rounded run is
     the method run exactly on the rounded gradients.
  2. A strictly feasible instance W, F_W of the same run: each function replaced by an isotropic quadratic of
     curvature strictly inside its class (f = c ||x||^2/2 with 0 < c < L_f; phi* with 1/L_phi < c < 1/mu_phi),
     the run computed exactly (the leaves solve the linear system g = c x, by an exact null space).
  3. The mixture a^2 (V^T V, F) + b^2 (W^T W, F_W) with a^2 + b^2 = 1 (a = (1 - s^2)/(1 + s^2),
     b = 2s/(1 + s^2), s rational: the mixture's points are the rational vectors [a V; b W]), with the
     smallest b^2 on a coarse grid that repairs the rounding: every interpolation inequality of Taylor,
     Hendrickx & Glineur (the class's, between every pair of points of each function) is linear in (G, F).
  4. Every inequality checked exactly in rationals at the mixture. By their interpolation theorem a function
     of the class (f convex and L-smooth; phi* strongly convex and smooth, so phi in the class of phi) takes
     these values and gradients at these points: the instance exists, and its objective over its initial
     quantity (both exact, and both homogeneous of degree 2, so the instance scaled to an initial quantity of
     1 has exactly this ratio) is a certified lower bound.

Nothing here is trusted from floating point: the floats only choose the instance, which is then checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

EIGENVALUE_FLOOR = 1e-10  # directions of the solver's Gram matrix below this, relative to the largest, are dropped
ROUNDING_BITS = 60  # the rounded leaves and values are multiples of 2^-60
# least-norm corrections of the solver's instance toward the inequalities it nearly meets (measured on GD's
# suboptimality at T = 20, a Huber function with 441 of its 462 inequalities tight: 3 rounds leave a violation
# of 7e-11 and the bound 1.6e-5 below 1/41, 10 rounds 4e-11 and 3e-6)
REPAIR_ROUNDS = 10
REPAIR_RCOND = 1e-8  # singular values of the linearized system below this (relative) are cut
REPAIR_HALVINGS = 8  # a step that does not lower the largest violation is halved this many times, then dropped
NEAR_ACTIVE = 1e-7  # an inequality within this of 0 (relative to the instance's scale) is held at or below 0
# (exactly to 0, not below: a pair whose gradients coincide has e_ij = -e_ji, so both cannot be negative; the
# rounding's violations, of 2^-60, are what the mixing then repairs)
# curvature of the strictly feasible quadratic, as the fraction of the way from the class's smallest to its
# largest curvature; the next is tried when a pair of its points coincides (an inequality not strict)
INTERIOR_CURVATURES = (Fraction(1, 2), Fraction(1, 3), Fraction(2, 3), Fraction(1, 5))
# the strictly feasible run's free leaves (initial points) in two dimensions: fixed, generic rationals
FREE_DIRECTIONS = ((Fraction(1), Fraction(1, 3)), (Fraction(-2, 7), Fraction(1)))
# the primal solve's tolerances per method (Clarabel's defaults are 1e-8). Measured: for gd 1e-10 brings the
# certified suboptimality at T = 10 from 2e-5 to 7e-7 below 1/21; for md it ends "inaccurate", 2e-4 below
# the worst case at kappa = 9, where the defaults reach 1e-7 (benchmarks/worst_case.py --lower)
PRIMAL_TOLERANCES = {"gd": {"tol_feas": 1e-10, "tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10}, "md": {}}
# further solver settings whose instance is also made exact, the higher certified value kept, per (method, quantity).
# md's suboptimality: at the defaults Clarabel stops "almost solved" (at T = 10 the Gram matrix 2.8e-9 outside the
# PSD cone, 45 inequalities violated by up to 6.8e-9 after factoring, a mixing weight of 6e-5: 1.4e-5 below the
# upper bound); a shorter step (max_step_fraction 0.9) ends "solved" at T = 10 (3e-6 below it, with the repair
# below), but its instance is the lower one at T = 2 and 5, so both are tried (benchmarks/worst_case.py --lower)
PRIMAL_ALTERNATIVES = {("md", "suboptimality"): ({"max_step_fraction": 0.9},)}
# the repair's cut (REPAIR_RCOND) per (method, quantity): md's suboptimality's linearized system has singular values
# down to 1e-12 of the largest (pairs whose gradients nearly coincide); cut at 1e-8 its least-norm step is 4e-3
# long for violations of 1e-9 and every halving is refused; at 1e-6 the repair lowers the violations, and the
# mixing weight at T = 10 from 8.9e-6 to 2.8e-6 (measured with max_step_fraction 0.9)
REPAIR_RCONDS = {("md", "suboptimality"): 1e-6}
MIXING_DIGITS = 3  # s is rounded up to this many significant digits


@dataclass(frozen=True)
class PrimalInstance:
    """An exactly checked instance of the class: the method's run on it and its ratio objective / initial."""

    value: Fraction  # objective over the initial quantity, exactly
    objective: Fraction
    initial: Fraction
    points: tuple  # per leaf point (in creation order): its rational vector
    values: tuple  # per leaf function value: the rational value
    mixing: Fraction  # b^2, the weight of the strictly feasible quadratic instance
    dimension: int
    inequalities: int  # how many interpolation inequalities were checked exactly
    tightest: Fraction  # the largest (closest to 0) of them, all <= 0
    functions: tuple = ()  # (name, L, mu, ((x, g, value), ...)): each function's points, explicit and exact

    def describe(self) -> str:
        return (f"the SDP's worst case rounded to rationals and mixed with weight {_short(self.mixing)} with a "
                f"strictly feasible quadratic instance, in {self.dimension} dimensions: all {self.inequalities} "
                f"interpolation inequalities hold exactly (the tightest at {_short(self.tightest)}), so a function "
                f"of the class attains it (Taylor, Hendrickx & Glineur); its objective over its initial quantity "
                f"(the squared amplification, or f(x_T) - f* over D_phi(x*, x_0)) is {_short(self.value)}, exactly")


def _exact_coefficient(value, what: str) -> Fraction:
    """A coefficient of the exact problem: an int, or a number carrying its exact rational (``.exact``)."""
    if isinstance(value, int):
        return Fraction(value)
    if hasattr(value, "exact"):
        return value.exact
    raise ValueError(f"{what}: the coefficient {value!r} is not exact: a bug")


def _is_constant_key(key) -> bool:
    # PEPit keys a constant term by the number 1 (never compare an Expression with ==, which builds a constraint)
    return isinstance(key, (int, float)) and not isinstance(key, bool)


def _short(value: Fraction) -> str:
    return f"{float(value):.9g}" if value else "0"


def primal_lower_bound(gram, values, forms, objective, initial, constraints, functions, damping: Fraction,
                       objective_nonnegative: bool, repair_rcond: float = REPAIR_RCOND):
    """(PrimalInstance, "") or (None, why not), from the solver's primal (``gram`` over the leaf points and
    ``values`` over the leaf function values, indexed by PEPit's counters) and the exact problem: its objective,
    initial condition, every interpolation inequality of the class (``constraints``), its functions, and
    ``forms`` (``worst_case._Forms`` over all of them). ``damping``: the quadratic run's contraction per step
    is kept near 1 - damping; ``repair_rcond``: the repair's cut of small singular values. Built by ``worst_case.sdp_instance``; this module imports nothing from it."""
    point_of = {index: leaf.counter for leaf, index in forms.points.items()}
    value_of = {index: leaf.counter for leaf, index in forms.values.items()}
    n_points, n_values = len(gram), len(values)
    exact = [forms.of(c.expression, f"inequality {k}") for k, c in enumerate(constraints)]
    objective_form = forms.of(objective, "objective")
    initial_form = forms.of(initial.expression, "initial condition")
    every = [objective_form, initial_form, *exact]
    rounded_points, rounded_values = _rounded(*_repaired(_factored(gram), values, exact, point_of, value_of,
                                                                    repair_rcond))
    at_solution = _linear_parts(every, _gram(rounded_points), rounded_values, point_of, value_of)
    violated = [k for k, form in enumerate(every) if k >= 2 and at_solution[k] + form[2] > 0]
    # the quadratic's contraction per step, 1 - eta c_f c_h, near 1 keeps late iterates apart, far from 1 early
    # ones: the sum of runs over a range of dampings (each feasible, and the class is a convex cone in (G, F))
    dampings = sorted({Fraction(1), damping, *(damping * 4 ** k for k in range(1, 4) if damping * 4 ** k < 1)})
    # candidates: each curvature, with the sum of every damping's run and with each run alone; the one whose
    # mixture has the highest value is kept (all are checked exactly the same way)
    best, why = None, "no strictly feasible quadratic instance of this run was found"
    for curvature in INTERIOR_CURVATURES:
        runs = [_quadratic_run(functions, curvature, d, n_points, n_values) for d in dampings]
        if any(run is None for run in runs):
            continue
        for chosen in [runs, *([run] for run in runs)]:
            feasible_points = [sum((run[0][leaf] for run in chosen), ()) for leaf in range(n_points)]
            feasible_values = [sum((run[1][k] for run in chosen), Fraction(0)) for k in range(n_values)]
            at_feasible = _linear_parts(every, _gram(feasible_points), feasible_values, point_of, value_of)
            if not all(at_feasible[k] + every[k][2] < 0 for k in violated):
                why = "a violated inequality is not strict at any quadratic instance tried"
                continue
            needed = max(((at_solution[k] + every[k][2]) / (at_solution[k] - at_feasible[k]) for k in violated),
                         default=Fraction(0))
            s = _mixing_parameter(needed)  # rounded up: each inequality is linear in the weight, so a larger one holds
            a2, b2 = ((1 - s * s) / (1 + s * s)) ** 2, (2 * s / (1 + s * s)) ** 2  # a^2 + b^2 = 1
            mixed = [a2 * p + b2 * q + form[2] for p, q, form in zip(at_solution, at_feasible, every)]
            if any(e > 0 for e in mixed[2:]):
                why = "the mixture still violates an interpolation inequality"
                continue
            top, bottom = mixed[0], mixed[1] - initial_form[2]  # the initial quantity, without its constant
            if bottom <= 0 or (objective_nonnegative and top < 0):
                why = "the instance's initial quantity is 0 or its objective negative"
                continue
            if best is None or top / bottom > best[0]:
                best = (top / bottom, s, mixed, top, bottom, feasible_points, feasible_values)
            if not violated:
                break
        if best is not None and not violated:
            break
    if best is None:
        return None, why
    _, s, mixed, top, bottom, feasible_points, feasible_values = best
    a2, b2 = ((1 - s * s) / (1 + s * s)) ** 2, (2 * s / (1 + s * s)) ** 2
    a, b = (1 - s * s) / (1 + s * s), 2 * s / (1 + s * s)
    points = tuple(tuple(a * c for c in p) + tuple(b * c for c in q) for p, q in zip(rounded_points, feasible_points))
    leaf_values = tuple(a2 * u + b2 * w for u, w in zip(rounded_values, feasible_values))
    return PrimalInstance(top / bottom, top, bottom, points, leaf_values, b2, len(points[0]), len(exact),
                          max(mixed[2:], default=Fraction(0)), _explicit(functions, points, leaf_values)), ""


def _explicit(functions, points, leaf_values) -> tuple:
    """Each function's (x, g, value) as exact vectors and numbers: the PEP's expressions evaluated on the
    leaves, i.e. the method run exactly (x_{t+1} = x_t - eta g_t is how the expressions were built)."""
    dimension = len(points[0])

    def vector(expression):
        total = [Fraction(0)] * dimension
        for leaf, coefficient in expression.decomposition_dict.items():
            c = _exact_coefficient(coefficient, "point")
            total = [t + c * x for t, x in zip(total, points[leaf.counter])]
        return tuple(total)

    def number(expression):
        return sum((_exact_coefficient(c, "value") * (1 if _is_constant_key(leaf) else leaf_values[leaf.counter])
                    for leaf, c in expression.decomposition_dict.items()), Fraction(0))

    described = []
    for k, function in enumerate(functions):
        name = "f" if k == 0 else "h = phi*"
        described.append((name, _exact_coefficient(function.L, "L"), _exact_coefficient(getattr(function, "mu", 0), "mu"),
                          tuple((vector(x), vector(g), number(v)) for x, g, v in function.list_of_points)))
    return tuple(described)


def interpolation_violations(L: Fraction, mu: Fraction, triples) -> list[tuple[int, int, Fraction]]:
    """(i, j, by how much) for every pair at which the interpolation condition of Taylor, Hendrickx & Glineur
    for mu-strongly convex L-smooth functions (mu = 0: convex) fails, in exact rationals. Empty: some function
    of the class has exactly these values and gradients at these points. Independent of PEPit's expressions."""
    dot = lambda u, v: sum((a * b for a, b in zip(u, v)), Fraction(0))
    failures = []
    for i, (xi, gi, fi) in enumerate(triples):
        for j, (xj, gj, fj) in enumerate(triples):
            if i == j:
                continue
            dx = [a - b for a, b in zip(xi, xj)]
            dg = [a - b for a, b in zip(gi, gj)]
            needed = fj + dot(gj, dx) + (dot(dg, dg) / L + mu * dot(dx, dx) - 2 * mu / L * dot(dg, dx)) / (2 * (1 - mu / L))
            if fi < needed:
                failures.append((i, j, needed - fi))
    return failures


def instance_document(instance: PrimalInstance, claim: dict) -> dict:
    """The instance as data, exact rationals as strings: each function's points (x, gradient, value), the
    objective and initial quantity, and what to check (``interpolation_violations`` empty for each)."""
    q = str
    return {
        "schema": "mdtheory.worst_case_instance/1",
        "claim": claim,
        "value": q(instance.value), "objective": q(instance.objective), "initial": q(instance.initial),
        "how_to_check": "for each function, for every ordered pair (i, j) of its points: f_i >= f_j + <g_j, x_i - x_j> + "
                        "(||g_i - g_j||^2/L + mu ||x_i - x_j||^2 - 2 mu/L <g_i - g_j, x_i - x_j>) / (2 (1 - mu/L)); then "
                        "some function of the class interpolates them (Taylor, Hendrickx & Glineur 2017), and the "
                        "method's run on it has value = objective/initial",
        "functions": [{"name": name, "L": q(L), "mu": q(mu),
                       "points": [{"x": [q(c) for c in x], "g": [q(c) for c in g], "f": q(v)} for x, g, v in triples]}
                      for name, L, mu, triples in instance.functions],
    }


def _gram(points):
    """The exact Gram matrix of the leaf vectors (python-flint, in C)."""
    from flint import fmpq, fmpq_mat

    n, d = len(points), len(points[0])
    columns = fmpq_mat(d, n, [fmpq(p[k].numerator, p[k].denominator) for k in range(d) for p in points])
    return columns.transpose() * columns


def _linear_parts(forms, gram, leaf_values, point_of, value_of) -> list[Fraction]:
    """<H, G> + a.F of each form (H, a, c), exactly."""
    from flint import fmpq

    values = [fmpq(v.numerator, v.denominator) for v in leaf_values]
    parts = []
    for matrix, linear, _ in forms:
        total = fmpq(0)
        for (i, j), c in matrix.items():
            total += fmpq(c.numerator, c.denominator) * gram[point_of[i], point_of[j]]
        for k, c in linear.items():
            total += fmpq(c.numerator, c.denominator) * values[value_of[k]]
        parts.append(Fraction(int(total.p), int(total.q)))
    return parts


def _dot(p, q) -> Fraction:
    return sum((x * y for x, y in zip(p, q)), Fraction(0))


def _factored(gram):
    """V (rows: directions, columns: leaf points) with V^T V close to ``gram``, in floats."""
    import numpy as np

    gram = (np.asarray(gram, dtype=float) + np.asarray(gram, dtype=float).T) / 2
    eigenvalues, vectors = np.linalg.eigh(gram)
    largest = max(float(eigenvalues.max()), 0.0)
    keep = [k for k, e in enumerate(eigenvalues) if e > EIGENVALUE_FLOOR * largest] or [len(eigenvalues) - 1]
    return np.array([math.sqrt(max(float(eigenvalues[k]), 0.0)) * vectors[:, k] for k in keep])


def _repaired(V, F, forms, point_of, value_of, rcond: float = REPAIR_RCOND):
    """The solver's instance moved (in floats, least-norm, linearized in V) so that every inequality it violates
    or nearly meets reads <= 0 to float precision: the solver stops at a feasibility of about 1e-9, which the
    exact check would see. Only a better guess: what is certified is checked exactly afterwards."""
    import numpy as np

    V, F = np.array(V, dtype=float), np.array(F, dtype=float)
    r, n = V.shape
    plain = [([(point_of[i], point_of[j], float(c)) for (i, j), c in matrix.items()],
              [(value_of[k], float(c)) for k, c in linear.items()], float(constant))
             for matrix, linear, constant in forms]
    scale = max(1.0, float(np.abs(V).max()) ** 2, float(np.abs(F).max()))
    def worst(V, F):
        G = V.T @ V
        residuals = np.array([sum(c * G[i, j] for i, j, c in gram) + sum(c * F[k] for k, c in linear) + constant
                              for gram, linear, constant in plain])
        return residuals, float(residuals.max(initial=0.0))

    residuals, violation = worst(V, F)
    for _ in range(REPAIR_ROUNDS):
        near = np.nonzero(residuals > -NEAR_ACTIVE * scale)[0]
        if not len(near) or violation <= 0:
            break
        jacobian = np.zeros((len(near), r * n + len(F)))
        for row, k in enumerate(near):
            gram, linear, _ = plain[k]
            for i, j, c in gram:  # d(c v_i.v_j) = c v_j dv_i + c v_i dv_j
                jacobian[row, i * r:(i + 1) * r] += c * V[:, j]
                jacobian[row, j * r:(j + 1) * r] += c * V[:, i]
            for k2, c in linear:
                jacobian[row, r * n + k2] += c
        # pairs whose gradients nearly coincide make the system nearly singular: such directions are cut
        step = np.linalg.lstsq(jacobian, -np.maximum(residuals[near], 0), rcond=rcond)[0]
        for _ in range(REPAIR_HALVINGS):  # keep a step only if it lowers the largest violation
            trial_V, trial_F = V + step[:r * n].reshape(n, r).T, F + step[r * n:]
            trial_residuals, trial_violation = worst(trial_V, trial_F)
            if trial_violation < violation:
                V, F, residuals, violation = trial_V, trial_F, trial_residuals, trial_violation
                break
            step = step / 2
        else:
            break
    return V, F


def _rounded(V, F):
    """V's columns (the leaf points) and F as rationals: multiples of 2^-ROUNDING_BITS."""
    scale = 2 ** ROUNDING_BITS
    as_rational = lambda x: Fraction(round(float(x) * scale), scale)
    return [tuple(as_rational(x) for x in V[:, leaf]) for leaf in range(V.shape[1])], [as_rational(v) for v in F]


def _mixing_parameter(weight: Fraction) -> Fraction:
    """The least s of MIXING_DIGITS significant digits with (2s/(1 + s^2))^2 >= weight (0 if weight is 0)."""
    if weight <= 0:
        return Fraction(0)
    if weight >= 1:
        return Fraction(1)
    guess = math.sqrt(float(weight)) / 2
    exponent = math.floor(math.log10(guess)) - MIXING_DIGITS + 1
    step = Fraction(10) ** exponent
    s = Fraction(math.ceil(Fraction(guess) / step)) * step
    while (2 * s / (1 + s * s)) ** 2 < weight and s < 1:
        s += step
    return min(s, Fraction(1))


def _quadratic_run(functions, fraction: Fraction, damping: Fraction, n_points: int, n_values: int):
    """The run on isotropic quadratics of curvature inside each function's class, exactly: leaf vectors in two
    dimensions (per leaf point, by counter) and leaf values, or None when the run's linear system has no
    solution with distinct free directions. Each point (x, g, value) of a function of curvature c obeys
    g = c x and value = c ||x||^2/2; the leaves are a generic element of that system's null space."""
    equations = []
    curvature_of = []
    for function in functions:
        L = _exact_coefficient(function.L, "L")
        mu = _exact_coefficient(getattr(function, "mu", 0), "mu")
        c = mu + fraction * (L - mu) * (damping if not mu else 1)
        curvature_of.append(c)
        for x, g, _ in function.list_of_points:
            row = [Fraction(0)] * n_points
            for leaf, coefficient in g.decomposition_dict.items():
                row[leaf.counter] += _exact_coefficient(coefficient, "gradient")
            for leaf, coefficient in x.decomposition_dict.items():
                row[leaf.counter] -= c * _exact_coefficient(coefficient, "point")
            equations.append(row)
    basis = _null_space(equations, n_points)
    if not basis:
        return None
    columns = []
    for d in range(2):
        weights = [FREE_DIRECTIONS[k][d] if k < len(FREE_DIRECTIONS) else Fraction(1, k + 1) for k in range(len(basis))]
        columns.append([sum((w * vector[leaf] for w, vector in zip(weights, basis)), Fraction(0))
                        for leaf in range(n_points)])
    points = [tuple(column[leaf] for column in columns) for leaf in range(n_points)]
    leaf_values = [Fraction(0)] * n_values
    for function, c in zip(functions, curvature_of):
        for x, _, value in function.list_of_points:
            vector = [sum((_exact_coefficient(coefficient, "point") * points[leaf.counter][d]
                           for leaf, coefficient in x.decomposition_dict.items()), Fraction(0)) for d in range(2)]
            for leaf, coefficient in value.decomposition_dict.items():
                if getattr(leaf, "counter", None) is not None:
                    leaf_values[leaf.counter] = c * _dot(vector, vector) / 2
    return points, leaf_values


def _null_space(rows, n):
    """A basis of {v : row . v = 0 for every row}, exactly (reduced row echelon form in python-flint), with the
    earliest leaves free (the initial points: columns reversed, so that the pivots fall on the later leaves)."""
    from flint import fmpq, fmpq_mat

    if not rows:
        return [[Fraction(int(i == k)) for i in range(n)] for k in range(n)]
    matrix = fmpq_mat(len(rows), n, [fmpq(v.numerator, v.denominator) for row in rows for v in reversed(row)])
    reduced, rank = matrix.rref()
    pivots = []
    for r in range(rank):
        pivots.append(next(c for c in range(n) if reduced[r, c] != 0))
    free = [c for c in range(n) if c not in pivots]
    basis = []
    for f in free:
        vector = [Fraction(0)] * n
        vector[f] = Fraction(1)
        for r, p in enumerate(pivots):
            value = reduced[r, f]
            vector[p] = -Fraction(int(value.p), int(value.q))
        basis.append(vector[::-1])
    return basis[::-1]
