"""mdtheory: check theorems about Mirror Descent by computation.

  mdtheory verify [--claim NAME] [--quick | --full] [--details]  run the registered claims, write a report
  mdtheory check FILE.toml [--twin] [--json OUT] [--plot OUT.png]  run one claim file (or its twin)
  mdtheory appendix [--out proofs] [--quick]                      write the derivation appendix
  mdtheory risk --d D --start zipf:2 --eta 1/10 --steps T ...     when does the sensitivity matter here?
  mdtheory sweep FILE.toml [--scheduler ADDRESS] [--plot OUT.png]  a resumable grid of checks
  mdtheory falsify FILE.toml [--json OUT] [--plot OUT.png]         search [search]'s range for a counterexample
  mdtheory worst-case FILE.toml [--json OUT] [--plot OUT.png] [--certificate DIR] [--instance DIR]
                                                                  for every f (and phi) in a class, certified
  mdtheory list [--json]                                          registered claims, theorem library, catalogue
  mdtheory --version

Exit codes (check, verify, sweep, falsify): 0 holds (every check as predicted: a twin predicts violated),
1 violated (not as predicted), 2 bad input,
3 inconclusive (falsify: not falsified), 4 internal error (one line; --debug prints the traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
import traceback
import warnings
from pathlib import Path

from mdtheory.errors import MDTheoryError

EXIT_HOLDS, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def exit_code(verdicts) -> int:
    """internal error, then violated, bad input, inconclusive, holds: the first that occurs decides ("error"
    rows of a sweep count as bad input)."""
    verdicts = set(verdicts)
    if "internal_error" in verdicts:
        return EXIT_INTERNAL
    if "violated" in verdicts:
        return EXIT_VIOLATED
    if "error" in verdicts:
        return EXIT_BAD_INPUT
    if "inconclusive" in verdicts:
        return EXIT_INCONCLUSIVE
    return EXIT_HOLDS


def writable_file(path: str | None, option: str) -> Path | None:
    """Check an output file's place before the run, so that a long run never ends in a lost result."""
    if path is None:
        return None
    target = Path(path)
    if target.is_dir():
        raise MDTheoryError(f"{option} {path}: is a directory; give a file name")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise MDTheoryError(f"{option} {path}: the folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise MDTheoryError(f"{option} {path}: not writable; choose another path")
    return target


def default_output(input_path: str, suffix: str) -> Path:
    """Where a command writes what it derives from an input file when no path is given: the current
    directory, named after the input's stem. Never beside the input, which may be inside the installed package
    (the theorem library) or the source tree."""
    return Path(Path(input_path).stem + suffix)


def write_result(path: Path, text: str, option: str) -> None:
    """Write an output file after the run, once its result is on the terminal. A place that passed
    writable_file can still fail (a full disk, /dev/full, a folder removed meanwhile): that is bad input
    naming the path (exit 2), not an internal error."""
    try:
        path.write_text(text)
    except OSError as err:
        raise MDTheoryError(f"{option} {path}: could not be written ({err.strerror or err}); the result above stands, "
                            "but this file is missing or incomplete: choose another path and run again") from None


def writable_folder(path: str, option: str) -> Path:
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise MDTheoryError(f"{option} {path}: exists and is not a folder; choose another path")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise MDTheoryError(f"{option} {path}: cannot be created ({err.strerror}); choose another path") from None
    if not os.access(target, os.W_OK):
        raise MDTheoryError(f"{option} {path}: not writable; choose another path")
    return target


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
            with ProcessPoolExecutor(max_workers=jobs) as pool:
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


def check(args) -> int:
    from mdtheory.checker.claim import OfflineProblem, check_claim
    from mdtheory.checker.measure import Measurement, measure_worst_case
    from mdtheory.engine.run import WORST_CASE_MAX_DIM
    from mdtheory.engine.ladder import trusted_or_none
    from mdtheory.checker.result import ClaimReport, check_json
    from mdtheory.claimfile import load_claim
    from mdtheory.progress import Progress
    from mdtheory.report import plot_claim

    json_path, plot_path = writable_file(args.json, "--json"), writable_file(args.plot, "--plot")
    claim = load_claim(args.file, twin=args.twin, max_steps=args.max_steps, max_precision_bits=args.max_precision_bits)
    problem = claim.problem
    if isinstance(problem, OfflineProblem) and problem.md.parameters:
        print("parameters at the middle of their [search] ranges (mdtheory falsify searches them): "
              + ", ".join(f"{p} = {v}" for p, v in zip(problem.md.parameters, problem.spec.parameters)))
    if claim.theorem is not None:
        print(f"theorem: {claim.theorem.name}" + (f" ({claim.theorem.reference})" if claim.theorem.reference else "")
              + (f"\n  {claim.theorem.statement}" if claim.theorem.statement else ""))
    with Progress(enabled=not args.no_progress) as progress:
        named = check_claim(claim, progress=progress(Path(args.file).name))
    result, m = named.result, named.measurement
    expected = "" if named.as_predicted else f"\nexpected: {named.expected} (not as the claim predicts)"
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
        if isinstance(m, Measurement) and m.spec.perturbed and problem.md.regularizer.dim <= WORST_CASE_MAX_DIM:
            worst = measure_worst_case(problem.md, problem.spec, problem.bits)
            quantity = "worst_case_amplification"
            for row, value, digits in zip(data["series"], worst.values(quantity), worst.digits(quantity)):
                row[quantity] = trusted_or_none(worst.ctx, value, digits)
        write_result(json_path, json.dumps(data, indent=2), "--json")
    if plot_path and m is not None:
        plot_claim(ClaimReport(Path(args.file).stem, "claim file", "", [named]), plot_path)
    elif plot_path:
        print(f"no plot: nothing was measured ({plot_path} not written)", file=sys.stderr)
    # as for verify: 0 when the verdict is the one the claim predicts (a twin predicts violated)
    return exit_code(["holds" if named.as_predicted else result.verdict if result.verdict == "inconclusive"
                      else "violated"])


def worst_case(args) -> int:
    from mdtheory.progress import Progress
    from mdtheory.checker.worst_case import check_class_claim, interval_curve
    from mdtheory.plotting import draw_intervals
    from mdtheory.worstcase import class_verdict_json, load_class_claim

    json_path, plot_path = writable_file(args.json, "--json"), writable_file(args.plot, "--plot")
    certificate_folder = None if args.certificate is None else writable_folder(args.certificate, "--certificate")
    instance_folder = None if args.instance is None else writable_folder(args.instance, "--instance")
    claim = load_class_claim(args.file)
    with Progress(enabled=not args.no_progress) as progress:
        result = check_class_claim(claim, progress(Path(args.file).name))
    data = class_verdict_json(result)
    print(f"{claim.method}, eta = {claim.eta} (L_f = {claim.L_f}"
          + (f", phi: mu = {claim.mu_phi}, L = {claim.L_phi}" if claim.method != "gd" else "") + ")")
    solver = "solver (squared)" if claim.quantity == "amplification" else "solver"
    print(f"{'T':>4}  {solver:>18}  {'certified ' + claim.quantity + ' [lower, upper]':>40}  verdict")
    for row in data["horizons"]:
        low, high = row["interval"]
        shown = f"[{low:.9g}, {'not certified' if high is None else f'{high:.9g}'}]"
        value = row.get("solver_value_squared", row.get("solver_value_exact"))
        print(f"{row['T']:>4}  {value:>18.10g}  {shown:>40}  {row['verdict'] or '-'}")
    for line in result.why_inconclusive():
        print(line)
    if result.verdict is not None:
        print(f"claim {claim.quantity} <= {claim.bound}: {result.verdict} (expected {claim.expected})")
    if json_path:
        write_result(json_path, json.dumps(data, indent=2), "--json")
    if certificate_folder:
        write_certificates(certificate_folder, result, args.file)
    if instance_folder:
        write_instances(instance_folder, result, args.file)
    if plot_path:
        draw_intervals(plot_path, {f"{claim.method}, eta = {claim.eta}": interval_curve(result)},
                       f"{claim.method}, eta = {claim.eta}")
    if result.verdict is None:
        return EXIT_HOLDS
    if result.verdict == claim.expected:
        return EXIT_HOLDS
    return EXIT_INCONCLUSIVE if result.verdict == "inconclusive" else EXIT_VIOLATED


def write_instances(folder: Path, result, source: str) -> None:
    """Each horizon's worst-case instance, where the lower bound is one (NAME_TT_instance.json): exact points,
    gradients and values that a function of the class interpolates (the claim language cannot write such a
    function, so it is data, not a claim file)."""
    from mdtheory.checker.interpolation import instance_document
    from mdtheory.worstcase import certificate_name

    for case in result.cases:
        if case.instance is None:
            print(f"T = {case.T}: no instance (the lower bound is {case.how_lower.split(':')[0]})")
            continue
        claim = {"method": result.claim.method, "quantity": result.claim.quantity, "T": case.T,
                 "eta": str(result.claim.eta), "L_f": str(result.claim.L_f),
                 "mu_phi": None if result.claim.mu_phi is None else str(result.claim.mu_phi),
                 "L_phi": None if result.claim.L_phi is None else str(result.claim.L_phi)}
        path = folder / f"{certificate_name(source, case.T)}_instance.json"
        write_result(path, json.dumps(instance_document(case.instance, claim), indent=1) + "\n", "--instance")
        print(f"T = {case.T}: instance {path}")


def write_certificates(folder: Path, result, source: str) -> None:
    """Each horizon's certificate as data (NAME_TT.json) and as a Coq replay (NAME_TT.v), where NAME is the
    claim file's stem; a horizon whose upper bound was not certified has none, and is named."""
    from mdtheory.coq import coq_replay
    from mdtheory.worstcase import certificate_document, certificate_name

    for case in result.cases:
        if case.certificate is None:
            print(f"T = {case.T}: no certificate (the upper bound was not certified)")
            continue
        document = certificate_document(result, case, source)
        stem = folder / certificate_name(source, case.T)
        write_result(stem.with_suffix(".json"), json.dumps(document, indent=1) + "\n", "--certificate")
        write_result(stem.with_suffix(".v"), coq_replay(document), "--certificate")
        print(f"T = {case.T}: certificate {stem}.json, Coq replay {stem}.v")


def falsify(args) -> int:
    from mdtheory.falsify import falsify_file, plot, result_json

    json_path, plot_path = writable_file(args.json, "--json"), writable_file(args.plot, "--plot")
    # never beside the claim file: that may be the installed theorem library, which verify reads whole
    witness_path = writable_file(args.witness or default_output(args.file, ".witness.toml"), "--witness")
    say = None if args.no_progress else (lambda text: print(f"  {text}", file=sys.stderr, flush=True))
    result = falsify_file(args.file, twin=args.twin, candidates=args.candidates, seconds=args.seconds, seed=args.seed,
                          progress=say, workers=args.workers, scheduler=args.scheduler, max_steps=args.max_steps,
                          max_precision_bits=args.max_precision_bits)
    print(result.summary())
    if result.witness is not None:
        try:
            write_result(witness_path, result.witness.claim_text, "--witness")
        except MDTheoryError:
            print(result.witness.claim_text)  # the witness is the result: shown, since it could not be saved
            raise
        print(f"witness claim file: {witness_path} (mdtheory check reproduces the verdict)")
    if json_path:
        write_result(json_path, json.dumps(result_json(result), indent=2), "--json")
    if plot_path:
        plot(result, plot_path)
    return EXIT_VIOLATED if result.witness is not None else EXIT_INCONCLUSIVE


def list_command(args) -> int:
    from mdtheory.face import listing

    found = listing()
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print("claims (mdtheory verify --claim NAME):")
    for claim in found["claims"]:
        print(f"  {claim['name']}: {claim['about']}")
    print("theorem library (mdtheory check FILE, and --twin for its planted-false twin):")
    for theorem in found["theorems"]:
        print(f"  {theorem['name']}: {theorem['title'] or '(no [theorem] name)'}"
              + (" [twin]" if theorem["twin"] else " [no twin]"))
    print("catalogue of regularizers (mdtheory.catalogue; regularizer = \"NAME\" in a claim file):")
    for regularizer in found["catalogue"]:
        print(f"  {regularizer['name']}: {regularizer['about']}")
    return 0


class _Version(argparse.Action):
    """--version, read from the installed metadata only when asked (it costs an import)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print mdtheory's version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from mdtheory.face import version

        print(f"mdtheory {version()}")  # on stdout, as argparse's own version action writes it
        parser.exit()


def appendix(args) -> int:
    from mdtheory.appendix import write_appendix
    from mdtheory.claims import load_all
    from mdtheory.progress import Progress

    writable_folder(args.out, "--out")
    reports = []
    with Progress(enabled=not args.no_progress) as progress:
        for name, run in load_all().items():
            progress.note(f"running {name} for the appendix ...")
            reports.append(run(quick=args.quick, full=False, progress=progress))
    tex, md = write_appendix(reports, Path(args.out))
    print(f"wrote {tex} and {md}")
    return 0


def risk(args) -> int:
    from mdtheory.risk import RiskSetting, assess, markdown, write

    from mdtheory.engine.frameworks import FrameworkRun
    from mdtheory.errors import ExpressionError

    framework = None
    if args.framework is None:
        given = [name for name in ("device", "precision") if getattr(args, name) is not None]
        if given:
            raise ExpressionError(f"--{given[0]} chooses how a framework runs the update; add --framework numpy, torch "
                                  "or jax (or use --arithmetic for the emulation)")
        arithmetic = args.arithmetic or "float64"
    else:
        if args.precision and args.arithmetic and args.precision != args.arithmetic:
            raise ExpressionError(f"--precision {args.precision} and --arithmetic {args.arithmetic} disagree; with "
                                  "--framework give --precision only")
        framework = FrameworkRun(args.framework, args.device or "cpu", args.precision or args.arithmetic or "float32")
        # the closed forms' arithmetic: the format the iterate or the master logits are stored in
        arithmetic = framework.formats.storage
    setting = RiskSetting.build(args.d, args.start, args.spread, args.eta, args.steps, arithmetic, args.noise,
                                args.tolerance, args.anchor, args.update)
    if args.out:
        writable_folder(args.out, "--out")
    report = assess(setting, validate=not args.no_validate, framework=framework)
    print(markdown(report))
    if args.out:
        paths = write(report, Path(args.out))
        print("wrote " + ", ".join(map(str, paths)))
    return 0


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


CHECK_DESCRIPTION = ("Run one TOML claim file: measure its quantity on the precision ladder and judge it against its "
                     "bound. The claim-file format is documented in docs/claim-language.md, section \"A claim file\" "
                     "(theorems beyond sensitivity: section \"Theorems beyond sensitivity: convergence, regret, policy "
                     "optimization\"; every key: section \"Every key\"), and the result's words in "
                     "docs/reading-results.md; the theorem library's files in mdtheory/theorems/ are worked examples.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mdtheory", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True)
    v = commands.add_parser("verify", help="run the registered claims and write a report")
    v.add_argument("--claim", action="append", help="run only this claim (repeatable)")
    speed = v.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="smaller instances, for a fast look")
    speed.add_argument("--full", action="store_true", help="the long sweeps")
    v.add_argument("--out", default="report", help="report folder (default: report/)")
    v.add_argument("--jobs", type=int, help="claims run in parallel processes (default: one per core)")
    v.add_argument("--details", action="store_true", help="print every check's row, not only a line per claim")
    v.add_argument("--no-progress", action="store_true")
    v.set_defaults(handler=verify)
    c = commands.add_parser("check", help="run one TOML claim file", description=CHECK_DESCRIPTION)
    c.add_argument("file")
    c.add_argument("--json", help="write the result as JSON here")
    c.add_argument("--plot", help="write a PNG plot here")
    c.add_argument("--twin", action="store_true", help="check the file's planted-false [twin] instead")
    c.add_argument("--no-progress", action="store_true")
    _limits(c)
    c.set_defaults(handler=check)
    w = commands.add_parser("worst-case", help="the worst case over a function class (PEPit), certified both sides")
    w.add_argument("file")
    w.add_argument("--json", help="write the result as JSON here")
    w.add_argument("--plot", help="write a PNG plot here")
    w.add_argument("--instance", metavar="DIR", help="write each horizon's worst-case instance here (exact points, "
                   "gradients and function values that a function of the class interpolates), where it gives the "
                   "lower bound")
    w.add_argument("--certificate", metavar="DIR", help="write each horizon's certificate here, as data (.json) and "
                   "as a Coq replay (.v); check them with python proofs/check_certificate.py DIR and coqc")
    w.add_argument("--no-progress", action="store_true")
    w.set_defaults(handler=worst_case)
    f = commands.add_parser("falsify", help="search a claim file's [search] range for a counterexample, and prove it")
    f.add_argument("file")
    f.add_argument("--candidates", type=int, help="screening budget (default: [search] candidates, or 20000)")
    f.add_argument("--seconds", type=float, help="time budget (default: [search] seconds, or 60)")
    f.add_argument("--seed", type=int, help="random seed (default: [search] seed, or 0)")
    f.add_argument("--workers", type=int, help="screen on this many local processes (default: this process)")
    f.add_argument("--scheduler", help="screen on the Dask cluster at this address (tcp://host:port)")
    f.add_argument("--json", help="write the result as JSON here")
    f.add_argument("--plot", help="write a PNG of measured/claimed over the search here")
    f.add_argument("--witness",
                   help="write the witness claim file here (default: STEM.witness.toml in the current directory)")
    f.add_argument("--twin", action="store_true", help="search the file's planted-false [twin] instead")
    f.add_argument("--no-progress", action="store_true")
    _limits(f)
    f.set_defaults(handler=falsify)
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
    r.add_argument("--arithmetic", help="float64 | float32 | bfloat16 (default float64): the emulated run (numpy, ml_dtypes)")
    r.add_argument("--framework", help="numpy | torch | jax: run the update with that framework's own kernels, "
                                       "calibrate them and bound the run under the calibrated model")
    r.add_argument("--device", help="cpu | cuda (with --framework; default cpu)")
    r.add_argument("--precision", help="float64 | float32 | bfloat16 | mixed (float32 master logits, bfloat16 "
                                       "softmax; with --framework; default float32)")
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
    w.add_argument("--results", help="results file (JSON lines; default: [sweep] results, else STEM.jsonl in the "
                                     "current directory)")
    w.add_argument("--plot", help="write a heatmap PNG of the results here")
    w.add_argument("--x", default="eta", help="heatmap x axis (a grid key; default eta)")
    w.add_argument("--y", default="eps", help="heatmap y axis (a grid key; default eps)")
    w.add_argument("--no-progress", action="store_true")
    _limits(w)
    w.set_defaults(handler=sweep)
    li = commands.add_parser("list", help="the registered claims, the theorem library's files and the catalogue")
    li.add_argument("--json", action="store_true", help="print the lists as JSON")
    li.set_defaults(handler=list_command)
    for command in commands.choices.values():
        command.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
        command.add_argument("--version", action=_Version)
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return args.handler(args)
        except MDTheoryError as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # the reader of our output went away (| head): the shell's code for SIGPIPE
            sys.stderr.close()
            return 141
        except Exception as err:  # noqa: BLE001 - an internal error gets one line and its own exit code
            if args.debug:
                traceback.print_exc()
            where = traceback.extract_tb(err.__traceback__)[-1]
            print(f"internal error: {type(err).__name__}: {err} (at {Path(where.filename).name}:{where.lineno}); "
                  "rerun with --debug for the traceback, and please report it", file=sys.stderr)
            return EXIT_INTERNAL


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def _limits(parser):
    from mdtheory.engine.context import MAX_PRECISION_BITS
    from mdtheory.engine.run import MAX_STEPS

    parser.add_argument("--max-steps", type=int, default=MAX_STEPS,
                        help=f"refuse runs longer than this (default {MAX_STEPS})")
    parser.add_argument("--max-precision-bits", type=int, default=MAX_PRECISION_BITS,
                        help=f"refuse a base precision above this (default {MAX_PRECISION_BITS})")


if __name__ == "__main__":
    sys.exit(main())
