"""CriuRequestError's one-line summary: CRIU's own reason, found where CRIU put it."""

from __future__ import annotations

from criu_rpc.errors import CriuRequestError

RLIMIT = "Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted"


def test_a_harmless_first_error_gives_way_to_the_real_one() -> None:
    tail = f"{RLIMIT}\nError (criu/cr-dump.c:9): Can't freeze\nError (criu/cr-dump.c:2111): Dumping FAILED."
    exc = CriuRequestError("dump", cr_errmsg=RLIMIT.partition("): ")[2], log_tail=tail)
    assert exc.summary() == "CRIU dump failed: Can't freeze"


def test_a_generic_reason_gives_way_to_the_cause_with_a_hint() -> None:
    tail = "\n".join(
        [
            RLIMIT,
            "Error (criu/sockets.c:628): sockets: Can't get 1:16 opt: Operation not supported",
            "Error (criu/sockets.c:628): sockets: Can't get 1:34 opt: Operation not supported",
            "Error (criu/cr-dump.c:1681): Dump files (pid: 27019) failed with -1",
            "Error (criu/cr-dump.c:2111): Dumping FAILED.",
        ]
    )
    exc = CriuRequestError("dump", cr_errmsg="Dump files (pid: 27019) failed with -1", log_tail=tail)
    assert exc.summary().startswith(
        "CRIU dump failed: sockets: Can't get 1:34 opt: Operation not supported (CRIU before 4.2 cannot"
    )
    assert "close network connections before a checkpoint" in exc.summary()


def test_a_taken_pid_is_explained() -> None:
    exc = CriuRequestError("restore", cr_errmsg="Can't fork for 4242: File exists")
    assert "PID 4242 is in use by another process" in exc.summary()


def test_without_a_log_the_reason_stays_as_criu_gave_it() -> None:
    exc = CriuRequestError("dump", cr_errmsg="Dump files (pid: 1) failed with -1")
    assert exc.summary() == "CRIU dump failed: Dump files (pid: 1) failed with -1"


def test_a_leftover_proc_mountpoint_is_explained() -> None:
    exc = CriuRequestError("dump", cr_errmsg="Can't get proc fd (pid: 4242)")
    assert "leave an empty directory proc.crtools" in exc.summary()
