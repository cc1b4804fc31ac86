"""mdtheory check: one claim file (or its planted-false twin), judged on the precision ladder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mdtheory.commands import exit_code, limits, writable_file, write_result
from mdtheory.verdict import HOLDS, INCONCLUSIVE, VIOLATED, sampled

NAME = "check"


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="run one TOML claim file", description=CHECK_DESCRIPTION)
    parser.add_argument("file")
    parser.add_argument("--json", help="write the result as JSON here")
    parser.add_argument("--plot", help="write a PNG plot here")
    parser.add_argument("--twin", action="store_true", help="check the file's planted-false [twin] instead")
    parser.add_argument("--no-progress", action="store_true")
    limits(parser)
    parser.set_defaults(handler=check)


CHECK_DESCRIPTION = ("Run one TOML claim file: measure its quantity on the precision ladder and judge it against its "
                     "bound. The claim-file format is documented in docs/claim-language.md, section \"A claim file\" "
                     "(theorems beyond sensitivity: section \"Theorems beyond sensitivity: convergence, regret, policy "
                     "optimization\"; every key: section \"Every key\"), and the result's words in "
                     "docs/reading-results.md; the theorem library's files in mdtheory/theorems/ are worked examples.")


def check(args) -> int:
    from mdtheory.checker.claim import check_claim, closed_form_numbers
    from mdtheory.search.witness import with_decimal
    from mdtheory.checker.result import ClaimReport, check_json
    from mdtheory.claimfile import load_claim
    from mdtheory.progress import Progress
    from mdtheory.report import plot_claim

    json_path, plot_path = writable_file(args.json, "--json"), writable_file(args.plot, "--plot")
    claim = load_claim(args.file, twin=args.twin, max_steps=args.max_steps, max_precision_bits=args.max_precision_bits)
    problem = claim.problem
    if problem.parameters:
        print("parameters at the middle of their [search] ranges (mdtheory falsify searches them): "
              + ", ".join(f"{p} = {v}" for p, v in zip(problem.parameters, problem.parameter_values)))
    if claim.theorem is not None and claim.theorem.name:
        print(f"theorem: {claim.theorem.name}" + (f" ({claim.theorem.reference})" if claim.theorem.reference else "")
              + (f"\n  {claim.theorem.statement}" if claim.theorem.statement else ""))
    elif claim.theorem is not None and claim.theorem.statement:  # a twin of a file without [theorem]: its why
        print(claim.theorem.statement)
    for name, value in closed_form_numbers(problem):
        print(f"{name} = {with_decimal(value).text()}")
    with Progress(enabled=not args.no_progress) as progress:
        named = check_claim(claim, progress=progress(Path(args.file).name))
    result, m = named.result, named.measurement
    expected = ("" if named.as_predicted else f"\nexpected: {named.expected} (decided on samples, not exactly: see "
                "the confidence and the number of samples above)" if sampled(result.verdict)
                else f"\nexpected: {named.expected} (not as the claim predicts)")
    if named.update_text is not None:
        print(f"update: {named.update_text}")
    print(f"verdict: {result.verdict}{expected}\nkind: {result.kind}\nmeasured: {result.measured}\n"
          f"claimed: {result.claimed}\nmargin: {result.margin}\ntrusted digits: {result.trusted_digits}\n"
          + (f"convexity: {result.convexity}\n" if result.convexity else "") + result.explanation)
    bound_expression = getattr(claim.bound, "bound", None)
    if m is not None and bound_expression is not None:
        for name in sorted(str(s) for s in bound_expression.free_symbols):
            if name in m.constants:
                print(f"  {name} = {m.ctx.nstr(m.ctx.mpf(m.constants[name][0]), 12)}: {m.provenance.get(name, '')}")
    if json_path:
        data = check_json(named)
        for quantity, column in problem.extra_series(m).items():
            for row, value in zip(data["series"], column):
                row[quantity] = value
        write_result(json_path, json.dumps(data, indent=2), "--json")
    if plot_path and m is not None:
        plot_claim(ClaimReport(Path(args.file).stem, "claim file", "", [named]), plot_path)
    elif plot_path:
        print(f"no plot: nothing was measured ({plot_path} not written)", file=sys.stderr)
    # as for verify: 0 when the verdict is the one the claim predicts (a twin predicts violated)
    # a verdict decided on samples (holds at confidence c) is not an exact one: it exits as inconclusive
    return exit_code([HOLDS if named.as_predicted else INCONCLUSIVE if result.verdict == INCONCLUSIVE
                      or sampled(result.verdict) else VIOLATED])
