"""Worst case for every T: which certificate answers a ``horizons = "all"`` claim.

The amplification is bounded by a one-step quadratic potential (``potential``); a rate whose multipliers depend on
the step index by a potential fitted in k and checked symbolically (``potential_rate``, built on ``potential``'s
pieces); GD's suboptimality, where that potential is not tight, by Drori & Teboulle's closed-form multipliers in
(i, T) and a Huber instance (``tight_gd``). This module only chooses between them, so that neither imports the
other's caller.
"""

from __future__ import annotations

from mdtheory.checker.potential import (check_amplification_every_t, every_t_document, every_t_json,
                                        every_t_lines)
from mdtheory.checker.potential_rate import check_rate
from mdtheory.checker.tight_gd import check_tight
from mdtheory.checker.worst_case import AMPLIFICATION, WorstCaseError
from mdtheory.verdict import INCONCLUSIVE


def check_every_t(claim):
    """A ClassClaim with horizons "all": proved for every T when an exact certificate covers every T, violated when
    an explicit instance exceeds the claim, else inconclusive with why."""
    if claim.method not in ("gd", "md"):
        raise WorstCaseError("[worst_case] horizons: \"all\" is posed for gd and md (for mahalanobis, state it as gd "
                             "in the M-norm)")
    if claim.quantity != AMPLIFICATION:
        rate = check_rate(claim)
        if rate.verdict == INCONCLUSIVE and claim.method == "gd" and 0 < claim.eta * claim.L_f <= 1:
            return check_tight(claim)  # the potential's 1/(eta T) is not tight: Drori & Teboulle's rate, both ends
        return rate
    return check_amplification_every_t(claim)


__all__ = ["check_every_t", "every_t_document", "every_t_json", "every_t_lines"]
