"""Content-deduplicated checkpoint chains that stock ``criu restore`` reads, on any kernel.

CRIU's own incremental dumps need soft-dirty tracking (pre-dump, track_mem),
which many kernels lack. The pages of a mostly static process are identical
from one checkpoint to the next anyway, so :func:`dedup` rewrites a *full*
dump after the fact: every page whose bytes equal the parent checkpoint's
page at the same virtual address becomes a PE_PARENT pagemap run (flags=1
exactly), only changed pages stay in ``pages-N.img``, and a relative
``parent`` symlink tells CRIU where to look. Correctness never depends on the
parent being "the same process": a page is referenced only if its content is
byte-for-byte the same.

Every rewrite is crash-safe: new pages go to a pages file with a fresh id,
and the pagemap that names it replaces the old one with a single rename, so
each pagemap is always consistent with the pages file it names. A broken
chain can make ``criu restore`` spin forever (DESIGN.md), so
:func:`restore_chain` verifies first and insists on a timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.message import Message

from ._pb import image_mem_pb2 as mem_pb
from .client import Criu
from .images.chain import PARENT_LINK, walk_chain
from .images.errors import ImageError
from .images.magic import PAGE_SIZE
from .images.pagechain import (
    PAGEMAP_RE,
    PAGES_RE,
    TMP_SUFFIX,
    BrokenChainError,
    ChainResolver,
    PagemapFile,
    PagesFiles,
    PageSource,
    commit_pagemaps,
    copy_pages,
    entry_flags,
    equal_runs,
    fresh_pages_ids,
    fsync_dir,
    intersect,
    load_pagemap,
    make_entry,
    nr_pages,
    pagemap_names,
)
from .images.views import PE_PARENT, PE_PRESENT
from .images.writer import write_image
from .notify import Notifier
from .options import RestoreOptions
from .results import RestoreResult

__all__ = [
    "BrokenChainError",
    "ChainInUseError",
    "ChainReport",
    "DedupResult",
    "LinkReport",
    "dedup",
    "dependants",
    "flatten",
    "register",
    "remove_checkpoint",
    "restore_chain",
    "squash",
    "verify_chain",
]


class ChainInUseError(ImageError):
    """A checkpoint that other checkpoints still take pages from cannot be deleted."""


@dataclass(frozen=True)
class LinkReport:
    """One directory of a chain: how many pages it holds itself and its size on disk."""

    path: Path
    present_pages: int
    parent_pages: int
    disk_bytes: int


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` checked, newest link first."""

    links: tuple[LinkReport, ...]

    @property
    def disk_bytes(self) -> int:
        return sum(link.disk_bytes for link in self.links)


@dataclass(frozen=True)
class DedupResult:
    """What :func:`dedup` did to one checkpoint.

    ``pages_total`` counts the pages the full dump held; ``pages_in_parent``
    of them now live up the chain. ``compare_gbps``: GB of this dump's pages
    compared with the parent's per second (each byte counted once, not twice).
    """

    directory: Path
    parent: Path
    pages_total: int
    pages_in_parent: int
    bytes_before: int
    bytes_after: int
    seconds: float
    compare_gbps: float

    @property
    def pages_kept(self) -> int:
        return self.pages_total - self.pages_in_parent


# ---- public API ----------------------------------------------------------------------------------


def dedup(directory: str | os.PathLike[str], parent: str | os.PathLike[str]) -> DedupResult:
    """Rewrite the full dump in ``directory`` to take its unchanged pages from ``parent``.

    ``parent`` is an earlier checkpoint (full or itself deduplicated) of the
    same process tree; it is verified first and never modified. Pages are
    compared at the same virtual address in the pagemap of the same name.
    Afterwards ``directory`` has a relative ``parent`` link and holds only
    the pages that changed. Parents are immutable from then on: never restore
    them with ``auto_dedup``, and delete them only with :func:`remove_checkpoint`.
    """
    t0 = time.perf_counter()
    child = Path(os.path.realpath(directory))
    par = Path(os.path.realpath(parent))
    link = child / PARENT_LINK
    if child == par:
        raise ValueError(f"dedup: {child} cannot be its own parent")
    if link.is_symlink() or link.exists():
        raise ValueError(f"dedup: {child} already has a parent link: it is not a full dump")
    if not (child / "inventory.img").exists():
        raise ImageError(child, "not a full checkpoint (no inventory.img)")
    parent_chain = walk_chain(par, follow_outside=True)
    if child in parent_chain:
        raise ValueError(f"dedup: {par} descends from {child}: that would make a loop")
    verify_chain(par, require_full=False)
    up = ChainResolver(parent_chain)
    names = pagemap_names(child)
    new_ids = iter(fresh_pages_ids(child, len(names)))
    staged: list[tuple[str, list[Message], Path]] = []
    total = in_parent = before = after = compared = 0
    t_compare = 0.0
    with PagesFiles() as files:
        for name in names:
            pm = load_pagemap(child / name)
            if any(entry_flags(e) == PE_PARENT for e in pm.entries):
                raise ValueError(f"dedup: {pm.path} already has in-parent runs but no parent link")
            present = sum(nr_pages(e) for e in pm.entries if entry_flags(e) & PE_PRESENT)
            total += present
            size = present * PAGE_SIZE
            before += size
            olds = up.sources(0, name) if (par / name).exists() else []
            t = time.perf_counter()
            entries, keep, same, looked = _dedup_entries(pm, olds, files)
            t_compare += time.perf_counter() - t
            compared += looked * PAGE_SIZE
            if not same:
                after += size
                continue
            in_parent += same
            pages_id = next(new_ids)
            dest = child / f"pages-{pages_id}.img"
            after += copy_pages(keep, files, dest)
            staged.append((name, [mem_pb.pagemap_head(pages_id=pages_id), *entries], dest))
    if staged:
        tmp = child / f"{PARENT_LINK}{TMP_SUFFIX}"
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(par, child), tmp)
        os.replace(tmp, link)  # before any PE_PARENT entry exists (DESIGN: no link = endless restore)
        commit_pagemaps(child, staged)
    seconds = time.perf_counter() - t0
    return DedupResult(
        child, par, total, in_parent, before, after, seconds, compared / t_compare / 1e9 if t_compare else 0.0
    )


def _dedup_entries(
    pm: PagemapFile, olds: list[PageSource], files: PagesFiles
) -> tuple[list[mem_pb.pagemap_entry], list[PageSource], int, int]:
    """New entries of one pagemap, the child's ranges to keep (in order), pages in parent, pages compared."""
    entries: list[mem_pb.pagemap_entry] = []
    keep: list[PageSource] = []
    same = looked = 0
    mine = files.get(pm.pages_path)
    for e, off in zip(pm.entries, pm.offsets, strict=True):
        flags, nr = entry_flags(e), nr_pages(e)
        if not flags & PE_PRESENT:
            entries.append(make_entry(e.vaddr, nr, flags, e))
            continue
        runs: list[tuple[int, int, bool]] = []  # (vaddr, pages, equal)
        covered, _ = intersect([(e.vaddr, e.vaddr + nr * PAGE_SIZE)], olds)
        pos = e.vaddr
        for s in covered:
            if s.start > pos:
                runs.append((pos, (s.start - pos) // PAGE_SIZE, False))
            mine_off = off + (s.start - e.vaddr)
            looked += (s.end - s.start) // PAGE_SIZE
            for first, count, eq in equal_runs(
                mine, mine_off, files.get(s.pages), s.offset, (s.end - s.start) // PAGE_SIZE
            ):
                runs.append((s.start + first * PAGE_SIZE, count, eq))
            pos = s.end
        end = e.vaddr + nr * PAGE_SIZE
        if pos < end:
            runs.append((pos, (end - pos) // PAGE_SIZE, False))
        for vaddr, count, eq in _merge(runs):
            if eq:
                entries.append(make_entry(vaddr, count, PE_PARENT, e))
                same += count
            else:
                entries.append(make_entry(vaddr, count, flags, e))
                at = off + (vaddr - e.vaddr)
                keep.append(PageSource(vaddr, vaddr + count * PAGE_SIZE, pm.pages_path, at))
    return entries, keep, same, looked


def _merge(runs: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    out: list[tuple[int, int, bool]] = []
    for vaddr, count, eq in runs:
        if out and out[-1][2] == eq and out[-1][0] + out[-1][1] * PAGE_SIZE == vaddr:
            out[-1] = (out[-1][0], out[-1][1] + count, eq)
        else:
            out.append((vaddr, count, eq))
    return out


def verify_chain(
    directory: str | os.PathLike[str], *, follow_outside: bool = True, require_full: bool = True
) -> ChainReport:
    """Check that every page the newest checkpoint needs really exists up its chain.

    Also checks each pagemap it touches (vaddr order, no overlap, PE_PARENT
    alone, pages file exactly as long as its present runs) and that the
    newest link is a full checkpoint (unless ``require_full`` is False: a
    pre-dump round used as a dedup parent has no process tree). Raises
    :class:`BrokenChainError` naming the first problem. Run it before every
    restore of a chain.
    """
    chain = walk_chain(directory, follow_outside=follow_outside)
    newest = chain[0]
    for needed in ("inventory.img", "pstree.img") if require_full else ():
        if not (newest / needed).exists():
            raise BrokenChainError(newest, f"not a full checkpoint: {needed} is missing")
    resolver = ChainResolver(chain)
    for name in pagemap_names(newest):
        resolver.sources(0, name)
    links = []
    for path in chain:
        maps = [m for p, m in resolver.maps.items() if p.parent == path]
        disk = sum(os.lstat(path / n).st_size for n in os.listdir(path))
        links.append(
            LinkReport(
                path,
                sum(nr_pages(e) for m in maps for e in m.entries if entry_flags(e) & PE_PRESENT),
                sum(nr_pages(e) for m in maps for e in m.entries if entry_flags(e) == PE_PARENT),
                disk,
            )
        )
    return ChainReport(tuple(links))


def _full_pagemaps(directory: Path, dest: Path, fresh_ids: bool) -> list[tuple[str, list[Message], Path]]:
    """Pagemaps (and their pages files in ``dest``) with every in-parent run made present."""
    chain = walk_chain(directory, follow_outside=True)
    resolver = ChainResolver(chain)
    names = pagemap_names(directory)
    ids = iter(fresh_pages_ids(dest, len(names)) if fresh_ids else [])
    staged = []
    with PagesFiles() as files:
        for name in names:
            pm = resolver.load(directory / name)
            entries: list[Message] = []
            parts: list[PageSource] = []
            for e, off in zip(pm.entries, pm.offsets, strict=True):
                flags, nr = entry_flags(e), nr_pages(e)
                end = e.vaddr + nr * PAGE_SIZE
                if flags & PE_PRESENT:
                    parts.append(PageSource(e.vaddr, end, pm.pages_path, off))
                elif flags == PE_PARENT:
                    got, gaps = intersect([(e.vaddr, end)], resolver.sources(1, name))
                    if gaps:
                        raise BrokenChainError(pm.path, f"pages at 0x{gaps[0][0]:x} are nowhere up the chain")
                    parts.extend(got)
                    flags = PE_PRESENT
                entries.append(make_entry(e.vaddr, nr, flags, e))
            pages_id = next(ids) if fresh_ids else pm.head.pages_id
            out = dest / f"pages-{pages_id}.img"
            copy_pages(parts, files, out)
            staged.append((name, [mem_pb.pagemap_head(pages_id=pages_id), *entries], out))
    return staged


def squash(directory: str | os.PathLike[str], out: str | os.PathLike[str]) -> ChainReport:
    """Write the newest checkpoint of a chain as one full checkpoint in ``out`` (a new directory).

    The chain is verified first and left untouched; ``out`` has no parent
    link and restores on its own. Logs are not copied.
    """
    src = Path(os.path.realpath(directory))
    dest = Path(out)
    verify_chain(src)
    dest.mkdir(parents=True, exist_ok=False)
    try:
        for name in os.listdir(src):
            if name == PARENT_LINK or PAGEMAP_RE.fullmatch(name) or PAGES_RE.fullmatch(name):
                continue
            if name.endswith(".log") or (src / name).is_dir():
                continue
            shutil.copy2(src / name, dest / name)
        for name, messages, _ in _full_pagemaps(src, dest, fresh_ids=False):
            write_image(dest / name, "PAGEMAP", messages)
        fsync_dir(dest)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return verify_chain(dest)


def flatten(directory: str | os.PathLike[str]) -> None:
    """Make a chain link self-contained in place, so that its parents may be deleted.

    New pages files get fresh ids and each pagemap is swapped with one
    rename, so an interrupted flatten leaves a checkpoint that still restores.
    The directory itself is never renamed (a self-dump reopens it by path).
    """
    path = Path(os.path.realpath(directory))
    verify_chain(path)
    if not (path / PARENT_LINK).is_symlink():
        return
    staged = _full_pagemaps(path, path, fresh_ids=True)
    commit_pagemaps(path, staged)
    (path / PARENT_LINK).unlink()
    fsync_dir(path)


def dependants(target: str | os.PathLike[str], candidates: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Those of ``candidates`` whose chain passes through ``target`` (target itself excluded)."""
    goal = Path(os.path.realpath(target))
    out = []
    for c in candidates:
        path = Path(os.path.realpath(c))
        if path == goal or not path.is_dir():
            continue
        with contextlib.suppress(ImageError):
            if goal in walk_chain(path, follow_outside=True)[1:]:
                out.append(path)
    return out


def remove_checkpoint(
    target: str | os.PathLike[str], *, among: Iterable[str | os.PathLike[str]] | None = None
) -> None:
    """Delete a checkpoint directory unless a checkpoint in ``among`` still needs its pages.

    ``among`` defaults to every directory next to ``target`` (a snapshot
    store). A needed parent raises :class:`ChainInUseError` naming its
    dependants: :func:`flatten` them first.
    """
    path = Path(os.path.realpath(target))
    pool = list(among) if among is not None else [p for p in path.parent.iterdir() if p.is_dir()]
    users = dependants(path, pool)
    if users:
        raise ChainInUseError(path, f"still needed by {', '.join(map(str, users))} (flatten them first)")
    shutil.rmtree(path)


def restore_chain(criu: Criu, options: RestoreOptions, notifier: Notifier | None = None) -> RestoreResult:
    """Verify the chain in ``options.images_dir``, then restore it with a bounded wait.

    A chain with a hole can make CRIU spin forever instead of failing, so the
    Criu object must have a timeout; ``auto_dedup`` is refused (parents are shared).
    """
    if criu.timeout is None:
        raise ValueError(
            "restore_chain: use Criu(timeout=...): a broken chain can make criu restore spin forever"
        )
    if options.images_dir is None or isinstance(options.images_dir, int):
        raise ValueError("restore_chain: images_dir must be a path so the chain can be verified")
    if options.auto_dedup:
        raise ValueError(
            "restore_chain: auto_dedup punches holes in the parents' pages, which other links share"
        )
    verify_chain(options.images_dir)
    return criu.restore(options, notifier)


# ---- command line --------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``chain verify|squash|flatten|rm`` to the criu-rpc command line."""
    chain = subparsers.add_parser("chain", help="verify, squash, flatten or delete checkpoint chains")
    sub = chain.add_subparsers(dest="chain_command", required=True, metavar="ACTION")
    p = sub.add_parser("verify", help="check that every in-parent page exists up the chain")
    p.add_argument("dir", help="newest checkpoint of the chain")
    p.set_defaults(func=_cmd_verify, command="chain verify", verbose=False)
    p = sub.add_parser("squash", help="write the newest checkpoint as one full checkpoint")
    p.add_argument("dir", help="newest checkpoint of the chain")
    p.add_argument("out", help="new directory for the full checkpoint")
    p.set_defaults(func=_cmd_squash, command="chain squash", verbose=False)
    p = sub.add_parser("flatten", help="make a checkpoint self-contained in place (drops its parent link)")
    p.add_argument("dir")
    p.set_defaults(func=_cmd_flatten, command="chain flatten", verbose=False)
    p = sub.add_parser("rm", help="delete a checkpoint unless a sibling checkpoint still needs it")
    p.add_argument("dir")
    p.set_defaults(func=_cmd_rm, command="chain rm", verbose=False)


def _cmd_verify(args: argparse.Namespace) -> int:
    report = verify_chain(args.dir)
    for link in report.links:
        print(
            f"{link.path}: {link.present_pages} pages here, {link.parent_pages} in parent, "
            f"{link.disk_bytes / 2**20:.1f} MiB"
        )
    print(f"chain OK: {len(report.links)} link(s), {report.disk_bytes / 2**20:.1f} MiB")
    return 0


def _cmd_squash(args: argparse.Namespace) -> int:
    report = squash(args.dir, args.out)
    print(f"squashed {args.dir} into {args.out} ({report.disk_bytes / 2**20:.1f} MiB)")
    return 0


def _cmd_flatten(args: argparse.Namespace) -> int:
    flatten(args.dir)
    print(f"{args.dir} no longer needs a parent")
    return 0


def _cmd_rm(args: argparse.Namespace) -> int:
    remove_checkpoint(args.dir)
    print(f"removed {args.dir}")
    return 0
