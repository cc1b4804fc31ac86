"""Compile sympy expressions into Python functions over a precision context.

The generated source is printed by sympy's MpmathPrinter after common-subexpression elimination, and the
context is passed in under the name ``mpmath``, so the same compiled function runs at any precision and
in float64. Symbols are renamed to positional names first: user-chosen symbol names never reach the
generated source. A derived geometry or model (``symbolic.model``) is compiled once, and that one
compilation serves every backend.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from mdtheory.symbolic.model import Geometry, Model


class _KernelPrinter(MpmathPrinter):
    """Powers with a non-constant exponent go through the context's ``power`` (which the high-precision
    context guards against unbounded arguments) instead of Python's ``**``."""

    # Nonsmooth objectives (abs, max, min): their derivatives, printed with comparisons that every context's
    # numbers support. sign(0) = 0 and Heaviside(0) = 1/2 are the subgradient choices (see symbolic.objectives).
    def _print_sign(self, expr):
        a = self._print(expr.args[0])
        return f"(1 if ({a}) > 0 else (-1 if ({a}) < 0 else 0))"

    def _print_Heaviside(self, expr):
        a = self._print(expr.args[0])
        return f"(1 if ({a}) > 0 else (0 if ({a}) < 0 else mpmath.mpf(1)/2))"

    def _print_DiracDelta(self, expr):
        return "0"  # the second derivative of a kink, away from the kink: the almost-everywhere Hessian

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Number:
            return super()._print_Pow(expr, rational=rational)
        return f"mpmath.power({self._print(expr.base)}, {self._print(expr.exp)})"


class CompiledExpressions:
    """``f(ctx, *values) -> list`` evaluating ``expressions`` at ``arguments`` = values."""

    def __init__(self, expressions: Sequence[sp.Expr], arguments: Sequence[sp.Symbol]):
        self.size = len(expressions)
        names = [sp.Symbol(f"a{i}") for i in range(len(arguments))]
        if any(isinstance(e, str) for e in expressions):
            raise TypeError("CompiledExpressions takes sympy expressions; parse text with parse_expression first")
        renamed = [sp.sympify(e).xreplace(dict(zip(arguments, names))) for e in expressions]
        replacements, reduced = sp.cse(renamed, symbols=sp.numbered_symbols("c"))
        printer = _KernelPrinter({"fully_qualified_modules": True})
        lines = [f"def _compiled({', '.join(['mpmath', *map(str, names)])}):"]
        lines += [f"    {lhs} = {printer.doprint(rhs)}" for lhs, rhs in replacements]
        lines.append(f"    return [{', '.join(printer.doprint(e) for e in reduced)}]")
        self.source = "\n".join(lines)
        namespace: dict = {}
        exec(compile(self.source, "<mdtheory-kernel>", "exec"), namespace)  # generated code, not user text
        self._function = namespace["_compiled"]

    def __call__(self, ctx, *values) -> list:
        return self._function(ctx, *values)


def compile_matrix(matrix: sp.Matrix, arguments: Sequence[sp.Symbol]):
    """A compiled function returning the matrix's rows as nested lists."""
    rows, cols = matrix.shape
    flat = CompiledExpressions(list(matrix), arguments)

    def evaluate(ctx, *values):
        entries = flat(ctx, *values)
        return [entries[i * cols:(i + 1) * cols] for i in range(rows)]

    return evaluate


class CompiledGeometry:
    """A derived geometry's maps as compiled functions of (ctx, *x); rarely used ones compile on first use."""

    def __init__(self, geometry: Geometry):
        x = geometry.variables
        self.geometry = geometry
        self.mirror_map = CompiledExpressions(list(geometry.mirror_map), x)
        self.hessian = compile_matrix(geometry.hessian, x)
        # Newton for a separable phi needs grad phi and the curvature at the same point: compiled together,
        # they share subexpressions.
        self.curvature = self.mirror_map_and_curvature = None
        if geometry.separable:
            self.curvature = CompiledExpressions(list(geometry.curvature), x)
            self.mirror_map_and_curvature = CompiledExpressions([*geometry.mirror_map, *geometry.curvature], x)
        inverse = geometry.inverse
        self.inverse = (CompiledExpressions(list(inverse.expressions), inverse.dual_variables)
                        if inverse.is_closed_form else None)

    @functools.cached_property
    def phi(self) -> CompiledExpressions:
        return CompiledExpressions([self.geometry.phi], self.geometry.variables)


class CompiledModel:
    """A derived model's maps compiled: objective maps take (ctx, *x, *params), step maps (ctx, *x, eta, *params)."""

    def __init__(self, model: Model):
        objective_args = [*model.variables, *model.parameters]
        self.model = model
        self.geometry = compiled_geometry(model.geometry)
        self.objective = CompiledExpressions([model.objective], objective_args)
        self.objective_hessian = compile_matrix(model.objective_hessian, objective_args)
        self.dual_step = CompiledExpressions(list(model.dual_step), model.step_arguments)
        self.step = None if model.step is None else CompiledExpressions(list(model.step), model.step_arguments)
        self.step_jacobian = (None if model.step_jacobian is None
                              else compile_matrix(model.step_jacobian, model.step_arguments))

    @functools.cached_property
    def objective_gradient(self) -> CompiledExpressions:
        return CompiledExpressions(list(self.model.objective_gradient), [*self.model.variables, *self.model.parameters])


@functools.cache
def compiled_geometry(geometry: Geometry) -> CompiledGeometry:
    """The one compilation of ``geometry``: the generated code takes its context, so it serves every backend."""
    return CompiledGeometry(geometry)


@functools.cache
def compiled_model(model: Model) -> CompiledModel:
    """The one compilation of ``model`` (see ``compiled_geometry``)."""
    return CompiledModel(model)
