"""criu_rpc: a typed, pure-Python client for CRIU (Checkpoint/Restore In Userspace).

Talks CRIU's RPC protocol (protobuf over SOCK_SEQPACKET) to a ``criu swrk``
worker or a ``criu service`` socket: no output parsing, no ctypes.

Public names are imported on first use, so that ``python -m criu_rpc inspect``
and other commands that need one corner of the package start fast.
"""

from __future__ import annotations

import importlib

# typing.TYPE_CHECKING by name (mypy and ruff go by the name): importing typing would
# cost `launch` ~4 ms before its restore request (see prestart).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_EXPORTS: dict[str, str] = {
    "CgroupMode": "options",
    "CgroupRoot": "options",
    "CheckOptions": "options",
    "Connector": "transport",
    "CpuinfoOptions": "options",
    "Criu": "client",
    "CriuConnectionError": "errors",
    "CriuNotFoundError": "errors",
    "CriuProtocolError": "errors",
    "CriuRequestError": "errors",
    "CriuRpcError": "errors",
    "CriuSession": "client",
    "CriuTimeoutError": "errors",
    "CriuVersion": "results",
    "DumpOptions": "options",
    "DumpResult": "results",
    "ExtMount": "options",
    "FeatureUnavailableError": "errors",
    "Features": "results",
    "ImageError": "images",
    "InheritFd": "options",
    "JoinNamespace": "options",
    "KerndatCacheError": "kerndat",
    "Namespace": "options",
    "NetworkLock": "options",
    "NotACheckpointError": "images",
    "Notifier": "notify",
    "PageServerAddress": "options",
    "PageServerInfo": "results",
    "PageServerOptions": "options",
    "PreDumpMode": "options",
    "ResilientTrainer": "trainer",
    "RestoreOptions": "options",
    "RestoreResult": "results",
    "ServiceConnector": "transport",
    "Snapshot": "snapshots",
    "SnapshotError": "snapshots",
    "SnapshotStore": "snapshots",
    "SwrkConnector": "transport",
    "Transport": "transport",
    "UnsupportedOptionError": "errors",
    "VethPair": "options",
    "WaitStatus": "results",
    "ensure_kerndat_cache": "kerndat",
    "find_criu": "swrk",
    "open_images": "images",
}

__version__ = "0.1.0"
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'criu_rpc' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # the same names, eagerly, for type checkers (`X as X` marks a re-export)
    from .client import (
        Criu as Criu,
    )
    from .client import (
        CriuSession as CriuSession,
    )
    from .errors import (
        CriuConnectionError as CriuConnectionError,
    )
    from .errors import (
        CriuNotFoundError as CriuNotFoundError,
    )
    from .errors import (
        CriuProtocolError as CriuProtocolError,
    )
    from .errors import (
        CriuRequestError as CriuRequestError,
    )
    from .errors import (
        CriuRpcError as CriuRpcError,
    )
    from .errors import (
        CriuTimeoutError as CriuTimeoutError,
    )
    from .errors import (
        FeatureUnavailableError as FeatureUnavailableError,
    )
    from .errors import (
        UnsupportedOptionError as UnsupportedOptionError,
    )
    from .images import (
        ImageError as ImageError,
    )
    from .images import (
        NotACheckpointError as NotACheckpointError,
    )
    from .images import (
        open_images as open_images,
    )
    from .kerndat import (
        KerndatCacheError as KerndatCacheError,
    )
    from .kerndat import (
        ensure_kerndat_cache as ensure_kerndat_cache,
    )
    from .notify import (
        Notifier as Notifier,
    )
    from .options import (
        CgroupMode as CgroupMode,
    )
    from .options import (
        CgroupRoot as CgroupRoot,
    )
    from .options import (
        CheckOptions as CheckOptions,
    )
    from .options import (
        CpuinfoOptions as CpuinfoOptions,
    )
    from .options import (
        DumpOptions as DumpOptions,
    )
    from .options import (
        ExtMount as ExtMount,
    )
    from .options import (
        InheritFd as InheritFd,
    )
    from .options import (
        JoinNamespace as JoinNamespace,
    )
    from .options import (
        Namespace as Namespace,
    )
    from .options import (
        NetworkLock as NetworkLock,
    )
    from .options import (
        PageServerAddress as PageServerAddress,
    )
    from .options import (
        PageServerOptions as PageServerOptions,
    )
    from .options import (
        PreDumpMode as PreDumpMode,
    )
    from .options import (
        RestoreOptions as RestoreOptions,
    )
    from .options import (
        VethPair as VethPair,
    )
    from .results import (
        CriuVersion as CriuVersion,
    )
    from .results import (
        DumpResult as DumpResult,
    )
    from .results import (
        Features as Features,
    )
    from .results import (
        PageServerInfo as PageServerInfo,
    )
    from .results import (
        RestoreResult as RestoreResult,
    )
    from .results import (
        WaitStatus as WaitStatus,
    )
    from .snapshots import (
        Snapshot as Snapshot,
    )
    from .snapshots import (
        SnapshotError as SnapshotError,
    )
    from .snapshots import (
        SnapshotStore as SnapshotStore,
    )
    from .swrk import (
        find_criu as find_criu,
    )
    from .trainer import (
        ResilientTrainer as ResilientTrainer,
    )
    from .transport import (
        Connector as Connector,
    )
    from .transport import (
        ServiceConnector as ServiceConnector,
    )
    from .transport import (
        SwrkConnector as SwrkConnector,
    )
    from .transport import (
        Transport as Transport,
    )
