"""The one vocabulary of verdicts, shared by every command and library module.

A verdict says what was shown, and no more:

- ``holds``: the claim is true of this one instance, at every step measured, with the digits that survived a
  precision doubling. It says nothing about other instances.
- ``violated``: the claim is false of this instance: a step at which the measured value is past the bound by
  more than the digits in doubt (a witness, when a search found it).
- ``inconclusive``: neither could be decided (too few trusted digits, an unresolved perturbation, a solver
  that did not certify); the explanation says what would decide it.
- ``proved``: a certificate, checked in exact rational or ball (arb) arithmetic, shows the claim for every
  member of what it quantifies over (every f in a class, every x).
- ``not falsified``: a search over a range found no counterexample. This is not ``holds`` (no instance was
  shown to satisfy the claim to its digits) and not ``proved``.
- ``holds at confidence``: a claim about a random quantity (an expectation or a probability under a stochastic
  oracle, ``mdtheory.problems.stochastic``) decided on seeded samples, because enumerating every outcome exactly
  did not fit the stated budget: a concentration bound (Hoeffding's, on a quantity with a stated range) puts the
  claim true at every step with probability at least the confidence c over the draw of the samples. It prints
  as "holds at confidence c (n = N samples)" (``SampledVerdict``) and is never ``holds``: the samples could be
  the unlucky 1 - c.
- ``violated at confidence``: the same samples put the claim false at some step with probability at least c
  over their draw; "violated at confidence c (n = N samples)", never ``violated``.

A ``str`` enum: a verdict compares equal to, prints as and serializes (JSON) to exactly its value, so the
files and text the commands wrote before this type existed are unchanged.
"""

from __future__ import annotations

import enum


class Verdict(enum.StrEnum):
    """What a check, a search or a certificate decided; see the module's docstring for what each claims."""

    HOLDS = "holds"
    VIOLATED = "violated"
    INCONCLUSIVE = "inconclusive"
    PROVED = "proved"
    NOT_FALSIFIED = "not falsified"
    HOLDS_AT_CONFIDENCE = "holds at confidence"
    VIOLATED_AT_CONFIDENCE = "violated at confidence"


HOLDS, VIOLATED, INCONCLUSIVE = Verdict.HOLDS, Verdict.VIOLATED, Verdict.INCONCLUSIVE
PROVED, NOT_FALSIFIED = Verdict.PROVED, Verdict.NOT_FALSIFIED
HOLDS_AT_CONFIDENCE, VIOLATED_AT_CONFIDENCE = Verdict.HOLDS_AT_CONFIDENCE, Verdict.VIOLATED_AT_CONFIDENCE


class SampledVerdict(str):
    """A verdict decided on samples: ``word`` (``holds at confidence`` or ``violated at confidence``) with the
    confidence level and the number of samples, printed and serialized (JSON) as one text, e.g. "holds at
    confidence 0.99 (n = 2000 samples)". It equals no member of ``Verdict``: a sampled result is never taken
    for an exact one (a claim predicting holds is not as predicted, and it is no violation: see ``sampled``)."""

    word: Verdict
    confidence: str
    samples: int

    def __new__(cls, word: Verdict, confidence: str, samples: int):
        if word not in (HOLDS_AT_CONFIDENCE, VIOLATED_AT_CONFIDENCE):
            raise ValueError(f"a sampled verdict is {HOLDS_AT_CONFIDENCE} or {VIOLATED_AT_CONFIDENCE}, not {word!r}")
        verdict = super().__new__(cls, f"{word.value} {confidence} (n = {samples} samples)")
        verdict.word, verdict.confidence, verdict.samples = Verdict(word), confidence, samples
        return verdict


def sampled(verdict) -> bool:
    """A verdict decided on samples (``SampledVerdict``): neither as predicted nor a violation of the claim."""
    return isinstance(verdict, SampledVerdict)
