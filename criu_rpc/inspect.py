"""``python -m criu_rpc inspect``: what is inside a checkpoint, without CRIU.

Views: summary (default), ps, fds, mems, rss, stats, chain, show IMAGE, diff.
Human tables by default, ``--json`` for machines (stable field names). Exit
codes: 0 ok, 1 not a checkpoint or a bad image (one line on stderr naming the
file and the problem), 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, pairwise, repeat
from operator import gt, mul
from typing import TYPE_CHECKING, Any

from criu_rpc.images import (
    Checkpoint,
    DumpStats,
    ImageError,
    Pagemap,
    Process,
    RestoreStats,
    image_to_dict,
    open_images,
    read_image,
)
from criu_rpc.images.views import PAGE_CATEGORIES, PE_PARENT, PE_PRESENT, Vma, flag_names
from criu_rpc.storefiles import META

if TYPE_CHECKING:
    from criu_rpc.snapshots import Snapshot

VIEWS = ("summary", "ps", "fds", "mems", "rss", "stats", "chain", "show", "diff")
EXIT_OK, EXIT_BAD, EXIT_USAGE = 0, 1, 2
PAGE = 4096

JSON = Any


class UsageError(Exception):
    """Wrong arguments found after parsing (exit code 2)."""


def register(subparsers: Any) -> None:
    """Add the ``inspect`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "inspect",
        help="show what a checkpoint holds (no CRIU needed)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_arguments(p)
    p.set_defaults(func=run)


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", help="checkpoint directory (or an image file to show, or 'diff')")
    p.add_argument("view", nargs="?", default=None, help=f"one of {', '.join(VIEWS)} (default summary)")
    p.add_argument("arg", nargs="?", default=None, help="IMAGE for show, DIR_B for diff")
    p.add_argument("extra", nargs="?", default=None, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--pid", type=int, default=None, help="only this process (ps, fds, mems, rss)")
    p.add_argument(
        "--follow-outside",
        action="store_true",
        help="follow parent links that leave the directory holding the checkpoint",
    )


# ---- formatting helpers --------------------------------------------------------------------------


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def ms(us: int | None) -> str:
    return "-" if us is None else f"{us / 1000:.1f} ms"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], right: Sequence[str] = ()) -> str:
    """Plain aligned columns; columns whose header is in ``right`` are right-aligned."""
    columns = list(zip(*rows, strict=True)) or [()] * len(headers)
    return column_table(headers, columns, right)


def column_table(
    headers: Sequence[str], columns: Sequence[Iterable[object]], right: Sequence[str] = ()
) -> str:
    """:func:`table` given column by column.

    Padded and joined by map, in C: the rss view of a fragmented process has
    half a million rows (and transposing them would cost more than the rest).
    """
    cells = [[h, *map(str, column)] for h, column in zip(headers, columns, strict=True)]
    last = len(cells) - 1
    for i, (h, column) in enumerate(zip(headers, cells, strict=True)):
        lengths = list(map(len, column))
        width = max(lengths)
        if min(lengths) < width and (i < last or h in right):  # the last column is not padded
            cells[i] = list(map(str.rjust if h in right else str.ljust, column, repeat(width)))
    return "\n".join(map(str.rstrip, map("  ".join, zip(*cells, strict=True))))


def _tree_order(procs: Sequence[Process]) -> list[tuple[Process, int]]:
    """Processes in depth-first tree order with their depth (orphans of the tree at depth 0)."""
    by_pid = {p.pid: p for p in procs}
    kids: dict[int, list[Process]] = {}
    roots = []
    for p in procs:
        if p.ppid in by_pid and p.ppid != p.pid:
            kids.setdefault(p.ppid, []).append(p)
        else:
            roots.append(p)
    out: list[tuple[Process, int]] = []
    seen: set[int] = set()
    stack = [(r, 0) for r in reversed(roots)]
    while stack:
        p, depth = stack.pop()
        if p.pid in seen:
            continue
        seen.add(p.pid)
        out.append((p, depth))
        stack.extend((k, depth + 1) for k in reversed(kids.get(p.pid, [])))
    return out


def _selected(ck: Checkpoint, pid: int | None) -> list[tuple[Process, int]]:
    order = _tree_order(ck.processes)
    if pid is None:
        return order
    chosen = [(p, d) for p, d in order if p.pid == pid]
    if not chosen:
        raise UsageError(f"no process {pid} in {ck.path}")
    return chosen


# ---- views ---------------------------------------------------------------------------------------


def view_summary(ck: Checkpoint, args: argparse.Namespace) -> tuple[JSON, str]:
    inv = ck.inventory
    total, pages_bytes = ck.disk_usage()
    chain = ck.chain()
    procs: list[dict[str, Any]] = []
    if not ck.has("pstree.img") and (inv is None or inv.pre_dump):
        # A pre-dump or a dedup parent: memory only. Say what it holds instead of failing.
        procs = _memory_only(ck)
    for p, depth in [] if procs else _tree_order(ck.processes):
        pm = ck.pagemap(p.pid) if ck.has(f"pagemap-{p.pid}.img") else None
        nfds = len(ck.fds(p.pid))
        procs.append(
            {
                "pid": p.pid,
                "ppid": p.ppid,
                "comm": p.comm,
                "state": p.state,
                "threads": len(p.threads),
                "fds": nfds,
                **_pages_json(pm),
                "depth": depth,
            }
        )
    stats = ck.dump_stats
    shmem = ck.shmem_pagemaps()
    shmem_pages = sum(pm.present_pages for pm in shmem.values())
    snapshot = _snapshot_record(ck)
    data = {
        "path": str(ck.path),
        "criu_version": ck.criu_version() or (snapshot.criu_version if snapshot else None),
        "image_version": inv.img_version if inv else None,
        "pre_dump": inv.pre_dump if inv else None,
        "processes": procs,
        "size_on_disk_bytes": total,
        "pages_bytes": pages_bytes,
        "shmem_segments": len(shmem),
        "shmem_pages_in_image": shmem_pages,
        "chain_depth": len(chain) - 1,
        "parents": [str(p) for p in chain[1:]],
        "dump_stats": _stats_json(stats) if stats else None,
        "snapshot": {"step": snapshot.step, "created": snapshot.created, "tags": dict(snapshot.tags)}
        if snapshot
        else None,
    }
    lines = [
        f"checkpoint  {ck.path}",
        f"criu        {data['criu_version'] or 'unknown (not in images; CRIU logs it at level 3+)'}"
        + (
            f", image format v{data['image_version']}" + (" (pre-dump)" if data["pre_dump"] else "")
            if inv
            else ", no inventory.img (memory-only link of a chain)"
        ),
        f"on disk     {human_bytes(total)} ({human_bytes(pages_bytes)} of pages)",
        f"chain       depth {len(chain) - 1}" + (f": parent {chain[1]}" if len(chain) > 1 else ""),
    ]
    if snapshot:
        taken = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(snapshot.created))
        tags = "".join(f", {k}={v}" for k, v in sorted(snapshot.tags.items()))
        lines.insert(2, f"snapshot    step {snapshot.step}, taken {taken}{tags}")
    if shmem:
        lines.append(f"shmem       {len(shmem)} segment(s), {human_bytes(shmem_pages * PAGE)} in the image")
    if stats:
        lines.append(
            f"dump        frozen {ms(stats.frozen_time)} (freezing {ms(stats.freezing_time)}, "
            f"memdump {ms(stats.memdump_time)}, memwrite {ms(stats.memwrite_time)}); pages written "
            f"{stats.pages_written}, in parent {stats.pages_skipped_parent}, lazy {stats.pages_lazy}"
        )
    lines.append("")
    rows = [
        (
            p["pid"],
            "-" if p["ppid"] is None else p["ppid"],
            p["threads"],
            p["fds"],
            human_bytes(p["rss_in_image_bytes"]),
            human_bytes(p["pages_in_parent"] * PAGE),
            human_bytes(p["pages_lazy"] * PAGE),
            "    " * p["depth"] + p["comm"],
        )
        for p in procs
    ]
    lines.append(
        table(
            ("PID", "PPID", "THR", "FDS", "RSS", "PARENT", "LAZY", "COMM"),
            rows,
            ("PID", "PPID", "THR", "FDS", "RSS", "PARENT", "LAZY"),
        )
    )
    return data, "\n".join(lines)


def _snapshot_record(ck: Checkpoint) -> Snapshot | None:
    """criu_rpc's record of a snapshot in a store (it knows the CRIU version), if this is one."""
    if not ck.has(META):
        return None
    from .snapshots import Snapshot, SnapshotError  # noqa: PLC0415 (plain dumps need none of it)

    try:
        return Snapshot.load(ck.path)
    except SnapshotError:
        return None


def _pages_json(pm: Pagemap | None) -> dict[str, int]:
    """A process's page counts (all 0 without a pagemap), each summed once."""
    present, parent, lazy = pm.page_counts() if pm else (0, 0, 0)
    return {
        "pages_in_image": present,
        "pages_in_parent": parent,
        "pages_lazy": lazy,
        "rss_in_image_bytes": present * PAGE,
    }


def _memory_only(ck: Checkpoint) -> list[dict[str, Any]]:
    out = []
    for name in ck.names:
        pid = name.removeprefix("pagemap-").removesuffix(".img")
        if name.startswith("pagemap-") and name.endswith(".img") and pid.isdigit():
            pm = ck.pagemap_file(name)
            out.append(
                {
                    "pid": int(pid),
                    "ppid": None,
                    "comm": "?",
                    "state": "memory only",
                    "threads": 0,
                    "fds": 0,
                    **_pages_json(pm),
                    "depth": 0,
                }
            )
    return sorted(out, key=lambda p: p["pid"])


def view_ps(ck: Checkpoint, args: argparse.Namespace) -> tuple[JSON, str]:
    rows = []
    data = []
    for p, depth in _selected(ck, args.pid):
        data.append(
            {
                "pid": p.pid,
                "ppid": p.ppid,
                "pgid": p.pgid,
                "sid": p.sid,
                "state": p.state,
                "exit_code": p.exit_code,
                "comm": p.comm,
                "threads": [
                    {
                        "tid": t.tid,
                        "comm": t.comm,
                        "ip": t.registers.ip if t.registers else None,
                        "sp": t.registers.sp if t.registers else None,
                    }
                    for t in ck.threads(p.pid)
                ],
            }
        )
        rows.append((p.pid, p.ppid, p.pgid, p.sid, p.state, len(p.threads), "    " * depth + p.comm))
    text = table(
        ("PID", "PPID", "PGID", "SID", "STATE", "THR", "COMM"), rows, ("PID", "PPID", "PGID", "SID", "THR")
    )
    return {"processes": data}, text


def view_fds(ck: Checkpoint, args: argparse.Namespace) -> tuple[JSON, str]:
    data = []
    blocks = []
    for p, _ in _selected(ck, args.pid):
        fds = ck.fds(p.pid)
        cwd, root = ck.cwd_root(p.pid)
        entries = []
        for f in fds:
            d: dict[str, JSON] = {"fd": f.fd, "type": f.type, "file_id": f.file_id, "desc": f.describe()}
            path = getattr(f.file, "path", None)
            if path is not None:
                d.update(path=path, pos=getattr(f.file, "pos", None), size=getattr(f.file, "size", None))
            entries.append(d)
        data.append({"pid": p.pid, "comm": p.comm, "cwd": cwd, "root": root, "fds": entries})
        rows: list[tuple[object, ...]] = [
            (
                f.fd,
                f.type,
                _opt(getattr(f.file, "pos", None)),
                _opt(getattr(f.file, "size", None)),
                f.describe(),
            )
            for f in fds
        ]
        rows += [("cwd", "", "", "", cwd or "?"), ("root", "", "", "", root or "?")]
        text = table(("FD", "TYPE", "POS", "SIZE", "FILE"), rows, ("FD", "POS", "SIZE"))
        blocks.append(f"{p.pid} {p.comm}\n" + _indent(text))
    return {"processes": data}, "\n\n".join(blocks)


def _opt(value: int | None) -> str:
    return "" if value is None else str(value)


def _indent(text: str) -> str:
    return "    " + text.replace("\n", "\n    ")


def _vma_name(ck: Checkpoint, v: Any) -> str:
    kind = v.kind
    if kind in ("file", "memfd") or (v.file_backed and kind != "shmem"):
        f = ck.files.get(v.shmid)
        name = getattr(f, "path", None) or f"file {v.shmid}"
        return name + (f" +0x{v.pgoff:x}" if v.pgoff else "")
    if kind in ("shmem", "sysvipc", "packet"):
        return f"{kind}[{v.shmid:x}]"
    return "" if kind == "anon" else kind


def view_mems(ck: Checkpoint, args: argparse.Namespace) -> tuple[JSON, str]:
    data = []
    blocks = []
    for p, _ in _selected(ck, args.pid):
        vmas = ck.vmas(p.pid)
        pm = ck.pagemap(p.pid) if ck.has(f"pagemap-{p.pid}.img") else None
        per_vma = _pages_per_vma(vmas, pm)
        vd = []
        rows = []
        for v, (present, parent, lazy) in zip(vmas, per_vma, strict=True):
            name = _vma_name(ck, v)
            vd.append(
                {
                    "start": v.start,
                    "end": v.end,
                    "perms": v.perms,
                    "kind": v.kind,
                    "name": name,
                    "pgoff": v.pgoff,
                    "status": v.status,
                    "pages_in_image": present,
                    "pages_in_parent": parent,
                    "pages_lazy": lazy,
                }
            )
            rows.append(
                (
                    f"{v.start:012x}-{v.end:012x}",
                    v.perms,
                    human_bytes(v.size),
                    human_bytes(present * PAGE),
                    name,
                )
            )
        exe = ck.exe(p.pid)
        data.append({"pid": p.pid, "comm": p.comm, "exe": exe, "vmas": vd})
        blocks.append(
            f"{p.pid} {p.comm}  exe {exe or '?'}\n"
            + _indent(table(("RANGE", "PERM", "SIZE", "IN IMAGE", "MAPPING"), rows, ("SIZE", "IN IMAGE")))
        )
    return {"processes": data}, "\n\n".join(blocks)


def _pages_per_vma(vmas: Sequence[Any], pm: Pagemap | None) -> list[tuple[int, int, int]]:
    """Pages (present, in parent, lazy-only) of each VMA.

    Prefix sums per category (built in C by map and accumulate) and a bisect
    per VMA boundary: a fragmented 4 GiB image has 500k runs in 4k VMAs.
    """
    if pm is None or not pm.vaddrs:
        return [(0, 0, 0)] * len(vmas)
    starts, counts, flags = pm.vaddrs, pm.counts, pm.flags
    if any(map(gt, starts, starts[1:])):  # CRIU writes runs in address order; sort them if not
        starts, counts, flags = zip(*sorted(zip(starts, counts, flags, strict=True)), strict=True)
    every = [0, *accumulate(counts)]
    values = set(flags)  # an image has only a few
    cats = []  # (whether runs with these flags count, prefix sums) per category
    for want, unless in PAGE_CATEGORIES:
        member = {f: bool(f & want) and not f & unless for f in values}
        if all(member.values()):
            prefix = every
        elif any(member.values()):
            prefix = [0, *accumulate(map(mul, counts, map(member.__getitem__, flags)))]
        else:
            prefix = [0] * len(every)
        cats.append((member, prefix))
    out = []
    for v in vmas:
        lo = max(bisect_right(starts, v.start) - 1, 0)  # a run starting before the VMA may overlap it
        hi = bisect_left(starts, v.end)  # runs [lo, hi) may overlap
        totals = [0, 0, 0]
        if hi > lo:
            # Whole runs in between, then trim the two ends to the VMA.
            for i, (member, prefix) in enumerate(cats):
                totals[i] = prefix[hi] - prefix[lo]
                for j in {lo, hi - 1}:
                    if member[flags[j]]:
                        vaddr, nr = starts[j], counts[j]
                        inside = max(0, (min(vaddr + nr * PAGE, v.end) - max(vaddr, v.start)) // PAGE)
                        totals[i] -= nr - inside
        out.append((totals[0], totals[1], totals[2]))
    return out


def _run_mappings(ck: Checkpoint, vmas: Sequence[Vma], vaddrs: Iterable[int]) -> Iterator[str]:
    """The MAPPING column of rss: the name of the VMA holding each run's start.

    VMAs are sorted and disjoint: bisecting their bounds gives an odd index
    inside VMA (index - 1) / 2 and an even one between two (in C, per run).
    """
    bounds = [x for v in vmas for x in (v.start, v.end)]
    labels = ["(no vma)", *(label for v in vmas for label in (_vma_name(ck, v), "(no vma)"))]
    return map(labels.__getitem__, map(bisect_right, repeat(bounds), vaddrs))


def view_rss(ck: Checkpoint, args: argparse.Namespace) -> tuple[JSON, str]:
    """Every pagemap run. Only the output asked for is built (JSON or the table, the other left
    empty): a fragmented process has 500k runs."""
    data = []
    blocks = []
    for p, _ in _selected(ck, args.pid):
        if not ck.has(f"pagemap-{p.pid}.img"):
            data.append({"pid": p.pid, "comm": p.comm, "pages_id": None, "entries": []})
            blocks.append(f"{p.pid} {p.comm}: no pagemap")
            continue
        pm = ck.pagemap(p.pid)
        present, parent, lazy = pm.page_counts()
        names = {f: flag_names(f) for f in set(pm.flags)}
        if args.json:
            entries = [
                {"vaddr": v, "nr_pages": n, "flags": f, "flag_names": names[f]}
                for v, n, f in zip(pm.vaddrs, pm.counts, pm.flags, strict=True)
            ]
            data.append(
                {
                    "pid": p.pid,
                    "comm": p.comm,
                    "pages_id": pm.pages_id,
                    "pages_in_image": present,
                    "pages_in_parent": parent,
                    "pages_lazy": lazy,
                    "entries": entries,
                }
            )
            continue
        sizes = {n: human_bytes(n * PAGE) for n in set(pm.counts)}
        columns = (
            map("%012x".__mod__, pm.vaddrs),
            pm.counts,
            map(sizes.__getitem__, pm.counts),
            map(names.__getitem__, pm.flags),
            _run_mappings(ck, ck.vmas(p.pid), pm.vaddrs),
        )
        head = (
            f"{p.pid} {p.comm}: {human_bytes(present * PAGE)} in pages-{pm.pages_id}.img, "
            f"{human_bytes(parent * PAGE)} in parent, {human_bytes(lazy * PAGE)} lazy"
        )
        text = column_table(("VADDR", "PAGES", "SIZE", "FLAGS", "MAPPING"), columns, ("PAGES", "SIZE"))
        blocks.append(head + "\n" + _indent(text))
    return {"processes": data}, "\n\n".join(blocks)


def _stats_json(stats: DumpStats | RestoreStats) -> dict[str, JSON]:
    return stats._asdict()


def view_stats(ck: Checkpoint, args: argparse.Namespace) -> tuple[JSON, str]:
    d, r = ck.dump_stats, ck.restore_stats
    data = {"dump": _stats_json(d) if d else None, "restore": _stats_json(r) if r else None}
    lines = []
    if d:
        lines += [
            "dump",
            f"    freezing time      {ms(d.freezing_time)}",
            f"    frozen time        {ms(d.frozen_time)}",
            f"    memory dump time   {ms(d.memdump_time)}",
            f"    memory write time  {ms(d.memwrite_time)}",
            f"    pages scanned      {d.pages_scanned}",
            f"    pages in parent    {d.pages_skipped_parent}",
            f"    pages written      {d.pages_written} ({human_bytes(d.pages_written * PAGE)})",
            f"    pages lazy         {d.pages_lazy}",
        ]
        if d.shpages_scanned:
            lines.append(
                f"    shmem pages        scanned {d.shpages_scanned}, in parent {d.shpages_skipped_parent}, "
                f"written {d.shpages_written}"
            )
    else:
        lines.append("dump: no stats-dump file")
    if r:
        lines += [
            "restore",
            f"    forking time       {ms(r.forking_time)}",
            f"    restore time       {ms(r.restore_time)}",
            f"    pages compared     {r.pages_compared}",
            f"    pages skipped COW  {r.pages_skipped_cow}",
            f"    pages restored     {r.pages_restored if r.pages_restored is not None else '-'}",
        ]
    return data, "\n".join(lines)


def view_chain(ck: Checkpoint, args: argparse.Namespace) -> tuple[JSON, str]:
    data = []
    rows = []
    for depth, directory in enumerate(ck.chain()):
        link = ck if depth == 0 else open_images(directory, follow_outside=True)
        present = parent = 0
        for name in link.names:
            if name.startswith("pagemap-") and name.endswith(".img"):
                here, in_parent, _ = link.pagemap_file(name).page_counts()
                present += here
                parent += in_parent
        total, _ = link.disk_usage()
        inv = link.inventory
        kind = "links only" if inv is None else "pre-dump" if inv.pre_dump else "dump"
        data.append(
            {
                "depth": depth,
                "path": str(directory),
                "kind": kind,
                "pages_in_image": present,
                "pages_in_parent": parent,
                "size_on_disk_bytes": total,
            }
        )
        rows.append(
            (
                depth,
                kind,
                human_bytes(present * PAGE),
                human_bytes(parent * PAGE),
                human_bytes(total),
                directory,
            )
        )
    text = table(
        ("DEPTH", "KIND", "PAGES", "IN PARENT", "ON DISK", "PATH"),
        rows,
        ("DEPTH", "PAGES", "IN PARENT", "ON DISK"),
    )
    return {"chain": data}, text


def _dumps(data: JSON, indent: int | None = None) -> str:
    import json  # noqa: PLC0415  # only --json and show need it: table views start without it

    return json.dumps(data, indent=indent)


def view_show(path: str, as_json: bool) -> tuple[JSON, str]:
    data = image_to_dict(read_image(path))
    return data, _dumps(data, indent=4)


def view_diff(a: Checkpoint, b: Checkpoint) -> tuple[JSON, str]:
    pa = {p.pid: p for p in a.processes}
    pb = {p.pid: p for p in b.processes}
    data: dict[str, JSON] = {
        "a": str(a.path),
        "b": str(b.path),
        "processes_added": sorted(set(pb) - set(pa)),
        "processes_removed": sorted(set(pa) - set(pb)),
        "processes": [],
    }
    lines = [f"--- {a.path}", f"+++ {b.path}"]
    for pid in data["processes_added"]:
        lines.append(f"+ process {pid} {pb[pid].comm}")
    for pid in data["processes_removed"]:
        lines.append(f"- process {pid} {pa[pid].comm}")
    for pid in sorted(set(pa) & set(pb)):
        entry = _diff_process(a, b, pid)
        data["processes"].append(entry)
        lines.append(f"process {pid} {pb[pid].comm}")
        before, after = pa[pid], pb[pid]
        if before.comm != after.comm or len(before.threads) != len(after.threads):
            lines.append(
                f"    comm/threads: {before.comm}/{len(before.threads)} -> {after.comm}/{len(after.threads)}"
            )
        for v in entry["vmas_added"]:
            lines.append(f"    + vma {v['start']:012x}-{v['end']:012x} {v['perms']} {v['kind']}")
        for v in entry["vmas_removed"]:
            lines.append(f"    - vma {v['start']:012x}-{v['end']:012x} {v['perms']} {v['kind']}")
        for v in entry["vmas_changed"]:
            lines.append(f"    ~ vma {v['start']:012x}-{v['end']:012x} {v['from']} -> {v['to']}")
        for f in entry["fds_added"]:
            lines.append(f"    + fd {f['fd']} {f['desc']}")
        for f in entry["fds_removed"]:
            lines.append(f"    - fd {f['fd']} {f['desc']}")
        for f in entry["fds_changed"]:
            lines.append(f"    ~ fd {f['fd']} {f['from']} -> {f['to']}")
        pg = entry["pages"]
        lines.append(
            f"    pages: {pg['changed']} changed, {pg['added']} added, {pg['removed']} removed, "
            f"{pg['same']} same ({human_bytes(pg['changed_bytes'])} changed)"
            + (f", {pg['unknown']} not comparable (lazy)" if pg["unknown"] else "")
        )
    return data, "\n".join(lines)


def _diff_process(a: Checkpoint, b: Checkpoint, pid: int) -> dict[str, JSON]:
    va = {(v.start, v.end): v for v in a.vmas(pid)}
    vb = {(v.start, v.end): v for v in b.vmas(pid)}

    def vj(v: Any) -> dict[str, JSON]:
        return {"start": v.start, "end": v.end, "perms": v.perms, "kind": v.kind}

    changed = [
        {
            "start": k[0],
            "end": k[1],
            "from": f"{va[k].perms} {va[k].kind}",
            "to": f"{vb[k].perms} {vb[k].kind}",
        }
        for k in sorted(set(va) & set(vb))
        if (va[k].perms, va[k].kind, va[k].shmid if va[k].file_backed else 0)
        != (vb[k].perms, vb[k].kind, vb[k].shmid if vb[k].file_backed else 0)
        and (va[k].perms, va[k].kind) != (vb[k].perms, vb[k].kind)
    ]
    fa = {f.fd: f.describe() for f in a.fds(pid)}
    fb = {f.fd: f.describe() for f in b.fds(pid)}
    return {
        "pid": pid,
        "vmas_added": [vj(vb[k]) for k in sorted(set(vb) - set(va))],
        "vmas_removed": [vj(va[k]) for k in sorted(set(va) - set(vb))],
        "vmas_changed": changed,
        "fds_added": [{"fd": fd, "desc": fb[fd]} for fd in sorted(set(fb) - set(fa))],
        "fds_removed": [{"fd": fd, "desc": fa[fd]} for fd in sorted(set(fa) - set(fb))],
        "fds_changed": [
            {"fd": fd, "from": fa[fd], "to": fb[fd]} for fd in sorted(set(fa) & set(fb)) if fa[fd] != fb[fd]
        ],
        "pages": _diff_pages(a, b, pid),
    }


# Diffing compares page by page: refuse pagemaps claiming more than this (1 TiB).
MAX_DIFF_PAGES = 1 << 28


def _runs(ck: Checkpoint, pid: int) -> list[tuple[int, int, bool]]:
    """(start, end, has data) of each run, sorted; lazy-only runs have no data in the image."""
    if not ck.has(f"pagemap-{pid}.img"):
        return []
    pm = ck.pagemap(pid)
    if pm.total_pages > MAX_DIFF_PAGES:
        raise ImageError(ck.path / f"pagemap-{pid}.img", f"{pm.total_pages} pages: too many to diff")
    return sorted(
        (v, v + n * PAGE, bool(f & (PE_PRESENT | PE_PARENT)))
        for v, n, f in zip(pm.vaddrs, pm.counts, pm.flags, strict=True)
    )


def _diff_pages(a: Checkpoint, b: Checkpoint, pid: int) -> dict[str, int]:
    """Pages changed / added / removed / same between two images of one process, by content."""
    ra, rb = _runs(a, pid), _runs(b, pid)
    # Cut both run lists at every boundary of either, then classify each piece.
    cuts = sorted({x for s, e, _ in ra + rb for x in (s, e)})
    counts = {"changed": 0, "added": 0, "removed": 0, "same": 0, "unknown": 0}

    def cover(runs: list[tuple[int, int, bool]], lo: int, hi: int) -> bool | None:
        i = bisect_right(runs, (lo, 1 << 65, True)) - 1
        if i >= 0 and runs[i][0] <= lo and hi <= runs[i][1]:
            return runs[i][2]
        return None

    with a.pages(pid) as pa, b.pages(pid) as pb:
        for lo, hi in pairwise(cuts):
            ina, inb = cover(ra, lo, hi), cover(rb, lo, hi)
            n = (hi - lo) // PAGE
            if ina is None and inb is None:
                continue
            if ina is None:
                counts["added"] += n
            elif inb is None:
                counts["removed"] += n
            elif not (ina and inb):
                counts["unknown"] += n
            else:
                for addr in range(lo, hi, PAGE):
                    counts["same" if pa.page(addr) == pb.page(addr) else "changed"] += 1
    counts["changed_bytes"] = (counts["changed"] + counts["added"]) * PAGE
    return counts


_DIR_VIEWS: dict[str, Callable[[Checkpoint, argparse.Namespace], tuple[JSON, str]]] = {
    "summary": view_summary,
    "ps": view_ps,
    "fds": view_fds,
    "mems": view_mems,
    "rss": view_rss,
    "stats": view_stats,
    "chain": view_chain,
}


def _dispatch(args: argparse.Namespace) -> tuple[JSON, str]:
    target, view, arg, extra = args.target, args.view, args.arg, args.extra
    follow = args.follow_outside
    if target == "diff" and not os.path.isdir(target):
        if view is None or arg is None or extra is not None:
            raise UsageError("usage: inspect diff DIR_A DIR_B")
        return view_diff(open_images(view, follow_outside=follow), open_images(arg, follow_outside=follow))
    if extra is not None:
        raise UsageError(f"unexpected argument {extra!r}")
    if view is None and os.path.isfile(target):
        return view_show(target, args.json)
    view = view or "summary"
    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r} (choose from {', '.join(VIEWS)})")
    if view == "show":
        if arg is None:
            raise UsageError("usage: inspect DIR show IMAGE")
        path = arg if os.sep in arg or not os.path.isdir(target) else os.path.join(target, arg)
        open_images(target, follow_outside=follow)  # a clear error if DIR is not a checkpoint
        return view_show(path, args.json)
    if view == "diff":
        if arg is None:
            raise UsageError("usage: inspect DIR_A diff DIR_B")
        return view_diff(open_images(target, follow_outside=follow), open_images(arg, follow_outside=follow))
    if arg is not None:
        raise UsageError(f"view {view!r} takes no argument: got {arg!r}")
    return _DIR_VIEWS[view](open_images(target, follow_outside=follow), args)


def run(args: argparse.Namespace) -> int:
    """Run the inspect command; returns the exit code. Never lets a traceback out."""
    try:
        data, text = _dispatch(args)
        out = _dumps(data) if args.json else text
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
        return EXIT_OK
    except UsageError as exc:
        print(f"inspect: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImageError as exc:
        print(f"inspect: {exc}", file=sys.stderr)
        return EXIT_BAD
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours, and no traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        print(f"inspect: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD
    except (RecursionError, MemoryError, ValueError, KeyError, IndexError, TypeError) as exc:
        # Reached only through a reader bug; keep the promise of one line and no traceback.
        print(f"inspect: {args.target}: cannot decode ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_BAD


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point (``python -m criu_rpc.inspect``), same arguments as ``inspect``."""
    parser = argparse.ArgumentParser(prog="criu_rpc inspect", description=__doc__)
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
