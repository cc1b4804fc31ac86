"""The precision ladder: run at p and at 2p bits, compare in the finer context, trust only what agrees.

A digit is trusted when it survives doubling the precision. Agreement is measured relative to the finer
value; a value that is exactly zero in both runs is trusted to the coarse run's full precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from mdtheory.engine.context import decimal_digits
from mdtheory.engine.run import SERIES_FIELDS, RunSeries
from mdtheory.errors import PrecisionError


def agreeing_digits(coarse, fine, fine_ctx, max_digits: int) -> int:
    """Significant decimal digits on which ``coarse`` and ``fine`` agree, compared in ``fine_ctx``."""
    a, b = fine_ctx.mpf(coarse), fine_ctx.mpf(fine)
    if a == b:
        return max_digits
    if b == 0 or not fine_ctx.isfinite(a) or not fine_ctx.isfinite(b):
        return 0
    relative = abs(a - b) / abs(b)
    return max(0, min(max_digits, int(math.floor(-fine_ctx.log10(relative)))))


def format_trusted(ctx, value, digits: int) -> str:
    """A decimal string carrying only ``digits`` significant digits ("?" when none survived)."""
    if digits <= 0:
        return "?"
    return ctx.nstr(value, digits, min_fixed=-4, max_fixed=6, strip_zeros=False)


@dataclass
class LadderResult:
    coarse: RunSeries
    fine: RunSeries
    digits: dict[str, list[int]]

    def trusted_digits(self, name: str) -> int:
        """Digits of ``name`` trusted at every recorded step."""
        return min(self.digits[name])

    def trusted(self, name: str, index: int) -> str:
        return format_trusted(self.fine.ctx, getattr(self.fine, name)[index], self.digits[name][index])


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
        digits = {
            name: [
                agreeing_digits(a, b, fine.ctx, max_digits)
                for a, b in zip(getattr(coarse, name), getattr(fine, name))
            ]
            for name in SERIES_FIELDS
        }
        return LadderResult(coarse, fine, digits)
