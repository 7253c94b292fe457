"""Typed answers to CRIU requests, so callers never touch protobuf messages."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, fields


@dataclass(frozen=True, order=True)
class CriuVersion:
    """What VERSION reports. Ordered by (major, minor, sublevel) for feature gates."""

    major: int
    minor: int
    sublevel: int = 0
    extra: int = 0
    gitid: str = ""
    name: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}"
        if self.sublevel:
            text += f".{self.sublevel}"
        if self.name:
            text += f" ({self.name})"
        return text

    def at_least(self, major: int, minor: int) -> bool:
        return (self.major, self.minor) >= (major, minor)


@dataclass(frozen=True)
class Features:
    """FEATURE_CHECK answers; None means the feature was not asked about."""

    mem_track: bool | None = None
    lazy_pages: bool | None = None
    pidfd_store: bool | None = None


FEATURES = tuple(f.name for f in fields(Features))


@dataclass(frozen=True)
class DumpResult:
    """``restored`` is False in the process that was dumped and True in a restored copy.

    Only a self-dump (no pid) can observe True: the restored process resumes
    inside the dump call and receives CRIU's answer there.
    """

    restored: bool


@dataclass(frozen=True)
class RestoreResult:
    """The pid of the restored root task, as seen from the caller's pid namespace."""

    pid: int


@dataclass(frozen=True)
class PageServerInfo:
    """A page server CRIU started: its pid and the TCP port it listens on."""

    pid: int
    port: int


@dataclass(frozen=True)
class WaitStatus:
    """A raw wait(2) status from WAIT_PID, decoded like subprocess does."""

    raw: int

    @property
    def returncode(self) -> int:
        """Exit code, or minus the signal number, as in subprocess.Popen.returncode."""
        return os.waitstatus_to_exitcode(self.raw)

    @property
    def signal(self) -> signal.Signals | None:
        return signal.Signals(-self.returncode) if self.returncode < 0 else None
