"""The few linear-algebra operations the engine needs, for an mpmath context or for float64."""

from __future__ import annotations

import numpy as np

from mdtheory.engine.context import is_float64


def as_matrix(ctx, rows):
    return np.array(rows, dtype=np.float64) if is_float64(ctx) else ctx.matrix(rows)


def solve(ctx, matrix, rhs):
    """matrix^{-1} rhs, rhs a vector (list) or a matrix."""
    if is_float64(ctx):
        return np.linalg.solve(np.asarray(matrix, dtype=np.float64), np.asarray(rhs, dtype=np.float64))
    result = ctx.lu_solve(matrix, ctx.matrix(rhs)) if isinstance(rhs, list) else ctx.inverse(matrix) * rhs
    return [result[i] for i in range(result.rows)] if isinstance(rhs, list) else result


def matvec(ctx, matrix, vector):
    if is_float64(ctx):
        return list(np.asarray(matrix) @ np.asarray(vector, dtype=np.float64))
    product = matrix * ctx.matrix(vector)
    return [product[i] for i in range(product.rows)]


def norm(ctx, vector):
    if is_float64(ctx):
        return np.float64(np.linalg.norm(np.asarray(vector, dtype=np.float64)))
    return ctx.sqrt(ctx.fsum(v * v for v in vector))


def difference_norm(ctx, a, b):
    return norm(ctx, [ai - bi for ai, bi in zip(a, b)])
