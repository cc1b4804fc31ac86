"""Precision contexts. Every run owns one; library code never touches mpmath's global context.

``Float64Context`` offers the part of the mpmath context interface that generated kernels use, backed by
numpy float64, so that one kernel runs both as the high-precision truth and as the float64 experiment a
user would have written.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from mdtheory.errors import PrecisionError
from mdtheory.symbolic.parsing import exact_number

MIN_BITS = 53


def working_context(bits: int) -> mpmath.MPContext:
    """A fresh mpmath context at ``bits`` bits of binary precision."""
    if not isinstance(bits, int) or bits < MIN_BITS:
        raise PrecisionError(f"precision must be an integer number of bits >= {MIN_BITS}, got {bits!r}")
    ctx = mpmath.MPContext()
    ctx.prec = bits
    return ctx


def decimal_digits(ctx) -> int:
    """Decimal digits a context carries."""
    return int(ctx.prec * math.log10(2))


def to_context(ctx, value):
    """An exact number (Rational, int or exact string) rounded once into ``ctx``."""
    rational = exact_number(value) if not isinstance(value, sp.Rational) else value
    return ctx.mpf(int(rational.p)) / ctx.mpf(int(rational.q))


class Float64Context:
    """numpy float64 behind mpmath's names: overflow gives inf and invalid operations give nan, as in
    float code, rather than exceptions."""

    prec = 53

    def mpf(self, value):
        if isinstance(value, tuple):
            sign, mantissa, exponent, _ = value
            return np.float64((-1) ** sign * math.ldexp(float(mantissa), exponent))
        return np.float64(value)

    @staticmethod
    def fsum(values):
        return np.float64(math.fsum(values))

    def matrix(self, rows):
        return np.array(rows, dtype=np.float64)

    def __getattr__(self, name):
        constants = {"pi": np.pi, "e": np.e, "inf": np.inf, "ninf": -np.inf}
        if name in constants:
            return np.float64(constants[name])
        function = getattr(np, {"asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "atan": "arctan",
                                "fabs": "abs"}.get(name, name), None)
        if function is None:
            raise AttributeError(name)
        return function

    @staticmethod
    def isfinite(value) -> bool:
        return bool(np.isfinite(value))


def is_float64(ctx) -> bool:
    return isinstance(ctx, Float64Context)
