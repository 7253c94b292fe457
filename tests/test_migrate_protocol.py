"""The migration agent's wire protocol, without CRIU or root: framing, auth, file shipping, CLI."""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from criu_rpc import wire
from criu_rpc.agent import MigrationRequest, taken_pids
from criu_rpc.cli import build_parser
from criu_rpc.migrate import MigrationError, is_pid_ns_init
from criu_rpc.wire import (
    MAX_FRAME,
    PREAUTH_MAX,
    AuthenticationError,
    Channel,
    PeerGone,
    ProtocolError,
    RemoteError,
    client_handshake,
    parse_address,
    read_token,
    server_handshake,
)

TOKEN = b"0123456789abcdef-shared"


@pytest.fixture
def pair() -> Iterator[tuple[Channel, Channel]]:
    a, b = socket.socketpair()
    a.settimeout(10)
    b.settimeout(10)
    left, right = Channel(a, "left"), Channel(b, "right")
    yield left, right
    left.close()
    right.close()


def authed(pair: tuple[Channel, Channel]) -> tuple[Channel, Channel]:
    for ch in pair:
        ch.limit = MAX_FRAME
    return pair


def in_thread(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``fn`` in a thread; the returned callable joins it and returns its result (or raises)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()

    def join() -> Any:
        thread.join(10)
        assert not thread.is_alive()
        if "error" in box:
            raise box["error"]
        return box.get("value")

    return join


# -- framing ------------------------------------------------------------------


def test_messages_round_trip(pair: tuple[Channel, Channel]) -> None:
    left, right = authed(pair)
    left.send("migrate", lazy=True, pids=[1, 2])
    assert right.recv("migrate") == {"type": "migrate", "lazy": True, "pids": [1, 2]}


def test_unexpected_message_type_is_refused(pair: tuple[Channel, Channel]) -> None:
    left, right = authed(pair)
    left.send("running", pid=3)
    with pytest.raises(ProtocolError, match="expected ready, got running"):
        right.recv("ready")


def test_error_message_raises_remote_error_with_stage(pair: tuple[Channel, Channel]) -> None:
    left, right = authed(pair)
    left.send_error("PIDs taken", stage="pid-check")
    with pytest.raises(RemoteError, match="PIDs taken") as info:
        right.recv("ready")
    assert info.value.stage == "pid-check"


def test_frames_before_auth_are_small(pair: tuple[Channel, Channel]) -> None:
    left, right = pair
    left.sock.sendall(struct.pack(">IB", PREAUTH_MAX + 1, ord("J")))
    with pytest.raises(ProtocolError, match="exceeds the limit"):
        right.recv()


def test_oversized_frame_is_refused_after_auth_too(pair: tuple[Channel, Channel]) -> None:
    left, right = authed(pair)
    left.sock.sendall(struct.pack(">IB", MAX_FRAME + 1, ord("J")))
    with pytest.raises(ProtocolError, match="exceeds the limit"):
        right.recv()
    with pytest.raises(ProtocolError, match="exceeds"):
        left.send("x", blob="a" * MAX_FRAME)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (struct.pack(">IB", 2, ord("Q")) + b"{}", "unknown frame kind"),
        (struct.pack(">IB", 3, ord("J")) + b"{x}", "not JSON"),
        (struct.pack(">IB", 2, ord("J")) + b"[]", "without a type"),
        (struct.pack(">IB", 3, ord("D")) + b"abc", "expected a message"),
    ],
)
def test_malformed_frames(pair: tuple[Channel, Channel], raw: bytes, why: str) -> None:
    left, right = authed(pair)
    left.sock.sendall(raw)
    with pytest.raises(ProtocolError, match=why):
        right.recv()


def test_peer_closing_mid_frame_is_peer_gone(pair: tuple[Channel, Channel]) -> None:
    left, right = authed(pair)
    left.sock.sendall(struct.pack(">IB", 100, ord("J")) + b'{"type"')
    left.sock.shutdown(socket.SHUT_WR)
    with pytest.raises(PeerGone, match="closed the connection"):
        right.recv()


def test_silence_is_a_timeout_not_peer_gone(pair: tuple[Channel, Channel]) -> None:
    _, right = authed(pair)
    right.settimeout(0.05)
    with pytest.raises(ProtocolError, match="no answer") as info:
        right.recv()
    assert not isinstance(info.value, PeerGone)


# -- files --------------------------------------------------------------------


def test_files_round_trip(pair: tuple[Channel, Channel], tmp_path: Path) -> None:
    left, right = authed(pair)
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    blobs = {"core-1.img": os.urandom(3 << 20), "empty.img": b"", "pstree.img": b"x" * 10}
    for name, data in blobs.items():
        (src / name).write_bytes(data)
    join = in_thread(lambda: left.send_files(src, sorted(blobs)))
    assert right.recv_files(dst, 1 << 30) == sorted(blobs)
    assert join() == sum(map(len, blobs.values()))
    for name, data in blobs.items():
        assert (dst / name).read_bytes() == data


@pytest.mark.parametrize(
    "manifest",
    [
        [{"name": "../etc/passwd", "size": 1}],
        [{"name": "a/b.img", "size": 1}],
        [{"name": ".hidden", "size": 1}],
        [{"name": "", "size": 1}],
        [{"name": "a.img", "size": 1}, {"name": "a.img", "size": 1}],
        [{"name": "a.img", "size": -1}],
        [{"name": "a.img", "size": True}],
        [{"name": "a.img", "size": 2 << 30}],
        ["a.img"],
    ],
)
def test_bad_manifests_touch_nothing(pair: tuple[Channel, Channel], tmp_path: Path, manifest: Any) -> None:
    left, right = authed(pair)
    left.send("files", files=manifest)
    with pytest.raises(ProtocolError):
        right.recv_files(tmp_path, 1 << 30)
    assert list(tmp_path.iterdir()) == []


def test_more_data_than_declared_is_refused(pair: tuple[Channel, Channel], tmp_path: Path) -> None:
    left, right = authed(pair)
    left.send("files", files=[{"name": "a.img", "size": 2}])
    left.sock.sendall(struct.pack(">IB", 3, ord("D")) + b"abc")
    with pytest.raises(ProtocolError, match="does not match its size"):
        right.recv_files(tmp_path, 100)


# -- authentication -------------------------------------------------------------


def handshake(
    pair: tuple[Channel, Channel], server_token: bytes | None, client_token: bytes | None, purpose: str
) -> tuple[Any, BaseException | None]:
    server, client = pair
    join = in_thread(lambda: server_handshake(server, server_token))
    client_error: BaseException | None = None
    try:
        client_handshake(client, client_token, purpose)
    except Exception as exc:
        client_error = exc
        client.close()  # as connect() does: the server then sees the connection go
    try:
        return join(), client_error
    except Exception as exc:
        return exc, client_error


def test_right_token_authenticates_both_ways(pair: tuple[Channel, Channel]) -> None:
    purpose, client_error = handshake(pair, TOKEN, TOKEN, "pages:abc")
    assert client_error is None
    assert purpose == "pages:abc"
    assert pair[0].limit == pair[1].limit == MAX_FRAME


def test_wrong_token_is_refused(pair: tuple[Channel, Channel]) -> None:
    server_result, client_error = handshake(pair, TOKEN, b"another-token-of-16+", "control")
    assert isinstance(server_result, AuthenticationError)
    assert isinstance(client_error, AuthenticationError)
    assert "authentication failed" in str(client_error)


def test_missing_token_is_refused(pair: tuple[Channel, Channel]) -> None:
    server_result, client_error = handshake(pair, TOKEN, None, "control")
    assert isinstance(client_error, AuthenticationError)
    assert "requires a shared token" in str(client_error)
    assert isinstance(server_result, ProtocolError)


def test_client_with_token_refuses_an_unauthenticated_agent(pair: tuple[Channel, Channel]) -> None:
    _, client_error = handshake(pair, None, TOKEN, "control")
    assert isinstance(client_error, AuthenticationError)
    assert "runs without authentication" in str(client_error)


def test_no_auth_on_both_sides_works(pair: tuple[Channel, Channel]) -> None:
    purpose, client_error = handshake(pair, None, None, "control")
    assert client_error is None
    assert purpose == "control"


def test_server_must_prove_the_token(pair: tuple[Channel, Channel]) -> None:
    server, client = pair

    def impostor() -> None:
        server.send("hello", version=1, auth="hmac-sha256", nonce="00" * 32)
        server.recv("auth")
        server.send("welcome", mac="00" * 32)

    join = in_thread(impostor)
    with pytest.raises(AuthenticationError, match="could not prove"):
        client_handshake(client, TOKEN, "control")
    join()


def test_recorded_auth_cannot_be_replayed() -> None:
    """A captured answer is bound to the server's fresh nonce (and the purpose)."""
    a, b = socket.socketpair()
    server, client = Channel(a, "server"), Channel(b, "client")
    join = in_thread(lambda: server_handshake(server, TOKEN))
    hello = client.recv("hello")
    nonce = os.urandom(32)
    mac = wire._mac(TOKEN, "client", "control", bytes.fromhex(hello["nonce"]), nonce)
    recorded = {"purpose": "control", "nonce": nonce.hex(), "mac": mac}
    client.send("auth", **recorded)
    client.recv("welcome")
    join()
    for ch in (server, client):
        ch.close()

    a, b = socket.socketpair()
    server, client = Channel(a, "server"), Channel(b, "client")
    join = in_thread(lambda: server_handshake(server, TOKEN))
    client.recv("hello")
    client.send("auth", **recorded)
    with pytest.raises(RemoteError, match="authentication failed"):
        client.recv("welcome")
    with pytest.raises(AuthenticationError):
        join()
    for ch in (server, client):
        ch.close()


def test_version_mismatch_is_refused(pair: tuple[Channel, Channel]) -> None:
    server, client = pair
    server.send("hello", version=99, auth="none", nonce="")
    with pytest.raises(ProtocolError, match="version 99"):
        client_handshake(client, None, "control")


# -- helpers and requests ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10.0.0.2:7000", ("10.0.0.2", 7000)), ("[::1]:0", ("::1", 0)), ("host:65535", ("host", 65535))],
)
def test_parse_address(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["10.0.0.2", ":7000", "h:70000", "h:x"])
def test_parse_address_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="ADDR:PORT"):
        parse_address(text)


def test_read_token_checks_mode_and_length(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes(TOKEN + b"\n")
    path.chmod(0o644)
    with pytest.raises(ValueError, match="chmod 600"):
        read_token(path)
    path.chmod(0o600)
    assert read_token(path) == TOKEN
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="too short"):
        read_token(path)


def test_migration_request_validation() -> None:
    req = MigrationRequest.from_message(json.loads('{"type": "migrate", "lazy": true, "pids": [5, 6]}'))
    assert req == MigrationRequest(mode="lazy", pid_ns=False, pids=(5, 6))
    assert req.lazy
    req = MigrationRequest.from_message({"type": "migrate", "mode": "dedup", "pid_ns": True})
    assert (req.mode, req.pid_ns, req.pids, req.lazy) == ("dedup", True, (), False)
    for bad in ([0], ["1"], "1", [True], [-1]):
        with pytest.raises(ProtocolError, match="pids"):
            MigrationRequest.from_message({"type": "migrate", "pids": bad})
    with pytest.raises(ProtocolError, match="unknown mode"):
        MigrationRequest.from_message({"type": "migrate", "mode": "teleport"})


def test_taken_pids_and_pid_ns_detection() -> None:
    assert taken_pids((os.getpid(),)) == [os.getpid()]
    assert taken_pids((2**22 + 12345,)) == []
    assert is_pid_ns_init(os.getpid()) is False


def test_migration_error_says_where_the_process_is() -> None:
    err = MigrationError("pages", "destination went away", source_pid=42, source_running=True)
    assert str(err) == (
        "migration failed at pages: destination went away; the process keeps running on the source (pid 42)"
    )
    gone = MigrationError("restore", "x", source_pid=42, source_running=False)
    assert "is NOT running" in str(gone)


def test_cli_parses_serve_and_migrate() -> None:
    parser = build_parser()
    args = parser.parse_args(["serve", "--listen", "0.0.0.0:0", "--dir", "/tmp/x", "--token-file", "t"])
    assert (args.listen, args.dir, args.token_file, args.func.__name__) == (
        "0.0.0.0:0",
        "/tmp/x",
        "t",
        "cmd_serve",
    )
    args = parser.parse_args(["migrate", "--pid", "7", "--to", "h:1", "--lazy", "--log-level", "4", "-v"])
    assert (args.pid, args.to, args.lazy, args.log_level, args.verbose) == (7, "h:1", True, 4, True)
    for command in ("serve", "migrate"):
        with pytest.raises(SystemExit) as info:
            parser.parse_args([command, "--help"])
        assert info.value.code == 0
