"""Objective oracles evaluated at matrix level.

``MatrixObjectiveOracle`` evaluates the matrix expressions sympy derived for a ``MatrixObjective``
(f, grad f = A^T (A x - b), Hess f w = A^T (A w)) with each backend's own matrices: numpy for float64,
mpmath matrices for the reference, flint ``arb_mat`` (C loops) for the fast backend. Products are taken
right to left, so a chain ending in a vector costs matrix-vector products only. The data matrices are
rounded into a context once and kept.
"""

from __future__ import annotations

import sympy as sp

from mdtheory.engine.objective import ObjectiveOracle
from mdtheory.symbolic.matrix_objectives import MatrixObjective


class MatrixObjectiveOracle(ObjectiveOracle):
    """Value, gradient and Hessian(-vector products) of a ``MatrixObjective`` (no parameters)."""

    def __init__(self, objective: MatrixObjective):
        self.objective = objective
        self._direction = sp.MatrixSymbol("mdtheory_w", objective.dim, 1)
        self._hessian_vector = objective.hessian * self._direction
        self._bound: dict = {}

    def _environment(self, ctx, x, extra=None):
        key = (ctx.name, ctx.prec)
        if key not in self._bound:
            data = {symbol: ctx.as_matrix([[ctx.exact(value[i, j]) for j in range(value.cols)] for i in range(value.rows)])
                    for symbol, value in self.objective.data}
            # Transposes of the data are taken once here rather than at every evaluation.
            self._bound[key] = {**data, **{sp.Transpose(s): ctx.transpose(m) for s, m in data.items()}}
        env = dict(self._bound[key])
        env[self.objective.x] = ctx.column(x)
        if extra is not None:
            env[self._direction] = ctx.column(extra)
        return env

    def value(self, ctx, x, params=()):
        return ctx.column_entries(_evaluate(self.objective.expr, self._environment(ctx, x), ctx))[0]

    def gradient(self, ctx, x, params=()) -> list:
        return ctx.column_entries(_evaluate(self.objective.gradient, self._environment(ctx, x), ctx))

    def hessian(self, ctx, x, params=()) -> list:
        return ctx.rows_of(_evaluate(self.objective.hessian, self._environment(ctx, x), ctx))

    def hessian_vector(self, ctx, x, params, w) -> list:
        return ctx.column_entries(_evaluate(self._hessian_vector, self._environment(ctx, x, extra=w), ctx))


def _evaluate(expr, env, ctx):
    if expr in env:
        return env[expr]
    if isinstance(expr, sp.Transpose):
        return ctx.transpose(_evaluate(expr.arg, env, ctx))
    if isinstance(expr, sp.MatAdd):
        terms = [_evaluate(term, env, ctx) for term in expr.args]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total
    if isinstance(expr, sp.MatMul):
        scalar, factors = expr.as_coeff_matrices()
        result = _evaluate(factors[-1], env, ctx)
        for factor in reversed(factors[:-1]):
            result = ctx.matmul(_evaluate(factor, env, ctx), result)
        return result if scalar == 1 else _scale(ctx, scalar, result)
    raise NotImplementedError(f"matrix expression {type(expr).__name__} ({expr}) is not supported by the oracle")


def _scale(ctx, scalar, matrix):
    if scalar == -1:
        return ctx.negate(matrix)
    return ctx.exact(sp.Rational(scalar)) * matrix
