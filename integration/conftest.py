"""Fixtures for tests that run real CRIU on real processes.

Outside CI a test that cannot run (not root, no CRIU) skips with the exact
reason; with CI=true it fails instead, because a silently skipped integration
suite proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from criu_rpc import Criu, CriuNotFoundError, find_criu

from .workload import Workload, reap_all

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (in CI) a test whose prerequisites are missing."""
    if IN_CI:
        pytest.fail(f"integration prerequisite missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def criu_bin() -> str:
    if os.geteuid() != 0:
        unavailable("CRIU needs root; run the integration tests as root")
    default = REPO / ".criu" / "bin" / "criu"
    try:
        found = find_criu(None if os.environ.get("CRIU_BIN") or not default.exists() else default)
    except CriuNotFoundError as exc:
        unavailable(f"{exc} (run `make setup`)")
        raise
    os.environ["CRIU_BIN"] = found  # for the CLI and jobs the tests start
    return found


@pytest.fixture
def criu(criu_bin: str) -> Criu:
    # A bound on every wait: a wedged restore must fail the test, not hang CI.
    return Criu(criu_bin, timeout=120)


@pytest.fixture
def workloads() -> Iterator[list[Workload]]:
    """Every workload a test starts is registered here and killed afterwards."""
    started: list[Workload] = []
    yield started
    reap_all(started)


@pytest.fixture
def images(tmp_path: Path) -> Path:
    path = tmp_path / "images"
    path.mkdir()
    return path
