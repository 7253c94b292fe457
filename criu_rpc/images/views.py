"""Typed, immutable views of what a checkpoint holds: processes, threads, memory, files, stats.

These are what callers and ``inspect`` work with; the protobuf messages stay
inside the reader. Each view keeps the numbers as CRIU recorded them and adds
the derived properties people ask for (sizes, rwx strings, flag names).

Views are named tuples rather than dataclasses: ``inspect`` is a short-lived
program, and creating a frozen dataclass costs ~0.5 ms at import (its methods
are generated and compiled at run time), a named tuple a sixth of that.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, repeat
from operator import eq
from typing import NamedTuple

from .magic import PAGE_SIZE

# Task states of core_entry.tc.task_state (CRIU's TASK_* constants).
TASK_STATES = {1: "alive", 3: "zombie", 5: "helper", 6: "stopped", 7: "thread"}

PE_PARENT = 1 << 0
PE_LAZY = 1 << 1
PE_PRESENT = 1 << 2

# Pages present (in this image), in parent, lazy: (flag wanted, flags excluded) of each.
# CRIU also flags lazy the private anonymous pages it did write (lazy|present): those
# count as present, not lazy.
PAGE_CATEGORIES = ((PE_PRESENT, 0), (PE_PARENT, 0), (PE_LAZY, PE_PRESENT | PE_PARENT))

# vma_entry.status bits (VMA_* in criu/include/image.h).
VMA_AREA_REGULAR = 1 << 0
VMA_AREA_STACK = 1 << 1
VMA_AREA_VSYSCALL = 1 << 2
VMA_AREA_VDSO = 1 << 3
VMA_AREA_HEAP = 1 << 5
VMA_FILE_PRIVATE = 1 << 6
VMA_FILE_SHARED = 1 << 7
VMA_ANON_SHARED = 1 << 8
VMA_ANON_PRIVATE = 1 << 9
VMA_AREA_SYSVIPC = 1 << 10
VMA_AREA_SOCKET = 1 << 11
VMA_AREA_VVAR = 1 << 12
VMA_AREA_AIORING = 1 << 13
VMA_AREA_MEMFD = 1 << 14
VMA_AREA_SHSTK = 1 << 15

MAP_SHARED = 0x1
MAP_GROWSDOWN = 0x100


class Registers(NamedTuple):
    """The x86-64 registers people look at first (the full set is in ``show core-N.img``)."""

    ip: int
    sp: int
    bp: int
    ax: int
    orig_ax: int
    fs_base: int
    compat: bool


class Thread(NamedTuple):
    tid: int
    comm: str
    registers: Registers | None
    sched_policy: int | None
    sched_nice: int | None


class Process(NamedTuple):
    """A task of the dumped tree, from pstree.img and its leader's core image."""

    pid: int
    ppid: int
    pgid: int
    sid: int
    threads: tuple[int, ...]
    comm: str
    state: str
    exit_code: int


class Vma(NamedTuple):
    start: int
    end: int
    pgoff: int
    shmid: int
    prot: int
    flags: int
    status: int
    fd: int
    madv: int

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def perms(self) -> str:
        return (
            ("r" if self.prot & 1 else "-")
            + ("w" if self.prot & 2 else "-")
            + ("x" if self.prot & 4 else "-")
            + ("s" if self.flags & MAP_SHARED else "p")
        )

    @property
    def file_backed(self) -> bool:
        return bool(self.status & (VMA_FILE_PRIVATE | VMA_FILE_SHARED))

    @property
    def kind(self) -> str:
        """What backs the area, in the words of /proc/PID/maps where there are some."""
        st = self.status
        if st & VMA_AREA_SYSVIPC:
            return "sysvipc"
        if st & VMA_AREA_MEMFD:
            return "memfd"
        if st & VMA_ANON_SHARED:
            return "shmem"
        if st & VMA_AREA_SOCKET:
            return "packet"
        if self.file_backed:
            return "file"
        if st & VMA_AREA_STACK:
            return "[stack]"
        if st & VMA_AREA_VSYSCALL:
            return "[vsyscall]"
        if st & VMA_AREA_VDSO:
            return "[vdso]"
        if st & VMA_AREA_VVAR:
            return "[vvar]"
        if st & VMA_AREA_HEAP:
            return "[heap]"
        if st & VMA_AREA_AIORING:
            return "aio"
        if st & VMA_AREA_SHSTK:
            return "shadow-stack"
        return "anon"


def flag_names(flags: int) -> str:
    """``present``, ``parent|lazy``...: a pagemap entry's flags in words."""
    names = [
        n for bit, n in ((PE_PARENT, "parent"), (PE_LAZY, "lazy"), (PE_PRESENT, "present")) if flags & bit
    ]
    rest = flags & ~(PE_PARENT | PE_LAZY | PE_PRESENT)
    if rest:
        names.append(f"0x{rest:x}")
    return "|".join(names) or "-"


class PagemapEntry(NamedTuple):
    """A run of pages and where its contents are: this image, a parent image, or lazy."""

    vaddr: int
    nr_pages: int
    flags: int

    @property
    def end(self) -> int:
        return self.vaddr + self.nr_pages * PAGE_SIZE

    @property
    def size(self) -> int:
        return self.nr_pages * PAGE_SIZE

    @property
    def present(self) -> bool:
        return bool(self.flags & PE_PRESENT)

    @property
    def in_parent(self) -> bool:
        return bool(self.flags & PE_PARENT)

    @property
    def lazy(self) -> bool:
        return bool(self.flags & PE_LAZY)

    @property
    def flag_names(self) -> str:
        return flag_names(self.flags)


class Pagemap(NamedTuple):
    """One pagemap image: which pages-<pages_id>.img holds its present pages, and the runs.

    Runs are kept as three parallel tuples (a 4 GiB image has thousands of runs
    and summaries only need sums); ``entries`` builds the typed views on demand.
    """

    pages_id: int
    vaddrs: tuple[int, ...]
    counts: tuple[int, ...]
    flags: tuple[int, ...]

    @classmethod
    def from_entries(cls, pages_id: int, entries: Sequence[PagemapEntry]) -> Pagemap:
        return cls(
            pages_id,
            tuple(e.vaddr for e in entries),
            tuple(e.nr_pages for e in entries),
            tuple(e.flags for e in entries),
        )

    @property
    def entries(self) -> tuple[PagemapEntry, ...]:
        return tuple(map(PagemapEntry, self.vaddrs, self.counts, self.flags))

    def pages_by_flags(self) -> dict[int, int]:
        """Pages per distinct flags value: an image has only a few, each summed in C
        (a 500k-run pagemap in ~10 ms)."""
        values = set(self.flags)
        if len(values) == 1:
            return {values.pop(): sum(self.counts)}
        return {f: sum(compress(self.counts, map(eq, self.flags, repeat(f)))) for f in values}

    def page_counts(self) -> tuple[int, int, int]:
        """(present, in parent, lazy) pages: see PAGE_CATEGORIES."""
        by_flags = self.pages_by_flags().items()
        present, parent, lazy = (
            sum(n for f, n in by_flags if f & want and not f & unless) for want, unless in PAGE_CATEGORIES
        )
        return present, parent, lazy

    @property
    def present_pages(self) -> int:
        return self.page_counts()[0]

    @property
    def parent_pages(self) -> int:
        return self.page_counts()[1]

    @property
    def lazy_pages(self) -> int:
        """Pages left on the source for a lazy-pages restore (flagged lazy, data not in any image)."""
        return self.page_counts()[2]

    @property
    def total_pages(self) -> int:
        return sum(self.counts)


# ---- files ---------------------------------------------------------------------------------------


class RegFile(NamedTuple):
    id: int
    path: str
    pos: int
    size: int | None
    flags: int
    mode: int | None

    def describe(self) -> str:
        return self.path


class PipeFile(NamedTuple):
    id: int
    pipe_id: int
    flags: int
    fifo: bool = False

    def describe(self) -> str:
        return f"{'fifo' if self.fifo else 'pipe'}:[{self.pipe_id}]"


SOCK_TYPES = {1: "stream", 2: "dgram", 3: "raw", 5: "seqpacket", 10: "packet"}
TCP_STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
}


class UnixSocket(NamedTuple):
    id: int
    ino: int
    peer: int
    type: str
    state: str
    name: bytes

    def describe(self) -> str:
        name = self.name.rstrip(b"\0").decode(errors="backslashreplace")
        if name.startswith("\0"):
            name = "@" + name[1:]
        return (
            f"unix:[{self.ino}] {self.type} {self.state}"
            + (f" {name}" if name else "")
            + (f" peer {self.peer}" if self.peer else "")
        )


def _addr(words: list[int] | tuple[int, ...], family: int) -> str:
    """An address CRIU stored as network-order u32 words (read on a little-endian host)."""
    import ipaddress  # noqa: PLC0415  # only socket views need it: keeps `inspect ps` start-up lean

    if not words:
        return ""
    raw = b"".join(w.to_bytes(4, "little") for w in words)
    try:
        if family == 10 or len(raw) == 16:  # AF_INET6
            return str(ipaddress.IPv6Address(raw[:16].ljust(16, b"\0")))
        return str(ipaddress.IPv4Address(raw[:4]))
    except ValueError:
        return raw.hex()


class InetSocket(NamedTuple):
    id: int
    ino: int
    family: str
    type: str
    proto: int
    state: str
    src: str
    src_port: int
    dst: str
    dst_port: int

    def describe(self) -> str:
        proto = {6: "tcp", 17: "udp", 136: "udplite"}.get(self.proto, f"proto{self.proto}")
        six = "6" if self.family == "inet6" else ""
        return f"{proto}{six} {self.src}:{self.src_port} -> {self.dst}:{self.dst_port} {self.state}"


class TtyFile(NamedTuple):
    """A terminal: ``kind`` and ``pty_index`` come from tty-info.img (pty 3 is /dev/pts/3).

    (Not ``index``: a named tuple's fields must not shadow tuple methods.)
    """

    id: int
    tty_info_id: int
    flags: int
    kind: str | None = None
    pty_index: int | None = None
    master: bool = False

    def describe(self) -> str:
        n = self.pty_index
        if self.kind == "PTY" and n is not None:
            return f"/dev/ptmx (master of pts/{n})" if self.master else f"/dev/pts/{n}"
        return f"tty {self.kind.lower() if self.kind else '?'} [{self.tty_info_id}]"


class EventFd(NamedTuple):
    id: int
    counter: int

    def describe(self) -> str:
        return f"eventfd counter={self.counter}"


class EventPoll(NamedTuple):
    id: int
    targets: tuple[int, ...]

    def describe(self) -> str:
        return "eventpoll watching fds " + ",".join(map(str, self.targets)) if self.targets else "eventpoll"


class OtherFile(NamedTuple):
    """A file kind without a dedicated view (signalfd, timerfd, inotify, ns, memfd, ...)."""

    id: int
    type: str
    detail: str

    def describe(self) -> str:
        return f"{self.type.lower()}{' ' + self.detail if self.detail else ''}"


File = RegFile | PipeFile | UnixSocket | InetSocket | TtyFile | EventFd | EventPoll | OtherFile


class Fd(NamedTuple):
    """An open descriptor of a process: fd number, the file it refers to and the fd flags."""

    fd: int
    type: str
    file_id: int
    flags: int
    file: File | None

    def describe(self) -> str:
        return (
            self.file.describe()
            if self.file is not None
            else f"{self.type.lower()} (file {self.file_id} missing)"
        )


# ---- whole-dump records --------------------------------------------------------------------------


class DumpStats(NamedTuple):
    """stats-dump: times in microseconds, page counts in pages."""

    freezing_time: int
    frozen_time: int
    memdump_time: int
    memwrite_time: int
    pages_scanned: int
    pages_skipped_parent: int
    pages_written: int
    pages_lazy: int
    irmap_resolve: int | None
    page_pipes: int | None
    page_pipe_bufs: int | None
    shpages_scanned: int | None
    shpages_skipped_parent: int | None
    shpages_written: int | None


class RestoreStats(NamedTuple):
    """stats-restore: times in microseconds."""

    pages_compared: int
    pages_skipped_cow: int
    forking_time: int
    restore_time: int
    pages_restored: int | None


class Inventory(NamedTuple):
    img_version: int
    fdinfo_per_id: bool
    ns_per_id: bool
    root_pid_ns_id: int | None
    lsm: str | None
    dump_uptime: int | None
    pre_dump_mode: int | None
    tcp_close: bool
    network_lock_method: int | None
    plugins: tuple[str, ...]
    criu_run_id: str | None

    @property
    def pre_dump(self) -> bool:
        """A pre-dump leaves pre_dump_mode set; a full dump does not."""
        return self.pre_dump_mode is not None
