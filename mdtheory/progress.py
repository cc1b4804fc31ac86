"""Progress on long runs, written to stderr so that stdout stays a clean table.

In a terminal, rich draws a live bar per run (label, steps done, elapsed time); in a pipe or a log, lines
are sparse: none for a run that ends within PLAIN_QUIET_SECONDS, then one when another tenth of a run is done,
at most one every PLAIN_EVERY_SECONDS. ``--no-progress`` prints nothing.
"""

from __future__ import annotations

import sys
import time

PLAIN_QUIET_SECONDS = 5.0  # off a terminal, no progress line before this: a short run's log stays its result
PLAIN_EVERY_SECONDS = 5.0  # and after it, at most one line this often


class Progress:
    """``progress(label)(done, total)`` reports a run's progress; ``progress.note(text)`` a milestone.
    ``close()`` ends the live display (a no-op for plain lines)."""

    def __init__(self, stream=None, enabled: bool = True, live: bool | None = None, clock=time.perf_counter):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.clock = clock
        self.started = clock()
        self._last_line = None  # when the last plain progress line was printed
        isatty = getattr(self.stream, "isatty", None)
        self.live = enabled and (live if live is not None else bool(isatty and isatty()))
        self._bars = None
        self._tasks: dict[str, int] = {}

    def __call__(self, label: str):
        if self.live:
            return self._live_bar(label)
        last = [-1]

        def report(done: int, total: int):
            if not self.enabled:
                return
            tenth = (10 * done) // total
            if tenth < last[0]:
                last[0] = -1  # the same label restarted (the next rung of the precision ladder)
            if tenth > last[0]:
                last[0] = tenth
                now = self.clock()
                if now - self.started < PLAIN_QUIET_SECONDS or (
                        self._last_line is not None and now - self._last_line < PLAIN_EVERY_SECONDS):
                    return
                self._last_line = now
                print(f"  [{now - self.started:7.1f}s] {label}: {done}/{total} steps", file=self.stream, flush=True)

        return report

    def _live_bar(self, label: str):
        bars = self._live()

        def report(done: int, total: int):
            task = self._tasks.get(label)
            if task is None:
                task = self._tasks[label] = bars.add_task(label, total=total)
            bars.update(task, completed=done, total=total)

        return report

    def _live(self):
        if self._bars is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bars

            self._bars = Bars(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=Console(file=self.stream), transient=False)
            self._bars.start()
        return self._bars

    def note(self, text: str):
        if not self.enabled:
            return
        if self.live:
            self._live().console.print(f"  [{self.clock() - self.started:7.1f}s] {text}", markup=False,
                                       highlight=False)
        else:
            print(f"  [{self.clock() - self.started:7.1f}s] {text}", file=self.stream, flush=True)

    def close(self):
        if self._bars is not None:
            self._bars.stop()
            self._bars = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


SILENT = Progress(enabled=False)
