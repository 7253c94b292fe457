"""Property test: mutated images never raise anything but ImageError.

Seeds are the images of a synthetic checkpoint (every payload kind included);
mutations flip, overwrite, insert, delete and truncate bytes. A few thousand
examples run in a few seconds.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagefixtures import FakeProcess, make_checkpoint

from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc._pb import image_ns_pb2 as ns_pb
from criu_rpc.images import ImageError, decode_image, open_images
from criu_rpc.images.framing import read_pagemap
from criu_rpc.images.magic import kind_for_filename
from criu_rpc.images.writer import encode_image, frame
from criu_rpc.inspect import _DIR_VIEWS

_SEED_DIR = Path(tempfile.mkdtemp(prefix="criu-rpc-fuzz-"))
atexit.register(shutil.rmtree, _SEED_DIR, ignore_errors=True)
_CK = make_checkpoint(_SEED_DIR / "ck", [FakeProcess(100, threads=(100, 101)), FakeProcess(102, 100)])


def _extra_seeds() -> dict[str, bytes]:
    desc = ns_pb.ipc_desc_entry(key=1, uid=0, gid=0, cuid=0, cgid=0, mode=0o600, id=7)
    tcp = files_pb.tcp_stream_entry(
        inq_len=2, inq_seq=1, outq_len=3, outq_seq=2, opt_mask=0, snd_wscale=7, mss_clamp=1460
    )
    ghost = files_pb.ghost_file_entry(uid=0, gid=0, mode=0o100644, chunks=True, size=10)
    return {
        "tcp-stream-1.img": encode_image("TCP_STREAM", [tcp], [b"inout"]),
        "ipcns-sem-1.img": encode_image(
            "IPCNS_SEM", [ns_pb.ipc_sem_entry(desc=desc, nsems=3)], [b"\1\0\2\0\3\0\0\0"]
        ),
        "ipcns-msg-1.img": encode_image(
            "IPCNS_MSG",
            [ns_pb.ipc_msg_entry(desc=desc, qbytes=9, qnum=1)],
            [frame(ns_pb.ipc_msg(mtype=1, msize=3)) + b"abc\0\0\0\0\0"],
        ),
        "ipcns-shm-1.img": encode_image("IPCNS_SHM", [ns_pb.ipc_shm_entry(desc=desc, size=3)], [b"abc\0"]),
        "ghost-file-1.img": encode_image(
            "GHOST_FILE", [ghost, files_pb.ghost_chunk_entry(len=2, off=0)], [b"", b"ab"]
        ),
        "bpfmap-data.img": encode_image(
            "BPFMAP_DATA",
            [files_pb.bpfmap_data_entry(map_id=1, keys_bytes=2, values_bytes=2, count=1)],
            [b"kkvv"],
        ),
    }


SEEDS: dict[str, bytes] = {
    p.name: p.read_bytes()
    for p in sorted(_CK.iterdir())
    if kind_for_filename(p.name) is not None and not kind_for_filename(p.name).raw  # type: ignore[union-attr]
}
SEEDS.update(_extra_seeds())
NAMES = sorted(SEEDS)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(NAMES))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "u32"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[pos:]
        elif op == "u32" and len(data) >= pos + 4:
            data[pos : pos + 4] = draw(st.sampled_from([0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF])).to_bytes(
                4, "little"
            )
    return name, bytes(data)


_settings = settings(
    max_examples=3000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@_settings
@given(mutated())
def test_reader_raises_only_image_error(case: tuple[str, bytes]) -> None:
    name, data = case
    for kind in (kind_for_filename(name), None):
        try:
            decode_image(data, name, kind=kind)
        except ImageError as exc:
            message = str(exc)
        else:
            message = name
        assert message.startswith(name)
    if name.startswith("pagemap-"):
        path = _SEED_DIR / "fuzz" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        with contextlib.suppress(ImageError):
            read_pagemap(path)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(mutated())
def test_views_raise_only_image_error(case: tuple[str, bytes]) -> None:
    """A checkpoint with one mutated image: every directory view succeeds or raises ImageError."""
    name, data = case
    work = _SEED_DIR / "views"
    if not work.exists():
        shutil.copytree(_CK, work, symlinks=True)
    target = work / name
    original = target.read_bytes() if target.exists() else None
    target.write_bytes(data)
    try:
        for as_json in (False, True):  # rss builds only the output asked for
            args = argparse.Namespace(pid=None, json=as_json)
            for view in _DIR_VIEWS.values():
                with contextlib.suppress(ImageError):
                    view(open_images(work), args)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_bytes(original)
