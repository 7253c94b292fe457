"""ResilientTrainer's schedule and hooks, with a store whose self-dumps are scripted (no CRIU).

Real dumps and restores of training jobs are in integration/test_trainer.py;
here is what the mixin decides around them: when to checkpoint, what runs before
and after a dump, what a restored process and a failed dump see.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from criu_rpc import Criu, CriuRequestError, ResilientTrainer, SnapshotStore
from criu_rpc.snapshots import PendingSnapshot, Snapshot

LIVE, RESTORED, FAILED = "live", "restored", "failed"


class ScriptedPending(PendingSnapshot):
    def commit(self) -> Snapshot:
        assert isinstance(self.store, ScriptedStore)
        self.store.committed.append(self.snapshot.step)
        return self.snapshot


class ScriptedStore(SnapshotStore):
    """dump_self answers with the next outcome of ``script`` (LIVE once it runs out)."""

    def __init__(self, root: Path, script: list[str]) -> None:
        super().__init__(root)
        self.script = script
        self.dumped: list[int] = []
        self.committed: list[int] = []

    def dump_self(self, step: int, **_: Any) -> PendingSnapshot | None:
        self.dumped.append(step)
        outcome = self.script.pop(0) if self.script else LIVE
        if outcome == FAILED:
            raise CriuRequestError("dump", cr_errmsg="no space left on device")
        if outcome == RESTORED:
            return None
        snap = Snapshot(
            self.root / f"snap-{step}", step, created=0.0, size_bytes=0, criu_version="4.1", dumped_as=""
        )
        return ScriptedPending(self, self.root, snap)


class Job(ResilientTrainer):
    """Records the hooks it gets, in order."""

    def __init__(self, store: ScriptedStore, **kwargs: Any) -> None:
        self.calls: list[tuple[str, int | None]] = []
        super().__init__(store=store, criu=Criu(service="/nonexistent.sock"), keep_last=None, **kwargs)

    def before_checkpoint(self) -> None:
        self.calls.append(("before", None))

    def after_checkpoint(self, step: int) -> None:
        self.calls.append(("after", step))

    def on_restored(self, step: int) -> None:
        self.calls.append(("restored", step))


@pytest.fixture(autouse=True)
def keep_sigusr1() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGUSR1)
    yield
    signal.signal(signal.SIGUSR1, previous)


def run(job: Job, steps: range) -> list[int]:
    taken = [step for step in steps if job.maybe_checkpoint(step)]
    job.wait_for_checkpoint()
    return taken


def test_every_steps_checkpoints_on_multiples_and_commits_them(tmp_path: Path) -> None:
    store = ScriptedStore(tmp_path, [])
    job = Job(store, every_steps=3, max_overhead=1.0)
    assert run(job, range(1, 11)) == [3, 6, 9]
    assert store.committed == [3, 6, 9]
    assert job.calls == [
        ("before", None),
        ("after", 3),
        ("before", None),
        ("after", 6),
        ("before", None),
        ("after", 9),
    ]


def test_a_restored_process_gets_after_then_on_restored(tmp_path: Path) -> None:
    store = ScriptedStore(tmp_path, [RESTORED])
    job = Job(store, every_steps=2, max_overhead=1.0)
    assert job.maybe_checkpoint(2)
    assert job.restored_from == 2
    assert job.calls == [("before", None), ("after", 2), ("restored", 2)]
    assert store.committed == []


def test_a_failed_dump_is_reported_undone_and_training_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ScriptedStore(tmp_path, [FAILED])
    job = Job(store, every_steps=1, max_overhead=1.0)
    assert not job.maybe_checkpoint(1)
    assert job.calls == [("before", None), ("after", 1)]
    err = capsys.readouterr().err
    assert "checkpoint at step 1 failed, training goes on: CRIU dump failed: no space left on device" in err
    assert store.committed == []


def test_sigusr1_asks_for_a_checkpoint_at_the_next_step(tmp_path: Path) -> None:
    store = ScriptedStore(tmp_path, [])
    job = Job(store, every_steps=None, max_overhead=1.0)
    assert run(job, range(1, 4)) == []
    os.kill(os.getpid(), signal.SIGUSR1)
    assert run(job, range(4, 7)) == [4]


def test_max_overhead_delays_scheduled_checkpoints_after_a_slow_dump(tmp_path: Path) -> None:
    store = ScriptedStore(tmp_path, [])
    job = Job(store, every_steps=1, max_overhead=1e-9)  # any dump is "slow": the next waits ~forever
    assert run(job, range(1, 5)) == [1]
    os.kill(os.getpid(), signal.SIGUSR1)  # a request is always honoured
    assert run(job, range(5, 7)) == [5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"every_steps": 0}, "every_steps must be >= 1"),
        ({"every_seconds": 0}, "every_seconds must be > 0"),
        ({"max_overhead": 0}, "max_overhead must be in"),
    ],
)
def test_bad_schedules_are_refused(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Job(ScriptedStore(tmp_path, []), **kwargs)
