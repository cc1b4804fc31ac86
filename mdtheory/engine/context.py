"""Precision contexts. Every run owns one; library code never touches mpmath's global context.

A context is an object whose methods are the arithmetic, as in mpmath: besides mpmath's scalar names
(``mpf``, ``exp``, ``fsum``, ...) every context here offers the same small vocabulary for exact constants,
vectors and matrices (``exact``, ``as_matrix``, ``solve``, ``matvec``, ``matmul``, ``vector_norm``,
``midpoints``, ...), so callers never ask which arithmetic they hold.

- ``MpmathContext``: mpmath at a chosen precision, the high-precision truth, with exponentials guarded
  against arguments no precision holds.
- ``Float64Context``: numpy float64, the experiment a user would have written (inf and nan propagate, and
  iterates are not checked against the domain: ``guards_domain`` is False).
- ``PythonFloatContext``: Python floats and ``math``, for the scalar loops of a Newton seed.
- ``ArbContext``: python-flint ``arb`` balls; the certificates use it for rigorous enclosures, and the
  engine's ``flint`` backend as fast arbitrary-precision arithmetic (keeping midpoints between steps).

flint's working precision is a process-wide setting; ``flint_precision`` sets it for the duration of one
run or certificate and restores it afterwards.
"""

from __future__ import annotations

import contextlib
import math
import threading

import mpmath
import numpy as np
import sympy as sp

from mdtheory.errors import OverflowGuardError, PrecisionError
from mdtheory.symbolic.parsing import evaluated_bits, exact_real

MIN_BITS = 53
# Default ceiling on a requested base precision (the ladder also runs twice it); explicit flags raise it.
MAX_PRECISION_BITS = 16_384


# exp(x) for |x| > 2^64 has an exponent of more than 2^64 bits' worth of magnitude: no precision holds it,
# and mpmath would spend unbounded time and memory trying (exp(exp(exp(100)))).
MAX_EXPONENT_ARGUMENT_BITS = 64


def _exact(value) -> sp.Expr:
    """A Rational, or an exact closed form such as sqrt(2)/4 (``parsing.exact_real``). A sympy number without
    floats passes as it is: it was read and checked by exact_real already (eta * t, at every step of a run)."""
    if isinstance(value, sp.Rational) or (isinstance(value, sp.Expr) and value.is_number and not value.has(sp.Float)):
        return value
    return exact_real(value)


class Arithmetic:
    """The vocabulary every context adds to mpmath's scalar names. Written here once on top of ``mpf``,
    ``sqrt`` and ``fsum``; a context overrides what its own arithmetic does better."""

    name = "abstract"
    # Whether runs in this arithmetic check that iterates stay in the domain, in the image of grad phi and
    # where phi is strictly convex (float64 runs as plain float code would, letting inf and nan through).
    guards_domain = True
    # Whether a Newton solve seeded in float64 is finished in this arithmetic (float contexts stop at the seed).
    refines_float_seed = True

    def exact(self, value):
        """An exact number (Rational, int, exact string, or a closed form such as sqrt(2)/4) rounded into this
        arithmetic: a rational once; a closed form c * r (c rational) from r evaluated past this context's
        precision (``parsing.evaluated_bits``, remembered per precision: a run asks for eta * t at every step),
        then times c, within a few units of the last place. Each rung of the ladder sees it at its own precision."""
        number = _exact(value)
        if not number.is_Rational:
            coefficient, closed_form = number.as_coeff_Mul()
            rounded = self.mpf(evaluated_bits(closed_form, self.prec))
            return rounded if coefficient == 1 else self.exact(coefficient) * rounded
        return self.mpf(int(number.p)) / self.mpf(int(number.q))

    def vector_norm(self, vector):
        return self.sqrt(self.fsum(v * v for v in vector))

    def distance(self, a, b):
        return self.vector_norm([ai - bi for ai, bi in zip(a, b)])

    def midpoints(self, vector):
        """The vector without error radii: a no-op except for balls."""
        return vector

    def cholesky_pivots(self, rows) -> list:
        """The pivots d_k of the LDL^T factorization of a symmetric matrix (given as rows): all positive iff
        the matrix is positive definite. Stops at the first pivot that is not positive (the rest are then 0)."""
        n = len(rows)
        a = [list(row) for row in rows]
        pivots = []
        for k in range(n):
            pivot = a[k][k]
            pivots.append(pivot)
            if not pivot > 0:
                return pivots + [self.mpf(0)] * (n - k - 1)
            for i in range(k + 1, n):
                factor = a[i][k] / pivot
                for j in range(k + 1, n):
                    a[i][j] -= factor * a[k][j]
        return pivots


class MpmathContext(Arithmetic, mpmath.MPContext):
    """An mpmath context whose exponential functions refuse arguments no precision can hold, raising
    OverflowGuardError instead of running without limit."""

    name = "mpmath"

    def __init__(self):
        mpmath.MPContext.__init__(self)
        for name in ("exp", "sinh", "cosh", "expm1"):
            setattr(self, name, self._guard(getattr(self, name), name))
        unguarded_power = self.power

        def power(base, exponent):
            if base != 0 and not (self.isfinite(exponent) and self.isint(exponent)):
                self._check_argument(self.convert(exponent * self.log(abs(base))), "x**y")
            return unguarded_power(base, exponent)

        self.power = power

    @staticmethod
    def _check_argument(argument, name: str):
        # An mpf is (sign, mantissa, exponent, bitcount): its magnitude is read off without arithmetic, so
        # the guard costs little on the hot path of every generated kernel.
        raw = getattr(argument, "_mpf_", None)
        if raw is not None and raw[1] and raw[2] + raw[3] > MAX_EXPONENT_ARGUMENT_BITS:
            magnitude = raw[2] + raw[3]
            raise OverflowGuardError(
                f"{name} of an argument of magnitude 2^{magnitude} (about 10^{int(magnitude * 0.30103)}): its value "
                "exceeds every precision; the iterates diverge, reduce eta or rescale the problem")

    def _guard(self, function, name: str):
        check = self._check_argument

        def guarded(x, *rest, **options):
            check(x, name)  # python numbers and mpc arguments pass unchecked: generated code gives mpf
            return function(x, *rest, **options)

        return guarded

    # ------------------------------------------------------------ vectors and matrices
    def as_matrix(self, rows):
        return self.matrix(rows)

    def column(self, vector):
        return self.matrix([[v] for v in vector])

    def column_entries(self, matrix) -> list:
        return [matrix[i, 0] for i in range(matrix.rows)]

    def rows_of(self, matrix) -> list:
        return matrix.tolist()

    def matmul(self, a, b):
        return a * b

    def transpose(self, matrix):
        return matrix.T

    def negate(self, matrix):
        return matrix * -1

    def matvec(self, matrix, vector):
        product = matrix * self.matrix(vector)
        return [product[i] for i in range(product.rows)]

    def solve(self, matrix, rhs):
        """matrix^{-1} rhs, rhs a vector (list) or a matrix."""
        if matrix.rows <= SMALL:
            rows = matrix.tolist()
            columns = [list(rhs)] if isinstance(rhs, list) else [[rhs[i, j] for i in range(rhs.rows)] for j in range(rhs.cols)]
            solutions = [self._eliminate(rows, column) for column in columns]
            if isinstance(rhs, list):
                return solutions[0]
            return self.matrix([[solutions[j][i] for j in range(rhs.cols)] for i in range(rhs.rows)])
        result = self.lu_solve(matrix, self.matrix(rhs)) if isinstance(rhs, list) else self.inverse(matrix) * rhs
        return [result[i] for i in range(result.rows)] if isinstance(rhs, list) else result

    def _eliminate(self, rows, column):
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
        solution = [self.mpf(0)] * n
        for i in range(n - 1, -1, -1):
            solution[i] = (a[i][n] - self.fsum(a[i][j] * solution[j] for j in range(i + 1, n))) / a[i][i]
        return solution


SMALL = 8  # below this size, plain elimination on lists beats mpmath's matrix machinery


def working_context(bits: int) -> mpmath.MPContext:
    """A fresh mpmath context at ``bits`` bits of binary precision."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < MIN_BITS:
        raise PrecisionError(f"precision must be an integer number of bits >= {MIN_BITS}, got {bits!r}")
    ctx = MpmathContext()
    ctx.prec = bits
    return ctx


def decimal_digits(ctx) -> int:
    """Decimal digits a context carries."""
    return int(ctx.prec * math.log10(2))


class _FloatContext(Arithmetic):
    """float64 behind mpmath's names: ``number`` is the scalar type and ``module`` supplies the functions
    generated code calls (mpmath's names translated by ``renames``)."""

    prec = 53
    number = float
    module = math
    renames: dict[str, str] = {}
    guards_domain = False
    refines_float_seed = False

    def exact(self, value):
        number = _exact(value)
        if not number.is_Rational:
            return Arithmetic.exact(self, number)
        return self.number(float(number))  # correctly rounded, where p / q in floats may round twice

    def mpf(self, value):
        if isinstance(value, tuple):
            sign, mantissa, exponent, _ = value
            return self.number((-1) ** sign * math.ldexp(float(mantissa), exponent))
        return self.number(value)

    def fsum(self, values):
        return self.number(math.fsum(values))

    def __getattr__(self, name):
        constants = {"pi": math.pi, "e": math.e, "ln2": math.log(2), "inf": math.inf, "ninf": -math.inf}
        if name in constants:
            return self.number(constants[name])
        function = None if name.startswith("_") else getattr(self.module, self.renames.get(name, name), None)
        if function is None:
            raise AttributeError(name)
        self.__dict__[name] = function  # looked up once per name, then found on the instance
        return function


class Float64Context(_FloatContext):
    """numpy float64: overflow gives inf and invalid operations give nan, as in float code, rather than
    exceptions."""

    name = "float64"
    number = np.float64
    module = np
    renames = {"asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "atan": "arctan", "fabs": "abs"}

    def matrix(self, rows):
        return np.array(rows, dtype=np.float64)

    as_matrix = matrix

    @staticmethod
    def isfinite(value) -> bool:
        return bool(np.isfinite(value))

    def column(self, vector):
        return np.asarray(vector, dtype=np.float64).reshape(-1, 1)

    @staticmethod
    def column_entries(matrix) -> list:
        return list(matrix[:, 0])

    @staticmethod
    def rows_of(matrix) -> list:
        return [list(row) for row in matrix]

    @staticmethod
    def matmul(a, b):
        return a @ b

    @staticmethod
    def transpose(matrix):
        return matrix.T

    @staticmethod
    def negate(matrix):
        return -matrix

    @staticmethod
    def matvec(matrix, vector):
        return list(np.asarray(matrix) @ np.asarray(vector, dtype=np.float64))

    @staticmethod
    def solve(matrix, rhs):
        return np.linalg.solve(np.asarray(matrix, dtype=np.float64), np.asarray(rhs, dtype=np.float64))

    @staticmethod
    def vector_norm(vector):
        return np.float64(np.linalg.norm(np.asarray(vector, dtype=np.float64)))


class PythonFloatContext(_FloatContext):
    """Python floats and the math module: float64 without numpy's per-scalar cost, for the scalar loops of a
    Newton seed. Overflow and domain errors raise (the caller falls back). Functions math lacks (sign, ...)
    come from numpy, as Float64Context names them."""

    name = "python-float"
    isfinite = staticmethod(math.isfinite)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            function = getattr(np, Float64Context.renames.get(name, name), None)
            if function is None or name.startswith("_"):
                raise
            self.__dict__[name] = function
            return function


# flint's precision is one setting per process: threads (a Dask worker with several) take turns.
_FLINT_LOCK = threading.RLock()


@contextlib.contextmanager
def flint_precision(bits: int):
    from flint import ctx

    with _FLINT_LOCK:
        saved = ctx.prec
        ctx.prec = bits
        try:
            yield
        finally:
            ctx.prec = saved


class ArbContext(Arithmetic):
    """The part of mpmath's context interface that generated kernels and oracles use, on arb balls.

    Used under ``flint_precision(bits)``. For a certificate the balls are the point: the same compiled
    step runs as a rigorous enclosure, and branches taken on a comparison of balls (e.g. which form of the
    sigmoid to use) only choose between formulas that are equal as real functions, so they never affect
    rigor. For the engine's fast backend the run keeps only midpoints between steps (``midpoint``), so the
    radii never compound and the arithmetic is that of a correctly rounded working precision."""

    name = "arb"

    def __init__(self, bits: int):
        from flint import arb, arb_mat, arf

        self.prec = bits
        self._arb, self._arf, self._arb_mat = arb, arf, arb_mat

    def exact(self, value):
        """An exact number as a ball: a closed form (sqrt(2)/4, log(2)) is enclosed by arb's own functions, so a
        certificate that uses it is rigorous."""
        number = _exact(value)
        return self._ball(number) if not number.is_Rational else super().exact(number)

    def _ball(self, number: sp.Expr):
        arb = self._arb
        if number.is_Rational:
            return arb(int(number.p)) / int(number.q)
        if number is sp.pi:
            return arb.pi()
        if number is sp.E:
            return arb(1).exp()
        if isinstance(number, sp.Add):
            return sum((self._ball(a) for a in number.args), arb(0))
        if isinstance(number, sp.Mul):
            product = arb(1)
            for factor in number.args:
                product *= self._ball(factor)
            return product
        if isinstance(number, sp.Pow):
            base, exponent = self._ball(number.base), number.exp
            if exponent.is_Integer:
                return base ** int(exponent)
            if exponent == sp.Rational(1, 2):
                return base.sqrt()
            return base ** self._ball(exponent)
        if isinstance(number, sp.Abs):
            return abs(self._ball(number.args[0]))
        if isinstance(number, sp.Function) and len(number.args) == 1:
            return getattr(self._ball(number.args[0]), type(number).__name__)()
        raise TypeError(f"{number} has no ball enclosure here")  # parsing.exact_real admits no other node

    def mpf(self, value):
        arb = self._arb
        if type(value) is arb:
            return value
        if isinstance(value, tuple):
            sign, mantissa, exponent, _ = value
            return arb(self._arf(((-1) ** sign * int(mantissa), int(exponent))))
        if hasattr(value, "_mpf_"):  # an mpmath mpf, exactly
            return self.mpf(value._mpf_)
        return arb(value)

    @property
    def pi(self):
        return self._arb.pi()

    @property
    def ln2(self):
        return self._arb(2).log()

    @property
    def e(self):
        return self._arb(1).exp()

    @property
    def inf(self):
        return self._arb(self._arf(math.inf))

    @property
    def ninf(self):
        return self._arb(self._arf(-math.inf))

    def ldexp(self, value, exponent: int):
        return self.mpf(value) * self._arb(self._arf((1, int(exponent))))

    def fsum(self, values):
        return sum(values, self._arb(0))

    @staticmethod
    def isfinite(value) -> bool:
        return value.is_finite()

    @staticmethod
    def nstr(value, digits: int = 8):
        return value.mid().str(digits, radius=False)

    def matrix(self, rows):
        return self._arb_mat(rows)

    def as_matrix(self, rows):
        return self._arb_mat([[self.mpf(v) for v in row] for row in rows])

    def column(self, vector):
        return self._arb_mat([[v] for v in vector])

    @staticmethod
    def column_entries(matrix) -> list:
        return [matrix[i, 0] for i in range(matrix.nrows())]

    @staticmethod
    def rows_of(matrix) -> list:
        return matrix.tolist()

    @staticmethod
    def matmul(a, b):
        return a * b

    @staticmethod
    def transpose(matrix):
        return matrix.transpose()

    @staticmethod
    def negate(matrix):
        return -matrix

    def matvec(self, matrix, vector):
        product = matrix * self.column(vector)
        return self.column_entries(product)

    def solve(self, matrix, rhs):
        column = isinstance(rhs, list)
        result = matrix.solve(self.column(rhs) if column else rhs)
        return self.column_entries(result) if column else result

    def midpoint(self, value):
        return self._arb(value.mid())

    def midpoints(self, vector):
        return [self._arb(v.mid()) for v in vector]

    def floor(self, value):
        return int(value.mid().floor().unique_fmpz())

    def power(self, base, exponent):
        return self.mpf(base) ** self.mpf(exponent)

    def ceil(self, value):
        return int(value.mid().ceil().unique_fmpz())

    # mpmath's names for what arb calls otherwise
    ARB_NAMES = {"fabs": "__abs__", "sign": "sgn", "loggamma": "lgamma"}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        arb, convert = self._arb, self.mpf
        arb_name = self.ARB_NAMES.get(name, name)

        def method(value, *rest):
            return getattr(value if type(value) is arb else convert(value), arb_name)(*rest)

        self.__dict__[name] = method  # looked up once per name, then found on the instance
        return method


def ball_to_mpf(ctx, ball):
    """The midpoint of an arb ball, exactly, as an mpf of the mpmath context ``ctx``."""
    mid = ball.mid()
    if not mid.is_finite():
        return ctx.inf if mid > 0 else (ctx.ninf if mid < 0 else ctx.nan)
    mantissa, exponent = mid.man_exp()
    return ctx.ldexp(ctx.mpf(int(mantissa)), int(exponent))
