"""The first thing ``launch`` does: send the newest snapshot's RESTORE request, then load the rest.

Restoring a 1 GB job is CRIU reading pages for about 0.4 s on one core, and
the launcher's imports (protobuf, the options classes, the client) took 50 ms
of it before the request could even be built. So each snapshot carries the
request ``launch`` sends for it (:data:`~criu_rpc.storefiles.LAUNCH_REQUEST`,
built by the job with the client when it took the snapshot, see
:meth:`criu_rpc.snapshots.Snapshot.launch_request`), naming its descriptors
by the fixed numbers below. :func:`start_latest` puts the snapshot directory
and two fresh pipes at those numbers and hands the request to a ``criu swrk``
with the standard library alone; the launcher imports the client while CRIU
works, and the client takes the answer (:meth:`criu_rpc.Criu.finish_restore`).

Anything unusual starts nothing and the ordinary path restores, or says why
it cannot: no request file, a stale snapshot (its libraries changed), another
launch serving the store, a descriptor number in use, no CRIU binary.
"""

from __future__ import annotations

import contextlib
import json
import os

from .errors import CriuRpcError
from .storefiles import LATEST, LAUNCH_REQUEST, META, STORE_META, changed_file, listening, service_address
from .swrk import Worker, find_criu, spawn_swrk

# Where the request expects the snapshot directory (CRIU's images dir, opened through
# /proc/<launcher>/fd/N, and the directory the job held open while it dumped itself)
# and the write ends of the pipes that become the job's stdout and stderr.
IMAGES_FD, DUMPED_DIR_FD, STDOUT_FD, STDERR_FD = 240, 241, 242, 243
FDS = (IMAGES_FD, DUMPED_DIR_FD, STDOUT_FD, STDERR_FD)


class StartedRestore:
    """A RESTORE request on its way: the worker doing it and the pipes the job will write to.

    The client takes the worker over (:meth:`adopt`); the pipes are the
    launcher's; :meth:`close` waits for a worker nobody took (the launcher was
    interrupted while loading) and closes the directory descriptors.
    """

    def __init__(self, path: str, request: bytes, worker: Worker, stdout: int, stderr: int) -> None:
        self.path = path
        self.request = request
        self.stdout = stdout  # (read end) what the job writes to STDOUT_FD
        self.stderr = stderr
        self._worker: Worker | None = worker

    def adopt(self) -> Worker:
        """Hand the worker over to whoever reads its answer (once)."""
        worker, self._worker = self._worker, None
        if worker is None:
            raise CriuRpcError(f"the restore of {self.path} was already taken over")
        return worker

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.sock.close()  # CRIU finishes what it restores and sees nobody listening
            if worker.proc is not None:
                worker.proc.wait()
            worker.stderr.close()
        for fd in (IMAGES_FD, DUMPED_DIR_FD):
            with contextlib.suppress(OSError):
                os.close(fd)


def start_latest(store: str, binary: str | None = None) -> StartedRestore | None:
    """Send the RESTORE request of the snapshot ``store``'s ``latest`` names, or start nothing."""
    path = os.path.join(store, LATEST)
    try:
        path = os.path.join(store, os.readlink(path))
        with open(os.path.join(path, LAUNCH_REQUEST), "rb") as f:
            request = f.read()
        with open(os.path.join(path, META), "rb") as f:
            mapped = json.load(f).get("mapped_files", {})
        with open(os.path.join(store, STORE_META), "rb") as f:
            serving = listening(service_address(json.load(f)["id"]))
        if serving or changed_file(mapped) or any(_is_open(fd) for fd in FDS):
            return None
        binary = find_criu(binary)
    except (OSError, ValueError, TypeError, AttributeError, KeyError, CriuRpcError):
        return None
    opened: list[int] = []  # closed if we give up
    worker = None
    try:
        directory = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        opened.append(directory)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        opened += [out_r, out_w, err_r, err_w]
        for fd, where in (
            (directory, IMAGES_FD),
            (directory, DUMPED_DIR_FD),
            (out_w, STDOUT_FD),
            (err_w, STDERR_FD),
        ):
            opened.append(os.dup2(fd, where, inheritable=False))
        worker = spawn_swrk(binary, FDS[1:])
        worker.sock.sendall(request)
    except (OSError, CriuRpcError):  # e.g. the worker died at once: the ordinary path will say why
        if worker is not None:
            StartedRestore(path, request, worker, out_r, err_r).close()
        for fd in opened:
            with contextlib.suppress(OSError):
                os.close(fd)
        return None
    for fd in (directory, out_w, err_w):
        os.close(fd)
    return StartedRestore(path, request, worker, out_r, err_r)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True
