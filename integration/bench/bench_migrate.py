"""Downtime and total time of moving a 1 GiB process: local dump+restore vs migration vs lazy migration.

* local: ``Criu.dump`` into a directory, then ``Criu.restore`` from it, on one host;
* page server: ``criu_rpc.migrate.migrate`` from host A to host B (two network
  namespaces joined by a veth pair), pages streamed into B's page server;
* lazy: the same with ``lazy=True``: B restores first, pages follow on demand
  and in the background while A's tree stays frozen;
* pre-copy x1: ``rounds=1``: one full checkpoint shipped while the process
  runs, then a final dump written locally, deduplicated against it by content
  (no soft-dirty here) and restored on B as a chain.

Downtime runs from the freeze (CRIU's pre-dump notification) to the copy
running (local: restore returned; migration: the destination reported the
restored tree running). Total runs from the call to the source being gone
(lazy: every page delivered). Medians of ``BENCH_REPEAT`` rounds (default
3) after one untimed warm-up round, methods in rotated order.

Environment: ``BENCH_MIGRATE_MB`` (process size, default 1024),
``BENCH_REPEAT``, ``BENCH_MIGRATE_RATE`` (shape the veth, e.g. ``1gbit``;
default unshaped), ``CRIU_BIN``, ``BENCH_VERBOSE``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from criu_rpc import Criu, DumpOptions, Notifier, RestoreOptions

from ..hosts import Host, pipe_max_size, start_agent, two_hosts
from ..workload import env_with_repo
from .bench_dump_restore import _criu_binary

METHODS = ("local", "page server", "lazy", "pre-copy x1")
BIG = r"""
import os, sys, time
mb = int(sys.argv[2])
buf = bytearray(os.urandom(16 << 20)) * (mb // 16)  # every page written
open(sys.argv[1], "w").close()
while True:
    time.sleep(3600)
"""
MIGRATE = r"""
import json, sys
from criu_rpc import Criu
from criu_rpc.migrate import migrate
pid, to, lazy, binary, rounds = sys.argv[1:6]
r = migrate(int(pid), to, lazy=lazy == "1", rounds=int(rounds), criu=Criu(binary))
print(json.dumps({"pid": r.pid, "downtime": r.downtime, "total": r.total}))
"""


@dataclass(frozen=True)
class Sample:
    downtime: float
    total: float


class _Freeze(Notifier):
    def __init__(self) -> None:
        self.frozen = 0.0

    def pre_dump(self) -> None:
        self.frozen = time.monotonic()


def _start(argv: list[str], ready: Path) -> subprocess.Popen[bytes]:
    ready.unlink(missing_ok=True)
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"workload did not start ({proc.returncode})")
        time.sleep(0.05)
    return proc


def _end(pid: int) -> None:
    """Kill a tree that is not our child and wait until it is gone."""
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        for proc in [*root.children(recursive=True), root]:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
        root.wait(30)


def _ns_init(outer: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = psutil.Process(outer.pid).children()
        if children:
            return children[0].pid
        time.sleep(0.01)
    raise RuntimeError("unshare did not start the workload")


def local(criu: Criu, mb: int, scratch: Path) -> Sample:
    images = Path(tempfile.mkdtemp(prefix="local-", dir=scratch))
    proc = _start([sys.executable, "-c", BIG, str(scratch / "ready"), str(mb)], scratch / "ready")
    try:
        os.sync()
        freeze = _Freeze()
        start = time.monotonic()
        criu.dump(DumpOptions(pid=proc.pid, images_dir=images, log_file="dump.log"), freeze)
        proc.wait(30)
        pid = criu.restore(RestoreOptions(images_dir=images, log_file="restore.log")).pid
        done = time.monotonic()
        _end(pid)
        return Sample(done - freeze.frozen, done - start)
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(images, ignore_errors=True)


def migration(
    binary: str, a: Host, agent_address: str, mb: int, scratch: Path, *, lazy: bool, rounds: int
) -> Sample:
    ready = scratch / "ready"
    prefix = a.wrap(["unshare", "--pid", "--fork", "setsid"])
    outer = _start([*prefix, sys.executable, "-c", BIG, str(ready), str(mb)], ready)
    try:
        init = _ns_init(outer)
        os.sync()
        flags = ["1" if lazy else "0", binary, str(rounds)]
        argv = a.wrap([sys.executable, "-c", MIGRATE, str(init), agent_address, *flags])
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env_with_repo(), check=False, timeout=600
        )
        if done.returncode != 0:
            raise RuntimeError(f"migration failed: {done.stderr[-2000:]}")
        answer = json.loads(done.stdout)
        _end(answer["pid"])
        return Sample(answer["downtime"], answer["total"])
    finally:
        _end(outer.pid)
        outer.wait()


def run() -> None:
    if os.geteuid() != 0:
        print("bench_migrate: needs root (CRIU, network namespaces); skipped")
        return
    binary = _criu_binary()
    mb = int(os.environ.get("BENCH_MIGRATE_MB", "1024"))
    rounds = int(os.environ.get("BENCH_REPEAT", "3"))
    rate = os.environ.get("BENCH_MIGRATE_RATE") or None
    criu = Criu(binary)
    samples: dict[str, list[Sample]] = {m: [] for m in METHODS}
    base = "/var/tmp" if os.path.isdir("/var/tmp") else None
    with (
        tempfile.TemporaryDirectory(prefix="criu-bench-migrate-", dir=base) as tmp,
        two_hosts(rate=rate) as (a, b),
        pipe_max_size(),
    ):
        scratch = Path(tmp)
        agent = start_agent(b, scratch / "dest", criu=binary)
        try:

            def once(method: str) -> Sample:
                if method == "local":
                    return local(criu, mb, scratch)
                rounds = 1 if method == "pre-copy x1" else 0
                return migration(binary, a, agent.address, mb, scratch, lazy=method == "lazy", rounds=rounds)

            for method in METHODS:  # warm-up: binaries, libraries, memory backed once
                once(method)
            for i in range(rounds):
                shift = i % len(METHODS)
                for method in METHODS[shift:] + METHODS[:shift]:
                    samples[method].append(once(method))
                print(f"  round {i + 1}/{rounds} done", file=sys.stderr, flush=True)
        finally:
            agent.stop()
    _table(mb, rounds, rate, samples)


def _table(mb: int, rounds: int, rate: str | None, samples: dict[str, list[Sample]]) -> None:
    link = f"veth shaped to {rate}" if rate else "veth, unshaped"
    print(f"moving a {mb} MiB process: median of {rounds} rounds, seconds ({link}; 2-core VM)")
    print(f"{'method':<14}{'downtime':>10}{'total':>10}")
    for method in METHODS:
        down = statistics.median(s.downtime for s in samples[method])
        total = statistics.median(s.total for s in samples[method])
        print(f"{method:<14}{down:>10.3f}{total:>10.3f}")
    if os.environ.get("BENCH_VERBOSE"):
        for method in METHODS:
            print(f"  {method}: " + " ".join(f"{s.downtime:.3f}/{s.total:.3f}" for s in samples[method]))
