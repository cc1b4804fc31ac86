"""The few linear-algebra operations the engine needs, for an mpmath context, arb (arb_mat) or float64."""

from __future__ import annotations

import numpy as np

from mdtheory.engine.context import is_arb, is_float64


def as_matrix(ctx, rows):
    if is_float64(ctx):
        return np.array(rows, dtype=np.float64)
    return ctx.matrix([[ctx.mpf(v) for v in row] for row in rows]) if is_arb(ctx) else ctx.matrix(rows)


SMALL = 8  # below this size, plain elimination on lists beats mpmath's matrix machinery


def solve(ctx, matrix, rhs):
    """matrix^{-1} rhs, rhs a vector (list) or a matrix."""
    if is_float64(ctx):
        return np.linalg.solve(np.asarray(matrix, dtype=np.float64), np.asarray(rhs, dtype=np.float64))
    if is_arb(ctx):
        from flint import arb_mat

        column = isinstance(rhs, list)
        result = matrix.solve(arb_mat([[v] for v in rhs]) if column else rhs)
        return [result[i, 0] for i in range(result.nrows())] if column else result
    if matrix.rows <= SMALL:
        rows = matrix.tolist()
        columns = [list(rhs)] if isinstance(rhs, list) else [[rhs[i, j] for i in range(rhs.rows)] for j in range(rhs.cols)]
        solutions = [_eliminate(ctx, rows, column) for column in columns]
        if isinstance(rhs, list):
            return solutions[0]
        return ctx.matrix([[solutions[j][i] for j in range(rhs.cols)] for i in range(rhs.rows)])
    result = ctx.lu_solve(matrix, ctx.matrix(rhs)) if isinstance(rhs, list) else ctx.inverse(matrix) * rhs
    return [result[i] for i in range(result.rows)] if isinstance(rhs, list) else result


def _eliminate(ctx, rows, column):
    """Gaussian elimination with partial pivoting; raises ZeroDivisionError on a singular matrix."""
    n = len(rows)
    a = [list(row) + [column[i]] for i, row in enumerate(rows)]
    for k in range(n):
        pivot = max(range(k, n), key=lambda i: abs(a[i][k]))
        if a[pivot][k] == 0:
            raise ZeroDivisionError("matrix is numerically singular")
        a[k], a[pivot] = a[pivot], a[k]
        for i in range(k + 1, n):
            factor = a[i][k] / a[k][k]
            if factor:
                for j in range(k, n + 1):
                    a[i][j] -= factor * a[k][j]
    solution = [ctx.mpf(0)] * n
    for i in range(n - 1, -1, -1):
        solution[i] = (a[i][n] - ctx.fsum(a[i][j] * solution[j] for j in range(i + 1, n))) / a[i][i]
    return solution


def matvec(ctx, matrix, vector):
    if is_float64(ctx):
        return list(np.asarray(matrix) @ np.asarray(vector, dtype=np.float64))
    if is_arb(ctx):
        from flint import arb_mat

        product = matrix * arb_mat([[v] for v in vector])
        return [product[i, 0] for i in range(product.nrows())]
    product = matrix * ctx.matrix(vector)
    return [product[i] for i in range(product.rows)]


def norm(ctx, vector):
    if is_float64(ctx):
        return np.float64(np.linalg.norm(np.asarray(vector, dtype=np.float64)))
    return ctx.sqrt(ctx.fsum(v * v for v in vector))


def difference_norm(ctx, a, b):
    return norm(ctx, [ai - bi for ai, bi in zip(a, b)])


def midpoints(ctx, vector):
    """Drop the radii of arb balls (a no-op elsewhere): the fast backend keeps midpoints between steps so
    that radii never compound over a run."""
    return [ctx.midpoint(v) for v in vector] if is_arb(ctx) else vector


def cholesky_pivots(ctx, rows) -> list:
    """The pivots d_k of the LDL^T factorization of a symmetric matrix (given as rows): all positive iff the
    matrix is positive definite. Stops at the first pivot that is not positive (the rest are then 0)."""
    n = len(rows)
    a = [list(row) for row in rows]
    pivots = []
    for k in range(n):
        pivot = a[k][k]
        pivots.append(pivot)
        if not pivot > 0:
            return pivots + [ctx.mpf(0)] * (n - k - 1)
        for i in range(k + 1, n):
            factor = a[i][k] / pivot
            for j in range(k + 1, n):
                a[i][j] -= factor * a[k][j]
    return pivots
