"""Long horizons for the worst-case amplification of gd and md: the banded SDP posed over the iterates, in its
dual form, solved by Clarabel directly (chordal decomposition), and certified by ``dual_certificate``.

PEPit poses the performance estimation problem over its "leaves" (the starting points and every gradient), so
that every iterate x_t = x_0 - eta sum_{s<t} g_s touches every earlier leaf: each interpolation inequality is a
form over the whole Gram matrix, and cvxpy's expressions of them take memory growing as T^3 (3.2 GB at T = 60
for gd). Here the Gram vectors are the iterates, and the gradients their differences:

  - gd: x_t and x'_t for t = 0..T, with g_t = (x_t - x_{t+1})/eta;
  - md (dual form, h = phi*): the dual points y_t, y'_t and x_t = grad h(y_t), x'_t for t = 0..T, with
    g_t = (y_t - y_{t+1})/eta.

The change of basis from PEPit's leaves is invertible, so the problem (and its value) is the same. The
interpolation inequalities are kept only between the two runs' points of the same step (``UPPER_BAND`` = 0, the
relaxation the PEPit solver uses too). Each pair's two inequalities, (i, j) and (j, i), must carry equal
multipliers for the function values to cancel; with one multiplier they involve the runs' differences
d_t = x_t - x'_t only (for md also y_t - y'_t), and each touches steps t and t + 1 only: the residual
sum_k lambda_k H_k - H over the differences is block-tridiagonal (blocks of 1 vector for gd, 2 for md). The
dual SDP

    minimize  the bound  over  lambda >= 0  with  sum_k lambda_k H_k - H positive semidefinite

is handed to Clarabel with that sparsity; its chordal decomposition splits the PSD cone into T small cones.
(Posed over the two runs' points, or with the function values' equations, the residual would be singular by
construction and the solver stops at about 1e-8; over the differences it reaches 1e-11.) The multipliers are
evidence only: ``dual_certificate`` rationalizes them and proves the residual PSD by an exact LDL^T in rationals,
on the problem built with the exact constants and every inequality of the band. The LDL^T takes its pivots step
by step (``_ldlt`` with an order): the block-tridiagonal residual has no fill-in, so it costs linear time in T.
Past gd's edge the multipliers span growth^(2T) (7e15 at T = 100): which ones are taken as 0 is decided relative
to their step's size (``multiplier_sizes``), not to the largest. So the bound is a certified
upper bound over a relaxation (band 0), not the exact worst case: the exact worst case over the class is at most
it. For gd the relaxation loses nothing (f = 0 or L x^2/2 attains the bound); for md the relaxation's value and
the full class's (PEPit, every inequality) agreed to 2.1e-7 relative at T = 8 (kappa = 9, eta = 1/5) and 1.9e-7
at T = 12 (kappa = 3, eta = 1/2), about the full solve's own floating-point accuracy.

The certificate's Gram vectors are the iterates, not PEPit's leaves (gradients as free vectors), over which
``proofs/check_certificate.py`` and the Coq replay read certificates: ``mdtheory.checker.leaf_basis`` writes it
over the leaves.
"""

from __future__ import annotations

import math
from fractions import Fraction

from mdtheory.checker.worst_case import (
    UPPER_BAND,
    WorstCaseError,
    _banded,
    _independent_rows,
    _ExactScalar,
    _Forms,
    dual_certificate,
)

OVER_THE_ITERATES = "solved over the iterates"  # in how_upper: the certificate's Gram vectors are the iterates
# Clarabel's stopping tolerances (its defaults are 1e-8): the multipliers are rationalized and proved exactly
# afterwards, so tighter ones only make the certified bound closer to the relaxation's value
SOLVER_TOLERANCE = 1e-10
SOLVER_MAX_ITERATIONS = 400
# how much larger the class the SDP is solved for is (so that its multipliers keep slack): the first that
# certifies (and proves the claim, if any) is kept. This solve is accurate to about 1e-12, but 1e-10 left the
# residual at -1e-10 at T = 40 (md, kappa = 9): 1e-8 first
LONG_RELAXATIONS = tuple(Fraction(1, 10**k) for k in range(8, 3, -1))
# then, when no claim is proved, finer ones while they certify a lower bound: past gd's edge the class larger
# by r grows as (|1 - eta L| + r eta L)^T, so that 1e-8 leaves the bound 3.7e-6 above 1.2^(2T) at T = 100 and
# 1e-10 3.7e-8 (with the band-order LDL^T each ``dual_certificate`` takes seconds at T = 100, at every T)
FINER_RELAXATIONS = (Fraction(1, 10**9), Fraction(1, 10**10))


def iterate_problem(method: str, eta: Fraction, T: int, L_f: Fraction, mu_phi: Fraction | None,
                    L_phi: Fraction | None, band: int = UPPER_BAND):
    """The amplification's PEP over the iterates, with exact constants: (objective, initial condition,
    interpolation inequalities in the functions' order, functions, the Gram vectors in step order)."""
    from PEPit import Expression, Point, null_point
    from PEPit.functions import SmoothConvexFunction as SmoothConvex
    from PEPit.functions import SmoothStronglyConvexFunction as SmoothStronglyConvex

    exact = _ExactScalar
    step = exact(1 / eta)
    f = _banded(SmoothConvex, "set_smoothness_convexity_constraint_i_j")(L=exact(L_f))
    f.band = band
    functions = [f]

    def two_runs():
        """(first run, second run, their differences): the Gram vectors are the differences d_t and the second
        run's points, the first run's are d_t + x'_t. A pair's two inequalities with one multiplier involve the
        differences only (``solve_dual``). Translating every point leaves the problem as it is: x'_0 = 0."""
        second = [null_point] + [Point() for _ in range(T)]
        differences = [Point() for _ in range(T + 1)]
        return [d + x for d, x in zip(differences, second)], second, differences

    first, second, differences = two_runs()  # x_t, x'_t (md: the dual points y_t, y'_t)
    runs, primal, order = (first, second), (first, second), differences
    # band 0 reads the differences only; a wider band reads the second run's points too: every Gram vector, step
    # by step (x'_0 = 0 is none), so that the residual stays banded in this order
    per_step = [[differences[t], *([second[t]] if band and t else [])] for t in range(T + 1)]
    if method == "md":
        h = _banded(SmoothStronglyConvex, "set_smoothness_strong_convexity_constraint_i_j")(
            mu=exact(1 / L_phi), L=exact(1 / mu_phi))
        h.band = band
        functions.append(h)
        # x_t = grad h(y_t); x'_0 = 0 too (translating every gradient of h by c and h's values by <c, y> leaves
        # the problem as it is)
        *primal, primal_differences = two_runs()
        per_step = [[*step, primal_differences[t], *([primal[1][t]] if band and t else [])]
                    for t, step in enumerate(per_step)]
        for t in range(T + 1):  # h's points in PEPit's order: y_0, y'_0, y_1, y'_1, ...
            for dual, point in zip(runs, primal):
                h.add_point((dual[t], point[t], Expression()))
    elif method != "gd":
        raise WorstCaseError(f"method: {method!r}; long horizons are posed for gd and md")
    if method == "md" or band:
        order = [vector for step in per_step for vector in step]
    for t in range(T):  # f's points in PEPit's order: x_0, x'_0, x_1, x'_1, ...
        for run, point in zip(runs, primal):
            f.add_point((point[t], (run[t] - run[t + 1]) * step, Expression()))
    for function in functions:
        function.set_class_constraints()
    initial = (primal[0][0] - primal[1][0]) ** 2 <= 1
    objective = (primal[0][T] - primal[1][T]) ** 2
    constraints = [c for function in functions for c in function.list_of_class_constraints]
    return objective, initial, constraints, functions, order


def solve_dual(objective, initial, constraints, functions, order, growth: float = 1.0) -> tuple[list[float], float]:
    """(the multipliers, the initial condition's first, then one per constraint; the solver's value) of the dual
    SDP (module docstring), in floating point: evidence, certified afterwards. The two inequalities of a pair of
    points (i, j) and (j, i) share one multiplier: their function values then cancel, and the solver is left
    without equations, which cost it accuracy (it stops at about 1e-9 with them, sooner with redundant ones).

    ``growth``: about how much the runs' distance may grow per step. Past gd's edge the worst case grows as
    |1 - eta L|^T (1.2^200 = 7e15 at T = 100), beyond what the solver's own equilibration rescales (1e-4 to 1e4):
    step t's Gram vectors are scaled by growth^t and each multiplier's column to a largest entry of 1 (a change of
    variables, undone in the multipliers returned)."""
    import clarabel
    import numpy as np
    from scipy import sparse

    every = [initial, *constraints]
    forms = _Forms([objective, *(c.expression for c in every)])
    order = [point for point in order if point in forms.points]
    position = {forms.points[point]: k for k, point in enumerate(order)}  # Gram index in step order
    n = len(order)
    root2 = math.sqrt(2)
    T = len(functions[0].list_of_points) // 2
    band = functions[0].band
    if band:
        # the second run's points drift (|y'_t| grows as t in md's worst case): each Gram vector is scaled by its
        # step (the last step whose point or gradient holds it), as banded_primal scales the primal, and by growth^t
        step_of = [0] * len(forms.points)
        for function in functions:
            for p, point in enumerate(function.list_of_points):
                for expression in point[:2]:
                    for leaf in (leaf for leaf in expression.decomposition_dict if leaf in forms.points):
                        step_of[forms.points[leaf]] = max(step_of[forms.points[leaf]], p // 2)
        scale = [max(1, step_of[forms.points[point]]) * growth ** step_of[forms.points[point]] for point in order]
    else:
        scale = [growth ** (p // (n // (T + 1))) for p in range(n)]  # step t's Gram entries by growth^t

    def svec(gram) -> dict:
        """The upper triangle, column by column, off-diagonal entries times sqrt(2) (Clarabel's PSD triangle)."""
        entries = {}
        for (i, j), c in gram.items():  # S_ij = gram[(i, j)] = gram[(j, i)]: each entry is read once
            if not c:
                continue
            a, b = position[i], position[j]
            if a <= b:
                entries[b * (b + 1) // 2 + a] = (1 if a == b else root2) * float(c) * scale[a] * scale[b]
        return entries

    groups, where = [[0]], {}  # constraint indices sharing a multiplier: the initial condition, then each pair
    labels = [(k, *pair) for k, function in enumerate(functions) for pair in function.pairs]
    for index, (k, i, j) in enumerate(labels, start=1):
        key = (k, min(i, j), max(i, j))
        if key not in where:
            where[key] = len(groups)
            groups.append([])
        groups[where[key]].append(index)
    exact = [forms.of(constraint.expression, f"constraint {k}") for k, constraint in enumerate(every)]

    def summed(members):
        gram, values, constant = {}, {}, Fraction(0)
        for k in members:
            for target, part in ((gram, exact[k][0]), (values, exact[k][1])):
                for key, c in part.items():
                    target[key] = target.get(key, 0) + c
            constant += exact[k][2]
        return gram, {v: c for v, c in values.items() if c}, constant

    columns_forms = [summed(members) for members in groups]
    obj_gram, obj_values, _ = forms.of(objective, "objective")
    if any(c and not (i in position and j in position) for gram, _, _ in [*columns_forms, (obj_gram, 0, 0)]
           for (i, j), c in gram.items()):
        raise WorstCaseError("a paired inequality involves more than the Gram vectors in order: a bug")
    # the equations that remain (none for the amplification): only independent ones are posed
    independent = _independent_rows([[values.get(v, Fraction(0)) for _, values, _ in columns_forms]
                                     for v in range(len(forms.values))])
    value_row = {v: row for row, v in enumerate(independent)}
    m, K = len(independent), len(groups)
    rows, columns, data, cost, sizes = [], [], [], [], []  # lambda_k = size_k x_k: x_k is the solver's variable
    for k, (gram, values, constant) in enumerate(columns_forms):
        entries = {value_row[v]: float(c) for v, c in values.items() if v in value_row}  # the values cancel
        entries.update({m + K + row: -c for row, c in svec(gram).items()})  # sum_k lambda_k H_k - H is PSD
        size = 1 / max(map(abs, entries.values()), default=1.0)
        sizes.append(size)
        cost.append(-float(constant) * size)  # the bound: c - sum_k lambda_k c_k (c = 0 for the amplification)
        for row, c in entries.items():
            rows.append(row), columns.append(k), data.append(c * size)
        rows.append(m + k), columns.append(k), data.append(-1.0)  # lambda_k >= 0
    b = np.zeros(m + K + n * (n + 1) // 2)
    for v, c in obj_values.items():
        if v in value_row:
            b[value_row[v]] = float(c)
    for row, c in svec(obj_gram).items():
        b[m + K + row] = -c
    objective_size = max(abs(b).max(), 1e-300)
    b /= objective_size  # and the objective to a largest entry of 1: every multiplier is divided by it
    A = sparse.csc_matrix((data, (rows, columns)), shape=(len(b), K))
    P = sparse.csc_matrix((K, K))
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.chordal_decomposition_enable = True
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = SOLVER_TOLERANCE
    settings.max_iter = SOLVER_MAX_ITERATIONS
    # a wider band poses the function values' equations: with Clarabel's equilibration on top of the columns'
    # scaling above it stopped "almost solved", its values not monotone in the band (md, kappa = 9, T = 8: band 1
    # 3e-5 below band 0); without it, solved, and monotone to 1e-10
    settings.equilibrate_enable = not band
    cones = ([clarabel.ZeroConeT(m)] if m else []) + [clarabel.NonnegativeConeT(K), clarabel.PSDTriangleConeT(n)]
    solution = clarabel.DefaultSolver(P, np.array(cost), A, b, cones, settings).solve()
    status = str(solution.status)
    if status not in ("Solved", "AlmostSolved"):
        raise WorstCaseError(f"the long-horizon SDP solver stopped with status {status}")
    shared = [float(value) * size * objective_size for value, size in zip(solution.x, sizes)]
    if not all(math.isfinite(value) for value in shared):
        raise WorstCaseError("the long-horizon SDP solver returned non-finite multipliers")
    duals = [0.0] * len(every)
    for value, members in zip(shared, groups):
        for k in members:
            duals[k] = value
    return duals, float(solution.obj_val) * objective_size


def multiplier_sizes(functions, growth: float) -> list[float]:
    """The size each multiplier is expected to have (the initial condition's first, then per constraint), for
    ``dual_certificate``'s threshold of inactive ones: when the runs' distance grows by ``growth`` per step, the
    multipliers of step t's inequalities are about growth^(2(T - t)) (1.2^200 = 8e16 at T = 100 past gd's edge),
    so step t's are sized growth^(-2t) relative to the initial condition's. Each function's points are in step
    order, two per step (the two runs')."""
    return [1.0, *(growth ** (-2 * (i // 2)) for function in functions for i, _ in function.pairs)]


def certified_upper(method: str, eta: Fraction, T: int, L_f: Fraction, mu_phi: Fraction | None,
                    L_phi: Fraction | None, claimed: Fraction | None, band: int = UPPER_BAND):
    """(the solver's value, the certified upper bound or None, how, its certificate), as
    ``worst_case._certified_upper`` for the banded class: solved for classes larger by LONG_RELAXATIONS, each
    checked against the exact class by ``dual_certificate``, until one certifies (and proves the claim); then
    FINER_RELAXATIONS for a lower bound. A ``band`` above 0 poses pairs up to that many steps apart over every
    Gram vector (the second run's points too) with the function values' equations: a tighter relaxation, still an
    upper bound; its residual is banded in step order (bandwidth growing with the band), so the band-order
    LDL^T stays fill-free. At T = 24 (md, kappa = 9, eta = 1/5) its solver values (band 1: 189.507824, band 3:
    189.507620, band 5: 189.507826, all "almost solved") lie within 1.2e-6 of band 0's 189.507842: what keeps
    the interval from closing there is the solvers' accuracy (the banded primal's values lie 1.4e-5 to 7.5e-5
    below), not the band. Not used by ``worst_case`` (band 0 only); written over the leaves only for band 0."""
    objective, initial, constraints, functions, order = iterate_problem(method, eta, T, L_f, mu_phi, L_phi, band)
    value, upper, how_upper, proof = None, None, "not attempted", None
    # the quadratic f = L x^2/2 (phi = mu x^2/2) grows by |1 - eta L/mu| per step: the solver's scaling
    growth = max(1.0, abs(1 - float(eta * L_f / (mu_phi if method == "md" else 1))))
    sizes = multiplier_sizes(functions, growth)

    def solved(relaxation):
        grow = 1 + relaxation
        relaxed = iterate_problem(method, eta, T, L_f * grow, mu_phi / grow if mu_phi else None,
                                  L_phi * grow if L_phi else None, band)
        duals, solver_value = solve_dual(*relaxed, growth=growth)
        if len(duals) != len(constraints) + 1:
            raise WorstCaseError("the exact and the relaxed problems have different constraints: a bug")
        return duals, solver_value

    for relaxation in LONG_RELAXATIONS:
        duals, solver_value = solved(relaxation)
        value = solver_value if value is None else min(value, solver_value)
        bound, how, certificate = dual_certificate(objective, initial, constraints, duals, claimed, functions, sizes,
                                                   order)
        if bound is not None and (upper is None or bound < upper):
            upper, how_upper, proof = bound, f"{how} (a class larger by {relaxation})", certificate
        elif upper is None:
            how_upper = how
        if upper is not None and (claimed is None or upper <= claimed):
            break
    proved = upper is not None and claimed is not None and upper <= claimed
    for relaxation in FINER_RELAXATIONS if upper is not None and not proved else ():
        duals, solver_value = solved(relaxation)
        value = min(value, solver_value)
        bound, how, certificate = dual_certificate(objective, initial, constraints, duals, claimed, functions, sizes,
                                                   order)
        if bound is None or bound >= upper:
            break
        upper, how_upper, proof = bound, f"{how} (a class larger by {relaxation})", certificate
    return value, upper, (f"{how_upper}; interpolation inequalities between points at most {band} steps apart (a "
                          f"relaxation: still an upper bound), {OVER_THE_ITERATES} by Clarabel's chordal "
                          "decomposition"), proof
