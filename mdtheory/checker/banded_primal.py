"""The worst case of md's amplification past the full class's horizon: the banded PEP's primal (its Gram matrix and
function values, the SDP's worst-case instance) solved over the iterates by Clarabel directly, then expressed over
PEPit's leaves for ``interpolation.primal_lower_bound``, which makes it exact and checks every inequality of the
exact class in rationals (soundness stays there: nothing solved here is trusted).

PEPit poses the banded SDP over its leaves (the starting points and every gradient), and cvxpy's expressions of it
take memory growing as T^3 (2.5 GB at T = 24 for md with band 1). Over the iterates (``banded_dual.iterate_problem``:
the runs' differences and the second run's points, with x'_0 = y'_0 = 0 by translation) every inequality of band b
touches the Gram vectors of at most b + 2 consecutive steps, so the aggregate sparsity is banded (chordal).

The primal SDP

    maximize <H, G>  over  G positive semidefinite and the function values F,
    with  <H_0, G> <= 1  and every inequality of the band  <H_k, G> + a_k.F + c_k <= 0

is handed to Clarabel as its dual problem: Clarabel's primal variables are the multipliers (one per inequality),
its cone variables z are (F, the inequalities' slacks, G). Its chordal decomposition splits the PSD cone into
small blocks over the banded pattern. The entries of G that no inequality reads are not the solver's: the vectors
are realized step by step from the entries it does read (``_realized``), and any such realization is an instance
of the band; whether it is one of the class is what ``primal_lower_bound`` checks (pairs further apart than the
band: at T = 24, kappa = 9, band 1's realization violated them, band 3's met them all).
"""

from __future__ import annotations

import math

from mdtheory.checker.banded_dual import iterate_problem
from mdtheory.checker.worst_case import WorstCaseError, _Forms

# Clarabel's stopping tolerances (defaults 1e-8): the instance is repaired and checked exactly afterwards, so
# tighter ones only bring the certified lower bound closer to the SDP's value
SOLVER_TOLERANCE = 1e-10
SOLVER_MAX_ITERATIONS = 400
COMPLETION_RCOND = 1e-12  # relative singular values below this are cut when a vector is realized


def solve_primal(method, eta, T, L_f, mu_phi, L_phi, band: int):
    """(vectors realizing the worst case's Gram matrix over the iterate problem's leaf points, as columns;
    function values over its leaf values; the iterate problem's forms and functions; the solver's value), in
    floating point: the banded PEP's worst case over the iterates (module docstring)."""
    import clarabel
    import numpy as np
    from scipy import sparse

    objective, initial, constraints, functions, _ = iterate_problem(method, eta, T, L_f, mu_phi, L_phi, band)
    every = [initial, *constraints]
    forms = _Forms([objective, *(c.expression for c in every)])
    n, m, K = len(forms.points), len(forms.values), len(every)
    root2 = math.sqrt(2)
    # the worst case's second run drifts (|y'_t| grows as t): Gram vector p is solved for scaled by 1/scale[p],
    # its step (the last step whose point or gradient holds it), so that the solver's entries stay near 1
    scale = [1.0] * n
    for function in functions:
        for p, point in enumerate(function.list_of_points):
            for expression in point[:2]:
                for leaf in expression.decomposition_dict:
                    scale[forms.points[leaf]] = max(scale[forms.points[leaf]], p // 2)

    def svec(gram) -> dict:
        """The upper triangle, column by column, off-diagonal entries times sqrt(2) (Clarabel's PSD triangle)."""
        return {b * (b + 1) // 2 + a: (1 if a == b else root2) * float(c) * scale[a] * scale[b]
                for (a, b), c in gram.items() if a <= b and c}

    # z = (F: free, the K slacks: >= 0, svec(G): PSD); column k is inequality k: its slack + <H_k, G> + a_k.F = -c_k
    rows, columns, data, cost = [], [], [], []
    known = {(a, a) for a in range(n)}  # the Gram entries some form reads: the solver's values there are its own
    for k, constraint in enumerate(every):
        gram, linear, constant = forms.of(constraint.expression, f"constraint {k}")
        known.update(pair for pair, c in gram.items() if c)
        entries = {v: float(c) for v, c in linear.items() if c}
        entries[m + k] = 1.0
        entries.update({m + K + e: c for e, c in svec(gram).items()})
        for row, c in entries.items():
            rows.append(row), columns.append(k), data.append(-c)
        cost.append(-float(constant))
    obj_gram, obj_linear, _ = forms.of(objective, "objective")
    b = np.zeros(m + K + n * (n + 1) // 2)  # Clarabel maximizes -b.z: the objective <H, G> + a.F
    for v, c in obj_linear.items():
        b[v] = -float(c)
    for e, c in svec(obj_gram).items():
        b[m + K + e] = -c
    A = sparse.csc_matrix((data, (rows, columns)), shape=(len(b), K))
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.chordal_decomposition_enable = True
    settings.chordal_decomposition_complete_dual = False  # completed by _realized
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = SOLVER_TOLERANCE
    settings.max_iter = SOLVER_MAX_ITERATIONS
    cones = ([clarabel.ZeroConeT(m)] if m else []) + [clarabel.NonnegativeConeT(K), clarabel.PSDTriangleConeT(n)]
    solution = clarabel.DefaultSolver(sparse.csc_matrix((K, K)), np.array(cost), A, b, cones, settings).solve()
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        raise WorstCaseError(f"the banded primal SDP solver stopped with status {solution.status}")
    z = np.asarray(solution.z, dtype=float)
    G = np.zeros((n, n))
    for bb in range(n):
        for a in range(bb + 1):
            entry = z[m + K + bb * (bb + 1) // 2 + a]
            G[a, bb] = G[bb, a] = (entry if a == bb else entry / root2) * scale[a] * scale[bb]
    if not (np.all(np.isfinite(G)) and np.all(np.isfinite(z[:m]))):
        raise WorstCaseError("the banded primal SDP solver returned a non-finite solution")
    known.update((b, a) for a, b in list(obj_gram))
    vectors = _realized(G, known, sorted(range(n), key=lambda p: scale[p]))
    return vectors, z[:m], forms, functions, float(solution.obj_val)  # the multipliers' bound, = <H, G> at optimum


def _realized(G, known, order):
    """Vectors (columns) whose inner products are G's at the ``known`` entries: each vector in ``order`` (by step,
    so that the earlier vectors it meets are the few of the previous steps) is the least-norm combination of the
    earlier ones it meets with the known inner products, plus a new direction for the rest of its norm (clipped
    at 0). Clarabel's own completion of the decomposed cone is not positive semidefinite on these near-singular
    blocks (its least eigenvalue -0.5 against a largest of 3e3 at T = 16), so it is not used."""
    import numpy as np

    n = len(G)
    V = np.zeros((n, n))  # column p: vector p, in n dimensions (one new per vector)
    done = []
    for k, p in enumerate(order):
        met = [q for q in done if (q, p) in known or (p, q) in known]
        if met:
            coefficients = np.linalg.lstsq(V[:, met].T @ V[:, met], G[met, p], rcond=COMPLETION_RCOND)[0]
            V[:, p] = V[:, met] @ coefficients
        V[k, p] = np.sqrt(max(G[p, p] - V[:, p] @ V[:, p], 0.0))
        done.append(p)
    return V


def over_the_leaves(vectors, F, forms, iterate_functions, leaf_functions):
    """(Gram matrix over PEPit's leaf points, values over its leaf values, both indexed by the leaves' counters):
    each of PEPit's leaves (a starting point, a gradient, a function value) is the same point of the same function
    in the iterate problem (both add each function's points in the same order), an expression of the iterates."""
    import numpy as np

    V = vectors.T  # rows: the iterate problem's leaf points as vectors

    def vector(expression):
        total = np.zeros(V.shape[1])
        for leaf, c in expression.decomposition_dict.items():
            if leaf not in forms.points:
                raise WorstCaseError("a point of the iterate problem is in none of its inequalities: a bug")
            total += float(c) * V[forms.points[leaf]]
        return total

    def number(expression):
        return sum(float(c) * F[forms.values[leaf]] for leaf, c in expression.decomposition_dict.items())

    leaf_vectors, leaf_values = {}, {}
    for mine, theirs in zip(iterate_functions, leaf_functions):
        if len(mine.list_of_points) != len(theirs.list_of_points):
            raise WorstCaseError("the iterate problem and PEPit's have different points: a bug")
        for (x, g, value), (leaf_x, leaf_g, leaf_value) in zip(mine.list_of_points, theirs.list_of_points):
            for ours, leaf in ((x, leaf_x), (g, leaf_g)):
                if leaf.get_is_leaf():
                    leaf_vectors[leaf.counter] = vector(ours)
            if leaf_value.get_is_leaf():
                leaf_values[leaf_value.counter] = number(value)
    if sorted(leaf_vectors) != list(range(len(leaf_vectors))) or sorted(leaf_values) != list(range(len(leaf_values))):
        raise WorstCaseError("PEPit's leaves are not all points of its functions: a bug")
    columns = np.array([leaf_vectors[k] for k in range(len(leaf_vectors))]).T
    return columns.T @ columns, np.array([leaf_values[k] for k in range(len(leaf_values))])
