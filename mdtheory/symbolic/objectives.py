"""Objectives f as sympy expressions over the regularizer's variables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from mdtheory.errors import ExpressionError
from mdtheory.symbolic.parsing import as_expression, exact_number, exact_real, parse_expression


@dataclass(frozen=True)
class Objective:
    """f over the variables. A nonsmooth convex f (abs, max of affine pieces) gets the subgradient that
    sympy's derivative gives at a kink: sign(0) = 0 for |x| (0 is in [-1, 1]) and, through Heaviside(0) = 1/2,
    the average of the two active pieces' gradients at a tie of max; its Hessian is the one that holds almost
    everywhere (the DiracDelta terms at kinks are dropped), so a tangent through a kink follows the piece
    the run is on."""

    name: str
    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "parameters", tuple(self.parameters))
        symbols = {str(v): v for v in (*self.variables, *self.parameters)}
        object.__setattr__(self, "expr", as_expression(self.expr, symbols, f"objective {self.name!r}"))
        stray = self.expr.free_symbols - set(self.variables) - set(self.parameters)
        if stray:
            raise ExpressionError(
                f"objective {self.name!r} uses {sorted(map(str, stray))}, which are not variables "
                f"{[str(v) for v in self.variables]}"
            )
        constant = non_real_constant(self.expr)
        if constant is not None:
            raise ExpressionError(
                f"objective {self.name!r} = {sp.sstr(self.expr)[:80]} contains the constant {sp.sstr(constant)[:40]}, "
                "which is not a finite real number (the log of a negative number or of 0, the sqrt of a negative "
                "number, ...); an objective must be real: correct the constant"
            )

    @property
    def gradient(self) -> sp.Matrix:
        return sp.Matrix([sp.diff(self.expr, v) for v in self.variables])

    @property
    def hessian(self) -> sp.Matrix:
        return sp.hessian(self.expr, self.variables).replace(sp.DiracDelta, lambda *args: sp.Integer(0))


def non_real_constant(expr: sp.Expr) -> sp.Expr | None:
    """The first maximal constant subexpression of ``expr`` (no variables in it) that is not a finite real
    number, such as I*pi from log(-1) or zoo from log(0); None when every constant is finite and real."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if node.free_symbols:
            stack.extend(node.args)
        elif node.is_real is False or node.is_finite is False or node.has(sp.zoo, sp.nan):
            return node
    return None


def _vector(values: Sequence) -> sp.Matrix:
    return sp.Matrix([exact_real(v) for v in values])


def _matrix(rows: Sequence[Sequence]) -> sp.Matrix:
    return sp.Matrix([[exact_real(a) for a in row] for row in rows])


def linear(variables: Sequence[sp.Symbol], c: Sequence) -> Objective:
    """f(x) = <c, x>."""
    return Objective("linear", (_vector(c).T * sp.Matrix(variables))[0, 0], variables)


def quadratic(variables: Sequence[sp.Symbol], A: Sequence[Sequence], b: Sequence) -> Objective:
    """f(x) = ||A x - b||^2 / 2."""
    residual = _matrix(A) * sp.Matrix(variables) - _vector(b)
    return Objective("quadratic", sp.expand((residual.T * residual)[0, 0] / 2), variables)


def logistic(variables: Sequence[sp.Symbol], features: Sequence[Sequence], labels: Sequence) -> Objective:
    """f(x) = sum_k log(1 + exp(-y_k <a_k, x>)), labels y_k in {-1, +1}."""
    rows = _matrix(features)
    ys = [exact_number(y) for y in labels]
    if any(y not in (1, -1) for y in ys):
        raise ExpressionError(f"logistic labels must be +1 or -1, got {[str(y) for y in ys]}")
    x = sp.Matrix(variables)
    return Objective(
        "logistic", sum(sp.log(1 + sp.exp(-y * (rows[k, :] * x)[0, 0])) for k, y in enumerate(ys)), variables
    )


def from_text(text: str, variables: Sequence[sp.Symbol], name: str = "user") -> Objective:
    """A user objective from expression text in the given variables, parsed safely."""
    return Objective(name, parse_expression(text, {str(v): v for v in variables}), variables)
