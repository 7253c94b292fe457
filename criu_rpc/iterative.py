"""Iterative pre-dump: copy memory while the tree runs, freeze it only for what changed last.

Each pre-dump round (CRIU's PRE_DUMP with ``track_mem``) writes the pages
dirtied since the previous round into ``DIR/round-N`` (chained by
``parent_img``) and resets the kernel's soft-dirty bits; the final DUMP into
``DIR`` then freezes the tree only to copy the last round's dirty set. All
rounds share one CRIU worker (one swrk), as CRIU requires.

When to stop is a :class:`StopPolicy`. p.haul's rule (phaul/iters.py): at
most 8 iterations; stop when a round writes <= 64 pages, or when it writes
more than 10% *more* than the round before. Ours differs in one way: we also
stop when a round fails to write at least ``min_shrink`` (10%) *fewer*
pages than the previous one. A dirty set that has plateaued is the
working set: p.haul would copy it again up to 8 times for nothing, each
round costing a short freeze and a full pass over the page tables.

Pre-dump needs soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY). Where the kernel
lacks it, CRIU aborts a pre-dump with a BUG, so :func:`iterative_dump` asks
FEATURE_CHECK first and raises :class:`FeatureUnavailableError` before any
directory is made or any pre-dump is sent; use :mod:`criu_rpc.incremental`
there instead.
"""

from __future__ import annotations

import enum
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ._pb import image_misc_pb2 as misc_pb
from .client import Criu
from .errors import FeatureUnavailableError
from .images.errors import ImageError
from .images.framing import read_messages
from .images.magic import PAGE_SIZE
from .notify import Notifier
from .options import DumpOptions, PageServerAddress

ROUND_PREFIX = "round-"


class StopReason(enum.Enum):
    """Why the pre-dump rounds ended and the final dump ran."""

    SMALL_ENOUGH = "the last round wrote no more than the dirty-pages threshold"
    NOT_SHRINKING = "the last round did not shrink enough: the dirty set has converged"
    MAX_ROUNDS = "the maximum number of rounds was reached"


@dataclass(frozen=True)
class RoundStats:
    """One round, from its stats-dump image; times in microseconds as CRIU records them."""

    index: int
    directory: Path
    final: bool
    pages_scanned: int
    pages_written: int
    pages_skipped_parent: int
    freezing_time: int
    frozen_time: int
    memdump_time: int
    memwrite_time: int
    seconds: float

    @property
    def bytes_written(self) -> int:
        return self.pages_written * PAGE_SIZE


@dataclass(frozen=True)
class StopPolicy:
    """When to stop pre-dumping (see the module docstring for how this differs from p.haul).

    ``max_rounds``: pre-dump rounds at most (p.haul: 8). ``dirty_pages``: a
    round that writes this many pages or fewer ends the loop (p.haul: 64).
    ``min_shrink``: each round must write at least this fraction fewer pages
    than the one before, else the loop ends (p.haul: -0.10, i.e. only growth
    of more than 10% ends it).
    """

    max_rounds: int = 8
    dirty_pages: int = 64
    min_shrink: float = 0.10

    def __post_init__(self) -> None:
        if self.max_rounds < 1:
            raise ValueError(f"StopPolicy.max_rounds: must be >= 1, got {self.max_rounds}")
        if self.dirty_pages < 0:
            raise ValueError(f"StopPolicy.dirty_pages: must be >= 0, got {self.dirty_pages}")
        if not -1.0 < self.min_shrink < 1.0:
            raise ValueError(f"StopPolicy.min_shrink: must be in (-1, 1), got {self.min_shrink}")

    def stop(self, rounds: Sequence[RoundStats]) -> StopReason | None:
        """None to run another pre-dump, else why the final dump should run now."""
        last = rounds[-1]
        if last.pages_written <= self.dirty_pages:
            return StopReason.SMALL_ENOUGH
        if len(rounds) >= 2 and last.pages_written > (1 - self.min_shrink) * rounds[-2].pages_written:
            return StopReason.NOT_SHRINKING
        if len(rounds) >= self.max_rounds:
            return StopReason.MAX_ROUNDS
        return None


@dataclass(frozen=True)
class IterativeDump:
    """The pre-dump rounds (oldest first), the final dump, and why the loop stopped."""

    rounds: tuple[RoundStats, ...]
    final: RoundStats
    stop: StopReason

    @property
    def bytes_written(self) -> int:
        return sum(r.bytes_written for r in self.rounds) + self.final.bytes_written


# Called before each round with (round index, parent_img or None); returns where
# that round's pages go. A CRIU page server serves one dump connection, so
# p.haul-style migration starts one per round (with the matching parent_img).
PageServerTarget = Callable[[int, str | None], PageServerAddress]


def read_round_stats(directory: Path, index: int, *, final: bool, seconds: float) -> RoundStats:
    """A round's numbers from the ``stats-dump`` image CRIU leaves in its directory."""
    msgs = read_messages(directory / "stats-dump")
    if len(msgs) != 1 or not isinstance(msgs[0], misc_pb.stats_entry) or not msgs[0].HasField("dump"):
        raise ImageError(directory / "stats-dump", "holds no dump statistics")
    d = msgs[0].dump
    return RoundStats(
        index,
        directory,
        final,
        d.pages_scanned,
        d.pages_written,
        d.pages_skipped_parent,
        d.freezing_time,
        d.frozen_time,
        d.memdump_time,
        d.memwrite_time,
        seconds,
    )


def require_mem_track(criu: Criu) -> None:
    """Raise FeatureUnavailableError unless this kernel and CRIU can track dirty memory."""
    if not criu.features("mem_track").mem_track:
        raise FeatureUnavailableError(
            "iterative pre-dump",
            "the kernel has no soft-dirty memory tracking (FEATURE_CHECK mem_track is false), and CRIU "
            "aborts a pre-dump without it; use criu_rpc.incremental.dedup for incremental checkpoints",
        )


def iterative_dump(
    criu: Criu,
    pid: int,
    directory: str | os.PathLike[str],
    policy: StopPolicy | None = None,
    *,
    template: DumpOptions | None = None,
    notifier: Notifier | None = None,
    page_server: PageServerTarget | None = None,
) -> IterativeDump:
    """Pre-dump ``pid`` in rounds into ``directory/round-N``, then dump it into ``directory``.

    ``template`` supplies every other dump option (leave_running, shell_job,
    tcp_established, log level ...); images_dir, parent_img, track_mem and
    pid are set here. ``notifier`` gets every round's notifications.
    """
    policy = policy or StopPolicy()
    require_mem_track(criu)
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    base = template or DumpOptions(pid=pid, images_dir=root)
    rounds: list[RoundStats] = []
    stop: StopReason | None = None

    def run_round(
        call: Callable[[DumpOptions, Notifier | None], object], images: Path, parent: str | None, final: bool
    ) -> RoundStats:
        index = len(rounds) + 1
        opts = _options(
            base,
            pid=pid,
            images=images,
            parent=parent,
            log_file="dump.log" if final else "pre-dump.log",
            page_server=page_server,
            index=index,
        )
        t0 = time.monotonic()
        call(opts, notifier)
        return read_round_stats(images, index, final=final, seconds=time.monotonic() - t0)

    with criu.session() as session:
        while stop is None:
            here = root / f"{ROUND_PREFIX}{len(rounds) + 1}"
            here.mkdir(exist_ok=False)
            parent = f"../{ROUND_PREFIX}{len(rounds)}" if rounds else None
            rounds.append(run_round(session.pre_dump, here, parent, final=False))
            stop = policy.stop(rounds)
        final = run_round(session.dump, root, f"{ROUND_PREFIX}{len(rounds)}", final=True)
    return IterativeDump(tuple(rounds), final, stop)


def _options(
    base: DumpOptions,
    *,
    pid: int,
    images: Path,
    parent: str | None,
    log_file: str,
    page_server: PageServerTarget | None,
    index: int,
) -> DumpOptions:
    return replace(
        base,
        pid=pid,
        images_dir=images,
        parent_img=parent,
        track_mem=True,
        log_file=log_file,
        page_server=page_server(index, parent) if page_server is not None else base.page_server,
    )
