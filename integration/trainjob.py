"""Driving examples/train.py under `criu_rpc launch` from tests: start, watch, kill, compare."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from criu_rpc.procs import wait_gone

from .workload import REPO, env_with_repo

TRAIN = [sys.executable, str(REPO / "examples" / "train.py")]
LOSS = re.compile(r"step (\d+) loss (\S+)")
STEPS = 60


def train_args(steps: int = STEPS, every: int = 10, delay: float = 0.02) -> list[str]:
    return [*TRAIN, "--steps", str(steps), "--every", str(every), "--delay", str(delay)]


def parse_losses(text: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in LOSS.finditer(text)}


def reference_losses(tmp: Path, steps: int = STEPS) -> dict[int, str]:
    """An uninterrupted run without checkpoints."""
    out = subprocess.run(
        [*TRAIN, "--steps", str(steps), "--every", "0", "--store", str(tmp)],
        env=env_with_repo(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return parse_losses(out)


class Launch:
    """`python -m criu_rpc launch` running in the background, its output collected as it comes."""

    def __init__(self, store: Path, args: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "criu_rpc",
                "launch",
                "--store",
                str(store),
                "--",
                *(args or train_args()),
            ],
            env=env_with_repo(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.stdout = ""
        self.stderr = ""
        self._threads = [
            threading.Thread(target=self._collect, args=(name,), daemon=True) for name in ("stdout", "stderr")
        ]
        for t in self._threads:
            t.start()

    def _collect(self, name: str) -> None:
        stream = getattr(self.proc, name)
        for line in stream:
            setattr(self, name, getattr(self, name) + line)

    def job_pid(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"as pid (\d+)", self.stderr)
            if match:
                return int(match.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise AssertionError(f"launch reported no job pid:\n{self.stderr}")

    def losses(self) -> dict[int, str]:
        return parse_losses(self.stdout)

    def wait_step(self, step: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.losses() and max(self.losses()) >= step:
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"launch ended before step {step}:\n{self.stderr}")
            time.sleep(0.01)
        raise AssertionError(f"no step {step} within {timeout} s")

    def wait(self, timeout: float = 300) -> int:
        code = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=10)
        return code

    def kill_job(self) -> int:
        pid = self.job_pid()
        os.kill(pid, signal.SIGKILL)
        self.wait()
        wait_gone(pid)
        return pid

    def kill_all(self) -> None:
        """Kill the launcher; its job and CRIU service die with it (pdeathsig)."""
        try:
            tree = [*psutil.Process(self.proc.pid).children(recursive=True), psutil.Process(self.proc.pid)]
        except psutil.NoSuchProcess:
            tree = []
        self.proc.kill()
        self.wait()
        for p in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.wait(timeout=20)
