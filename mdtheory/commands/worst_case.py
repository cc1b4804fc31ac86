"""mdtheory worst-case: the worst case over a function class, certified on both sides (or for every T)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mdtheory.commands import (EXIT_HOLDS, EXIT_INCONCLUSIVE, EXIT_VIOLATED, writable_file, writable_folder,
                               write_result)
from mdtheory.verdict import INCONCLUSIVE

NAME = "worst-case"
SHOWN_DIGITS = 9  # significant digits of a certified interval's ends, each rounded outward


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="the worst case over a function class (PEPit), certified both sides")
    parser.add_argument("file")
    parser.add_argument("--json", help="write the result as JSON here")
    parser.add_argument("--plot", help="write a PNG plot here")
    parser.add_argument("--certificate", metavar="DIR", help="write each horizon's certificate here, as data (.json) and "
                   "as a Coq replay (.v); check them with python proofs/check_certificate.py DIR and coqc")
    parser.add_argument("--instance", metavar="DIR", help="write each horizon's worst-case instance here (exact points, "
                        "gradients and function values that a function of the class interpolates), where it gives the "
                        "lower bound")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(handler=worst_case)


def worst_case(args) -> int:
    from mdtheory.progress import Progress
    from mdtheory.checker.pep_methods import PEP_METHODS
    from mdtheory.checker.worst_case import check_class_claim, interval_curve, interval_reading
    from mdtheory.plotting import draw_intervals
    from mdtheory.worstcase import class_verdict_json, load_class_claim

    json_path, plot_path = writable_file(args.json, "--json"), writable_file(args.plot, "--plot")
    certificate_folder = None if args.certificate is None else writable_folder(args.certificate, "--certificate")
    instance_folder = None if args.instance is None else writable_folder(args.instance, "--instance")
    claim = load_class_claim(args.file)
    if claim.horizons == "all":
        return worst_case_every_t(args, claim, json_path, certificate_folder)
    with Progress(enabled=not args.no_progress) as progress:
        result = check_class_claim(claim, progress(Path(args.file).name))
    data = class_verdict_json(result)
    print(f"{claim.method}, eta = {claim.eta} (L_f = {claim.L_f}"
          + (f", phi: mu = {claim.mu_phi}, L = {claim.L_phi}" if claim.method not in ("gd", *PEP_METHODS) else "") + ")")
    solver = "solver (squared)" if claim.quantity == "amplification" else "solver"
    print(f"{'T':>4}  {solver:>18}  {'certified ' + claim.quantity + ' [lower, upper]':>40}  verdict")
    for case, row in zip(result.cases, data["horizons"]):
        shown = interval_reading(case, SHOWN_DIGITS).text()
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
    return EXIT_INCONCLUSIVE if result.verdict == INCONCLUSIVE else EXIT_VIOLATED


def worst_case_every_t(args, claim, json_path, certificate_folder) -> int:
    """horizons = "all": a potential proves the claim for every T (mdtheory.checker.potential, docs/every-t.md)."""
    import re

    from mdtheory.checker.every_t import check_every_t, every_t_document, every_t_json, every_t_lines

    result = check_every_t(claim)
    for line in every_t_lines(result):
        print(line)
    if args.plot:
        print(f"no plot: horizons = \"all\" has no curve over T ({args.plot} not written)", file=sys.stderr)
    if json_path:
        write_result(json_path, json.dumps(every_t_json(result), indent=2), "--json")
    if certificate_folder and not result.certified:
        print(f"no certificate ({result.no_file_why})")
    elif certificate_folder:
        from mdtheory.coq import LIBRARY, coq_library, coq_replays_every_t

        stem = re.sub(r"[^A-Za-z0-9_]", "_", Path(args.file).stem)
        stem = f"{stem if stem[:1].isalpha() else 'c_' + stem}_every_T"  # a Coq module name
        document = every_t_document(result, args.file)
        write_result(certificate_folder / f"{stem}.json", json.dumps(document, indent=1) + "\n", "--certificate")
        replays = coq_replays_every_t(document)
        write_result(certificate_folder / f"{LIBRARY}.v", coq_library(), "--certificate")
        for k, text in enumerate(replays.values()):
            write_result(certificate_folder / f"{stem}_part{k}.v", text, "--certificate")
        print(f"certificate {certificate_folder / stem}.json (check it with python proofs/check_every_t.py), "
              f"Coq replays {stem}_part0.v .. _part{len(replays) - 1}.v (one per part: {', '.join(replays)}; they "
              f"import {LIBRARY}.v, compile it first)")
    if result.verdict is None or result.verdict == claim.expected:
        return EXIT_HOLDS
    return EXIT_INCONCLUSIVE if result.verdict == INCONCLUSIVE else EXIT_VIOLATED


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
    from mdtheory.checker.banded_dual import OVER_THE_ITERATES
    from mdtheory.checker.leaf_basis import over_the_leaves
    from mdtheory.coq import LIBRARY, coq_library, coq_replay
    from mdtheory.worstcase import certificate_document, certificate_json, certificate_name

    if any(case.certificate is not None for case in result.cases):
        write_result(folder / f"{LIBRARY}.v", coq_library(), "--certificate")
        print(f"Coq library {folder / LIBRARY}.v: the checks every replay imports (compile it first)")
    for case in result.cases:
        if case.certificate is None:
            print(f"T = {case.T}: no certificate (the upper bound was not certified)")
            continue
        document = certificate_document(result, case, source)
        if OVER_THE_ITERATES in case.how_upper:  # past LONG_HORIZON: written over the leaves, as the others are
            claim = result.claim
            document["certificate"] = certificate_json(over_the_leaves(
                claim.method, claim.eta, case.T, claim.L_f, claim.mu_phi, claim.L_phi, case.certificate))
        stem = folder / certificate_name(source, case.T)
        write_result(stem.with_suffix(".json"), json.dumps(document, indent=1) + "\n", "--certificate")
        write_result(stem.with_suffix(".v"), coq_replay(document), "--certificate")
        print(f"T = {case.T}: certificate {stem}.json, Coq replay {stem}.v")
