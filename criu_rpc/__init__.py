"""criu_rpc: a typed, pure-Python client for CRIU (Checkpoint/Restore In Userspace).

Talks CRIU's RPC protocol (protobuf over SOCK_SEQPACKET) to a ``criu swrk``
worker or a ``criu service`` socket: no output parsing, no ctypes.
"""

from .client import Criu, CriuSession
from .errors import (
    CriuConnectionError,
    CriuNotFoundError,
    CriuProtocolError,
    CriuRequestError,
    CriuRpcError,
    CriuTimeoutError,
    FeatureUnavailableError,
    UnsupportedOptionError,
)
from .notify import Notifier
from .options import (
    CgroupMode,
    CgroupRoot,
    CheckOptions,
    CpuinfoOptions,
    DumpOptions,
    ExtMount,
    InheritFd,
    JoinNamespace,
    Namespace,
    NetworkLock,
    PageServerAddress,
    PageServerOptions,
    PreDumpMode,
    RestoreOptions,
    VethPair,
)
from .results import CriuVersion, DumpResult, Features, PageServerInfo, RestoreResult, WaitStatus
from .snapshots import Snapshot, SnapshotError, SnapshotStore
from .trainer import ResilientTrainer
from .transport import Connector, ServiceConnector, SwrkConnector, Transport, find_criu

__version__ = "0.1.0"

__all__ = [
    "CgroupMode",
    "CgroupRoot",
    "CheckOptions",
    "Connector",
    "CpuinfoOptions",
    "Criu",
    "CriuConnectionError",
    "CriuNotFoundError",
    "CriuProtocolError",
    "CriuRequestError",
    "CriuRpcError",
    "CriuSession",
    "CriuTimeoutError",
    "CriuVersion",
    "DumpOptions",
    "DumpResult",
    "ExtMount",
    "FeatureUnavailableError",
    "Features",
    "InheritFd",
    "JoinNamespace",
    "Namespace",
    "NetworkLock",
    "Notifier",
    "PageServerAddress",
    "PageServerInfo",
    "PageServerOptions",
    "PreDumpMode",
    "ResilientTrainer",
    "RestoreOptions",
    "RestoreResult",
    "ServiceConnector",
    "Snapshot",
    "SnapshotError",
    "SnapshotStore",
    "SwrkConnector",
    "Transport",
    "UnsupportedOptionError",
    "VethPair",
    "WaitStatus",
    "find_criu",
]
