"""Entries as plain JSON-ready dicts, the shape `crit decode` prints, for `inspect show --json`.

Only fields that are present on the wire appear (like crit), enums are given
by name, integers stay integers (crit's --pretty hex strings are a display
choice, not data), and bytes are base64 without line breaks. Payloads that
follow an entry go under ``"extra"``, shaped as crit shapes them.
"""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .framing import Entry, Image, IpcMessage, TcpQueues

JSON = Any


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _value(field: FieldDescriptor, value: Any) -> JSON:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return message_to_dict(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return b64(value)
    if field.type == FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        enum_value = field.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value is not None else value
    return value


def message_to_dict(msg: Message) -> dict[str, JSON]:
    """The fields set in ``msg``, recursively, in field-number order."""
    out: dict[str, JSON] = {}
    for field, value in msg.ListFields():
        if field.is_repeated:
            out[field.name] = [_value(field, v) for v in value]
        else:
            out[field.name] = _value(field, value)
    return out


def extra_to_json(extra: object) -> JSON:
    if extra is None:
        return None
    if isinstance(extra, bytes):
        return b64(extra)
    if isinstance(extra, TcpQueues):
        return {"inq": b64(extra.inq), "outq": b64(extra.outq)}
    if isinstance(extra, tuple):
        items: list[JSON] = []
        for item in extra:
            if isinstance(item, IpcMessage):
                items.extend([message_to_dict(item.header), b64(item.data)])
            else:
                items.append(item)
        return items
    raise TypeError(f"unexpected payload {type(extra).__name__}")


def entry_to_dict(entry: Entry) -> dict[str, JSON]:
    out = message_to_dict(entry.message)
    if entry.extra is not None:
        out["extra"] = extra_to_json(entry.extra)
    return out


def image_to_dict(image: Image) -> dict[str, JSON]:
    """``{"magic": NAME, "entries": [...]}``, as crit decode prints an image."""
    return {"magic": image.kind.magic_name, "entries": [entry_to_dict(e) for e in image.entries]}
