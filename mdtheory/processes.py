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


SCHEDULER_CONNECT_SECONDS = 10  # a Dask scheduler that has not answered by then is reported, not waited on


def dask_client(address: str, option: str = "--scheduler"):
    """A ``distributed.Client`` connected to the scheduler at ``address`` that has at least one worker, or an
    MDTheoryError naming the address: a malformed address, nobody listening there, or no worker joining
    within SCHEDULER_CONNECT_SECONDS (distributed's own connect timeout is 30 s, and a cluster without
    workers would leave every submitted task waiting forever)."""
    from distributed import Client

    from mdtheory.errors import MDTheoryError

    try:
        client = Client(address, timeout=SCHEDULER_CONNECT_SECONDS)
    except ValueError as err:
        raise MDTheoryError(f"{option} {address}: not a scheduler address ({err}); give tcp://HOST:PORT") from None
    except OSError:
        raise MDTheoryError(f"{option} {address}: no Dask scheduler answered within {SCHEDULER_CONNECT_SECONDS} s; "
                            "start one there (dask scheduler) or give the address it prints") from None
    try:
        client.wait_for_workers(1, timeout=SCHEDULER_CONNECT_SECONDS)
    except (TimeoutError, OSError):
        client.close()
        raise MDTheoryError(f"{option} {address}: the scheduler has no worker (none joined within "
                            f"{SCHEDULER_CONNECT_SECONDS} s); start workers (dask worker {address})") from None
    return client
