"""mdtheory verify: run the registered claims, print a line per claim and write the report."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

from mdtheory.commands import exit_code, writable_folder
from mdtheory.errors import MDTheoryError

NAME = "verify"


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="run the registered claims and write a report")
    parser.add_argument("--claim", action="append", help="run only this claim (repeatable)")
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="smaller instances, for a fast look")
    speed.add_argument("--full", action="store_true", help="the long sweeps")
    parser.add_argument("--out", default="report", help="report folder (default: report/)")
    parser.add_argument("--jobs", type=int, help="claims run in parallel processes (default: one per core)")
    parser.add_argument("--details", action="store_true", help="print every check's row, not only a line per claim")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(handler=verify)


# Seconds between looks at which parallel claims have started, for the running line.
RUNNING_POLL_SECONDS = 0.5


def _verify_one(name: str, quick: bool, full: bool, out: str, show_progress: bool):
    """One claim, run and rendered into ``out`` (in a worker process when verify runs claims in parallel)."""
    from mdtheory.claims import load_all
    from mdtheory.progress import Progress
    from mdtheory.report import render_claim, summary_rows

    from mdtheory.checker import ClaimReport, NamedCheck, decided
    from mdtheory.errors import MissingExtraError

    started = time.perf_counter()
    try:
        with Progress(enabled=show_progress) as progress:
            report = load_all()[name](quick=quick, full=full, progress=progress)
    except MissingExtraError as err:  # the other claims still run; this one says what it needs
        report = ClaimReport(name, "not run: an optional package is missing", str(err), [NamedCheck(
            "needs an optional package", decided("not_run", False, "not measured", "n/a", "n/a", 0, str(err),
                                                 confirmed=False))])
    report.elapsed = time.perf_counter() - started
    return name, report.verdict, report.elapsed, render_claim(report, Path(out)), summary_rows([report])


def verify(args) -> int:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from rich.console import Console

    from mdtheory.claims import load_all
    from mdtheory.report import write_summary
    from mdtheory.terminal import ClaimRun, RunningLine, checks_table, claims_table, closing_line

    registry = load_all()
    names = args.claim or list(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        print(f"unknown claim {unknown[0]!r}; registered: {', '.join(registry)}", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        raise MDTheoryError(f"--jobs {args.jobs}: expected at least 1")
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(names)))
    writable_folder(args.out, "--out")
    results = {}
    with RunningLine(len(names), enabled=not args.no_progress) as line:
        def finished(result):
            results[result[0]] = result
            line.finish(*result[:3])

        if jobs == 1:
            for name in names:
                line.start(name)
                finished(_verify_one(name, args.quick, args.full, args.out, False))
        else:
            # forkserver: the workers fork from a fresh server process, not from this one, whose threads (a solver's
            # or a framework's pool, started by an earlier in-process run: a notebook, a test session) would be
            # copied without their threads; a worker forked that way hung forever inside Clarabel (futex wait)
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("forkserver")) as pool:
                futures = {pool.submit(_verify_one, name, args.quick, args.full, args.out, False): name
                           for name in names}
                pending, started = set(futures), set()
                while pending:
                    done, pending = wait(pending, timeout=RUNNING_POLL_SECONDS, return_when=FIRST_COMPLETED)
                    for future in done:
                        if futures[future] not in started:
                            started.add(futures[future])
                            line.start(futures[future])
                        finished(future.result())
                    # the pool queues one claim beyond its processes: the first `jobs` not done are running
                    for future in [f for f in futures if f in pending and f.running()][:jobs]:
                        if futures[future] not in started:
                            started.add(futures[future])
                            line.start(futures[future])
    runs = [ClaimRun(name, results[name][1], results[name][2], results[name][4]) for name in names]
    console = Console(highlight=False)
    if args.details:
        for run in runs:
            console.print(checks_table(run.rows, f"{run.name}: {run.verdict} ({run.seconds:.1f}s)"))
            console.print()
    console.print(claims_table(runs))
    path = write_summary([results[name][:4] for name in names], Path(args.out))
    print(f"report: {path}" + ("" if args.details else " (every check: --details, or the report)"))
    print(closing_line(runs))
    return exit_code(run.verdict for run in runs)
