"""Ending process trees we started or restored, without leaving anything behind.

psutil is imported only by :func:`kill_tree`: ``launch`` waits with
:func:`wait_gone` and must get to its restore request quickly.
"""

from __future__ import annotations

import contextlib
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


def _state(pid: int) -> str | None:
    """The state letter of /proc/PID/stat (R, S, Z...); None once the PID is free."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return chr(stat[stat.rindex(b")") + 2])  # the name in parentheses may hold anything


def catches(pid: int, sig: signal.Signals) -> bool:
    """Whether ``pid`` has a handler for ``sig`` (SigCgt); False once it is gone.

    A pid-namespace init is sent no signal it has no handler for: there is no
    point in asking it to terminate, or in waiting for it to.
    """
    try:
        with open(f"/proc/{pid}/status") as f:
            caught = next((int(line.split()[1], 16) for line in f if line.startswith("SigCgt:")), 0)
    except (FileNotFoundError, ProcessLookupError):
        return False
    return bool(caught >> (sig - 1) & 1)


def wait_gone(pid: int, timeout: float = 10, *, dead: bool = False) -> bool:
    """Wait until ``pid`` no longer exists (reaped by whoever its parent is); False on timeout.

    A killed process lingers while the kernel tears it down; restoring into
    its PID before it is gone fails with EEXIST. ``dead`` waits only until it
    has died: a zombie, for the parent that is waiting to reap it.
    """
    deadline = time.monotonic() + timeout
    while (state := _state(pid)) is not None and not (dead and state in "ZX"):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
