"""The client against a scripted fake CRIU: typed results, the wire, and every way a reply can go wrong."""

from __future__ import annotations

import errno
import os
import signal
import socket
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fakecriu import (
    FakeConnector,
    Peer,
    Req,
    Script,
    answer,
    features,
    hang_up,
    play_dead,
    sequence,
    version,
)

from criu_rpc import (
    CheckOptions,
    CpuinfoOptions,
    Criu,
    CriuConnectionError,
    CriuProtocolError,
    CriuRequestError,
    CriuRpcError,
    CriuTimeoutError,
    CriuVersion,
    DumpOptions,
    DumpResult,
    Features,
    FeatureUnavailableError,
    InheritFd,
    Notifier,
    PageServerInfo,
    PageServerOptions,
    RestoreOptions,
    RestoreResult,
    ServiceConnector,
    UnsupportedOptionError,
)
from criu_rpc import transport as transport_mod
from criu_rpc._pb import rpc_pb2

MakeFake = Callable[..., FakeConnector]


@pytest.fixture
def fake() -> Iterator[MakeFake]:
    """Make FakeConnectors; afterwards every peer thread must have ended without error."""
    made: list[FakeConnector] = []

    def make(*scripts: Script, passes_fds: bool = True) -> FakeConnector:
        connector = FakeConnector(*scripts, passes_fds=passes_fds)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.finish()


def client(connector: FakeConnector, timeout: float = 5.0) -> Criu:
    return Criu(connector=connector, timeout=timeout)


def dump_opts(images: Path, **extra: object) -> DumpOptions:
    return DumpOptions(pid=1234, images_dir=images, **extra)  # type: ignore[arg-type]


def restore_opts(images: Path, **extra: object) -> RestoreOptions:
    return RestoreOptions(images_dir=images, **extra)  # type: ignore[arg-type]


def assert_fd_closed_everywhere(read_end: int) -> None:
    """Every copy of the pipe's write end is closed: reading gives EOF, not EAGAIN."""
    os.set_blocking(read_end, False)
    try:
        assert os.read(read_end, 100) == b""
    except BlockingIOError:
        pytest.fail("a copy of the descriptor CRIU sent was leaked (pipe still has a writer)")


# -- happy paths --------------------------------------------------------------


def test_version_decodes_and_is_remembered(fake: MakeFake) -> None:
    connector = fake(version(4, 1, sublevel=2, gitid="abc123", name="CRIUcial", extra=7))
    criu = client(connector)
    expected = CriuVersion(4, 1, 2, 7, "abc123", "CRIUcial")
    assert criu.version() == expected
    assert criu.version() == expected  # no second connection
    assert str(expected) == "4.1.2 (CRIUcial)"
    assert connector.request_types == [Req.VERSION]
    assert not connector.requests[0].HasField("keep_open")


def test_features_decode_unanswered_is_none_and_are_remembered(fake: MakeFake) -> None:
    connector = fake(features(mem_track=True, lazy_pages=False))
    criu = client(connector)
    assert criu.features() == Features(mem_track=True, lazy_pages=False, pidfd_store=None)
    assert criu.features("mem_track") == Features(mem_track=True)
    asked = connector.requests[0]
    assert asked.type == Req.FEATURE_CHECK
    assert asked.features.mem_track
    assert asked.features.lazy_pages
    assert asked.features.pidfd_store
    with pytest.raises(ValueError, match="unknown feature"):
        criu.features("teleport")


def test_check_lends_a_scratch_dir(fake: MakeFake) -> None:
    seen: list[bool] = []

    def script(peer: Peer) -> None:
        req = peer.recv_req()
        assert req.type == Req.CHECK
        seen.append(stat.S_ISDIR(os.fstat(req.opts.images_dir_fd).st_mode))
        peer.reply(Req.CHECK)

    connector = fake(script)
    client(connector).check()
    assert seen == [True]
    assert not connector.requests[0].opts.notify_scripts


def test_check_uses_the_given_dir(fake: MakeFake, tmp_path: Path) -> None:
    inodes: list[int] = []

    def script(peer: Peer) -> None:
        req = peer.recv_req()
        inodes.append(os.fstat(req.opts.images_dir_fd).st_ino)
        peer.reply(Req.CHECK)

    client(fake(script)).check(CheckOptions(images_dir=tmp_path))
    assert inodes == [tmp_path.stat().st_ino]


def test_dump_wire_and_result(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(answer(Req.DUMP, dump=rpc_pb2.criu_dump_resp(restored=False)))
    result = client(connector).dump(dump_opts(tmp_path, leave_running=True, log_level=4))
    assert result == DumpResult(restored=False)
    (conn,) = connector.connections
    assert not conn.detached
    assert conn.pass_fds == ()
    (req,) = conn.requests
    assert req.type == Req.DUMP
    assert not req.HasField("keep_open")
    assert req.opts.pid == 1234
    assert req.opts.leave_running
    assert req.opts.log_level == 4
    assert req.opts.HasField("notify_scripts")
    assert not req.opts.notify_scripts
    assert conn.transport is not None
    assert conn.transport.closed


def test_dump_reply_without_dump_message_means_not_restored(fake: MakeFake, tmp_path: Path) -> None:
    assert client(fake(answer(Req.DUMP))).dump(dump_opts(tmp_path)) == DumpResult(restored=False)


def test_self_dump_runs_criu_detached_and_forgets_it_when_restored(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(answer(Req.DUMP, dump=rpc_pb2.criu_dump_resp(restored=True)))
    result = client(connector).dump(DumpOptions(images_dir=tmp_path))
    assert result == DumpResult(restored=True)
    (conn,) = connector.connections
    assert conn.detached
    assert not conn.requests[0].opts.HasField("pid")
    assert conn.transport is not None
    assert conn.transport.forgotten


def test_restore_returns_pid(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(answer(Req.RESTORE, restore=rpc_pb2.criu_restore_resp(pid=4321)))
    assert client(connector).restore(restore_opts(tmp_path, rst_sibling=True)) == RestoreResult(pid=4321)
    (req,) = connector.requests
    assert req.type == Req.RESTORE
    assert req.opts.rst_sibling
    assert not req.HasField("keep_open")


def test_page_server_one_shot(fake: MakeFake, tmp_path: Path) -> None:
    info = rpc_pb2.criu_page_server_info(pid=77, port=12345)
    connector = fake(answer(Req.PAGE_SERVER, ps=info))
    got = client(connector).page_server(PageServerOptions(images_dir=tmp_path, port=12345))
    assert got == PageServerInfo(pid=77, port=12345)
    (req,) = connector.requests
    assert req.type == Req.PAGE_SERVER
    assert req.opts.ps.port == 12345
    assert not req.HasField("keep_open")  # one-shot: nothing to keep open for


def test_page_server_on_an_accepted_connection_passes_its_fd(fake: MakeFake, tmp_path: Path) -> None:
    a, b = socket.socketpair()
    try:
        connector = fake(answer(Req.PAGE_SERVER, ps=rpc_pb2.criu_page_server_info(pid=7)))
        client(connector).page_server(PageServerOptions(images_dir=tmp_path, fd=a.fileno()))
        (conn,) = connector.connections
        assert a.fileno() in conn.pass_fds
        assert conn.requests[0].opts.ps.fd == a.fileno()
    finally:
        a.close()
        b.close()


def test_page_server_child_then_wait_pid_in_one_session(fake: MakeFake, tmp_path: Path) -> None:
    def script(peer: Peer) -> None:
        req = peer.recv_req()
        assert req.type == Req.PAGE_SERVER_CHLD
        assert req.keep_open
        peer.reply(Req.PAGE_SERVER, ps=rpc_pb2.criu_page_server_info(pid=77, port=2000))
        req = peer.recv_req()
        assert req.type == Req.WAIT_PID
        assert req.pid == 77
        assert not req.HasField("keep_open")
        peer.reply(Req.WAIT_PID, status=signal.SIGKILL)

    connector = fake(script)
    with client(connector).session() as s:
        info = s.page_server_child(PageServerOptions(images_dir=tmp_path))
        assert info == PageServerInfo(pid=77, port=2000)
        status = s.wait_pid(info.pid)
        assert status.returncode == -signal.SIGKILL
        assert status.signal is signal.SIGKILL
        with pytest.raises(CriuRpcError, match="ended with wait-pid"):
            s.version()
        with pytest.raises(ValueError, match="pid must be > 0"):
            s.wait_pid(0)
    assert len(connector.connections) == 1


def test_wait_pid_exit_status(fake: MakeFake) -> None:
    connector = fake(answer(Req.WAIT_PID, status=3 << 8))
    with client(connector).session() as s:
        status = s.wait_pid(5)
    assert status.returncode == 3
    assert status.signal is None


@pytest.mark.parametrize("method", ["cpuinfo_dump", "cpuinfo_check"])
def test_cpuinfo(fake: MakeFake, tmp_path: Path, method: str) -> None:
    req_type = Req.CPUINFO_DUMP if method == "cpuinfo_dump" else Req.CPUINFO_CHECK
    connector = fake(answer(req_type))
    getattr(client(connector), method)(CpuinfoOptions(images_dir=tmp_path, cpu_cap=3))
    (req,) = connector.requests
    assert req.type == req_type
    assert req.opts.cpu_cap == 3
    assert not req.HasField("keep_open")


def test_cpuinfo_check_mismatch_is_a_request_error(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(answer(Req.CPUINFO_CHECK, success=False, cr_errno=errno.ENOTSUP))
    with pytest.raises(CriuRequestError) as info:
        client(connector).cpuinfo_check(CpuinfoOptions(images_dir=tmp_path))
    assert info.value.request == "cpuinfo-check"
    assert info.value.cr_errno == errno.ENOTSUP


def test_session_keeps_open_only_what_criu_allows(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(
        sequence(
            version(4, 1),
            features(mem_track=True),
            answer(Req.CPUINFO_DUMP),
            answer(Req.PAGE_SERVER, ps=rpc_pb2.criu_page_server_info(pid=1, port=2)),
            answer(Req.DUMP),
        )
    )
    with client(connector).session() as s:
        s.version()
        s.features("mem_track")
        s.cpuinfo_dump(CpuinfoOptions(images_dir=tmp_path))
        s.page_server(PageServerOptions(images_dir=tmp_path))
        s.dump(dump_opts(tmp_path))
    keep = [req.keep_open for req in connector.requests]
    assert keep == [True, True, True, True, False]
    assert len(connector.connections) == 1


# -- failures, each with its own exception ----------------------------------------


def test_failed_reply_is_a_request_error_with_criu_log(fake: MakeFake, tmp_path: Path) -> None:
    def script(peer: Peer) -> None:
        req = peer.recv_req()
        assert req.opts.log_file == "dump.log"
        (tmp_path / "dump.log").write_text("(00.001) starting\n(00.002) Error (cr-dump.c:1): can't freeze\n")
        peer.reply(Req.DUMP, success=False, cr_errno=errno.EPERM, cr_errmsg="can't freeze")

    with pytest.raises(CriuRequestError) as info:
        client(fake(script)).dump(dump_opts(tmp_path, log_file="dump.log"))
    exc = info.value
    assert exc.request == "dump"
    assert exc.cr_errno == errno.EPERM
    assert exc.cr_errmsg == "can't freeze"
    assert exc.binary == "fake-criu"
    assert "Error (cr-dump.c:1)" in exc.log_tail
    assert "EPERM" in str(exc)
    assert "can't freeze" in str(exc)


def test_empty_typed_failure_is_a_request_error(fake: MakeFake) -> None:
    """CRIU answers a request it cannot handle with type EMPTY."""

    def script(peer: Peer) -> None:
        peer.recv_req()
        peer.reply(Req.EMPTY, success=False)

    with pytest.raises(CriuRequestError, match="CRIU version failed"):
        client(fake(script)).version()


def test_peer_closing_before_reply_is_a_connection_error(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(hang_up)
    with pytest.raises(CriuConnectionError, match="closed the connection"):
        client(connector).dump(dump_opts(tmp_path))
    assert connector.request_types == [Req.DUMP]


def _missing_success() -> bytes:
    return rpc_pb2.criu_resp(type=Req.VERSION).SerializePartialToString()


def _missing_nested() -> bytes:
    resp = rpc_pb2.criu_resp(type=Req.VERSION, success=True)
    resp.version.SetInParent()  # criu_version.major_number/minor_number are required
    return resp.SerializePartialToString()


def _unknown_type() -> bytes:
    return b"\x08\x63\x10\x01"  # type=99 (no such criu_req_type), success=true


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda: b"\xff\xff\xff\xff", id="garbage"),
        pytest.param(lambda: b"\x0a\x10truncated", id="truncated"),
        pytest.param(_missing_success, id="missing-required"),
        pytest.param(_missing_nested, id="missing-nested-required"),
        pytest.param(_unknown_type, id="unknown-type"),
    ],
)
def test_unparseable_reply_is_a_protocol_error(fake: MakeFake, payload: Callable[[], bytes]) -> None:
    def script(peer: Peer) -> None:
        peer.recv_req()
        peer.send_raw(payload())
        peer.wait_closed()

    connector = fake(script)
    with pytest.raises(CriuProtocolError):
        client(connector).version()
    transport = connector.connections[0].transport
    assert transport is not None
    assert transport.aborted
    assert transport.closed


def test_wrong_reply_type_is_a_protocol_error(fake: MakeFake, tmp_path: Path) -> None:
    def script(peer: Peer) -> None:
        peer.recv_req()
        peer.reply(Req.RESTORE, restore=rpc_pb2.criu_restore_resp(pid=1))
        peer.wait_closed()

    with pytest.raises(CriuProtocolError, match="answered dump with a restore reply"):
        client(fake(script)).dump(dump_opts(tmp_path))


def test_slow_peer_times_out_promptly(fake: MakeFake) -> None:
    connector = fake(play_dead)
    start = time.monotonic()
    with pytest.raises(CriuTimeoutError, match=r"no reply within 0\.2 s"):
        client(connector, timeout=0.2).version()
    assert time.monotonic() - start < 2.0
    transport = connector.connections[0].transport
    assert transport is not None
    assert transport.aborted
    assert transport.closed


def test_session_is_unusable_after_a_timeout(fake: MakeFake) -> None:
    connector = fake(play_dead)
    with client(connector, timeout=0.2).session() as s:
        with pytest.raises(CriuTimeoutError):
            s.version()
        with pytest.raises(CriuRpcError, match="ended with a failed version"):
            s.version()
    assert len(connector.connections) == 1


def test_oversized_reply_is_a_protocol_error(fake: MakeFake) -> None:
    def script(peer: Peer) -> None:
        peer.recv_req()
        peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * transport_mod.MAX_MESSAGE)
        peer.send_raw(b"\x00" * (transport_mod.MAX_MESSAGE + 1))
        peer.wait_closed()

    with pytest.raises(CriuProtocolError, match="larger than"):
        client(fake(script)).version()


def test_too_many_fds_is_a_protocol_error_and_none_leak(fake: MakeFake) -> None:
    r, w = os.pipe()
    reply = rpc_pb2.criu_resp(type=Req.VERSION, success=True)

    def script(peer: Peer) -> None:
        peer.recv_req()
        peer.send(reply, [w] * (transport_mod.MAX_FDS + 1))
        os.close(w)
        peer.wait_closed()

    try:
        connector = fake(script)
        with pytest.raises(CriuProtocolError, match="too many fds"):
            client(connector).version()
        connector.finish()  # the peer has closed its copy
        assert_fd_closed_everywhere(r)
    finally:
        os.close(r)


def test_fds_on_the_final_reply_are_closed(fake: MakeFake) -> None:
    r, w = os.pipe()

    def script(peer: Peer) -> None:
        peer.recv_req()
        peer.send(rpc_pb2.criu_resp(type=Req.CHECK, success=True), [w])
        os.close(w)

    try:
        connector = fake(script)
        client(connector).check()
        connector.finish()  # the peer has closed its copy
        assert_fd_closed_everywhere(r)
    finally:
        os.close(r)


# -- notifications --------------------------------------------------------------


class Recorder(Notifier):
    """Records every notification as (name, argument)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def pre_dump(self) -> None:
        self.seen.append(("pre-dump", None))

    def network_lock(self) -> None:
        self.seen.append(("network-lock", None))

    def post_dump(self) -> None:
        self.seen.append(("post-dump", None))

    def network_unlock(self) -> None:
        self.seen.append(("network-unlock", None))

    def pre_restore(self) -> None:
        self.seen.append(("pre-restore", None))

    def setup_namespaces(self, pid: int) -> None:
        self.seen.append(("setup-namespaces", pid))

    def post_setup_namespaces(self) -> None:
        self.seen.append(("post-setup-namespaces", None))

    def post_restore(self, pid: int) -> None:
        self.seen.append(("post-restore", pid))

    def pre_resume(self) -> None:
        self.seen.append(("pre-resume", None))

    def post_resume(self) -> None:
        self.seen.append(("post-resume", None))

    def status_ready(self) -> None:
        self.seen.append(("status-ready", None))

    def pre_stream(self) -> None:
        self.seen.append(("pre-stream", None))

    def unknown(self, name: str, pid: int | None) -> None:
        self.seen.append((name, pid))


def notifying(final: int, names: list[tuple[str, int | None]], **reply: object) -> Script:
    """Send each notification, require a positive ack, then the final reply."""

    def script(peer: Peer) -> None:
        req = peer.recv_req()
        assert req.opts.notify_scripts
        for name, pid in names:
            ack = peer.notify(name, pid)
            assert ack.notify_success, f"{name} was not acked"
        peer.reply(final, True, **reply)

    return script


def test_dump_notifications_in_order_each_acked(fake: MakeFake, tmp_path: Path) -> None:
    names: list[tuple[str, int | None]] = [
        ("pre-stream", None),
        ("pre-dump", None),
        ("network-lock", None),
        ("post-dump", None),
        ("network-unlock", None),
    ]
    recorder = Recorder()
    connector = fake(notifying(Req.DUMP, names))
    client(connector).dump(dump_opts(tmp_path), recorder)
    assert recorder.seen == names
    assert [r.type for r in connector.requests] == [Req.DUMP] + [Req.NOTIFY] * len(names)


def test_restore_notifications_carry_pid(fake: MakeFake, tmp_path: Path) -> None:
    names: list[tuple[str, int | None]] = [
        ("pre-restore", None),
        ("setup-namespaces", 42),
        ("post-setup-namespaces", None),
        ("post-restore", 42),
        ("network-unlock", None),
        ("pre-resume", None),
        ("post-resume", None),
        ("some-future-script", 9),
    ]
    recorder = Recorder()
    connector = fake(notifying(Req.RESTORE, names, restore=rpc_pb2.criu_restore_resp(pid=42)))
    assert client(connector).restore(restore_opts(tmp_path), recorder) == RestoreResult(42)
    assert recorder.seen == names


def test_unasked_notification_is_nacked_and_a_protocol_error(fake: MakeFake, tmp_path: Path) -> None:
    """page_server takes no notifier: a notification (even with an fd) is refused, its fd closed."""
    r, w = os.pipe()
    acks: list[bool] = []

    def script(peer: Peer) -> None:
        peer.recv_req()
        acks.append(peer.notify("status-ready", fds=[w]).notify_success)
        os.close(w)
        peer.reply(Req.PAGE_SERVER, ps=rpc_pb2.criu_page_server_info(pid=5, port=6))

    try:
        connector = fake(script)
        with pytest.raises(CriuProtocolError, match="sent notification 'status-ready' unasked"):
            client(connector).page_server(PageServerOptions(images_dir=tmp_path))
        connector.finish()
        assert acks == [False]
        assert_fd_closed_everywhere(r)
    finally:
        os.close(r)


class Boom(Exception):
    pass


def test_raising_callback_nacks_and_is_reraised_after_the_reply(fake: MakeFake, tmp_path: Path) -> None:
    acks: list[bool] = []
    calls: list[str] = []

    class Failing(Notifier):
        def pre_dump(self) -> None:
            calls.append("pre-dump")

        def post_dump(self) -> None:
            calls.append("post-dump")
            raise Boom("destination not ready")

    def script(peer: Peer) -> None:
        peer.recv_req()
        acks.append(peer.notify("pre-dump").notify_success)
        acks.append(peer.notify("post-dump").notify_success)
        peer.reply(Req.DUMP, success=False, cr_errmsg="post-dump script failed")

    with pytest.raises(Boom, match="destination not ready") as info:
        client(fake(script)).dump(dump_opts(tmp_path), Failing())
    assert acks == [True, False]
    assert calls == ["pre-dump", "post-dump"]
    assert any("post-dump script failed" in note for note in info.value.__notes__)


def test_first_callback_error_wins(fake: MakeFake, tmp_path: Path) -> None:
    class Failing(Notifier):
        def network_lock(self) -> None:
            raise Boom("first")

        def network_unlock(self) -> None:
            raise KeyError("second")

    def script(peer: Peer) -> None:
        peer.recv_req()
        assert not peer.notify("network-lock").notify_success
        assert not peer.notify("network-unlock").notify_success
        peer.reply(Req.DUMP, success=False)

    with pytest.raises(Boom, match="first"):
        client(fake(script)).dump(dump_opts(tmp_path), Failing())


def test_orphan_pts_master_fd_reaches_callback_and_is_closed(fake: MakeFake, tmp_path: Path) -> None:
    r, w = os.pipe()
    got: list[int] = []

    class Pts(Notifier):
        def orphan_pts_master(self, fd: int) -> None:
            got.append(fd)
            os.write(fd, b"hello")  # a valid descriptor for the object CRIU sent

    def script(peer: Peer) -> None:
        peer.recv_req()
        ack = peer.notify("orphan-pts-master", fds=[w])
        os.close(w)
        assert ack.notify_success
        peer.reply(Req.RESTORE, restore=rpc_pb2.criu_restore_resp(pid=3))

    try:
        client(fake(script)).restore(restore_opts(tmp_path, orphan_pts_master=True), Pts())
        assert len(got) == 1
        assert got[0] >= 0
        assert got[0] != w
        assert os.read(r, 100) == b"hello"
        assert_fd_closed_everywhere(r)
    finally:
        os.close(r)


def test_query_ext_files_ack_carries_externals(fake: MakeFake, tmp_path: Path) -> None:
    class Ext(Notifier):
        def query_ext_files(self) -> list[str]:
            return ["file[1f:2a]", "mnt[/data]:data"]

    acks: list[rpc_pb2.criu_req] = []

    def script(peer: Peer) -> None:
        peer.recv_req()
        acks.append(peer.notify("query-ext-files"))
        acks.append(peer.notify("pre-dump"))
        peer.reply(Req.DUMP)

    client(fake(script)).dump(dump_opts(tmp_path), Ext())
    first, second = acks
    assert first.notify_success
    assert list(first.opts.external) == ["file[1f:2a]", "mnt[/data]:data"]
    assert first.opts.images_dir_fd == -1
    assert not second.HasField("opts")


# -- session rules ----------------------------------------------------------------


def test_session_refuses_requests_after_dump(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(answer(Req.DUMP))
    with client(connector).session() as s:
        s.dump(dump_opts(tmp_path))
        with pytest.raises(CriuRpcError, match="ended with dump"):
            s.version()
        with pytest.raises(CriuRpcError, match="ended with dump"):
            s.dump(dump_opts(tmp_path))
    assert connector.request_types == [Req.DUMP]


def test_closed_session_refuses_requests(fake: MakeFake) -> None:
    criu = client(fake())
    with criu.session() as s:
        pass
    with pytest.raises(CriuRpcError, match=r"ended with close\(\)"):
        s.version()


def test_pre_dump_rounds_then_dump_share_one_worker(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(
        features(mem_track=True),
        sequence(answer(Req.PRE_DUMP), answer(Req.PRE_DUMP), answer(Req.DUMP)),
    )
    with client(connector).session() as s:
        s.pre_dump(dump_opts(tmp_path, track_mem=True))
        with pytest.raises(CriuRpcError, match="after pre-dump"):
            s.version()
        with pytest.raises(CriuRpcError, match="after pre-dump"):
            s.restore(restore_opts(tmp_path))
        s.pre_dump(dump_opts(tmp_path, track_mem=True, parent_img="../1"))
        s.dump(dump_opts(tmp_path, track_mem=True, parent_img="../2"))
    assert connector.request_types == [Req.FEATURE_CHECK, Req.PRE_DUMP, Req.PRE_DUMP, Req.DUMP]
    assert len(connector.connections) == 2
    assert all(not req.HasField("keep_open") for req in connector.connections[1].requests)


def test_one_shot_pre_dump_is_single_pre_dump(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(features(mem_track=True), answer(Req.SINGLE_PRE_DUMP))
    client(connector).pre_dump(dump_opts(tmp_path))
    assert connector.request_types == [Req.FEATURE_CHECK, Req.SINGLE_PRE_DUMP]


def test_pre_dump_without_soft_dirty_is_feature_unavailable(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(features(mem_track=False))
    criu = client(connector)
    with pytest.raises(FeatureUnavailableError, match="pre-dump") as info:
        criu.pre_dump(dump_opts(tmp_path))
    assert info.value.feature == "pre-dump"
    with pytest.raises(FeatureUnavailableError, match="track_mem"):
        criu.dump(dump_opts(tmp_path, track_mem=True))
    assert connector.request_types == [Req.FEATURE_CHECK]


def test_inherit_fd_is_passed_to_the_worker(fake: MakeFake, tmp_path: Path) -> None:
    r, w = os.pipe()
    try:
        connector = fake(answer(Req.RESTORE, restore=rpc_pb2.criu_restore_resp(pid=9)))
        opts = restore_opts(tmp_path, inherit_fd=[InheritFd("pipe:[123]", w)])
        client(connector).restore(opts)
        (conn,) = connector.connections
        assert w in conn.pass_fds
        (item,) = conn.requests[0].opts.inherit_fd
        assert (item.key, item.fd) == ("pipe:[123]", w)
    finally:
        os.close(r)
        os.close(w)


def test_session_refuses_fds_not_passed_at_spawn(fake: MakeFake, tmp_path: Path) -> None:
    r, w = os.pipe()
    try:
        connector = fake(version(4, 1))
        with client(connector).session() as s:
            s.version()
            with pytest.raises(ValueError, match="were not passed"):
                s.restore(restore_opts(tmp_path, inherit_fd=[InheritFd("pipe:[1]", w)]))
    finally:
        os.close(r)
        os.close(w)


def test_session_pass_fds_reach_connect(fake: MakeFake, tmp_path: Path) -> None:
    r, w = os.pipe()
    try:
        connector = fake(
            sequence(version(4, 1), answer(Req.RESTORE, restore=rpc_pb2.criu_restore_resp(pid=2)))
        )
        with client(connector).session(pass_fds=[w]) as s:
            s.version()
            s.restore(restore_opts(tmp_path, inherit_fd=[InheritFd("pipe:[1]", w)]))
        assert connector.connections[0].pass_fds == (w,)
    finally:
        os.close(r)
        os.close(w)


def test_connector_without_fd_passing_refuses_inherit_fd(fake: MakeFake, tmp_path: Path) -> None:
    opts = restore_opts(tmp_path, inherit_fd=[InheritFd("pipe:[1]", 0)])
    connector = fake(passes_fds=False)
    with pytest.raises(ValueError, match="cannot receive them"):
        client(connector).restore(opts)
    assert connector.connections == []
    service = Criu(service=str(tmp_path / "no-such-socket"))
    assert isinstance(service.connector, ServiceConnector)
    with pytest.raises(ValueError, match="swrk"):
        service.restore(opts)


# -- version gates ------------------------------------------------------------------


def test_option_newer_than_criu_is_refused_before_sending(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(version(3, 11))
    with pytest.raises(UnsupportedOptionError) as info:
        client(connector).dump(dump_opts(tmp_path, tcp_close=True))
    exc = info.value
    assert exc.option == "tcp_close"
    assert exc.needed == (3, 12)
    assert exc.running == "3.11"
    assert "tcp_close" in str(exc)
    assert "3.11" in str(exc)
    assert "3.12" in str(exc)
    assert connector.request_types == [Req.VERSION]


def test_option_supported_by_criu_is_sent(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(version(3, 12), answer(Req.DUMP))
    client(connector).dump(dump_opts(tmp_path, tcp_close=True))
    assert connector.request_types == [Req.VERSION, Req.DUMP]
    assert connector.requests[1].opts.tcp_close


def test_old_options_need_no_version_query(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake(answer(Req.DUMP))
    client(connector).dump(dump_opts(tmp_path, tcp_established=True, shell_job=True))
    assert connector.request_types == [Req.DUMP]


# -- construction -----------------------------------------------------------------


def test_criu_constructor_validates(fake: MakeFake, tmp_path: Path) -> None:
    connector = fake()
    with pytest.raises(ValueError, match="at most one"):
        Criu("criu", connector=connector)
    with pytest.raises(ValueError, match="at most one"):
        Criu(service=tmp_path, connector=connector)
    with pytest.raises(ValueError, match="timeout"):
        Criu(connector=connector, timeout=0)
