"""The commands: what parses arguments, prints and writes files. The library measures and never prints.

A command is one module here, named in ``COMMANDS``; it declares
  - ``NAME``: the sub-command (``mdtheory NAME``);
  - ``add_arguments(commands)``: adds its parser to argparse's sub-parsers, with ``handler`` set to its function;
  - the handler ``f(args) -> int``: runs the library, prints what happened, writes the files asked for, and returns
    the exit code (``exit_code`` of its verdicts, or one of the ``EXIT_*`` constants).
``mdtheory.cli.main`` builds the parser from ``COMMANDS`` and turns errors into exit codes (an ``MDTheoryError`` is
bad input, exit 2; anything else an internal error, exit 4). The helpers below check an output's place before a long
run and write it after, so that a result is never lost to a bad path.
"""

from __future__ import annotations

import os
from pathlib import Path

from mdtheory.errors import MDTheoryError
from mdtheory.verdict import INCONCLUSIVE, VIOLATED

# in the order ``mdtheory --help`` lists them
COMMANDS = ("verify", "check", "worst_case", "falsify", "appendix", "risk", "sweep", "listing")

EXIT_HOLDS, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def exit_code(verdicts) -> int:
    """internal error, then violated, bad input, inconclusive, holds: the first that occurs decides ("error"
    rows of a sweep count as bad input)."""
    verdicts = set(verdicts)
    if "internal_error" in verdicts:
        return EXIT_INTERNAL
    if VIOLATED in verdicts:
        return EXIT_VIOLATED
    if "error" in verdicts:
        return EXIT_BAD_INPUT
    if INCONCLUSIVE in verdicts:
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


def limits(parser):
    """--max-steps and --max-precision-bits: the bounds a command refuses runs beyond, named with their defaults."""
    from mdtheory.engine.context import MAX_PRECISION_BITS
    from mdtheory.engine.run import MAX_STEPS

    parser.add_argument("--max-steps", type=int, default=MAX_STEPS,
                        help=f"refuse runs longer than this (default {MAX_STEPS})")
    parser.add_argument("--max-precision-bits", type=int, default=MAX_PRECISION_BITS,
                        help=f"refuse a base precision above this (default {MAX_PRECISION_BITS})")
