"""Content-dedup chains on synthetic checkpoints: rewrite, verify, squash, flatten, delete.

No CRIU and no root: the checkpoints come from imagefixtures, and
"restores correctly" is checked by reading every page back through the chain
with the image library's PageReader, which follows PE_PARENT runs as CRIU does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from imagefixtures import HEAP, PE_LAZY, PE_PARENT, PE_PRESENT, FakeProcess, make_checkpoint

from criu_rpc import Criu, RestoreOptions
from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc.images import open_images, read_messages
from criu_rpc.images.magic import PAGE_SIZE
from criu_rpc.images.writer import write_image
from criu_rpc.incremental import (
    BrokenChainError,
    ChainInUseError,
    dedup,
    dependants,
    flatten,
    remove_checkpoint,
    restore_chain,
    squash,
    verify_chain,
)

PID = 100
RUNS = (
    (HEAP, 24, PE_PRESENT),
    (HEAP + 30 * PAGE_SIZE, 6, PE_PRESENT | PE_LAZY),
    (HEAP + 40 * PAGE_SIZE, 2, PE_LAZY),
)
PROCS = (FakeProcess(PID, comm="root", runs=RUNS), FakeProcess(102, PID, "kid", runs=RUNS[:1]))


def present_pages(pid: int) -> list[int]:
    proc = next(p for p in PROCS if p.pid == pid)
    return [v + i * PAGE_SIZE for v, n, f in proc.runs if f & PE_PRESENT for i in range(n)]


def snapshot(path: Path, changed: dict[int, bytes] | None = None) -> dict[int, dict[int, bytes]]:
    """A fixture checkpoint, then some pages overwritten; returns pid -> vaddr -> bytes."""
    make_checkpoint(path, PROCS)
    memory: dict[int, dict[int, bytes]] = {}
    for proc in PROCS:
        with open_images(path).pages(proc.pid) as reader:
            memory[proc.pid] = {v: reader.read(v, PAGE_SIZE) for v in present_pages(proc.pid)}
    for vaddr, data in (changed or {}).items():
        set_page(path, PID, vaddr, data)
        memory[PID][vaddr] = data
    return memory


def set_page(path: Path, pid: int, vaddr: int, data: bytes) -> None:
    pages = present_pages(pid)
    pm = read_messages(path / f"pagemap-{pid}.img")
    assert isinstance(pm[0], mem_pb.pagemap_head)
    with open(path / f"pages-{pm[0].pages_id}.img", "r+b") as f:
        f.seek(pages.index(vaddr) * PAGE_SIZE)
        f.write(data)


def read_back(path: Path) -> dict[int, dict[int, bytes]]:
    ckpt = open_images(path, follow_outside=True)
    out = {}
    for proc in PROCS:
        with ckpt.pages(proc.pid) as reader:
            out[proc.pid] = {v: reader.read(v, PAGE_SIZE) for v in present_pages(proc.pid)}
    return out


def page(fill: int) -> bytes:
    return bytes([fill]) * PAGE_SIZE


def entries(path: Path, pid: int = PID) -> list[tuple[int, int, int]]:
    msgs = read_messages(path / f"pagemap-{pid}.img")[1:]
    return [(m.vaddr, m.nr_pages, m.flags) for m in msgs if isinstance(m, mem_pb.pagemap_entry)]


def test_identical_dump_keeps_no_pages(tmp_path: Path) -> None:
    base = snapshot(tmp_path / "1")
    snapshot(tmp_path / "2")
    result = dedup(tmp_path / "2", tmp_path / "1")
    assert result.pages_total == 30 + 24
    assert result.pages_in_parent == result.pages_total
    assert result.bytes_after == 0
    assert os.readlink(tmp_path / "2" / "parent") == "../1", "the link is relative"
    assert read_back(tmp_path / "2") == base
    assert entries(tmp_path / "2") == [
        (HEAP, 24, PE_PARENT),
        (HEAP + 30 * PAGE_SIZE, 6, PE_PARENT),
        (HEAP + 40 * PAGE_SIZE, 2, PE_LAZY),
    ]
    verify_chain(tmp_path / "2")


def test_changed_pages_stay_in_order(tmp_path: Path) -> None:
    snapshot(tmp_path / "1")
    changed = {HEAP + 3 * PAGE_SIZE: page(1), HEAP + 4 * PAGE_SIZE: page(2), HEAP + 31 * PAGE_SIZE: page(3)}
    want = snapshot(tmp_path / "2", changed)
    result = dedup(tmp_path / "2", tmp_path / "1")
    assert result.pages_kept == 3
    assert result.bytes_after == 3 * PAGE_SIZE
    assert entries(tmp_path / "2") == [
        (HEAP, 3, PE_PARENT),
        (HEAP + 3 * PAGE_SIZE, 2, PE_PRESENT),
        (HEAP + 5 * PAGE_SIZE, 19, PE_PARENT),
        (HEAP + 30 * PAGE_SIZE, 1, PE_PARENT),
        (HEAP + 31 * PAGE_SIZE, 1, PE_PRESENT | PE_LAZY),
        (HEAP + 32 * PAGE_SIZE, 4, PE_PARENT),
        (HEAP + 40 * PAGE_SIZE, 2, PE_LAZY),
    ]
    assert read_back(tmp_path / "2") == want
    pm = read_messages(tmp_path / "2" / f"pagemap-{PID}.img")[0]
    assert isinstance(pm, mem_pb.pagemap_head)
    assert sorted(n for n in os.listdir(tmp_path / "2") if n.startswith("pages-")) == sorted(
        f"pages-{i}.img" for i in (pm.pages_id, pm.pages_id + 1)
    ), "old pages files replaced by fresh ids"


def test_three_link_chain_then_squash(tmp_path: Path) -> None:
    snapshot(tmp_path / "1")
    snapshot(tmp_path / "2", {HEAP: page(7)})
    dedup(tmp_path / "2", tmp_path / "1")
    want = snapshot(tmp_path / "3", {HEAP: page(7), HEAP + PAGE_SIZE: page(8)})
    result = dedup(tmp_path / "3", tmp_path / "2")
    assert result.pages_kept == 1, "page 0 equals link 2's, which holds it itself"
    assert read_back(tmp_path / "3") == want
    report = verify_chain(tmp_path / "3")
    assert [link.path.name for link in report.links] == ["3", "2", "1"]
    assert report.links[0].present_pages == 1

    out = tmp_path / "full"
    squash(tmp_path / "3", out)
    assert not (out / "parent").exists()
    assert read_back(out) == want
    assert all(f in (PE_PRESENT, PE_PRESENT | PE_LAZY, PE_LAZY) for _, _, f in entries(out))
    assert not list(out.glob("*.log"))
    assert (out / "pstree.img").read_bytes() == (tmp_path / "3" / "pstree.img").read_bytes()


def test_parent_with_fewer_pages_keeps_the_rest(tmp_path: Path) -> None:
    make_checkpoint(tmp_path / "1", (FakeProcess(PID, runs=[(HEAP, 4, PE_PRESENT)]),))
    make_checkpoint(tmp_path / "2", (FakeProcess(PID, runs=[(HEAP, 8, PE_PRESENT)]),))
    result = dedup(tmp_path / "2", tmp_path / "1")
    assert (result.pages_in_parent, result.pages_kept) == (4, 4)
    assert entries(tmp_path / "2") == [(HEAP, 4, PE_PARENT), (HEAP + 4 * PAGE_SIZE, 4, PE_PRESENT)]


def test_nothing_in_common_leaves_dump_alone(tmp_path: Path) -> None:
    make_checkpoint(tmp_path / "1", PROCS, generation=1)
    make_checkpoint(tmp_path / "2", PROCS, generation=2)
    before = sorted(os.listdir(tmp_path / "2"))
    result = dedup(tmp_path / "2", tmp_path / "1")
    assert result.pages_in_parent == 0
    assert sorted(os.listdir(tmp_path / "2")) == before, "no parent link, no rewrite"


def test_dedup_refusals(tmp_path: Path) -> None:
    snapshot(tmp_path / "1")
    snapshot(tmp_path / "2")
    dedup(tmp_path / "2", tmp_path / "1")
    with pytest.raises(ValueError, match="already has a parent"):
        dedup(tmp_path / "2", tmp_path / "1")
    with pytest.raises(ValueError, match="its own parent"):
        dedup(tmp_path / "1", tmp_path / "1")
    with pytest.raises(ValueError, match="loop"):
        dedup(tmp_path / "1", tmp_path / "2")


def broken_chain(tmp_path: Path) -> Path:
    snapshot(tmp_path / "1")
    snapshot(tmp_path / "2", {HEAP: page(9)})
    dedup(tmp_path / "2", tmp_path / "1")
    return tmp_path / "2"


def test_verify_missing_parent_link(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    (child / "parent").unlink()
    with pytest.raises(BrokenChainError, match="no parent"):
        verify_chain(child)


def test_verify_parent_lacks_pagemap(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    (tmp_path / "1" / f"pagemap-{PID}.img").unlink()
    with pytest.raises(BrokenChainError, match=f"has no pagemap-{PID}.img"):
        verify_chain(child)


def test_verify_truncated_parent_pages(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    pages = tmp_path / "1" / "pages-1.img"
    os.truncate(pages, pages.stat().st_size - PAGE_SIZE)
    with pytest.raises(BrokenChainError, match="needs exactly"):
        verify_chain(child)


def test_verify_hole_up_the_chain(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    parent_pm = tmp_path / "1" / f"pagemap-{PID}.img"
    msgs = read_messages(parent_pm)
    head, first = msgs[0], msgs[1]
    assert isinstance(first, mem_pb.pagemap_entry)
    # The parent claims only 20 of the 24 pages its pages file holds for that run.
    short = mem_pb.pagemap_entry(vaddr=first.vaddr, nr_pages=20, flags=PE_PRESENT)
    write_image(parent_pm, "PAGEMAP", [head, short, *msgs[2:]])
    with pytest.raises(BrokenChainError, match=r"no link up the chain holds them|needs exactly"):
        verify_chain(child)


def test_verify_rejects_parent_with_present_flag(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    pm = child / f"pagemap-{PID}.img"
    msgs = read_messages(pm)
    bad = next(m for m in msgs[1:] if isinstance(m, mem_pb.pagemap_entry) and m.flags == PE_PARENT)
    bad.flags = PE_PARENT | PE_PRESENT
    write_image(pm, "PAGEMAP", msgs)
    with pytest.raises(BrokenChainError, match="PE_PARENT must be alone"):
        verify_chain(child)


def test_verify_needs_full_newest(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    (child / "inventory.img").unlink()
    with pytest.raises(BrokenChainError, match=r"inventory\.img"):
        verify_chain(child)


def test_flatten_then_delete_parent(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    want = read_back(child)
    with pytest.raises(ChainInUseError, match="still needed"):
        remove_checkpoint(tmp_path / "1")
    assert dependants(tmp_path / "1", [child, tmp_path / "1"]) == [child.resolve()]
    flatten(child)
    assert not (child / "parent").exists()
    remove_checkpoint(tmp_path / "1")
    assert not (tmp_path / "1").exists()
    assert read_back(child) == want
    verify_chain(child)


def test_chain_can_be_moved(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    want = read_back(child)
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    os.rename(tmp_path, moved)
    try:
        assert read_back(moved / "2") == want
        verify_chain(moved / "2")
    finally:
        os.rename(moved, tmp_path)


def test_restore_chain_needs_timeout_and_sound_chain(tmp_path: Path) -> None:
    child = broken_chain(tmp_path)
    with pytest.raises(ValueError, match="timeout"):
        restore_chain(Criu(sys.executable), RestoreOptions(images_dir=child))
    with pytest.raises(ValueError, match="auto_dedup"):
        restore_chain(Criu(sys.executable, timeout=5), RestoreOptions(images_dir=child, auto_dedup=True))
    (child / "parent").unlink()
    with pytest.raises(BrokenChainError):
        restore_chain(Criu(sys.executable, timeout=5), RestoreOptions(images_dir=child))


def test_compare_speed(tmp_path: Path) -> None:
    """At least 1 GB/s of pages compared (issue 4), on 64 MiB of nearly identical memory."""
    n = 16384
    proc = (FakeProcess(PID, runs=[(HEAP, n, PE_PRESENT)]),)
    make_checkpoint(tmp_path / "1", proc)
    make_checkpoint(tmp_path / "2", proc)
    for i in range(0, n, 997):
        set_page_raw(tmp_path / "2", i, page(i % 251))
    result = dedup(tmp_path / "2", tmp_path / "1")
    assert result.pages_kept == len(range(0, n, 997))
    assert result.compare_gbps >= 1.0, f"{result.compare_gbps:.2f} GB/s"


def set_page_raw(path: Path, index: int, data: bytes) -> None:
    with open(path / "pages-1.img", "r+b") as f:
        f.seek(index * PAGE_SIZE)
        f.write(data)


def test_parent_may_be_pages_only(tmp_path: Path) -> None:
    """A parent needs only its pagemaps and pages (a pre-dump round, or a thinned old link)."""
    snapshot(tmp_path / "1")
    for name in os.listdir(tmp_path / "1"):
        if not name.startswith(("pagemap-", "pages-")):
            (tmp_path / "1" / name).unlink()
    want = snapshot(tmp_path / "2", {HEAP: page(5)})
    assert dedup(tmp_path / "2", tmp_path / "1").pages_kept == 1
    assert read_back(tmp_path / "2") == want
    verify_chain(tmp_path / "2")
