"""Entry framing and payloads, on images built with our writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc._pb import image_misc_pb2 as misc_pb
from criu_rpc._pb import image_ns_pb2 as ns_pb
from criu_rpc._pb import image_task_pb2 as task_pb
from criu_rpc.images import ImageError, image_to_dict, message_to_dict, read_image
from criu_rpc.images.framing import (
    IpcMessage,
    TcpQueues,
    _fast_pagemap,
    pagemap_from_messages,
    read_pagemap,
)
from criu_rpc.images.writer import encode_image, frame, write_image


def test_entries_round_trip(tmp_path: Path) -> None:
    entries = [task_pb.pstree_entry(pid=i, ppid=0, pgid=i, sid=i, threads=[i, i + 1]) for i in range(1, 4)]
    write_image(tmp_path / "pstree.img", "PSTREE", entries)
    img = read_image(tmp_path / "pstree.img")
    assert img.kind.name == "PSTREE"
    assert img.messages == entries
    assert image_to_dict(img)["entries"][0] == {"pid": 1, "ppid": 0, "pgid": 1, "sid": 1, "threads": [1, 2]}


def test_inventory_has_a_single_magic(tmp_path: Path) -> None:
    data = encode_image("INVENTORY", [misc_pb.inventory_entry(img_version=2)])
    assert data[:4] == (0x58313116).to_bytes(4, "little")
    (tmp_path / "inventory.img").write_bytes(data)
    assert read_image(tmp_path / "inventory.img").messages[0].img_version == 2  # type: ignore[attr-defined]


def test_kind_from_magic_when_name_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "renamed"
    write_image(path, "FS", [task_pb.fs_entry(cwd_id=1, root_id=2)])
    assert read_image(path).kind.name == "FS"


def test_pipe_data_and_sk_queue_payloads(tmp_path: Path) -> None:
    write_image(
        tmp_path / "pipes-data.img",
        "PIPES_DATA",
        [files_pb.pipe_data_entry(pipe_id=1, bytes=3), files_pb.pipe_data_entry(pipe_id=2, bytes=0)],
        [b"abc", b""],
    )
    img = read_image(tmp_path / "pipes-data.img")
    assert [e.extra for e in img.entries] == [b"abc", b""]
    assert image_to_dict(img)["entries"][0]["extra"] == "YWJj"
    skipped = read_image(tmp_path / "pipes-data.img", payload=False)
    assert [(e.extra, e.extra_size) for e in skipped.entries] == [(None, 3), (None, 0)]


def test_tcp_stream_payload(tmp_path: Path) -> None:
    e = files_pb.tcp_stream_entry(
        inq_len=2, inq_seq=1, outq_len=3, outq_seq=2, opt_mask=0, snd_wscale=7, mss_clamp=1460
    )
    write_image(tmp_path / "tcp-stream-1f.img", "TCP_STREAM", [e], [b"in" + b"out"])
    img = read_image(tmp_path / "tcp-stream-1f.img")
    assert img.entries[0].extra == TcpQueues(b"in", b"out")
    assert image_to_dict(img)["entries"][0]["extra"] == {"inq": "aW4=", "outq": "b3V0"}


def _desc() -> ns_pb.ipc_desc_entry:
    return ns_pb.ipc_desc_entry(key=1, uid=0, gid=0, cuid=0, cgid=0, mode=0o600, id=7)


def test_ipc_payloads(tmp_path: Path) -> None:
    sem = ns_pb.ipc_sem_entry(desc=_desc(), nsems=3)
    write_image(tmp_path / "ipcns-sem-1.img", "IPCNS_SEM", [sem], [b"\x01\x00\x02\x00\x03\x00\x00\x00"])
    assert read_image(tmp_path / "ipcns-sem-1.img").entries[0].extra == (1, 2, 3)

    shm = ns_pb.ipc_shm_entry(desc=_desc(), size=5)
    write_image(tmp_path / "ipcns-shm-1.img", "IPCNS_SHM", [shm], [b"hello\0\0\0"])
    assert read_image(tmp_path / "ipcns-shm-1.img").entries[0].extra == b"hello"

    msg = ns_pb.ipc_msg_entry(desc=_desc(), qbytes=100, qnum=2)
    m1, m2 = ns_pb.ipc_msg(mtype=1, msize=3), ns_pb.ipc_msg(mtype=2, msize=8)
    payload = frame(m1) + b"abc" + b"\0" * 5 + frame(m2) + b"12345678"
    write_image(tmp_path / "ipcns-msg-1.img", "IPCNS_MSG", [msg], [payload])
    img = read_image(tmp_path / "ipcns-msg-1.img")
    assert img.entries[0].extra == (IpcMessage(m1, b"abc"), IpcMessage(m2, b"12345678"))
    assert image_to_dict(img)["entries"][0]["extra"][0] == {"mtype": 1, "msize": 3}


def test_ghost_file_with_and_without_chunks(tmp_path: Path) -> None:
    plain = files_pb.ghost_file_entry(uid=0, gid=0, mode=0o100644, size=4)
    write_image(tmp_path / "ghost-file-1.img", "GHOST_FILE", [plain], [b"data"])
    img = read_image(tmp_path / "ghost-file-1.img")
    assert img.entries[0].extra == b"data"

    chunked = files_pb.ghost_file_entry(uid=0, gid=0, mode=0o100644, chunks=True, size=10)
    c1, c2 = files_pb.ghost_chunk_entry(len=2, off=0), files_pb.ghost_chunk_entry(len=3, off=7)
    write_image(tmp_path / "ghost-file-2.img", "GHOST_FILE", [chunked, c1, c2], [b"", b"ab", b"xyz"])
    img = read_image(tmp_path / "ghost-file-2.img")
    assert [e.extra for e in img.entries] == [None, b"ab", b"xyz"]


def test_pagemap_head_and_both_count_fields(tmp_path: Path) -> None:
    entries = [
        mem_pb.pagemap_head(pages_id=3),
        mem_pb.pagemap_entry(vaddr=0x1000, nr_pages=2, flags=4),
        # CRIU 4.2 style: 64-bit count in field 5, field 2 kept for old readers.
        mem_pb.pagemap_entry(vaddr=0x10000, nr_pages=0, nr_pages64=1 << 33, flags=4),
        # Pre-flags images: in_parent only.
        mem_pb.pagemap_entry(vaddr=0x4000_0000_0000, nr_pages=1, in_parent=True),
        mem_pb.pagemap_entry(vaddr=0x5000_0000_0000, nr_pages=1),
    ]
    write_image(tmp_path / "pagemap-1.img", "PAGEMAP", entries)
    pm = pagemap_from_messages(read_image(tmp_path / "pagemap-1.img").messages)
    assert pm.pages_id == 3
    assert [e.nr_pages for e in pm.entries] == [2, 1 << 33, 1, 1]
    assert [e.flag_names for e in pm.entries] == ["present", "present", "parent", "present"]
    assert pm.parent_pages == 1
    assert read_pagemap(tmp_path / "pagemap-1.img") == pm  # the one-call fast path agrees


def test_fast_pagemap_falls_back_to_precise_errors(tmp_path: Path) -> None:
    entries = [mem_pb.pagemap_head(pages_id=1)] + [
        mem_pb.pagemap_entry(vaddr=0x1000 * i, nr_pages=1, flags=4) for i in range(1, 300)
    ]
    data = bytearray(encode_image("PAGEMAP", entries))
    path = tmp_path / "pagemap-1.img"
    path.write_bytes(bytes(data))
    assert len(read_pagemap(path).vaddrs) == 299
    path.write_bytes(bytes(data[:-2]))
    with pytest.raises(ImageError, match="entry 299 at offset"):
        read_pagemap(path)
    partial = mem_pb.pagemap_entry(vaddr=1).SerializePartialToString()  # nr_pages missing
    path.write_bytes(encode_image("PAGEMAP", entries[:5]) + len(partial).to_bytes(4, "little") + partial)
    with pytest.raises(ImageError, match=r"entry 5 .* lacks required nr_pages"):
        read_pagemap(path)


def _entry(vaddr_pages: int, nr_pages: int, pad: int = 0) -> bytes:
    """A framed pagemap_entry; ``pad`` bytes of an unknown field make it as long as wanted."""
    body = mem_pb.pagemap_entry(vaddr=vaddr_pages << 12, nr_pages=nr_pages, flags=4).SerializeToString()
    if pad:
        body += b"\x4a" + bytes((pad & 0x7F | 0x80, pad >> 7)) + b"x" * pad  # field 9, bytes
    return len(body).to_bytes(4, "little") + body


@pytest.mark.parametrize(
    "sizes",
    [
        "long runs",  # one size for hundreds of entries, then another
        "alternating",  # every entry differs in size from the next
        "short runs",  # runs of 2 and 3
        "big entries",  # sizes above 255: the prefix's second byte is not 0
    ],
)
def test_fast_pagemap_agrees_whatever_the_entry_sizes(tmp_path: Path, sizes: str) -> None:
    # nr_pages < 128 is one varint byte, >= 128 two: the entry's size follows.
    pattern = {
        "long runs": [1] * 700 + [200] * 300 + [5] * 20,
        "alternating": [1, 300] * 400,
        "short runs": [1, 1, 300, 300, 300] * 150,
        "big entries": [1, 300] * 50,
    }[sizes]
    pad = 300 if sizes == "big entries" else 0
    body = b"".join(_entry(2 * i + 1, nr, pad if i % 3 else 0) for i, nr in enumerate(pattern))
    head = encode_image("PAGEMAP", [mem_pb.pagemap_head(pages_id=7)])
    path = tmp_path / "pagemap-1.img"
    path.write_bytes(head + body)
    slow = pagemap_from_messages(read_image(path).messages)
    assert slow.counts == tuple(pattern)
    assert _fast_pagemap(head + body, 8) == slow  # no fallback: the one-call path read it
    assert read_pagemap(path) == slow


def test_raw_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pages-1.img").write_bytes(b"\0" * 4096)
    with pytest.raises(ImageError, match="raw image"):
        read_image(tmp_path / "pages-1.img")


def test_enum_out_of_range_is_kept_as_number() -> None:
    e = files_pb.fdinfo_entry(id=1, flags=0, type=files_pb.REG, fd=0)
    assert message_to_dict(e)["type"] == "REG"
