"""Following the ``parent`` links of incremental checkpoints, refusing loops and escapes.

A pre-dump or a deduplicated dump keeps a ``parent`` symlink to the previous
images directory; pagemap entries flagged PE_PARENT find their pages there.
Relative targets resolve against the directory holding the link (so chains can
be moved as a whole). A link that loops, dangles, is not a directory of images,
or leaves the directory that holds the chain (unless allowed) is an ImageError:
restoring from such a chain can make CRIU spin forever (see DESIGN.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ImageError

PARENT_LINK = "parent"
# Longer chains than this are almost certainly loops through bind mounts or renames.
MAX_DEPTH = 512


def _is_images_dir(path: Path) -> bool:
    try:
        names = os.listdir(path)
    except OSError:
        return False
    return any(n == "inventory.img" or (n.startswith("pagemap-") and n.endswith(".img")) for n in names)


def parent_dir(directory: Path, *, confine: Path | None) -> Path | None:
    """The resolved parent images directory of ``directory``, or None if it has no parent link."""
    link = directory / PARENT_LINK
    if not link.is_symlink():
        if link.exists():
            raise ImageError(link, "is not a symlink (CRIU's parent link must be one)")
        return None
    try:
        target = os.readlink(link)
    except OSError as exc:
        raise ImageError(link, f"cannot read link: {exc.strerror}") from None
    resolved = Path(os.path.realpath(directory / target))
    if not resolved.exists():
        raise ImageError(link, f"points to {target!r}, which does not exist")
    if not resolved.is_dir():
        raise ImageError(link, f"points to {target!r}, which is not a directory")
    if confine is not None and not resolved.is_relative_to(confine):
        raise ImageError(link, f"points to {target!r}, outside {confine}")
    if not _is_images_dir(resolved):
        raise ImageError(link, f"points to {target!r}, which holds no CRIU images")
    return resolved


def walk_chain(directory: str | os.PathLike[str], *, follow_outside: bool = False) -> list[Path]:
    """``[directory, parent, grandparent, ...]``, every element a real path.

    Unless ``follow_outside``, every parent must lie inside the directory that
    holds ``directory`` (a snapshot store: ``store/3 -> ../2 -> ../1``).
    """
    start = Path(os.path.realpath(directory))
    confine = None if follow_outside else start.parent
    chain = [start]
    seen = {start}
    current = start
    while True:
        parent = parent_dir(current, confine=confine)
        if parent is None:
            return chain
        if parent in seen:
            raise ImageError(current / PARENT_LINK, f"parent chain loops back to {parent}")
        if len(chain) >= MAX_DEPTH:
            raise ImageError(current / PARENT_LINK, f"parent chain deeper than {MAX_DEPTH}")
        seen.add(parent)
        chain.append(parent)
        current = parent
