"""What a verdict reports as data: a ``Reading`` (measured, claimed or margin) is text with ``Figure`` slots.

A figure keeps its number and says how many of its digits are shown and why: the digits the precision
ladder trusted, a fixed display precision for a number that is not laddered (a position, a bound's value),
or the exact value. Numbers are turned into text once, by ``Reading.text`` (report tables, the CLI, JSON,
sweep rows and witnesses all use it), so a consumer that wants the number reads ``figures`` instead of
parsing prose.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from mdtheory.checker.directed import DOWN, UP, directed_text
from mdtheory.engine.ladder import format_trusted

DISPLAY_DIGITS = 12  # a table shows at most this many of a value's trusted digits


@dataclass(frozen=True)
class Figure:
    """One number in a reading.

    ``trusted`` is the digits the ladder confirmed (None for a number that was not laddered); ``shown`` the
    significant digits written (None: the exact value, as its own text). ``at_most`` replaces the value when
    no digit is trusted: the bound on its size the ladder does give. A context number is written by its
    context's ``nstr``, a Python or numpy float by the format ``notation`` ("g", "e", or "f" and "%", where
    ``shown`` counts decimals), anything else (a sympy number, an mpf without its context) by ``sp.N``."""

    value: Any
    shown: int | None
    trusted: int | None = None
    at_most: Any = None
    ctx: Any = None
    notation: str = "g"
    signed: bool = False  # a difference written with its sign (+0.42 decades)
    rounding: str | None = None  # "down" or "up": a certified bound, rounded so that the text is still one

    def text(self) -> str:
        if self.rounding is not None:
            return directed_text(self.value, self.shown, self.rounding)
        if self.at_most is not None:
            return f"0 +- {self.ctx.nstr(self.at_most, 2)}"
        if self.trusted is not None:
            return format_trusted(self.ctx, self.value, self.shown)
        if self.shown is None:
            return str(self.value)
        if self.ctx is not None:
            return self.ctx.nstr(self.value, self.shown)
        if isinstance(self.value, float | np.floating):
            return format(self.value, f"{'+' if self.signed else ''}.{self.shown}{self.notation}")
        # as an f-string writes it (str(Float) would write 1.00e-6), with the exponent in lower case as a
        # context's nstr and a float write it (sympy's format writes 2.5000000E+11)
        return format(sp.N(self.value, self.shown)).replace("E", "e")

    __str__ = text

    def capped(self, cap: int = DISPLAY_DIGITS) -> Figure:
        """The same number written with at most ``cap`` digits (how a table writes it); an exact number
        stays itself."""
        return self if self.shown is None or self.shown <= cap else replace(self, shown=cap)

    def as_json(self) -> dict:
        """The number and what its digits are: every digit the ladder trusted (null with ``at_most`` when
        none is; the text may show fewer, ``DISPLAY_DIGITS`` at most), rounded for display to ``rounded_to``
        significant digits, or exact."""
        if self.trusted is not None:
            if self.at_most is not None or self.shown <= 0:
                return {"value": None, "trusted_digits": self.trusted,
                        **({"at_most": self.ctx.nstr(self.at_most, 2)} if self.at_most is not None else {})}
            return {"value": format_trusted(self.ctx, self.value, self.trusted), "trusted_digits": self.trusted}
        if self.shown is None:
            return {"value": self.text(), "exact": True}
        return {"value": self.text(), "rounded_to": self.shown, **({"rounded": self.rounding} if self.rounding else {})}


def laddered(ctx, value, digits: int, uncertainty=None, cap: int | None = DISPLAY_DIGITS) -> Figure:
    """A laddered value with its trusted digits (at most ``cap`` of them shown); with none trusted and an
    uncertainty given, shown as the bound on its size."""
    if digits <= 0 and uncertainty is not None:
        return Figure(value, 0, digits, at_most=abs(value) + uncertainty, ctx=ctx)
    return Figure(value, digits if cap is None else min(digits, cap), digits, ctx=ctx)


def rounded(value, digits: int, ctx=None, notation: str = "g", signed: bool = False) -> Figure:
    """A number that was not laddered (a position, a bound evaluated there, a float64 deviation), shown to a
    fixed number of significant digits."""
    return Figure(value, digits, ctx=ctx, notation=notation, signed=signed)


def rounded_down(value, digits: int) -> Figure:
    """A certified lower bound (an exact rational, or a ``directed.SquareRoot`` of one), shown to ``digits``
    significant digits rounded down, so that the text is still a lower bound (exactly, when it fits)."""
    return Figure(value, digits, rounding=DOWN)


def rounded_up(value, digits: int) -> Figure:
    """A certified upper bound, shown rounded up (see ``rounded_down``)."""
    return Figure(value, digits, rounding=UP)


def exactly(value) -> Figure:
    """An exact number (an int, a Fraction, a sympy Rational), shown as itself."""
    return Figure(value, None)


@dataclass(frozen=True)
class Reading:
    """Text with figures in it: ``parts`` are strings and ``Figure``s, in order."""

    parts: tuple

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(p for p in self.parts if isinstance(p, Figure))

    def text(self) -> str:
        return "".join(p.text() if isinstance(p, Figure) else p for p in self.parts)

    __str__ = text

    def __add__(self, other: Reading) -> Reading:
        return Reading(self.parts + as_reading(other).parts)

    def capped(self, cap: int = DISPLAY_DIGITS) -> Reading:
        """The same reading with every figure written to at most ``cap`` digits."""
        return Reading(tuple(p.capped(cap) if isinstance(p, Figure) else p for p in self.parts))

    def as_json(self) -> list[dict]:
        return [f.as_json() for f in self.figures]


def reading(*parts) -> Reading:
    """A reading from strings and figures: ``reading("peak ", laddered(ctx, v, d), " at t = ", exactly(t))``."""
    for part in parts:
        if not isinstance(part, str | Figure):
            raise TypeError(f"a reading is made of strings and Figures, got {type(part).__name__}: wrap numbers "
                            "in laddered(), rounded() or exactly()")
    return Reading(tuple(parts))


def joined(separator: str, readings) -> Reading:
    """Readings one after another with ``separator`` between them (a list of per-case figures)."""
    parts = []
    for k, item in enumerate(readings):
        parts += ([separator] if k else []) + list(as_reading(item).parts)
    return Reading(tuple(parts))


def as_reading(value: Reading | str) -> Reading:
    """A plain string (no number in it: "n/a", "not measured") as a reading; a reading unchanged."""
    return value if isinstance(value, Reading) else reading(value)
