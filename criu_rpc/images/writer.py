"""Writing images in CRIU's framing: the inverse of framing.read_image.

Used to build test fixtures and to rewrite pagemaps (content-dedup chains);
what it writes is what CRIU reads: the header magics, then each entry as a
little-endian u32 size and the serialized protobuf, then its payload bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from google.protobuf.message import Message

from .magic import BY_NAME, IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC, Framing, ImageKind


def header(kind: ImageKind) -> bytes:
    if kind.framing is Framing.RAW:
        raise ValueError(f"{kind.name} is a raw image: it has no header")
    if kind.name == "INVENTORY":
        return kind.magic.to_bytes(4, "little")
    first = IMG_SERVICE_MAGIC if kind.service else IMG_COMMON_MAGIC
    return first.to_bytes(4, "little") + kind.magic.to_bytes(4, "little")


def frame(message: Message) -> bytes:
    """One entry: size prefix and serialized message."""
    body = message.SerializeToString()
    return len(body).to_bytes(4, "little") + body


def encode_image(
    kind: ImageKind | str, messages: Sequence[Message], payloads: Iterable[bytes] | None = None
) -> bytes:
    """The bytes of a whole image. ``payloads`` (raw, already padded) follow entry by entry."""
    k = BY_NAME[kind] if isinstance(kind, str) else kind
    extras = list(payloads) if payloads is not None else []
    parts = [header(k)]
    for i, msg in enumerate(messages):
        parts.append(frame(msg))
        if i < len(extras):
            parts.append(extras[i])
    return b"".join(parts)


def write_image(
    path: str | os.PathLike[str],
    kind: ImageKind | str,
    messages: Sequence[Message],
    payloads: Iterable[bytes] | None = None,
) -> None:
    """Write an image file atomically (temporary name, then rename)."""
    data = encode_image(kind, messages, payloads)
    tmp = f"{os.fspath(path)}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
