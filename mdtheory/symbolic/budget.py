"""Symbolic work under a time and memory budget.

sympy can take minutes and gigabytes on a hostile expression (``solve`` on a user's phi), and a Python
thread cannot be stopped. So a budgeted call runs in a forked child with an address-space limit; the
parent waits at most ``seconds`` for its pickled answer and kills it otherwise. Where fork is missing,
the call runs inline, unbudgeted.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable

from mdtheory.processes import die_with_parent

SYMBOLIC_SECONDS = 20.0  # per budgeted call
SYMBOLIC_MEMORY_BYTES = 2 * 1024**3  # added to the parent's address space


class BudgetExceeded(Exception):
    """The budgeted call ran out of time or memory, or died; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def within_budget(function: Callable, *args, seconds: float | None = None, memory_bytes: int | None = None):
    """``function(*args)``, or BudgetExceeded. The result must pickle. Defaults: the module's
    SYMBOLIC_SECONDS and SYMBOLIC_MEMORY_BYTES, read at call time."""
    seconds = SYMBOLIC_SECONDS if seconds is None else seconds
    memory_bytes = SYMBOLIC_MEMORY_BYTES if memory_bytes is None else memory_bytes
    if not hasattr(os, "fork"):
        return function(*args)
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, exit without running the parent's cleanup
        os.close(read_end)
        status = 0
        try:
            die_with_parent(parent)
            _limit_memory(memory_bytes)
            payload = pickle.dumps(("ok", function(*args)))
        except MemoryError:
            payload, status = pickle.dumps(("memory", None)), 1
        except BaseException as err:  # noqa: BLE001 - sent to the parent, which re-raises it
            try:
                payload = pickle.dumps(("raised", err))
            except Exception:  # noqa: BLE001
                payload = pickle.dumps(("raised", RuntimeError(repr(err))))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        os._exit(status)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + seconds
    with os.fdopen(read_end, "rb") as pipe:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([pipe], [], [], remaining)[0]:
                _kill(pid)
                raise BudgetExceeded(f"took longer than {seconds:g} s")
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.waitpid(pid, 0)
    if not chunks:
        raise BudgetExceeded("the symbolic computation died")
    status, value = pickle.loads(b"".join(chunks))
    if status == "memory":
        raise BudgetExceeded(f"needed more than {memory_bytes / 1024**3:g} GiB")
    if status == "raised":
        raise value
    return value


def _limit_memory(extra_bytes: int):
    try:
        import resource
    except ImportError:
        return
    try:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + extra_bytes
    for ceiling in (soft, hard):
        if ceiling != resource.RLIM_INFINITY:
            limit = min(limit, ceiling)  # a budget inside a budget keeps the tighter ceiling
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _kill(pid: int):
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
