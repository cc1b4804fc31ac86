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


HOLDS, VIOLATED, INCONCLUSIVE = Verdict.HOLDS, Verdict.VIOLATED, Verdict.INCONCLUSIVE
PROVED, NOT_FALSIFIED = Verdict.PROVED, Verdict.NOT_FALSIFIED
