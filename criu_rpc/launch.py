"""``launch``: run a job so that it can always be brought back from its last snapshot.

The job runs as the init of its own pid namespace (util-linux ``unshare``),
with a session of its own inside it, so CRIU records the namespace and every
restore creates a fresh one: the job's old PIDs can be taken (after a reboot
they usually are) without a collision. It checkpoints itself through a ``criu
service`` run by the launcher, outside the namespace, so CRIU is never inside
the tree it freezes. Its stdout/stderr are pipes the launcher forwards to the
terminal and a log file; a restore hands it fresh pipes in their place
(``inherit_fd``), because a regular file that grew since the dump would make
CRIU refuse the restore. Files the job itself writes (logs, metrics) are cut
back to their size at the snapshot when that is what stops a restore (rewind.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from . import prestart
from .client import Criu
from .errors import CriuRpcError
from .procs import catches, wait_gone
from .snapshots import Snapshot, SnapshotStore
from .storefiles import listening
from .trainer import SERVICE_ENV, STORE_ENV

RESTORE_TIMEOUT = 300.0
STOP_GRACE = 10.0


class LaunchError(CriuRpcError):
    """The job could not be started or restored."""


def log(message: str) -> None:
    print(f"criu_rpc launch: {message}", file=sys.stderr, flush=True)


class CriuService:
    """A ``criu service`` for the job, dying with the launcher (setpriv --pdeathsig).

    Started before the restore and waited for after it (:meth:`wait_ready`):
    the two overlap, and the job needs the service only at its next checkpoint.
    """

    def __init__(self, binary: str, address: str, log_path: Path) -> None:
        self.address = address
        self.log_path = log_path
        Path(address).parent.mkdir(parents=True, exist_ok=True)
        if os.path.exists(address):
            if listening(address):
                raise LaunchError(f"another launch already serves this store at {address}")
            os.unlink(address)
        self.proc = subprocess.Popen(
            ["setpriv", "--pdeathsig", "KILL", binary, "service", "--address", address, "-o", str(log_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not listening(self.address):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise LaunchError(f"criu service did not start at {self.address} (see {self.log_path})")
            time.sleep(0.005)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if os.path.exists(self.address):
            os.unlink(self.address)


class Job:
    """The running job: a fresh one (under unshare) or a restored one (our child via rst_sibling)."""

    def __init__(self, pid: int, proc: subprocess.Popen[bytes] | None = None) -> None:
        self.pid = pid
        self._proc = proc
        self._killed = False

    def wait(self) -> int:
        """The job's exit code, negative for a signal (as subprocess reports them)."""
        if self._proc is not None:
            code = self._proc.wait()
        else:
            code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        # unshare cannot re-raise the SIGKILL its child died of, and exits 1 instead.
        return -signal.SIGKILL if self._killed else code

    def stop(self) -> None:
        """SIGTERM if the job handles it (a pid-namespace init ignores it otherwise), then SIGKILL.

        Called from a signal handler while :meth:`wait` is pending, so a
        restored job (our child) stays a zombie until we return: dead is enough.
        """
        asks = [signal.SIGTERM] if catches(self.pid, signal.SIGTERM) else []
        for sig in (*asks, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                return
            self._killed = sig == signal.SIGKILL
            if wait_gone(self.pid, STOP_GRACE, dead=True):
                return


def _forward(source: int, sinks: Sequence[BinaryIO]) -> threading.Thread:
    def pump() -> None:
        with os.fdopen(source, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                for sink in sinks:
                    sink.write(chunk)
                    sink.flush()

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def _start_fresh(command: Sequence[str], env: dict[str, str], out: int, err: int) -> Job:
    # setpriv: the job dies with the launcher, leaving no orphan to race a later restore;
    # setsid inside the namespace: CRIU wants the session leader inside the dumped tree.
    argv = [
        "setpriv",
        "--pdeathsig",
        "KILL",
        "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "setsid",
        *command,
    ]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the job is unshare's child: pid 1 of the new namespace
        try:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        except OSError:
            children = []
        if children:
            return Job(int(children[0]), proc)
        if proc.poll() is not None:
            return Job(proc.pid, proc)
        time.sleep(0.005)
    raise LaunchError("unshare did not start the job")


def _restore(
    store: SnapshotStore,
    snap: Snapshot,
    criu: Criu,
    out: int,
    err: int,
    *,
    started: prestart.StartedRestore | None,
) -> int:
    """Restore ``snap`` (or take ``started``, its restore under way); if files the job was writing
    have grown since, cut them back and retry. A started one that failed is retried anyway."""
    stdio = {1: out, 2: err}
    try:
        if started is not None:
            return criu.finish_restore(started).pid
        return store.restore(snap, criu=criu, stdio=stdio, rst_sibling=True).pid
    except CriuRpcError:
        # Reading the images costs imports a plain restore does without.
        from .rewind import grown_files, rewind  # noqa: PLC0415

        try:
            grown = grown_files(snap.path)
        except CriuRpcError:  # images it cannot read: CRIU's own error says more
            grown = []
        if grown:
            keep = store.root / "rewound" / snap.name
            try:
                rewind(grown, keep)
            except OSError as exc:
                raise LaunchError(f"cannot cut back {', '.join(f.path for f in grown)}: {exc}") from exc
            for f in grown:
                kept = f"{f.now - f.size} in {keep}"
                log(f"cut {f.path} back to {f.size} bytes, as at step {snap.step} ({kept})")
        elif started is None:
            raise
        return store.restore(snap, criu=criu, stdio=stdio, rst_sibling=True).pid


def _restore_newest(
    store: SnapshotStore, criu: Criu, out: int, err: int, started: prestart.StartedRestore | None
) -> Job | None:
    """Restore the newest snapshot that restores; say which ones failed and why.

    The one ``started`` (by :mod:`criu_rpc.prestart`, the one ``latest`` names) goes first.
    """
    snapshots = store.list()[::-1]
    first = None if started is None else os.path.basename(started.path)
    if first is not None:
        if first not in (s.name for s in snapshots):
            snapshots.append(Snapshot.load(store.root / first))
        snapshots.sort(key=lambda s: s.name != first)
    for snap in snapshots:
        try:
            pid = _restore(store, snap, criu, out, err, started=started if snap.name == first else None)
        except CriuRpcError as exc:
            log(f"{snap.name} (step {snap.step}) failed to restore: {str(exc).splitlines()[0]}")
            continue
        log(f"restored {snap.name} (step {snap.step}) as pid {pid}")
        return Job(pid)
    return None


def launch(
    store_dir: str | os.PathLike[str],
    command: Sequence[str],
    *,
    criu_bin: str | None = None,
    log_path: str | os.PathLike[str] | None = None,
    fresh: bool = False,
    started: prestart.StartedRestore | None = None,
) -> int:
    """Restore the job from its newest good snapshot, or start it; return its exit code.

    ``started``: the restore :func:`criu_rpc.prestart.start_latest` began, whose pipes become the job's.
    """
    if not command:
        raise ValueError("no command to launch")
    store = SnapshotStore(store_dir)
    store.clean_incomplete()
    criu = Criu(criu_bin, timeout=RESTORE_TIMEOUT, prespawn=False)  # restores only, with fds
    service = CriuService(criu.connector.binary, store.service_address, store.root / "service.log")
    if started is None:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
    else:
        out_r, out_w, err_r, err_w = started.stdout, prestart.STDOUT_FD, started.stderr, prestart.STDERR_FD
    try:
        job = None if fresh else _restore_newest(store, criu, out_w, err_w, started)
        if job is None:
            if store.has_snapshots() and not fresh:
                raise LaunchError(
                    f"no snapshot in {store.root} restores (see above); pass --fresh to start over anyway"
                )
            env = dict(os.environ, **{SERVICE_ENV: service.address, STORE_ENV: str(store.root)})
            service.wait_ready()
            job = _start_fresh(command, env, out_w, err_w)
            log(f"started {' '.join(command)} as pid {job.pid}")
        service.wait_ready()
    except BaseException:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        service.close()
        raise
    os.close(out_w)
    os.close(err_w)
    with open(log_path or store.root / "job.log", "ab") as job_log:
        pumps = [_forward(out_r, [sys.stdout.buffer, job_log]), _forward(err_r, [sys.stderr.buffer, job_log])]
        previous = {s: signal.signal(s, lambda *_: job.stop()) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            code = job.wait()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
            service.close()
        for pump in pumps:
            pump.join(timeout=5)
    if code < 0:
        log(f"job was killed by {signal.Signals(-code).name}")
    return code
