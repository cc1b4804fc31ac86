"""The checker: measured amplification against stated bounds, with verdicts."""

from mdtheory.checker.bounds import (
    HOLDS,
    INCONCLUSIVE,
    VIOLATED,
    CheckResult,
    ClosedFormAgreement,
    Decay,
    ExponentialGrowth,
    MinForm,
    Saturation,
    UpperBound,
    Verdict,
    decided,
)
from mdtheory.checker.measure import Measurement, measure
from mdtheory.checker.reading import Figure, Reading, exactly, joined, laddered, reading, rounded
from mdtheory.checker.result import ClaimReport, NamedCheck

__all__ = [
    "HOLDS", "INCONCLUSIVE", "VIOLATED", "CheckResult", "ClaimReport", "ClosedFormAgreement", "Decay", "ExponentialGrowth",
    "Figure", "Measurement", "MinForm", "NamedCheck", "Reading", "Saturation", "UpperBound", "Verdict", "decided",
    "exactly", "joined", "laddered", "measure", "reading", "rounded",
]
