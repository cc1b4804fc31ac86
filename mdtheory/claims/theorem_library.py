"""The theorem library (``mdtheory/theorems``): published MD results, each checked on a true instance that
must hold and on a planted-false twin that must come out violated.

One registered claim per family (convergence, online, policy, seed_paper). Every check is a claim file run
by the same runner as ``mdtheory check``: measured on the precision ladder (bits, 2*bits) with the instance's
constants computed (exactly where sympy can, otherwise on both rungs) or declared and checked. The report
gives, for each theorem, how tight its bound is on the instance: measured / claimed at the step closest to
the bound (1 = attained).
"""

from __future__ import annotations

import functools
import textwrap

from mdtheory.checker.claim import check_claim
from mdtheory.checker.result import ClaimReport, table_cell
from mdtheory.claimfile import load_claim
from mdtheory.claims import register
from mdtheory.theorems import CLAIM_PREFIX, FAMILIES, theorem_files

STATEMENT_WIDTH = 100  # the appendix prints statements verbatim


def run_family(family: str, quick: bool = False, full: bool = False, progress=None) -> ClaimReport:
    """Every theorem of ``family`` and its twin (``quick`` and ``full`` change nothing: each is seconds)."""
    checks, statements, rows = [], [], []
    for path in theorem_files(family):
        true, twin = load_claim(path), load_claim(path, twin=True)
        for claim in (true, twin):
            checks.append(check_claim(claim))
        theorem = true.theorem
        statements.append(textwrap.fill(f"- {path.stem}: {theorem.name}. {theorem.statement} ({theorem.reference})",
                                        STATEMENT_WIDTH, subsequent_indent="  "))
        truth, planted = checks[-2].result, checks[-1].result
        rows.append(f"| {path.stem} | {table_cell(true.bound.quantity)} | {table_cell(truth.verdict)} | "
                    f"{truth.extra.get('tightness', 'n/a')} | {table_cell(twin.theorem.statement)} | "
                    f"{table_cell(planted.verdict)} |")
    table = ("| theorem | quantity | verdict | tightness (measured / claimed) | twin | twin's verdict |\n"
             "|---|---|---|---|---|---|\n" + "\n".join(rows))
    return ClaimReport(
        name=f"{CLAIM_PREFIX}{family}", title=f"Theorem library: {FAMILIES[family]}",
        statement="\n".join(statements), checks=checks, tables=[table],
        notes=[f"claim files: mdtheory/theorems/{family}/; check one with mdtheory check FILE (or --twin)"])


for _family in FAMILIES:
    register(f"{CLAIM_PREFIX}{_family}")(functools.partial(run_family, _family))
