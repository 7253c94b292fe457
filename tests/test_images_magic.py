"""The magic table: every kind CRIU 4.x writes is known by name and magic."""

from __future__ import annotations

import pytest

from criu_rpc.images.magic import BY_NAME, KINDS, RAW_IMAGE_MAGIC, Framing, kind_for_filename, kinds_for_magic


@pytest.mark.parametrize(
    ("filename", "kind"),
    [
        ("inventory.img", "INVENTORY"),
        ("core-123.img", "CORE"),
        ("pagemap-42.img", "PAGEMAP"),
        ("pagemap-shmem-9876.img", "SHMEM_PAGEMAP"),
        ("pages-1.img", "PAGES"),
        ("netns-ct-5.img", "NETNF_CT"),
        ("netns-5.img", "NETNS"),
        ("tcp-stream-4e2f.img", "TCP_STREAM"),
        ("ghost-file-1a.img", "GHOST_FILE"),
        ("stats-dump", "STATS"),
        ("stats-restore", "STATS"),
        ("irmap-cache", "IRMAP_CACHE"),
        ("tmpfs-dev-12.tar.gz", "TMPFS_DEV"),
        ("signal-p-7.img", "SIGNAL"),
        ("binfmt-misc.img", "BINFMT_MISC"),
        ("files.img", "FILES"),
    ],
)
def test_file_names(filename: str, kind: str) -> None:
    found = kind_for_filename(filename)
    assert found is not None
    assert found.name == kind


@pytest.mark.parametrize(
    "filename", ["dump.log", "core-x.img", "parent", "pages-1.img.tmp", "stats-dump.img"]
)
def test_foreign_names(filename: str) -> None:
    assert kind_for_filename(filename) is None


def test_magics_are_unique_except_known_aliases() -> None:
    seen: dict[int, list[str]] = {}
    for k in KINDS:
        if k.magic != RAW_IMAGE_MAGIC:
            seen.setdefault(k.magic, []).append(k.name)
    shared = {tuple(v) for v in seen.values() if len(v) > 1}
    assert shared == {("PAGEMAP", "SHMEM_PAGEMAP")}
    assert [k.name for k in kinds_for_magic(0x56084025)] == ["PAGEMAP", "SHMEM_PAGEMAP"]


def test_every_structured_kind_has_a_message_or_special_framing() -> None:
    for k in KINDS:
        if k.framing is Framing.ENTRIES:
            assert k.message is not None, k.name
        else:
            assert k.message is None, k.name
    assert len(BY_NAME) == len(KINDS)
    # Everything pycriu 4.1.1 decodes (its MEMFD_FILE has no magic in CRIU: memfd files live
    # in files.img), plus SHMEM_PAGEMAP, SIGNAL, PIDFD and BINFMT_MISC which it lacks.
    assert len([k for k in KINDS if not k.raw]) == 69
