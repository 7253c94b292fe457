"""Dump and restore real processes through each transport; the restored process must go on."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from criu_rpc import (
    Criu,
    CriuRequestError,
    DumpOptions,
    FeatureUnavailableError,
    InheritFd,
    RestoreOptions,
)
from criu_rpc.procs import wait_gone

from .workload import Workload, expected_digest, start_counter, take_pid


def dump_opts(w: Workload, images: Path, **extra: object) -> DumpOptions:
    return DumpOptions(pid=w.pid, images_dir=images, log_level=4, log_file="dump.log", **extra)  # type: ignore[arg-type]


def restore_opts(images: Path, **extra: object) -> RestoreOptions:
    return RestoreOptions(images_dir=images, log_level=4, log_file="restore.log", **extra)  # type: ignore[arg-type]


def assert_resumed(w: Workload, after: int) -> None:
    """The restored counter continues from ``after`` with its memory intact."""
    w.wait_past(after + 5)
    rows = w.lines()
    numbers = [n for n, _ in rows]
    resumed = numbers[numbers.index(after) :]
    assert resumed == list(range(after, after + len(resumed))), "counter restarted or skipped"
    assert {d for _, d in rows} == {expected_digest(w.mem_mb, w.seed)}, "memory changed"


def test_version_and_features(criu: Criu) -> None:
    version = criu.version()
    assert (version.major, version.minor) >= (4, 1)
    features = criu.features()
    for value in (features.mem_track, features.lazy_pages, features.pidfd_store):
        assert isinstance(value, bool)
    criu.check()


def test_dump_and_restore_over_swrk(
    criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    assert criu.dump(dump_opts(w, images)).restored is False
    w.proc.wait(timeout=10)  # dumped without leave_running: CRIU killed it
    reached = w.last()
    time.sleep(0.2)
    assert w.last() == reached, "the dumped process kept running"

    pid = criu.restore(restore_opts(images)).pid
    w.adopt(pid)
    assert pid == w.pid, "an ordinary process is restored with its own pid"
    assert_resumed(w, reached)


def test_leave_running_then_restore_copy(
    criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    criu.dump(dump_opts(w, images, leave_running=True))
    w.wait_past(w.last() + 3)  # still running after the dump
    assert w.proc.poll() is None


def test_restore_with_pid_taken_fails_clearly(
    criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    criu.dump(dump_opts(w, images))
    w.proc.wait(timeout=10)
    holder = take_pid(w.pid)
    try:
        with pytest.raises(CriuRequestError) as info:
            criu.restore(restore_opts(images))
        assert info.value.request == "restore"
        assert info.value.log_tail, "the error carries CRIU's log tail"
    finally:
        holder.kill()
        holder.wait()


def test_pid_namespace_job_restores_while_its_pid_is_taken(
    criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    """A job that is the init of its own pid namespace restores into a fresh one."""
    w = start_counter(tmp_path / "out", prefix=("unshare", "--pid", "--fork", "setsid"))
    workloads.append(w)
    init = _ns_init(w)
    w.wait_past(3)
    criu.dump(DumpOptions(pid=init, images_dir=images, log_level=4, log_file="dump.log"))
    wait_gone(init)
    reached = w.last()
    holder = take_pid(init)
    try:
        pid = criu.restore(restore_opts(images)).pid
        w.adopt(pid)
        assert pid != init
        assert_resumed(w, reached)
    finally:
        holder.kill()
        holder.wait()


def _ns_init(w: Workload) -> int:
    """The outer pid of the counter under `unshare --fork` (pid 1 in its namespace)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = psutil.Process(w.pid).children()
        if children:
            return children[0].pid
        time.sleep(0.01)
    raise AssertionError("unshare did not start the counter")


@pytest.fixture
def service(criu_bin: str, tmp_path: Path) -> Iterator[str]:
    address = str(tmp_path / "criu.sock")
    proc = subprocess.Popen(
        [criu_bin, "service", "--address", address, "-o", str(tmp_path / "service.log")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not os.path.exists(address):
        assert proc.poll() is None, "criu service exited"
        assert time.monotonic() < deadline, "criu service did not start"
        time.sleep(0.02)
    yield address
    proc.kill()
    proc.wait()


def test_dump_and_restore_over_service(
    service: str, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    criu = Criu(service=service, timeout=120)
    assert criu.version().major >= 4
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    criu.dump(dump_opts(w, images))
    w.proc.wait(timeout=10)
    reached = w.last()
    w.adopt(criu.restore(restore_opts(images)).pid)
    assert_resumed(w, reached)


def test_service_refuses_inherit_fd_before_sending(service: str, images: Path) -> None:
    criu = Criu(service=service)
    with pytest.raises(ValueError, match="cannot receive"):
        criu.restore(restore_opts(images, inherit_fd=[InheritFd("pipe:[1]", 1)]))


@pytest.mark.parametrize("stderr_too", [False, True], ids=["stdout", "stdout-and-stderr-on-one-pipe"])
def test_stdout_pipe_reattached_with_inherit_fd(
    criu: Criu, workloads: list[Workload], images: Path, stderr_too: bool
) -> None:
    # stderr_too: dumped with two pipes, restored with one for both (2>&1); CRIU
    # closes each inherited fd after taking it, so the client must hand over two.
    w = start_counter(
        None, stdout=subprocess.PIPE, stderr=subprocess.PIPE if stderr_too else subprocess.DEVNULL
    )
    workloads.append(w)
    assert w.proc.stdout is not None
    old = w.proc.stdout
    first = [_read_line(old.fileno()) for _ in range(3)]
    keys = [os.readlink(f"/proc/{w.pid}/fd/{fd}") for fd in ((1, 2) if stderr_too else (1,))]
    criu.dump(dump_opts(w, images))  # keys: "pipe:[inode]", CRIU's names for them
    w.proc.wait(timeout=10)
    rest = old.read().decode().splitlines()  # what it wrote before it was frozen
    reached = int((rest or first)[-1].split()[0])

    read_end, write_end = os.pipe()
    try:
        pid = criu.restore(restore_opts(images, inherit_fd=[InheritFd(key, write_end) for key in keys])).pid
        w.adopt(pid)
        os.close(write_end)
        write_end = -1
        after = [_read_line(read_end) for _ in range(5)]
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    numbers = [int(line.split()[0]) for line in after]
    assert numbers == list(range(reached + 1, reached + 6))
    assert {line.split()[1] for line in after} == {expected_digest(w.mem_mb, w.seed)}


def _read_line(fd: int) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1)
        assert chunk, "pipe closed"
        data += chunk
    return data.decode().strip()


def test_pre_dump_follows_soft_dirty_support(
    criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    """Without soft-dirty tracking pre-dump is refused before CRIU is asked; with it, it works."""
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(2)
    if criu.features("mem_track").mem_track:
        criu.pre_dump(dump_opts(w, images))
        assert list(images.glob("pagemap-*.img"))
    else:
        with pytest.raises(FeatureUnavailableError, match="soft-dirty"):
            criu.pre_dump(dump_opts(w, images))
        with pytest.raises(FeatureUnavailableError):
            criu.dump(dump_opts(w, images, track_mem=True))
        assert not list(images.iterdir()), "CRIU was never asked"
    assert w.proc.poll() is None, "the process runs on"
