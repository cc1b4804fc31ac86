"""Objectives written with matrix symbols and differentiated by sympy's matrix calculus.

For 0.5 ||A x - b||^2 with a dense 100 x 100 A, a coordinate-wise derivation expands ten thousand terms and
differentiates each; at matrix level sympy returns grad f = A^T (A x - b) and Hess f = A^T A at once,
whatever d is. The engine evaluates those matrix expressions with its own matrix arithmetic
(``mdtheory.engine.oracles.MatrixObjectiveOracle``); the explicit scalar objective is still available, for
small d, to check the oracle against.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from mdtheory.errors import ExpressionError
from mdtheory.symbolic.objectives import Objective
from mdtheory.symbolic.parsing import exact_number


@dataclass(frozen=True)
class MatrixObjective:
    """f(x), x a d x 1 MatrixSymbol, ``expr`` a 1 x 1 matrix expression; ``data`` binds each other
    MatrixSymbol in it to an exact matrix."""

    name: str
    expr: sp.MatrixExpr
    x: sp.MatrixSymbol
    data: tuple[tuple[sp.MatrixSymbol, sp.ImmutableMatrix], ...]

    def __post_init__(self):
        if self.expr.shape != (1, 1):
            raise ExpressionError(f"a matrix objective must be 1 x 1, {self.name!r} is {self.expr.shape}")
        bound = {symbol for symbol, _ in self.data} | {self.x}
        stray = {s for s in self.expr.atoms(sp.MatrixSymbol)} - bound
        if stray:
            raise ExpressionError(f"objective {self.name!r} uses unbound matrices {sorted(map(str, stray))}")
        for symbol, value in self.data:
            if symbol.shape != value.shape:
                raise ExpressionError(f"{symbol} is {symbol.shape} but its data is {value.shape}")

    @property
    def dim(self) -> int:
        return self.x.shape[0]

    @functools.cached_property
    def gradient(self) -> sp.MatrixExpr:
        return sp.diff(self.expr, self.x)

    @functools.cached_property
    def hessian(self) -> sp.MatrixExpr:
        return sp.diff(self.gradient, self.x)

    def scalar_objective(self, variables: Sequence[sp.Symbol]) -> Objective:
        """The same f as an explicit expression in ``variables`` (the record the MD problem carries; for
        small d it is compiled and compared with the matrix-level oracle)."""
        if len(variables) != self.dim:
            raise ExpressionError(f"{self.name!r} has dimension {self.dim}, {len(variables)} variables given")
        explicit = self.expr.xreplace({self.x: sp.ImmutableMatrix(variables), **dict(self.data)})
        return Objective(self.name, sp.Matrix(explicit.doit())[0, 0], tuple(variables))


def least_squares(dim: int, A: Sequence[Sequence], b: Sequence) -> MatrixObjective:
    """f(x) = ||A x - b||^2 / 2 with exact A (m x d) and b (m)."""
    A_exact = sp.ImmutableMatrix([[exact_number(a) for a in row] for row in A])
    b_exact = sp.ImmutableMatrix([exact_number(v) for v in b])
    m = A_exact.shape[0]
    if A_exact.shape[1] != dim or b_exact.shape[0] != m:
        raise ExpressionError(f"A is {A_exact.shape} and b has {b_exact.shape[0]} entries; need A m x {dim}, b m")
    x, A_symbol, b_symbol = sp.MatrixSymbol("x", dim, 1), sp.MatrixSymbol("A", m, dim), sp.MatrixSymbol("b", m, 1)
    residual = A_symbol * x - b_symbol
    return MatrixObjective("least_squares", residual.T * residual / 2, x,
                           ((A_symbol, A_exact), (b_symbol, b_exact)))
