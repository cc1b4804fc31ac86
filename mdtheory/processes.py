"""Helper processes that must never outlive the process that waits for them.

A SIGKILL leaves a parent no time to shut down its pool or its budgeted sympy child, so each child asks the
kernel to kill it when its parent dies (Linux PR_SET_PDEATHSIG), and pool workers also watch their parent.
"""

from __future__ import annotations

import os
import signal
import threading
import time


def die_with_parent(parent: int):
    """Ask the kernel to kill this process when its parent (pid ``parent``, read before the fork) dies
    (Linux prctl; elsewhere a no-op), and exit now if it already has: a parent killed between the fork
    and the request sends no signal."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def exit_with_parent(parent: int):
    """Pool-worker initializer (``initargs=(os.getpid(),)``): the kernel kills the worker with its parent
    where it can, and a watchdog thread covers the rest."""
    die_with_parent(parent)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
