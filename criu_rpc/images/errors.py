"""The one exception the image reader raises.

Image directories come from users, old CRIU versions, half-finished copies and
attackers alike, so every problem found while reading them (a short file, a
wrong magic, an entry protobuf cannot parse, a parent link that loops) becomes
an :class:`ImageError` naming the file and the problem in one line, instead of
whatever struct, protobuf or the OS would have raised.
"""

from __future__ import annotations

import os

from ..errors import CriuRpcError


class ImageError(CriuRpcError):
    """A checkpoint image (file or directory) is missing, unreadable or malformed."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class NotACheckpointError(ImageError):
    """The directory holds no CRIU dump at all (no inventory.img, no pstree.img)."""
