"""Property test: whatever the layout, dedup then squash give back every page byte for byte.

Random pagemap runs for a parent and a child (overlapping partly, some lazy),
random pages changed in the child, chains of two or three links: the pages
read back through the chain, and from the squashed copy, must equal what the
full child dump held, and the chain must verify.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagefixtures import HEAP, PE_LAZY, PE_PRESENT, FakeProcess, make_checkpoint

from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc.images import open_images, read_messages
from criu_rpc.images.magic import PAGE_SIZE
from criu_rpc.incremental import dedup, squash, verify_chain

PID = 100
SPAN = 80  # pages of address space the runs are drawn from

Runs = list[tuple[int, int, int]]


@st.composite
def layouts(draw: st.DrawFn) -> Runs:
    """Sorted, disjoint runs (vaddr, pages, flags) inside SPAN pages."""
    cuts = sorted(draw(st.sets(st.integers(0, SPAN), min_size=2, max_size=12)))
    runs = []
    for a, b in itertools.pairwise(cuts):
        kind = draw(st.sampled_from(["present", "present-lazy", "lazy", "gap"]))
        flags = {"present": PE_PRESENT, "present-lazy": PE_PRESENT | PE_LAZY, "lazy": PE_LAZY}.get(kind)
        if flags is not None:
            runs.append((HEAP + a * PAGE_SIZE, b - a, flags))
    return runs


def write(path: Path, runs: Runs, changed: set[int]) -> dict[int, bytes]:
    """A checkpoint with these runs; pages whose index is in ``changed`` get new bytes."""
    make_checkpoint(path, (FakeProcess(PID, runs=runs),))
    head = read_messages(path / f"pagemap-{PID}.img")[0]
    assert isinstance(head, mem_pb.pagemap_head)
    memory = {}
    with open(path / f"pages-{head.pages_id}.img", "r+b") as f:
        for vaddr, nr, flags in runs:
            if not flags & PE_PRESENT:
                continue
            for i in range(nr):
                addr = vaddr + i * PAGE_SIZE
                if (addr - HEAP) // PAGE_SIZE in changed:
                    f.write(addr.to_bytes(8, "little") * (PAGE_SIZE // 8))
                else:
                    f.seek(PAGE_SIZE, 1)
    with open_images(path).pages(PID) as reader:
        for vaddr, nr, flags in runs:
            if flags & PE_PRESENT:
                for i in range(nr):
                    memory[vaddr + i * PAGE_SIZE] = reader.read(vaddr + i * PAGE_SIZE, PAGE_SIZE)
    return memory


def read_back(path: Path, addresses: list[int]) -> dict[int, bytes]:
    with open_images(path, follow_outside=True).pages(PID) as reader:
        return {a: reader.read(a, PAGE_SIZE) for a in addresses}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(layouts(), min_size=2, max_size=3),
    st.lists(st.sets(st.integers(0, SPAN - 1), max_size=20), min_size=3, max_size=3),
)
def test_dedup_chain_round_trips(layouts_: list[Runs], changes: list[set[int]]) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dedup-prop-"))
    try:
        links: list[Path] = []
        for i, runs in enumerate(layouts_):
            here = tmp / str(i)
            want = write(here, runs, changes[i])
            if links:
                result = dedup(here, links[-1])
                assert result.pages_total == len(want)
                assert result.bytes_after == result.pages_kept * PAGE_SIZE
            links.append(here)
        verify_chain(links[-1])
        assert read_back(links[-1], list(want)) == want
        squash(links[-1], tmp / "squashed")
        assert read_back(tmp / "squashed", list(want)) == want
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
