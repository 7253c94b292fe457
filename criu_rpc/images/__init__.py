"""Reading CRIU checkpoint images without CRIU.

``open_images(dir)`` gives typed views (processes, threads, VMAs, pagemaps,
fds, dump stats, the parent chain, page contents by address);
``read_image(path)`` decodes any single image file, entries and payloads.
"""

from .chain import walk_chain
from .checkpoint import Checkpoint, open_images
from .errors import ImageError, NotACheckpointError
from .framing import Entry, Image, decode_image, read_image, read_messages
from .magic import KINDS, ImageKind, kind_for_filename
from .pages import PageReader
from .todict import image_to_dict, message_to_dict
from .views import (
    DumpStats,
    Fd,
    Inventory,
    Pagemap,
    PagemapEntry,
    Process,
    RestoreStats,
    Thread,
    Vma,
)

__all__ = [
    "KINDS",
    "Checkpoint",
    "DumpStats",
    "Entry",
    "Fd",
    "Image",
    "ImageError",
    "ImageKind",
    "Inventory",
    "NotACheckpointError",
    "PageReader",
    "Pagemap",
    "PagemapEntry",
    "Process",
    "RestoreStats",
    "Thread",
    "Vma",
    "decode_image",
    "image_to_dict",
    "kind_for_filename",
    "message_to_dict",
    "open_images",
    "read_image",
    "read_messages",
    "walk_chain",
]
