"""criu_rpc.procs on real child processes (no root needed)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from criu_rpc.procs import _state, catches, wait_gone

SLEEPER = "import signal, sys, time\n{setup}\nprint('ready', flush=True)\ntime.sleep(60)\n"


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        child.kill()
        child.wait()


def sleeper(children: list[subprocess.Popen[str]], setup: str = "") -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", SLEEPER.format(setup=setup)], stdout=subprocess.PIPE, text=True
    )
    children.append(child)
    assert child.stdout is not None
    assert child.stdout.readline() == "ready\n"
    return child


def test_catches_sees_handlers_only(children: list[subprocess.Popen[str]]) -> None:
    plain = sleeper(children)
    handling = sleeper(children, "signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))")
    assert not catches(plain.pid, signal.SIGTERM)
    assert catches(plain.pid, signal.SIGINT)  # Python's KeyboardInterrupt handler
    assert catches(handling.pid, signal.SIGTERM)
    assert not catches(handling.pid, signal.SIGUSR1)


def test_state_survives_a_name_with_parentheses(children: list[subprocess.Popen[str]]) -> None:
    child = sleeper(children, "open('/proc/self/comm', 'w').write('a) Z (b')")
    deadline = time.monotonic() + 10
    while _state(child.pid) == "R" and time.monotonic() < deadline:  # between its print and its sleep
        time.sleep(0.01)
    assert _state(child.pid) == "S"


def test_a_zombie_is_dead_but_not_gone(children: list[subprocess.Popen[str]]) -> None:
    child = sleeper(children)
    child.kill()
    assert wait_gone(child.pid, 5, dead=True)  # unreaped: a zombie still holds its pid
    assert _state(child.pid) == "Z"
    started = time.monotonic()
    assert not wait_gone(child.pid, 0.2)
    assert time.monotonic() - started < 5
    child.wait()
    assert wait_gone(child.pid, 5)
    assert _state(child.pid) is None
    assert not catches(child.pid, signal.SIGTERM)
