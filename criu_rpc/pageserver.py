"""Page servers, dumps into them, and lazy (post-copy) pages.

A page server receives a dump's memory (pagemap and pages images) over TCP,
so the pages land on the destination host without touching the source's
disk. CRIU can run one two ways over RPC: PAGE_SERVER daemonises it (it
outlives our worker; we can only signal it), PAGE_SERVER_CHLD keeps it a
child of a worker we hold, so :class:`PageServer` can wait for its exit
status and stop it for sure. That is the default here.

Either kind listens on ADDRESS:PORT, or serves one connection we accepted
ourselves (``fd``): the migration agent authenticates connections before
CRIU ever sees them, because CRIU's page server has no authentication short
of TLS.

Lazy pages: a dump with ``lazy_pages`` writes everything except private
anonymous memory, then turns into a page server that hands pages out on
request while the tree stays frozen. On the destination the lazy-pages
daemon fetches them (on fault, then in the background) for a restore run
with ``lazy_pages``. CRIU has no RPC request for that daemon: it exists only
as ``criu lazy-pages``, so :class:`LazyPagesDaemon` runs that one binary as
a subprocess. Over RPC CRIU also ignores ``ps.address`` and ``ps.fd`` on a
lazy dump (cr-service.c looks at them only when lazy_pages is off), so the
lazy server would listen on every address; :func:`lazy_dump` instead hands
CRIU an accepted socket through an RPC config file (``ps-socket N``), which
CRIU applies before the RPC fields and which they leave alone.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

from .client import Criu, CriuSession
from .errors import CriuRpcError, CriuTimeoutError
from .notify import Notifier
from .options import DumpOptions, PageServerAddress, PageServerOptions, RestoreOptions
from .results import DumpResult, PageServerInfo, RestoreResult, WaitStatus
from .swrk import find_criu

PS_LOG = "page-server.log"
LAZY_LOG = "lazy-pages.log"


class PageServer:
    """A page server running as the child of a CRIU worker we keep (PAGE_SERVER_CHLD).

    It exits by itself once its client's dump disconnects; :meth:`wait`
    collects that status (non-zero means the pages did not all arrive).
    :meth:`stop` ends it early. Use as a context manager to never leak one.
    """

    def __init__(self, criu: Criu, options: PageServerOptions) -> None:
        self.options = options
        pass_fds = () if options.fd is None else (options.fd,)
        self._session = CriuSession(criu, pass_fds=pass_fds)
        try:
            self.info: PageServerInfo = self._session.page_server_child(options)
        except BaseException:
            self._session.close()
            raise
        self._status: WaitStatus | None = None

    @property
    def pid(self) -> int:
        return self.info.pid

    @property
    def port(self) -> int:
        return self.info.port

    def wait(self) -> WaitStatus:
        """Block until the page server exits (its dump client disconnected) and reap it."""
        if self._status is None:
            try:
                self._status = self._session.wait_pid(self.info.pid)
            finally:
                self._session.close()
        return self._status

    def stop(self) -> WaitStatus:
        """Terminate the page server (SIGKILL: it holds nothing worth a clean exit) and reap it."""
        if self._status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.info.pid, signal.SIGKILL)
        return self.wait()

    def __enter__(self) -> PageServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_page_server(
    criu: Criu,
    images_dir: str | os.PathLike[str],
    *,
    address: str = "0.0.0.0",
    port: int = 0,
    fd: int | None = None,
    parent_img: str | None = None,
    log_level: int = 2,
    **extra: Any,
) -> PageServer:
    """Start a page server we can wait for; ``port`` 0 lets CRIU pick (see ``.port``)."""
    options = PageServerOptions(
        images_dir=os.fspath(images_dir),
        address=address,
        port=port,
        fd=fd,
        parent_img=parent_img,
        log_level=log_level,
        log_file=extra.pop("log_file", PS_LOG),
        **extra,
    )
    return PageServer(criu, options)


def start_page_server_daemon(
    criu: Criu, images_dir: str | os.PathLike[str], *, address: str = "0.0.0.0", port: int = 0, **extra: Any
) -> PageServerInfo:
    """PAGE_SERVER: a daemonised page server that outlives the worker; stop it with :func:`stop_daemon`."""
    extra.setdefault("log_file", PS_LOG)
    return criu.page_server(
        PageServerOptions(images_dir=os.fspath(images_dir), address=address, port=port, **extra)
    )


def stop_daemon(info: PageServerInfo) -> bool:
    """Kill a daemonised page server; True if one was running.

    CRIU 4.1 reports pid 0 for a daemonised page server, so it is found by the
    port it listens on (in this network namespace). It is not our child:
    init reaps it.
    """
    pid = info.pid or _listener_pid(info.port)
    if not pid:
        return False
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return False
    try:
        signal.pidfd_send_signal(fd, signal.SIGKILL)
        select.select([fd], [], [], 10)
    finally:
        os.close(fd)
    return True


def _listener_pid(port: int) -> int:
    for conn in psutil.net_connections("tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            return conn.pid
    return 0


def dump_to(
    criu: Criu,
    pid: int,
    images_dir: str | os.PathLike[str],
    *,
    address: str = "",
    port: int = 0,
    fd: int | None = None,
    notifier: Notifier | None = None,
    **extra: Any,
) -> DumpResult:
    """Dump ``pid`` with its pages streamed to a page server (ADDRESS:PORT or connected ``fd``).

    The images dir gets every image but pagemap-* and pages-*: those are on
    the page server's side, and a restore needs both sets in one directory.
    """
    extra.setdefault("log_file", "dump.log")
    options = DumpOptions(
        pid=pid,
        images_dir=os.fspath(images_dir),
        page_server=PageServerAddress(address, port, fd),
        **extra,
    )
    return criu.dump(options, notifier)


def lazy_dump(
    criu: Criu,
    pid: int,
    images_dir: str | os.PathLike[str],
    *,
    fd: int | None = None,
    port: int = 0,
    notifier: Notifier | None = None,
    **extra: Any,
) -> DumpResult:
    """Dump with lazy pages; returns once the lazy-pages daemon has fetched every page.

    With ``fd`` (a connected socket) the lazy page server serves exactly that
    connection; with ``port`` it listens on that port on every address (CRIU
    ignores the address of a lazy dump). Post-dump comes before pages are
    served, with the tree frozen: failing it still resumes the tree.
    """
    if (fd is None) == (port == 0):
        raise ValueError("lazy_dump: give exactly one of fd (a connected socket) or port")
    extra.setdefault("log_file", "dump.log")
    with tempfile.TemporaryDirectory(prefix="criu-lazy-") as scratch:
        if fd is None:
            options = DumpOptions(
                pid=pid,
                images_dir=os.fspath(images_dir),
                lazy_pages=True,
                page_server=PageServerAddress("0.0.0.0", port),
                **extra,
            )
            return criu.dump(options, notifier)
        config = Path(scratch) / "lazy.conf"
        config.write_text(f"ps-socket {fd}\n")
        options = DumpOptions(
            pid=pid,
            images_dir=os.fspath(images_dir),
            lazy_pages=True,
            config_file=str(config),
            **extra,
        )
        with criu.session(pass_fds=(fd,)) as session:
            return session.dump(options, notifier)


def lazy_restore(criu: Criu, images_dir: str | os.PathLike[str], **extra: Any) -> RestoreResult:
    """Restore with lazy pages; a :class:`LazyPagesDaemon` must serve the same images dir first."""
    extra.setdefault("log_file", "restore.log")
    return criu.restore(RestoreOptions(images_dir=os.fspath(images_dir), lazy_pages=True, **extra))


class LazyPagesDaemon:
    """``criu lazy-pages``: fetches pages for a lazy restore from a remote page server.

    A subprocess because CRIU has no RPC request for it (the only CLI part of
    criu_rpc). It reads the images dir, listens on ``lazy-pages.socket`` in
    its work dir (the images dir here, where a restore looks for it), and
    fetches from ``address``/``port`` or over an already connected ``fd``.
    It exits once every page has been delivered.
    """

    def __init__(
        self,
        images_dir: str | os.PathLike[str],
        *,
        address: str = "",
        port: int = 0,
        fd: int | None = None,
        binary: str | os.PathLike[str] | None = None,
        log_level: int = 2,
    ) -> None:
        if (fd is None) == (not address or not port):
            raise ValueError("LazyPagesDaemon: give either fd or address and port")
        self.images_dir = Path(images_dir)
        self.binary = find_criu(binary)
        argv = [self.binary, "lazy-pages", "--page-server", "-D", str(images_dir), "-W", str(images_dir)]
        argv += ["-o", LAZY_LOG, f"-v{log_level}"]
        argv += ["--ps-socket", str(fd)] if fd is not None else ["--address", address, "--port", str(port)]
        ready_r, ready_w = os.pipe()
        argv += ["--status-fd", str(ready_w)]
        try:
            self.proc = subprocess.Popen(
                argv,
                pass_fds=(ready_w, *(() if fd is None else (fd,))),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except BaseException:
            os.close(ready_r)
            raise
        finally:
            os.close(ready_w)
        self._ready = ready_r

    def wait_ready(self, timeout: float = 30) -> None:
        """Block until the daemon listens for the restore (CRIU writes to its status fd)."""
        try:
            readable, _, _ = select.select([self._ready], [], [], timeout)
            got = os.read(self._ready, 1) if readable else None
        finally:
            os.close(self._ready)
            self._ready = -1
        if got is None:
            self.stop()
            raise CriuTimeoutError(f"criu lazy-pages not ready within {timeout:g} s{self._log_note()}")
        if not got:
            code = self.proc.wait()
            raise CriuRpcError(
                f"criu lazy-pages exited with status {code} before it was ready{self._log_note()}"
            )

    def wait(self, timeout: float | None = None) -> int:
        """Exit status once every page is delivered (0) or the transfer failed."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise CriuTimeoutError(f"criu lazy-pages still running after {timeout:g} s") from exc

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self._ready >= 0:
            os.close(self._ready)
            self._ready = -1

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = (self.images_dir / LAZY_LOG).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _log_note(self) -> str:
        tail = self.log_tail()
        return f"\n  last lines of {LAZY_LOG}:\n    " + tail.replace("\n", "\n    ") if tail else ""

    def __enter__(self) -> LazyPagesDaemon:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def wait_for_exit(pid: int, timeout: float) -> bool:
    """True once ``pid`` is gone (or a zombie), polling; for processes that are not our children."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rpartition(")")[2].split()[0] in ("Z", "X"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.02)
    return False
