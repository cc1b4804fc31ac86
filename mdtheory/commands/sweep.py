"""mdtheory sweep: a resumable grid of checks on local processes or a Dask cluster."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from mdtheory.commands import exit_code, limits, writable_file

NAME = "sweep"


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="run a TOML grid of checks on local processes or a Dask cluster; resumable")
    parser.add_argument("file")
    parser.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port); default: local processes")
    parser.add_argument("--workers", type=int, help="local processes (default: all cores)")
    parser.add_argument("--results", help="results file (JSON lines; default: [sweep] results, else STEM.jsonl in the "
                                     "current directory)")
    parser.add_argument("--plot", help="write a heatmap PNG of the results here")
    parser.add_argument("--x", default="eta", help="heatmap x axis (a grid key; default eta)")
    parser.add_argument("--y", default="eps", help="heatmap y axis (a grid key; default eps)")
    parser.add_argument("--no-progress", action="store_true")
    limits(parser)
    parser.set_defaults(handler=sweep)


def sweep(args) -> int:
    from collections import Counter

    from mdtheory.progress import Progress
    from mdtheory.sweep import (SHOWN_FAILURES, describe_row, load_sweep, not_holding, plot_results, read_results,
                                run_sweep)

    plot_path = writable_file(args.plot, "--plot")
    if args.results:
        writable_file(args.results, "--results")
    plan = load_sweep(args.file, max_precision_bits=args.max_precision_bits)
    if args.results:
        plan = dataclasses.replace(plan, results=Path(args.results))
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.workers or 'all'} local processes"
    print(f"{len(plan.points)} points -> {plan.results} ({where})", file=sys.stderr, flush=True)
    with Progress(enabled=not args.no_progress) as progress:
        summary = run_sweep(plan, scheduler=args.scheduler, workers=args.workers, progress=progress(Path(args.file).name))
    rows = read_results(plan.results, plan)
    counts = Counter(row["verdict"] for row in rows)
    print(f"{summary['ran']} run now, {summary['already_done']} already on file; verdicts: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    failing = not_holding(rows, plan)
    if failing:
        shown = "" if len(failing) <= SHOWN_FAILURES else f"the first {SHOWN_FAILURES}; "
        print(f"{len(failing)} point{'s' if len(failing) > 1 else ''} did not hold ({shown}every one is in "
              f"{plan.results}):")
        for row in failing[:SHOWN_FAILURES]:
            print("  " + describe_row(row))
    print(f"results: {plan.results}")
    if plot_path:
        print(f"plot: {plot_results(plan.results, plot_path, args.x, args.y, sweep=plan)}")
    return exit_code(counts)
