"""The destination side of a migration: ``criu-rpc serve``.

The agent listens on an address the user picks and runs, per migration, the
page server and the restore on its host. Every TCP connection is
authenticated first (:mod:`criu_rpc.wire`); a migration uses up to two:

* control: the request, the images (all of them for pre-copy rounds, the
  non-page ones otherwise), the verdicts (``running``, ``complete``, or an
  ``error`` naming the stage that failed);
* pages: attached to a migration by the session id the control connection
  got, then handed as an already connected socket to CRIU: to a page server
  (PAGE_SERVER_CHLD with ``ps.fd``) for a streamed dump, or to ``criu
  lazy-pages --ps-socket`` for a lazy one. CRIU never listens itself.

Order of a streamed migration, which is what keeps the source safe: the
source is frozen and dumped (pages into our page server), the source's
CRIU stops at post-dump with the tree still frozen, the images come over
control, we restore and answer ``running PID``; only then does the source
send ``commit`` and ack post-dump (its CRIU kills the source tree). Any
failure before that makes the source nack post-dump, and CRIU resumes the
tree. If the commit does not come, we kill our copy: the source resumed.
(Left open, as in any two-party commit: the control connection breaking
after the source acked but before our read of ``commit`` kills both.)

Pre-copy (``dedup``) migrations send full checkpoints of the running tree
first (round-N/, each linked to the one before), then the deduplicated final
checkpoint; we restore that chain, with the same running/commit handshake.

Lazy migrations differ because the restore itself faults on lazy pages,
which the source only serves after post-dump: we answer ``restoring`` once
the lazy-pages daemon is ready, the source acks, and its CRIU keeps the tree
frozen while serving pages; it kills the source only once all pages were
delivered, and resumes it if the transfer fails (we then kill our copy,
which would otherwise fault zero pages in once the daemon is gone).

A migration's images are deleted once it succeeds and kept (with CRIU's
logs) when it fails.
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client import Criu
from .errors import CriuRpcError
from .images.chain import PARENT_LINK
from .incremental import restore_chain
from .options import RestoreOptions
from .pageserver import LazyPagesDaemon, start_page_server
from .procs import kill_tree
from .wire import Channel, ProtocolError, RemoteError, server_handshake

ATTACH_TIMEOUT = 30.0
HANDSHAKE_TIMEOUT = 10.0
STEP_TIMEOUT = 300.0
COMMIT_TIMEOUT = 60.0
CRIU_TIMEOUT = 600.0
MODES = ("stream", "lazy", "dedup")
MAX_IMAGES = 1 << 30  # non-page images of one tree (streamed and lazy: pages travel apart)
MAX_ROUND = 1 << 40  # a pre-copy round carries pages; the disk is the real limit


@dataclass(frozen=True)
class AgentConfig:
    """Where to listen and keep images, the shared token (None: no authentication), CRIU to use."""

    host: str
    port: int
    directory: Path
    token: bytes | None
    criu_binary: str | None = None
    log_level: int = 2
    keep_images: bool = False


@dataclass(frozen=True)
class MigrationRequest:
    """What the source asks for: how pages travel, and the PIDs its tree will need here.

    ``mode``: ``stream`` (into our page server), ``lazy`` (fetched by our
    lazy-pages daemon after the restore), ``dedup`` (pre-copy rounds over
    control, then a deduplicated final checkpoint restored as a chain).
    """

    mode: str
    pid_ns: bool
    pids: tuple[int, ...]

    @property
    def lazy(self) -> bool:
        return self.mode == "lazy"

    @classmethod
    def from_message(cls, msg: dict[str, Any]) -> MigrationRequest:
        pids = msg.get("pids", [])
        if not isinstance(pids, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pids
        ):
            raise ProtocolError("migrate: pids must be a list of positive integers")
        mode = msg.get("mode", "lazy" if msg.get("lazy") else "stream")
        if mode not in MODES:
            raise ProtocolError(f"migrate: unknown mode {mode!r}")
        return cls(mode=mode, pid_ns=bool(msg.get("pid_ns")), pids=tuple(pids))


def taken_pids(pids: tuple[int, ...]) -> list[int]:
    """PIDs (and TIDs) already used here: a restore would fail on them with EEXIST."""
    return [pid for pid in pids if os.path.exists(f"/proc/{pid}")]


class Agent:
    """Accepts migrations until :meth:`shutdown`; one thread per connection."""

    def __init__(self, config: AgentConfig, log: Callable[[str], None] | None = None) -> None:
        self.config = config
        # Bounded: a wedged restore must not hold a migration (and its source, frozen) forever.
        self.criu = Criu(config.criu_binary, timeout=CRIU_TIMEOUT)
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._pending: dict[str, queue.Queue[socket.socket]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.listener = socket.create_server((config.host, config.port), reuse_port=False)
        self.address: tuple[str, int] = self.listener.getsockname()[:2]

    def log(self, line: str) -> None:
        self._log(f"criu-rpc serve: {line}")

    def serve_forever(self) -> None:
        self.listener.settimeout(0.5)
        while not self._stop.is_set():
            try:
                conn, peer = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    break
                raise
            name = f"{peer[0]}:{peer[1]}"
            threading.Thread(target=self._connection, args=(conn, name), daemon=True).start()

    def shutdown(self) -> None:
        self._stop.set()
        self.listener.close()

    # -- connections --------------------------------------------------------

    def _connection(self, conn: socket.socket, peer: str) -> None:
        ch = Channel(conn, f"source {peer}")
        keep = False
        try:
            ch.settimeout(HANDSHAKE_TIMEOUT)
            purpose = server_handshake(ch, self.config.token)
            if purpose == "control":
                self._migration(ch)
            elif purpose.startswith("pages:"):
                keep = self._attach(purpose.removeprefix("pages:"), conn)
                if not keep:
                    ch.send_error("no migration waits for this page stream", stage="attach")
            else:
                ch.send_error(f"unknown purpose {purpose!r}", stage="auth")
        except (ProtocolError, OSError) as exc:
            self.log(f"{peer}: {exc}")
        except Exception as exc:  # a bug must not kill the agent, but must be seen
            self.log(f"{peer}: unexpected {type(exc).__name__}: {exc}")
        finally:
            if not keep:
                ch.close()

    def _attach(self, session: str, conn: socket.socket) -> bool:
        with self._lock:
            waiting = self._pending.pop(session, None)
        if waiting is None:
            return False
        conn.settimeout(None)
        waiting.put(conn)
        return True

    def _migration(self, ch: Channel) -> None:
        ch.settimeout(STEP_TIMEOUT)
        request = MigrationRequest.from_message(ch.recv("migrate"))
        if not request.pid_ns:
            taken = taken_pids(request.pids)
            if taken:
                listed = ", ".join(map(str, taken[:10]))
                ch.send_error(
                    f"PID(s) {listed} of the tree are in use on the destination, so CRIU could not "
                    "restore it here; nothing was dumped. Start the job as the init of its own pid "
                    "namespace (unshare --pid --fork setsid ...) so it restores into a fresh one.",
                    stage="pid-check",
                )
                return
        if request.lazy and not self.criu.features("lazy_pages").lazy_pages:
            ch.send_error("this host cannot restore lazily (no userfaultfd)", stage="lazy-check")
            return
        session = secrets.token_hex(16)
        images = self.config.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{session[:8]}"
        images.mkdir(parents=True)
        arrived: queue.Queue[socket.socket] = queue.Queue(maxsize=1)
        with self._lock:
            self._pending[session] = arrived
        self.log(f"migration {session[:8]} ({request.mode}) into {images}")
        try:
            ch.send("ready", session=session)
            if request.mode == "dedup":
                _Restore(self, ch, images, None, request).run()
            else:
                try:
                    pages = arrived.get(timeout=ATTACH_TIMEOUT)
                except queue.Empty:
                    raise RemoteError("the page stream never connected", "attach") from None
                with pages:
                    _Restore(self, ch, images, pages, request).run()
            done = True
        except RemoteError as exc:
            done = False
            self.log(
                f"migration {session[:8]} failed at {exc.stage}: {exc} (images and logs kept in {images})"
            )
            with contextlib.suppress(ProtocolError):
                ch.send_error(str(exc), stage=exc.stage)
        finally:
            with self._lock:
                self._pending.pop(session, None)
        if done and not self.config.keep_images:
            shutil.rmtree(images, ignore_errors=True)


class _Restore:
    """One migration's destination half, after both connections are up."""

    def __init__(
        self,
        agent: Agent,
        ch: Channel,
        images: Path,
        pages: socket.socket | None,
        request: MigrationRequest,
    ) -> None:
        self.agent = agent
        self.ch = ch
        self.images = images
        self.pages = pages
        self.request = request
        self.level = agent.config.log_level

    def run(self) -> None:
        if self.pages is None:
            self._dedup()
        elif self.request.lazy:
            self._lazy(self.pages)
        else:
            self._streamed(self.pages)

    def _dedup(self) -> None:
        """Pre-copy rounds into round-N/, then final/, each linked to the one before; restore the chain."""
        previous: str | None = None
        while True:
            msg = self.ch.recv("round", "final")
            if msg["type"] == "round":
                index = msg.get("index")
                expected = 0 if previous is None else int(previous.removeprefix("round-")) + 1
                if index != expected:
                    raise RemoteError(
                        f"pre-copy round {index!r} out of order (expected {expected})", "pre-copy"
                    )
                name = f"round-{index}"
            else:
                name = "final"
            directory = self.images / name
            directory.mkdir()
            if previous is not None:
                os.symlink(f"../{previous}", directory / PARENT_LINK)
            try:
                self.ch.recv_files(directory, MAX_ROUND)
            except RemoteError as exc:
                raise RemoteError(f"the source gave up: {exc}", exc.stage or "images") from exc
            if name == "final":
                break
            self.ch.send("stored")
            previous = name
        options = RestoreOptions(images_dir=str(directory), log_file="restore.log", log_level=self.level)
        try:
            pid = restore_chain(self.agent.criu, options).pid
        except (CriuRpcError, ValueError) as exc:
            raise RemoteError(f"restore failed: {exc}", "restore") from exc
        self.agent.log(f"restored pid {pid} from a chain of {name} and its parents")
        self._confirm(pid)
        self.ch.send("complete", pid=pid)

    def _streamed(self, pages: socket.socket) -> None:
        try:
            server = start_page_server(self.agent.criu, self.images, fd=pages.fileno(), log_level=self.level)
        except CriuRpcError as exc:
            raise RemoteError(f"cannot start the page server: {exc}", "page-server") from exc
        pages.close()  # the page server holds it now; its end is the stream's end
        with server:
            self.ch.send("pages-ready")
            self._receive_images()
            status = server.wait()
            if status.returncode != 0:
                raise RemoteError(
                    f"the page server exited with status {status.returncode}: pages missing", "pages"
                )
        pid = self._restore(lazy=False)
        self._confirm(pid)
        self.ch.send("complete", pid=pid)

    def _lazy(self, pages: socket.socket) -> None:
        self.ch.send("pages-ready")
        self._receive_images()
        daemon = LazyPagesDaemon(
            self.images, fd=pages.fileno(), binary=self.agent.criu.connector.binary, log_level=self.level
        )
        pages.close()
        with daemon:
            try:
                daemon.wait_ready()
            except CriuRpcError as exc:
                raise RemoteError(f"lazy-pages daemon failed: {exc}", "lazy-pages") from exc
            self.ch.send("restoring")
            pid = self._restore(lazy=True)
            self.ch.send("running", pid=pid)
            code = daemon.wait(STEP_TIMEOUT)
            if code != 0:
                kill_tree(pid)
                raise RemoteError(
                    f"lazy-pages daemon exited with status {code} before all pages arrived; the restored "
                    f"copy was killed\n{daemon.log_tail()}",
                    "lazy-pages",
                )
        self.agent.log(f"lazy migration complete: pid {pid}")
        self.ch.send("complete", pid=pid)

    def _receive_images(self) -> None:
        try:
            names = self.ch.recv_files(self.images, MAX_IMAGES)
        except RemoteError as exc:
            raise RemoteError(f"the source gave up: {exc}", exc.stage or "images") from exc
        self.agent.log(f"received {len(names)} images")

    def _restore(self, *, lazy: bool) -> int:
        options = RestoreOptions(
            images_dir=str(self.images), log_file="restore.log", log_level=self.level, lazy_pages=lazy
        )
        try:
            pid = self.agent.criu.restore(options).pid
        except CriuRpcError as exc:
            raise RemoteError(f"restore failed: {exc}", "restore") from exc
        self.agent.log(f"restored pid {pid}")
        return pid

    def _confirm(self, pid: int) -> None:
        """Tell the source we run; without its commit, kill our copy (the source resumed)."""
        self.ch.send("running", pid=pid)
        self.ch.settimeout(COMMIT_TIMEOUT)
        try:
            self.ch.recv("commit")
        except (ProtocolError, RemoteError) as exc:
            kill_tree(pid)
            raise RemoteError(
                f"no commit from the source ({exc}); killed the restored copy", "commit"
            ) from exc
