"""Compile sympy expressions into Python functions over a precision context.

The generated source is printed by sympy's MpmathPrinter after common-subexpression elimination, and the
context is passed in under the name ``mpmath``, so the same compiled function runs at any precision and
in float64. A derived geometry or model (``symbolic.model``) is compiled once, and that one compilation
serves every backend.

The source is executed, so what reaches it is controlled, whatever sympy objects a Python caller passes:
every free symbol must be one of the arguments, and each argument is renamed to a generated identifier
(a0, a1, ...), so no user-chosen name reaches the source; and the printed source is parsed back and
refused unless it is made only of arithmetic, comparisons and conditional expressions on those arguments,
the subexpressions it assigns (c0, c1, ...), and the context's functions in ``KERNEL_FUNCTIONS``. A
sympy object that prints itself (a ``_mpmathcode`` method) or a symbol named with Python code therefore
cannot run anything.
"""

from __future__ import annotations

import ast
import builtins
import functools
from collections.abc import Sequence

import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from mdtheory.errors import ExpressionError
from mdtheory.symbolic.model import Geometry, Model

CONTEXT = "mpmath"  # the name the generated function gives its context argument
# The context's functions and constants generated code may use: mpmath's names for what the printer emits for
# the elementary and the common special functions, with ``power`` and ``mpf``. The mpmath and arb contexts
# offer all of them; float64 (numpy) lacks gamma, loggamma, erf and erfc and fails where a kernel calls them.
KERNEL_FUNCTIONS = frozenset({
    "mpf", "power", "sqrt", "exp", "expm1", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "hypot", "sign", "floor", "ceil", "gamma", "loggamma",
    "erf", "erfc", "pi", "e", "inf", "ninf",
})
KERNEL_BUILTINS = frozenset({"abs", "max", "min"})  # Python's, printed for Abs, Max and Min
# The syntax of generated code: one function of assignments and a return of a list, over numbers.
_KERNEL_SYNTAX = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Assign, ast.Return, ast.Name, ast.Load, ast.Store,
    ast.Constant, ast.List, ast.Tuple, ast.Call, ast.Attribute, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare,
    ast.BoolOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.USub, ast.UAdd, ast.Not, ast.And,
    ast.Or, ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq,
)
_QUOTED = 80  # characters of an offending object quoted in a refusal


def _quote(thing) -> str:
    text = repr(str(thing))
    return text if len(text) <= _QUOTED else text[:_QUOTED] + "...'"


def _refuse(what: str) -> ExpressionError:
    return ExpressionError(f"an expression cannot be compiled: {what}. Generated code may use only its arguments, "
                           f"arithmetic, comparisons and the context's functions ({', '.join(sorted(KERNEL_FUNCTIONS))})")


def check_generated_source(source: str, names: set[str]) -> None:
    """Refuse ``source`` unless it is a kernel: one function whose names are ``names`` (its context, arguments
    and assigned subexpressions), Python's abs/max/min, and ``mpmath.F`` for F in KERNEL_FUNCTIONS, combined by
    the syntax in _KERNEL_SYNTAX with int and float constants only."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise _refuse(f"the printed code is not valid Python ({err.msg})") from None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef) or tree.body[0].decorator_list:
        raise _refuse("the printed code is more than one function")
    for node in ast.walk(tree):
        if not isinstance(node, _KERNEL_SYNTAX):
            raise _refuse(f"the printed code contains a {type(node).__name__} ({_quote(ast.unparse(node))})")
        if isinstance(node, ast.Name) and node.id not in names and node.id not in KERNEL_BUILTINS:
            raise _refuse(f"the printed code uses the name {_quote(node.id)}")
        if isinstance(node, ast.Attribute) and not (
                isinstance(node.value, ast.Name) and node.value.id == CONTEXT and node.attr in KERNEL_FUNCTIONS):
            raise _refuse(f"the printed code uses {_quote(ast.unparse(node))}, not one of the context's functions")
        if isinstance(node, ast.Call) and (node.keywords or not (
                isinstance(node.func, ast.Attribute) or (isinstance(node.func, ast.Name)
                                                         and node.func.id in KERNEL_BUILTINS))):
            raise _refuse(f"the printed code makes the call {_quote(ast.unparse(node))}")
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
            raise _refuse(f"the printed code contains the constant {_quote(repr(node.value))}")


class _KernelPrinter(MpmathPrinter):
    """Powers with a non-constant exponent go through the context's ``power`` (which the high-precision
    context guards against unbounded arguments) instead of Python's ``**``."""

    # Nonsmooth objectives (abs, max, min): their derivatives, printed with comparisons that every context's
    # numbers support. sign(0) = 0 and Heaviside(0) = 1/2 are the subgradient choices (see symbolic.objectives);
    # a Heaviside written with another value at 0 (its second argument) keeps that value.
    def _print_sign(self, expr):
        a = self._print(expr.args[0])
        return f"(1 if ({a}) > 0 else (-1 if ({a}) < 0 else 0))"

    def _print_Heaviside(self, expr):
        a = self._print(expr.args[0])
        at_zero = self._print(expr.args[1] if len(expr.args) > 1 else sp.Rational(1, 2))
        return f"(1 if ({a}) > 0 else (0 if ({a}) < 0 else {at_zero}))"

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


def _as_sympy(expression) -> sp.Basic:
    # Never sympify: for an object it does not know, sympify parses str(object) as Python.
    if isinstance(expression, str):
        raise TypeError("CompiledExpressions takes sympy expressions; parse text with parse_expression first")
    if isinstance(expression, int) and not isinstance(expression, bool):
        return sp.Integer(expression)
    if not isinstance(expression, sp.Basic):
        raise ExpressionError(f"an expression to compile must be a sympy expression, got {type(expression).__name__}")
    return expression


def _lazy_piecewise(expressions: list) -> tuple[list, list]:
    """(expressions with each outermost Piecewise replaced by a placeholder, [(placeholder, Piecewise)]).
    Common-subexpression elimination would hoist a branch's subexpressions out of the conditional, evaluating
    a branch the condition excludes (a division by zero at a kink the Piecewise exists to avoid); the
    Piecewise is printed whole instead, so only its chosen branch runs."""
    pieces: dict = {}
    for expression in expressions:
        walk = sp.preorder_traversal(expression)
        for node in walk:
            if isinstance(node, sp.Piecewise):
                pieces.setdefault(node, sp.Symbol(f"p{len(pieces)}"))
                walk.skip()  # a Piecewise inside it stays inside it, evaluated only on its branch
    replaced = [e.xreplace(pieces) for e in expressions] if pieces else expressions
    return replaced, [(symbol, piecewise) for piecewise, symbol in pieces.items()]


class CompiledExpressions:
    """``f(ctx, *values) -> list`` evaluating ``expressions`` at ``arguments`` = values."""

    def __init__(self, expressions: Sequence[sp.Expr], arguments: Sequence[sp.Symbol]):
        self.size = len(expressions)
        expressions = [_as_sympy(e) for e in expressions]
        arguments = list(arguments)
        odd = next((a for a in arguments if not isinstance(a, sp.Symbol)), None)
        if odd is not None:
            raise ExpressionError(f"an argument to compile must be a sympy Symbol, got {type(odd).__name__}")
        if len(set(arguments)) != len(arguments):
            raise ExpressionError(f"the arguments ({', '.join(_quote(a) for a in arguments[:8])}) repeat a symbol")
        # A free symbol that is not an argument would be printed under its own name, which is then Python
        # code (or a name of the generated function's: a0, c0, mpmath) rather than a value.
        stray = set().union(*(e.free_symbols for e in expressions)) - set(arguments)
        if stray:
            raise ExpressionError(
                f"an expression to compile uses the symbol{'s' if len(stray) > 1 else ''} "
                f"{', '.join(sorted(_quote(s) for s in stray)[:5])}, not among its arguments "
                f"({', '.join(_quote(a) for a in arguments[:8])}); substitute a value or declare it as a parameter")
        names = [sp.Symbol(f"a{i}") for i in range(len(arguments))]
        renamed = [e.xreplace(dict(zip(arguments, names))) for e in expressions]
        renamed, pieces = _lazy_piecewise(renamed)
        replacements, reduced = sp.cse(renamed, symbols=sp.numbered_symbols("c"))
        printer = _KernelPrinter({"fully_qualified_modules": True})
        try:
            lines = [f"def _compiled({', '.join([CONTEXT, *map(str, names)])}):"]
            lines += [f"    {symbol} = {printer.doprint(piecewise)}" for symbol, piecewise in pieces]
            lines += [f"    {lhs} = {printer.doprint(rhs)}" for lhs, rhs in replacements]
            lines.append(f"    return [{', '.join(printer.doprint(e) for e in reduced)}]")
        except (NotImplementedError, KeyError, TypeError, ValueError) as err:
            # sympy's printer has no translation (an undefined function, re(x), zoo, an indefinite integral)
            raise _refuse(f"sympy's printer cannot translate it ({type(err).__name__}: "
                          f"{_quote(str(err).splitlines()[0] if str(err) else '')})") from None
        self.source = "\n".join(lines)
        check_generated_source(self.source, {CONTEXT, *map(str, names), *(str(s) for s, _ in pieces),
                                             *(str(lhs) for lhs, _ in replacements)})
        namespace: dict = {"__builtins__": {name: getattr(builtins, name) for name in KERNEL_BUILTINS}}
        exec(compile(self.source, "<mdtheory-kernel>", "exec"), namespace)  # checked by check_generated_source
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
