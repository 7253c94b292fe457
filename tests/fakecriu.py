"""A scripted stand-in for CRIU's end of the RPC socket, for protocol edge cases.

A real CRIU cannot be made to send garbage, die between two packets or answer
with the wrong reply type; this peer can. :class:`FakeConnector` implements
:class:`criu_rpc.transport.Connector`: each ``connect()`` makes a real
``socketpair(AF_UNIX, SOCK_SEQPACKET)`` and runs the next script in a thread
on the far end. A script receives a :class:`Peer` and talks raw protobuf (or
raw bytes) through it. Every request the client sent is recorded, parsed, so
tests can assert on the wire.

Scripts must not hang a test: the peer's socket has a receive timeout, and
:meth:`FakeConnector.finish` joins the threads and re-raises what a script
raised (a failed assertion on the peer side fails the test).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from criu_rpc._pb import rpc_pb2
from criu_rpc.transport import Packet, SeqpacketChannel, Transport

Req = rpc_pb2.criu_req_type
Script = Callable[["Peer"], None]

PEER_TIMEOUT = 5.0


class PeerClosed(Exception):
    """The client closed its end while the script expected a request."""


class ChannelTransport:
    """The :class:`criu_rpc.transport.Transport` protocol around a bare SeqpacketChannel."""

    def __init__(self, sock: socket.socket, peer: str = "fake criu") -> None:
        self.channel = SeqpacketChannel(sock, peer)
        self.aborted = False
        self.closed = False
        self.forgotten = False

    @property
    def description(self) -> str:
        return self.channel.peer

    def send(self, data: bytes) -> None:
        self.channel.send(data)

    def recv(self, timeout: float | None) -> Packet:
        return self.channel.recv(timeout)

    def stderr_tail(self) -> str:
        return ""

    def abort(self) -> None:
        self.aborted = True
        with contextlib.suppress(OSError):
            self.channel.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.closed = True
        self.channel.close()

    def forget_peer(self) -> None:
        self.forgotten = True


class Peer:
    """CRIU's side of one connection, as a script sees it."""

    def __init__(self, sock: socket.socket, connection: Connection) -> None:
        self.sock = sock
        self.connection = connection
        sock.settimeout(PEER_TIMEOUT)

    def recv_req(self) -> rpc_pb2.criu_req:
        """The next request (or notification ack) from the client, recorded and parsed."""
        data = self.sock.recv(1 << 20)
        if not data:
            raise PeerClosed("client closed the connection")
        req = rpc_pb2.criu_req.FromString(data)
        self.connection.requests.append(req)
        return req

    def send_raw(self, data: bytes, fds: Sequence[int] = ()) -> None:
        if fds:
            socket.send_fds(self.sock, [data], list(fds))
        else:
            self.sock.send(data)

    def send(self, resp: rpc_pb2.criu_resp, fds: Sequence[int] = ()) -> None:
        self.send_raw(resp.SerializePartialToString(), fds)

    def reply(self, req_type: int, success: bool = True, **fields: object) -> None:
        """Send ``criu_resp(type=req_type, success=success, **fields)``."""
        self.send(rpc_pb2.criu_resp(type=req_type, success=success, **fields))  # type: ignore[arg-type]

    def notify(self, script: str, pid: int | None = None, fds: Sequence[int] = ()) -> rpc_pb2.criu_req:
        """Send one notification and return the client's ack."""
        note = rpc_pb2.criu_notify(script=script)
        if pid is not None:
            note.pid = pid
        self.send(rpc_pb2.criu_resp(type=Req.NOTIFY, success=True, notify=note), fds)
        ack = self.recv_req()
        assert ack.type == Req.NOTIFY, f"expected an ack of {script}, got {ack}"
        return ack

    def wait_closed(self, timeout: float = PEER_TIMEOUT) -> bool:
        """Play dead until the client hangs up; True if it did within ``timeout``."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(1 << 20):
                pass
        except TimeoutError:
            return False
        except OSError:
            return True
        return True


@dataclass
class Connection:
    """One ``connect()`` call: what the client asked for and what it sent."""

    pass_fds: tuple[int, ...]
    detached: bool
    requests: list[rpc_pb2.criu_req] = field(default_factory=list)
    transport: ChannelTransport | None = None


class FakeConnector:
    """A Connector whose n-th ``connect()`` runs ``scripts[n]`` as CRIU."""

    def __init__(self, *scripts: Script, passes_fds: bool = True, binary: str = "fake-criu") -> None:
        self._scripts = list(scripts)
        self._passes_fds = passes_fds
        self._binary = binary
        self.connections: list[Connection] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    @property
    def binary(self) -> str:
        return self._binary

    @property
    def passes_fds(self) -> bool:
        return self._passes_fds

    @property
    def requests(self) -> list[rpc_pb2.criu_req]:
        """Every message the client sent, over all connections, in order."""
        return [req for conn in self.connections for req in conn.requests]

    @property
    def request_types(self) -> list[int]:
        return [req.type for req in self.requests]

    def close(self) -> None:
        """Nothing is kept between connections."""

    def connect(self, pass_fds: Sequence[int] = (), *, detached: bool = False) -> Transport:
        index = len(self.connections)
        if index >= len(self._scripts):
            raise AssertionError(f"unexpected connection #{index + 1} (only {len(self._scripts)} scripted)")
        for fd in pass_fds:
            os.fstat(fd)  # what a real spawn would do with a bad fd: fail
        conn = Connection(tuple(pass_fds), detached)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.transport = ChannelTransport(ours, f"fake criu #{index + 1}")
        self.connections.append(conn)
        thread = threading.Thread(
            target=self._run, args=(self._scripts[index], Peer(theirs, conn)), daemon=True
        )
        self._threads.append(thread)
        thread.start()
        return conn.transport

    def _run(self, script: Script, peer: Peer) -> None:
        try:
            script(peer)
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            peer.sock.close()

    def finish(self, timeout: float = PEER_TIMEOUT) -> None:
        """Join every peer thread and re-raise the first error a script raised."""
        for thread in self._threads:
            thread.join(timeout)
            assert not thread.is_alive(), "a fake CRIU script is still running"
        unused = len(self._scripts) - len(self.connections)
        if self.errors:
            raise self.errors[0]
        assert unused == 0, f"{unused} scripted connection(s) never made"


# -- ready-made scripts -----------------------------------------------------


def answer(req_type: int, success: bool = True, **fields: object) -> Script:
    """Read one request of ``req_type`` and answer it with one reply."""

    def script(peer: Peer) -> None:
        req = peer.recv_req()
        assert req.type == req_type, f"expected {Req.Name(req_type)}, got {Req.Name(req.type)}"
        peer.reply(req_type, success, **fields)

    return script


def version(major: int, minor: int, sublevel: int | None = None, **extra: object) -> Script:
    v = rpc_pb2.criu_version(major_number=major, minor_number=minor, **extra)  # type: ignore[arg-type]
    if sublevel is not None:
        v.sublevel = sublevel
    return answer(Req.VERSION, version=v)


def features(**values: bool) -> Script:
    return answer(Req.FEATURE_CHECK, features=rpc_pb2.criu_features(**values))


def sequence(*steps: Script) -> Script:
    """Several scripts one after the other on the same connection (a session)."""

    def script(peer: Peer) -> None:
        for step in steps:
            step(peer)

    return script


def hang_up(peer: Peer) -> None:
    """Read the request, then close without a reply (CRIU crashed)."""
    peer.recv_req()


def play_dead(peer: Peer) -> None:
    """Read the request and never answer until the client hangs up."""
    peer.recv_req()
    peer.wait_closed()
