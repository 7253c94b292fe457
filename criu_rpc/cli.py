"""``python -m criu_rpc`` / ``criu-rpc``: CRIU from the shell, for people and scripts.

Exit status is 0 only on success. A failure prints one line naming what failed
and CRIU's own message; ``-v`` adds the end of CRIU's log.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import time
from collections.abc import Callable, Sequence

from .errors import CriuRpcError

TYPE_CHECKING = False  # as in __init__: typing stays unloaded until after launch's request
if TYPE_CHECKING:
    from typing import TypeAlias

    from .client import Criu
    from .options import DumpOptions

    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

# Only the parser of the command given is built, and each command imports what
# it runs on only when it runs (protobuf, numpy, zstandard): `inspect` or
# `version` should not pay for `migrate`. Commands that live in their own module
# register themselves, and only the module of the command given is loaded
# (everything is built and loaded for --help or an unknown command).
PLUGINS = {
    "inspect": "inspect",
    "chain": "incremental",
    "serve": "migrate",
    "migrate": "migrate",
}

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--criu", metavar="PATH", help="CRIU binary (default: $CRIU_BIN, then criu on PATH)")
    common.add_argument(
        "--log-level", type=int, default=2, metavar="N", help="CRIU log level 0-4 (default 2)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="on failure, also print CRIU's log tail")
    return common


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with ``command`` alone (loading only its plugin), or with every command when None."""
    parser = argparse.ArgumentParser(prog="criu-rpc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = [_common()]
    for name, add in CORE.items():
        if command in (None, name):
            add(commands, common)
    for module in sorted({m for name, m in PLUGINS.items() if command in (None, name)}):
        importlib.import_module(f".{module}", __package__).register(commands)
    return parser


def _add_version(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("version", parents=common, help="print CRIU's version")
    p.set_defaults(func=cmd_version, preload=".client")


def _add_check(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    from .results import FEATURES

    p = commands.add_parser("check", parents=common, help="check that the kernel supports CRIU")
    p.add_argument(
        "--feature",
        action="append",
        choices=FEATURES,
        metavar="NAME",
        help=f"check one feature instead ({', '.join(FEATURES)}); repeatable",
    )
    p.set_defaults(func=cmd_check, preload=".client")


def _add_dump(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("dump", parents=common, help="checkpoint a process tree into a directory")
    p.add_argument("--pid", type=int, required=True, help="root of the tree to dump")
    p.add_argument("--dir", required=True, help="images directory (created if missing)")
    p.add_argument("--leave-running", action="store_true", help="let the tree run on after the dump")
    p.add_argument("--shell-job", action="store_true", help="the tree belongs to a shell session (tty)")
    p.add_argument("--tcp-established", action="store_true", help="dump established TCP connections")
    p.add_argument("--parent", metavar="DIR", help="parent images directory (incremental dump)")
    p.add_argument(
        "--dedup-parent",
        metavar="DIR",
        help="after dumping, keep only pages that differ from this checkpoint (any kernel)",
    )
    p.add_argument(
        "--iterative",
        action="store_true",
        help="pre-dump rounds into DIR/round-N, then dump (needs soft-dirty)",
    )
    p.add_argument("--max-rounds", type=int, metavar="N", help="pre-dump rounds at most (default 8)")
    p.set_defaults(func=cmd_dump, preload=".client")


def _add_restore(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("restore", parents=common, help="restore a process tree from a directory")
    p.add_argument("--dir", required=True, help="images directory")
    p.add_argument("--detach", action="store_true", help="print the restored PID and return at once")
    p.add_argument("--shell-job", action="store_true", help="the tree was dumped with --shell-job")
    p.add_argument("--tcp-established", action="store_true", help="restore established TCP connections")
    p.set_defaults(func=cmd_restore, preload=".client")


def _add_launch(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "launch",
        parents=common,
        help="run a job that survives kill -9 (restores if it can)",
        description="Restore the newest good snapshot of the job in STORE, or start "
        "COMMAND fresh, as the init of its own pid namespace; stdout/stderr go to the "
        "terminal and STORE/job.log.",
    )
    p.add_argument("--store", required=True, help="snapshot store directory (created if missing)")
    p.add_argument("--log", metavar="FILE", help="also append the job's output here (default STORE/job.log)")
    p.add_argument("--fresh", action="store_true", help="start fresh even if snapshots exist")
    p.add_argument("job", nargs=argparse.REMAINDER, help="-- the command to run")
    p.set_defaults(func=cmd_launch)  # loads .launch while CRIU restores


def _add_snapshots(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("snapshots", parents=common, help="list the snapshots in a store")
    p.add_argument("store", help="snapshot store directory")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_snapshots, preload=".snapshots")


def _add_pack(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("pack", parents=common, help="pack a snapshot or a store into one zstd file")
    p.add_argument("source", help="a snapshot directory or a whole store")
    p.add_argument("file", help="archive to write (e.g. job.tar.zst)")
    p.add_argument("--level", type=int, default=3, help="zstd level (default 3)")
    p.set_defaults(func=cmd_pack, preload=".archive")


def _add_unpack(commands: Subparsers, common: list[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("unpack", parents=common, help="unpack an archive made by pack")
    p.add_argument("file", help="archive to read")
    p.add_argument("dir", help="directory to unpack into")
    p.set_defaults(func=cmd_unpack, preload=".archive")


# The commands cli.py runs itself, in the order --help lists them.
CORE: dict[str, Callable[[Subparsers, list[argparse.ArgumentParser]], None]] = {
    "version": _add_version,
    "check": _add_check,
    "dump": _add_dump,
    "restore": _add_restore,
    "launch": _add_launch,
    "snapshots": _add_snapshots,
    "pack": _add_pack,
    "unpack": _add_unpack,
}


def _criu(args: argparse.Namespace) -> Criu:
    from .client import Criu

    return Criu(args.criu, prespawn=False)  # one request per command: no worker to keep


def cmd_version(args: argparse.Namespace) -> int:
    criu = _criu(args)
    version = criu.version()
    print(f"CRIU {version}{f' ({version.gitid})' if version.gitid else ''} at {criu.connector.binary}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .options import CheckOptions

    criu = _criu(args)
    if not args.feature:
        criu.check(CheckOptions(log_level=args.log_level))
        print("Looks good.")
        return 0
    features = criu.features(*args.feature)
    missing = []
    for name in args.feature:
        supported = getattr(features, name)
        print(f"{name}: {'supported' if supported else 'not supported'}")
        if not supported:
            missing.append(name)
    return EXIT_FAILED if missing else 0


def cmd_dump(args: argparse.Namespace) -> int:
    from .options import DumpOptions

    if args.iterative and (args.dedup_parent or args.parent):
        raise ValueError("--iterative makes its own parent chain: drop --parent/--dedup-parent")
    if args.max_rounds is not None and not args.iterative:
        raise ValueError("--max-rounds needs --iterative")
    if args.dedup_parent and args.parent:
        raise ValueError("--parent (CRIU's pre-dump parent) and --dedup-parent exclude each other")
    if args.dedup_parent:
        from .incremental import dedup, verify_chain

        verify_chain(args.dedup_parent, require_full=False)  # before the tree is frozen
    parent = os.path.relpath(os.path.abspath(args.parent), os.path.abspath(args.dir)) if args.parent else None
    options = DumpOptions(
        pid=args.pid,
        images_dir=args.dir,
        leave_running=args.leave_running,
        shell_job=args.shell_job,
        tcp_established=args.tcp_established,
        parent_img=parent,
        log_level=args.log_level,
        log_file="dump.log",
    )
    if args.iterative:
        return _dump_iteratively(args, options)  # makes DIR only once pre-dump is possible
    os.makedirs(args.dir, exist_ok=True)
    _criu(args).dump(options)
    print(f"dumped {args.pid} into {args.dir}")
    if args.dedup_parent:
        r = dedup(args.dir, args.dedup_parent)
        print(
            f"dedup: {r.pages_in_parent}/{r.pages_total} pages in the parent chain, "
            f"{r.bytes_after / 2**20:.1f} MiB kept of {r.bytes_before / 2**20:.1f} MiB "
            f"({r.compare_gbps:.1f} GB/s compared)"
        )
    return 0


def _dump_iteratively(args: argparse.Namespace, template: DumpOptions) -> int:
    from .iterative import StopPolicy, iterative_dump

    policy = StopPolicy() if args.max_rounds is None else StopPolicy(max_rounds=args.max_rounds)
    result = iterative_dump(_criu(args), args.pid, args.dir, policy, template=template)
    print(f"{'round':>7} {'written':>10} {'scanned':>10} {'frozen ms':>10}")
    for r in (*result.rounds, result.final):
        name = "final" if r.final else str(r.index)
        print(f"{name:>7} {r.pages_written:>10} {r.pages_scanned:>10} {r.frozen_time / 1000:>10.1f}")
    print(f"dumped {args.pid} into {args.dir}: stopped because {result.stop.value}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from .options import RestoreOptions

    options = RestoreOptions(
        images_dir=args.dir,
        shell_job=args.shell_job,
        tcp_established=args.tcp_established,
        rst_sibling=not args.detach,
        log_level=args.log_level,
        log_file="restore.log",
    )
    pid = _criu(args).restore(options).pid
    print(pid, flush=True)
    if args.detach:
        return 0
    # rst_sibling made the restored root our child: wait and pass its status on.
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) & 0xFF


def cmd_launch(args: argparse.Namespace) -> int:
    from .prestart import start_latest

    command = args.job[1:] if args.job[:1] == ["--"] else args.job
    if not command:
        raise ValueError("give the command to run after --, e.g. launch --store S -- python train.py")
    # CRIU restores while the interpreter loads the rest (protobuf, the client): see prestart.
    started = None if args.fresh else start_latest(args.store, args.criu)
    try:
        from .launch import launch

        code = launch(
            args.store, command, criu_bin=args.criu, log_path=args.log, fresh=args.fresh, started=started
        )
    finally:
        if started is not None:
            started.close()
    return code if code >= 0 else 128 - code


def cmd_snapshots(args: argparse.Namespace) -> int:
    from .snapshots import SnapshotStore

    store = SnapshotStore(args.store, create=False)
    snapshots = store.list()
    latest = store.latest()
    if args.json:
        import json

        rows = [{"name": s.name, **s.to_json(), "latest": s == latest} for s in snapshots]
        print(json.dumps({"store": str(store.root), "snapshots": rows}, indent=1))
        return 0
    print(f"{'step':>9}  {'created':19}  {'size':>10}  {'blocked':>8}  name")
    for snap in snapshots:
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(snap.created))
        mark = "  (latest)" if snap == latest else ""
        chain = f" <- {snap.parent}" if snap.parent else ""
        print(
            f"{snap.step:>9}  {created}  {snap.size_bytes / 1e6:>8.1f}MB  {snap.blocked_seconds:>7.2f}s  "
            f"{snap.name}{chain}{mark}"
        )
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    from .archive import pack

    size = pack(args.source, args.file, level=args.level)
    print(f"packed {args.source} into {args.file} ({size / 1e6:.1f} MB)")
    return 0


def cmd_unpack(args: argparse.Namespace) -> int:
    from .archive import unpack

    print(unpack(args.file, args.dir))
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    return build_parser(command if command in CORE or command in PLUGINS else None).parse_args(argv)


def program() -> int:
    """``criu-rpc`` as a program (the console script and ``python -m criu_rpc``).

    Start-up (the parsers, then the module the command runs on: protobuf's
    descriptors, the options classes) only makes objects that live until exit,
    so the cyclic GC stays off meanwhile and they are then frozen out of every
    later collection; at exit everything is frozen, which spares the
    interpreter's final collections. A short command (``inspect``) saves ~10 ms
    of ~50; a long one (``launch``, ``serve``) then runs with the GC on.
    ``launch`` preloads nothing: it sends its restore request first.
    """
    gc.disable()
    try:
        args = parse_args()
        if preload := getattr(args, "preload", None):
            importlib.import_module(preload, __package__)
    finally:
        gc.freeze()
        gc.enable()
    code = run(args)
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (``sys.argv[1:]`` by default); returns the exit status."""
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run a parsed command, turning failures into one line on stderr and an exit status."""
    try:
        code: int = args.func(args)
    except CriuRpcError as exc:
        lines = str(exc).splitlines()
        print(f"criu-rpc {args.command}: {lines[0]}", file=sys.stderr)
        tail = getattr(exc, "log_tail", "")
        if args.verbose and tail:
            print(tail, file=sys.stderr)
        elif tail:
            print("  (run with -v for CRIU's log)", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as exc:
        print(f"criu-rpc {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"criu-rpc {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        # What was under way is undone by then (a restore's CRIU and job, launch's service).
        print(f"criu-rpc {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code
