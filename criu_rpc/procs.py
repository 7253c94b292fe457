"""Ending process trees we started or restored, without leaving anything behind."""

from __future__ import annotations

import contextlib
import signal
import time

import psutil


def kill_tree(pid: int) -> None:
    """SIGKILL a tree, children first (a pid-namespace init takes its namespace with it)."""
    try:
        root = psutil.Process(pid)
        victims = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)


def wait_gone(pid: int, timeout: float = 10) -> bool:
    """Wait until ``pid`` no longer exists (reaped by whoever its parent is); False on timeout.

    A killed process lingers while the kernel tears it down; restoring into
    its PID before it is gone fails with EEXIST.
    """
    deadline = time.monotonic() + timeout
    while psutil.pid_exists(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE and time.monotonic() > deadline:
                return False
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
