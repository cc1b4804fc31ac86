"""What `mdtheory verify` shows on a terminal: a line per claim, one closing line, the per-check tables behind
``--details``, and a live line of what is running.

The tables are built as rich renderables from verify's summary rows (``mdtheory.report.summary_rows``:
claim, check, verdict, expected, measured, claimed, margin, trusted digits, seconds); the command prints
them. A verdict the claim predicts is not news: a predicted violation reads "violated, as predicted" in the
plain style, and only a verdict that is not the predicted one is coloured and marked "(!)".
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

from mdtheory.verdict import HOLDS, INCONCLUSIVE, VIOLATED

# Seconds between "still running" lines when the output is not a terminal (a log, a pipe, CI), so that a
# long claim never leaves the log silent for long.
HEARTBEAT_SECONDS = 30.0
# How often the live line's elapsed time is redrawn, in seconds.
REFRESH_SECONDS = 1.0

UNEXPECTED_STYLES = {VIOLATED: "bold red", INCONCLUSIVE: "yellow"}


@dataclass
class ClaimRun:
    """One claim as verify ran it: its verdict (holds when every check came out as predicted), time and
    the summary rows of its checks."""

    name: str
    verdict: str
    seconds: float
    rows: list[tuple]

    @property
    def not_as_predicted(self) -> list[tuple]:
        return [row for row in self.rows if row[2] != row[3]]


def verdict_cell(verdict: str, expected: str):
    """A check's verdict as the tables show it: green for a predicted hold, plain for any other predicted
    verdict ("violated, as predicted"), coloured and marked when it is not the one predicted."""
    from rich.text import Text

    if verdict == expected:
        return Text(verdict, style="green") if verdict == HOLDS else Text(f"{verdict}, as predicted")
    return Text(f"{verdict} (!) expected {expected}", style=UNEXPECTED_STYLES.get(verdict, "bold"))


def _counts(rows: list[tuple]) -> str:
    """'5 hold, 2 violated as predicted': the checks by verdict, among those that came out as predicted."""
    held = sum(1 for row in rows if row[2] == row[3] == HOLDS)
    others: dict[str, int] = {}
    for row in rows:
        if row[2] == row[3] != HOLDS:
            others[row[2]] = others.get(row[2], 0) + 1
    parts = ([f"{held} hold" if held != 1 else "1 holds"] if held else []) + [f"{n} {v}" for v, n in others.items()]
    return ", ".join(parts)


def claims_table(runs: list[ClaimRun]):
    """A row per claim: its verdict, how many checks, whether all came out as predicted (or which did not),
    and its time."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("claim", overflow="fold")
    table.add_column("verdict")
    table.add_column("checks", justify="right")
    table.add_column("as predicted", overflow="fold")
    table.add_column("time", justify="right")
    for run in runs:
        off = run.not_as_predicted
        if not off:
            predicted = Text(f"all ({_counts(run.rows)})")
        else:
            predicted = Text(f"{len(run.rows) - len(off)} of {len(run.rows)}; not: " + "; ".join(
                f"{row[1]} ({row[2]}, expected {row[3]})" for row in off), style=UNEXPECTED_STYLES.get(run.verdict, ""))
        verdict = Text(run.verdict, style="green" if run.verdict == HOLDS else UNEXPECTED_STYLES.get(run.verdict, ""))
        table.add_row(Text(run.name), verdict, str(len(run.rows)), predicted, f"{run.seconds:.1f}s")
    return table


def closing_line(runs: list[ClaimRun]) -> str:
    """'14 claims, 161 checks, all as predicted', or how many were not and in which claims."""
    checks = sum(len(run.rows) for run in runs)
    head = f"{len(runs)} claim{'s' if len(runs) != 1 else ''}, {checks} check{'s' if checks != 1 else ''}"
    off = [(run.name, run.not_as_predicted) for run in runs if run.not_as_predicted]
    if not off:
        return f"{head}, all as predicted"
    count = sum(len(rows) for _, rows in off)
    where = "; ".join(f"{name}: " + ", ".join(f"{n} {v}" for v, n in _verdict_counts(rows).items()) for name, rows in off)
    return f"{head}, {count} not as predicted ({where})"


def _verdict_counts(rows: list[tuple]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    return counts


def checks_table(rows: list[tuple], title: str | None = None):
    """The per-check table of one claim (``--details``): check, verdict, measured, claimed, margin, trusted
    digits. Cells wrap at spaces to the terminal's width; nothing is cut."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=True)
    table.add_column("check", overflow="fold", ratio=3)
    table.add_column("verdict", overflow="fold")  # as wide as its words where it can be: read at a glance
    for name, ratio in (("measured", 4), ("claimed", 2), ("margin", 3)):
        table.add_column(name, overflow="fold", ratio=ratio)
    table.add_column("digits", justify="right")
    for row in rows:
        table.add_row(Text(str(row[1])), verdict_cell(row[2], row[3]), *(Text(str(cell)) for cell in row[4:7]),
                      str(row[7]))
    return table


class RunningLine:
    """What verify is running, on ``stream`` (stderr): on a terminal a live status line (the claims running,
    how many are done, the time so far) with a line per finished claim above it; elsewhere a plain line per
    started and finished claim and a "still running" line every HEARTBEAT_SECONDS. Disabled: silent."""

    def __init__(self, total: int, enabled: bool = True, stream=None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = enabled
        isatty = getattr(self.stream, "isatty", None)
        self.live = enabled and (live if live is not None else bool(isatty and isatty()))
        self.started = time.perf_counter()
        self.running: list[str] = []
        self.done = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._status = None
        self._console = None
        self._last_heartbeat = self.started
        self._ticker = None

    def __enter__(self):
        if self.enabled:
            if self.live:
                from rich.console import Console

                self._console = Console(file=self.stream)
                self._status = self._console.status(self._text())
                self._status.start()
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._status is not None:
            self._status.stop()

    def _elapsed(self) -> str:
        return f"{time.perf_counter() - self.started:.0f}s"

    def _text(self) -> str:
        running = ", ".join(self.running) or "starting"
        return f"running {running} ({self.done}/{self.total} done, {self._elapsed()})"

    def _say(self, text: str):
        if self.live:
            self._console.print(text, markup=False, highlight=False)
            self._status.update(self._text())
        else:
            print(text, file=self.stream, flush=True)

    def start(self, name: str):
        if not self.enabled:
            return
        with self._lock:
            self.running.append(name)
            if self.live:
                self._status.update(self._text())
            else:
                print(f"  running {name} ...", file=self.stream, flush=True)

    def finish(self, name: str, verdict: str, seconds: float):
        if not self.enabled:
            return
        with self._lock:
            if name in self.running:
                self.running.remove(name)
            self.done += 1
            self._say(f"[{self.done}/{self.total}] {name}: {verdict} ({seconds:.1f}s)")

    def _tick(self):
        while not self._stop.wait(REFRESH_SECONDS):
            with self._lock:
                if self.live:
                    self._status.update(self._text())
                elif self.running and time.perf_counter() - self._last_heartbeat >= HEARTBEAT_SECONDS:
                    self._last_heartbeat = time.perf_counter()
                    print(f"  still running: {', '.join(self.running)} ({self._elapsed()} so far)", file=self.stream,
                          flush=True)
