"""What a SnapshotStore keeps on disk, for readers that must not load it (``inspect``, ``prestart``)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence

META = "snapshot.json"  # a snapshot's record, inside its directory
LAUNCH_REQUEST = "launch-restore.req"  # the RESTORE request `launch` sends for it (see prestart)
STORE_META = "store.json"
LATEST = "latest"
PREFIX = "snap-"
TMP_PREFIX = ".tmp-"


def changed_file(mapped_files: Mapping[str, Sequence[int]]) -> str | None:
    """Why a snapshot cannot restore here any more, from its record's ``mapped_files``; None if it can.

    CRIU refuses a snapshot whose mapped libraries changed (it checks their
    build-IDs: "has bad build-ID"), typically after a package upgrade. Size
    and mtime recorded at checkpoint time tell it up front.
    """
    for path, (size, mtime_ns) in mapped_files.items():
        try:
            st = os.stat(path)
        except OSError:
            return f"{path}, mapped by the process, is gone"
        if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
            return f"{path}, mapped by the process, changed since the snapshot (upgraded?)"
    return None


def service_address(store_id: str) -> str:
    """Where `launch` serves CRIU for the store with ``store_id`` (its ``store.json`` id).

    Derived from the id, not the store's path, so a job restored from a store
    that was moved or unpacked elsewhere finds it at the same place.
    """
    if os.access("/run", os.W_OK):
        return f"/run/criu_rpc/{store_id[:16]}.sock"
    import tempfile  # noqa: PLC0415 (only where /run is closed to us: not as root, not under launch)

    return f"{tempfile.gettempdir()}/criu_rpc-{store_id[:16]}.sock"


def listening(address: str) -> bool:
    """Whether something accepts connections at ``address``: a launch of the store is running."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as probe:
        try:
            probe.connect(address)
        except OSError:
            return False
    return True
