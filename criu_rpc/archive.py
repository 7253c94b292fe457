"""pack/unpack: a snapshot or a whole store as one zstd-compressed tar stream.

For archiving and for carrying checkpoints to another machine. Both directions
stream (nothing is held whole in memory), compress on all cores, and show
progress on a terminal. Unpacking refuses members that would land outside the
target (absolute paths, ``..``, links pointing out), and writes into a
temporary directory renamed into place, so an interrupted unpack leaves
nothing that looks complete.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import IO

import zstandard

from .errors import CriuRpcError

CHUNK = 1 << 20


class ArchiveError(CriuRpcError):
    """An archive could not be written or read."""


class _Progress:
    """A one-line progress meter on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.enabled = sys.stderr.isatty()
        self.started = self.last = time.monotonic()

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self.last > 0.2:
            self.last = now
            pct = 100 * self.done / self.total if self.total else 100
            rate = self.done / max(now - self.started, 1e-6) / 1e6
            print(
                f"\r{self.label}: {pct:5.1f}% {self.done / 1e6:,.0f} MB {rate:,.0f} MB/s",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def finish(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


class _Counting:
    """A write-only file object that counts bytes into a progress meter."""

    def __init__(self, raw: IO[bytes], progress: _Progress) -> None:
        self.raw, self.progress = raw, progress

    def write(self, data: bytes) -> int:
        self.progress.add(len(data))
        return self.raw.write(data)


def pack(source: str | os.PathLike[str], target: str | os.PathLike[str], *, level: int = 3) -> int:
    """Pack directory ``source`` (a snapshot or a store) into ``target``; returns bytes written."""
    src = Path(source)
    if not src.is_dir():
        raise ArchiveError(f"{src}: not a directory")
    total = sum(f.stat().st_size for f in src.rglob("*") if f.is_file() and not f.is_symlink())
    progress = _Progress(f"packing {src.name}", total)
    dst = Path(target)
    tmp = dst.with_name(f".{dst.name}.partial")
    try:
        with open(tmp, "wb") as raw:
            compressor = zstandard.ZstdCompressor(level=level, threads=-1)
            with compressor.stream_writer(raw, closefd=False) as zout:
                counting = _Counting(zout, progress)
                with tarfile.open(fileobj=counting, mode="w|", bufsize=CHUNK) as tar:  # type: ignore[call-overload]
                    tar.add(src, arcname=src.name)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        progress.finish()
    return dst.stat().st_size


def unpack(archive: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Unpack ``archive`` into directory ``target`` (created); returns the unpacked top directory."""
    dst = Path(target)
    dst.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=dst))
    try:
        with open(archive, "rb") as raw:
            progress = _Progress(f"unpacking {Path(archive).name}", os.fstat(raw.fileno()).st_size)
            reader = zstandard.ZstdDecompressor().stream_reader(raw)
            try:
                with tarfile.open(fileobj=reader, mode="r|") as tar:
                    for member in tar:
                        progress.add(member.size)
                        tar.extract(member, staging, filter="data")
            except (tarfile.TarError, zstandard.ZstdError, EOFError) as exc:
                raise ArchiveError(f"{archive}: not a complete criu_rpc archive ({exc})") from exc
            finally:
                progress.finish()
        tops = list(staging.iterdir())
        if len(tops) != 1 or not tops[0].is_dir():
            raise ArchiveError(f"{archive}: expected one top-level directory, found {len(tops)} entries")
        final = dst / tops[0].name
        if final.exists():
            raise ArchiveError(f"{final} already exists; unpack somewhere else or remove it")
        os.rename(tops[0], final)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)
