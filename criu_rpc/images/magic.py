"""The table of image kinds CRIU 4.x writes: file name, magic and how entries are framed.

An image is recognised by its file name first (that is how CRIU itself opens
them: ``core-<pid>.img``, ``pagemap-<id>.img`` ...) and checked against the
magic in its header, because pages, ifaddr, route, iptables and tmpfs images
are raw (no magic at all) and several kinds share one magic (pagemap and
pagemap-shmem; the old pages-* layout).
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

from google.protobuf.message import Message

from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc._pb import image_misc_pb2 as misc_pb
from criu_rpc._pb import image_ns_pb2 as ns_pb
from criu_rpc._pb import image_task_pb2 as task_pb

# Every image except inventory.img starts with one of these, then its own magic.
IMG_COMMON_MAGIC = 0x54564319
IMG_SERVICE_MAGIC = 0x55105940
RAW_IMAGE_MAGIC = 0

PAGE_SIZE = 4096


class Framing(enum.Enum):
    """How the bytes after the magic header are laid out."""

    ENTRIES = "entries"  # size-prefixed protobuf entries, nothing else
    PAGEMAP = "pagemap"  # one pagemap_head, then pagemap_entry records
    GHOST = "ghost"  # ghost_file_entry, then raw content or (chunk entry, bytes)*
    RAW = "raw"  # no magic, no entries: page contents, tarballs, netlink dumps


class Extra(enum.Enum):
    """Payload bytes that follow each entry, with their length taken from the entry."""

    NONE = "none"
    PIPE_DATA = "pipe_data"  # entry.bytes
    SK_QUEUE = "sk_queue"  # entry.length
    TCP_STREAM = "tcp_stream"  # entry.inq_len + entry.outq_len
    BPFMAP_DATA = "bpfmap_data"  # entry.keys_bytes + entry.values_bytes
    IPC_SHM = "ipc_shm"  # entry.size rounded up to 4 (unless in_pagemaps)
    IPC_SEM = "ipc_sem"  # entry.nsems u16 values, rounded up to 8 bytes
    IPC_MSG = "ipc_msg"  # entry.qnum (size-prefixed ipc_msg + msize bytes rounded to 8)


class ImageKind(NamedTuple):
    """One row of the table: what CRIU calls the image, its magic and its layout.

    ``pattern`` is a regular expression for the file name without ``suffix``;
    it starts with a literal word ("core" of ``core-\\d+``) that indexes the table.
    """

    name: str
    magic: int
    pattern: str
    message: type[Message] | None
    framing: Framing = Framing.ENTRIES
    extra: Extra = Extra.NONE
    service: bool = False
    suffix: str = ".img"

    @property
    def raw(self) -> bool:
        return self.framing is Framing.RAW

    @property
    def magic_name(self) -> str:
        """The name crit shows in "magic": the magic's, so pagemap-shmem files say PAGEMAP."""
        return "PAGEMAP" if self.name == "SHMEM_PAGEMAP" else self.name


_N = r"\d+"
_X = r"[0-9a-f]+"

KINDS: tuple[ImageKind, ...] = (
    ImageKind("INVENTORY", 0x58313116, "inventory", misc_pb.inventory_entry),
    ImageKind("PSTREE", 0x50273030, "pstree", task_pb.pstree_entry),
    ImageKind("CORE", 0x55053847, f"core-{_N}", task_pb.core_entry),
    ImageKind("IDS", 0x54432030, f"ids-{_N}", task_pb.task_kobj_ids_entry),
    ImageKind("CREDS", 0x54023547, f"creds-{_N}", task_pb.creds_entry),
    ImageKind("SIGACT", 0x55344201, f"sigacts-{_N}", task_pb.sa_entry),
    ImageKind("ITIMERS", 0x57464056, f"itimers-{_N}", task_pb.itimer_entry),
    ImageKind("POSIX_TIMERS", 0x52603957, f"posix-timers-{_N}", task_pb.posix_timer_entry),
    ImageKind("RLIMIT", 0x57113925, f"rlimit-{_N}", task_pb.rlimit_entry),
    ImageKind("SIGNAL", 0x59255647, f"signal-[sp]-{_N}", task_pb.signal_queue_entry),
    ImageKind("FS", 0x51403912, f"fs-{_N}", task_pb.fs_entry),
    ImageKind("SECCOMP", 0x64413049, "seccomp", task_pb.seccomp_entry),
    ImageKind("MM", 0x57492820, f"mm-{_N}", mem_pb.mm_entry),
    ImageKind("VMAS", 0x54123737, f"vmas-{_N}", mem_pb.vma_entry),
    ImageKind("PAGEMAP", 0x56084025, f"pagemap-{_N}", None, Framing.PAGEMAP),
    ImageKind("SHMEM_PAGEMAP", 0x56084025, f"pagemap-shmem-{_N}", None, Framing.PAGEMAP),
    ImageKind("PAGES", RAW_IMAGE_MAGIC, f"pages-{_N}", None, Framing.RAW),
    ImageKind("SHM_PAGES_OLD", RAW_IMAGE_MAGIC, f"pages-shmem-{_N}", None, Framing.RAW),
    ImageKind("FILES", 0x56303138, "files", files_pb.file_entry),
    ImageKind("FDINFO", 0x56213732, f"fdinfo-{_N}", files_pb.fdinfo_entry),
    ImageKind("REG_FILES", 0x50363636, "reg-files", files_pb.reg_file_entry),
    ImageKind("EXT_FILES", 0x59255641, "ext-files", files_pb.ext_file_entry),
    ImageKind("NS_FILES", 0x61394011, "ns-files", files_pb.ns_file_entry),
    ImageKind("EVENTFD_FILE", 0x44523722, "eventfd", files_pb.eventfd_file_entry),
    ImageKind("EVENTPOLL_FILE", 0x45023858, "eventpoll", files_pb.eventpoll_file_entry),
    ImageKind("EVENTPOLL_TFD", 0x44433746, "eventpoll-tfd", files_pb.eventpoll_tfd_entry),
    ImageKind("SIGNALFD", 0x57323820, "signalfd", files_pb.signalfd_entry),
    ImageKind("TIMERFD", 0x50493712, "timerfd", files_pb.timerfd_entry),
    ImageKind("INOTIFY_FILE", 0x48424431, "inotify", files_pb.inotify_file_entry),
    ImageKind("INOTIFY_WD", 0x54562009, "inotify-wd", files_pb.inotify_wd_entry),
    ImageKind("FANOTIFY_FILE", 0x55096122, "fanotify", files_pb.fanotify_file_entry),
    ImageKind("FANOTIFY_MARK", 0x56506035, "fanotify-mark", files_pb.fanotify_mark_entry),
    ImageKind("PIPES", 0x56513555, "pipes", files_pb.pipe_entry),
    ImageKind("PIPES_DATA", 0x56453709, "pipes-data", files_pb.pipe_data_entry, extra=Extra.PIPE_DATA),
    ImageKind("FIFO", 0x58364939, "fifo", files_pb.fifo_entry),
    ImageKind("FIFO_DATA", 0x59333054, "fifo-data", files_pb.pipe_data_entry, extra=Extra.PIPE_DATA),
    ImageKind("UNIXSK", 0x54373943, "unixsk", files_pb.unix_sk_entry),
    ImageKind("INETSK", 0x56443851, "inetsk", files_pb.inet_sk_entry),
    ImageKind("PACKETSK", 0x60454618, "packetsk", files_pb.packet_sock_entry),
    ImageKind("NETLINK_SK", 0x58005614, "netlinksk", files_pb.netlink_sk_entry),
    ImageKind("SK_QUEUES", 0x56264026, "sk-queues", files_pb.sk_packet_entry, extra=Extra.SK_QUEUE),
    ImageKind(
        "TCP_STREAM", 0x51465506, f"tcp-stream-{_X}", files_pb.tcp_stream_entry, extra=Extra.TCP_STREAM
    ),
    ImageKind("TTY_FILES", 0x59433025, "tty", files_pb.tty_file_entry),
    ImageKind("TTY_INFO", 0x59453036, "tty-info", files_pb.tty_info_entry),
    ImageKind("TTY_DATA", 0x59413026, "tty-data", files_pb.tty_data_entry),
    ImageKind("TUNFILE", 0x57143751, "tunfile", files_pb.tunfile_entry),
    ImageKind("REMAP_FPATH", 0x59133954, "remap-fpath", files_pb.remap_file_path_entry),
    ImageKind("GHOST_FILE", 0x52583605, f"ghost-file-{_X}", None, Framing.GHOST),
    ImageKind("MEMFD_INODE", 0x48453499, "memfd", files_pb.memfd_inode_entry),
    ImageKind("FILE_LOCKS", 0x54323616, "filelocks", files_pb.file_lock_entry),
    ImageKind("BPFMAP_FILE", 0x57506142, "bpfmap-file", files_pb.bpfmap_file_entry),
    ImageKind("BPFMAP_DATA", 0x64324033, "bpfmap-data", files_pb.bpfmap_data_entry, extra=Extra.BPFMAP_DATA),
    ImageKind("PIDFD", 0x54435556, "pidfd", files_pb.pidfd_entry),
    ImageKind("MNTS", 0x55563928, f"mountpoints-{_N}", ns_pb.mnt_entry),
    ImageKind("NETDEV", 0x57373951, f"netdev-{_N}", ns_pb.net_device_entry),
    ImageKind("NETNS", 0x55933752, f"netns-{_N}", ns_pb.netns_entry),
    ImageKind("UTSNS", 0x54473203, f"utsns-{_N}", ns_pb.utsns_entry),
    ImageKind("IPC_VAR", 0x53115007, f"ipcns-var-{_N}", ns_pb.ipc_var_entry),
    ImageKind("IPCNS_SHM", 0x46283044, f"ipcns-shm-{_N}", ns_pb.ipc_shm_entry, extra=Extra.IPC_SHM),
    ImageKind("IPCNS_MSG", 0x55453737, f"ipcns-msg-{_N}", ns_pb.ipc_msg_entry, extra=Extra.IPC_MSG),
    ImageKind("IPCNS_SEM", 0x59573019, f"ipcns-sem-{_N}", ns_pb.ipc_sem_entry, extra=Extra.IPC_SEM),
    ImageKind("USERNS", 0x55474906, f"userns-{_N}", ns_pb.userns_entry),
    ImageKind("PIDNS", 0x61157326, f"pidns-{_N}", ns_pb.pidns_entry),
    ImageKind("TIMENS", 0x43114433, f"timens-{_N}", ns_pb.timens_entry),
    ImageKind("CGROUP", 0x59383330, "cgroup", ns_pb.cgroup_entry),
    ImageKind("AUTOFS", 0x49353943, f"autofs-{_N}", ns_pb.autofs_entry),
    ImageKind("BINFMT_MISC", 0x67343323, f"binfmt-misc(-{_N})?", ns_pb.binfmt_misc_entry),
    ImageKind("APPARMOR", 0x59423047, "apparmor", ns_pb.apparmor_entry),
    ImageKind("CPUINFO", 0x61404013, "cpuinfo", misc_pb.cpuinfo_entry),
    # Service files: no ".img" suffix, IMG_SERVICE_MAGIC in front.
    ImageKind("STATS", 0x57093306, "stats-(dump|restore)", misc_pb.stats_entry, service=True, suffix=""),
    ImageKind("IRMAP_CACHE", 0x57004059, "irmap-cache", files_pb.irmap_cache_entry, service=True, suffix=""),
    # Raw images: written by ip(8), iptables-save, nft, tar or as plain bytes.
    ImageKind("IFADDR", RAW_IMAGE_MAGIC, f"ifaddr-{_N}", None, Framing.RAW),
    ImageKind("ROUTE", RAW_IMAGE_MAGIC, f"route-{_N}", None, Framing.RAW),
    ImageKind("ROUTE6", RAW_IMAGE_MAGIC, f"route6-{_N}", None, Framing.RAW),
    ImageKind("RULE", RAW_IMAGE_MAGIC, f"rule-{_N}", None, Framing.RAW),
    ImageKind("IPTABLES", RAW_IMAGE_MAGIC, f"iptables-{_N}", None, Framing.RAW),
    ImageKind("IP6TABLES", RAW_IMAGE_MAGIC, f"ip6tables-{_N}", None, Framing.RAW),
    ImageKind("NFTABLES", RAW_IMAGE_MAGIC, f"nftables-{_N}", None, Framing.RAW),
    ImageKind("NETNF_CT", RAW_IMAGE_MAGIC, f"netns-ct-{_N}", None, Framing.RAW),
    ImageKind("NETNF_EXP", RAW_IMAGE_MAGIC, f"netns-exp-{_N}", None, Framing.RAW),
    ImageKind("TMPFS_IMG", RAW_IMAGE_MAGIC, f"tmpfs-{_N}", None, Framing.RAW, suffix=".tar.gz"),
    ImageKind("TMPFS_DEV", RAW_IMAGE_MAGIC, f"tmpfs-dev-{_N}", None, Framing.RAW, suffix=".tar.gz"),
)

BY_NAME: dict[str, ImageKind] = {k.name: k for k in KINDS}


def _first_word(name: str) -> str:
    """``core`` of ``core-12.img`` and of its pattern, ``inventory`` of ``inventory.img``."""
    return name.partition("-")[0].partition(".")[0]


def _by_first_word(kinds: tuple[ImageKind, ...]) -> dict[str, list[tuple[str, ImageKind]]]:
    """(file name regex, kind) by the first word of the name, longest patterns first (so that
    pagemap-shmem-1 is not taken for pagemap-<n>). Only the regexes of names a directory
    holds get compiled (by re's cache): compiling all ~90 would cost every `inspect` 1.5 ms.
    """
    out: dict[str, list[tuple[str, ImageKind]]] = {}
    for k in sorted(kinds, key=lambda k: -len(k.pattern)):
        out.setdefault(_first_word(k.pattern), []).append((k.pattern + re.escape(k.suffix), k))
    return out


_BY_FIRST_WORD = _by_first_word(KINDS)


def kind_for_filename(filename: str) -> ImageKind | None:
    """The image kind CRIU writes under this base name, or None for a foreign file."""
    for pattern, kind in _BY_FIRST_WORD.get(_first_word(filename), ()):
        if re.fullmatch(pattern, filename):
            return kind
    return None


def kinds_for_magic(magic: int) -> list[ImageKind]:
    """Every kind with this magic (pagemap and pagemap-shmem share one)."""
    return [k for k in KINDS if k.magic == magic and magic != RAW_IMAGE_MAGIC]
