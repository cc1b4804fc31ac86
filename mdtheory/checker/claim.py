"""A claim as data, and the one runner that checks it.

A ``Claim`` is a problem (a ``mdtheory.problems.Problem`` of any registered kind: it says how it is run and
measures itself), a bound on one quantity, and the verdict the claim predicts. Claim files (``mdtheory.claimfile``) and Python build the
same object; ``check_claim`` measures the quantity on the precision ladder and judges it. A convergence
claim measured at several reference points (x* and declared comparators, for "for every x" statements)
holds only when it holds at each of them; the result names every point and its verdict.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from mdtheory.checker.bounds import CONVERGENCE_QUANTITIES, HOLDS, INCONCLUSIVE, T, VIOLATED, CheckResult, Verdict
from mdtheory.verdict import PROVED
from mdtheory.checker.result import NamedCheck
from mdtheory.errors import MDTheoryError

# Names that moved to the problem kinds (mdtheory.problems), still importable from here for older code. Looked up
# when first asked for: the kinds read claim files, a layer above this module.
_MOVED = {"OfflineProblem": "mdtheory.problems.offline", "OnlineProblem": "mdtheory.problems.online",
          "ROUND": "mdtheory.problems.online", "PolicyProblem": "mdtheory.problems.mdp"}


def __getattr__(name: str):
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Theorem:
    """Where a claim comes from: a name, a reference, and the statement in words."""

    name: str
    reference: str = ""
    statement: str = ""


@dataclass(frozen=True)
class Claim:
    """A theorem about one instance: problem, bound (on ``bound.quantity``), and the predicted verdict."""

    name: str
    problem: object  # a mdtheory.problems.Problem
    bound: object
    expected: Verdict = HOLDS
    theorem: Theorem | None = None

    def __post_init__(self):
        self.problem.check_quantity(self.bound.quantity)
        if self.expected not in (HOLDS, VIOLATED, PROVED):  # proved: a mirror_flow claim with [run] enclosure
            raise MDTheoryError(f"expected: {self.expected!r}; a claim predicts holds, violated or proved")
        object.__setattr__(self, "expected", Verdict(self.expected))  # a file's "violated" as the one type


def check_claim(claim: Claim, progress: Callable[[int, int], None] | None = None) -> NamedCheck:
    """Measure the claim's quantity on the precision ladder and judge it against its bound."""
    problem, bound = claim.problem, claim.bound
    update = problem.update_text()
    judged = problem.judged(bound, progress)
    if judged is not None:
        result, m = judged
        return NamedCheck(claim.name, result, m, claim.expected, update)
    measurements = claim_measurements(claim, progress)
    if bound.quantity not in CONVERGENCE_QUANTITIES:
        return NamedCheck(claim.name, bound.check(measurements[0]), measurements[0], claim.expected, update)
    results = [bound.check(r) for r in measurements]
    index, result = _combined(results, [r.reference for r in measurements])
    return NamedCheck(claim.name, result, measurements[index], claim.expected, update)


def claim_measurements(claim: Claim, progress: Callable[[int, int], None] | None = None) -> list:
    """The laddered measurements a claim is judged on: one series, or one per reference point of a
    convergence claim (x* and each comparator). Not for a quantity the problem measures and judges together
    (offline's perturbed pair: ``Problem.judged``)."""
    return claim.problem.measurements(claim.bound, progress)


def closed_form_numbers(problem) -> list[tuple[str, sp.Expr]]:
    """The numbers of a problem that were read as closed forms (sqrt(2)/4, log(2)), by name, to be shown with
    their decimal values: a rational shows its own value, a closed form does not."""
    read = problem.numbers_read()
    named = [(name, value) for name, value in read.items() if not isinstance(value, tuple)]
    named += [(f"{name}[{i}]", v) for name, value in read.items() if isinstance(value, tuple) for i, v in enumerate(value)]
    return [(name, value) for name, value in named if isinstance(value, sp.Expr) and not value.is_Rational]


def with_declared(m, declared: dict):
    """Declared constants joined to a series measurement's computed ones; a computed one cannot be redeclared
    (its value is known exactly or to the working precision)."""
    clash = sorted(set(declared) & set(m.constants))
    if clash:
        raise MDTheoryError(f"[constants] {clash[0]}: computed from the instance ({m.provenance[clash[0]]}); remove it")
    if not declared:
        return m
    constants = dict(m.constants)
    provenance = dict(m.provenance)
    for name, value in declared.items():
        constants[name] = (m.ctx.exact(value), m.ctx.exact(value))
        provenance[name] = "declared (not checked)" if value.is_Rational else f"declared as {value} (not checked)"
    return dataclasses.replace(m, constants=constants, provenance=provenance)


def _combined(results: list[CheckResult], references: list[str]) -> tuple[int, CheckResult]:
    """One verdict over reference points: violated at any, holds at all, else inconclusive; the result shown
    is the deciding point's (the first violated, else the first inconclusive, else the tightest)."""
    verdicts = [r.verdict for r in results]
    if VIOLATED in verdicts:
        index = verdicts.index(VIOLATED)
    elif INCONCLUSIVE in verdicts:
        index = verdicts.index(INCONCLUSIVE)
    else:
        index = 0
    result = results[index]
    if len(results) == 1:
        return index, dataclasses.replace(result, explanation=f"{result.explanation} (at {references[0]})")
    lines = "; ".join(f"{ref}: {r.verdict}" for ref, r in zip(references, results))
    return index, dataclasses.replace(result, explanation=f"{result.explanation} (shown at {references[index]}). "
                                                          f"Checked at {len(results)} points: {lines}",
                                      extra={**result.extra, "references": dict(zip(references, verdicts))})


__all__ = ["Claim", "Theorem", "check_claim", "claim_measurements", "with_declared", "T"]
