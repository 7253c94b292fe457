"""A checkpoint directory as typed views, decoding each image only when it is asked for.

``open_images(path)`` is the entry point. Nothing here opens a pages file
except :meth:`Checkpoint.pages`, so summaries of multi-GB checkpoints cost
only the small metadata images (and a stat of the pages files).
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path

from google.protobuf.message import Message

from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc._pb import image_misc_pb2 as misc_pb
from criu_rpc._pb import image_task_pb2 as task_pb

from .chain import walk_chain
from .errors import ImageError, NotACheckpointError
from .fileio import open_regular
from .framing import read_messages, read_pagemap
from .magic import BY_NAME, ImageKind
from .pages import PageReader, make_layer
from .views import (
    SOCK_TYPES,
    TASK_STATES,
    TCP_STATES,
    DumpStats,
    EventFd,
    EventPoll,
    Fd,
    File,
    InetSocket,
    Inventory,
    OtherFile,
    Pagemap,
    PipeFile,
    Process,
    RegFile,
    Registers,
    RestoreStats,
    Thread,
    TtyFile,
    UnixSocket,
    Vma,
    _addr,
)

_VERSION_RE = re.compile(rb"Version: (\S+)")
_FAMILIES = {1: "unix", 2: "inet", 10: "inet6", 16: "netlink", 17: "packet"}


def _opt(msg: Message, field: str) -> int | None:
    value: int | None = getattr(msg, field) if msg.HasField(field) else None
    return value


def file_view(entry: files_pb.file_entry, ttys: dict[int, files_pb.tty_info_entry] | None = None) -> File:
    """The typed view of one files.img entry (``ttys``: tty-info.img entries by id)."""
    ttys = ttys or {}
    t = files_pb.fd_types.Name(entry.type) if entry.type in files_pb.fd_types.values() else str(entry.type)
    if entry.HasField("reg"):
        r = entry.reg
        return RegFile(entry.id, r.name, r.pos, _opt(r, "size"), r.flags, _opt(r, "mode"))
    if entry.HasField("pipe"):
        return PipeFile(entry.id, entry.pipe.pipe_id, entry.pipe.flags)
    if entry.HasField("fifo"):
        return PipeFile(entry.id, entry.fifo.pipe_id, 0, fifo=True)
    if entry.HasField("usk"):
        u = entry.usk
        return UnixSocket(
            entry.id,
            u.ino,
            u.peer,
            SOCK_TYPES.get(u.type, str(u.type)),
            TCP_STATES.get(u.state, str(u.state)),
            u.name,
        )
    if entry.HasField("isk"):
        s = entry.isk
        return InetSocket(
            entry.id,
            s.ino,
            _FAMILIES.get(s.family, str(s.family)),
            SOCK_TYPES.get(s.type, str(s.type)),
            s.proto,
            TCP_STATES.get(s.state, str(s.state)),
            _addr(tuple(s.src_addr), s.family),
            s.src_port,
            _addr(tuple(s.dst_addr), s.family),
            s.dst_port,
        )
    if entry.HasField("tty"):
        info = ttys.get(entry.tty.tty_info_id)
        if info is None:
            return TtyFile(entry.id, entry.tty.tty_info_id, entry.tty.flags)
        kind = files_pb.TtyType.Name(info.type) if info.type in files_pb.TtyType.values() else str(info.type)
        index = info.pty.index if info.HasField("pty") else None
        # The pty master is /dev/ptmx (5:2) or a legacy master major (128-135); slaves are 136-143.
        major = os.major(info.rdev)
        master = major == 5 or 128 <= major <= 135
        return TtyFile(entry.id, entry.tty.tty_info_id, entry.tty.flags, kind, index, master)
    if entry.HasField("efd"):
        return EventFd(entry.id, entry.efd.counter)
    if entry.HasField("epfd"):
        return EventPoll(entry.id, tuple(t.tfd for t in entry.epfd.tfd))
    detail = ""
    if entry.HasField("memfd"):
        detail = f"inode {entry.memfd.inode_id}"
    elif entry.HasField("nsf"):
        detail = f"ns {entry.nsf.ns_id}"
    elif entry.HasField("tfd"):
        detail = f"clock {entry.tfd.clockid}"
    elif entry.HasField("sgfd"):
        detail = f"mask 0x{entry.sgfd.sigmask:x}"
    return OtherFile(entry.id, t, detail)


class Checkpoint:
    """One images directory. Reads are lazy and cached; the object is cheap to create."""

    def __init__(self, path: str | os.PathLike[str], *, follow_outside: bool = False) -> None:
        self.path = Path(path)
        self.follow_outside = follow_outside
        if not self.path.exists():
            raise NotACheckpointError(self.path, "does not exist")
        if not self.path.is_dir():
            raise NotACheckpointError(self.path, "is not a directory")
        try:
            self._names = sorted(os.listdir(self.path))
        except OSError as exc:
            raise NotACheckpointError(self.path, f"cannot list: {exc.strerror}") from None
        if "inventory.img" not in self._names and not any(n.startswith("pagemap-") for n in self._names):
            raise NotACheckpointError(self.path, "not a CRIU checkpoint (no inventory.img)")
        self._cache: dict[str, list[Message]] = {}
        self._pagemaps: dict[str, Pagemap] = {}

    # ---- raw access ------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """File names in the directory (images and anything else)."""
        return list(self._names)

    def has(self, name: str) -> bool:
        return name in self._names

    def messages(self, name: str, kind: str | None = None) -> list[Message]:
        """Entries of one image (no payloads), decoded once and cached."""
        if name not in self._cache:
            if name not in self._names:
                raise ImageError(self.path / name, "missing from the checkpoint")
            k: ImageKind | None = BY_NAME[kind] if kind else None
            self._cache[name] = read_messages(self.path / name, k)
        return self._cache[name]

    def _one(self, name: str) -> Message:
        msgs = self.messages(name)
        if len(msgs) != 1:
            raise ImageError(self.path / name, f"expected exactly one entry, found {len(msgs)}")
        return msgs[0]

    # ---- whole dump ------------------------------------------------------------------------------

    @cached_property
    def inventory(self) -> Inventory | None:
        """None for a parent-only directory (a dedup link keeps just pagemaps and pages)."""
        if not self.has("inventory.img"):
            return None
        inv = self._one("inventory.img")
        assert isinstance(inv, misc_pb.inventory_entry)
        return Inventory(
            img_version=inv.img_version,
            fdinfo_per_id=inv.fdinfo_per_id,
            ns_per_id=inv.ns_per_id,
            root_pid_ns_id=inv.root_ids.pid_ns_id if inv.HasField("root_ids") else None,
            lsm=misc_pb.lsmtype.Name(inv.lsmtype) if inv.HasField("lsmtype") else None,
            dump_uptime=_opt(inv, "dump_uptime"),
            pre_dump_mode=_opt(inv, "pre_dump_mode"),
            tcp_close=inv.tcp_close,
            network_lock_method=_opt(inv, "network_lock_method"),
            plugins=tuple(inv.plugins_entry.plugins) if inv.HasField("plugins_entry") else (),
            criu_run_id=inv.dump_criu_run_id if inv.HasField("dump_criu_run_id") else None,
        )

    def _stats(self, name: str) -> misc_pb.stats_entry | None:
        if not self.has(name):
            return None
        st = self._one(name)
        assert isinstance(st, misc_pb.stats_entry)
        return st

    @cached_property
    def dump_stats(self) -> DumpStats | None:
        st = self._stats("stats-dump")
        if st is None or not st.HasField("dump"):
            return None
        d = st.dump
        return DumpStats(
            d.freezing_time,
            d.frozen_time,
            d.memdump_time,
            d.memwrite_time,
            d.pages_scanned,
            d.pages_skipped_parent,
            d.pages_written,
            d.pages_lazy,
            _opt(d, "irmap_resolve"),
            _opt(d, "page_pipes"),
            _opt(d, "page_pipe_bufs"),
            _opt(d, "shpages_scanned"),
            _opt(d, "shpages_skipped_parent"),
            _opt(d, "shpages_written"),
        )

    @cached_property
    def restore_stats(self) -> RestoreStats | None:
        st = self._stats("stats-restore")
        if st is None or not st.HasField("restore"):
            return None
        r = st.restore
        return RestoreStats(
            r.pages_compared, r.pages_skipped_cow, r.forking_time, r.restore_time, _opt(r, "pages_restored")
        )

    def criu_version(self) -> str | None:
        """CRIU's version from a log left in the directory: the images themselves do not record it."""
        for name in self._names:
            if name.endswith(".log"):
                try:
                    with open_regular(self.path / name) as f:
                        m = _VERSION_RE.search(f.read(4096))
                except (OSError, ImageError):
                    continue
                if m:
                    return m.group(1).decode(errors="replace")
        return None

    def disk_usage(self) -> tuple[int, int]:
        """(bytes of all files, bytes of pages files) in this directory only, from stat."""
        total = pages = 0
        for name in self._names:
            try:
                st = os.lstat(self.path / name)
            except OSError:
                continue
            total += st.st_size
            if name.startswith("pages-"):
                pages += st.st_size
        return total, pages

    def chain(self) -> list[Path]:
        """This directory and its parents, nearest first (see chain.walk_chain)."""
        return walk_chain(self.path, follow_outside=self.follow_outside)

    # ---- processes -------------------------------------------------------------------------------

    @cached_property
    def _pstree(self) -> list[task_pb.pstree_entry]:
        out = []
        for m in self.messages("pstree.img"):
            assert isinstance(m, task_pb.pstree_entry)
            out.append(m)
        if not out:
            raise ImageError(self.path / "pstree.img", "has no processes")
        return out

    def _core(self, tid: int) -> task_pb.core_entry:
        core = self._one(f"core-{tid}.img")
        assert isinstance(core, task_pb.core_entry)
        return core

    @cached_property
    def processes(self) -> tuple[Process, ...]:
        """Every process of the tree in pstree order (the root first)."""
        procs = []
        for p in self._pstree:
            core = self._core(p.pid)
            tc = core.tc
            if not core.HasField("tc"):
                raise ImageError(self.path / f"core-{p.pid}.img", "leader thread has no task core (tc)")
            procs.append(
                Process(
                    pid=p.pid,
                    ppid=p.ppid,
                    pgid=p.pgid,
                    sid=p.sid,
                    threads=tuple(p.threads) or (p.pid,),
                    comm=tc.comm,
                    state=TASK_STATES.get(tc.task_state, str(tc.task_state)),
                    exit_code=tc.exit_code,
                )
            )
        return tuple(procs)

    def process(self, pid: int) -> Process:
        for p in self.processes:
            if p.pid == pid:
                return p
        raise ImageError(self.path / "pstree.img", f"no process {pid}")

    def thread(self, tid: int) -> Thread:
        core = self._core(tid)
        regs = None
        if core.HasField("thread_info"):
            g = core.thread_info.gpregs
            regs = Registers(g.ip, g.sp, g.bp, g.ax, g.orig_ax, g.fs_base, g.mode == task_pb.COMPAT)
        tcore = core.thread_core
        comm = tcore.comm if tcore.HasField("comm") else core.tc.comm
        return Thread(tid, comm, regs, _opt(tcore, "sched_policy"), _opt(tcore, "sched_nice"))

    def threads(self, pid: int) -> tuple[Thread, ...]:
        return tuple(self.thread(t) for t in self.process(pid).threads)

    def _ids(self, pid: int) -> task_pb.task_kobj_ids_entry:
        if self.has(f"ids-{pid}.img"):
            ids = self._one(f"ids-{pid}.img")
            assert isinstance(ids, task_pb.task_kobj_ids_entry)
            return ids
        core = self._core(pid)
        if core.HasField("ids"):
            return core.ids
        raise ImageError(self.path / f"ids-{pid}.img", "missing, and core has no ids either")

    # ---- memory ----------------------------------------------------------------------------------

    def _mm(self, pid: int) -> mem_pb.mm_entry:
        mm = self._one(f"mm-{pid}.img")
        assert isinstance(mm, mem_pb.mm_entry)
        return mm

    def vmas(self, pid: int) -> tuple[Vma, ...]:
        return tuple(
            Vma(v.start, v.end, v.pgoff, v.shmid, v.prot, v.flags, v.status, v.fd, v.madv)
            for v in self._mm(pid).vmas
        )

    def exe(self, pid: int) -> str | None:
        f = self.files.get(self._mm(pid).exe_file_id)
        return f.path if isinstance(f, RegFile) else None

    def pagemap(self, pid: int) -> Pagemap:
        return self.pagemap_file(f"pagemap-{pid}.img")

    def pagemap_file(self, name: str) -> Pagemap:
        if name not in self._pagemaps:
            if name not in self._names:
                raise ImageError(self.path / name, "missing from the checkpoint")
            self._pagemaps[name] = read_pagemap(self.path / name)
        return self._pagemaps[name]

    def shmem_pagemaps(self) -> dict[str, Pagemap]:
        return {n: self.pagemap_file(n) for n in self._names if n.startswith("pagemap-shmem-")}

    def pages(self, pid: int) -> PageReader:
        """Page contents of ``pid`` by virtual address, following the parent chain."""
        name = f"pagemap-{pid}.img"
        layers = []
        for directory in self.chain():
            if directory == self.path.resolve():
                pm = self.pagemap(pid)
            else:
                if not (directory / name).exists():
                    break
                pm = read_pagemap(directory / name)
            layers.append(make_layer(directory, name, pm))
        return PageReader(layers)

    # ---- files -----------------------------------------------------------------------------------

    @cached_property
    def files(self) -> dict[int, File]:
        """files.img as typed views by file id (empty if the dump has none)."""
        if not self.has("files.img"):
            return {}
        ttys: dict[int, files_pb.tty_info_entry] = {}
        if self.has("tty-info.img"):
            for t in self.messages("tty-info.img"):
                assert isinstance(t, files_pb.tty_info_entry)
                ttys[t.id] = t
        out: dict[int, File] = {}
        for m in self.messages("files.img"):
            assert isinstance(m, files_pb.file_entry)
            out[m.id] = file_view(m, ttys)
        return out

    def fds(self, pid: int) -> tuple[Fd, ...]:
        inv = self.inventory
        files_id = self._ids(pid).files_id if inv is None or inv.fdinfo_per_id else pid
        name = f"fdinfo-{files_id}.img"
        out = []
        for m in self.messages(name):
            assert isinstance(m, files_pb.fdinfo_entry)
            t = files_pb.fd_types.Name(m.type) if m.type in files_pb.fd_types.values() else str(m.type)
            out.append(Fd(m.fd, t, m.id, m.flags, self.files.get(m.id)))
        return tuple(sorted(out, key=lambda f: f.fd))

    def cwd_root(self, pid: int) -> tuple[str | None, str | None]:
        if not self.has(f"fs-{pid}.img"):
            return None, None
        fs = self._one(f"fs-{pid}.img")
        assert isinstance(fs, task_pb.fs_entry)
        cwd, root = self.files.get(fs.cwd_id), self.files.get(fs.root_id)
        return (
            cwd.path if isinstance(cwd, RegFile) else None,
            root.path if isinstance(root, RegFile) else None,
        )


def open_images(path: str | os.PathLike[str], *, follow_outside: bool = False) -> Checkpoint:
    """Open a checkpoint directory for inspection (raises NotACheckpointError if it is none)."""
    return Checkpoint(path, follow_outside=follow_outside)
