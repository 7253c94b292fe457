"""Live migration of a process tree to another host running ``criu-rpc serve``.

:func:`migrate` freezes and dumps the tree with its memory streamed into the
destination's page server (or, with ``lazy``, served on demand after the
restore), ships the other images over the authenticated control
connection, and lets the destination restore. The source's CRIU waits at
post-dump with the tree frozen until the destination says the copy runs;
only then is post-dump acknowledged and the source tree killed. Every
failure before that nacks post-dump (or fails the dump), and CRIU resumes
the frozen tree: the process keeps running where it was. See
:mod:`criu_rpc.agent` for the destination's half and the lazy variant.

Pre-copy: CRIU's pre-dump needs soft-dirty tracking, which this kernel
lacks, so ``rounds`` uses content-dedup rounds instead (criu_rpc.incremental):
full checkpoints of the running tree, each rewritten to hold only the pages
that changed since the previous one, shipped ahead; the final dump is
written locally while the tree is frozen, deduplicated the same way, and
restored on the destination as a chain. Less data in the frozen window, at
the price of dumping the whole memory locally once per round.

PIDs: an ordinary process keeps its PID, and the destination checks it is
free before anything is frozen (on one shared kernel it never is: the
source copy still holds it). A job started as the init of its own pid
namespace (``unshare --pid --fork setsid ...``) restores into a fresh one
and never collides: that is the supported path.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from .agent import Agent, AgentConfig
from .client import Criu
from .errors import CriuRpcError, FeatureUnavailableError
from .incremental import dedup
from .notify import Notifier
from .options import DumpOptions
from .pageserver import dump_to, lazy_dump
from .wire import Channel, PeerGone, ProtocolError, RemoteError, connect, parse_address, read_token

CONNECT_TIMEOUT = 10.0
STEP_TIMEOUT = 300.0
# CRIU's lazy page server sizes a tee pipe to PIPE_MAX_SIZE (819 pages, rounded up to 1024): without
# CAP_SYS_RESOURCE that must fit under fs.pipe-max-size, or serving fails with "tee: 65536".
LAZY_PIPE_BYTES = 1024 * 4096
CAP_SYS_RESOURCE = 24


class MigrationError(CriuRpcError):
    """A migration failed; ``stage`` names the step, ``source_running`` whether the tree still runs here."""

    def __init__(self, stage: str, reason: str, *, source_pid: int, source_running: bool) -> None:
        first, _, rest = reason.partition("\n")
        self.stage = stage
        self.reason = first
        self.log_tail = rest  # what CRIU logged, when the destination sent it (`-v` prints it)
        self.source_pid = source_pid
        self.source_running = source_running
        where = (
            f"the process keeps running on the source (pid {source_pid})"
            if source_running
            else f"the source process (pid {source_pid}) is NOT running"
        )
        super().__init__(f"migration failed at {stage}: {first}; {where}")


@dataclass(frozen=True)
class SourceTree:
    """The tree to move: its root, whether it is a pid-namespace init, and the PIDs/TIDs it uses."""

    pid: int
    pid_ns: bool
    pids: tuple[int, ...]

    @classmethod
    def inspect(cls, pid: int) -> SourceTree:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
            ids = sorted({t.id for p in procs for t in p.threads()} | {p.pid for p in procs})
        except psutil.NoSuchProcess as exc:
            raise MigrationError(
                "inspect", f"no process {pid}", source_pid=pid, source_running=False
            ) from exc
        return cls(pid, is_pid_ns_init(pid), tuple(ids))


def is_pid_ns_init(pid: int) -> bool:
    """True if ``pid`` is PID 1 of a pid namespace below ours (``NSpid: <outer> ... 1``)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("NSpid:"):
                levels = line.split()[1:]
                return len(levels) > 1 and levels[-1] == "1"
    return False


def lazy_serving_problem() -> str | None:
    """Why this host's CRIU cannot serve lazy pages, or None if it can."""
    with open("/proc/self/status") as f:
        caps = next(int(line.split()[1], 16) for line in f if line.startswith("CapEff:"))
    if caps & (1 << CAP_SYS_RESOURCE):
        return None
    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    if limit >= LAZY_PIPE_BYTES:
        return None
    return (
        f"CRIU's lazy page server needs a {LAZY_PIPE_BYTES} byte pipe, but fs.pipe-max-size is {limit} "
        "and this process lacks CAP_SYS_RESOURCE (raise it: sysctl fs.pipe-max-size=4194304)"
    )


@dataclass(frozen=True)
class MigrationResult:
    """Where the tree runs now and how long it took (monotonic seconds).

    ``downtime``: from the freeze (pre-dump) to the destination reporting the
    copy restored and running. ``total``: from the call to the source being
    gone (for lazy: to the last page delivered).
    """

    pid: int
    source_pid: int
    destination: str
    lazy: bool
    started: float
    frozen: float
    running: float
    finished: float
    image_bytes: int
    round_bytes: tuple[int, ...] = ()

    @property
    def downtime(self) -> float:
        return self.running - self.frozen

    @property
    def total(self) -> float:
        return self.finished - self.started


@dataclass
class _Handoff(Notifier):
    """Dump notifications: hold the source frozen at post-dump until the destination runs.

    ``parent`` (dedup rounds): the final dump is written locally, rewritten to
    keep only the pages that changed since the last round, then shipped.
    """

    ch: Channel
    images: Path
    lazy: bool
    parent: Path | None = None
    frozen: float = 0.0
    running: float = 0.0
    image_bytes: int = 0
    dest_pid: int = 0
    failure: BaseException | None = None
    complete: threading.Event = field(default_factory=threading.Event)

    def pre_dump(self) -> None:
        self.frozen = time.monotonic()

    def post_dump(self) -> None:
        try:
            if self.parent is not None:
                dedup(self.images, self.parent)
                self.ch.send("final")
            self.image_bytes = self.ch.send_files(self.images, _image_names(self.images))
            if self.lazy:
                # The restore faults on lazy pages, served only after this ack: ack on "restoring".
                self.ch.recv("restoring")
                threading.Thread(target=self._follow, daemon=True).start()
            else:
                self.dest_pid = int(self.ch.recv("running")["pid"])
                self.running = time.monotonic()
                self.ch.send("commit")
        except BaseException as exc:
            self.failure = exc
            raise

    def _follow(self) -> None:
        """Lazy: note when the destination runs and when all pages arrived, while the dump serves."""
        try:
            self.dest_pid = int(self.ch.recv("running")["pid"])
            self.running = time.monotonic()
            self.ch.recv("complete")
        except (ProtocolError, RemoteError) as exc:
            self.failure = exc
        finally:
            self.complete.set()


def _image_names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.suffix == ".img" and p.is_file())


def migrate(
    pid: int,
    destination: str,
    *,
    token: bytes | None = None,
    lazy: bool = False,
    rounds: int = 0,
    criu: Criu | None = None,
    log_level: int = 2,
    workdir: str | os.PathLike[str] | None = None,
) -> MigrationResult:
    """Move the tree rooted at ``pid`` to the agent at ``destination`` (``HOST:PORT``).

    ``rounds`` > 0 copies the memory ahead while the tree runs (dumps with
    leave_running, each deduplicated against the one before: this kernel
    cannot pre-dump), so the final dump ships only what changed since.
    Returns once the tree runs there and is gone here. Raises
    :class:`MigrationError` otherwise, with ``source_running`` telling
    whether the tree still runs here (it does unless CRIU itself failed to
    resume it).
    """
    started = time.monotonic()
    address = parse_address(destination)
    criu = criu or Criu()
    if rounds < 0 or (rounds and lazy):
        raise ValueError(
            f"rounds must be >= 0 and cannot be combined with lazy (rounds={rounds}, lazy={lazy})"
        )
    mode = "lazy" if lazy else "dedup" if rounds else "stream"
    tree = SourceTree.inspect(pid)

    def fail(stage: str, reason: str) -> MigrationError:
        return MigrationError(stage, reason, source_pid=pid, source_running=_alive(pid))

    if lazy and (problem := lazy_serving_problem()):
        raise FeatureUnavailableError("lazy migration", problem)
    try:
        control = connect(address, token, "control", CONNECT_TIMEOUT)
    except ProtocolError as exc:
        raise fail("connect", str(exc)) from exc
    root: Path | None = None
    ok = False
    try:
        control.settimeout(STEP_TIMEOUT)
        pages: Channel | None = None
        try:
            control.send("migrate", mode=mode, lazy=lazy, pid_ns=tree.pid_ns, pids=list(tree.pids))
            session = control.recv("ready")["session"]
            if mode != "dedup":
                pages = connect(address, token, f"pages:{session}", CONNECT_TIMEOUT)
                control.recv("pages-ready")
        except (ProtocolError, RemoteError) as exc:
            raise fail(getattr(exc, "stage", "") or "setup", str(exc)) from exc
        # Kept if the dump fails: CRIU's dump.log there says what happened on this side.
        root = Path(tempfile.mkdtemp(prefix="criu-migrate-", dir=workdir))
        try:
            round_bytes = _precopy(criu, pid, root, control, rounds=rounds, log_level=log_level)
        except Exception as exc:  # CRIU, dedup (ImageError) or the agent: the tree runs on regardless
            raise fail("pre-copy", str(exc).splitlines()[0] + f" [source logs in {root}]") from exc
        images = root / "final"
        images.mkdir()
        parent = root / f"round-{rounds - 1}" if rounds else None
        handoff = _Handoff(control, images, lazy, parent)
        try:
            _dump(criu, pid, images, pages, handoff=handoff, lazy=lazy, log_level=log_level)
        except Exception as exc:  # CRIU's failure, or our post-dump's (re-raised by the client)
            raise _dump_failure(exc, handoff, control, fail, root) from exc
        finally:
            if pages is not None:
                pages.close()
        if lazy:
            handoff.complete.wait(STEP_TIMEOUT)
            if handoff.failure is not None or not handoff.dest_pid:
                raise fail("lazy-pages", f"destination did not confirm: {handoff.failure}")
        else:
            with contextlib.suppress(ProtocolError, RemoteError):
                control.recv("complete")
        ok = True
        return MigrationResult(
            pid=handoff.dest_pid,
            source_pid=pid,
            destination=destination,
            lazy=lazy,
            started=started,
            frozen=handoff.frozen,
            running=handoff.running,
            finished=time.monotonic(),
            image_bytes=handoff.image_bytes,
            round_bytes=tuple(round_bytes),
        )
    finally:
        control.close()
        if ok and root is not None:
            shutil.rmtree(root, ignore_errors=True)


def _precopy(criu: Criu, pid: int, root: Path, control: Channel, *, rounds: int, log_level: int) -> list[int]:
    """Ship ``rounds`` checkpoints of the running tree, each deduplicated against the previous one."""
    sent = []
    for index in range(rounds):
        images = root / f"round-{index}"
        images.mkdir()
        options = DumpOptions(
            pid=pid, images_dir=str(images), leave_running=True, log_file="dump.log", log_level=log_level
        )
        criu.dump(options)
        if index:
            dedup(images, root / f"round-{index - 1}")
        control.send("round", index=index)
        sent.append(control.send_files(images, _image_names(images)))
        control.recv("stored")
    return sent


def _dump(
    criu: Criu,
    pid: int,
    images: Path,
    pages: Channel | None,
    *,
    handoff: _Handoff,
    lazy: bool,
    log_level: int,
) -> None:
    if pages is None:  # dedup rounds: the final dump stays local until post-dump
        options = DumpOptions(pid=pid, images_dir=str(images), log_file="dump.log", log_level=log_level)
        criu.dump(options, handoff)
        return
    pages.settimeout(None)  # CRIU gets the fd: Python implements timeouts with O_NONBLOCK
    fd = pages.sock.fileno()
    if lazy:
        lazy_dump(criu, pid, images, fd=fd, notifier=handoff, log_level=log_level)
    else:
        dump_to(criu, pid, images, fd=fd, notifier=handoff, log_level=log_level)


def _dump_failure(
    exc: Exception,
    handoff: _Handoff,
    control: Channel,
    fail: Callable[[str, str], MigrationError],
    kept: Path,
) -> MigrationError:
    """Say why the dump failed: the destination's own report if it sent one, else CRIU's."""
    stage, reason = "dump", str(exc).splitlines()[0]
    cause = handoff.failure
    if isinstance(cause, RemoteError):
        stage, reason = cause.stage or "destination", f"destination reported: {cause}"
    elif isinstance(cause, ProtocolError):
        stage, reason = "handoff", str(cause)
    elif cause is not None:
        stage, reason = "handoff", f"{type(cause).__name__}: {cause}"
    else:
        control.settimeout(2)
        try:
            control.recv()
            reason += " (the destination said nothing more)"
        except RemoteError as remote:
            stage, reason = remote.stage or "destination", f"destination reported: {remote}"
        except PeerGone as lost:
            stage = "pages"
            reason = f"the destination went away during the dump ({lost}); CRIU: {reason}"
        except ProtocolError:
            pass
    # CRIU resumes the tree when a dump fails; give it a moment to unfreeze before we look.
    time.sleep(0.1)
    first, _, rest = reason.partition("\n")
    return fail(stage, f"{first} [source logs in {kept}]" + (f"\n{rest}" if rest else ""))


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# -- command line -----------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve`` and ``migrate`` to criu-rpc's subcommands."""
    from .cli import _common  # noqa: PLC0415  # cli imports this module: a top-level import would be circular

    common = [_common()]
    p = subparsers.add_parser(
        "serve", parents=common, help="receive migrations (destination agent)", description=cmd_serve.__doc__
    )
    p.add_argument("--listen", required=True, metavar="ADDR:PORT", help="where to listen (port 0: pick one)")
    p.add_argument("--dir", required=True, help="where received images go (one subdirectory per migration)")
    p.add_argument("--token-file", metavar="F", help="shared token (>= 16 bytes, mode 600); omit: no auth")
    p.add_argument("--keep-images", action="store_true", help="keep images of successful migrations too")
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser(
        "migrate",
        parents=common,
        help="move a running process to a serving host",
        description=cmd_migrate.__doc__,
    )
    p.add_argument("--pid", type=int, required=True, help="root of the tree to move")
    p.add_argument("--to", required=True, metavar="ADDR:PORT", help="the destination's `serve` address")
    p.add_argument("--token-file", metavar="F", help="shared token, as given to serve")
    p.add_argument("--lazy", action="store_true", help="post-copy: restore first, pages follow on demand")
    p.add_argument(
        "--rounds",
        type=int,
        default=0,
        metavar="N",
        help="pre-copy N checkpoints while the process runs (deduplicated); the final dump ships the rest",
    )
    p.set_defaults(func=cmd_migrate)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the destination agent until SIGTERM/SIGINT; prints "listening on HOST:PORT" once ready."""
    host, port = parse_address(args.listen)
    token = read_token(args.token_file) if args.token_file else None
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    config = AgentConfig(host, port, directory, token, args.criu, args.log_level, args.keep_images)
    agent = Agent(config)
    if token is None:
        agent.log("WARNING: no --token-file: anyone who can reach this port can migrate into this host")

    def stop(signum: int, _: object) -> None:
        agent.shutdown()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on {agent.address[0]}:{agent.address[1]}", flush=True)
    agent.serve_forever()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Migrate a tree; prints its PID on the destination and exits 0 only once it runs there."""
    token = read_token(args.token_file) if args.token_file else None
    result = migrate(
        args.pid,
        args.to,
        token=token,
        lazy=args.lazy,
        rounds=args.rounds,
        criu=Criu(args.criu),
        log_level=args.log_level,
    )
    print(result.pid, flush=True)
    print(
        f"migrated pid {args.pid} to {args.to} as pid {result.pid}"
        f"{' (lazy)' if result.lazy else ''}: downtime {result.downtime:.3f} s, total {result.total:.3f} s",
        file=sys.stderr,
    )
    return 0
