"""mdtheory: check theorems about Mirror Descent by computation.

  mdtheory verify [--claim NAME] [--quick | --full] [--out DIR]   run the registered claims, write a report
  mdtheory check FILE.toml [--json OUT] [--plot OUT.png]          run one claim file
  mdtheory appendix [--out proofs] [--quick]                      write the derivation appendix
  mdtheory risk --d D --start zipf:2 --eta 1/10 --steps T ...     when does the sensitivity matter here?
  mdtheory sweep FILE.toml [--scheduler ADDRESS] [--plot OUT.png]  a resumable grid of checks
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from mdtheory.errors import MDTheoryError


def _print_table(rows: list[tuple]):
    header = ("claim", "check", "verdict", "expected", "measured", "claimed", "margin", "digits", "time")
    cells = [header] + [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], str(r[7]), f"{r[8]:.1f}s") for r in rows]
    widths = [min(72 if i == 1 else 48, max(len(str(c[i])) for c in cells)) for i in range(len(header))]
    for k, row in enumerate(cells):
        print("  ".join(str(v)[:w].ljust(w) for v, w in zip(row, widths)))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def _verify_one(name: str, quick: bool, full: bool, out: str, show_progress: bool):
    """One claim, run and rendered into ``out`` (in a worker process when verify runs claims in parallel)."""
    from mdtheory.claims import load_all
    from mdtheory.progress import Progress
    from mdtheory.report import render_claim, summary_rows

    started = time.perf_counter()
    report = load_all()[name](quick=quick, full=full, progress=Progress(enabled=show_progress))
    report.elapsed = time.perf_counter() - started
    return name, report.verdict, report.elapsed, render_claim(report, Path(out)), summary_rows([report])


def verify(args) -> int:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from mdtheory.checker import VIOLATED
    from mdtheory.claims import load_all
    from mdtheory.report import write_summary

    registry = load_all()
    names = args.claim or list(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        print(f"unknown claim {unknown[0]!r}; registered: {', '.join(registry)}", file=sys.stderr)
        return 2
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(names)))
    Path(args.out).mkdir(parents=True, exist_ok=True)
    results = {}

    def finished(result):
        results[result[0]] = result
        print(f"[{len(results)}/{len(names)}] {result[0]}: {result[1]} ({result[2]:.1f}s)", file=sys.stderr, flush=True)

    if jobs == 1:
        for i, name in enumerate(names, 1):
            print(f"[{i}/{len(names)}] {name} ...", file=sys.stderr, flush=True)
            finished(_verify_one(name, args.quick, args.full, args.out, not args.no_progress))
    else:
        # Progress bars of parallel claims would interleave: each claim reports when it finishes.
        print(f"running {len(names)} claims on {jobs} processes ...", file=sys.stderr, flush=True)
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_verify_one, name, args.quick, args.full, args.out, False) for name in names]
            for future in as_completed(futures):
                finished(future.result())
    ordered = [results[name] for name in names]
    print()
    _print_table([row for result in ordered for row in result[4]])
    path = write_summary([result[:4] for result in ordered], Path(args.out))
    print(f"\nreport: {path}")
    return 1 if any(result[1] == VIOLATED for result in ordered) else 0


def check(args) -> int:
    from mdtheory.checker.measure import measure, worst_case_amplification
    from mdtheory.checker.result import ClaimReport, NamedCheck, check_json
    from mdtheory.claimfile import load_claim_file
    from mdtheory.progress import Progress
    from mdtheory.report import plot_claim

    claim = load_claim_file(args.file)
    progress = Progress(enabled=not args.no_progress)
    m = measure(claim.md, claim.spec, claim.bits, with_float64=claim.float64, progress=progress(Path(args.file).name),
                backend=claim.backend)
    result = claim.bound.check(m)
    named = NamedCheck(Path(args.file).stem, result, m)
    print(f"verdict: {result.verdict}\nkind: {result.kind}\nmeasured: {result.measured}\nclaimed: {result.claimed}\n"
          f"margin: {result.margin}\ntrusted digits: {result.trusted_digits}\n{result.explanation}")
    if args.json:
        data = check_json(named)
        worst = worst_case_amplification(claim.md, claim.spec, claim.bits)
        if worst is not None:
            for row, value in zip(data["series"], worst):
                row["worst_case_amplification"] = value
        Path(args.json).write_text(json.dumps(data, indent=2))
    if args.plot:
        plot_claim(ClaimReport(Path(args.file).stem, "claim file", "", [named]), Path(args.plot))
    return 1 if result.verdict == "violated" else 0


def appendix(args) -> int:
    from mdtheory.appendix import write_appendix
    from mdtheory.claims import load_all
    from mdtheory.progress import Progress

    progress = Progress(enabled=not args.no_progress)
    reports = []
    for name, run in load_all().items():
        print(f"running {name} for the appendix ...", file=sys.stderr, flush=True)
        reports.append(run(quick=args.quick, full=False, progress=progress))
    tex, md = write_appendix(reports, Path(args.out))
    print(f"wrote {tex} and {md}")
    return 0


def risk(args) -> int:
    from mdtheory.risk import RiskSetting, assess, markdown, write

    setting = RiskSetting.build(args.d, args.start, args.spread, args.eta, args.steps, args.arithmetic, args.noise,
                                args.tolerance, args.anchor, args.update)
    report = assess(setting, validate=not args.no_validate)
    print(markdown(report))
    if args.out:
        paths = write(report, Path(args.out))
        print("wrote " + ", ".join(map(str, paths)))
    return 0


def sweep(args) -> int:
    from collections import Counter

    from mdtheory.progress import Progress
    from mdtheory.sweep import load_sweep, plot_results, read_results, run_sweep

    plan = load_sweep(args.file)
    if args.results:
        plan = dataclasses.replace(plan, results=Path(args.results))
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.workers or 'all'} local processes"
    print(f"{len(plan.points)} points -> {plan.results} ({where})", file=sys.stderr, flush=True)
    progress = Progress(enabled=not args.no_progress)
    summary = run_sweep(plan, scheduler=args.scheduler, workers=args.workers, progress=progress(Path(args.file).name))
    counts = Counter(row["verdict"] for row in read_results(plan.results))
    print(f"{summary['ran']} run now, {summary['already_done']} already on file; verdicts: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if args.plot:
        print(f"plot: {plot_results(plan.results, Path(args.plot), args.x, args.y)}")
    return 1 if counts.get("violated") else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mdtheory", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    v = commands.add_parser("verify", help="run the registered claims and write a report")
    v.add_argument("--claim", action="append", help="run only this claim (repeatable)")
    speed = v.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="smaller instances, for a fast look")
    speed.add_argument("--full", action="store_true", help="the long sweeps")
    v.add_argument("--out", default="report", help="report folder (default: report/)")
    v.add_argument("--jobs", type=int, help="claims run in parallel processes (default: one per core)")
    v.add_argument("--no-progress", action="store_true")
    v.set_defaults(handler=verify)
    c = commands.add_parser("check", help="run one TOML claim file")
    c.add_argument("file")
    c.add_argument("--json", help="write the result as JSON here")
    c.add_argument("--plot", help="write a PNG plot here")
    c.add_argument("--no-progress", action="store_true")
    c.set_defaults(handler=check)
    a = commands.add_parser("appendix", help="write the derivation appendix (LaTeX and Markdown) into proofs/")
    a.add_argument("--out", default="proofs")
    a.add_argument("--quick", action="store_true", help="claims at quick settings")
    a.add_argument("--no-progress", action="store_true")
    a.set_defaults(handler=appendix)
    r = commands.add_parser("risk", help="predict when initialization sensitivity of softmax/KL MD matters in a setting")
    r.add_argument("--d", type=int, required=True, help="number of outcomes (tokens, arms)")
    r.add_argument("--start", default="uniform", help="uniform | zipf:S | min:P (default uniform)")
    r.add_argument("--spread", default="1", help="cost gap between the rare favoured outcome and the rest (default 1)")
    r.add_argument("--eta", default="1/10", help="step size (exact: 1/10, 0.1, 1e-2)")
    r.add_argument("--steps", type=int, default=1000, help="horizon T")
    r.add_argument("--arithmetic", default="float64", help="float64 | float32 | bfloat16 (default float64)")
    r.add_argument("--update", default="multiplicative",
                   help="how the run stores the iterate: multiplicative (x) or logits (z, x = softmax(z))")
    r.add_argument("--noise", help="initialization noise level sigma (absolute, l2)")
    r.add_argument("--tolerance", default="1e-3", help="separation that counts as mattering (default 1e-3)")
    r.add_argument("--anchor", help="lambda of a fixed anchor at the uniform distribution")
    r.add_argument("--out", help="write risk.md, risk.json and risk.png here")
    r.add_argument("--no-validate", action="store_true", help="skip the measured run in the stated arithmetic")
    r.set_defaults(handler=risk)
    w = commands.add_parser("sweep", help="run a TOML grid of checks on local processes or a Dask cluster; resumable")
    w.add_argument("file")
    w.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port); default: local processes")
    w.add_argument("--workers", type=int, help="local processes (default: all cores)")
    w.add_argument("--results", help="results file (JSON lines; default from the file)")
    w.add_argument("--plot", help="write a heatmap PNG of the results here")
    w.add_argument("--x", default="eta", help="heatmap x axis (a grid key; default eta)")
    w.add_argument("--y", default="eps", help="heatmap y axis (a grid key; default eps)")
    w.add_argument("--no-progress", action="store_true")
    w.set_defaults(handler=sweep)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except MDTheoryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
