"""Progress on long runs, written to stderr so that stdout stays a clean table."""

from __future__ import annotations

import sys
import time


class Progress:
    """``progress(label)(done, total)`` prints a line whenever another tenth of a run is done."""

    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = time.perf_counter()

    def __call__(self, label: str):
        last = [-1]

        def report(done: int, total: int):
            if not self.enabled:
                return
            tenth = (10 * done) // total
            if tenth < last[0]:
                last[0] = -1  # the same label restarted (the next rung of the precision ladder)
            if tenth > last[0]:
                last[0] = tenth
                elapsed = time.perf_counter() - self.started
                print(f"  [{elapsed:7.1f}s] {label}: {done}/{total} steps", file=self.stream, flush=True)

        return report

    def note(self, text: str):
        if self.enabled:
            print(f"  [{time.perf_counter() - self.started:7.1f}s] {text}", file=self.stream, flush=True)


SILENT = Progress(enabled=False)
