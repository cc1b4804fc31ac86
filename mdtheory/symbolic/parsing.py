"""Safe parsing of user expressions into sympy.

User text is never evaluated. It is parsed by Python's ``ast`` module and the tree is walked against an
allow-list of node types, names and functions; anything else is refused with the offending piece named.
Float literals are turned into the exact decimal they spell (``0.1`` becomes ``1/10``) with a warning,
because a binary float would freeze the constant at 53 bits.

Work is bounded before it is done: the text's length, the tree's depth, the size of every exact number
(a literal, or a power of numbers, is refused before sympy builds a gigantic integer) and the nesting of
exponential functions (exp(exp(exp(x))) exceeds every representable number for moderate x) are limited,
and each refusal names the limit.

An expression is a real, finite function: a power or a function value that sympy shows to be infinite,
undefined or complex (log(0), 0**(-1), sqrt(-1), log(-T) for T > 0) is refused where it appears, and a
name that is a Python keyword (lambda) is called a reserved word.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
import warnings
from collections.abc import Mapping

import sympy as sp

from mdtheory.errors import ExpressionError, FloatLiteralWarning

MAX_EXPRESSION_LENGTH = 20_000
MAX_DEPTH = 200  # nodes from the root to the deepest leaf; deeper trees exhaust Python's recursion
# An exponent this large on a literal makes sympy build a gigantic integer before anything can stop it.
MAX_LITERAL_EXPONENT = 10_000
MAX_NUMBER_BITS = 100_000  # numerator or denominator of an exact constant (about 30,000 decimal digits)
MAX_DECIMAL_EXPONENT = 10_000  # 1e-10000 is allowed, 1e-99999999 is not
MAX_LITERAL_CHARACTERS = 1000
BRIEF = 80  # characters of a literal, an expression or a rational quoted in a warning
MAX_EXPONENTIAL_NESTING = 2  # exp(exp(x)) is allowed, exp(exp(exp(x))) is not
MAX_EXPONENTIAL_CONSTANT = 10**6  # exp(c) of a constant c: |c| at most this

FUNCTIONS: Mapping[str, object] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "Abs": sp.Abs,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh,
    "softplus": lambda t: sp.log(1 + sp.exp(t)),
}
# max and min take two or more arguments (a max of affine functions is the usual nonsmooth convex f)
VARIADIC: Mapping[str, object] = {"max": sp.Max, "min": sp.Min}
CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
# The syntax is Python's, so its keywords (lambda, in, is, ...) cannot stand for a variable or a constant.
RESERVED_WORDS = frozenset(keyword.kwlist)
NOT_FINITE = (sp.zoo, sp.oo, -sp.oo, sp.nan)  # what log(0), 0**(-1), 0*log(0) evaluate to
INDEX_SUM = "sum_i"  # sum_i(term): the sum of term over the coordinates (see parse_expression's ``indexed``)

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def reserved_word(name: str) -> str | None:
    """Why ``name`` cannot be declared as a variable, constant or parameter: it is a reserved word of the
    expression syntax, which no expression could refer to; None for a usable name."""
    if name not in RESERVED_WORDS:
        return None
    return (f"{name!r} is a reserved word of the expression syntax (a Python keyword), so no expression could "
            f"refer to it; pick another name, such as {name}_")


def exact_number(text: str | int | sp.Rational) -> sp.Rational:
    """An exact rational from a decimal or fraction string ("1e-12", "1/4", "0.125") or an int, for a number
    that must be rational (exact rational arithmetic, float screens); ``exact_real`` also reads closed forms.

    Python floats are refused: by the time a float arrives, its decimal meaning is already lost.
    """
    if isinstance(text, bool):
        raise ExpressionError(f"expected a number, got the boolean {text!r}")
    if isinstance(text, float):
        raise ExpressionError(
            f"got the Python float {text!r}; pass numbers as exact strings such as \"{text!r}\" or "
            "\"1/10\", so that the constant is not frozen at 53 bits"
        )
    if isinstance(text, (int, sp.Integer, sp.Rational)):
        return sp.Rational(text)
    if not isinstance(text, str):
        raise ExpressionError(f"expected a number as an exact string, got {type(text).__name__}")
    try:
        value = parse_expression(text, {}, decimals_are_exact=True)
    except ExpressionError as err:
        raise ExpressionError(
            f"{_brief(text)!r} is not an exact number; write it as a decimal (\"1e-12\", \"0.25\"), a "
            f"fraction (\"1/4\") or rational arithmetic of those (\"1/2 - 1e-6\"): {err}"
        ) from None
    if not isinstance(value, sp.Rational):
        raise ExpressionError(f"{_brief(text)!r} is not a rational number (it evaluates to {_brief(str(value))}), and "
                              "this number must be rational here; give a fraction or a decimal")
    return value


# Exact reals (closed forms such as sqrt(2*log(3))/10): sympy keeps them exact; every context rounds them once.
EVALUATED_CACHE_ENTRIES = 1024  # (closed form, precision) pairs whose evaluation is remembered
EXACT_REAL_FUNCTIONS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.atan, sp.sinh, sp.cosh, sp.tanh, sp.asinh,
                        sp.acosh, sp.atanh, sp.Abs)
EXACT_REAL_CHECK_DIGITS = 30  # a closed form must show this many correct digits to be read (its sign is then known)
# Working digits sympy may spend getting them: a value that cancels below this (log(4) - 2*log(2), which is 0)
# is simplified once, and refused if it is still undecided.
EXACT_REAL_MAX_DIGITS = 2000
MAX_SIMPLIFIED_OPERATIONS = 200  # sympy.simplify on a larger undecided closed form is not bounded in time
MAX_EXACT_REAL_BITS = MAX_NUMBER_BITS  # |value| within 2^(+-this), as a rational's numerator and denominator are
EXACT_REAL_GUARD_DIGITS = 10  # evaluated this far past a context's precision, so that one rounding follows


def exact_real(text: str | int | sp.Expr) -> sp.Expr:
    """An exact real number: a rational (what ``exact_number`` reads) or a closed form of exact numbers in
    sqrt, log, exp, pi, E (and the other functions of ``EXACT_REAL_FUNCTIONS``), ``+ - * /`` and ``**``. Kept
    as an exact sympy number; a rational comes back as a ``sympy.Rational``.

    Refused, with the reason: a value that is not real (sqrt(-1)) or not finite (log(0)), one beyond
    2^(+-MAX_EXACT_REAL_BITS) in size (exp(10**6)), and one whose first EXACT_REAL_CHECK_DIGITS digits cannot
    be computed within EXACT_REAL_MAX_DIGITS working digits (an expression that cancels to 0 and that sympy
    cannot simplify)."""
    if isinstance(text, (bool, float, int, sp.Rational)):
        return exact_number(text)
    if isinstance(text, sp.Expr):
        value = text
    elif isinstance(text, str):
        try:
            value = parse_expression(text, {}, decimals_are_exact=True)
        except ExpressionError as err:
            raise ExpressionError(
                f"{_brief(text)!r} is not an exact number; write it as a decimal (\"1e-12\"), a fraction (\"1/4\") "
                f"or a closed form of those (\"sqrt(2*log(3))/10\", \"pi/4\"): {err}") from None
    else:
        raise ExpressionError(f"expected a number as an exact string, got {type(text).__name__}")
    shown = _brief(text if isinstance(text, str) else str(text))
    if value.free_symbols:
        raise ExpressionError(f"{shown!r} is not a number: it names {', '.join(sorted(map(str, value.free_symbols)))}")
    if value.has(sp.Float):
        raise ExpressionError(f"{shown!r} holds a binary float, whose decimal meaning is lost; give the number exactly")
    if value.is_Rational:
        return exact_number(value)
    foreign = sorted({type(f).__name__ for f in value.atoms(sp.Function) if not isinstance(f, EXACT_REAL_FUNCTIONS)})
    if foreign:
        raise ExpressionError(f"{shown!r} uses {', '.join(foreign)}, which an exact number cannot contain here; state it "
                              "with sqrt, log, exp, pi and arithmetic")
    approximation = _resolved(value, shown)
    if approximation == 0:
        return sp.Integer(0)
    if not approximation.is_real:
        raise ExpressionError(f"{shown!r} is not real (it evaluates to {_brief(str(approximation))}); state a real number")
    magnitude = sp.Abs(approximation)
    if not magnitude.is_finite or abs(float(sp.log(magnitude, 2))) > MAX_EXACT_REAL_BITS:
        raise ExpressionError(f"{shown!r} is larger than 2^{MAX_EXACT_REAL_BITS} or smaller than 2^-{MAX_EXACT_REAL_BITS} "
                              "in size; state it more simply")
    return value


def _resolved(value: sp.Expr, shown: str) -> sp.Expr:
    """value to EXACT_REAL_CHECK_DIGITS correct digits (its sign decided), or 0 where it is exactly 0."""
    from sympy.core.evalf import PrecisionExhausted

    if value.is_zero:
        return sp.Integer(0)
    try:
        return value.evalf(EXACT_REAL_CHECK_DIGITS, strict=True, maxn=EXACT_REAL_MAX_DIGITS)
    except PrecisionExhausted:
        pass
    if sp.count_ops(value) <= MAX_SIMPLIFIED_OPERATIONS and sp.simplify(value) == 0:
        return sp.Integer(0)
    raise ExpressionError(f"{shown!r} cannot be told apart from 0 in {EXACT_REAL_MAX_DIGITS} digits (it cancels, "
                          "and sympy cannot simplify it); state it more simply, e.g. as the number it equals")


@functools.lru_cache(maxsize=EVALUATED_CACHE_ENTRIES)
def evaluated_bits(value: sp.Expr, bits: int) -> tuple:
    """An exact real as an mpf tuple (sign, mantissa, exponent, bitcount) of at least ``bits`` correct bits:
    sympy's evalf, which raises its own working precision until the digits asked for are correct. No mpmath
    context is touched; the caller rounds the tuple once into its own arithmetic."""
    from mpmath.libmp import prec_to_dps

    digits = prec_to_dps(bits) + EXACT_REAL_GUARD_DIGITS
    return sp.Float(value.evalf(digits, strict=True, maxn=digits + EXACT_REAL_MAX_DIGITS))._mpf_


def parse_expression(
    text: str, symbols: Mapping[str, sp.Symbol] | None = None, decimals_are_exact: bool = False,
    indexed: tuple[str, tuple] | None = None,
) -> sp.Expr:
    """Parse ``text`` into a sympy expression over the given symbols, never evaluating it as Python.

    ``symbols`` maps the names the text may use to the sympy symbols (with their assumptions) they stand
    for. Allowed: numbers, those names, ``pi`` and ``E``, ``+ - * / **``, and the functions in
    ``FUNCTIONS``. With ``decimals_are_exact`` (number fields such as eps = "1e-12"), decimal literals
    are read exactly without a warning. ``indexed = (name, variables)`` allows ``sum_i(term)``: the sum over
    i = 1, ..., len(variables) of ``term``, in which ``name_i`` is the i-th variable and ``i`` the index
    (an objective written once for every dimension).
    """
    symbols = dict(symbols or {})
    unusable = next((why for why in map(reserved_word, symbols) if why), None)
    if unusable:
        raise ExpressionError(unusable)
    if not isinstance(text, str):
        raise ExpressionError(f"expected an expression as a string, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long; the limit is {MAX_EXPRESSION_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        words = sorted(set(re.findall(r"[A-Za-z_]\w*", text)) & RESERVED_WORDS)
        why = reserved_word(words[0]) if words else f"{err.msg} at column {err.offset}"
        raise ExpressionError(f"{_brief(text)!r} is not a mathematical expression: {why}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            f"expression of {len(text)} characters is nested too deeply to parse; the limit is {MAX_DEPTH} levels"
        ) from None
    _check_depth(tree.body, text)
    return _Builder(text, symbols, decimals_are_exact, indexed).build(tree.body)


def _check_depth(root: ast.AST, text: str) -> None:
    """Refuse trees deeper than MAX_DEPTH, measured without recursion (the builder recurses)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"expression of {len(text)} characters is nested {MAX_DEPTH}+ levels deep (a long chain such as "
                f"x + x + ... counts one level per term); the limit is {MAX_DEPTH}: simplify or factor it"
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _exponential_nesting(expr: sp.Expr, memo: dict) -> int:
    """How many exponential functions (exp, sinh, cosh, a power with a non-constant exponent) are nested."""
    if not isinstance(expr, sp.Basic) or expr.is_Atom:
        return 0
    if expr not in memo:
        inner = max((_exponential_nesting(a, memo) for a in expr.args), default=0)
        grows = isinstance(expr, (sp.exp, sp.sinh, sp.cosh)) or (isinstance(expr, sp.Pow) and not expr.exp.is_Number)
        memo[expr] = inner + int(grows)
    return memo[expr]


def _number_bits(value: sp.Rational) -> int:
    return max(int(value.p).bit_length(), int(value.q).bit_length())


class _Builder:
    def __init__(self, text: str, symbols: dict[str, sp.Symbol], decimals_are_exact: bool,
                 indexed: tuple[str, tuple] | tuple[()] | None = None):  # (): inside a sum_i
        self.text = text
        self.symbols = symbols
        self.decimals_are_exact = decimals_are_exact
        self.indexed = indexed
        self.nesting: dict = {}

    def refuse(self, node: ast.AST, why: str) -> ExpressionError:
        piece = ast.get_source_segment(self.text.strip(), node) or type(node).__name__
        return ExpressionError(f"in {_brief(self.text)!r}: {_brief(piece)!r} {why}")

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            allowed = ", ".join(sorted(self.symbols)) or "none"
            return_hint = " (it is a function: call it)" if node.id in FUNCTIONS else ""
            raise self.refuse(node, f"is not a known variable{return_hint}; variables allowed here: {allowed}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.BitXor):
                raise self.refuse(node, "uses ^, which is not a power here; write ** for powers")
            if type(node.op) not in _BINARY:
                raise self.refuse(node, f"uses the operator {type(node.op).__name__}, which is not allowed")
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow):
                self.check_power(node, left, right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise self.refuse(node, "divides by zero")
            result = _BINARY[type(node.op)](left, right)
            return self.bounded(node, self.real_and_finite(node, result) if isinstance(node.op, ast.Pow) else result)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == INDEX_SUM:
            return self.index_sum(node)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in (*FUNCTIONS, *VARIADIC):
                allowed = ", ".join(sorted((*FUNCTIONS, *VARIADIC)))
                raise self.refuse(node, f"calls a function that is not allowed; allowed: {allowed}")
            if node.keywords:
                raise self.refuse(node, "passes keyword arguments, which are not allowed")
            if node.func.id in VARIADIC:
                if len(node.args) < 2:
                    raise self.refuse(node, "takes two or more arguments")
                return self.bounded(node, VARIADIC[node.func.id](*(self.build(a) for a in node.args)))
            if len(node.args) != 1:
                raise self.refuse(node, "must take exactly one argument")
            argument = self.build(node.args[0])
            if node.func.id in ("exp", "sinh", "cosh", "softplus") and not argument.free_symbols:
                size = abs(sp.N(argument, 15))
                if not size.is_finite or size > MAX_EXPONENTIAL_CONSTANT:
                    raise self.refuse(node, f"takes exp of a constant larger than {MAX_EXPONENTIAL_CONSTANT:.0e}")
            return self.bounded(node, self.real_and_finite(node, FUNCTIONS[node.func.id](argument)))
        raise self.refuse(node, f"is a {type(node).__name__}, which is not part of a mathematical expression")

    def index_sum(self, node: ast.Call) -> sp.Expr:
        if self.indexed == ():
            raise self.refuse(node, "is a sum inside a sum; sum_i does not nest")
        if self.indexed is None:
            raise self.refuse(node, "sums over coordinates, which needs variables = {name = ..., d = ...}")
        if len(node.args) != 1 or node.keywords:
            raise self.refuse(node, "must take exactly one argument, the term in x_i and i")
        name, variables = self.indexed
        coordinate, index = sp.Dummy("coordinate"), sp.Dummy("index", integer=True, positive=True)
        inner = _Builder(self.text, {**self.symbols, f"{name}_i": coordinate, "i": index}, self.decimals_are_exact, ())
        term = inner.build(node.args[0])
        return self.bounded(node, sp.Add(*(term.subs({coordinate: v, index: k + 1}) for k, v in enumerate(variables))))

    def check_power(self, node: ast.AST, base: sp.Expr, exponent: sp.Expr):
        if exponent.is_Number and abs(exponent) > MAX_LITERAL_EXPONENT:
            raise self.refuse(node, f"has an exponent larger than {MAX_LITERAL_EXPONENT}")
        if base.is_Rational and exponent.is_Integer and base not in (0, 1, -1):
            if _number_bits(base) * abs(int(exponent)) > MAX_NUMBER_BITS:
                raise self.refuse(node, f"is a number of more than {MAX_NUMBER_BITS} bits; state it more simply")

    def real_and_finite(self, node: ast.AST, result: sp.Expr) -> sp.Expr:
        """Refuse a power or a function value that is not real and finite (log(0), 0**(-1), sqrt(-1)). Checked
        where such a value first appears, so the piece quoted is the culprit: sums, products and quotients
        (division by 0 is refused) of real finite pieces stay real and finite."""
        if result.has(*NOT_FINITE):
            raise self.refuse(node, "is not finite (it evaluates to an infinity or an undefined value); state a "
                                    "real, finite expression")
        if result.is_extended_real is False:
            raise self.refuse(node, "is not real (it evaluates to a complex number wherever it is defined); state a "
                                    "real expression")
        return result

    def bounded(self, node: ast.AST, result: sp.Expr) -> sp.Expr:
        if result.is_Rational and _number_bits(result) > MAX_NUMBER_BITS:
            raise self.refuse(node, f"is a number of more than {MAX_NUMBER_BITS} bits; state it more simply")
        if _exponential_nesting(result, self.nesting) > MAX_EXPONENTIAL_NESTING:
            raise self.refuse(node, (
                f"nests exponential functions more than {MAX_EXPONENTIAL_NESTING} deep; exp(exp(exp(x))) exceeds "
                "every representable number for moderate x"))
        return result

    def constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.refuse(node, "is not a number")
        if isinstance(value, int):
            return sp.Integer(value)
        written = ast.get_source_segment(self.text.strip(), node)
        exponent = re.search(r"[eE]([+-]?\d+)$", written)
        if exponent and abs(int(exponent.group(1))) > MAX_DECIMAL_EXPONENT:
            raise self.refuse(node, f"has a decimal exponent beyond +-{MAX_DECIMAL_EXPONENT}")
        if len(written) > MAX_LITERAL_CHARACTERS:  # sp.Rational of a longer one can exceed Python's int-to-str limit
            raise self.refuse(node, f"is longer than {MAX_LITERAL_CHARACTERS} characters; write it as a fraction "
                                    "or with a power of ten")
        exact = sp.Rational(written)
        if self.decimals_are_exact:
            return exact
        # sized from its bits: str() of a rational past 4300 digits raises (Python's int-to-str limit)
        bits = max(abs(exact.p), exact.q).bit_length()
        rational = str(exact) if bits <= 3 * BRIEF else f"of about {int(bits * math.log10(2))} digits"
        warnings.warn(
            f"float literal {_brief(written)} in {_brief(self.text)!r} was converted to the exact rational {rational}; "
            "write it as a fraction to silence this warning",
            FloatLiteralWarning,
            stacklevel=4,
        )
        return exact


def _brief(text: str) -> str:
    return text if len(text) <= BRIEF else text[:BRIEF] + "..."


def as_expression(value, symbols: Mapping[str, sp.Symbol], what: str) -> sp.Expr:
    """``value`` as a sympy expression, for public constructors that take text or sympy objects.

    Text goes through ``parse_expression`` (never ``sympify``, which evaluates Python); sympy objects and
    ints pass; Python floats are refused like everywhere else."""
    if isinstance(value, str):
        try:
            return parse_expression(value, symbols)
        except ExpressionError as err:
            raise ExpressionError(f"{what}: {err}") from None
    if isinstance(value, bool) or isinstance(value, float):
        raise ExpressionError(f"{what}: got the Python {type(value).__name__} {value!r}; give an exact string such "
                              f"as \"{value!r}\" or a sympy expression")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, sp.Basic):
        return value
    raise ExpressionError(f"{what}: expected an expression string or a sympy expression, got {type(value).__name__}")
