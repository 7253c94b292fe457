"""The migration agent's wire protocol: framing, shared-token authentication, file shipping.

CRIU's page server speaks no authentication of its own (only TLS, which needs
a PKI). So nothing CRIU-owned ever listens: the agent accepts TCP connections
itself, authenticates each one with an HMAC challenge-response over a shared
token, and only then hands the connected socket to CRIU (``ps.fd`` for the
page server, ``--ps-socket`` for the lazy-pages daemon). A peer without the
token never reaches CRIU.

Frames are ``>IB`` (payload length, kind) followed by the payload: ``J`` for
a JSON object (a message), ``D`` for raw bytes (file contents). Before
authentication only small frames are accepted, so an unauthenticated peer
cannot make the agent allocate much. The handshake is mutual (each side
proves it holds the token over the other's fresh nonce) and binds the
connection's purpose, so a control handshake cannot be replayed as a page
stream. What it does not do: encrypt or integrity-protect what follows. Use
it on networks you trust, or tunnel it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CriuRpcError

VERSION = 1
HEADER = struct.Struct(">IB")
KIND_JSON = ord("J")
KIND_DATA = ord("D")
MAX_FRAME = 4 << 20
PREAUTH_MAX = 4096
CHUNK = 1 << 20
NONCE_BYTES = 32
AUTH_HMAC = "hmac-sha256"
AUTH_NONE = "none"
# Image names CRIU writes are plain; anything else is refused before touching the disk.
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ProtocolError(CriuRpcError):
    """The peer sent something this protocol does not allow, or went away."""


class PeerGone(ProtocolError):
    """The connection closed or broke: the peer died, or gave up on us."""


class AuthenticationError(ProtocolError):
    """The peer could not prove it holds the shared token (or we could not)."""


class RemoteError(CriuRpcError):
    """The peer reported a failure; ``stage`` says which step of the migration failed."""

    def __init__(self, message: str, stage: str = "") -> None:
        super().__init__(message)
        self.stage = stage


@dataclass(frozen=True)
class Hello:
    """The server's opening: protocol version, auth scheme and its challenge."""

    auth: str
    nonce: bytes


def read_token(path: str | os.PathLike[str]) -> bytes:
    """A token file's contents, stripped; refuses empty tokens and files others can read."""
    p = Path(path)
    mode = p.stat().st_mode
    if mode & 0o077:
        raise ValueError(f"token file {p} is readable by group/others (mode {mode & 0o777:o}); chmod 600 it")
    token = p.read_bytes().strip()
    if len(token) < 16:
        raise ValueError(f"token in {p} is too short ({len(token)} bytes; use at least 16)")
    return token


class Channel:
    """A framed, blocking conversation over one TCP connection."""

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.limit = PREAUTH_MAX

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def settimeout(self, timeout: float | None) -> None:
        self.sock.settimeout(timeout)

    # -- frames -----------------------------------------------------------

    def _send(self, kind: int, payload: bytes) -> None:
        if len(payload) > MAX_FRAME:
            raise ProtocolError(f"frame of {len(payload)} bytes exceeds {MAX_FRAME}")
        try:
            self.sock.sendall(HEADER.pack(len(payload), kind) + payload)
        except OSError as exc:
            raise PeerGone(f"{self.peer}: connection lost while sending: {exc}") from exc

    def _recv_exact(self, size: int) -> bytes:
        buf = bytearray()
        while len(buf) < size:
            try:
                chunk = self.sock.recv(min(size - len(buf), CHUNK))
            except TimeoutError as exc:
                raise ProtocolError(f"{self.peer}: no answer within {self.sock.gettimeout()} s") from exc
            except OSError as exc:
                raise PeerGone(f"{self.peer}: connection lost: {exc}") from exc
            if not chunk:
                raise PeerGone(f"{self.peer}: closed the connection")
            buf += chunk
        return bytes(buf)

    def _recv(self) -> tuple[int, bytes]:
        size, kind = HEADER.unpack(self._recv_exact(HEADER.size))
        if kind not in (KIND_JSON, KIND_DATA):
            raise ProtocolError(f"{self.peer}: unknown frame kind {kind:#x}")
        if size > self.limit:
            raise ProtocolError(f"{self.peer}: frame of {size} bytes exceeds the limit of {self.limit}")
        return kind, self._recv_exact(size)

    # -- messages ---------------------------------------------------------

    def send(self, type_: str, **fields: Any) -> None:
        self._send(KIND_JSON, json.dumps({"type": type_, **fields}).encode())

    def send_error(self, message: str, stage: str = "") -> None:
        self.send("error", message=message, stage=stage)

    def recv(self, *expected: str) -> dict[str, Any]:
        """The next message; an ``error`` from the peer raises RemoteError."""
        kind, payload = self._recv()
        if kind != KIND_JSON:
            raise ProtocolError(f"{self.peer}: expected a message, got {len(payload)} bytes of data")
        try:
            msg = json.loads(payload)
        except ValueError as exc:
            raise ProtocolError(f"{self.peer}: message is not JSON: {exc}") from exc
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise ProtocolError(f"{self.peer}: message without a type: {payload[:80]!r}")
        if msg["type"] == "error":
            raise RemoteError(str(msg.get("message", "unspecified error")), str(msg.get("stage", "")))
        if expected and msg["type"] not in expected:
            raise ProtocolError(f"{self.peer}: expected {' or '.join(expected)}, got {msg['type']}")
        return msg

    # -- files ------------------------------------------------------------

    def send_files(self, directory: Path, names: list[str]) -> int:
        """Ship ``names`` from ``directory``: a manifest, then each file's data frames."""
        sizes = {name: (directory / name).stat().st_size for name in names}
        self.send("files", files=[{"name": n, "size": s} for n, s in sizes.items()])
        total = 0
        for name in names:
            with open(directory / name, "rb") as f:
                while chunk := f.read(CHUNK):
                    self._send(KIND_DATA, chunk)
                    total += len(chunk)
        return total

    def recv_files(self, directory: Path, max_total: int) -> list[str]:
        """Receive a manifest and the files it lists into ``directory`` (names checked)."""
        manifest = self.recv("files")["files"]
        if not isinstance(manifest, list):
            raise ProtocolError(f"{self.peer}: bad file manifest")
        entries = list(_checked_manifest(manifest, max_total, self.peer))
        for name, size in entries:
            fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                left = size
                while left:
                    kind, data = self._recv()
                    if kind != KIND_DATA or len(data) > left:
                        raise ProtocolError(f"{self.peer}: file {name} data does not match its size")
                    out.write(data)
                    left -= len(data)
        return [name for name, _ in entries]


def _checked_manifest(manifest: list[Any], max_total: int, peer: str) -> Iterator[tuple[str, int]]:
    total = 0
    seen: set[str] = set()
    for item in manifest:
        name = item.get("name") if isinstance(item, dict) else None
        size = item.get("size") if isinstance(item, dict) else None
        if not isinstance(name, str) or not FILE_NAME.match(name) or name in seen:
            raise ProtocolError(f"{peer}: refusing file name {name!r}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ProtocolError(f"{peer}: bad size for {name}: {size!r}")
        total += size
        if total > max_total:
            raise ProtocolError(f"{peer}: files exceed {max_total} bytes")
        seen.add(name)
        yield name, size


# -- authentication -------------------------------------------------------


def _mac(token: bytes, role: str, purpose: str, first: bytes, second: bytes) -> str:
    label = f"criu-rpc-migrate/{VERSION} {role}\0{purpose}\0".encode()
    return hmac.new(token, label + first + second, hashlib.sha256).hexdigest()


def _unhex(value: object, what: str, peer: str) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != NONCE_BYTES:
        raise ProtocolError(f"{peer}: bad {what}")
    return raw


def server_handshake(ch: Channel, token: bytes | None) -> str:
    """Challenge the client; return the purpose it authenticated for. Raises on failure."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    ch.send("hello", version=VERSION, auth=AUTH_HMAC if token else AUTH_NONE, nonce=nonce.hex())
    msg = ch.recv("auth")
    purpose = msg.get("purpose")
    if not isinstance(purpose, str) or not purpose or len(purpose) > 200:
        raise ProtocolError(f"{ch.peer}: bad purpose")
    if token is None:
        ch.send("welcome", mac="")
        ch.limit = MAX_FRAME
        return purpose
    client_nonce = _unhex(msg.get("nonce"), "nonce", ch.peer)
    mac = msg.get("mac")
    if not isinstance(mac, str) or not hmac.compare_digest(
        mac, _mac(token, "client", purpose, nonce, client_nonce)
    ):
        ch.send_error("authentication failed: wrong or missing token", stage="auth")
        raise AuthenticationError(f"{ch.peer}: authentication failed (wrong or missing token)")
    ch.send("welcome", mac=_mac(token, "server", purpose, client_nonce, nonce))
    ch.limit = MAX_FRAME
    return purpose


def client_handshake(ch: Channel, token: bytes | None, purpose: str) -> None:
    """Answer the server's challenge and check its proof; refuses a downgrade to no auth."""
    msg = ch.recv("hello")
    if msg.get("version") != VERSION:
        raise ProtocolError(f"{ch.peer}: speaks protocol version {msg.get('version')!r}, we speak {VERSION}")
    auth = msg.get("auth")
    if auth == AUTH_NONE:
        if token is not None:
            raise AuthenticationError(
                f"{ch.peer} runs without authentication, but a token was given: refusing to send "
                "a process to an agent that cannot prove it holds the token"
            )
        ch.send("auth", purpose=purpose, nonce="", mac="")
        ch.recv("welcome")
        ch.limit = MAX_FRAME
        return
    if auth != AUTH_HMAC:
        raise ProtocolError(f"{ch.peer}: unknown auth scheme {auth!r}")
    if token is None:
        raise AuthenticationError(f"{ch.peer} requires a shared token (--token-file)")
    server_nonce = _unhex(msg.get("nonce"), "nonce", ch.peer)
    nonce = secrets.token_bytes(NONCE_BYTES)
    ch.send(
        "auth", purpose=purpose, nonce=nonce.hex(), mac=_mac(token, "client", purpose, server_nonce, nonce)
    )
    try:
        welcome = ch.recv("welcome")
    except RemoteError as exc:
        raise AuthenticationError(f"{ch.peer} refused us: {exc}") from exc
    mac = welcome.get("mac")
    if not isinstance(mac, str) or not hmac.compare_digest(
        mac, _mac(token, "server", purpose, nonce, server_nonce)
    ):
        raise AuthenticationError(f"{ch.peer} could not prove it holds the token")
    ch.limit = MAX_FRAME


def connect(address: tuple[str, int], token: bytes | None, purpose: str, timeout: float) -> Channel:
    """Open and authenticate a connection to an agent."""
    peer = f"agent at {address[0]}:{address[1]}"
    try:
        sock = socket.create_connection(address, timeout=timeout)
    except OSError as exc:
        raise ProtocolError(f"cannot connect to {peer}: {exc}") from exc
    ch = Channel(sock, peer)
    try:
        client_handshake(ch, token, purpose)
    except BaseException:
        ch.close()
        raise
    return ch


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) -> (host, port)."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"expected ADDR:PORT, got {text!r}")
    return host, int(port)
