"""Self-dump through a detached swrk: the live process sees restored=False, its restored copy True."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from criu_rpc import Criu, RestoreOptions

from .workload import Workload, env_with_repo


def wait_for_line(out: Path, text: str, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = out.read_text().splitlines() if out.exists() else []
        if text in lines:
            return lines
        time.sleep(0.02)
    raise AssertionError(f"{text!r} never appeared in {out}")


def test_self_dump_then_restore(criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "integration.selfdump_job", str(images), str(out)],
        env=env_with_repo(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    w = Workload(proc, out, 0, 0)
    workloads.append(w)
    lines = wait_for_line(out, "restored=False")
    assert lines[:3] == ["tick 0", "tick 1", "tick 2"]
    proc.kill()
    proc.wait()
    out.write_text("")

    pid = criu.restore(RestoreOptions(images_dir=images, log_level=4, log_file="restore.log")).pid
    w.adopt(pid)
    lines = wait_for_line(out, "tick 5")
    assert lines[:4] == ["restored=True", "tick 3", "tick 4", "tick 5"]
