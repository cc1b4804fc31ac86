"""One measured wall-clock time per command, for the documentation: nothing in the docs is a typed timing.

    python benchmarks/command_times.py                 # every command below (minutes: the full verify and tests)
    python benchmarks/command_times.py --only quick    # just `verify --quick`; the others keep their last entry

Each command runs once, from a fresh temporary directory (so that reports and outputs land there, never in the
source tree), with this Python; its wall-clock seconds, exit code, the date, the machine and the commit are
written to ``docs/data/command_times.json``, which the documentation renders as a table (``docs/hooks.py``).
Entries not measured in a run keep their own date and machine, and the table shows both.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "docs" / "data" / "command_times.json"
HORIZON_SECONDS = 3600  # one command that has not finished by then is reported as such, not waited on

# name -> (what the table says was run, argv after the interpreter, the working directory: "temp" or "repo")
COMMANDS = {
    "quick": ("mdtheory verify --quick", ["-m", "mdtheory.cli", "verify", "--quick", "--no-progress"], "temp"),
    "verify": ("mdtheory verify", ["-m", "mdtheory.cli", "verify", "--no-progress"], "temp"),
    "appendix": ("mdtheory appendix", ["-m", "mdtheory.cli", "appendix", "--out", "{temp}/proofs", "--no-progress"],
                 "temp"),
    # the default suite, as the README's test command runs it (pytest reads its settings from the repository)
    "tests": ("pytest (the default suite)", ["-m", "pytest", "-q", "-p", "no:cacheprovider"], "repo"),
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def commit() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10)
        return done.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def measure(name: str) -> dict:
    label, argv, where = COMMANDS[name]
    with tempfile.TemporaryDirectory() as temp:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        load = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None  # others' work shares the cores
        started = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, *(a.format(temp=temp) for a in argv)], cwd=temp if where == "temp" else ROOT,
                                  env=env, capture_output=True, text=True, timeout=HORIZON_SECONDS)
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = None
        seconds = time.perf_counter() - started
    return {"command": label, "seconds": round(seconds, 1), "exit_code": code,
            "date": datetime.date.today().isoformat(), "machine": machine(), "load_at_start": load, "commit": commit()}


def load() -> dict:
    return json.loads(DATA.read_text()) if DATA.is_file() else {}


def table(entries: dict) -> str:
    """The Markdown table the docs show: one row per command in COMMANDS order, each with where it was measured."""
    rows = ["| command | wall-clock time | exit code | measured on | machine | load at start | commit |",
            "|---|---|---|---|---|---|---|"]
    for name, (label, _, _) in COMMANDS.items():
        entry = entries.get(name)
        if entry is None:
            rows.append(f"| `{label}` | not measured yet (`python benchmarks/command_times.py --only {name}`) | | | | | |")
            continue
        seconds = entry["seconds"]
        shown = "did not finish within an hour" if entry["exit_code"] is None else (
            f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min ({seconds:.0f} s)")
        rows.append(f"| `{entry['command']}` | {shown} | {entry['exit_code']} | {entry['date']} | {entry['machine']} | "
                    f"{entry.get('load_at_start', 'not recorded')} | {entry['commit']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=list(COMMANDS), help="measure only this command (repeatable)")
    args = parser.parse_args(argv)
    entries = load()
    for name in args.only or list(COMMANDS):
        print(f"measuring {COMMANDS[name][0]} ...", flush=True)
        entries[name] = measure(name)
        print(f"  {entries[name]['seconds']} s, exit code {entries[name]['exit_code']}", flush=True)
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps({name: entries[name] for name in COMMANDS if name in entries}, indent=2) + "\n")
    print(table(entries))
    print(f"written: {DATA.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
