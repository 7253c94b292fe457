"""The CRIU client: one object, every request type, typed in and out.

:class:`Criu` runs each call in a fresh conversation with CRIU (one ``criu
swrk`` per call by default), which is what CRIU supports for dump and restore:
it serves them only once per connection. :meth:`Criu.session` keeps one worker
for the requests CRIU allows to share it (page server as a child, then
WAIT_PID on it; pre-dump rounds followed by the final dump; version, feature
and cpuinfo queries).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from google.protobuf.message import DecodeError

from ._pb import rpc_pb2
from .errors import (
    CriuProtocolError,
    CriuRequestError,
    CriuRpcError,
    FeatureUnavailableError,
    UnsupportedOptionError,
)
from .notify import Notifier, dispatch
from .options import (
    SINCE,
    BaseOptions,
    CheckOptions,
    CpuinfoOptions,
    DumpOptions,
    PageServerOptions,
    RestoreOptions,
    WireContext,
    set_fields,
    to_criu_opts,
)
from .results import FEATURES, CriuVersion, DumpResult, Features, PageServerInfo, RestoreResult, WaitStatus
from .transport import Connector, ServiceConnector, SwrkConnector, Transport

if TYPE_CHECKING:
    from .prestart import StartedRestore

Req = rpc_pb2.criu_req_type

# Requests CRIU lets share a connection (cr-service.c's keep_open check);
# any other request ends the conversation after its reply.
KEEP_OPEN = frozenset(
    {
        Req.PAGE_SERVER,
        Req.PAGE_SERVER_CHLD,
        Req.CPUINFO_DUMP,
        Req.CPUINFO_CHECK,
        Req.FEATURE_CHECK,
        Req.VERSION,
    }
)
# The part of a successful reply that carries the answer; without it there is no result to give.
ANSWER_FIELD = {
    Req.RESTORE: "restore",
    Req.VERSION: "version",
    Req.FEATURE_CHECK: "features",
    Req.PAGE_SERVER: "ps",
    Req.PAGE_SERVER_CHLD: "ps",
    Req.WAIT_PID: "status",
}
LOG_TAIL_LINES = 25


def request_name(req_type: int) -> str:
    return rpc_pb2.criu_req_type.Name(req_type).lower().replace("_", "-")


@dataclass
class _Call:
    """One request in flight: its message and the descriptors it needs."""

    req: rpc_pb2.criu_req
    ctx: WireContext

    def log_tail(self) -> str:
        """Last lines of CRIU's log for this request, read through the work dir we passed."""
        if not self.req.HasField("opts") or self.req.opts.log_to_stderr:
            return ""
        opts = self.req.opts
        dir_fd = opts.work_dir_fd if opts.HasField("work_dir_fd") else opts.images_dir_fd
        if dir_fd < 0:
            return ""
        try:
            fd = os.open(opts.log_file or "criu.log", os.O_RDONLY, dir_fd=dir_fd)  # CRIU's default name
        except OSError:
            return ""
        with os.fdopen(fd, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 16384))
            lines = log.read().decode(errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])


def _new_call(
    req_type: rpc_pb2.criu_req_type,
    options: BaseOptions | None,
    *,
    notify: bool,
    features: rpc_pb2.criu_features | None = None,
    pid: int | None = None,
    keep_open: bool = False,
) -> _Call:
    call = _Call(rpc_pb2.criu_req(type=req_type), WireContext())
    try:
        if options is not None:
            call.req.opts.CopyFrom(to_criu_opts(options, call.ctx))
            call.req.opts.notify_scripts = notify
        if features is not None:
            call.req.features.CopyFrom(features)
        if pid is not None:
            call.req.pid = pid
        if keep_open:
            call.req.keep_open = True
    except BaseException:
        call.ctx.close()
        raise
    return call


def encode_restore(options: RestoreOptions) -> bytes:
    """The RESTORE request :meth:`Criu.restore` would send, as bytes to send later (see prestart).

    Directories must be given as descriptor numbers: there is nobody to
    hold a path's descriptor open until then.
    """
    if not isinstance(options.images_dir, int) or not isinstance(options.work_dir, (int, type(None))):
        raise ValueError("a request sent later names its directories by descriptor number, not by path")
    return _new_call(Req.RESTORE, options, notify=False).req.SerializeToString()


class CriuSession:
    """One conversation with one CRIU worker; use as a context manager.

    The worker is spawned on the first request, with the descriptors that
    request hands to CRIU (plus ``pass_fds``). Requests outside
    :data:`KEEP_OPEN` end the conversation; PRE_DUMP rounds may be followed
    by more PRE_DUMPs and one final DUMP.
    """

    def __init__(self, criu: Criu, *, pass_fds: Sequence[int] = (), persistent: bool = True) -> None:
        self._criu = criu
        self._pass_fds = tuple(pass_fds)
        self._persistent = persistent
        self._transport: Transport | None = None
        self._ended_by: str | None = None
        self._in_pre_dump = False

    def __enter__(self) -> CriuSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self._ended_by = self._ended_by or "close()"

    # -- requests ---------------------------------------------------------

    def version(self) -> CriuVersion:
        resp = self._request(Req.VERSION)
        v = resp.version
        return CriuVersion(v.major_number, v.minor_number, v.sublevel, v.extra, v.gitid, v.name)

    def features(self, *names: str) -> Features:
        """Ask which of ``names`` (default: all) this kernel and CRIU support."""
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown feature(s) {sorted(unknown)}; known: {', '.join(FEATURES)}")
        asked = rpc_pb2.criu_features(**dict.fromkeys(names or FEATURES, True))
        resp = self._request(Req.FEATURE_CHECK, features=asked)
        got = resp.features
        return Features(
            **{name: getattr(got, name) if got.HasField(name) else None for name in names or FEATURES}
        )

    def check(self, options: CheckOptions | None = None) -> None:
        """Raise CriuRequestError unless CRIU's kernel check passes."""
        if options is not None and options.images_dir is not None:
            self._request(Req.CHECK, options)
            return
        # CRIU before 4.2 refuses CHECK without an images dir: lend it a scratch one.
        with tempfile.TemporaryDirectory(prefix="criu-check-") as scratch:
            base = options or CheckOptions()
            self._request(Req.CHECK, replace(base, images_dir=scratch))

    def dump(self, options: DumpOptions, notifier: Notifier | None = None) -> DumpResult:
        self._require_mem_track(options, "dump with track_mem")
        resp = self._request(Req.DUMP, options, notifier=notifier)
        restored = resp.dump.restored if resp.HasField("dump") else False
        if restored and self._transport is not None:
            self._transport.forget_peer()
        return DumpResult(restored=restored)

    def pre_dump(self, options: DumpOptions, notifier: Notifier | None = None) -> None:
        """One PRE_DUMP round; the session must end with more rounds and a :meth:`dump`."""
        self._require_mem_track(options, "pre-dump")
        self._request(Req.PRE_DUMP, options, notifier=notifier)
        self._in_pre_dump = True

    def single_pre_dump(self, options: DumpOptions, notifier: Notifier | None = None) -> None:
        self._require_mem_track(options, "pre-dump")
        self._request(Req.SINGLE_PRE_DUMP, options, notifier=notifier)

    def restore(self, options: RestoreOptions, notifier: Notifier | None = None) -> RestoreResult:
        resp = self._request(Req.RESTORE, options, notifier=notifier)
        return RestoreResult(pid=resp.restore.pid)

    def finish_restore(self, started: StartedRestore) -> RestoreResult:
        """Take over a RESTORE that :mod:`criu_rpc.prestart` sent before this client was loaded.

        Its answer is handled as :meth:`restore` handles one: the same
        errors, with CRIU's log tail read through the request's images dir.
        """
        connector = self._criu.connector
        if not isinstance(connector, SwrkConnector):
            raise ValueError(f"a started restore runs in a criu swrk worker, not through {connector.binary}")
        try:
            req = rpc_pb2.criu_req.FromString(started.request)
        except DecodeError:  # CRIU has it too, and will say what it makes of it
            req = rpc_pb2.criu_req(type=Req.RESTORE)
        self._transport = connector.adopt(started.adopt())
        self._ended_by = "restore"
        resp = self._converse(self._transport, _Call(req, WireContext()), None)
        return RestoreResult(pid=resp.restore.pid)

    def page_server(self, options: PageServerOptions) -> PageServerInfo:
        """Start a daemonised page server (it outlives this session)."""
        return _ps_info(self._request(Req.PAGE_SERVER, options))

    def page_server_child(self, options: PageServerOptions) -> PageServerInfo:
        """Start a page server as the worker's child; :meth:`wait_pid` reaps it."""
        return _ps_info(self._request(Req.PAGE_SERVER_CHLD, options))

    def wait_pid(self, pid: int) -> WaitStatus:
        """Wait for a child of this session's worker (a page server started with page_server_child)."""
        if pid <= 0:
            raise ValueError(f"wait_pid: pid must be > 0, got {pid}")
        return WaitStatus(self._request(Req.WAIT_PID, pid=pid).status)

    def cpuinfo_dump(self, options: CpuinfoOptions) -> None:
        self._request(Req.CPUINFO_DUMP, options)

    def cpuinfo_check(self, options: CpuinfoOptions) -> None:
        """Raise CriuRequestError (cr_errno ENOTSUP) if this CPU cannot run the recorded images."""
        self._request(Req.CPUINFO_CHECK, options)

    # -- machinery --------------------------------------------------------

    def _require_mem_track(self, options: DumpOptions, what: str) -> None:
        if what != "pre-dump" and not options.track_mem:
            return
        if not self._criu.features("mem_track").mem_track:
            raise FeatureUnavailableError(
                what,
                "the kernel has no soft-dirty memory tracking (FEATURE_CHECK mem_track is false); "
                "use criu_rpc.incremental's content-dedup chains, or a kernel with CONFIG_MEM_SOFT_DIRTY",
            )

    def _request(
        self,
        req_type: rpc_pb2.criu_req_type,
        options: BaseOptions | None = None,
        *,
        notifier: Notifier | None = None,
        features: rpc_pb2.criu_features | None = None,
        pid: int | None = None,
    ) -> rpc_pb2.criu_resp:
        name = request_name(req_type)
        if self._ended_by is not None:
            raise CriuRpcError(f"cannot send {name}: this session ended with {self._ended_by}")
        if self._in_pre_dump and req_type not in (Req.PRE_DUMP, Req.DUMP):
            raise CriuRpcError(f"cannot send {name} after pre-dump: CRIU expects more pre-dumps or a dump")
        if options is not None:
            self._criu.check_supported(options)
        keep_open = self._persistent and req_type in KEEP_OPEN
        call = _new_call(
            req_type, options, notify=notifier is not None, features=features, pid=pid, keep_open=keep_open
        )
        try:
            self_dump = isinstance(options, DumpOptions) and options.pid is None
            transport = self._connect(call.ctx.pass_fds, detached=self_dump)
            ends = req_type not in KEEP_OPEN and req_type != Req.PRE_DUMP
            if ends or not self._persistent:
                self._ended_by = name
            transport.send(call.req.SerializeToString())
            return self._converse(transport, call, notifier)
        finally:
            call.ctx.close()

    def _connect(self, fds: Sequence[int], *, detached: bool) -> Transport:
        if fds and not self._criu.connector.passes_fds:
            raise ValueError(
                f"inherit_fd and page_server.fd hand descriptors to CRIU; {self._criu.connector.binary} "
                "cannot receive them (use the swrk transport)"
            )
        if self._transport is None:
            self._transport = self._criu.connector.connect((*self._pass_fds, *fds), detached=detached)
        elif not set(fds) <= set(self._pass_fds):
            raise ValueError(
                f"descriptors {sorted(set(fds) - set(self._pass_fds))} were not passed to "
                "this session's worker: list them in Criu.session(pass_fds=...)"
            )
        return self._transport

    def _converse(self, transport: Transport, call: _Call, notifier: Notifier | None) -> rpc_pb2.criu_resp:
        """Answer CRIU's notifications until its reply to ``call`` (already sent) comes."""
        name = request_name(call.req.type)
        callback_error: Exception | None = None
        while True:
            resp, fds = self._receive(transport, name)
            if resp.type != Req.NOTIFY:
                break
            ack = rpc_pb2.criu_req(type=Req.NOTIFY, notify_success=True)
            try:
                if notifier is None:
                    raise CriuProtocolError(
                        f"{transport.description} sent notification {resp.notify.script!r} unasked"
                    )
                pid = resp.notify.pid if resp.notify.HasField("pid") else None
                externals = dispatch(notifier, resp.notify.script, pid, fds[0] if fds else None)
                if externals:
                    ack.opts.images_dir_fd = -1
                    ack.opts.external.extend(externals)
            except Exception as exc:
                ack.notify_success = False
                callback_error = callback_error or exc
            finally:
                for fd in fds:
                    os.close(fd)
            transport.send(ack.SerializeToString())
        for fd in fds:
            os.close(fd)
        expected = Req.PAGE_SERVER if call.req.type == Req.PAGE_SERVER_CHLD else call.req.type
        if resp.type not in (expected, Req.EMPTY):
            transport.abort()
            raise CriuProtocolError(
                f"{transport.description} answered {name} with a {request_name(resp.type)} reply"
            )
        if callback_error is not None:
            callback_error.add_note(
                f"criu_rpc: the notifier raised, so CRIU aborted the {name}"
                + ("" if resp.success else f": {resp.cr_errmsg or 'failed'}")
            )
            raise callback_error
        if not resp.success:
            self._ended_by = f"a failed {name}"  # CRIU keeps a connection open only after success
            raise CriuRequestError(
                name,
                cr_errno=resp.cr_errno,
                cr_errmsg=resp.cr_errmsg,
                log_tail=call.log_tail() or transport.stderr_tail(),
                binary=self._criu.connector.binary,
            )
        payload = ANSWER_FIELD.get(call.req.type)
        if payload is not None and not resp.HasField(payload):
            transport.abort()
            raise CriuProtocolError(f"{transport.description} answered {name} without its {payload!r} part")
        return resp

    def _receive(self, transport: Transport, name: str) -> tuple[rpc_pb2.criu_resp, tuple[int, ...]]:
        try:
            packet = transport.recv(self._criu.timeout)
        except CriuRpcError as exc:
            transport.abort()
            self._ended_by = f"a failed {name}"
            exc.add_note(f"criu_rpc: while waiting for the reply to {name}")
            raise
        try:
            resp = rpc_pb2.criu_resp.FromString(packet.data)
            if not resp.IsInitialized():
                # upb does not check proto2 required fields (nor an unknown enum value in one).
                raise DecodeError("a required field is missing or holds an unknown enum value")
            return resp, packet.fds
        except DecodeError as exc:
            for fd in packet.fds:
                os.close(fd)
            transport.abort()
            self._ended_by = f"a failed {name}"
            raise CriuProtocolError(
                f"{transport.description} sent a reply to {name} that does not parse "
                f"({len(packet.data)} bytes: {exc})"
            ) from exc


def _ps_info(resp: rpc_pb2.criu_resp) -> PageServerInfo:
    return PageServerInfo(pid=resp.ps.pid, port=resp.ps.port)


class Criu:
    """A CRIU client. Each method runs one request in its own worker.

    ``binary`` (else ``$CRIU_BIN``, else ``criu`` on PATH) is spawned as ``criu
    swrk``; ``service`` instead connects to a ``criu service --address`` socket;
    ``connector`` supplies any other transport (tests use fakes). ``timeout``
    bounds each wait for a reply, in seconds (None waits forever: a big dump
    takes as long as it takes); on expiry the worker is killed.

    ``prespawn`` (the default) keeps an idle swrk ready after the first call,
    as an HTTP client keeps a connection alive: the next call skips CRIU's
    start-up, most of a small dump (see :class:`SwrkConnector`). Use the Criu
    as a context manager, or call :meth:`close`, to end it; ``prespawn=False``
    for a one-shot call or a process that must not keep a child around.
    """

    def __init__(
        self,
        binary: str | os.PathLike[str] | None = None,
        *,
        service: str | os.PathLike[str] | None = None,
        connector: Connector | None = None,
        timeout: float | None = None,
        prespawn: bool = True,
    ) -> None:
        if sum(x is not None for x in (binary, service, connector)) > 1:
            raise ValueError("pass at most one of binary, service, connector")
        if connector is None:
            if service:
                connector = ServiceConnector(os.fspath(service))
            else:
                connector = SwrkConnector.find(binary, prespawn=prespawn)
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        self.connector = connector
        self.timeout = timeout
        self._version: CriuVersion | None = None
        self._features: dict[str, bool | None] = {}

    def __repr__(self) -> str:
        return f"Criu({self.connector!r}, timeout={self.timeout})"

    def __enter__(self) -> Criu:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release what the connector keeps between calls (an idle worker)."""
        self.connector.close()

    @contextmanager
    def session(self, *, pass_fds: Sequence[int] = ()) -> Iterator[CriuSession]:
        """A worker kept for several requests; see :class:`CriuSession`."""
        with CriuSession(self, pass_fds=pass_fds) as session:
            yield session

    def _once(self) -> CriuSession:
        return CriuSession(self, persistent=False)

    def version(self) -> CriuVersion:
        """CRIU's version (asked once, then remembered)."""
        if self._version is None:
            with self._once() as s:
                self._version = s.version()
        return self._version

    def features(self, *names: str) -> Features:
        """FEATURE_CHECK (answers are remembered per Criu object)."""
        wanted = names or FEATURES
        missing = [n for n in wanted if n not in self._features]
        if missing:
            with self._once() as s:
                got = s.features(*missing)
            self._features.update({n: getattr(got, n) for n in missing})
        return Features(**{n: self._features[n] for n in wanted})

    def check(self, options: CheckOptions | None = None) -> None:
        with self._once() as s:
            s.check(options)

    def dump(self, options: DumpOptions, notifier: Notifier | None = None) -> DumpResult:
        """Dump a tree (or, with pid None, the calling process: see DumpResult.restored)."""
        with self._once() as s:
            return s.dump(options, notifier)

    def pre_dump(self, options: DumpOptions, notifier: Notifier | None = None) -> None:
        """One standalone pre-dump (SINGLE_PRE_DUMP); needs soft-dirty tracking."""
        with self._once() as s:
            s.single_pre_dump(options, notifier)

    def restore(self, options: RestoreOptions, notifier: Notifier | None = None) -> RestoreResult:
        with self._once() as s:
            return s.restore(options, notifier)

    def finish_restore(self, started: StartedRestore) -> RestoreResult:
        """The result of a restore ``launch`` started early (see :mod:`criu_rpc.prestart`)."""
        with self._once() as s:
            return s.finish_restore(started)

    def page_server(self, options: PageServerOptions) -> PageServerInfo:
        with self._once() as s:
            return s.page_server(options)

    def cpuinfo_dump(self, options: CpuinfoOptions) -> None:
        with self._once() as s:
            s.cpuinfo_dump(options)

    def cpuinfo_check(self, options: CpuinfoOptions) -> None:
        with self._once() as s:
            s.cpuinfo_check(options)

    def check_supported(self, options: BaseOptions) -> None:
        """Raise UnsupportedOptionError for options set that this CRIU is too old for."""
        newer = [name for name in set_fields(options) if name in SINCE]
        if not newer:
            return
        running = self.version()
        for name in newer:
            if not running.at_least(*SINCE[name]):
                raise UnsupportedOptionError(name, SINCE[name], str(running), self.connector.binary)
