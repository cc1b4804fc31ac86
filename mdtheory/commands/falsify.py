"""mdtheory falsify: search a claim file's [search] range for a counterexample, and prove it."""

from __future__ import annotations

import json
import sys

from mdtheory.commands import (EXIT_INCONCLUSIVE, EXIT_VIOLATED, default_output, limits, writable_file,
                               write_result)
from mdtheory.errors import MDTheoryError

NAME = "falsify"


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="search a claim file's [search] range for a counterexample, and prove it")
    parser.add_argument("file")
    parser.add_argument("--candidates", type=int, help="screening budget (default: [search] candidates, or 20000)")
    parser.add_argument("--seconds", type=float, help="time budget (default: [search] seconds, or 60)")
    parser.add_argument("--seed", type=int, help="random seed (default: [search] seed, or 0)")
    parser.add_argument("--workers", type=int, help="screen on this many local processes (default: this process)")
    parser.add_argument("--scheduler", help="screen on the Dask cluster at this address (tcp://host:port)")
    parser.add_argument("--json", help="write the result as JSON here")
    parser.add_argument("--plot", help="write a PNG of measured/claimed over the search here")
    parser.add_argument("--witness",
                   help="write the witness claim file here (default: STEM.witness.toml in the current directory)")
    parser.add_argument("--twin", action="store_true", help="search the file's planted-false [twin] instead")
    parser.add_argument("--no-progress", action="store_true")
    limits(parser)
    parser.set_defaults(handler=falsify)


def falsify(args) -> int:
    from mdtheory.search import falsify_file, plot, result_json

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
