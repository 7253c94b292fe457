"""A dump killed midway leaves CRIU's proc.crtools in the job's working directory (no root needed)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from criu_rpc.snapshots import PROC_DIR, STALE_PROC_DIR_SECONDS, _clear_stale_proc_dir


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def aged(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_old_empty_one_is_removed(tmp_path: Path) -> None:
    (tmp_path / PROC_DIR).mkdir()
    aged(tmp_path / PROC_DIR, STALE_PROC_DIR_SECONDS + 5)
    _clear_stale_proc_dir()
    assert not (tmp_path / PROC_DIR).exists()


def test_one_a_dump_in_progress_just_made_stays(tmp_path: Path) -> None:
    (tmp_path / PROC_DIR).mkdir()
    _clear_stale_proc_dir()
    assert (tmp_path / PROC_DIR).is_dir()


def test_one_with_something_in_it_stays(tmp_path: Path) -> None:
    (tmp_path / PROC_DIR).mkdir()
    (tmp_path / PROC_DIR / "self").write_text("")
    aged(tmp_path / PROC_DIR, STALE_PROC_DIR_SECONDS + 5)
    _clear_stale_proc_dir()
    assert (tmp_path / PROC_DIR / "self").exists()


def test_none_is_fine(tmp_path: Path) -> None:
    _clear_stale_proc_dir()
    assert not (tmp_path / PROC_DIR).exists()
