"""The kernel-feature cache's guards (the cache itself is exercised in integration/)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from criu_rpc import KerndatCacheError, ensure_kerndat_cache
from criu_rpc.kerndat import _private_tmpfs_dir, filesystem_type

SHM = Path("/dev/shm")


@pytest.fixture
def shm_dir() -> Iterator[Path]:
    path = SHM / f"criu-rpc-test-{uuid.uuid4().hex}"
    yield path
    if path.is_symlink():
        path.unlink()
    elif path.exists():
        path.rmdir()


def test_filesystem_type_follows_the_mount_table() -> None:
    assert filesystem_type(SHM) == "tmpfs"
    assert filesystem_type(Path("/proc/self/status")) == "proc"


def test_only_root_can_have_a_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(KerndatCacheError, match=r"running as uid 1000"):
        ensure_kerndat_cache()


def test_cache_dir_is_created_private(shm_dir: Path) -> None:
    assert _private_tmpfs_dir(shm_dir) == shm_dir
    assert shm_dir.stat().st_mode & 0o777 == 0o700


def test_a_directory_others_can_write_is_refused(shm_dir: Path) -> None:
    shm_dir.mkdir()
    shm_dir.chmod(0o777)
    with pytest.raises(KerndatCacheError, match="not a directory private to uid"):
        _private_tmpfs_dir(shm_dir)


def test_a_symlink_planted_in_its_place_is_refused(shm_dir: Path, tmp_path: Path) -> None:
    shm_dir.symlink_to(tmp_path)
    with pytest.raises(KerndatCacheError, match="not a directory private to uid"):
        _private_tmpfs_dir(shm_dir)


def test_a_cache_dir_off_tmpfs_is_refused(tmp_path: Path) -> None:
    if filesystem_type(tmp_path) == "tmpfs":
        return  # this host's temporary directory is a tmpfs: nothing to refuse
    with pytest.raises(KerndatCacheError, match="not on a tmpfs"):
        _private_tmpfs_dir(tmp_path / "cache")
