"""ResilientTrainer: make any training loop survive kill -9 by checkpointing the whole process.

No save/load code: CRIU freezes the process for a moment and writes its whole
state (model, optimizer, RNG streams, data-loader position, every Python
variable) into a :class:`~criu_rpc.snapshots.SnapshotStore`. A restore brings
the process back inside the very ``maybe_checkpoint`` call that took the
snapshot, and the loop goes on from that step.

Under ``python -m criu_rpc launch`` the job is the init of its own pid
namespace and checkpoints through the launcher's ``criu service`` (so CRIU is
outside the tree it freezes, and a restore never collides with a PID in use).
Run directly, it checkpoints through a detached ``criu swrk``; a restore then
needs the job's original PID to be free.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

from .client import Criu
from .errors import CriuRpcError
from .snapshots import PendingSnapshot, SnapshotStore

# Set by `launch` for the job: where its CRIU service listens, and its store.
SERVICE_ENV = "CRIU_RPC_SERVICE"
STORE_ENV = "CRIU_RPC_STORE"


class ResilientTrainer:
    """Mixin: call ``super().__init__(store=..., every_steps=..., every_seconds=...)``.

    Then call :meth:`maybe_checkpoint` at each step boundary. Override
    :meth:`on_restored` to re-open what cannot survive a restore (network
    connections, metrics writers); :meth:`before_checkpoint` and
    :meth:`after_checkpoint` bracket each dump. SIGUSR1 asks for a checkpoint at the next
    step boundary. ``keep_last`` prunes older snapshots (None keeps all).

    ``max_overhead`` caps the share of wall time spent checkpointing: after a
    checkpoint that blocked for t seconds, the next scheduled one waits at
    least t / max_overhead, so a store slower than the schedule delays
    checkpoints instead of stalling training (SIGUSR1 is always honoured).
    """

    def __init__(
        self,
        *args: Any,
        store: SnapshotStore | str | os.PathLike[str],
        every_steps: int | None = None,
        every_seconds: float | None = None,
        keep_last: int | None = 3,
        max_overhead: float = 0.05,
        criu: Criu | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if every_steps is not None and every_steps < 1:
            raise ValueError(f"every_steps must be >= 1, got {every_steps}")
        if every_seconds is not None and every_seconds <= 0:
            raise ValueError(f"every_seconds must be > 0, got {every_seconds}")
        if not 0 < max_overhead <= 1:
            raise ValueError(f"max_overhead must be in (0, 1], got {max_overhead}")
        self.max_overhead = max_overhead
        self.checkpoint_store = store if isinstance(store, SnapshotStore) else SnapshotStore(store)
        self.every_steps = every_steps
        self.every_seconds = every_seconds
        self.keep_last = keep_last
        self._criu = criu
        self._last_time = time.monotonic()
        self._last_step: int | None = None
        self._not_before = 0.0
        self._requested = False
        self._requested_by_schedule = False
        self.restored_from: int | None = None
        self._committing: threading.Thread | None = None
        signal.signal(signal.SIGUSR1, self._request_checkpoint)

    def _request_checkpoint(self, signum: int, frame: FrameType | None) -> None:
        self._requested = True

    def _client(self) -> Criu:
        if self._criu is None:
            service = os.environ.get(SERVICE_ENV)
            self._criu = Criu(service=service) if service else Criu()
        return self._criu

    def checkpoint_due(self, step: int) -> bool:
        """Whether the schedule (or SIGUSR1) asks for a checkpoint now; a capped one stays pending."""
        now = time.monotonic()
        if self.every_steps is not None and step % self.every_steps == 0 and step != self._last_step:
            self._requested_by_schedule = True
        if self.every_seconds is not None and now - self._last_time >= self.every_seconds:
            self._requested_by_schedule = True
        if self._requested:
            return True
        return self._requested_by_schedule and now >= self._not_before

    def maybe_checkpoint(self, step: int) -> bool:
        """Checkpoint if due; returns True when a checkpoint was taken (or we were just restored).

        The loop is blocked only while CRIU dumps; making the snapshot durable
        (fsync of GBs, rename, ``latest``) happens in a background thread, which
        the next checkpoint and :meth:`wait_for_checkpoint` wait for.
        """
        if not self.checkpoint_due(step):
            return False
        self._requested = self._requested_by_schedule = False
        self.wait_for_checkpoint()  # a dump must not catch a commit half done
        self.before_checkpoint()
        started = time.monotonic()
        try:
            pending = self.checkpoint_store.dump_self(step, criu=self._client())
        except (CriuRpcError, OSError) as exc:
            self._report_failure(step, exc)
            self._last_time = time.monotonic()
            self._not_before = self._last_time + 10 * (self._last_time - started)
            return False
        finally:
            self.after_checkpoint(step)
        now = time.monotonic()
        self._last_time, self._last_step = now, step
        if pending is None:
            # Restored: clocks and services from before the checkpoint mean nothing now.
            self._criu = None
            self._not_before = 0.0
            self.restored_from = step
            self.on_restored(step)
            return True
        self._not_before = now + (now - started) / self.max_overhead
        self._committing = threading.Thread(target=self._commit, args=(pending,), name="criu_rpc-commit")
        self._committing.start()
        return True

    def wait_for_checkpoint(self) -> None:
        """Wait until the last checkpoint is durable and published (e.g. before exiting on purpose)."""
        if self._committing is not None:
            self._committing.join()
            self._committing = None

    def _commit(self, pending: PendingSnapshot) -> None:
        try:
            pending.commit()
            if self.keep_last:
                self.checkpoint_store.prune(keep_last=self.keep_last)
        except (CriuRpcError, OSError) as exc:
            self._report_failure(pending.snapshot.step, exc)

    @staticmethod
    def _report_failure(step: int, exc: BaseException) -> None:
        # A failed checkpoint must not end the run it protects; the previous snapshot stays.
        print(
            f"criu_rpc: checkpoint at step {step} failed, training goes on: {exc}".splitlines()[0],
            file=sys.stderr,
            flush=True,
        )

    def before_checkpoint(self) -> None:
        """Called right before each dump: release what need not be saved.

        The whole process is written, so every byte of memory costs time while
        the loop is blocked. Between steps, gradients can usually be dropped
        (``optimizer.zero_grad(set_to_none=True)``), as can caches.
        """

    def after_checkpoint(self, step: int) -> None:
        """Called after every checkpoint attempt in the process that goes on: the live one
        (whether the dump worked or not) and a restored one (before :meth:`on_restored`).

        Undo here what :meth:`before_checkpoint` did, e.g. open again a network
        connection closed for the dump (CRIU cannot dump one on every kernel).
        """

    def on_restored(self, step: int) -> None:
        """Called in a restored process, right after it resumes at ``step``."""
