"""Dump and restore wall time: criu_rpc against the CRIU CLI and pycriu (issue 2).

Two workloads, the same process kind for every method:

* ``tiny``: ``sleep``;
* ``1GiB``: a Python process holding 1 GiB of touched, random-ish anonymous memory.

Each round starts a fresh workload per method, dumps it (CRIU kills it),
restores it from the images and kills the restored copy. The methods run side
by side in every round, in an order shuffled per round (a fixed rotation would
always put the same method right after the same other one, whose leftovers,
such as namespaces the kernel tears down lazily, then bias it), and the table
shows medians. All use the same CRIU binary, log level and log file:

* criu_rpc: ``Criu().dump(DumpOptions(...))`` / ``Criu().restore(RestoreOptions(...))``
  on one ``Criu``, as a program that checkpoints repeatedly uses it: its idle
  worker (prespawn, the default) has started before the call;
* per-call: the same with ``Criu(prespawn=False)``, a new worker spawned in each call;
* CLI: ``criu dump -t PID -D DIR`` / ``criu restore -D DIR -d``, timed around the subprocess;
* pycriu: a helper in the oracle venv that times only its ``pycriu.criu.criu()`` call.

The tiny workload runs twice: on the host as it is and with CRIU's kernel-feature
cache in place (:func:`criu_rpc.ensure_kerndat_cache`; CRIU keeps that cache only
when /run is a tmpfs, which it is not on these VMs). The cache serves every
method alike; what it removes is the ~18 ms kernel probe each CRIU run makes,
which otherwise hides every other difference in a small dump.

Workloads run in their own session with stdio on /dev/null (no ``--shell-job``).
This process becomes a child subreaper, so restored processes (orphaned when
CRIU exits) are re-parented to it and can be killed and reaped.

Environment: ``BENCH_REPEAT`` (rounds; default 15 tiny, 5 for 1 GiB: one 1 GiB dump varies by 50%),
``BENCH_WORKLOADS`` (comma list, default ``tiny,tiny+kdat,1GiB``), ``CRIU_BIN``,
``PYCRIU_PYTHON`` (default ``.criu/oracle-venv/bin/python``), ``BENCH_VERBOSE``
(non-empty: also print every sample).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from criu_rpc import Criu, CriuNotFoundError, DumpOptions, RestoreOptions
from criu_rpc.kerndat import CACHE_DIR, KDAT_LINK, TMPFS, ensure_kerndat_cache, filesystem_type
from criu_rpc.swrk import find_criu

REPO = Path(__file__).resolve().parents[2]
LOG_LEVEL = 2  # CRIU's default for both the CLI and RPC; set explicitly everywhere
DUMP_LOG = "dump.log"
RESTORE_LOG = "restore.log"
PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
METHODS = ("criu_rpc", "per-call", "CLI", "pycriu")
SETTLE_S = 0.05

BIG = r"""
import os, sys, time
buf = bytearray(os.urandom(16 << 20)) * 64  # 1 GiB, every page written
open(sys.argv[1], "w").close()
while True:
    time.sleep(3600)
"""

PYCRIU_HELPER = r"""
import json, os, sys, time
import pycriu.criu
# pycriu/__init__ re-exports the class criu over the submodule of that name.
criu = sys.modules["pycriu.criu"].criu
op, binary, images, pid, log, level = sys.argv[1:7]
c = criu()
c.use_binary(binary)
c.opts.images_dir_fd = os.open(images, os.O_RDONLY | os.O_DIRECTORY)
c.opts.log_file = log
c.opts.log_level = int(level)
if op == "dump":
    c.opts.pid = int(pid)
start = time.perf_counter()
resp = c.dump() if op == "dump" else c.restore()
took = time.perf_counter() - start
print(json.dumps({"seconds": took, "pid": resp.pid if op == "restore" else None}))
"""


@dataclass(frozen=True)
class Workload:
    name: str
    default_repeat: int
    big: bool
    kerndat_cache: bool


WORKLOADS = (
    Workload("tiny", 15, big=False, kerndat_cache=False),
    Workload("tiny+kdat", 15, big=False, kerndat_cache=True),
    Workload("1GiB", 5, big=True, kerndat_cache=True),
)


@dataclass
class Samples:
    dump: list[float]
    restore: list[float]


# -- processes ---------------------------------------------------------------


class Reaper:
    """Every process the benchmark owns, killed and reaped on :meth:`close`."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.orphans: set[int] = set()
        self.before = set(_children())

    def start(self, argv: list[str], ready: Path | None) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd="/",
        )
        self.procs.append(proc)
        if ready is not None:
            deadline = time.monotonic() + 120
            while not ready.exists():
                if proc.poll() is not None:
                    raise RuntimeError(f"workload {argv[:2]} exited with {proc.returncode} before ready")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"workload {argv[:2]} not ready after 120 s")
                time.sleep(0.02)
        return proc

    def dumped(self, proc: subprocess.Popen[bytes]) -> None:
        """CRIU killed the dumped workload: reap it so its pid is free for the restore."""
        code = proc.wait(timeout=30)
        if code != -signal.SIGKILL:
            raise RuntimeError(f"dumped workload {proc.pid} ended with {code}, expected SIGKILL")
        self.procs.remove(proc)

    def restored(self, pid: int) -> None:
        """A restored tree's root, now orphaned to us (subreaper): check it lives, then end it."""
        self.orphans.add(pid)
        try:
            os.kill(pid, 0)
        except ProcessLookupError as exc:
            raise RuntimeError(f"restored pid {pid} is not running") from exc
        self.kill(pid)

    def kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            # Not (yet) our child: wait for it to disappear.
            deadline = time.monotonic() + 10
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        self.orphans.discard(pid)

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()
        self.procs.clear()
        for pid in list(self.orphans):
            self.kill(pid)
        # Anything else re-parented to us (we are a subreaper) came from a run that failed half-way.
        for pid in set(_children()) - self.before:
            self.kill(pid)


def _children() -> list[int]:
    """Pids whose parent is this process."""
    me = str(os.getpid())
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            found.append(int(entry.name))
    return found


@contextlib.contextmanager
def subreaper() -> Iterator[None]:
    libc = ctypes.CDLL(None, use_errno=True)
    before = ctypes.c_int(0)
    libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    try:
        yield
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, before.value, 0, 0, 0)


# -- the three ways to dump and restore ----------------------------------------


@dataclass
class Bench:
    binary: str
    pycriu_python: str | None
    reaper: Reaper
    criu: Criu
    cold: Criu  # prespawn=False: a worker spawned in each call

    def rpc_dump(self, pid: int, images: Path, criu: Criu | None = None) -> float:
        start = time.perf_counter()
        (criu or self.criu).dump(
            DumpOptions(pid=pid, images_dir=images, log_file=DUMP_LOG, log_level=LOG_LEVEL)
        )
        return time.perf_counter() - start

    def rpc_restore(self, images: Path, criu: Criu | None = None) -> tuple[float, int]:
        start = time.perf_counter()
        result = (criu or self.criu).restore(
            RestoreOptions(images_dir=images, log_file=RESTORE_LOG, log_level=LOG_LEVEL)
        )
        return time.perf_counter() - start, result.pid

    def cold_dump(self, pid: int, images: Path) -> float:
        return self.rpc_dump(pid, images, self.cold)

    def cold_restore(self, images: Path) -> tuple[float, int]:
        return self.rpc_restore(images, self.cold)

    def cli_dump(self, pid: int, images: Path) -> float:
        argv = [self.binary, "dump", "-t", str(pid), "-D", str(images), "-o", DUMP_LOG, f"-v{LOG_LEVEL}"]
        return self._cli(argv, images, DUMP_LOG)

    def cli_restore(self, images: Path) -> tuple[float, int]:
        pidfile = "restore.pid"
        argv = [self.binary, "restore", "-D", str(images), "-d", "-o", RESTORE_LOG, f"-v{LOG_LEVEL}"]
        argv += ["--pidfile", pidfile]
        took = self._cli(argv, images, RESTORE_LOG)
        return took, int((images / pidfile).read_text())

    def _cli(self, argv: list[str], images: Path, log: str) -> float:
        start = time.perf_counter()
        code = subprocess.run(argv, stdin=subprocess.DEVNULL, check=False).returncode
        took = time.perf_counter() - start
        if code != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({code}):\n{_tail(images / log)}")
        return took

    def pycriu_dump(self, pid: int, images: Path) -> float:
        return self._pycriu("dump", images, pid, DUMP_LOG)[0]

    def pycriu_restore(self, images: Path) -> tuple[float, int]:
        took, pid = self._pycriu("restore", images, 0, RESTORE_LOG)
        assert pid is not None
        return took, pid

    def _pycriu(self, op: str, images: Path, pid: int, log: str) -> tuple[float, int | None]:
        assert self.pycriu_python is not None
        argv = [self.pycriu_python, "-c", PYCRIU_HELPER, op, self.binary, str(images), str(pid), log]
        proc = subprocess.run(
            [*argv, str(LOG_LEVEL)], stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"pycriu {op} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}\n"
                f"{_tail(images / log)}"
            )
        answer = json.loads(proc.stdout)
        return float(answer["seconds"]), answer["pid"]

    def once(self, method: str, workload: Workload, scratch: Path) -> tuple[float, float]:
        """Start a workload, dump it, restore it, end it; return (dump s, restore s)."""
        images = Path(tempfile.mkdtemp(prefix=f"{method}-", dir=scratch))
        ready = scratch / f"ready-{method}"
        ready.unlink(missing_ok=True)
        try:
            argv = [sys.executable, "-c", BIG, str(ready)] if workload.big else ["sleep", "100000"]
            proc = self.reaper.start(argv, ready if workload.big else None)
            dump: Callable[[int, Path], float]
            restore: Callable[[Path], tuple[float, int]]
            dump, restore = {
                "criu_rpc": (self.rpc_dump, self.rpc_restore),
                "per-call": (self.cold_dump, self.cold_restore),
                "CLI": (self.cli_dump, self.cli_restore),
                "pycriu": (self.pycriu_dump, self.pycriu_restore),
            }[method]
            settle()
            dump_s = dump(proc.pid, images)
            self.reaper.dumped(proc)
            settle()
            restore_s, pid = restore(images)
            self.reaper.restored(pid)
            if pid != proc.pid:
                raise RuntimeError(f"{method}: restored pid {pid}, dumped {proc.pid}")
            return dump_s, restore_s
        finally:
            shutil.rmtree(images, ignore_errors=True)


def settle() -> None:
    """Let the previous call's leftovers finish before the next timed call: writeback,
    a prespawned worker starting up, namespaces the kernel tears down lazily."""
    os.sync()
    time.sleep(SETTLE_S)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path})"


def _criu_binary() -> str:
    """$CRIU_BIN or criu on PATH (as criu_rpc finds it), else the one `make setup` provisions."""
    try:
        return find_criu()
    except CriuNotFoundError:
        provisioned = REPO / ".criu/bin/criu"
        if provisioned.is_file():
            return str(provisioned)
        raise


def _pycriu_python() -> str | None:
    path = os.environ.get("PYCRIU_PYTHON") or str(REPO / ".criu/oracle-venv/bin/python")
    if not os.access(path, os.X_OK):
        return None
    probe = subprocess.run([path, "-c", "import pycriu.criu"], capture_output=True, check=False)
    return path if probe.returncode == 0 else None


def _set_kerndat_cache(binary: str, wanted: bool) -> str | None:
    """Put CRIU's kernel-feature cache in place or take ours away; None, or why it cannot be done."""
    if wanted:
        ensure_kerndat_cache(binary)
        return None
    if filesystem_type(KDAT_LINK.parent) == TMPFS:
        return "/run is a tmpfs: CRIU keeps its own cache, there is no uncached host to measure"
    if KDAT_LINK.is_symlink() and Path(os.readlink(KDAT_LINK)).parent == CACHE_DIR:
        KDAT_LINK.unlink()
    return None if not KDAT_LINK.exists() else f"{KDAT_LINK} is not criu_rpc's: left alone"


def _repeat(workload: Workload) -> int:
    value = os.environ.get("BENCH_REPEAT")
    return int(value) if value else workload.default_repeat


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _ratio(other: float | None, ours: float | None) -> str:
    return "n/a" if other is None or not ours else f"{other / ours:.2f}x"


def run() -> None:
    if os.geteuid() != 0:
        print("bench_dump_restore: needs root (CRIU dumps other processes); skipped")
        return
    binary = _criu_binary()
    pycriu_python = _pycriu_python()
    methods = [m for m in METHODS if m != "pycriu" or pycriu_python is not None]
    if pycriu_python is None:
        print("pycriu unavailable (set PYCRIU_PYTHON or run `make setup`): its column is n/a")
    wanted = os.environ.get("BENCH_WORKLOADS", ",".join(w.name for w in WORKLOADS)).split(",")
    workloads = [w for w in WORKLOADS if w.name in wanted]
    base = "/var/tmp" if os.path.isdir("/var/tmp") else None
    reaper = Reaper()
    bench = Bench(binary, pycriu_python, reaper, Criu(binary), Criu(binary, prespawn=False))
    results: dict[tuple[str, str], Samples] = {}
    with subreaper(), tempfile.TemporaryDirectory(prefix="criu-bench-", dir=base) as tmp:
        scratch = Path(tmp)
        try:
            for workload in workloads:
                why_not = _set_kerndat_cache(binary, workload.kerndat_cache)
                if why_not:
                    print(f"  {workload.name}: skipped, {why_not}", file=sys.stderr)
                    continue
                # One untimed round first: CRIU's binaries and libraries into the page cache,
                # and (for 1 GiB) memory the VM has backed once already.
                for method in methods:
                    bench.once(method, workload, scratch)
                rounds = _repeat(workload)
                for method in methods:
                    results[workload.name, method] = Samples([], [])
                for i in range(rounds):
                    order = random.Random(i).sample(methods, len(methods))
                    for method in order:
                        dump_s, restore_s = bench.once(method, workload, scratch)
                        results[workload.name, method].dump.append(dump_s)
                        results[workload.name, method].restore.append(restore_s)
                    print(f"  {workload.name} round {i + 1}/{rounds} done", file=sys.stderr, flush=True)
        finally:
            bench.criu.close()
            reaper.close()
    _print_table(binary, workloads, results)
    if os.environ.get("BENCH_VERBOSE"):
        for (name, method), samples in results.items():
            for op in ("dump", "restore"):
                values = " ".join(f"{v:.4f}" for v in getattr(samples, op))
                print(f"  {name:5} {op:8} {method:9} {values}")


def _print_table(binary: str, workloads: list[Workload], results: dict[tuple[str, str], Samples]) -> None:
    header = (
        "workload",
        "operation",
        "criu_rpc s",
        "per-call s",
        "CLI s",
        "pycriu s",
        "CLI/criu_rpc",
        "CLI/per-call",
        "pycriu/criu_rpc",
    )
    rows = [header]
    for workload in workloads:
        for op in ("dump", "restore"):
            medians: dict[str, float | None] = {}
            for method in METHODS:
                samples = results.get((workload.name, method))
                medians[method] = statistics.median(getattr(samples, op)) if samples else None
            ours = medians["criu_rpc"]
            rows.append(
                (
                    workload.name,
                    op,
                    _fmt(ours),
                    _fmt(medians["per-call"]),
                    _fmt(medians["CLI"]),
                    _fmt(medians["pycriu"]),
                    _ratio(medians["CLI"], ours),
                    _ratio(medians["CLI"], medians["per-call"]),
                    _ratio(medians["pycriu"], ours),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print(f"CRIU {binary}; medians of wall time; ratio > 1 means criu_rpc is faster")
    for row in rows:
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells))
