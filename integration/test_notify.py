"""Notifications from a real CRIU: the right sequence, and a nack that aborts cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from criu_rpc import Criu, DumpOptions, Notifier, RestoreOptions

from .workload import Workload, start_counter


class Recorder(Notifier):
    def __init__(self, fail_at: str | None = None) -> None:
        self.seen: list[str] = []
        self.fail_at = fail_at
        self.restored_pid: int | None = None

    def _note(self, name: str) -> None:
        self.seen.append(name)
        if name == self.fail_at:
            raise RuntimeError(f"refusing {name}")

    def pre_dump(self) -> None:
        self._note("pre-dump")

    def post_dump(self) -> None:
        self._note("post-dump")

    def network_lock(self) -> None:
        self._note("network-lock")

    def network_unlock(self) -> None:
        self._note("network-unlock")

    def pre_restore(self) -> None:
        self._note("pre-restore")

    def setup_namespaces(self, pid: int) -> None:
        self._note("setup-namespaces")

    def post_setup_namespaces(self) -> None:
        self._note("post-setup-namespaces")

    def post_restore(self, pid: int) -> None:
        self.restored_pid = pid
        self._note("post-restore")

    def pre_resume(self) -> None:
        self._note("pre-resume")

    def post_resume(self) -> None:
        self._note("post-resume")

    def unknown(self, name: str, pid: int | None) -> None:
        self._note(name)


def test_notification_sequence(criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path) -> None:
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(2)
    dumped = Recorder()
    criu.dump(DumpOptions(pid=w.pid, images_dir=images, log_file="dump.log"), dumped)
    # network-lock/unlock come only for a tree with its own network namespace.
    assert dumped.seen == ["pre-dump", "post-dump"]
    w.proc.wait(timeout=10)

    restored = Recorder()
    pid = criu.restore(RestoreOptions(images_dir=images, log_file="restore.log"), restored)
    w.adopt(pid.pid)
    assert restored.seen == ["pre-restore", "post-restore", "pre-resume", "post-resume"]
    assert restored.restored_pid == pid.pid
    w.wait_past(w.last() + 2)


def test_nack_at_post_dump_resumes_the_process(
    criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    """p.haul's trick: refusing post-dump makes CRIU resume the frozen tree instead of killing it."""
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(2)
    notifier = Recorder(fail_at="post-dump")
    with pytest.raises(RuntimeError, match="refusing post-dump") as info:
        criu.dump(DumpOptions(pid=w.pid, images_dir=images, log_file="dump.log"), notifier)
    assert any("CRIU aborted the dump" in note for note in info.value.__notes__)
    assert w.proc.poll() is None
    w.wait_past(w.last() + 3)
