"""The precision ladder: run at p and at 2p bits, compare in the finer context, trust only what agrees.

A digit is trusted when it survives doubling the precision, and only when it is resolved at all: two
rungs that both lost a quantity (a separation absorbed by rounding at the iterates' magnitude, so that both
report exactly 0, or the same rounded value) do not agree on it. Each value therefore carries an absolute
uncertainty: its distance to the coarse rung, the coarse rung's unit roundoff on the value, and, for a
difference of two trajectories, the coarse roundoff at the magnitude of the iterates it was taken from.
Its trusted digits are those of that uncertainty relative to the value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mdtheory.engine.context import decimal_digits
from mdtheory.engine.run import SERIES_FIELDS, RunSeries
from mdtheory.errors import PrecisionError


def agreeing_digits(coarse, fine, fine_ctx, max_digits: int) -> int:
    """Significant decimal digits on which ``coarse`` and ``fine`` agree, compared in ``fine_ctx``. For
    values with no cancellation in them; a difference of nearly equal numbers needs ``resolved_digits``."""
    a, b = fine_ctx.mpf(coarse), fine_ctx.mpf(fine)
    if a == b:
        return max_digits
    return resolved_digits(fine_ctx, b, abs(a - b), max_digits)


def resolved_digits(ctx, value, uncertainty, max_digits: int) -> int:
    """Significant digits of ``value`` that an absolute ``uncertainty`` leaves: none for a value that is
    0, infinite or nan unless it is exactly known (uncertainty 0)."""
    if not ctx.isfinite(value) or not ctx.isfinite(uncertainty):
        return 0
    if uncertainty == 0:
        return max_digits
    if value == 0:
        return 0
    return max(0, min(max_digits, int(math.floor(-ctx.log10(uncertainty / abs(value))))))


def format_trusted(ctx, value, digits: int) -> str:
    """A decimal string carrying only ``digits`` significant digits ("?" when none survived; JSON output
    writes null instead, see ``trusted_or_none``)."""
    if digits <= 0:
        return "?"
    return ctx.nstr(value, digits, min_fixed=-4, max_fixed=6, strip_zeros=False)


def trusted_or_none(ctx, value, digits: int) -> str | None:
    """For JSON: the trusted digits as a decimal string, or None when no digit is trusted."""
    return format_trusted(ctx, value, digits) if digits > 0 else None


@dataclass
class LadderResult:
    coarse: RunSeries
    fine: RunSeries
    digits: dict[str, list[int]]
    uncertainty: dict[str, list]  # absolute, in the fine context

    def trusted_digits(self, name: str) -> int:
        """Digits of ``name`` trusted at every recorded step."""
        return min(self.digits[name])

    def trusted(self, name: str, index: int) -> str:
        return format_trusted(self.fine.ctx, getattr(self.fine, name)[index], self.digits[name][index])


def uncertainties(coarse: RunSeries, fine: RunSeries) -> dict[str, list]:
    """Absolute uncertainty of every fine value (see the module docstring)."""
    ctx = fine.ctx
    roundoff = ctx.ldexp(1, -coarse.bits)
    result = {}
    for name in SERIES_FIELDS:
        result[name] = [abs(f - ctx.mpf(c)) + abs(f) * roundoff
                        for f, c in zip(getattr(fine, name), getattr(coarse, name))]
    if fine.separation:
        # A separation below the coarse rung's roundoff at the iterates' magnitude is not resolved, however
        # well the rungs agree; the amplification divides by the initial separation, which has the same floor.
        floors = [2 * ctx.mpf(s) * roundoff for s in coarse.scale]
        result["separation"] = [u + floor for u, floor in zip(result["separation"], floors)]
        initial = fine.separation[0]
        initial_floor = floors[0]  # the scale recorded at t = 0 is that of x_0 and x_0 + eps v
        result["amplification"] = [
            u + (floor + a * initial_floor) / initial if initial != 0 else ctx.inf
            for u, floor, a in zip(result["amplification"], floors, fine.amplification)
        ]
    return result


class PrecisionLadder:
    """Run ``compute(bits)`` at ``bits`` and ``2*bits`` and measure agreement per quantity and step."""

    def __init__(self, bits: int):
        if bits < 53:
            raise PrecisionError(f"the ladder's base precision must be at least 53 bits, got {bits}")
        self.bits = bits

    def run(self, compute: Callable[[int], RunSeries]) -> LadderResult:
        coarse = compute(self.bits)
        fine = compute(2 * self.bits)
        if coarse.t != fine.t:
            raise PrecisionError("the two rungs of the precision ladder recorded different steps")
        max_digits = decimal_digits(coarse.ctx)
        uncertainty = uncertainties(coarse, fine)
        digits = {
            name: [resolved_digits(fine.ctx, value, u, max_digits) for value, u in zip(getattr(fine, name), uncertainty[name])]
            for name in SERIES_FIELDS
        }
        return LadderResult(coarse, fine, digits, uncertainty)


@dataclass
class LadderedSeries:
    """One quantity computed on both rungs: the fine values with their absolute uncertainties and digits."""

    values: list
    uncertainty: list
    digits: list[int]
    coarse: list | None = None  # the coarse rung's values, in the fine context


def laddered(fine_ctx, fine: list, coarse: list, magnitudes: list, coarse_bits: int) -> LadderedSeries:
    """A quantity that is a sum of terms which may cancel (f(x_t) - f*, a regret, a value gap): its uncertainty
    is the rungs' distance, the coarse roundoff on the value, and the coarse roundoff at the ``magnitudes`` (the
    sum of the absolute values of the cancelling terms, from the coarse rung), as for the separation."""
    roundoff = fine_ctx.ldexp(1, -coarse_bits)
    max_digits = int(coarse_bits * math.log10(2))
    uncertainty = [abs(f - fine_ctx.mpf(c)) + (abs(f) + 2 * abs(fine_ctx.mpf(m))) * roundoff
                   for f, c, m in zip(fine, coarse, magnitudes)]
    digits = [resolved_digits(fine_ctx, f, u, max_digits) for f, u in zip(fine, uncertainty)]
    return LadderedSeries(list(fine), uncertainty, digits, [fine_ctx.mpf(c) for c in coarse])
