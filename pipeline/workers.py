"""Worker processes that end with the process that started them: a publish or a portal killed with
SIGKILL must not leave its workers behind, blocked on a pipe for ever (the kill trials left a dozen
a test run)."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """Have Linux kill this process when `parent` (the process that started it) ends; if it has
    ended already, end now. Elsewhere, nothing."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)


def pool(workers: int) -> ProcessPoolExecutor:
    """Spawned worker processes (a fresh interpreter each: no state forked from this one) that die
    with this process."""
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent, initargs=(os.getpid(),)
    )
