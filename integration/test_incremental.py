"""Content-dedup chains on a real process with real CRIU (no soft-dirty needed).

The workload holds a 1 GiB buffer (every page stamped with its index, so a
page read from the wrong place shows) and overwrites one 1 MiB slice of it four
times a second, so its memory at any moment is a function of its tick count:
the test recomputes the expected digest from the tick the restored process
reports, which proves every page came back right, whether it was read from
the newest link or from its grandparent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from criu_rpc import Criu, DumpOptions, RestoreOptions
from criu_rpc.cli import main
from criu_rpc.images.magic import PAGE_SIZE
from criu_rpc.incremental import BrokenChainError, dedup, restore_chain, squash, verify_chain
from criu_rpc.procs import kill_tree, wait_gone

from .test_dump_restore import assert_resumed
from .workload import Workload, start_counter

MIB = 1 << 20

STATIC = r"""
import hashlib, os, sys, time
report, trigger = sys.argv[1], sys.argv[2]
mb, seed, hz = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
MIB = 1 << 20
buf = bytearray(b"".join(((seed << 40) | i).to_bytes(8, "little") * 512 for i in range(mb * 256)))
t = 0
while True:
    if os.path.exists(trigger):
        line = f"{t} {hashlib.sha256(buf).hexdigest()}\n".encode()
        fd = os.open(report, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, line)
        os.close(fd)
        os.unlink(trigger)
    off = (t * MIB) % len(buf)
    buf[off : off + MIB] = hashlib.sha256(f"{seed}:{t}".encode()).digest() * (MIB // 32)
    t += 1
    if t == 1:
        open(report + ".ready", "w").close()
    time.sleep(1 / hz)
"""


def expected_digest(mb: int, seed: int, ticks: int) -> str:
    """What the workload's buffer hashes to after ``ticks`` ticks."""
    buf = bytearray(b"".join(((seed << 40) | i).to_bytes(8, "little") * 512 for i in range(mb * 256)))
    slices = len(buf) // MIB
    for t in range(max(0, ticks - slices), ticks):
        off = (t * MIB) % len(buf)
        buf[off : off + MIB] = hashlib.sha256(f"{seed}:{t}".encode()).digest() * (MIB // 32)
    return hashlib.sha256(buf).hexdigest()


@dataclass
class Static:
    """A started STATIC workload and the restored copies to kill afterwards."""

    proc: subprocess.Popen[bytes]
    report: Path
    trigger: Path
    mb: int
    seed: int
    pids: list[int]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ask(self, timeout: float = 60) -> tuple[int, str]:
        """Have the (possibly restored) process report its tick and buffer digest."""
        before = self.report.read_text().splitlines() if self.report.exists() else []
        self.trigger.touch()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.report.read_text().splitlines() if self.report.exists() else []
            if len(lines) > len(before):
                n, digest = lines[-1].split()
                return int(n), digest
            time.sleep(0.05)
        raise AssertionError(f"workload did not report within {timeout} s")


def start_static(tmp: Path, *, mb: int = 1024, seed: int = 4, hz: float = 4.0) -> Static:
    report, trigger = tmp / "report", tmp / "trigger"
    proc = subprocess.Popen(
        [sys.executable, "-c", STATIC, str(report), str(trigger), str(mb), str(seed), str(hz)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not Path(f"{report}.ready").exists():
        assert proc.poll() is None, "workload died"
        assert time.monotonic() < deadline, "workload did not start"
        time.sleep(0.05)
    return Static(proc, report, trigger, mb, seed, [])


@pytest.fixture
def statics() -> Iterator[list[Static]]:
    started: list[Static] = []
    yield started
    for w in started:
        for pid in [*w.pids, w.pid]:
            kill_tree(pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            w.proc.wait(timeout=10)
        for pid in w.pids:
            wait_gone(pid)


def du(path: Path) -> int:
    return sum(os.lstat(path / n).st_size for n in os.listdir(path))


def dump(criu: Criu, pid: int, path: Path, *, leave_running: bool) -> None:
    path.mkdir()
    criu.dump(DumpOptions(pid=pid, images_dir=path, leave_running=leave_running, log_file="dump.log"))


def restore(criu: Criu, path: Path) -> int:
    return restore_chain(criu, RestoreOptions(images_dir=path, log_file="restore.log")).pid


def test_dedup_chain_of_mostly_static_gib(criu: Criu, statics: list[Static], tmp_path: Path) -> None:
    w = start_static(tmp_path)
    statics.append(w)
    links = [tmp_path / name for name in ("1", "2", "3")]
    dump(criu, w.pid, links[0], leave_running=True)
    full = du(links[0])
    results = []
    for i in (1, 2):
        time.sleep(1)
        dump(criu, w.pid, links[i], leave_running=i < 2)
        results.append(dedup(links[i], links[i - 1]))
    w.proc.wait(timeout=30)
    report = verify_chain(links[2])
    assert [link.path for link in report.links] == [p.resolve() for p in reversed(links)]
    changed = sum(r.bytes_after for r in results)
    chain = sum(du(p) for p in links)
    sizes = [round(du(p) / MIB, 2) for p in links[1:]]
    speeds = [round(r.compare_gbps, 2) for r in results]
    kept = [r.pages_kept for r in results]
    print(f"\nfull {full / MIB:.1f} MiB; links {sizes} MiB; kept {kept} pages; {speeds} GB/s")
    assert chain <= 1.2 * full + changed
    assert all(r.pages_in_parent > 0.9 * r.pages_total for r in results), results
    assert all(r.compare_gbps >= 1.0 for r in results), results
    for r in results:
        assert r.bytes_after == r.pages_kept * PAGE_SIZE

    # Verification catches a broken chain before CRIU is asked.
    middle = links[1] / "parent"
    target = os.readlink(middle)
    middle.unlink()
    try:
        with pytest.raises(BrokenChainError):
            verify_chain(links[2])
        with pytest.raises(BrokenChainError):
            restore(criu, links[2])
    finally:
        os.symlink(target, middle)

    pid = restore(criu, links[2])
    w.pids.append(pid)
    ticks, digest = w.ask()
    assert digest == expected_digest(w.mb, w.seed, ticks)
    kill_tree(pid)
    wait_gone(pid)

    out = tmp_path / "squashed"
    squash(links[2], out)
    assert not (out / "parent").exists()
    assert du(out) < 1.2 * full
    pid = restore(criu, out)
    w.pids.append(pid)
    ticks2, digest = w.ask()
    assert ticks2 <= ticks + 1, "the squashed copy starts from the same moment"
    assert digest == expected_digest(w.mb, w.seed, ticks2)


def test_cli_dedup_dump_verify_restore(
    criu: Criu, criu_bin: str, workloads: list[Workload], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = start_counter(tmp_path / "out", mem_mb=64)
    workloads.append(w)
    w.wait_past(3)
    first, second = tmp_path / "1", tmp_path / "2"
    common = ["--criu", criu_bin, "--pid", str(w.pid)]
    assert main(["dump", *common, "--dir", str(first), "--leave-running"]) == 0
    w.wait_past(w.last() + 3)
    assert main(["dump", *common, "--dir", str(second), "--dedup-parent", str(first)]) == 0
    assert "pages in the parent chain" in capsys.readouterr().out
    w.proc.wait(timeout=10)
    reached = w.last()
    assert main(["chain", "verify", str(second)]) == 0
    assert du(second) < du(first) / 4
    w.adopt(restore(criu, second))
    assert_resumed(w, reached)


def test_cli_iterative_follows_soft_dirty_support(
    criu: Criu, criu_bin: str, workloads: list[Workload], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused, before CRIU is asked, without soft-dirty; done with it (the VM tier goes further)."""
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    code = main(
        ["dump", "--criu", criu_bin, "--pid", str(w.pid), "--dir", str(tmp_path / "d"), "--iterative"]
    )
    if criu.features("mem_track").mem_track:
        assert code == 0
        return
    assert code == 1
    assert "soft-dirty" in capsys.readouterr().err
    assert w.proc.poll() is None
    assert not (tmp_path / "d").exists()


def test_dedup_across_a_restore(criu: Criu, statics: list[Static], tmp_path: Path) -> None:
    """A restored process keeps its addresses, so its next checkpoint dedups against the one it came from."""
    w = start_static(tmp_path, mb=256)
    statics.append(w)
    first, second = tmp_path / "1", tmp_path / "2"
    dump(criu, w.pid, first, leave_running=False)
    w.proc.wait(timeout=30)
    pid = restore(criu, first)
    w.pids.append(pid)
    time.sleep(1)
    dump(criu, pid, second, leave_running=False)
    wait_gone(pid)
    result = dedup(second, first)
    assert result.pages_in_parent > 0.9 * result.pages_total, result
    pid = restore(criu, second)
    w.pids.append(pid)
    ticks, digest = w.ask()
    assert digest == expected_digest(w.mb, w.seed, ticks)
