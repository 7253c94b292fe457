"""SnapshotStore: a directory of whole-process checkpoints that survives any crash.

Layout::

    STORE/store.json          the store's id (stable across copies: see service_address)
    STORE/snap-000000120/     one checkpoint: CRIU's images + snapshot.json + launch-restore.req
    STORE/latest -> snap-...  the newest complete checkpoint
    STORE/.tmp-<random>/      a checkpoint being written (ignored, cleaned later)

A checkpoint is written under a temporary name, every file fsynced, then
renamed into place, then ``latest`` is swapped atomically: a crash at any
moment leaves the previous snapshot intact and never exposes a half-written
one. Renaming a directory CRIU dumped into is safe here although a self-dump
keeps that directory open (so it is part of the snapshot): the path it was
dumped at is recorded as ``dumped_as``, and :meth:`SnapshotStore.restore`
hands CRIU the directory's new location for it (``inherit_fd``). The same
trick lets a store be unpacked elsewhere and still restore.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import prestart
from .client import Criu, encode_restore
from .errors import CriuRpcError
from .options import DumpOptions, InheritFd, RestoreOptions
from .results import RestoreResult
from .storefiles import (
    LATEST,
    LAUNCH_REQUEST,
    META,
    PREFIX,
    STORE_META,
    TMP_PREFIX,
    changed_file,
    service_address,
)


class SnapshotError(CriuRpcError):
    """A store or snapshot is unusable (missing, incomplete, not a store)."""


@dataclass(frozen=True)
class Snapshot:
    """One complete checkpoint and what was recorded about it."""

    path: Path
    step: int
    created: float
    size_bytes: int
    criu_version: str
    dumped_as: str
    parent: str | None = None
    blocked_seconds: float = 0.0
    tags: Mapping[str, str] = field(default_factory=dict)
    stdio: Mapping[str, str] = field(default_factory=dict)
    mapped_files: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        try:
            raw = json.loads((path / META).read_text())
            return cls(
                path=path,
                step=int(raw["step"]),
                created=float(raw["created"]),
                size_bytes=int(raw["size_bytes"]),
                criu_version=str(raw["criu_version"]),
                dumped_as=str(raw["dumped_as"]),
                parent=raw.get("parent"),
                blocked_seconds=float(raw.get("blocked_seconds", 0.0)),
                tags=dict(raw.get("tags", {})),
                stdio=dict(raw.get("stdio", {})),
                mapped_files={k: (int(v[0]), int(v[1])) for k, v in raw.get("mapped_files", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SnapshotError(f"{path}: not a complete snapshot ({exc})") from exc

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "created": self.created,
            "size_bytes": self.size_bytes,
            "criu_version": self.criu_version,
            "dumped_as": self.dumped_as,
            "parent": self.parent,
            "blocked_seconds": self.blocked_seconds,
            "tags": dict(self.tags),
            "stdio": dict(self.stdio),
            "mapped_files": {k: list(v) for k, v in self.mapped_files.items()},
        }

    def stale_reason(self) -> str | None:
        """Why this snapshot cannot restore on this machine any more, or None (see changed_file)."""
        return changed_file(self.mapped_files)

    def restore_options(
        self,
        images_dir: str | os.PathLike[str] | int,
        dumped_dir_fd: int,
        stdio: Mapping[int, int],
        *,
        rst_sibling: bool = False,
        extra_fds: Sequence[InheritFd] = (),
        log_level: int = 2,
    ) -> RestoreOptions:
        """What restores this snapshot from ``images_dir`` (its directory, by path or descriptor).

        The process held the directory it dumped itself into open, so an fd of
        it (``dumped_dir_fd``) stands in for that path, wherever the snapshot
        is now. ``stdio`` {fd in job: our fd} re-attaches its stdout/stderr pipes.
        """
        stdio_fds = [InheritFd(key, stdio[int(fd)]) for fd, key in self.stdio.items() if int(fd) in stdio]
        return RestoreOptions(
            images_dir=images_dir,
            inherit_fd=(InheritFd(_criu_path(self.dumped_as), dumped_dir_fd), *extra_fds, *stdio_fds),
            rst_sibling=rst_sibling,
            log_level=log_level,
            log_file="restore.log",
        )

    def launch_request(self) -> bytes:
        """The RESTORE request ``launch`` sends for this snapshot before it loads the client (prestart)."""
        stdio = {1: prestart.STDOUT_FD, 2: prestart.STDERR_FD}
        options = self.restore_options(prestart.IMAGES_FD, prestart.DUMPED_DIR_FD, stdio, rst_sibling=True)
        return encode_restore(options)


@dataclass(frozen=True)
class CheckpointOutcome:
    """What :meth:`SnapshotStore.checkpoint_self` did, seen from the process that called it."""

    restored: bool
    snapshot: Snapshot | None


def _random_hex(nbytes: int) -> str:
    """A random name part (uuid would cost ``launch`` a module import for the same bytes)."""
    return os.urandom(nbytes).hex()


def fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root``, then ``root`` itself."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY | os.O_NOFOLLOW)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{_random_hex(4)}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _tree_size(root: Path) -> int:
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file() and not f.is_symlink())


def _mapped_files() -> dict[str, tuple[int, int]]:
    """Size and mtime of the code the calling process maps (its binary and libraries).

    Only executable mappings: a data file mapped writable may change legitimately.
    """
    found: dict[str, tuple[int, int]] = {}
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            path = fields[5].strip() if len(fields) == 6 else ""
            if (
                "x" not in fields[1]
                or not path.startswith("/")
                or path.endswith("(deleted)")
                or path in found
            ):
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            found[path] = (st.st_size, st.st_mtime_ns)
    return found


# Where CRIU's parasite mounts a /proc of the job's pid namespace while it dumps the
# namespace's init, relative to the job's working directory; it is removed a moment later.
PROC_DIR = "proc.crtools"
STALE_PROC_DIR_SECONDS = 2.0


def _clear_stale_proc_dir() -> None:
    """Remove the empty proc.crtools that a dump killed midway left in our working directory.

    Until it is gone every dump of a pid-namespace init working there fails ("Can't get
    proc fd"). One made by a dump in progress (another job sharing the directory) lives
    for milliseconds, so only one older than STALE_PROC_DIR_SECONDS is taken; rmdir
    refuses one that is not empty or has a proc mounted on it.
    """
    try:
        if time.time() - os.stat(PROC_DIR).st_mtime > STALE_PROC_DIR_SECONDS:
            os.rmdir(PROC_DIR)
    except OSError:
        pass


def _stdio_keys() -> dict[str, str]:
    """CRIU's names for our stdout/stderr when they are pipes, so a restore can re-attach them."""
    keys = {}
    for fd in (1, 2):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("pipe:"):
            keys[str(fd)] = target
    return keys


class PendingSnapshot:
    """A dump that is complete on disk but not yet published in its store."""

    def __init__(self, store: SnapshotStore, tmp: Path, snapshot: Snapshot) -> None:
        self.store, self.tmp, self.snapshot = store, tmp, snapshot

    def commit(self) -> Snapshot:
        """fsync everything, rename into place, then swap ``latest``; discard on any failure."""
        try:
            snap = dataclasses.replace(self.snapshot, size_bytes=_tree_size(self.tmp))
            (self.tmp / META).write_text(json.dumps(snap.to_json(), indent=1))
            (self.tmp / LAUNCH_REQUEST).write_bytes(snap.launch_request())
            fsync_tree(self.tmp)
            os.rename(self.tmp, snap.path)
            fsync_dir(self.store.root)
            self.store._point_latest(snap.path.name)
        except BaseException:
            self.discard()
            raise
        return snap

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class SnapshotStore:
    """A directory of snapshots; see the module docstring for its layout and guarantees."""

    def __init__(self, root: str | os.PathLike[str], *, create: bool = True) -> None:
        self.root = Path(root).absolute()
        meta = self.root / STORE_META
        if not meta.exists():
            if not create:
                raise SnapshotError(f"{self.root}: not a snapshot store (no {STORE_META})")
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(meta, json.dumps({"id": _random_hex(16), "format": 1}).encode())
        try:
            self.id = str(json.loads(meta.read_text())["id"])
        except (ValueError, KeyError, OSError) as exc:
            raise SnapshotError(f"{meta}: unreadable store metadata ({exc})") from exc

    def __repr__(self) -> str:
        return f"SnapshotStore({str(self.root)!r})"

    @property
    def service_address(self) -> str:
        """Where `launch` serves CRIU for this store's job (see storefiles.service_address)."""
        return service_address(self.id)

    # -- reading ----------------------------------------------------------

    def list(self) -> builtins.list[Snapshot]:
        """Complete snapshots, oldest first (by step, then creation time)."""
        found = []
        for path in self.root.glob(f"{PREFIX}*"):
            if path.is_dir() and (path / META).exists():
                try:
                    found.append(Snapshot.load(path))
                except SnapshotError:
                    continue
        return sorted(found, key=lambda s: (s.step, s.created))

    def has_snapshots(self) -> bool:
        return bool(self.list())

    def latest(self) -> Snapshot | None:
        link = self.root / LATEST
        if link.is_symlink():
            try:
                return Snapshot.load(self.root / os.readlink(link))
            except SnapshotError:
                pass  # fall back to scanning: the link may predate a cleanup
        snapshots = self.list()
        return snapshots[-1] if snapshots else None

    def get(self, step: int) -> Snapshot:
        for snap in reversed(self.list()):
            if snap.step == step:
                return snap
        raise SnapshotError(f"{self.root}: no snapshot at step {step}")

    # -- writing ----------------------------------------------------------

    def checkpoint_self(
        self,
        step: int,
        *,
        criu: Criu,
        tags: Mapping[str, str] | None = None,
        log_level: int = 2,
    ) -> CheckpointOutcome:
        """Checkpoint the calling process (it keeps running) as the snapshot for ``step``.

        Returns ``restored=True`` when this call returns in a process restored
        from the snapshot it took; the store is then left untouched. On failure
        (disk full, CRIU error) the partial snapshot is removed and the error
        raised; earlier snapshots are never touched.
        """
        pending = self.dump_self(step, criu=criu, tags=tags, log_level=log_level)
        if pending is None:
            return CheckpointOutcome(restored=True, snapshot=None)
        return CheckpointOutcome(restored=False, snapshot=pending.commit())

    def dump_self(
        self,
        step: int,
        *,
        criu: Criu,
        tags: Mapping[str, str] | None = None,
        log_level: int = 2,
    ) -> PendingSnapshot | None:
        """The first half of :meth:`checkpoint_self`: dump, but do not publish yet.

        Returns None in a process restored from this very dump. Otherwise the
        caller must :meth:`~PendingSnapshot.commit` (fsync, rename, point
        ``latest``: slow for GBs, and safe to do while the process goes on
        working) or :meth:`~PendingSnapshot.discard` the result.
        """
        _clear_stale_proc_dir()
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=self.root))
        started = time.monotonic()
        try:
            result = criu.dump(
                DumpOptions(images_dir=tmp, leave_running=True, log_level=log_level, log_file="dump.log")
            )
            if result.restored:
                return None
            # Recorded now, in the process that was dumped, not later in a committing thread.
            snap = Snapshot(
                path=self.root / f"{PREFIX}{step:09d}-{_random_hex(3)}",
                step=step,
                created=time.time(),
                size_bytes=0,
                criu_version=str(criu.version()),
                dumped_as=str(tmp),
                blocked_seconds=time.monotonic() - started,
                tags=dict(tags or {}),
                stdio=_stdio_keys(),
                mapped_files=_mapped_files(),
            )
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return PendingSnapshot(self, tmp, snap)

    def _point_latest(self, name: str) -> None:
        tmp_link = self.root / f".{LATEST}.{_random_hex(4)}"
        os.symlink(name, tmp_link)
        os.replace(tmp_link, self.root / LATEST)
        fsync_dir(self.root)

    def clean_incomplete(self) -> builtins.list[Path]:
        """Remove checkpoints that never completed. Call only while no job writes to the store."""
        removed = []
        for path in self.root.glob(f"{TMP_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        return removed

    # -- retention --------------------------------------------------------

    def prune(self, *, keep_last: int, keep_every: int | None = None) -> builtins.list[Snapshot]:
        """Delete old snapshots; keep the newest ``keep_last`` and every ``keep_every``-th.

        A snapshot some kept snapshot depends on (its ``parent`` chain) is
        kept too, whatever the policy says. Returns what was deleted.
        """
        if keep_last < 1:
            raise ValueError(f"keep_last must be >= 1 (the newest snapshot is always kept), got {keep_last}")
        if keep_every is not None and keep_every < 1:
            raise ValueError(f"keep_every must be >= 1, got {keep_every}")
        snapshots = self.list()
        keep = set(s.name for s in snapshots[-keep_last:])
        if keep_every:
            keep |= {s.name for i, s in enumerate(snapshots) if i % keep_every == 0}
        by_name = {s.name: s for s in snapshots}
        for name in list(keep):
            for parent in self._chain(by_name[name]):
                keep.add(parent)
        deleted = [s for s in snapshots if s.name not in keep]
        for snap in deleted:
            doomed = self.root / f"{TMP_PREFIX}del-{snap.name}"
            os.rename(snap.path, doomed)  # atomic: it is gone from list() at once
            shutil.rmtree(doomed)
        if deleted:
            fsync_dir(self.root)
        return deleted

    def _chain(self, snap: Snapshot) -> Iterable[str]:
        """Names of the snapshots ``snap`` needs, following ``parent`` links up the chain."""
        seen = set()
        path = snap.path
        while (path / "parent").is_symlink():
            path = (path / os.readlink(path / "parent")).resolve()
            if path.parent != self.root.resolve() or path.name in seen:
                break
            seen.add(path.name)
            yield path.name

    # -- restoring --------------------------------------------------------

    def restore(
        self,
        snapshot: Snapshot,
        *,
        criu: Criu,
        stdio: Mapping[int, int] | None = None,
        rst_sibling: bool = False,
        extra_fds: Sequence[InheritFd] = (),
        log_level: int = 2,
    ) -> RestoreResult:
        """Restore ``snapshot``; ``stdio`` maps the job's fds 1/2 to our pipe fds to give it.

        The directory the snapshot was dumped into (open in the process during
        its self-dump) is handed over by its recorded path, so moved and
        unpacked snapshots restore.
        """
        stale = snapshot.stale_reason()
        if stale:
            raise SnapshotError(f"{snapshot.name} is stale: {stale}")
        fd = os.open(snapshot.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            options = snapshot.restore_options(
                snapshot.path,
                fd,
                stdio or {},
                rst_sibling=rst_sibling,
                extra_fds=extra_fds,
                log_level=log_level,
            )
            return criu.restore(options)
        finally:
            os.close(fd)


def _criu_path(path: str) -> str:
    """How CRIU names a regular file in its images: the path without its leading slash."""
    return path.lstrip("/")
