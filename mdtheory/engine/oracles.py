"""Objective oracles evaluated at matrix level.

``MatrixObjectiveOracle`` evaluates the matrix expressions sympy derived for a ``MatrixObjective``
(f, grad f = A^T (A x - b), Hess f w = A^T (A w)) with each backend's own matrices: numpy for float64,
mpmath matrices for the reference, flint ``arb_mat`` (C loops) for the fast backend. Products are taken
right to left, so a chain ending in a vector costs matrix-vector products only. The data matrices are
rounded into a context once and kept.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from mdtheory.engine.context import is_arb, is_float64, to_context
from mdtheory.engine.kernels import ObjectiveOracle
from mdtheory.symbolic.matrix_objectives import MatrixObjective


class _Algebra:
    """Matrices of one context: built from exact entries or a vector, multiplied, added, transposed."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.kind = "float64" if is_float64(ctx) else "arb" if is_arb(ctx) else "mpmath"

    def number(self, value):
        return np.float64(float(value)) if self.kind == "float64" else to_context(self.ctx, value)

    def exact(self, matrix: sp.ImmutableMatrix):
        rows = [[self.number(matrix[i, j]) for j in range(matrix.cols)] for i in range(matrix.rows)]
        return np.array(rows, dtype=np.float64) if self.kind == "float64" else self.ctx.matrix(rows)

    def column(self, vector):
        if self.kind == "float64":
            return np.asarray(vector, dtype=np.float64).reshape(-1, 1)
        return self.ctx.matrix([[v] for v in vector])

    def entries(self, matrix) -> list:
        if self.kind == "float64":
            return list(matrix[:, 0])
        if self.kind == "arb":
            return [matrix[i, 0] for i in range(matrix.nrows())]
        return [matrix[i, 0] for i in range(matrix.rows)]

    def rows(self, matrix) -> list:
        if self.kind == "float64":
            return [list(row) for row in matrix]
        return matrix.tolist()

    def product(self, a, b):
        return a @ b if self.kind == "float64" else a * b

    def transpose(self, a):
        return a.transpose() if self.kind == "arb" else a.T


class MatrixObjectiveOracle(ObjectiveOracle):
    """Value, gradient and Hessian(-vector products) of a ``MatrixObjective`` (no parameters)."""

    def __init__(self, objective: MatrixObjective):
        self.objective = objective
        self._direction = sp.MatrixSymbol("mdtheory_w", objective.dim, 1)
        self._hessian_vector = objective.hessian * self._direction
        self._bound: dict = {}

    def _environment(self, ctx, x, extra=None):
        algebra = _Algebra(ctx)
        key = (algebra.kind, ctx.prec)
        if key not in self._bound:
            data = {symbol: algebra.exact(value) for symbol, value in self.objective.data}
            # Transposes of the data are taken once here rather than at every evaluation.
            self._bound[key] = {**data, **{sp.Transpose(s): algebra.transpose(m) for s, m in data.items()}}
        env = dict(self._bound[key])
        env[self.objective.x] = algebra.column(x)
        if extra is not None:
            env[self._direction] = algebra.column(extra)
        return algebra, env

    def value(self, ctx, x, params=()):
        algebra, env = self._environment(ctx, x)
        return algebra.entries(_evaluate(self.objective.expr, env, algebra))[0]

    def gradient(self, ctx, x, params=()) -> list:
        algebra, env = self._environment(ctx, x)
        return algebra.entries(_evaluate(self.objective.gradient, env, algebra))

    def hessian(self, ctx, x, params=()) -> list:
        algebra, env = self._environment(ctx, x)
        return algebra.rows(_evaluate(self.objective.hessian, env, algebra))

    def hessian_vector(self, ctx, x, params, w) -> list:
        algebra, env = self._environment(ctx, x, extra=w)
        return algebra.entries(_evaluate(self._hessian_vector, env, algebra))


def _evaluate(expr, env, algebra: _Algebra):
    if expr in env:
        return env[expr]
    if isinstance(expr, sp.Transpose):
        return algebra.transpose(_evaluate(expr.arg, env, algebra))
    if isinstance(expr, sp.MatAdd):
        terms = [_evaluate(term, env, algebra) for term in expr.args]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total
    if isinstance(expr, sp.MatMul):
        scalar, factors = expr.as_coeff_matrices()
        result = _evaluate(factors[-1], env, algebra)
        for factor in reversed(factors[:-1]):
            result = algebra.product(_evaluate(factor, env, algebra), result)
        return result if scalar == 1 else _scale(algebra, scalar, result)
    raise NotImplementedError(f"matrix expression {type(expr).__name__} ({expr}) is not supported by the oracle")


def _scale(algebra: _Algebra, scalar, matrix):
    if scalar == -1:
        return -matrix if algebra.kind != "mpmath" else matrix * -1
    return algebra.number(sp.Rational(scalar)) * matrix
