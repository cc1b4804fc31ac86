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
import importlib
import sys
import traceback
import warnings
from pathlib import Path

from mdtheory.commands import (COMMANDS, EXIT_BAD_INPUT, EXIT_HOLDS, EXIT_INCONCLUSIVE, EXIT_INTERNAL,  # noqa: F401
                               EXIT_VIOLATED, default_output, exit_code, writable_file, writable_folder,
                               write_result)
from mdtheory.errors import MDTheoryError


class _Version(argparse.Action):
    """--version, read from the installed metadata only when asked (it costs an import)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print mdtheory's version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from mdtheory.face import version

        print(f"mdtheory {version()}")  # on stdout, as argparse's own version action writes it
        parser.exit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mdtheory", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"mdtheory.commands.{name}").add_arguments(commands)
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


if __name__ == "__main__":
    sys.exit(main())
