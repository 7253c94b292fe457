"""How request bytes reach CRIU, and how CRIU's process is owned and reaped.

CRIU speaks one protobuf message per SOCK_SEQPACKET packet, the same over every
transport; what differs is who CRIU is and who must clean it up:

* :class:`SwrkConnector` spawns ``criu swrk <fd>`` as our child over a
  socketpair. It is the only transport that can hand CRIU file descriptors
  (``inherit_fd``), because those are inherited at spawn time.
* With ``detached=True`` the worker is started through a short-lived shell so
  it is re-parented away from us: a self-dump must not find CRIU inside the
  process tree it is freezing.
* :class:`ServiceConnector` connects to a running ``criu service --address``.

A connector makes one :class:`Transport` per conversation; the client never
needs to know which kind it holds, and tests swap in a fake connector.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import signal
import socket
import subprocess
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .errors import CriuConnectionError, CriuProtocolError, CriuTimeoutError
from .swrk import Worker, find_criu, spawn_swrk

# CRIU's replies are a few hundred bytes; anything near this is not CRIU.
MAX_MESSAGE = 1 << 20
MAX_FDS = 8


@dataclass(frozen=True)
class Packet:
    """One SEQPACKET message and any file descriptors that came with it."""

    data: bytes
    fds: tuple[int, ...] = field(default=())


class Transport(Protocol):
    """One conversation with one CRIU worker."""

    @property
    def description(self) -> str:
        """Who is on the other end, for error messages."""

    def send(self, data: bytes) -> None: ...

    def recv(self, timeout: float | None) -> Packet: ...

    def stderr_tail(self) -> str:
        """What the worker printed outside its log file (early failures)."""

    def abort(self) -> None:
        """Kill the worker: it timed out or the conversation cannot go on."""

    def close(self) -> None:
        """End the conversation and reap the worker; never leaves a zombie."""

    def forget_peer(self) -> None:
        """We were restored from a checkpoint: the worker we knew is of another life."""


class Connector(Protocol):
    """Makes transports; the client holds one and asks it per conversation."""

    @property
    def binary(self) -> str:
        """The CRIU binary behind it, or a description of the service socket."""

    @property
    def passes_fds(self) -> bool:
        """Whether ``connect(pass_fds=...)`` really hands descriptors to CRIU."""

    def connect(self, pass_fds: Sequence[int] = (), *, detached: bool = False) -> Transport: ...

    def close(self) -> None:
        """Release anything kept between conversations."""


class SeqpacketChannel:
    """Message framing over a connected SOCK_SEQPACKET socket."""

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise CriuConnectionError(f"{self.peer}: cannot send request: {exc}") from exc

    def recv(self, timeout: float | None) -> Packet:
        self.sock.settimeout(timeout)
        try:
            data, fds, flags, _ = socket.recv_fds(self.sock, MAX_MESSAGE, MAX_FDS)
        except TimeoutError as exc:
            raise CriuTimeoutError(f"{self.peer}: no reply within {timeout:g} s") from exc
        except OSError as exc:
            raise CriuConnectionError(f"{self.peer}: cannot receive reply: {exc}") from exc
        if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
            for fd in fds:
                os.close(fd)
            raise CriuProtocolError(
                f"{self.peer}: reply larger than {MAX_MESSAGE} bytes or with too many fds"
            )
        if not data:
            for fd in fds:
                os.close(fd)
            raise CriuConnectionError(f"{self.peer}: closed the connection without replying")
        return Packet(data, tuple(fds))

    def close(self) -> None:
        self.sock.close()


class _SwrkTransport:
    """A ``criu swrk`` worker we spawned; see :class:`SwrkConnector`."""

    def __init__(self, worker: Worker, binary: str) -> None:
        self._stderr = worker.stderr
        self._proc = worker.proc
        self._pid: int | None = worker.pid
        # Run once the worker has exited with status 0; one that failed bodes ill for a successor.
        self.on_clean_exit: Callable[[], None] | None = None
        kind = "criu swrk" if worker.proc else "detached criu swrk"
        self._channel = SeqpacketChannel(worker.sock, f"{kind} (pid {worker.pid}, {binary})")

    @classmethod
    def spawn(cls, binary: str, pass_fds: Sequence[int] = (), *, detached: bool = False) -> _SwrkTransport:
        return cls(spawn_swrk(binary, pass_fds, detached=detached), binary)

    @property
    def description(self) -> str:
        return self._channel.peer

    def send(self, data: bytes) -> None:
        try:
            self._channel.send(data)
        except CriuConnectionError as exc:
            # The worker died before reading the request: say how, as recv() does.
            raise CriuConnectionError(
                f"{exc}{self._exit_note()}", log_tail=self.stderr_tail()
            ) from exc.__cause__

    def recv(self, timeout: float | None) -> Packet:
        try:
            return self._channel.recv(timeout)
        except CriuConnectionError as exc:
            raise CriuConnectionError(
                f"{exc}{self._exit_note()}", log_tail=self.stderr_tail()
            ) from exc.__cause__

    def stderr_tail(self) -> str:
        if self._stderr.closed:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - 4096))
        return "\n".join(self._stderr.read().decode(errors="replace").splitlines()[-20:])

    def _exit_note(self) -> str:
        if self._proc is None:
            return ""
        code = wait_for_exit(self._proc, 2)
        if code is None:
            return ""
        if code < 0:
            return f" (killed by {signal.Signals(-code).name})"
        return f" (exited with status {code})"

    def idle(self) -> bool:
        """True while the worker is alive and has not been spoken to (a usable spare)."""
        return self._proc is not None and self._proc.poll() is None

    def abort(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)

    def close(self) -> None:
        self._channel.close()
        code = None if self._proc is None else wait_for_exit(self._proc, 30)
        if self._proc is not None and code is None:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()
        if code == 0 and self.on_clean_exit is not None:
            self.on_clean_exit()

    def forget_peer(self) -> None:
        self._proc = None
        self._pid = None


def wait_for_exit(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Reap ``proc`` as soon as it exits; None if it is still running after ``timeout`` s.

    Popen.wait(timeout) polls with growing sleeps and so returns up to 50 ms
    after the exit: a tenth of a small dump. A pidfd wakes us at the exit.
    """
    if proc.returncode is not None:
        return proc.returncode
    try:
        pidfd = os.pidfd_open(proc.pid)
    except ProcessLookupError:  # reaped behind Popen's back: let it find out
        return proc.wait()
    try:
        exited, _, _ = select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    return proc.wait() if exited else None


class _IdleWorker:
    """The one idle worker a prespawning connector keeps, in a box of its own so
    that a finalizer can end it without keeping the connector alive.

    The worker belongs to the process that started it: a forked child (a data
    loader worker, say) sees the box but must neither use nor end its worker.
    """

    def __init__(self) -> None:
        self.transport: _SwrkTransport | None = None
        self.ended = False  # by end(): start none until the next call
        self.owner = os.getpid()
        self.lock = threading.Lock()

    def take(self) -> _SwrkTransport | None:
        with self.lock:
            self._forget_if_forked()
            transport, self.transport, self.ended = self.transport, None, False
        return transport

    def refill(self, binary: str) -> None:
        with self.lock:
            if not self.ended and self.transport is None:
                self.transport = _SwrkTransport.spawn(binary)

    def end(self) -> None:
        with self.lock:
            self._forget_if_forked()
            transport, self.transport, self.ended = self.transport, None, True
        if transport is not None:
            transport.close()

    def _forget_if_forked(self) -> None:
        if os.getpid() != self.owner:
            self.transport, self.owner = None, os.getpid()


class SwrkConnector:
    """Spawn ``criu swrk`` per conversation (the default transport).

    With ``prespawn=True`` one idle worker is kept ready, so a call does not
    wait for CRIU to start (loader, libraries: several ms, most of a small
    dump). Only calls that pass no descriptors and are not self-dumps can use
    it. A self-dump first ends the idle worker, which would otherwise be a
    child inside the tree being frozen. :meth:`close` ends it, as does
    garbage collection of the connector or the interpreter's exit.
    """

    def __init__(self, binary: str, *, prespawn: bool = False) -> None:
        self.binary = binary
        self.prespawn = prespawn
        self._idle = _IdleWorker()
        weakref.finalize(self, self._idle.end)

    def __repr__(self) -> str:
        return f"SwrkConnector({self.binary!r}, prespawn={self.prespawn})"

    @classmethod
    def find(cls, binary: str | os.PathLike[str] | None = None, *, prespawn: bool = False) -> SwrkConnector:
        return cls(find_criu(binary), prespawn=prespawn)

    @property
    def passes_fds(self) -> bool:
        return True

    def adopt(self, worker: Worker) -> Transport:
        """A transport for a worker spawned elsewhere (:mod:`criu_rpc.prestart`), request already sent."""
        return _SwrkTransport(worker, self.binary)

    def connect(self, pass_fds: Sequence[int] = (), *, detached: bool = False) -> Transport:
        if detached:
            self.close()
        if not self.prespawn or pass_fds or detached:
            return _SwrkTransport.spawn(self.binary, pass_fds, detached=detached)
        worker = self._idle.take()
        if worker is None or not worker.idle():
            if worker is not None:
                worker.close()
            worker = _SwrkTransport.spawn(self.binary)
        # The next worker starts when this one is done, not while it works: on
        # a small machine its start-up would take CPU from the dump.
        worker.on_clean_exit = functools.partial(self._idle.refill, self.binary)
        return worker

    def close(self) -> None:
        """Stop the idle worker, if any, and start none until the next call."""
        self._idle.end()


class _ServiceTransport:
    """A connection to ``criu service``; the service forks one worker per connection."""

    def __init__(self, address: str) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            raise CriuConnectionError(f"cannot connect to criu service at {address}: {exc}") from exc
        self._channel = SeqpacketChannel(sock, f"criu service at {address}")

    @property
    def description(self) -> str:
        return self._channel.peer

    def send(self, data: bytes) -> None:
        self._channel.send(data)

    def recv(self, timeout: float | None) -> Packet:
        return self._channel.recv(timeout)

    def stderr_tail(self) -> str:
        return ""

    def abort(self) -> None:
        self._channel.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._channel.close()

    def forget_peer(self) -> None:
        """Nothing to forget: the service owns its workers."""


@dataclass(frozen=True)
class ServiceConnector:
    """Talk to a ``criu service --address PATH`` that someone else runs."""

    address: str

    @property
    def binary(self) -> str:
        return f"criu service at {self.address}"

    @property
    def passes_fds(self) -> bool:
        return False

    def connect(self, pass_fds: Sequence[int] = (), *, detached: bool = False) -> Transport:
        if not Path(self.address).exists():
            raise CriuConnectionError(f"no criu service socket at {self.address}")
        return _ServiceTransport(self.address)

    def close(self) -> None:
        """Nothing is kept between conversations."""
