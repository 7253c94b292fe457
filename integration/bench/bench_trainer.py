"""ResilientTrainer vs torch.save/torch.load, side by side for the same ~1.5 GB AdamW job.

Per checkpoint: how long the training loop is blocked, and bytes on disk
(full snapshot, packed archive, torch.save file; and a snapshot of the job as
it is at a step boundary, gradients kept, for what before_checkpoint's
zero_grad(set_to_none=True) buys). Blocked is timed in steady
state: torch.save writes and fsyncs inline, while a snapshot is made durable
in the background after the dump, and with checkpoints minutes apart that has
finished long before the next one (the job waits for it untimed). Then the time from starting
to the first resumed step: `criu_rpc launch` restoring a snapshot vs a fresh
python that builds the model and torch.loads its checkpoint, alternating, the
median of BENCH_TRAIN_RESUMES (default 7) each: one resume of a 1 GB process
varies by 2x on this VM. Then the same from a cold page cache (dropped before
each start, as after a reboot: the snapshot, or torch's libraries and
checkpoint, come from disk), BENCH_TRAIN_COLD (default 3) each. Size and steps
are set by BENCH_TRAIN_WIDTH / BENCH_TRAIN_LAYERS / BENCH_TRAIN_STEPS.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from criu_rpc import SnapshotStore
from criu_rpc.archive import pack
from criu_rpc.incremental import dedup

from ..workload import REPO, env_with_repo

JOB = [sys.executable, str(Path(__file__).with_name("trainer_job.py"))]
LAUNCH = [sys.executable, "-m", "criu_rpc", "launch"]


def _shape() -> list[str]:
    return [
        "--width",
        os.environ.get("BENCH_TRAIN_WIDTH", "4096"),
        "--layers",
        os.environ.get("BENCH_TRAIN_LAYERS", "4"),
        "--batch",
        "16",
    ]


def _events(cmd: list[str], started: float | None = None) -> tuple[list[dict[str, Any]], float]:
    """Run ``cmd``; return its JSON events and seconds from start until it was ready to train on.

    That is the first "resumed" event (state restored or loaded, next step
    about to run), else the first step.
    """
    t0 = started or time.time()
    proc = subprocess.run(cmd, env=env_with_repo(), capture_output=True, text=True, check=False, timeout=1800)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not events:
        raise RuntimeError(f"{' '.join(cmd[:6])} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    first = next(e["wall"] for e in events if e["event"] in ("resumed", "step"))
    return events, first - t0


def _drop_page_cache() -> None:
    """What a reboot does to the page cache (root only; the whole host's cache goes)."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def run() -> None:
    steps = int(os.environ.get("BENCH_TRAIN_STEPS", "8"))
    every = max(2, steps // 2)
    work = Path(tempfile.mkdtemp(prefix="bench-train-", dir="/var/tmp"))
    try:
        ckpt = work / "state.pt"
        store = work / "store"
        common = [*_shape(), "--steps", str(steps), "--every", str(every)]
        unused = str(work / "unused")
        job_args = ["--store", str(store), *common]
        with_criu = [*LAUNCH, "--store", str(store), "--", *JOB, *job_args, "--mode", "criu"]
        with_torch = [*JOB, "--store", unused, "--ckpt", str(ckpt), *common, "--mode"]
        saved, _ = _events([*with_torch, "torchsave"])
        dumped, _ = _events(with_criu)
        snaps = SnapshotStore(store).list()
        first_snap = snaps[0]
        # The second checkpoint as a dedup link against the first (on a copy: the store stays intact).
        deduped = 0
        if len(snaps) > 1:
            link = shutil.copytree(snaps[-1].path, work / "link", symlinks=True)
            deduped = dedup(link, first_snap.path).bytes_after

        def resumes(rounds: int, cold: bool) -> tuple[list[float], list[float]]:
            criu_resumes: list[float] = []
            torch_resumes: list[float] = []
            for round_ in range(rounds):
                # Resume from the first checkpoint, as torch.load does, dropping what the last one added.
                for later in SnapshotStore(store).list()[1:]:
                    shutil.rmtree(later.path)
                (store / "latest").unlink(missing_ok=True)
                pairs = [(with_criu, criu_resumes), ([*with_torch, "torchload"], torch_resumes)]
                for cmd, samples in pairs[:: 1 if round_ % 2 == 0 else -1]:
                    if cold:
                        _drop_page_cache()
                    samples.append(_events(cmd)[1])
            return criu_resumes, torch_resumes

        criu_resumes, torch_resumes = resumes(int(os.environ.get("BENCH_TRAIN_RESUMES", "7")), cold=False)
        criu_cold, torch_cold = resumes(max(1, int(os.environ.get("BENCH_TRAIN_COLD", "3"))), cold=True)
        criu_resume, torch_resume = statistics.median(criu_resumes), statistics.median(torch_resumes)
        packed = pack(first_snap.path, work / "snap.tar.zst") if first_snap.path.exists() else 0
        # The same job dumped as it is at a step boundary, gradients and all: what dropping them
        # buys (run last: its extra GB of dirty page cache would disturb the resumes above).
        as_is_store = work / "as-is"
        job_as_is = [*JOB, "--store", str(as_is_store), *common, "--mode", "criu", "--keep-grads"]
        kept, _ = _events([*LAUNCH, "--store", str(as_is_store), "--", *job_as_is])
        bytes_kept = SnapshotStore(as_is_store).list()[0].size_bytes

        def blocked(events: list[dict[str, Any]]) -> float:
            return float(statistics.median(e["blocked"] for e in events if e["event"] == "checkpoint"))

        step_s = statistics.median(e["seconds"] for e in saved if e["event"] == "step")
        b_criu, b_torch, b_kept = blocked(dumped), blocked(saved), blocked(kept)
        bytes_torch = max(e["bytes"] for e in saved if e["event"] == "checkpoint")
        rows = [
            ("blocked per checkpoint (s)", f"{b_criu:.2f}", f"{b_torch:.2f}", f"{b_torch / b_criu:.2f}x"),
            (
                "start to resumed, next step runs (s)",
                f"{criu_resume:.2f}",
                f"{torch_resume:.2f}",
                f"{torch_resume / criu_resume:.2f}x",
            ),
            (
                "  fastest / slowest of those (s)",
                f"{min(criu_resumes):.2f}/{max(criu_resumes):.2f}",
                f"{min(torch_resumes):.2f}/{max(torch_resumes):.2f}",
                "-",
            ),
            (
                "  the same, cold page cache (s)",
                f"{statistics.median(criu_cold):.2f}",
                f"{statistics.median(torch_cold):.2f}",
                f"{statistics.median(torch_cold) / statistics.median(criu_cold):.2f}x",
            ),
            (
                "bytes on disk, full (MB)",
                f"{first_snap.size_bytes / 1e6:.0f}",
                f"{bytes_torch / 1e6:.0f}",
                f"{bytes_torch / first_snap.size_bytes:.2f}x",
            ),
            ("  as is, gradients kept (MB)", f"{bytes_kept / 1e6:.0f}", "-", "-"),
            ("  as is, blocked per checkpoint (s)", f"{b_kept:.2f}", "-", "-"),
            ("bytes on disk, dedup link (MB)", f"{deduped / 1e6:.0f}" if deduped else "n/a", "-", "-"),
            ("bytes on disk, packed zstd (MB)", f"{packed / 1e6:.0f}", "-", "-"),
            (
                "overhead at 1 checkpoint / 10 min",
                f"{100 * b_criu / 600:.3f}%",
                f"{100 * b_torch / 600:.3f}%",
                "-",
            ),
        ]
        print(
            f"\nResilientTrainer vs torch.save/torch.load (step {step_s:.2f} s, {steps} steps, every {every})"
        )
        print(f"{'measure':36} {'criu_rpc':>10} {'torch':>10} {'torch/criu':>11}")
        for name, a, b, ratio in rows:
            print(f"{name:36} {a:>10} {b:>10} {ratio:>11}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.chdir(REPO)
    run()
