"""Exceptions: one class per way a CRIU call can fail, so callers can tell them apart.

Everything raised by criu_rpc derives from :class:`CriuRpcError`. A request that
CRIU answered with failure raises :class:`CriuRequestError`, which keeps what
CRIU said (errno, first error message) and the end of its log, because the
reply alone rarely explains a failed dump.
"""

from __future__ import annotations

import errno as _errno
import os


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
        if self.cr_errmsg:
            parts.append(self.cr_errmsg.strip())
        if self.cr_errno:
            name = _errno.errorcode.get(self.cr_errno, str(self.cr_errno))
            parts.append(f"errno {self.cr_errno} ({name}: {os.strerror(self.cr_errno)})")
        if len(parts) == 1 and self.log_tail:
            parts.append(_last_error_line(self.log_tail))
        return ": ".join(parts)

    def __str__(self) -> str:
        return _with_tail(self.summary(), self.log_tail)


def _last_error_line(log: str) -> str:
    lines = [line for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or ["(no log)"])[-1].strip()


def _with_tail(message: str, tail: str) -> str:
    if not tail:
        return message
    indented = "\n".join("    " + line for line in tail.rstrip().splitlines())
    return f"{message}\n  last lines of CRIU's log:\n{indented}"
