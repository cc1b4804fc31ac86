"""Precision contexts. Every run owns one; library code never touches mpmath's global context.

``Float64Context`` offers the part of the mpmath context interface that generated kernels use, backed by
numpy float64, so that one kernel runs both as the high-precision truth and as the float64 experiment a
user would have written. ``ArbContext`` offers it on python-flint ``arb`` balls: the certificates use it
for rigorous enclosures, and the engine's ``flint`` backend uses it as fast arbitrary-precision arithmetic
(C-level arb and arb_mat instead of Python-level mpf objects).

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
from mdtheory.symbolic.parsing import exact_number

MIN_BITS = 53
# Default ceiling on a requested base precision (the ladder also runs twice it); explicit flags raise it.
MAX_PRECISION_BITS = 16_384


# exp(x) for |x| > 2^64 has an exponent of more than 2^64 bits' worth of magnitude: no precision holds it,
# and mpmath would spend unbounded time and memory trying (exp(exp(exp(100)))).
MAX_EXPONENT_ARGUMENT_BITS = 64


class GuardedContext(mpmath.MPContext):
    """An mpmath context whose exponential functions refuse arguments no precision can hold, raising
    OverflowGuardError instead of running without limit."""

    def __init__(self):
        super().__init__()
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


def working_context(bits: int) -> mpmath.MPContext:
    """A fresh mpmath context at ``bits`` bits of binary precision."""
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < MIN_BITS:
        raise PrecisionError(f"precision must be an integer number of bits >= {MIN_BITS}, got {bits!r}")
    ctx = GuardedContext()
    ctx.prec = bits
    return ctx


def decimal_digits(ctx) -> int:
    """Decimal digits a context carries."""
    return int(ctx.prec * math.log10(2))


def to_context(ctx, value):
    """An exact number (Rational, int or exact string) rounded once into ``ctx``."""
    rational = exact_number(value) if not isinstance(value, sp.Rational) else value
    return ctx.mpf(int(rational.p)) / ctx.mpf(int(rational.q))


class _FloatContext:
    """float64 behind mpmath's names: ``number`` is the scalar type and ``module`` supplies the functions
    generated code calls (mpmath's names translated by ``renames``)."""

    prec = 53
    number = float
    module = math
    renames: dict[str, str] = {}

    def mpf(self, value):
        if isinstance(value, tuple):
            sign, mantissa, exponent, _ = value
            return self.number((-1) ** sign * math.ldexp(float(mantissa), exponent))
        return self.number(value)

    def fsum(self, values):
        return self.number(math.fsum(values))

    def __getattr__(self, name):
        constants = {"pi": math.pi, "e": math.e, "inf": math.inf, "ninf": -math.inf}
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

    number = np.float64
    module = np
    renames = {"asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "atan": "arctan", "fabs": "abs"}

    def matrix(self, rows):
        return np.array(rows, dtype=np.float64)

    @staticmethod
    def isfinite(value) -> bool:
        return bool(np.isfinite(value))


class PythonFloatContext(_FloatContext):
    """Python floats and the math module: float64 without numpy's per-scalar cost, for the scalar loops of a
    Newton seed. Overflow and domain errors raise (the caller falls back). Functions math lacks (sign, ...)
    come from numpy, as Float64Context names them."""

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


def is_float64(ctx) -> bool:
    return isinstance(ctx, _FloatContext)


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


class ArbContext:
    """The part of mpmath's context interface that generated kernels and oracles use, on arb balls.

    Used under ``flint_precision(bits)``. For a certificate the balls are the point: the same compiled
    step runs as a rigorous enclosure, and branches taken on a comparison of balls (e.g. which form of the
    sigmoid to use) only choose between formulas that are equal as real functions, so they never affect
    rigor. For the engine's fast backend the run keeps only midpoints between steps (``midpoint``), so the
    radii never compound and the arithmetic is that of a correctly rounded working precision."""

    def __init__(self, bits: int):
        from flint import arb, arb_mat, arf

        self.prec = bits
        self._arb, self._arf, self._arb_mat = arb, arf, arb_mat

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

    def midpoint(self, value):
        return self._arb(value.mid())

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


def is_arb(ctx) -> bool:
    return isinstance(ctx, ArbContext)


def ball_to_mpf(ctx, ball):
    """The midpoint of an arb ball, exactly, as an mpf of the mpmath context ``ctx``."""
    mid = ball.mid()
    if not mid.is_finite():
        return ctx.inf if mid > 0 else (ctx.ninf if mid < 0 else ctx.nan)
    mantissa, exponent = mid.man_exp()
    return ctx.ldexp(ctx.mpf(int(mantissa)), int(exponent))
