"""Iterative pre-dump on a soft-dirty kernel (runs inside the VM; see integration/vm/run.py).

The same kind of process as the dedup test (a buffer of ``VM_MB`` MiB,
default 1024 as in issue 4, with one 1 MiB slice rewritten 4 times a second) is dumped
plainly once (leave_running) and then iteratively; the final dump must
freeze it at most a fifth as long, and the result must restore with the
right memory.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

from criu_rpc import Criu, DumpOptions, RestoreOptions
from criu_rpc.cli import main
from criu_rpc.images import open_images
from criu_rpc.incremental import restore_chain, verify_chain
from criu_rpc.iterative import StopPolicy, StopReason, iterative_dump
from criu_rpc.procs import kill_tree, wait_gone

from ..test_incremental import expected_digest, start_static
from ..workload import Workload, start_counter
from ..workload import expected_digest as workload_digest

MB = int(os.environ.get("VM_MB", "1024"))


def test_iterative_dump_converges_and_freezes_a_fifth(criu: Criu, tmp_path: Path) -> None:
    w = start_static(tmp_path, mb=MB)
    try:
        plain = tmp_path / "plain"
        plain.mkdir()
        criu.dump(DumpOptions(pid=w.pid, images_dir=plain, leave_running=True, log_file="dump.log"))
        stats = open_images(plain).dump_stats
        assert stats is not None
        plain_frozen = stats.frozen_time

        final = tmp_path / "iter"
        # leave_running like the plain dump: both frozen times then cover the same work.
        template = DumpOptions(pid=w.pid, images_dir=final, leave_running=True, log_file="dump.log")
        result = iterative_dump(criu, w.pid, final, StopPolicy(), template=template)
        kill_tree(w.pid)
        w.proc.wait(timeout=60)
        rows = [(r.index, r.pages_written, r.frozen_time) for r in (*result.rounds, result.final)]
        print(f"\nplain dump frozen {plain_frozen} us; (round, pages, frozen us): {rows}; {result.stop}")
        assert result.stop is not StopReason.MAX_ROUNDS, "the dirty set never converged"
        assert result.rounds[0].pages_written > 10 * result.final.pages_written
        assert result.final.frozen_time * 5 <= plain_frozen

        report = verify_chain(final)
        assert len(report.links) == len(result.rounds) + 1
        pid = restore_chain(criu, RestoreOptions(images_dir=final, log_file="restore.log")).pid
        w.pids.append(pid)
        ticks, digest = w.ask(timeout=300)
        assert digest == expected_digest(w.mb, w.seed, ticks)
    finally:
        for pid in [*w.pids, w.pid]:
            kill_tree(pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            w.proc.wait(timeout=10)
        for pid in w.pids:
            wait_gone(pid)


def test_cli_iterative_dump_restores(
    criu: Criu, criu_bin: str, workloads: list[Workload], tmp_path: Path
) -> None:
    w = start_counter(tmp_path / "out", mem_mb=32)
    workloads.append(w)
    w.wait_past(3, timeout=120)
    images = tmp_path / "images"
    argv = [
        "dump",
        "--criu",
        criu_bin,
        "--pid",
        str(w.pid),
        "--dir",
        str(images),
        "--iterative",
        "--max-rounds",
        "3",
    ]
    assert main(argv) == 0
    w.proc.wait(timeout=60)
    reached = w.last()
    rounds = sorted(n for n in os.listdir(images) if n.startswith("round-"))
    assert 1 <= len(rounds) <= 3
    assert os.readlink(images / "parent") == rounds[-1]
    assert main(["chain", "verify", str(images)]) == 0
    w.adopt(restore_chain(criu, RestoreOptions(images_dir=images, log_file="restore.log")).pid)
    w.wait_past(reached + 3, timeout=120)
    assert {d for _, d in w.lines()} == {workload_digest(w.mem_mb, w.seed)}
