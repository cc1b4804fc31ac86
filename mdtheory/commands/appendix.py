"""mdtheory appendix: write the derivation appendix (LaTeX and Markdown)."""

from __future__ import annotations

from pathlib import Path

from mdtheory.commands import writable_folder

NAME = "appendix"


def add_arguments(commands) -> None:
    parser = commands.add_parser(NAME, help="write the derivation appendix (LaTeX and Markdown) into proofs/")
    parser.add_argument("--out", default="proofs")
    parser.add_argument("--quick", action="store_true", help="claims at quick settings")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(handler=appendix)


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
