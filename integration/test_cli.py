"""`python -m criu_rpc` against the real CRIU: exit codes, output, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from criu_rpc import Criu

from .workload import Workload, env_with_repo, start_counter

COMMANDS = (
    "version",
    "check",
    "dump",
    "restore",
    "launch",
    "snapshots",
    "pack",
    "unpack",
    "chain",
    "inspect",
    "serve",
    "migrate",
)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "criu_rpc", *args],
        env=env_with_repo(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(command: str) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_version_and_check(criu_bin: str) -> None:
    result = cli("version", "--criu", criu_bin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("CRIU 4.")
    result = cli("check", "--criu", criu_bin)
    assert (result.returncode, result.stdout.strip()) == (0, "Looks good.")


def test_check_feature_exit_status_follows_support(criu: Criu, criu_bin: str) -> None:
    supported = criu.features("mem_track").mem_track
    result = cli("check", "--criu", criu_bin, "--feature", "mem_track")
    assert result.returncode == (0 if supported else 1)
    assert result.stdout.strip() == f"mem_track: {'supported' if supported else 'not supported'}"


def test_dump_then_restore_detached(criu_bin: str, workloads: list[Workload], tmp_path: Path) -> None:
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    images = tmp_path / "images"
    result = cli("dump", "--criu", criu_bin, "--pid", str(w.pid), "--dir", str(images))
    assert result.returncode == 0, result.stderr
    w.proc.wait(timeout=10)
    reached = w.last()
    result = cli("restore", "--criu", criu_bin, "--dir", str(images), "--detach")
    assert result.returncode == 0, result.stderr
    w.adopt(int(result.stdout.strip()))
    assert w.wait_past(reached + 3) > reached


def test_failure_is_one_line_and_verbose_adds_the_log(criu_bin: str, tmp_path: Path) -> None:
    args = ("dump", "--criu", criu_bin, "--pid", "999999", "--dir", str(tmp_path / "images"))
    result = cli(*args)
    assert result.returncode == 1
    first, *rest = result.stderr.splitlines()
    assert first.startswith("criu-rpc dump: CRIU dump failed")
    assert rest == ["  (run with -v for CRIU's log)"]
    verbose = cli(*args, "-v")
    assert verbose.returncode == 1
    assert len(verbose.stderr.splitlines()) > 2, "-v prints CRIU's log tail"
    assert "Traceback" not in result.stderr + verbose.stderr


def test_usage_errors_exit_2(criu_bin: str) -> None:
    assert cli("dump", "--criu", criu_bin, "--dir", "/tmp/x").returncode == 2  # no --pid
    bad_level = cli("dump", "--criu", criu_bin, "--pid", "1", "--dir", "/tmp/x", "--log-level", "9")
    assert bad_level.returncode == 2
    assert "log_level" in bad_level.stderr


def test_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    result = cli("version", "--criu", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "is not an executable file" in result.stderr
