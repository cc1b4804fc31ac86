"""A certificate solved over the iterates (``mdtheory.checker.banded_dual``, past ``LONG_HORIZON``), written over
PEPit's leaves, so that ``proofs/check_certificate.py`` and the Coq replay read it as they read the others.

Over the iterates the Gram vectors are the runs' differences and the second run's points (gd: d_t = x_t - x'_t
and x'_t; md: the dual and primal differences and y'_t, x'_t), with x'_0 = 0 (and y'_0 = 0); over the leaves
they are the free starting points and every gradient (md: every gradient of h = phi* too). Every Gram vector
over the iterates is a fixed linear combination of the leaves: with M that map (old vector -> its combination
of leaves), a form <H, G_old> reads <M^T H M, G_leaves>. The second run's start, 0 over the iterates, is a free
leaf over the leaves; M measures every point from it (x'_t -> x'_t - x'_0), which leaves the differences, and so
every pair of inequalities with one multiplier, as they were. So with the same multipliers (one per pair)

    residual over the leaves = M^T S M = sum_r d_r (M^T l_r) (M^T l_r)^T

is the iterates' exact LDL^T carried over: no new factorization. The inequalities themselves are rebuilt over the
leaves by PEPit (the same band-0 problem and point order as up to LONG_HORIZON, so the same labels), and the
residual is checked against sum_k lambda_k H_k - H over the leaves before the certificate is returned.
"""

from __future__ import annotations

from fractions import Fraction

from mdtheory.checker.worst_case import (
    UPPER_BAND,
    Certificate,
    WorstCaseError,
    _f,
    _Forms,
    _functions_description,
    _independent_rows,
    _q,
    _rebuilt,
    _residual_matrix,
)


def _combination(*terms) -> dict:
    """sum of c * u over (c, u), u a {leaf: coefficient} dict."""
    out: dict = {}
    for c, u in terms:
        for k, v in u.items():
            out[k] = out.get(k, Fraction(0)) + c * v
    return {k: v for k, v in out.items() if v}


def _measured_vectors(method: str, over_the_iterates, over_the_leaves) -> list[tuple[dict, dict]]:
    """Vectors both problems state, each measured from the second run's start: (coordinates over the iterates,
    coordinates over the leaves) from the two problems' function points (``_functions_description``; same order:
    x_0, x'_0, x_1, ...; md's h: y_0, y'_0, ...). They span every Gram vector over the iterates."""
    vectors = []
    f_old, f_new = over_the_iterates[0][4], over_the_leaves[0][4]
    if method == "gd":
        start = [f_old[1][0], f_new[1][0]]  # x'_0
        for old, new in zip(f_old, f_new):
            vectors.append((_combination((1, old[0]), (-1, start[0])), _combination((1, new[0]), (-1, start[1]))))
    else:
        h_old, h_new = over_the_iterates[1][4], over_the_leaves[1][4]
        dual_start, primal_start = [h_old[1][0], h_new[1][0]], [h_old[1][1], h_new[1][1]]  # y'_0, x'_0
        for old, new in zip(h_old, h_new):
            vectors.append((_combination((1, old[0]), (-1, dual_start[0])),
                            _combination((1, new[0]), (-1, dual_start[1]))))
            vectors.append((_combination((1, old[1]), (-1, primal_start[0])),
                            _combination((1, new[1]), (-1, primal_start[1]))))
    vectors += [(old[1], new[1]) for old, new in zip(f_old, f_new)]  # f's gradients: free of any start
    return vectors


def _change_of_basis(vectors, n_old: int, n_new: int):
    """M (n_old x n_new, flint): each Gram vector over the iterates as a combination of the leaves, solved from
    ``vectors`` (A M = B over an independent set of rows) and checked on every one of them."""
    from flint import fmpq_mat

    A = [[old.get(i, Fraction(0)) for i in range(n_old)] for old, _ in vectors]
    rows = _independent_rows(A)
    if len(rows) != n_old:
        raise WorstCaseError("the iterates are not spanned by the points both problems state: a bug")

    def matrix(entries, columns):
        return fmpq_mat(len(entries), columns, [_q(v) for row in entries for v in row])

    B = [[new.get(j, Fraction(0)) for j in range(n_new)] for _, new in vectors]
    M = matrix([A[r] for r in rows], n_old).solve(matrix([B[r] for r in rows], n_new))
    if matrix(A, n_old) * M != matrix(B, n_new):
        raise WorstCaseError("the change of basis from the iterates to the leaves is not consistent: a bug")
    return M


def over_the_leaves(method: str, eta: Fraction, T: int, L_f: Fraction, mu_phi: Fraction | None,
                    L_phi: Fraction | None, certificate: Certificate) -> Certificate:
    """``certificate`` (over the iterates, ``banded_dual.certified_upper``'s) over PEPit's leaves: the same
    multipliers on the same inequalities, rebuilt over the leaves; the residual M^T S M and its factors M^T l_r
    (module docstring). Raises ``WorstCaseError`` if the result does not check (a bug)."""
    from flint import fmpq_mat

    from mdtheory.checker.banded_dual import iterate_problem

    old_objective, old_initial, old_constraints, old_functions, _ = iterate_problem(method, eta, T, L_f, mu_phi,
                                                                                    L_phi)
    old_forms = _Forms([old_objective, *(c.expression for c in [old_initial, *old_constraints])])
    if len(old_forms.points) != certificate.n_points:
        raise WorstCaseError("the iterates' problem built again has other Gram vectors than its certificate: a bug")
    objective, initial, constraints, functions = _rebuilt(method, eta, T, L_f, mu_phi, L_phi, UPPER_BAND)
    every = [initial, *constraints]
    forms = _Forms([objective, *(c.expression for c in every)])
    exact = [forms.of(c.expression, f"constraint {k}") for k, c in enumerate(every)]
    obj_gram, obj_linear, obj_constant = forms.of(objective, "objective")
    n, m = len(forms.points), len(forms.values)
    described = _functions_description(forms, functions)
    if (len(forms.points), len(forms.values)) != (n, m):
        raise WorstCaseError("a point of the leaves' problem is in no inequality: a bug")

    labels = ["initial", *((k, *pair) for k, function in enumerate(functions) for pair in function.pairs)]
    multiplier = {label: value for label, value, _ in certificate.inequalities}
    if not set(multiplier) <= set(labels):
        raise WorstCaseError("the iterates' certificate has an inequality the leaves' problem lacks: a bug")
    lam = [multiplier.get(label, Fraction(0)) for label in labels]
    bound = obj_constant - sum((value * form[2] for value, form in zip(lam, exact)), Fraction(0))
    if bound != certificate.bound:
        raise WorstCaseError(f"over the leaves the bound is {bound}, over the iterates {certificate.bound}: a bug")

    vectors = _measured_vectors(method, _functions_description(old_forms, old_functions), described)
    M = _change_of_basis(vectors, certificate.n_points, n)
    S = fmpq_mat(certificate.n_points, certificate.n_points, [_q(v) for row in certificate.residual for v in row])
    residual = [[_f(v) for v in row] for row in (M.transpose() * S * M).tolist()]
    if residual != _residual_matrix(lam, exact, obj_gram, n, lam[0]):
        raise WorstCaseError("M^T S M is not sum_k lambda_k H_k - H over the leaves: a bug")
    factors = []
    for d, column in certificate.factors:
        carried = fmpq_mat(1, certificate.n_points, [_q(v) for v in column]) * M  # (M^T l)^T
        factors.append((d, tuple(_f(v) for v in carried.entries())))
    return Certificate(bound, n, m, (obj_gram, obj_linear, obj_constant),
                       tuple((label, value, form) for label, value, form in zip(labels, lam, exact) if value),
                       tuple(tuple(row) for row in residual), tuple(factors), described, certificate.factor)
