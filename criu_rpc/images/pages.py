"""Page contents by virtual address, without loading pages files.

Each images directory's ``pages-<id>.img`` holds the PE_PRESENT runs of its
pagemap, back to back in pagemap order. A run flagged PE_PARENT is looked up
by the same pagemap file name in the parent directory, and so on up the chain.
Pages files are mapped (mmap) on first use, so reading one page of a 4 GiB
image touches one page of the file.
"""

from __future__ import annotations

import bisect
import mmap
import os
from pathlib import Path
from typing import NamedTuple

from .errors import ImageError
from .fileio import open_regular
from .magic import PAGE_SIZE
from .views import Pagemap


class _Run(NamedTuple):
    start: int
    end: int
    flags_present: bool
    flags_parent: bool
    file_offset: int  # into pages-<id>.img, valid when present


class _Layer:
    """One directory's pagemap for a given pagemap file name, with file offsets."""

    def __init__(self, directory: Path, pagemap_name: str, pagemap: Pagemap) -> None:
        self.directory = directory
        self.pages_path = directory / f"pages-{pagemap.pages_id}.img"
        runs = []
        offset = 0
        # Offsets follow pagemap (file) order; lookups need vaddr order.
        for e in pagemap.entries:
            runs.append(_Run(e.vaddr, e.end, e.present, e.in_parent, offset))
            if e.present:
                offset += e.size
        runs.sort(key=lambda r: r.start)
        self.runs = runs
        self.starts = [r.start for r in runs]
        self.pagemap_name = pagemap_name
        self._map: mmap.mmap | None = None
        self._size = 0

    def find(self, vaddr: int) -> _Run | None:
        i = bisect.bisect_right(self.starts, vaddr) - 1
        if i >= 0 and self.runs[i].start <= vaddr < self.runs[i].end:
            return self.runs[i]
        return None

    def data(self, offset: int, length: int) -> bytes:
        if self._map is None:
            try:
                with open_regular(self.pages_path) as f:
                    self._size = os.fstat(f.fileno()).st_size
                    self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if self._size else None
            except OSError as exc:
                raise ImageError(self.pages_path, exc.strerror or str(exc)) from None
        if offset + length > self._size or self._map is None:
            raise ImageError(
                self.pages_path,
                f"shorter ({self._size} bytes) than its pagemap says (needs {offset + length})",
            )
        return self._map[offset : offset + length]

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None


class PageReader:
    """Read a process's memory as dumped: ``page(vaddr)`` and ``read(vaddr, size)``."""

    def __init__(self, layers: list[_Layer]) -> None:
        self._layers = layers

    def __enter__(self) -> PageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for layer in self._layers:
            layer.close()

    def page(self, vaddr: int) -> bytes | None:
        """The 4 KiB page holding ``vaddr``, or None when the image has no data for it.

        None means the page was not dumped (never touched, or file-backed and
        clean) or is lazy (left on the source for a lazy-pages restore).
        """
        base = vaddr - vaddr % PAGE_SIZE
        for depth, layer in enumerate(self._layers):
            run = layer.find(base)
            if run is None:
                return None
            if run.flags_present:
                return layer.data(run.file_offset + (base - run.start), PAGE_SIZE)
            if not run.flags_parent:
                return None
            if depth + 1 == len(self._layers):
                raise ImageError(
                    layer.directory / layer.pagemap_name,
                    f"page 0x{base:x} is in the parent image, but there is no parent with that pagemap",
                )
        return None

    def read(self, vaddr: int, size: int) -> bytes:
        """``size`` bytes from ``vaddr``; every page in the range must be in the image."""
        out = bytearray()
        addr = vaddr
        end = vaddr + size
        while addr < end:
            page = self.page(addr)
            if page is None:
                raise ImageError(self._layers[0].directory, f"no data for address 0x{addr:x} in the image")
            off = addr % PAGE_SIZE
            take = min(PAGE_SIZE - off, end - addr)
            out += page[off : off + take]
            addr += take
        return bytes(out)


def make_layer(directory: Path, pagemap_name: str, pagemap: Pagemap) -> _Layer:
    return _Layer(directory, pagemap_name, pagemap)
