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
from mdtheory.checker.result import ClaimReport, NamedCheck

__all__ = [
    "HOLDS", "INCONCLUSIVE", "VIOLATED", "CheckResult", "ClaimReport", "ClosedFormAgreement", "Decay", "ExponentialGrowth",
    "Measurement", "MinForm", "NamedCheck", "Saturation", "UpperBound", "Verdict", "decided", "measure",
]
