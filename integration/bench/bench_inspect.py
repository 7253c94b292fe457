"""Image inspection speed: ``criu_rpc inspect`` against Debian's crit on big checkpoints (issue 3).

Two workloads of BENCH_INSPECT_GIB GiB (default 4) each, dumped once under
/var/tmp and deleted afterwards:

- dense: one mapping, every page touched. Few VMAs and a few thousand pagemap
  entries, so both tools spend their time starting up.
- fragmented: what long-running processes look like: the same address space
  in 4096 mappings (one VMA each) with every other page touched (half the
  data, ~500k pagemap entries), so per-entry work counts.

Side by side in each round, every view runs as a fresh program (what a user
types: interpreter start-up and imports included) and in-process (the work
itself: a new Checkpoint per call for us; crit's explorer functions with their
caches reset, run by the oracle's interpreter). Medians of BENCH_REPEAT rounds
(default 5 dense, 3 fragmented: crit takes seconds there). Both tools run from
bytecode, as installed packages do (pip and dpkg compile at install; in this
checkout PYTHONDONTWRITEBYTECODE=1 would make every run compile its sources):
the bench compiles ours and the oracle's first.

Pairs: ``inspect summary`` has no crit counterpart, so it is shown next to
``crit x rss``, which reads the same images (pstree, mm, pagemap). Goal: summary
< 0.3 s whatever the size, and >= 10x faster than crit on each view.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from criu_rpc import Criu, CriuNotFoundError, DumpOptions
from criu_rpc.images import image_to_dict, open_images, read_image
from criu_rpc.inspect import _DIR_VIEWS

from . import compile_package

REPO = Path(__file__).resolve().parents[2]

DENSE = r"""
import mmap, os, sys, time
size = int(sys.argv[2]) << 20
m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
chunk = os.urandom(4096) * 256
for off in range(0, size, len(chunk)):
    m[off:off + len(chunk)] = chunk
open(sys.argv[1], "w").close()
while True:
    time.sleep(3600)
"""

FRAGMENTED = r"""
import mmap, sys, time
size, regions = int(sys.argv[2]) << 20, 4096
span, page = size // regions, mmap.PAGESIZE
maps = []
for i in range(regions):
    # Alternating protections keep neighbouring mappings apart: one VMA each.
    prot = mmap.PROT_READ | mmap.PROT_WRITE | (mmap.PROT_EXEC if i % 2 else 0)
    m = mmap.mmap(-1, span, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=prot)
    for off in range(0, span, 2 * page):  # every other page: a pagemap entry each
        m[off] = 1
    maps.append(m)
open(sys.argv[1], "w").close()
while True:
    time.sleep(3600)
"""


class Workload(NamedTuple):
    name: str
    script: str
    rounds: int  # default number of rounds


WORKLOADS = (Workload("dense", DENSE, 5), Workload("fragmented", FRAGMENTED, 3))

CRIT_HELPER = r"""
import io, json, sys, time, contextlib
import crit.__main__ as c
import pycriu
what, d, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for _ in range(repeat):
    c.files_img = None
    c.files_cache.clear()
    sink = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(sink):
        if what.startswith("show:"):
            with open(what[5:], "rb") as f:
                json.dump(pycriu.images.load(f, True), sink, indent=4)
        else:
            c.explore({"dir": d, "what": what})
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""

# (our view, crit's counterpart)
PAIRS = [("summary", "rss"), ("ps", "ps"), ("mems", "mems"), ("fds", "fds"), ("rss", "rss"), ("show", "show")]


def _oracle_python() -> tuple[str, dict[str, str]] | None:
    """The oracle's interpreter and PYTHONPATH, read from the crit wrapper script."""
    crit = os.environ.get("CRIT_ORACLE") or str(REPO / ".criu" / "bin" / "crit")
    try:
        text = Path(crit).read_text()
    except OSError:
        return None
    py = re.search(r"exec '([^']+)'", text)
    path = re.search(r"PYTHONPATH='([^']*)'", text)
    if not py:
        return None
    env = dict(os.environ)
    if path:
        env["PYTHONPATH"] = path.group(1)
    return py.group(1), env


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def _ours_in_process(view: str, d: Path, pagemap: Path) -> float:
    start = time.perf_counter()
    if view == "show":
        json.dumps(image_to_dict(read_image(pagemap)), indent=4)
    else:
        _DIR_VIEWS[view](open_images(d), argparse.Namespace(pid=None, json=False))
    return time.perf_counter() - start


def _make_checkpoint(workload: Workload, gib: float, work: Path) -> tuple[Path, int]:
    ready = work / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", workload.script, str(ready), str(int(gib * 1024))],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not ready.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"{workload.name} memory workload died")
            time.sleep(0.05)
        images = work / "images"
        images.mkdir()
        start = time.perf_counter()
        Criu().dump(
            DumpOptions(pid=proc.pid, images_dir=images, shell_job=False, log_file="dump.log", log_level=2)
        )
        print(
            f"  dumped {workload.name} {gib:g} GiB in {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        return images, proc.pid
    finally:
        proc.kill()
        proc.wait()


def _compile_bytecode(oracle: tuple[str, dict[str, str]] | None) -> None:
    """Compile our package and the oracle's crit/pycriu, as their installs would have."""
    compile_package()
    if oracle is not None:
        for path in filter(None, oracle[1].get("PYTHONPATH", "").split(os.pathsep)):
            subprocess.run([oracle[0], "-m", "compileall", "-q", path], check=True, env=oracle[1])


def run() -> None:
    if os.geteuid() != 0:
        print("bench_inspect: needs root (CRIU dumps the memory workload); skipped")
        return
    try:
        Criu().version()
    except CriuNotFoundError as exc:
        print(f"bench_inspect: {exc}; skipped")
        return
    oracle = _oracle_python()
    crit = os.environ.get("CRIT_ORACLE") or str(REPO / ".criu" / "bin" / "crit")
    gib = float(os.environ.get("BENCH_INSPECT_GIB", "4"))
    _compile_bytecode(oracle)
    for workload in WORKLOADS:
        repeat = int(os.environ.get("BENCH_REPEAT", str(workload.rounds)))
        work = Path(tempfile.mkdtemp(prefix="criu-rpc-bench-inspect-", dir="/var/tmp"))
        try:
            images, pid = _make_checkpoint(workload, gib, work)
            pagemap = images / f"pagemap-{pid}.img"
            _report(workload, images, pagemap, crit=crit, oracle=oracle, repeat=repeat, gib=gib)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _report(
    workload: Workload,
    images: Path,
    pagemap: Path,
    *,
    crit: str,
    oracle: tuple[str, dict[str, str]] | None,
    repeat: int,
    gib: float,
) -> None:
    ours_cli: dict[str, list[float]] = {v: [] for v, _ in PAIRS}
    crit_cli: dict[str, list[float]] = {c: [] for _, c in PAIRS}
    ours_lib: dict[str, list[float]] = {v: [] for v, _ in PAIRS}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    for _ in range(repeat):
        for view, counterpart in PAIRS:
            args = ["show", str(pagemap)] if view == "show" else [view]
            ours_cli[view].append(
                _wall([sys.executable, "-m", "criu_rpc", "inspect", str(images), *args], env)
            )
            if len(crit_cli[counterpart]) < len(ours_cli[view]):
                cargs = ["show", str(pagemap)] if counterpart == "show" else ["x", str(images), counterpart]
                crit_cli[counterpart].append(_wall([crit, *cargs]))
            ours_lib[view].append(_ours_in_process(view, images, pagemap))
    crit_lib: dict[str, list[float]] = {}
    if oracle is not None:
        for _, counterpart in PAIRS:
            what = f"show:{pagemap}" if counterpart == "show" else counterpart
            if counterpart not in crit_lib:
                res = subprocess.run(
                    [oracle[0], "-c", CRIT_HELPER, what, str(images), str(repeat)],
                    capture_output=True,
                    text=True,
                    env=oracle[1],
                    check=False,
                )
                crit_lib[counterpart] = json.loads(res.stdout) if res.returncode == 0 else []

    def med(xs: list[float]) -> float | None:
        return statistics.median(xs) if xs else None

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x * 1000:.1f} ms"

    def ratio(a: float | None, b: float | None) -> str:
        return "n/a" if not a or not b else f"{b / a:.1f}x"

    ours_bare = med([_wall([sys.executable, "-c", "pass"]) for _ in range(repeat)])
    crit_bare = med([_wall([oracle[0], "-c", "pass"], oracle[1]) for _ in range(repeat)]) if oracle else None
    total = sum(p.stat().st_size for p in images.iterdir())
    ck = open_images(images)
    pid = ck.processes[0].pid
    print(
        f"inspect vs crit on a {workload.name} {gib:g} GiB checkpoint ({total / 2**30:.2f} GiB on disk, "
        f"{len(ck.vmas(pid))} VMAs, {len(ck.pagemap(pid).vaddrs)} pagemap entries); medians of {repeat}"
    )
    print("ratio = crit time / our time (> 1: we are faster); 'program' includes interpreter start-up")
    headers = (
        "view",
        "crit counterpart",
        "ours program",
        "crit program",
        "ratio",
        "ours in-proc",
        "crit in-proc",
        "ratio",
    )
    rows = []
    tenfold = []
    for view, counterpart in PAIRS:
        oc, cc = med(ours_cli[view]), med(crit_cli[counterpart])
        ol, cl = med(ours_lib[view]), med(crit_lib.get(counterpart, []))
        if oc and cc and cc / oc >= 10:
            tenfold.append(view)
        label = "crit show pagemap" if counterpart == "show" else f"crit x {counterpart}"
        rows.append(
            (f"inspect {view}", label, fmt(oc), fmt(cc), ratio(oc, cc), fmt(ol), fmt(cl), ratio(ol, cl))
        )
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for r in [headers, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    summary = med(ours_cli["summary"])
    verdict = "met" if summary is not None and summary < 0.3 else "NOT met"
    print(f"goal summary < 0.3 s: {verdict} ({fmt(summary)})")
    print(f"goal >= 10x crit as programs: met for {', '.join(tenfold) or 'no view'}")
    print(f"interpreter start-up alone (python -c pass): ours {fmt(ours_bare)}, crit's {fmt(crit_bare)}")


if __name__ == "__main__":
    run()
