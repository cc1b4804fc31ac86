"""Certified bounds written as decimals that are still bounds: a lower end rounded down, an upper end rounded
up, in exact integer arithmetic from the exact rational (or the exact square of the number, for a square root).

Rounding a certified interval to nearest for display can move an end inward, past the number it bounds; these
never do. A number that has at most the requested digits is written exactly ([2, 2] stays [2, 2]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

DOWN, UP = "down", "up"


@dataclass(frozen=True)
class SquareRoot:
    """sqrt(square), kept exact: a certified amplification, whose square is what the certificate bounds."""

    square: Fraction

    def __float__(self) -> float:
        return math.sqrt(float(self.square))


def directed_text(value, digits: int, rounding: str) -> str:
    """``value`` (an int, a Fraction or a ``SquareRoot``) with ``digits`` significant digits, rounded ``DOWN``
    (the text is <= value) or ``UP`` (>= value), in the layout of Python's ``g`` format."""
    if rounding not in (DOWN, UP):
        raise ValueError(f"rounding is {DOWN!r} or {UP!r}, not {rounding!r}")
    root = isinstance(value, SquareRoot)
    exact = Fraction(value.square if root else value)
    if exact == 0:
        return "0"
    if exact < 0:
        if root:
            raise ValueError("a square root of a negative number")
        return "-" + directed_text(-exact, digits, UP if rounding == DOWN else DOWN)
    magnitude = _magnitude(exact, root)
    shift = digits - 1 - magnitude  # value * 10^shift has `digits` digits before the point
    scaled = exact * Fraction(10) ** (2 * shift if root else shift)
    if root:
        units = math.isqrt(math.floor(scaled))  # floor(sqrt(x)) = isqrt(floor(x))
        if rounding == UP and units * units != scaled:
            units += 1
    else:
        units = math.floor(scaled) if rounding == DOWN else math.ceil(scaled)
    return _layout(units, -shift, digits)


def _magnitude(exact: Fraction, root: bool) -> int:
    """m with 10^m <= value < 10^(m+1), exactly (value = exact, or sqrt(exact))."""
    power = 2 if root else 1
    # within a few of the answer; from bit lengths, as str() refuses integers beyond 4300 digits
    m = math.floor((exact.numerator.bit_length() - exact.denominator.bit_length()) * math.log10(2)) // power
    while Fraction(10) ** (power * m) > exact:
        m -= 1
    while Fraction(10) ** (power * (m + 1)) <= exact:
        m += 1
    return m


def _layout(units: int, exponent: int, digits: int) -> str:
    """units * 10^exponent as Python's ``.{digits}g`` writes a number (trailing zeros dropped; scientific below
    1e-4 and from 10^digits on). ``units`` may have one digit more than ``digits`` after rounding up (10^digits),
    which is then exactly 1 followed by zeros."""
    text = str(units).rstrip("0")
    exponent += len(str(units)) - len(text)
    leading = exponent + len(text) - 1  # the power of ten of the first digit
    if -4 <= leading < digits:
        if exponent >= 0:
            return text + "0" * exponent
        point = len(text) + exponent
        return text[:point] + "." + text[point:] if point > 0 else "0." + "0" * -point + text
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{mantissa}e{'-' if leading < 0 else '+'}{abs(leading):02d}"
