"""Typed, validated options for every CRIU request, and the one place they become ``criu_opts``.

Each request has a frozen dataclass (:class:`DumpOptions`, :class:`RestoreOptions`,
...). Field names are criu_opts field names, so CRIU's documentation of
``criu --help`` and rpc.proto applies as written; defaults are CRIU's own, and
a field left at its default is not sent at all (so an old CRIU never sees a
field it does not know). Values are checked on construction: a wrong type or
an out-of-range value raises ValueError naming the field, before any CRIU runs.

Wire fields with no dataclass field of the same name, and why:

* ``images_dir_fd`` / ``images_dir`` / ``work_dir_fd``: ``images_dir`` and
  ``work_dir`` take a path or an open descriptor; the client sends an fd
  (CRIU 4.1's path form fails: it readlinks the path).
* ``ps``: :class:`PageServerAddress` in ``page_server``.
* ``notify_scripts``: set when a :class:`~criu_rpc.notify.Notifier` is passed.
* ``manage_cgroups``: superseded by ``manage_cgroups_mode`` (its True is SOFT).
"""

from __future__ import annotations

import enum
import os
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Union

from ._pb import rpc_pb2

PathOrFd = Union[str, "os.PathLike[str]", int]

# First CRIU release that understands each criu_opts field newer than 3.11.
# A field set to a non-default value on an older CRIU raises UnsupportedOptionError.
SINCE: dict[str, tuple[int, int]] = {
    "tcp_close": (3, 12),
    "lsm_profile": (3, 12),
    **dict.fromkeys(("tls", "tls_cacert", "tls_cacrl", "tls_cert", "tls_key", "tls_no_cn_verify"), (3, 13)),
    "cgroup_yard": (3, 14),
    "pre_dump_mode": (3, 14),
    "pidfd_store_sk": (3, 16),
    "lsm_mount_context": (3, 16),
    "network_lock": (3, 16),
    "mntns_compat_mode": (3, 17),
    "skip_file_rwx_check": (3, 18),
    "unprivileged": (3, 18),
    "leave_stopped": (3, 19),
    "display_stats": (3, 19),
    "log_to_stderr": (3, 19),
}


class CgroupMode(enum.Enum):
    """How CRIU handles cgroups (``--manage-cgroups=MODE``)."""

    IGNORE = rpc_pb2.IGNORE
    NONE = rpc_pb2.CG_NONE
    PROPS = rpc_pb2.PROPS
    SOFT = rpc_pb2.SOFT
    FULL = rpc_pb2.FULL
    STRICT = rpc_pb2.STRICT
    DEFAULT = rpc_pb2.DEFAULT


class NetworkLock(enum.Enum):
    """How CRIU keeps TCP peers from seeing a frozen socket (``--network-lock``)."""

    IPTABLES = rpc_pb2.IPTABLES
    NFTABLES = rpc_pb2.NFTABLES
    SKIP = rpc_pb2.SKIP


class PreDumpMode(enum.Enum):
    """How pre-dump copies memory: splice (fast, pins pages) or process_vm_readv."""

    SPLICE = rpc_pb2.SPLICE
    VM_READ = rpc_pb2.VM_READ


class Namespace(enum.IntFlag):
    """clone(2) namespace flags, for ``empty_ns`` (CRIU honours NET only)."""

    MNT = 0x00020000
    CGROUP = 0x02000000
    UTS = 0x04000000
    IPC = 0x08000000
    USER = 0x10000000
    PID = 0x20000000
    NET = 0x40000000
    TIME = 0x00000080


NO_NAMESPACE = Namespace(0)


@dataclass(frozen=True)
class InheritFd:
    """Give the restored tree our descriptor ``fd`` wherever it had the resource ``key``.

    ``key`` is how CRIU named the resource at dump time, e.g. ``pipe:[12345]``
    or ``file[...]`` (see its log, or criu_rpc.images). swrk only.
    """

    key: str
    fd: int

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class VethPair:
    """Deprecated by CRIU in favour of ``external=("veth[inside]:outside",)``."""

    if_in: str
    if_out: str

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class ExtMount:
    """Deprecated by CRIU in favour of ``external=("mnt[key]:val",)``."""

    key: str
    val: str

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class JoinNamespace:
    """Restore into an existing namespace: ``ns`` is e.g. "net", ``ns_file`` a path or pid."""

    ns: str
    ns_file: str
    extra_opt: str | None = None

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class CgroupRoot:
    """Restore cgroups under ``path`` (for one controller, or all when ctrl is None)."""

    path: str
    ctrl: str | None = None

    def __post_init__(self) -> None:
        _validate(self)


@dataclass(frozen=True)
class PageServerAddress:
    """Where a dump sends its pages: a page server's address and port, or a connected socket fd."""

    address: str = ""
    port: int = 0
    fd: int | None = None


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """A class's resolved annotations; resolving them costs ~0.5 ms, so once per class."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls, globalns=globals())
    return hints


def _validate(obj: Any) -> None:
    """Check every field set against its annotation and normalise sequences to tuples.

    A field still holding its default (the very object) is skipped: defaults
    are type-checked by mypy, and an options object sets few of its ~80 fields.
    """
    hints = _hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value is f.default:
            continue
        hint = hints[f.name]
        if isinstance(value, list) and _tuple_item(hint) is not None:
            value = tuple(value)
            object.__setattr__(obj, f.name, value)
        if not _conforms(value, hint):
            raise ValueError(f"{type(obj).__name__}.{f.name}: expected {_describe(hint)}, got {value!r}")


def _tuple_item(hint: Any) -> Any:
    options = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    for option in options:
        if typing.get_origin(option) is tuple:
            return typing.get_args(option)[0]
    return None


def _conforms(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, option) for option in typing.get_args(hint))
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return isinstance(value, tuple) and all(_conforms(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint is os.PathLike or origin is os.PathLike:
        return isinstance(value, os.PathLike)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_describe(option) for option in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        return f"a sequence of {_describe(typing.get_args(hint)[0])}"
    if hint is type(None):
        return "None"
    return getattr(hint, "__name__", str(hint))


def _require(ok: bool, owner: object, name: str, why: str) -> None:
    if not ok:
        raise ValueError(f"{type(owner).__name__}.{name}: {why}")


def _check_fd_or_path(owner: object, name: str, value: PathOrFd | None) -> None:
    if isinstance(value, int):
        _require(value >= 0, owner, name, f"a descriptor must be >= 0, got {value}")
    elif value is not None:
        _require(bool(os.fspath(value)), owner, name, "empty path")


# BaseOptions, TlsOptions and TreeOptions only contribute fields: nobody builds
# them, so no __init__/__repr__/__eq__ is generated (exec'd) for them. Option
# classes share BaseOptions.__repr__ instead of a generated one. Generating
# methods is most of this module's import time, paid by every CLI command and
# `launch`.


@dataclass(frozen=True, kw_only=True, init=False, repr=False, eq=False)
class BaseOptions:
    """What every request with options carries: where images and logs go.

    ``images_dir``: a path or an open directory descriptor. ``work_dir``: where
    CRIU writes its log (default: the images directory). ``log_file`` is a
    bare file name inside the work dir (CRIU allows no subdirectories); CRIU's
    default is ``criu.log``. ``log_level`` 0-4 as ``-v0`` .. ``-v4``.
    """

    images_dir: PathOrFd | None = None
    work_dir: PathOrFd | None = None
    log_level: int = 2
    log_file: str | None = None
    log_to_stderr: bool = False
    config_file: str | None = None
    unprivileged: bool = False

    def __repr__(self) -> str:
        """Only the fields that were set, which is what CRIU will be sent: the rest are defaults."""
        set_here = ", ".join(f"{name}={getattr(self, name)!r}" for name in set_fields(self))
        return f"{type(self).__name__}({set_here})"

    def __post_init__(self) -> None:
        _validate(self)
        _check_fd_or_path(self, "images_dir", self.images_dir)
        _check_fd_or_path(self, "work_dir", self.work_dir)
        _require(0 <= self.log_level <= 4, self, "log_level", f"must be 0..4, got {self.log_level}")
        if self.log_file is not None:
            _require(
                bool(self.log_file) and "/" not in self.log_file,
                self,
                "log_file",
                f"must be a bare file name (CRIU allows no subdirs; use work_dir), got {self.log_file!r}",
            )


@dataclass(frozen=True, kw_only=True, repr=False)
class CheckOptions(BaseOptions):
    """CHECK: is this kernel good enough for CRIU? (CRIU < 4.2 wants an images dir.)"""


@dataclass(frozen=True, kw_only=True, repr=False)
class CpuinfoOptions(BaseOptions):
    """CPUINFO_DUMP / CPUINFO_CHECK: record this CPU's features, or compare with a record."""

    cpu_cap: int = 0xFFFFFFFF

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(0 <= self.cpu_cap <= 0xFFFFFFFF, self, "cpu_cap", "must fit in 32 bits")


@dataclass(frozen=True, kw_only=True, init=False, repr=False, eq=False)
class TlsOptions:
    """TLS for page-server traffic (CRIU built with GnuTLS; --tls and friends)."""

    tls: bool = False
    tls_cacert: str | None = None
    tls_cacrl: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_no_cn_verify: bool = False


@dataclass(frozen=True, kw_only=True, init=False, repr=False, eq=False)
class TreeOptions(BaseOptions):
    """Options that mean the same on dump and restore: what the tree holds and how to treat it."""

    root: str | None = None
    shell_job: bool = False
    ext_unix_sk: bool = False
    tcp_established: bool = False
    tcp_close: bool = False
    file_locks: bool = False
    evasive_devices: bool = False
    link_remap: bool = False
    external: tuple[str, ...] = ()
    ext_mnt: tuple[ExtMount, ...] = ()
    veths: tuple[VethPair, ...] = ()
    unix_sk_ino: tuple[int, ...] = ()
    auto_ext_mnt: bool = False
    ext_sharing: bool = False
    ext_masters: bool = False
    enable_fs: tuple[str, ...] = ()
    skip_mnt: tuple[str, ...] = ()
    manage_cgroups_mode: CgroupMode | None = None
    network_lock: NetworkLock = NetworkLock.IPTABLES
    orphan_pts_master: bool = False
    lazy_pages: bool = False
    auto_dedup: bool = False
    timeout: int | None = None
    ghost_limit: int = 0x100000
    cpu_cap: int = 0xFFFFFFFF
    mntns_compat_mode: bool = False
    skip_file_rwx_check: bool = False
    leave_stopped: bool = False
    display_stats: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(
            not (self.tcp_close and self.tcp_established),
            self,
            "tcp_close",
            "conflicts with tcp_established (close sockets or restore them, not both)",
        )
        if self.timeout is not None:
            _require(self.timeout > 0, self, "timeout", "must be a positive number of seconds")
        _require(0 <= self.ghost_limit <= 0xFFFFFFFF, self, "ghost_limit", "must fit in 32 bits")
        _require(0 <= self.cpu_cap <= 0xFFFFFFFF, self, "cpu_cap", "must fit in 32 bits")
        for ino in self.unix_sk_ino:
            _require(0 <= ino <= 0xFFFFFFFF, self, "unix_sk_ino", f"inode {ino} does not fit in 32 bits")
        for item in self.external:
            _require("[" in item and "]" in item, self, "external", f"expected TYPE[ID]..., got {item!r}")


@dataclass(frozen=True, kw_only=True, repr=False)
class DumpOptions(TreeOptions, TlsOptions):
    """DUMP, PRE_DUMP and SINGLE_PRE_DUMP.

    ``pid`` None dumps the calling process itself (self-dump); the client then
    runs CRIU detached so that it is not part of the tree it freezes.
    ``parent_img`` is relative to the images dir, as with ``criu --prev-images-dir``.
    ``page_server`` sends pages to a page server instead of the images dir.
    """

    pid: int | None = None
    leave_running: bool = False
    tcp_skip_in_flight: bool = False
    track_mem: bool = False
    parent_img: str | None = None
    page_server: PageServerAddress | None = None
    force_irmap: bool = False
    irmap_scan_paths: tuple[str, ...] = ()
    freeze_cgroup: str | None = None
    cgroup_dump_controller: tuple[str, ...] = ()
    pre_dump_mode: PreDumpMode = PreDumpMode.SPLICE
    pidfd_store_sk: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.pid is not None:
            _require(self.pid > 0, self, "pid", f"must be > 0, got {self.pid}")
        _require(self.images_dir is not None, self, "images_dir", "is required")
        if self.page_server is not None:
            _check_page_server(self, self.page_server)


@dataclass(frozen=True, kw_only=True, repr=False)
class RestoreOptions(TreeOptions):
    """RESTORE.

    ``rst_sibling`` makes the restored tree a child of the caller (swrk only)
    rather than of CRIU, so the caller can wait for it. ``inherit_fd`` hands
    our descriptors to the restored tree (swrk only): how a supervisor gives a
    restored job fresh stdio pipes.
    """

    rst_sibling: bool = False
    inherit_fd: tuple[InheritFd, ...] = ()
    exec_cmd: tuple[str, ...] = ()
    cg_root: tuple[CgroupRoot, ...] = ()
    cgroup_props: str | None = None
    cgroup_props_file: str | None = None
    cgroup_yard: str | None = None
    empty_ns: Namespace = NO_NAMESPACE
    join_ns: tuple[JoinNamespace, ...] = ()
    lsm_profile: str | None = None
    lsm_mount_context: str | None = None
    weak_sysctls: bool = False
    status_fd: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self.images_dir is not None, self, "images_dir", "is required")
        for item in self.inherit_fd:
            _require(item.fd >= 0, self, "inherit_fd", f"descriptor must be >= 0, got {item.fd}")
            _require(bool(item.key), self, "inherit_fd", "key must not be empty")
        _require(
            self.empty_ns in (NO_NAMESPACE, Namespace.NET),
            self,
            "empty_ns",
            "CRIU supports only Namespace.NET here",
        )
        for ns in self.join_ns:
            _require(
                ns.ns in ("net", "uts", "ipc", "pid", "mnt", "user", "cgroup", "time"),
                self,
                "join_ns",
                f"unknown namespace {ns.ns!r}",
            )


@dataclass(frozen=True, kw_only=True, repr=False)
class PageServerOptions(BaseOptions, TlsOptions):
    """PAGE_SERVER / PAGE_SERVER_CHLD: receive a dump's pages into images_dir.

    ``port`` 0 lets CRIU pick a free port; the chosen one comes back in
    :class:`~criu_rpc.results.PageServerInfo`. ``fd`` serves one connection
    the caller already accepted (and authenticated) instead of listening;
    swrk transport only.
    """

    address: str = "0.0.0.0"
    port: int = 0
    parent_img: str | None = None
    lazy_pages: bool = False
    display_stats: bool = False
    fd: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self.images_dir is not None, self, "images_dir", "is required")
        if self.fd is not None:
            _require(self.fd >= 0, self, "fd", f"must be >= 0, got {self.fd}")
        _require(0 <= self.port <= 65535, self, "port", f"must be 0..65535, got {self.port}")
        _require(bool(self.address), self, "address", "must not be empty")


def _check_page_server(owner: object, ps: PageServerAddress) -> None:
    _validate(ps)
    if ps.fd is None:
        _require(bool(ps.address), owner, "page_server", "needs an address (or fd)")
        _require(0 < ps.port <= 65535, owner, "page_server", f"port must be 1..65535, got {ps.port}")
    else:
        _require(ps.fd >= 0, owner, "page_server", f"fd must be >= 0, got {ps.fd}")


@dataclass
class WireContext:
    """What building criu_opts needs from the caller's side: open directories and passed fds.

    Paths are opened here (and closed by :meth:`close`), because CRIU opens
    the images dir through ``/proc/<our pid>/fd/N``.
    """

    pass_fds: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)

    def dir_fd(self, value: PathOrFd) -> int:
        if isinstance(value, int):
            return value
        fd = os.open(value, os.O_RDONLY | os.O_DIRECTORY)
        self.opened.append(fd)
        return fd

    def close(self) -> None:
        while self.opened:
            os.close(self.opened.pop())


def _set_scalar(msg: rpc_pb2.criu_opts, name: str, value: Any, _: WireContext) -> None:
    setattr(msg, name, value.value if isinstance(value, enum.Enum) else value)


def _extend(msg: rpc_pb2.criu_opts, name: str, value: Any, _: WireContext) -> None:
    getattr(msg, name).extend(value)


def _images_dir(msg: rpc_pb2.criu_opts, _: str, value: PathOrFd, ctx: WireContext) -> None:
    msg.images_dir_fd = ctx.dir_fd(value)


def _work_dir(msg: rpc_pb2.criu_opts, _: str, value: PathOrFd, ctx: WireContext) -> None:
    msg.work_dir_fd = ctx.dir_fd(value)


def _page_server(msg: rpc_pb2.criu_opts, _: str, value: PageServerAddress, ctx: WireContext) -> None:
    if value.address:
        msg.ps.address = value.address
    if value.port:
        msg.ps.port = value.port
    if value.fd is not None:
        msg.ps.fd = value.fd
        ctx.pass_fds.append(value.fd)


def _listen(msg: rpc_pb2.criu_opts, name: str, value: str | int, _: WireContext) -> None:
    setattr(msg.ps, name, value)


def _ps_fd(msg: rpc_pb2.criu_opts, _: str, value: int, ctx: WireContext) -> None:
    msg.ps.fd = value
    ctx.pass_fds.append(value)


def _inherit_fd(msg: rpc_pb2.criu_opts, _: str, value: tuple[InheritFd, ...], ctx: WireContext) -> None:
    # CRIU moves each inherited descriptor into its fd store and closes it, so one
    # descriptor under two keys (stdout and stderr on one pipe, as with 2>&1) would
    # fail the restore with EBADF: a repeat is handed over as a dup of its own.
    given: set[int] = set()
    for item in value:
        fd = item.fd
        if fd in given:
            fd = os.dup(fd)
            ctx.opened.append(fd)
        given.add(fd)
        msg.inherit_fd.add(key=item.key, fd=fd)
        ctx.pass_fds.append(fd)


def _messages(
    make: Callable[[Any], dict[str, Any]],
) -> Callable[[rpc_pb2.criu_opts, str, Any, WireContext], None]:
    def add(msg: rpc_pb2.criu_opts, name: str, value: Any, _: WireContext) -> None:
        for item in value:
            getattr(msg, name).add(**{k: v for k, v in make(item).items() if v is not None})

    return add


def _empty_ns(msg: rpc_pb2.criu_opts, _: str, value: Namespace, __: WireContext) -> None:
    msg.empty_ns = int(value)


def _cgroup_mode(msg: rpc_pb2.criu_opts, _: str, value: CgroupMode, __: WireContext) -> None:
    msg.manage_cgroups = value is not CgroupMode.IGNORE
    msg.manage_cgroups_mode = value.value


_WIRE: dict[str, Callable[[rpc_pb2.criu_opts, str, Any, WireContext], None]] = {
    "images_dir": _images_dir,
    "work_dir": _work_dir,
    "page_server": _page_server,
    "inherit_fd": _inherit_fd,
    "address": _listen,
    "port": _listen,
    "fd": _ps_fd,
    "empty_ns": _empty_ns,
    "manage_cgroups_mode": _cgroup_mode,
    "veths": _messages(lambda v: {"if_in": v.if_in, "if_out": v.if_out}),
    "ext_mnt": _messages(lambda v: {"key": v.key, "val": v.val}),
    "join_ns": _messages(lambda v: {"ns": v.ns, "ns_file": v.ns_file, "extra_opt": v.extra_opt}),
    "cg_root": _messages(lambda v: {"ctrl": v.ctrl, "path": v.path}),
    "unix_sk_ino": _messages(lambda v: {"inode": v}),
}


def set_fields(options: BaseOptions) -> list[str]:
    """Names of the fields that differ from their defaults: what will be sent."""
    names = []
    for f in fields(options):
        value = getattr(options, f.name)
        if value != f.default:
            names.append(f.name)
    return names


def to_criu_opts(options: BaseOptions, ctx: WireContext) -> rpc_pb2.criu_opts:
    """Map options to criu_opts; fields at their defaults are left unset on the wire."""
    msg = rpc_pb2.criu_opts()
    msg.images_dir_fd = -1
    for name in set_fields(options):
        value = getattr(options, name)
        handler = _WIRE.get(name)
        if handler is not None:
            handler(msg, name, value, ctx)
        elif isinstance(value, tuple):
            _extend(msg, name, value, ctx)
        else:
            _set_scalar(msg, name, value, ctx)
    if isinstance(options, PageServerOptions):
        # opts.ps is what makes CRIU treat the request as a page server's; port 0 = pick one.
        msg.ps.port = options.port
    return msg
