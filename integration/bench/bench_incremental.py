"""Bytes written and frozen time per checkpoint: plain full dumps, content-dedup chains, pre-dump (issue 4).

One mostly static process (``BENCH_MB``, default 1024 MiB, a 1 MiB slice
rewritten 4 times a second) is checkpointed ``BENCH_CHECKPOINTS`` times
(default 3), one second apart, with ``leave_running``:

* plain: what each full dump writes and how long the tree was frozen (stats-dump);
* dedup: the same dump rewritten by ``criu_rpc.incremental.dedup`` against the
  previous checkpoint. The freeze is the plain dump's (dedup runs after the tree
  resumed); the table adds the rewrite's own time and compare speed;
* pre-dump (only where the kernel tracks soft-dirty pages, e.g. the VM tier):
  ``criu_rpc.iterative.iterative_dump`` of the same kind of process: bytes of
  every round and the final dump's frozen time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from criu_rpc import Criu, DumpOptions
from criu_rpc.images import open_images
from criu_rpc.incremental import dedup
from criu_rpc.iterative import StopPolicy, iterative_dump
from criu_rpc.procs import kill_tree
from integration.test_incremental import du, start_static

MIB = 1 << 20


def _frozen_ms(path: Path) -> float:
    stats = open_images(path).dump_stats
    return stats.frozen_time / 1000 if stats else float("nan")


def run() -> None:
    mb = int(os.environ.get("BENCH_MB", "1024"))
    count = int(os.environ.get("BENCH_CHECKPOINTS", "3"))
    criu = Criu(timeout=600)
    tmp = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    try:
        _plain_vs_dedup(criu, tmp, mb, count)
        if criu.features("mem_track").mem_track:
            _pre_dump(criu, tmp, mb)
        else:
            print(
                "pre-dump: not available on this kernel (no soft-dirty); run it in the VM tier (make test-vm)"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _plain_vs_dedup(criu: Criu, tmp: Path, mb: int, count: int) -> None:
    w = start_static(tmp, mb=mb)
    rows = []
    try:
        prev: Path | None = None
        for i in range(1, count + 1):
            if prev is not None:
                time.sleep(1)
            here = tmp / f"ckpt-{i}"
            here.mkdir()
            criu.dump(DumpOptions(pid=w.pid, images_dir=here, leave_running=True, log_file="dump.log"))
            full = du(here)
            frozen = _frozen_ms(here)
            if prev is None:
                rows.append((i, full, frozen, full, float("nan"), float("nan")))
            else:
                r = dedup(here, prev)
                rows.append((i, full, frozen, du(here), r.seconds, r.compare_gbps))
            prev = here
    finally:
        kill_tree(w.pid)
        with contextlib.suppress(Exception):
            w.proc.wait(timeout=10)
    print(f"{mb} MiB mostly static process, {count} checkpoints 1 s apart")
    head = ("ckpt", "plain MiB", "frozen ms", "dedup MiB", "frozen ms", "rewrite s", "GB/s")
    print("{:>4} | {:>9} {:>9} | {:>9} {:>9} {:>9} {:>6}".format(*head))
    for i, full, frozen, link, secs, gbps in rows:
        cells = (i, full / MIB, frozen, link / MIB, frozen, secs, gbps)
        print("{:>4} | {:>9.1f} {:>9.0f} | {:>9.1f} {:>9.0f} {:>9.2f} {:>6.1f}".format(*cells))
    total_plain = sum(r[1] for r in rows)
    total_dedup = sum(r[3] for r in rows)
    print(f"total | {total_plain / MIB:>9.1f} {'':>9} | {total_dedup / MIB:>9.1f}")


def _pre_dump(criu: Criu, tmp: Path, mb: int) -> None:
    (tmp / "pre").mkdir()
    w = start_static(tmp / "pre", mb=mb)
    try:
        plain = tmp / "pre-plain"
        plain.mkdir()
        criu.dump(DumpOptions(pid=w.pid, images_dir=plain, leave_running=True, log_file="dump.log"))
        template = DumpOptions(pid=w.pid, images_dir=tmp, leave_running=True)
        result = iterative_dump(criu, w.pid, tmp / "pre-iter", StopPolicy(), template=template)
    finally:
        kill_tree(w.pid)
        with contextlib.suppress(Exception):
            w.proc.wait(timeout=10)
    print(f"pre-dump (soft-dirty), same process kind; plain dump froze it {_frozen_ms(plain):.0f} ms")
    print(f"{'round':>6} | {'written MiB':>11} {'frozen ms':>9}")
    for r in (*result.rounds, result.final):
        name = "final" if r.final else str(r.index)
        print(f"{name:>6} | {r.bytes_written / MIB:>11.1f} {r.frozen_time / 1000:>9.0f}")
    print(f"stopped: {result.stop.value}")
