"""ResilientTrainer under `launch`: kill -9, PID collisions, archives, faults, a full disk.

Every test compares the losses printed after a resume with an uninterrupted
run of the same job: they must be equal bit for bit (printed with repr).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from criu_rpc import Criu, Snapshot, SnapshotError, SnapshotStore
from criu_rpc.archive import pack, unpack
from criu_rpc.procs import wait_gone
from criu_rpc.storefiles import LAUNCH_REQUEST

from .trainjob import STEPS, TRAIN, Launch, parse_losses, reference_losses, train_args
from .workload import env_with_repo, take_pid

pytestmark = pytest.mark.usefixtures("criu_bin")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    losses = reference_losses(tmp_path_factory.mktemp("ref"))
    assert sorted(losses) == list(range(1, STEPS + 1))
    return losses


@pytest.fixture
def launches() -> Iterator[list[Launch]]:
    started: list[Launch] = []
    yield started
    for launch in started:
        launch.kill_all()


def finish(store: Path, launches: list[Launch], args: list[str] | None = None) -> Launch:
    final = Launch(store, args)
    launches.append(final)
    assert final.wait() == 0, final.stderr
    return final


def killed_at(store: Path, step: int, launches: list[Launch], args: list[str] | None = None) -> Snapshot:
    """Launch the job, kill -9 it once it printed ``step`` and has a snapshot; the snapshot a
    relaunch must resume."""
    first = Launch(store, args)
    launches.append(first)
    first.wait_step(step)
    deadline = time.monotonic() + 60
    while SnapshotStore(store).latest() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # its first checkpoint is still being made durable
    first.kill_job()
    newest = SnapshotStore(store).latest()
    assert newest is not None
    return newest


def assert_same(got: dict[int, str], reference: dict[int, str], steps: int = STEPS) -> None:
    assert got, "no steps printed"
    assert max(got) == steps
    assert {s: reference[s] for s in got} == got


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill9_at_random_step_resumes_exactly(
    seed: int, reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    kill_at = random.Random(seed).randint(21, STEPS - 5)
    newest = killed_at(tmp_path / "store", kill_at, launches)
    resumed = finish(tmp_path / "store", launches)
    assert f"restored {newest.name} (step {newest.step})" in resumed.stderr
    assert min(resumed.losses()) == newest.step + 1
    assert_same(resumed.losses(), reference)


# Run in a fresh interpreter: which modules were loaded when the request went out,
# then the client's answer and the first line the restored job prints.
EARLY_RESTORE = """
import json, os, signal, sys
from criu_rpc.prestart import STDERR_FD, STDOUT_FD, start_latest
started = start_latest(sys.argv[1])
loaded = sorted(m for m in sys.modules if m.startswith(("google", "criu_rpc.client", "criu_rpc.options")))
from criu_rpc import Criu
pid = Criu(prespawn=False).finish_restore(started).pid
started.close()
os.close(STDOUT_FD), os.close(STDERR_FD)
line = os.fdopen(started.stdout).readline()
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
print(json.dumps({"loaded": loaded, "line": line}))
"""


def test_the_saved_request_restores_before_the_client_is_loaded(
    reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    """launch's first act: each snapshot carries its RESTORE request, sent with the standard
    library alone; the client, loaded meanwhile, takes CRIU's answer, and the job goes on."""
    newest = killed_at(tmp_path / "store", 25, launches)
    assert (newest.path / LAUNCH_REQUEST).read_bytes() == newest.launch_request()
    proc = subprocess.run(
        [sys.executable, "-c", EARLY_RESTORE, str(tmp_path / "store")],
        check=False,
        env=env_with_repo(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["loaded"] == []
    assert parse_losses(result["line"]) == {newest.step + 1: reference[newest.step + 1]}


def test_a_corrupt_saved_request_costs_only_its_head_start(
    reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    """CRIU refuses the early request; the ordinary path restores the same snapshot."""
    newest = killed_at(tmp_path / "store", 25, launches)
    (newest.path / LAUNCH_REQUEST).write_bytes(b"\xff" * 64)
    resumed = finish(tmp_path / "store", launches)
    assert f"restored {newest.name} (step {newest.step})" in resumed.stderr
    assert "failed to restore" not in resumed.stderr
    assert min(resumed.losses()) == newest.step + 1
    assert_same(resumed.losses(), reference)


def test_kill9_with_dataloader_workers_resumes_exactly(
    reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    """Two DataLoader worker processes, their queues and prefetched batches go with the job."""
    args = [*train_args(), "--workers", "2"]
    first = Launch(tmp_path / "store", args)
    launches.append(first)
    first.wait_step(random.Random(4).randint(21, STEPS - 5))
    workers = psutil.Process(first.job_pid()).children()
    assert len(workers) == 2, workers
    first.kill_job()
    newest = SnapshotStore(tmp_path / "store").latest()
    assert newest is not None
    resumed = finish(tmp_path / "store", launches, args)
    assert f"restored {newest.name} (step {newest.step})" in resumed.stderr
    assert min(resumed.losses()) == newest.step + 1
    assert_same(resumed.losses(), reference)  # batch i is made from i alone, in any process


def test_a_metrics_file_that_grew_after_the_snapshot_is_cut_back(
    tmp_path: Path, launches: list[Launch]
) -> None:
    """A file kept open with open(path, "w") grows after the snapshot and CRIU refuses it: launch
    cuts it back to its size then, the job writes the rest again, and the file ends as in a run
    never interrupted; what was cut off is kept in the store."""
    reference = tmp_path / "reference.csv"
    subprocess.run(
        [
            *TRAIN,
            "--steps",
            str(STEPS),
            "--every",
            "0",
            "--store",
            str(tmp_path / "ref"),
            "--metrics",
            str(reference),
        ],
        env=env_with_repo(),
        capture_output=True,
        timeout=300,
        check=True,
    )
    metrics, store = tmp_path / "metrics.csv", tmp_path / "store"
    args = [*train_args(), "--metrics", str(metrics)]
    newest = killed_at(store, 25, launches, args)
    resumed = finish(store, launches, args)
    assert f"cut {metrics} back to" in resumed.stderr, resumed.stderr
    assert metrics.read_bytes() == reference.read_bytes()
    kept = store / "rewound" / newest.name / str(metrics).lstrip("/")
    assert kept.read_text().startswith(f"{newest.step + 1},")


def test_restore_while_the_old_pid_is_taken(
    reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    first = Launch(tmp_path / "store")
    launches.append(first)
    first.wait_step(25)
    pid = first.kill_job()
    holder = take_pid(pid)
    try:
        resumed = finish(tmp_path / "store", launches)
    finally:
        holder.kill()
        holder.wait()
    assert "restored" in resumed.stderr
    assert_same(resumed.losses(), reference)


def test_restore_from_an_archive_unpacked_elsewhere(
    reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    store = tmp_path / "store"
    killed_at(store, 35, launches)
    archive = tmp_path / "job.tar.zst"
    pack(store, archive)
    shutil.rmtree(store)
    moved = unpack(archive, tmp_path / "elsewhere")
    resumed = finish(moved, launches)
    assert "restored" in resumed.stderr
    assert_same(resumed.losses(), reference)


def test_random_kills_twenty_times(tmp_path: Path, launches: list[Launch]) -> None:
    """Kill the job or the launcher at random moments, some during a checkpoint; it always comes back."""
    steps = 400
    reference = reference_losses(tmp_path / "ref", steps)
    store = tmp_path / "store"
    rng = random.Random(20)
    kills = 0
    for round_ in range(20):
        launch = Launch(store, train_args(steps, every=5, delay=0.05))
        launches.append(launch)
        launch.job_pid()
        if round_ % 3 == 0:  # wait for a checkpoint in progress, then strike
            deadline = time.monotonic() + 20
            while (
                not list(store.glob(".tmp-*")) and launch.proc.poll() is None and time.monotonic() < deadline
            ):
                time.sleep(0.002)
        else:
            time.sleep(rng.uniform(0.2, 2.5))
        if launch.proc.poll() is not None:  # it finished the run before we struck
            break
        if rng.random() < 0.5:
            launch.kill_job()
        else:
            launch.kill_all()
        kills += 1
        snapshots = SnapshotStore(store).list()
        for snap in snapshots:
            assert (snap.path / "snapshot.json").exists()
    assert kills == 20, f"the job finished after {kills} kills; give it more steps"
    resumed = finish(store, launches, train_args(steps, every=5))
    assert_same(resumed.losses(), reference, steps)


@pytest.mark.parametrize(
    ("sig", "latest"),
    [(signal.SIGINT, 0.8), (signal.SIGKILL, 0.5)],
    ids=["ctrl-c at any moment", "kill -9 while it restores"],
)
def test_stopping_launch_leaves_nothing_behind(
    sig: signal.Signals, latest: float, reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    """SIGINT to launch while it restores or while the job runs: one line, exit 130 or the job's
    kill. SIGKILL while CRIU restores (the request goes out first thing): the worker and the
    half-restored job go with the launcher. Either way no job, CRIU or service process is left,
    and the next launch resumes exactly."""
    store = tmp_path / "store"
    killed_at(store, 15, launches)
    rng = random.Random(5)
    for _ in range(4):
        launch = Launch(store)
        launches.append(launch)
        time.sleep(rng.uniform(0.02, latest))
        launch.proc.send_signal(sig)
        code = launch.wait(timeout=60)
        if sig == signal.SIGINT:
            assert code in (130, 128 + signal.SIGKILL), launch.stderr
            assert "Traceback" not in launch.stderr
            if code == 130:
                assert "criu-rpc launch: interrupted" in launch.stderr
        time.sleep(1)
        assert not leftovers(store)
    resumed = finish(store, launches)
    assert_same(resumed.losses(), reference)


def leftovers(store: Path) -> list[dict[str, object]]:
    """Processes of a launch of ``store`` still alive: its job, CRIU workers, its service."""
    markers = (str(store), SnapshotStore(store).service_address, str(TRAIN[-1]))
    found = []
    for p in psutil.process_iter(["pid", "ppid", "cmdline"]):
        argv = p.info["cmdline"] or []
        stray_worker = argv[1:2] == ["swrk"] and p.info["ppid"] != os.getpid()  # not one of ours here
        if stray_worker or any(m in " ".join(argv) for m in markers):
            found.append(p.info)
    return found


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_during_checkpoint(
    reference: dict[int, str], small_disk: Path, launches: list[Launch]
) -> None:
    """Room for one snapshot only: later checkpoints fail, training goes on, the first one stays good."""
    store = small_disk / "store"
    run = Launch(store, train_args(every=20))
    launches.append(run)
    assert run.wait() == 0, run.stderr
    assert_same(run.losses(), reference)
    # The second checkpoint (due at 40, later if the first was slow) finds the disk full.
    assert re.search(r"checkpoint at step (4\d|5\d) failed, training goes on", run.stderr), run.stderr
    snapshots = SnapshotStore(store).list()
    assert [s.step for s in snapshots] == [20]
    assert not list(store.glob(".tmp-*")), "the failed checkpoint left nothing behind"
    resumed = finish(store, launches)
    assert min(resumed.losses()) == 21
    assert_same(resumed.losses(), reference)


def test_falls_back_to_an_older_snapshot_and_says_why(
    reference: dict[int, str], tmp_path: Path, launches: list[Launch]
) -> None:
    store = tmp_path / "store"
    first = Launch(store)
    launches.append(first)
    deadline = time.monotonic() + 120
    while len(SnapshotStore(store).list()) < 2:  # the schedule may skip one when checkpoints are slow
        assert time.monotonic() < deadline, "no second snapshot"
        time.sleep(0.05)
    first.kill_job()
    older, newest = SnapshotStore(store).list()[-2:]
    (newest.path / "core-1.img").unlink()  # a broken snapshot: CRIU cannot restore it
    resumed = finish(store, launches)
    assert f"{newest.name} (step {newest.step}) failed to restore" in resumed.stderr
    assert f"restored {older.name} (step {older.step})" in resumed.stderr
    assert_same(resumed.losses(), reference)


def test_a_snapshot_whose_libraries_changed_is_stale(tmp_path: Path, launches: list[Launch]) -> None:
    store = tmp_path / "store"
    killed_at(store, 15, launches)
    snap = SnapshotStore(store).latest()
    assert snap is not None
    assert snap.stale_reason() is None
    lib = next(p for p in snap.mapped_files if "libc.so" in p)
    fake = dataclasses.replace(snap, mapped_files={lib: (1, 1)})
    assert fake.stale_reason() == f"{lib}, mapped by the process, changed since the snapshot (upgraded?)"
    with pytest.raises(SnapshotError, match="is stale"):
        SnapshotStore(store).restore(fake, criu=Criu(timeout=60))


@pytest.mark.parametrize("restored", [False, True], ids=["fresh", "restored"])
def test_sigterm_to_launch_kills_a_job_without_a_handler_at_once(
    restored: bool, tmp_path: Path, launches: list[Launch]
) -> None:
    """A pid-namespace init never gets a signal it has no handler for: no waiting for SIGTERM to work."""
    store = tmp_path / "store"
    if restored:
        first = Launch(store)
        launches.append(first)
        first.wait_step(12)
        first.kill_job()
    run = Launch(store)
    launches.append(run)
    pid = run.job_pid()
    run.wait_step(13 if restored else 2)
    started = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 128 + signal.SIGKILL
    assert time.monotonic() - started < 5, "launch waited for a SIGTERM that could not work"
    assert "job was killed by SIGKILL" in run.stderr
    assert wait_gone(pid)


def test_sigterm_to_launch_reaches_a_job_that_handles_it(tmp_path: Path, launches: list[Launch]) -> None:
    job = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))\n"
        "print('step 1 loss 0.5', flush=True)\n"
        "time.sleep(60)\n"
    )
    run = Launch(tmp_path / "store", [sys.executable, "-c", job])
    launches.append(run)
    run.wait_step(1)
    run.proc.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 3
