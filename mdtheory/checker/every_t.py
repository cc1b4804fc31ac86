"""Worst case for every T: which certificate answers a ``horizons = "all"`` claim.

The amplification is bounded by a one-step quadratic potential (``potential``); a rate whose multipliers depend on
the step index by a potential fitted in k and checked symbolically (``potential_rate``, built on ``potential``'s
pieces). This module only chooses between them, so that neither imports the other's caller.
"""

from __future__ import annotations

from mdtheory.checker.potential import (check_amplification_every_t, every_t_document, every_t_json,
                                        every_t_lines)
from mdtheory.checker.potential_rate import check_rate
from mdtheory.checker.worst_case import AMPLIFICATION, WorstCaseError


def check_every_t(claim):
    """A ClassClaim with horizons "all": proved for every T when an exact certificate covers every T, violated when
    an explicit instance exceeds the claim, else inconclusive with why."""
    if claim.method not in ("gd", "md"):
        raise WorstCaseError("[worst_case] horizons: \"all\" is posed for gd and md (for mahalanobis, state it as gd "
                             "in the M-norm)")
    if claim.quantity != AMPLIFICATION:
        return check_rate(claim)
    return check_amplification_every_t(claim)


__all__ = ["check_every_t", "every_t_document", "every_t_json", "every_t_lines"]
