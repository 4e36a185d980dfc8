"""One executor for parallel work: the problems of one key, and the variants of a run.

`run_all(items, work, jobs)` returns `[work(item) for item in items]`, in order, computed on up to `jobs`
processes: this one and `jobs - 1` helpers forked from it, all taking the next item from one shared
counter (whoever is free takes the next, so a slow item does not hold up the rest). Forked helpers see
the items, and everything made before the fork (parsed grammars, solved problems shared by variants),
without any pickling; only the results travel back, through a pipe, pickled by transfer.py so that SymPy
expressions come back exactly as built. A helper that fails or dies sends nothing: its items are done
again here, so that an error shows as it would with one process. Helpers die with this process.
"""
from __future__ import annotations

import contextlib
import ctypes  # imported here, not in a child between fork and exec (die_with_parent)
import multiprocessing
import os
import signal
from typing import Callable, Sequence

STOPS = {signal.SIGTERM, signal.SIGINT}


def run_all(items: Sequence, work: Callable, jobs: int, progress: Callable[[int, int], None] | None = None) -> list:
    """`[work(item) for item in items]` on up to `jobs` processes; `progress(done, total)` is called in
    this process as its own items finish (with the count of all items taken so far)."""
    from . import transfer  # here, not at the top: die_with_parent serves TeX started before SymPy is imported

    jobs = min(jobs, len(items))
    if jobs <= 1 or not hasattr(os, "fork"):
        out = []
        for i, item in enumerate(items):
            out.append(work(item))
            if progress:
                progress(i + 1, len(items))
        return out
    counter = multiprocessing.get_context("fork").Value("i", 0)

    def take() -> dict:
        done = {}
        while True:
            with counter.get_lock():
                index = counter.value
                counter.value += 1
            if index >= len(items):
                return done
            done[index] = work(items[index])
            if progress and os.getpid() == parent:
                progress(min(counter.value, len(items)), len(items))

    parent = os.getpid()
    helpers = []
    results = {}
    try:
        for _ in range(jobs - 1):
            read_end, write_end = os.pipe()
            # A stop (SIGTERM, Ctrl-C) that came during the fork would be raised inside Python's fork
            # hooks, which swallow it: held until the helper is on the list, it is raised here instead.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
            pid = os.fork()
            if pid == 0:  # a helper: never returns into the caller's code
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                _helper(take, read_end, write_end, parent)
            os.close(write_end)
            helpers.append((pid, read_end))
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        results.update(take())
    except BaseException:  # interrupted (or a bug): the helpers stop now, not after their items
        for pid, read_end in helpers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(read_end)
            os.waitpid(pid, 0)
        raise
    for pid, read_end in helpers:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        try:
            results.update(transfer.loads(data) if data else {})
        except Exception:  # noqa: BLE001 - an incomplete reply: its items are done below
            pass
    out = [results[i] if i in results else work(items[i]) for i in range(len(items))]
    if progress:
        progress(len(items), len(items))
    return out


def _helper(take, read_end: int, write_end: int, parent: int) -> None:
    """The forked side of run_all: take items until none are left, send the results, exit. Dies with the
    parent; sends nothing on a failure of its own (the parent then does those items itself)."""
    status = 1
    try:
        die_with_parent()
        if os.getppid() != parent:  # the parent died before that took effect
            return
        os.close(read_end)
        from . import transfer  # imported by run_all before the fork

        payload = transfer.dumps(take())
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
        status = 0
    except BaseException:  # noqa: BLE001
        pass
    finally:
        os._exit(status)


def die_with_parent() -> None:
    """In a child process (a forked helper, or TeX before exec): on Linux, ask for SIGKILL when the parent
    dies, so that a helper or a TeX waiting on its named pipe does not outlive a Python that was killed
    before it could stop them. Elsewhere nothing."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
