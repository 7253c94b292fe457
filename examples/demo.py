"""`make demo`: a PyTorch training run survives kill -9 and resumes exactly where it was.

1. Train once without interruption, for the reference losses.
2. Train under `python -m criu_rpc launch` (checkpoint every 20 steps), kill -9
   the job at a random step.
3. Launch again: it restores the newest snapshot and finishes the run.
The losses after the resume must equal the reference bit for bit.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS, EVERY = 200, 20
TRAIN = [sys.executable, str(HERE / "train.py"), "--steps", str(STEPS), "--delay", "0.03"]
LAUNCH = [sys.executable, "-m", "criu_rpc", "launch"]
LOSS = re.compile(r"step (\d+) loss (\S+)")


def losses(text: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in LOSS.finditer(text)}


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def killed_run(store: Path, kill_at: int) -> dict[int, str]:
    """Launch the job, kill -9 it once it has printed step ``kill_at``; return what it printed."""
    proc = subprocess.Popen(
        [*LAUNCH, "--store", str(store), "--", *TRAIN, "--every", str(EVERY)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    job_pid: list[int] = []

    def watch_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            match = re.search(r"as pid (\d+)", line)
            if match:
                job_pid.append(int(match.group(1)))

    threading.Thread(target=watch_stderr, daemon=True).start()
    printed = ""
    for line in proc.stdout:
        printed += line
        match = LOSS.match(line)
        if match and int(match.group(1)) >= kill_at and job_pid:
            os.kill(job_pid[0], signal.SIGKILL)
            print(f"   step {match.group(1)}: kill -9 {job_pid[0]}", flush=True)
            break
    proc.wait(timeout=60)
    return losses(printed)


def main() -> int:
    if os.geteuid() != 0:
        print("the demo needs root (CRIU does)", file=sys.stderr)
        return 1
    store = Path(tempfile.mkdtemp(prefix="criu_rpc-demo-", dir="/var/tmp"))
    kill_at = random.randint(EVERY * 3 + 1, STEPS - EVERY - 1)
    started = time.monotonic()
    try:
        say(f"1. reference: {STEPS} steps, never interrupted")
        ref = losses(
            subprocess.run(
                [*TRAIN, "--every", "0", "--store", str(store / "ref")],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        print(f"   step {STEPS} loss {ref[STEPS]}")

        say(f"2. the same run under `criu_rpc launch`, checkpointing every {EVERY} steps, killed at random")
        before = killed_run(store / "job", kill_at)
        subprocess.run([sys.executable, "-m", "criu_rpc", "snapshots", str(store / "job")], check=True)

        say("3. launch again: restore the newest snapshot and finish")
        again = subprocess.run(
            [*LAUNCH, "--store", str(store / "job"), "--", *TRAIN, "--every", str(EVERY)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        print(
            "   "
            + "\n   ".join(
                line for line in again.stderr.splitlines() if "criu_rpc" in line or "resumed" in line
            )
        )
        after = losses(again.stdout)
        if not after:
            print(again.stderr, file=sys.stderr)
            return 1
        resumed = min(after) - 1
        print(f"   went on from step {resumed} (it was killed at step {max(before)}) to step {max(after)}")
        same = all(after[s] == ref[s] for s in after) and max(after) == STEPS
        for s in range(resumed + 1, resumed + 4):
            print(f"   step {s}: resumed loss {after[s]}  reference {ref[s]}")
        print(
            f"\n{'OK' if same else 'MISMATCH'}: losses after the resume "
            f"{'equal' if same else 'differ from'} the uninterrupted run, bit for bit "
            f"({len(after)} steps compared; {time.monotonic() - started:.0f} s in all)"
        )
        return 0 if same else 1
    finally:
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
