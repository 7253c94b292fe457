"""Ending process trees we started or restored, without leaving anything behind.

psutil is imported only by :func:`kill_tree`: ``launch`` waits with
:func:`wait_gone` and must get to its restore request quickly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time


def kill_tree(pid: int) -> None:
    """SIGKILL a tree, children first (a pid-namespace init takes its namespace with it)."""
    import psutil  # noqa: PLC0415 (see the module docstring)

    try:
        root = psutil.Process(pid)
        victims = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)


def _exists(pid: int) -> bool:
    """Whether ``pid`` names a process, a zombie included (signal 0 reaches any)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_gone(pid: int, timeout: float = 10) -> bool:
    """Wait until ``pid`` no longer exists (reaped by whoever its parent is); False on timeout.

    A killed process lingers while the kernel tears it down; restoring into
    its PID before it is gone fails with EEXIST.
    """
    deadline = time.monotonic() + timeout
    while _exists(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
