"""Opening files of an images directory without hanging or reading forever.

A checkpoint directory is untrusted input: an "image" may be a FIFO (a plain
open would block until someone writes), a device such as /dev/zero (reading it
"whole" never ends) or a directory. Everything the reader opens goes through
:func:`open_regular`, which opens without blocking and refuses anything that
is not a regular file.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from .errors import ImageError


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file (symlinks followed), else ImageError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise ImageError(path, exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise ImageError(path, f"is {kind}, not an image file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
