"""Forked worker pools whose workers end with the process that started them.

A pool's workers wait on its queue; if the parent is killed (`kill -9`, the kernel's OOM killer)
nothing would ever tell them to stop. On Linux each worker asks the kernel for SIGKILL when its
parent dies, and checks it was not orphaned before it asked.

Each worker also moves everything it inherited into the garbage collector's permanent generation
(`gc.freeze`) before it does any work: objects the parent made around its own threads (a model's
session, a database connection) are never finalised in a child that lacks those threads, where a
cyclic collection of them could crash the worker; and pages shared with the parent stay shared.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def _start_worker(parent: int) -> None:
    gc.freeze()  # what the parent made is the parent's to collect
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # without prctl it still ends with the pool
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` forked processes that die with this one."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(os.getpid(),))
