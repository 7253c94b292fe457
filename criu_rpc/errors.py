"""Exceptions: one class per way a CRIU call can fail, so callers can tell them apart.

Everything raised by criu_rpc derives from :class:`CriuRpcError`. A request that
CRIU answered with failure raises :class:`CriuRequestError`, which keeps what
CRIU said (errno, first error message) and the end of its log, because the
reply alone rarely explains a failed dump.
"""

from __future__ import annotations

import errno as _errno
import os
import re


class CriuRpcError(Exception):
    """Base of every error raised by criu_rpc."""


class CriuNotFoundError(CriuRpcError, FileNotFoundError):
    """No usable CRIU binary (explicit argument, then $CRIU_BIN, then PATH)."""


class CriuConnectionError(CriuRpcError, ConnectionError):
    """CRIU went away before it answered: it died, exited or closed the socket."""

    def __init__(self, message: str, *, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail

    def __str__(self) -> str:
        return _with_tail(super().__str__(), self.log_tail)


class CriuProtocolError(CriuRpcError):
    """CRIU (or whatever sits on the socket) sent something that is not a valid reply."""


class CriuTimeoutError(CriuRpcError, TimeoutError):
    """CRIU did not answer within the timeout; the worker was killed."""


class UnsupportedOptionError(CriuRpcError, ValueError):
    """An option was set that the running CRIU is too old to understand.

    Older CRIU silently ignores unknown protobuf fields, so sending such an
    option would do nothing while looking like it worked.
    """

    def __init__(self, option: str, needed: tuple[int, int], running: str, binary: str) -> None:
        self.option = option
        self.needed = needed
        self.running = running
        super().__init__(
            f"option {option!r} needs CRIU >= {needed[0]}.{needed[1]}, but {binary} is CRIU {running}"
        )


class FeatureUnavailableError(CriuRpcError):
    """The kernel or CRIU lacks a feature the call needs (e.g. soft-dirty for pre-dump)."""

    def __init__(self, feature: str, reason: str) -> None:
        self.feature = feature
        self.reason = reason
        super().__init__(f"{feature} is not available here: {reason}")


class CriuRequestError(CriuRpcError):
    """CRIU answered a request with failure."""

    def __init__(
        self,
        request: str,
        *,
        cr_errno: int = 0,
        cr_errmsg: str = "",
        log_tail: str = "",
        binary: str = "",
    ) -> None:
        self.request = request
        self.cr_errno = cr_errno
        self.cr_errmsg = cr_errmsg
        self.log_tail = log_tail
        self.binary = binary
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line: what failed and why, as CRIU put it."""
        parts = [f"CRIU {self.request} failed"]
        reason = self.cr_errmsg.strip()
        if (not reason or _is_harmless(reason) or _is_generic(reason)) and self.log_tail:
            reason = _last_error_line(self.log_tail) or reason
        if reason:
            parts.append(reason + _hint(reason))
        if self.cr_errno:
            name = _errno.errorcode.get(self.cr_errno, str(self.cr_errno))
            parts.append(f"errno {self.cr_errno} ({name}: {os.strerror(self.cr_errno)})")
        return ": ".join(parts)

    def __str__(self) -> str:
        return _with_tail(self.summary(), self.log_tail)


# CRIU logs these as errors (so they become cr_errmsg, its *first* error) though
# they do not make a request fail; the cause is then further down the log.
_HARMLESS = ("RLIMIT_NOFILE",)
# CRIU's closing lines, which say that it failed but not why.
_GENERIC = ("Dumping FAILED", "Restoring FAILED", "Pre-dumping FAILED", "Dump files (pid: ")


def _hint(reason: str) -> str:
    taken = re.search(r"Can't fork for (\d+): File exists", reason)
    if taken:
        return (
            f" (PID {taken.group(1)} is in use by another process; a job started as the init of "
            "its own pid namespace restores into a fresh one)"
        )
    if "Can't get proc fd" in reason:
        return (
            " (a dump killed midway can leave an empty directory proc.crtools in the process's"
            " working directory: CRIU cannot dump a pid-namespace init there until it is removed)"
        )
    if re.search(r"Can't get 1:(16|34) opt: Operation not supported", reason):
        # SO_PASSCRED / SO_PASSSEC, refused for inet sockets since Linux 6.16.
        return (
            " (CRIU before 4.2 cannot dump an inet socket on Linux 6.16 or later: close network"
            " connections before a checkpoint and open them again after it)"
        )
    return ""


def _is_harmless(message: str) -> bool:
    return any(marker in message for marker in _HARMLESS)


def _is_generic(message: str) -> bool:
    return any(marker in message for marker in _GENERIC)


def _last_error_line(log: str) -> str:
    """The last error in the log that explains something, without its source location."""
    for line in reversed(log.splitlines()):
        _, marker, rest = line.partition("Error (")
        if not marker or _is_harmless(line) or _is_generic(line):
            continue
        return rest.partition("): ")[2].strip() or line.strip()
    return ""


def _with_tail(message: str, tail: str) -> str:
    if not tail:
        return message
    indented = "\n".join("    " + line for line in tail.rstrip().splitlines())
    return f"{message}\n  last lines of CRIU's log:\n{indented}"
