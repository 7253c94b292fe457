"""Files a job was writing, cut back to their size at a snapshot so that the snapshot restores.

CRIU reopens every regular file the process held open and refuses the restore
when one that is not in append mode changed size since the dump. A job that
writes its log or metrics with a plain ``open(path, "w")`` goes on writing after
its last checkpoint, so after a crash no snapshot of it would restore. The
restored job continues from its file position at the snapshot and writes again
what followed, so cutting such a file back to its size at the snapshot gives
what an uninterrupted run writes. Only write-only files are cut (a file the job
also read, or only read, may be someone else's data); the bytes cut off are
kept, since they may tell why the job died.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

from .images import open_images
from .images.views import RegFile


class GrownFile(NamedTuple):
    """A file the job was writing that has grown since the snapshot."""

    path: str
    size: int  # at the snapshot
    now: int


def grown_files(images_dir: str | os.PathLike[str]) -> list[GrownFile]:
    """Write-only, non-append regular files held open at the dump that are longer now (each once,
    however many times the job opened it)."""
    grown: list[GrownFile] = []
    for f in open_images(images_dir).files.values():
        if (
            not isinstance(f, RegFile)
            or f.size is None
            or (f.flags & os.O_ACCMODE) != os.O_WRONLY
            or f.flags & os.O_APPEND
            or any(g.path == f.path for g in grown)
        ):
            continue
        try:
            now = os.stat(f.path).st_size
        except OSError:
            continue  # gone or unreadable: CRIU says so itself
        if now > f.size:
            grown.append(GrownFile(f.path, f.size, now))
    return grown


def rewind(files: list[GrownFile], keep: Path) -> None:
    """Cut each file back to its size at the snapshot; what is cut off goes to ``keep``/PATH."""
    for f in files:
        tail = keep / f.path.lstrip("/")
        tail.parent.mkdir(parents=True, exist_ok=True)
        with open(f.path, "r+b") as src, open(tail, "wb") as dst:
            src.seek(f.size)
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())  # the tail is safe before the file loses it
            src.truncate(f.size)
            os.fsync(src.fileno())
