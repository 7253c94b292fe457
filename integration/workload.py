"""Real processes for the integration tests: a counter whose memory can be checked.

The counter fills a buffer from a seeded PRNG, then once per tick appends
``<n> <sha256 of the buffer>`` to its output. A restored counter must go on
from the number it had reached, with the same digest: that shows CRIU brought
back both its execution state and its memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from criu_rpc.procs import kill_tree, wait_gone

REPO = Path(__file__).resolve().parent.parent

__all__ = [
    "Workload",
    "env_with_repo",
    "expected_digest",
    "kill_tree",
    "reap_all",
    "start_counter",
    "take_pid",
    "wait_gone",
]

COUNTER = r"""
import hashlib, os, random, sys, time
out, mem_mb, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
buf = bytearray(random.Random(seed).randbytes(mem_mb << 20))
n = 0
while True:
    line = f"{n} {hashlib.sha256(buf).hexdigest()}\n".encode()
    if out == "-":
        os.write(1, line)
    else:
        fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, line)
        os.close(fd)
    n += 1
    time.sleep(0.02)
"""


def expected_digest(mem_mb: int, seed: int) -> str:
    return hashlib.sha256(random.Random(seed).randbytes(mem_mb << 20)).hexdigest()


@dataclass
class Workload:
    """A started process and where its output goes."""

    proc: subprocess.Popen[bytes]
    out: Path | None
    mem_mb: int
    seed: int
    pids: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def lines(self) -> list[tuple[int, str]]:
        assert self.out is not None
        if not self.out.exists():
            return []
        rows = []
        for raw in self.out.read_text().splitlines():
            n, _, digest = raw.partition(" ")
            if digest:
                rows.append((int(n), digest))
        return rows

    def last(self) -> int:
        rows = self.lines()
        return rows[-1][0] if rows else -1

    def wait_past(self, n: int, timeout: float = 20) -> int:
        """Wait until the counter has written a number beyond ``n``; return the latest."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            latest = self.last()
            if latest > n:
                return latest
            time.sleep(0.02)
        raise AssertionError(f"counter did not get past {n} within {timeout} s (output: {self.out})")

    def adopt(self, pid: int) -> None:
        """Track a restored copy so it is killed at the end of the test."""
        self.pids.append(pid)


def start_counter(
    out: Path | None,
    *,
    mem_mb: int = 16,
    seed: int = 1,
    prefix: Sequence[str] = (),
    stdout: int | None = subprocess.DEVNULL,
    stderr: int | None = subprocess.DEVNULL,
) -> Workload:
    """Start the counter in its own session (no tty, so no shell_job needed).

    ``prefix`` wraps the command, e.g. ``unshare --pid --fork`` to make it the
    init of a new pid namespace. ``out`` None writes the lines to stdout.
    """
    argv = [*prefix, sys.executable, "-c", COUNTER, str(out or "-"), str(mem_mb), str(seed)]
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True
    )
    return Workload(proc, out, mem_mb, seed)


def reap_all(workloads: Sequence[Workload]) -> None:
    for w in workloads:
        for pid in [*w.pids, w.proc.pid]:
            kill_tree(pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            w.proc.wait(timeout=10)
        for pid in w.pids:
            wait_gone(pid)


def take_pid(pid: int, attempts: int = 50) -> subprocess.Popen[bytes]:
    """Start a process that holds exactly ``pid`` (root, init pid namespace only)."""
    for _ in range(attempts):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        holder = subprocess.Popen(["sleep", "600"], start_new_session=True)
        if holder.pid == pid:
            return holder
        holder.kill()
        holder.wait()
    raise AssertionError(f"could not make a process with pid {pid}")


def env_with_repo() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env
