"""Entry framing: the magic header, size-prefixed protobuf entries and the payloads after them.

Layout of an image file (CRIU images v1.1)::

    [IMG_COMMON or IMG_SERVICE magic, u32]   absent in inventory.img
    [image magic, u32]
    ( [size, u32 little endian] [size bytes: one protobuf entry] [extra payload] )*

Raw images (pages-*.img, ifaddr, route, tarballs) have no header at all and are
never decoded here. Every way the bytes can disagree with that layout is turned
into an :class:`ImageError` that names the file, the entry and the offset.
"""

from __future__ import annotations

import math
import mmap
import os
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from google.protobuf.message import DecodeError, Message

from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc._pb import image_ns_pb2 as ns_pb

from .errors import ImageError
from .fileio import open_regular
from .magic import (
    BY_NAME,
    IMG_COMMON_MAGIC,
    IMG_SERVICE_MAGIC,
    PAGE_SIZE,
    Extra,
    Framing,
    ImageKind,
    kind_for_filename,
    kinds_for_magic,
)
from .views import PE_PARENT, PE_PRESENT, Pagemap

# Files above this size are mapped rather than read: ghost files and pipe data can be large.
_MMAP_THRESHOLD = 1 << 20


class TcpQueues(NamedTuple):
    """The bytes queued on a TCP socket when it was dumped (tcp-stream-*.img payload)."""

    inq: bytes
    outq: bytes


class IpcMessage(NamedTuple):
    """One SysV message of an ipcns-msg queue: its header entry and its text."""

    header: Message
    data: bytes


ExtraPayload = bytes | TcpQueues | tuple[int, ...] | tuple[IpcMessage, ...] | None


class Entry(NamedTuple):
    """One decoded entry and the payload that followed it, if the image kind has one.

    ``extra_size`` is set even when the payload was skipped (``payload=False``),
    so summaries can report sizes without holding the bytes.
    """

    message: Message
    offset: int
    extra: ExtraPayload = None
    extra_size: int = 0


class Image(NamedTuple):
    """A whole decoded image file."""

    path: str
    kind: ImageKind
    entries: tuple[Entry, ...]

    @property
    def messages(self) -> list[Message]:
        return [e.message for e in self.entries]


def _round_up(value: int, to: int) -> int:
    return (value + to - 1) // to * to


class _Cursor:
    """Bounds-checked reads from a buffer, raising ImageError with file and offset."""

    def __init__(self, path: str, buf: bytes | mmap.mmap) -> None:
        self.path = path
        self.view = memoryview(buf)
        self.size = len(self.view)
        self.off = 0

    def at_end(self) -> bool:
        return self.off >= self.size

    def u32(self, what: str) -> int:
        if self.size - self.off < 4:
            raise ImageError(self.path, f"truncated {what} at offset {self.off} (file is {self.size} bytes)")
        value = int.from_bytes(self.view[self.off : self.off + 4], "little")
        self.off += 4
        return value

    def take(self, length: int, what: str) -> memoryview:
        if length < 0 or self.size - self.off < length:
            raise ImageError(
                self.path,
                f"truncated {what} at offset {self.off}: needs {length} bytes, {self.size - self.off} left",
            )
        chunk = self.view[self.off : self.off + length]
        self.off += length
        return chunk

    def skip(self, length: int, what: str) -> None:
        self.take(length, what)

    def message(self, cls: type[Message], what: str) -> tuple[Message, int]:
        start = self.off
        size = self.u32(f"size of {what}")
        if size >= 1 << 31:
            raise ImageError(self.path, f"{what} at offset {start}: negative size {size - (1 << 32)}")
        body = self.take(size, what)
        msg = cls()
        try:
            msg.ParseFromString(body)  # type: ignore[arg-type]  # upb takes any buffer
        except (DecodeError, ValueError, RuntimeError) as exc:
            raise ImageError(
                self.path, f"{what} at offset {start}: not a valid {cls.DESCRIPTOR.name} ({exc})"
            ) from None
        if not msg.IsInitialized():
            missing = ", ".join(msg.FindInitializationErrors())  # type: ignore[attr-defined]
            raise ImageError(
                self.path, f"{what} at offset {start}: {cls.DESCRIPTOR.name} lacks required {missing}"
            )
        return msg, start


def read_header(path: str, head: bytes, kind: ImageKind | None) -> tuple[ImageKind, int]:
    """Check the magic words at the start of an image; return its kind and header length."""
    if len(head) < 4:
        raise ImageError(path, f"too short for an image header ({len(head)} bytes)")
    first = int.from_bytes(head[:4], "little")
    if first in (IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC):
        if len(head) < 8:
            raise ImageError(path, "truncated image header (second magic missing)")
        magic, hlen = int.from_bytes(head[4:8], "little"), 8
    else:
        magic, hlen = first, 4
    if kind is None:
        candidates = kinds_for_magic(magic)
        if not candidates:
            raise ImageError(path, f"unknown magic 0x{magic:08x} (raw data, or not a CRIU image)")
        kind = candidates[0]
    if kind.framing is Framing.RAW:
        raise ImageError(path, f"{kind.name} is a raw image: it has no entries to decode")
    if magic != kind.magic:
        raise ImageError(path, f"wrong magic 0x{magic:08x} for a {kind.name} image (want 0x{kind.magic:08x})")
    want_first = None if kind.name == "INVENTORY" else IMG_SERVICE_MAGIC if kind.service else IMG_COMMON_MAGIC
    if want_first is not None and hlen == 4:
        raise ImageError(path, f"missing the common image magic before the {kind.name} magic")
    if want_first is not None and first != want_first:
        raise ImageError(path, f"wrong leading magic 0x{first:08x} for a {kind.name} image")
    if want_first is None and hlen == 8:
        raise ImageError(path, "inventory.img must not carry a common magic")
    return kind, hlen


def _extra(cur: _Cursor, kind: ImageKind, msg: Message, payload: bool, what: str) -> tuple[ExtraPayload, int]:
    """Read (or skip) the payload CRIU writes after an entry of this kind."""
    extra = kind.extra
    if extra is Extra.NONE:
        return None, 0
    if extra is Extra.PIPE_DATA:
        assert isinstance(msg, files_pb.pipe_data_entry)
        size = msg.bytes
    elif extra is Extra.SK_QUEUE:
        assert isinstance(msg, files_pb.sk_packet_entry)
        size = msg.length
    elif extra is Extra.BPFMAP_DATA:
        assert isinstance(msg, files_pb.bpfmap_data_entry)
        size = msg.keys_bytes + msg.values_bytes
    elif extra is Extra.TCP_STREAM:
        assert isinstance(msg, files_pb.tcp_stream_entry)
        inq = bytes(cur.take(msg.inq_len, f"{what} input queue"))
        outq = bytes(cur.take(msg.outq_len, f"{what} output queue"))
        return (TcpQueues(inq, outq) if payload else None), msg.inq_len + msg.outq_len
    elif extra is Extra.IPC_SHM:
        assert isinstance(msg, ns_pb.ipc_shm_entry)
        if msg.in_pagemaps:
            return None, 0
        data = cur.take(_round_up(msg.size, 4), f"{what} segment")
        return (bytes(data[: msg.size]) if payload else None), msg.size
    elif extra is Extra.IPC_SEM:
        assert isinstance(msg, ns_pb.ipc_sem_entry)
        data = cur.take(_round_up(2 * msg.nsems, 8), f"{what} semaphores")
        values = tuple(int.from_bytes(data[i : i + 2], "little") for i in range(0, 2 * msg.nsems, 2))
        return (values if payload else None), 2 * msg.nsems
    else:  # Extra.IPC_MSG
        assert isinstance(msg, ns_pb.ipc_msg_entry)
        messages = []
        total = 0
        for i in range(msg.qnum):
            header, _ = cur.message(ns_pb.ipc_msg, f"{what} message {i}")
            assert isinstance(header, ns_pb.ipc_msg)
            data = cur.take(_round_up(header.msize, 8), f"{what} message {i} text")
            total += header.msize
            messages.append(IpcMessage(header, bytes(data[: header.msize])))
        return (tuple(messages) if payload else None), total
    data = cur.take(size, f"{what} payload")
    return (bytes(data) if payload else None), size


def _iter(cur: _Cursor, kind: ImageKind, payload: bool) -> Iterator[Entry]:
    if kind.framing is Framing.PAGEMAP:
        if cur.at_end():
            raise ImageError(cur.path, "pagemap has no pagemap_head")
        head, off = cur.message(mem_pb.pagemap_head, "pagemap_head")
        yield Entry(head, off)
        i = 1
        while not cur.at_end():
            msg, off = cur.message(mem_pb.pagemap_entry, f"entry {i}")
            yield Entry(msg, off)
            i += 1
        return
    if kind.framing is Framing.GHOST:
        ghost, off = cur.message(files_pb.ghost_file_entry, "ghost_file_entry")
        assert isinstance(ghost, files_pb.ghost_file_entry)
        if not ghost.chunks:
            rest = cur.take(cur.size - cur.off, "ghost content")
            yield Entry(ghost, off, bytes(rest) if payload else None, len(rest))
            return
        yield Entry(ghost, off)
        i = 1
        while not cur.at_end():
            chunk, off = cur.message(files_pb.ghost_chunk_entry, f"chunk {i}")
            assert isinstance(chunk, files_pb.ghost_chunk_entry)
            data = cur.take(chunk.len, f"chunk {i} data")
            yield Entry(chunk, off, bytes(data) if payload else None, chunk.len)
            i += 1
        return
    assert kind.message is not None
    i = 0
    while not cur.at_end():
        what = f"entry {i}"
        msg, off = cur.message(kind.message, what)
        extra, extra_size = _extra(cur, kind, msg, payload, what)
        yield Entry(msg, off, extra, extra_size)
        i += 1


def read_image(path: str | os.PathLike[str], *, kind: ImageKind | None = None, payload: bool = True) -> Image:
    """Decode one image file completely.

    The kind comes from ``kind``, else from the file name, else from the magic.
    ``payload=False`` skips the bytes after entries (pipe data, socket queues,
    ghost file contents): only their sizes are kept.
    """
    p = os.fspath(path)
    try:
        with open_regular(p) as f:
            size = os.fstat(f.fileno()).st_size
            buf: bytes | mmap.mmap
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size > _MMAP_THRESHOLD else f.read()
    except OSError as exc:
        raise ImageError(p, exc.strerror or str(exc)) from None
    try:
        return decode_image(buf, p, kind=kind, payload=payload)
    finally:
        if isinstance(buf, mmap.mmap):
            buf.close()


def decode_image(
    data: bytes | mmap.mmap, name: str, *, kind: ImageKind | None = None, payload: bool = True
) -> Image:
    """Decode an image held in memory (from an archive, a socket...).

    ``name`` is its file name or path: it selects the kind (unless ``kind`` is
    given) and prefixes every error message.
    """
    if kind is None:
        kind = kind_for_filename(os.path.basename(name))
    kind, hlen = read_header(name, bytes(data[:8]), kind)
    cur = _Cursor(name, data)
    cur.off = hlen
    try:
        entries = tuple(_iter(cur, kind, payload))
    finally:
        cur.view.release()
    return Image(name, kind, entries)


def read_messages(path: str | os.PathLike[str], kind: ImageKind | None = None) -> list[Message]:
    """The entries of an image without payloads: what typed views are built from."""
    return read_image(path, kind=kind, payload=False).messages


def pagemap_from_messages(messages: Sequence[Message]) -> Pagemap:
    """Typed pagemap from decoded entries (head first); see image_mem.proto for the count fields."""
    head = messages[0]
    assert isinstance(head, mem_pb.pagemap_head)
    vaddrs, counts, flags = [], [], []
    for m in messages[1:]:
        assert isinstance(m, mem_pb.pagemap_entry)
        vaddrs.append(m.vaddr)
        counts.append(m.nr_pages64 if m.HasField("nr_pages64") else m.nr_pages)
        # Images older than flags only had in_parent to tell the two apart.
        flags.append(m.flags if m.HasField("flags") else PE_PARENT if m.in_parent else PE_PRESENT)
    return Pagemap(head.pages_id, tuple(vaddrs), tuple(counts), tuple(flags))


def read_pagemap(path: str | os.PathLike[str]) -> Pagemap:
    """A pagemap image as a typed Pagemap, parsed in one protobuf call.

    The entries, their u32 size prefixes dropped, are parsed back to back as
    one ``pagemap_columns`` message (see image_mem.proto), so upb reads them
    all at once and each field comes out as one list. Anything unexpected
    falls back to the entry-by-entry reader, whose errors say which entry is bad.
    """
    p = os.fspath(path)
    try:
        with open_regular(p) as f:
            buf = f.read()
    except OSError as exc:
        raise ImageError(p, exc.strerror or str(exc)) from None
    kind = kind_for_filename(os.path.basename(p))
    if kind is None or kind.framing is not Framing.PAGEMAP:
        kind = BY_NAME["PAGEMAP"]
    _, off = read_header(p, buf[:8], kind)
    pagemap = _fast_pagemap(buf, off)
    if pagemap is None:
        pagemap = pagemap_from_messages(read_image(p, kind=kind, payload=False).messages)
    _check_runs(p, pagemap)
    return pagemap


def _check_runs(path: str, pagemap: Pagemap) -> None:
    """Every run must be a page-aligned, non-empty range inside the 64-bit address space."""
    vaddrs, counts = pagemap.vaddrs, pagemap.counts
    # Whole-column checks first (in C: a 500k-run pagemap takes ~10 ms); the loop names the culprit.
    if not vaddrs or (
        math.gcd(*vaddrs) % PAGE_SIZE == 0
        and min(counts) > 0
        and max(vaddrs) + max(counts) * PAGE_SIZE <= 1 << 64
    ):
        return
    for i, (vaddr, nr) in enumerate(zip(vaddrs, counts, strict=True), start=1):
        if vaddr % PAGE_SIZE or nr <= 0 or vaddr + nr * PAGE_SIZE > 1 << 64:
            raise ImageError(path, f"entry {i}: {nr} pages at 0x{vaddr:x} is not a valid address range")


# Field 15 holding 0 as a 3-byte varint: as long as a u32 size prefix. With every prefix
# overwritten by it, the entries stay in place and parse back to back as pagemap_columns.
_FILLER = b"\x78\x80\x80\x00"


def _fill_prefixes(data: bytearray) -> int | None:
    """Overwrite the size prefix of every entry in ``data`` with _FILLER.

    Returns the number of entries, or None if their sizes do not tile ``data``.
    Entries come in long runs of one size (neighbouring runs of pages have
    similar addresses and lengths), and a run's prefixes sit every ``step``
    bytes: slices check and overwrite them all at once, in C (~5 ms for 500k
    entries, against ~130 one entry at a time).
    """
    n, pos, count = len(data), 0, 0
    while pos < n:
        prefix = bytes(data[pos : pos + 4])
        size = int.from_bytes(prefix, "little")
        step = 4 + size
        if len(prefix) < 4 or size >= 1 << 31 or pos + step > n:
            return None
        run = _run_length(data, pos, step, prefix) if data[pos + step : pos + step + 4] == prefix else 1
        end = pos + run * step
        for j in range(4):
            data[pos + j : end : step] = _FILLER[j : j + 1] * run
        count += run
        pos = end
    return count


def _run_length(data: bytearray, pos: int, step: int, prefix: bytes) -> int:
    """How many entries from ``pos`` on have this size prefix, looking at a doubling window of
    them at a time (so that many short runs cost no more than one long one)."""
    limit = (len(data) - pos) // step
    run, window = 0, 16
    while run < limit:
        start, same = pos + run * step, min(window, limit - run)
        full = same
        for j in range(4):
            lane = data[start + j : start + j + same * step : step]
            same = len(lane) - len(lane.lstrip(prefix[j : j + 1]))
        run += same
        if same < full:
            break
        window *= 2
    return run


def _fast_pagemap(buf: bytes, off: int) -> Pagemap | None:
    n = len(buf)
    if n - off < 4:
        return None
    head_size = int.from_bytes(buf[off : off + 4], "little")
    if head_size >= 1 << 31 or off + 4 + head_size > n:
        return None
    head = mem_pb.pagemap_head()
    try:
        head.ParseFromString(buf[off + 4 : off + 4 + head_size])
    except DecodeError:
        return None
    if not head.IsInitialized():
        return None
    off += 4 + head_size
    data = bytearray(buf[off:])
    count = _fill_prefixes(data)
    if count is None:
        return None
    columns = mem_pb.pagemap_columns()
    try:
        columns.ParseFromString(bytes(data))
    except DecodeError:
        return None
    # The columns line up with the entries when every entry has each field once, or no
    # entry has it: CRIU writes them so. Mixed images go the slow way (a field repeated
    # in one entry and missing from another would pass unseen; CRIU never writes that).
    vaddrs, nr_pages, nr_pages64 = columns.vaddr, columns.nr_pages, columns.nr_pages64
    flags, in_parent = columns.flags, columns.in_parent
    if len(vaddrs) != count or len(nr_pages) != count or len(nr_pages64) not in (0, count):
        return None  # a required field is missing: the slow path names the entry
    if len(flags) == count:
        flag_values = tuple(flags)
    elif flags or len(in_parent) not in (0, count):
        return None
    else:  # images older than flags only had in_parent to tell the two apart
        flag_values = tuple(PE_PARENT if p else PE_PRESENT for p in in_parent) or (PE_PRESENT,) * count
    return Pagemap(head.pages_id, tuple(vaddrs), tuple(nr_pages64 or nr_pages), flag_values)
