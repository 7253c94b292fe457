"""Finding CRIU and starting a ``criu swrk`` worker, with the standard library alone.

Kept apart from :mod:`criu_rpc.transport` so that ``launch`` can start its
restore before the interpreter has loaded protobuf and the client (see
:mod:`criu_rpc.prestart`); the transport spawns its workers through here too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Sequence

from .errors import CriuNotFoundError

TYPE_CHECKING = False  # as in __init__
if TYPE_CHECKING:
    from typing import IO


def find_criu(binary: str | os.PathLike[str] | None = None) -> str:
    """Resolve the CRIU binary: explicit argument, then $CRIU_BIN, then ``criu`` on PATH."""
    candidates: list[tuple[str, str]] = []
    if binary is not None:
        candidates.append((os.fspath(binary), "the explicit argument"))
    elif os.environ.get("CRIU_BIN"):
        candidates.append((os.environ["CRIU_BIN"], "$CRIU_BIN"))
    else:
        found = shutil.which("criu") or shutil.which("criu", path="/usr/sbin:/sbin")
        if found:
            candidates.append((found, "PATH"))
    for path, origin in candidates:
        resolved = path if os.sep in path else shutil.which(path)
        if resolved and os.path.isfile(resolved) and os.access(resolved, os.X_OK):
            return os.path.abspath(resolved)
        raise CriuNotFoundError(f"CRIU binary {path!r} from {origin} is not an executable file")
    raise CriuNotFoundError(
        "no CRIU binary: pass binary=..., set $CRIU_BIN, or put criu on PATH (`make setup` provisions one)"
    )


class Worker:
    """A started ``criu swrk``: our end of its socket, its process, the file it prints to.

    ``proc`` is None for a detached worker (not our child: only its ``pid`` is known).
    """

    def __init__(
        self, sock: socket.socket, stderr: IO[bytes], pid: int, proc: subprocess.Popen[bytes] | None
    ) -> None:
        self.sock, self.stderr, self.pid, self.proc = sock, stderr, pid, proc


def spawn_swrk(binary: str, pass_fds: Sequence[int] = (), *, detached: bool = False) -> Worker:
    """Start ``binary swrk FD`` over a fresh SOCK_SEQPACKET socketpair, handing it ``pass_fds``."""
    stderr = _unnamed_file()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        fd = str(theirs.fileno())
        fds = (theirs.fileno(), *pass_fds)
        if detached:
            return Worker(ours, stderr, _spawn_detached(binary, fd, fds, stderr), None)
        proc = subprocess.Popen(
            [binary, "swrk", fd], pass_fds=fds, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr
        )
        return Worker(ours, stderr, proc.pid, proc)
    except OSError as exc:
        ours.close()
        stderr.close()
        raise CriuNotFoundError(f"cannot start {binary} swrk: {exc}") from exc
    finally:
        theirs.close()


def _unnamed_file() -> IO[bytes]:
    """A temporary file with no name, for what the worker prints (tempfile would cost imports)."""
    try:
        fd = os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR, 0o600)
    except OSError:  # a filesystem without O_TMPFILE
        import tempfile  # noqa: PLC0415

        return tempfile.TemporaryFile(prefix="criu-swrk-")
    return open(fd, "w+b")


def _spawn_detached(binary: str, fd: str, pass_fds: Sequence[int], stderr: IO[bytes]) -> int:
    """Start ``criu swrk`` as an orphan in its own session and return its pid.

    A shell backgrounds CRIU, prints its pid and exits, so CRIU is re-parented
    to init (or the nearest subreaper) and is no descendant of ours. Using
    subprocess rather than os.fork keeps this safe in threaded programs (torch).
    """
    shell = subprocess.Popen(
        ["/bin/sh", "-c", '"$0" swrk "$1" </dev/null >&2 & echo $!', binary, fd],
        pass_fds=pass_fds,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        start_new_session=True,
    )
    out, _ = shell.communicate(timeout=30)
    try:
        return int(out)
    except ValueError as exc:
        raise OSError(f"shell did not report the worker's pid (got {out!r})") from exc
