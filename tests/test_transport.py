"""Finding CRIU, and owning its process: spawn, timeout, kill, reap, detach.

The swrk "workers" here are stand-in scripts written into tmp_path. They test
our process handling (exit statuses, zombies, re-parenting, inherited fds),
not CRIU; the real thing is exercised by integration/.
"""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from criu_rpc import (
    Criu,
    CriuConnectionError,
    CriuNotFoundError,
    CriuTimeoutError,
    CriuVersion,
    DumpOptions,
    DumpResult,
    InheritFd,
    RestoreOptions,
    RestoreResult,
    ServiceConnector,
    SwrkConnector,
    find_criu,
)
from criu_rpc.transport import _SwrkTransport

# A stand-in for `criu swrk FD` that speaks just enough of the protocol.
# With $STANDIN_REPORT set it first writes who it is (pid, parent, argv).
PY_SWRK = """#!@PYTHON@
import json, os, socket, sys
from criu_rpc._pb import rpc_pb2

report = os.environ.get("STANDIN_REPORT")
if report:
    with open(report + ".tmp", "w") as f:
        json.dump({"pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0), "argv": sys.argv[1:]}, f)
    os.rename(report + ".tmp", report)
sk = socket.socket(fileno=int(sys.argv[2]))
while True:
    data = sk.recv(1 << 20)
    if not data:
        break
    req = rpc_pb2.criu_req.FromString(data)
    resp = rpc_pb2.criu_resp(type=req.type, success=True)
    if req.type == rpc_pb2.VERSION:
        resp.version.major_number, resp.version.minor_number = 9, 8
    elif req.type == rpc_pb2.RESTORE:
        for item in req.opts.inherit_fd:
            os.fstat(item.fd)  # raises (and we exit, unanswered) if it was not inherited
        resp.restore.pid = os.getpid()
    sk.send(resp.SerializeToString())
    if not req.keep_open:
        break
"""


def standin(tmp_path: Path, body: str, name: str = "criu") -> str:
    """Write an executable stand-in; ``body`` is a shell script unless it starts with ``#!``."""
    path = tmp_path / name
    text = body.replace("@PYTHON@", sys.executable)
    path.write_text(text if text.startswith("#!") else "#!/bin/sh\n" + text)
    path.chmod(0o755)
    return str(path)


def wait_for_file(path: Path, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)
    return path.read_text()


def zombie_children() -> set[int]:
    return {p.pid for p in psutil.Process().children() if p.status() == psutil.STATUS_ZOMBIE}


def pid_in(text: str) -> int:
    match = re.search(r"pid (\d+)", text)
    assert match, f"no pid in {text!r}"
    return int(match.group(1))


def assert_reaped(pid: int) -> None:
    """``pid`` was our child and is gone for good: killed and waited for, no zombie left."""
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).ppid() != os.getpid()


@pytest.fixture(autouse=True)
def no_new_zombies() -> Iterator[None]:
    before = zombie_children()
    yield
    assert zombie_children() <= before, "a test left a zombie child behind"


# -- find_criu -------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No $CRIU_BIN, an empty PATH directory, and no sbin fallback: every test sets what it needs."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.delenv("CRIU_BIN", raising=False)
    monkeypatch.setenv("PATH", str(empty))
    real_which = shutil.which

    def which(cmd: str, mode: int = os.F_OK | os.X_OK, path: str | None = None) -> str | None:
        if path == "/usr/sbin:/sbin":
            return None  # keep a host's /usr/sbin/criu out of these tests
        return real_which(cmd, mode, path)

    monkeypatch.setattr(shutil, "which", which)
    return empty


def test_explicit_argument_wins(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = standin(tmp_path, "exit 0", "explicit-criu")
    monkeypatch.setenv("CRIU_BIN", standin(tmp_path, "exit 0", "env-criu"))
    standin(clean_env, "exit 0")
    assert find_criu(explicit) == explicit
    assert find_criu(Path(explicit)) == explicit


def test_explicit_relative_path_is_made_absolute(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = standin(tmp_path, "exit 0")
    monkeypatch.chdir(tmp_path)
    assert find_criu("./criu") == path


def test_explicit_bare_name_is_looked_up_on_path(clean_env: Path) -> None:
    path = standin(clean_env, "exit 0", "my-criu")
    assert find_criu("my-criu") == path


def test_criu_bin_beats_path(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = standin(tmp_path, "exit 0", "env-criu")
    standin(clean_env, "exit 0")
    monkeypatch.setenv("CRIU_BIN", env)
    assert find_criu() == env


def test_empty_criu_bin_is_ignored(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = standin(clean_env, "exit 0")
    monkeypatch.setenv("CRIU_BIN", "")
    assert find_criu() == on_path


def test_path_is_last(clean_env: Path) -> None:
    on_path = standin(clean_env, "exit 0")
    assert find_criu() == on_path


def not_executable(tmp_path: Path) -> str:
    path = tmp_path / "criu-noexec"
    path.write_text("#!/bin/sh\n")
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return str(path)


@pytest.mark.parametrize("kind", ["noexec", "missing", "directory"])
def test_bad_explicit_argument_names_its_origin(clean_env: Path, tmp_path: Path, kind: str) -> None:
    standin(clean_env, "exit 0")  # a good criu on PATH must not be silently used instead
    bad = {"noexec": not_executable(tmp_path), "missing": str(tmp_path / "nope"), "directory": str(tmp_path)}[
        kind
    ]
    with pytest.raises(CriuNotFoundError, match="from the explicit argument is not an executable") as info:
        find_criu(bad)
    assert bad in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def test_bad_criu_bin_names_its_origin(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin(clean_env, "exit 0")
    bad = not_executable(tmp_path)
    monkeypatch.setenv("CRIU_BIN", bad)
    with pytest.raises(CriuNotFoundError, match=r"from \$CRIU_BIN is not an executable") as info:
        find_criu()
    assert bad in str(info.value)


def test_nothing_found_says_how_to_fix_it(clean_env: Path) -> None:
    (clean_env / "criu").write_text("not executable")  # which() skips it
    with pytest.raises(CriuNotFoundError, match=r"pass binary=\.\.\., set \$CRIU_BIN, or put criu on PATH"):
        find_criu()
    with pytest.raises(CriuNotFoundError):
        Criu()
    with pytest.raises(CriuNotFoundError):
        SwrkConnector.find()


# -- the swrk worker's life --------------------------------------------------------------


def test_swrk_round_trip_through_a_spawned_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "report.json"
    monkeypatch.setenv("STANDIN_REPORT", str(report))
    criu = Criu(standin(tmp_path, PY_SWRK), timeout=10)
    assert criu.version() == CriuVersion(9, 8)
    info: dict[str, Any] = json.loads(report.read_text())
    assert info["argv"][0] == "swrk"
    assert info["ppid"] == os.getpid()
    assert_reaped(info["pid"])


def test_inherit_fd_reaches_the_spawned_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "report.json"
    monkeypatch.setenv("STANDIN_REPORT", str(report))
    criu = Criu(standin(tmp_path, PY_SWRK), timeout=10)
    r, w = os.pipe()
    try:
        os.set_inheritable(w, False)  # pass_fds must make it inheritable for the worker anyway
        opts = RestoreOptions(images_dir=tmp_path, inherit_fd=(InheritFd("pipe:[1]", w),))
        result = criu.restore(opts)
    finally:
        os.close(r)
        os.close(w)
    pid = json.loads(report.read_text())["pid"]
    assert result == RestoreResult(pid=pid)


def test_worker_that_exits_at_once_reports_its_status(tmp_path: Path) -> None:
    criu = Criu(standin(tmp_path, "echo 'criu: cannot start: boom' >&2\nexit 3"), timeout=10)
    with pytest.raises(CriuConnectionError, match=r"exited with status 3") as info:
        criu.version()
    assert "boom" in info.value.log_tail
    assert "boom" in str(info.value)


def test_worker_that_dies_after_reading_the_request_reports_its_status(tmp_path: Path) -> None:
    body = "#!@PYTHON@\nimport socket, sys\nsocket.socket(fileno=int(sys.argv[2])).recv(100)\nsys.exit(5)\n"
    with pytest.raises(
        CriuConnectionError, match=r"closed the connection without replying \(exited with status 5\)"
    ):
        Criu(standin(tmp_path, body), timeout=10).version()


def test_request_sent_to_a_dead_worker_reports_its_status(tmp_path: Path) -> None:
    """Whether the worker dies before or after our send, the error carries its exit status."""
    transport = SwrkConnector(standin(tmp_path, "exit 4")).connect()
    try:
        pid = pid_in(transport.description)
        deadline = time.monotonic() + 10
        while psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with pytest.raises(CriuConnectionError, match=r"exited with status 4"):
            transport.send(b"\x08\x0a")
    finally:
        transport.close()
    assert_reaped(pid)


def test_worker_killed_by_a_signal_says_so(tmp_path: Path) -> None:
    criu = Criu(standin(tmp_path, "kill -KILL $$"), timeout=10)
    with pytest.raises(CriuConnectionError, match=r"killed by SIGKILL"):
        criu.version()


def test_silent_worker_times_out_and_is_killed_and_reaped(tmp_path: Path) -> None:
    criu = Criu(standin(tmp_path, "exec sleep 60"), timeout=0.5)
    start = time.monotonic()
    with pytest.raises(CriuTimeoutError, match=r"no reply within 0\.5 s") as info:
        criu.version()
    assert time.monotonic() - start < 5
    pid = pid_in(str(info.value))
    assert_reaped(pid)


def test_detached_worker_is_not_our_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "report.json"
    monkeypatch.setenv("STANDIN_REPORT", str(report))
    transport = SwrkConnector(standin(tmp_path, PY_SWRK)).connect(detached=True)
    try:
        pid = pid_in(transport.description)
        info = json.loads(wait_for_file(report))
        assert info["pid"] == pid
        assert info["argv"][0] == "swrk"
        assert info["ppid"] != os.getpid()
        assert info["sid"] != os.getsid(0)  # own session: no signals from our terminal
        assert pid not in {p.pid for p in psutil.Process().children(recursive=True)}
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    finally:
        transport.abort()
        transport.close()


def test_self_dump_runs_a_detached_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "report.json"
    monkeypatch.setenv("STANDIN_REPORT", str(report))
    criu = Criu(standin(tmp_path, PY_SWRK), timeout=10)
    assert criu.dump(DumpOptions(images_dir=tmp_path)) == DumpResult(restored=False)
    info = json.loads(report.read_text())
    assert info["ppid"] != os.getpid()
    assert info["sid"] != os.getsid(0)


def test_forgotten_worker_is_neither_killed_nor_waited_for(tmp_path: Path) -> None:
    """After a self-restore the pid we knew belongs to another life."""
    transport = SwrkConnector(standin(tmp_path, PY_SWRK)).connect()
    assert isinstance(transport, _SwrkTransport)
    proc = transport._proc
    assert proc is not None
    transport.forget_peer()
    transport.abort()  # no-op: must not kill the worker
    transport.close()  # closes our socket, so the stand-in exits on its own
    assert proc.wait(timeout=10) == 0


def test_unspawnable_binary_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(CriuNotFoundError, match="cannot start"):
        SwrkConnector(str(tmp_path / "vanished")).connect()


def test_missing_service_socket_is_a_connection_error(tmp_path: Path) -> None:
    connector = ServiceConnector(str(tmp_path / "criu.sock"))
    assert not connector.passes_fds
    with pytest.raises(CriuConnectionError, match="no criu service socket"):
        connector.connect()


def test_prespawn_keeps_one_idle_worker_and_close_reaps_it(tmp_path: Path) -> None:
    connector = SwrkConnector(standin(tmp_path, PY_SWRK), prespawn=True)
    first = connector.connect()
    assert connector._idle.transport is None, "no worker starts while the first one works"
    first.close()
    spare = connector._idle.transport
    assert spare is not None
    assert spare.idle(), "the next worker started when the first one was done"
    second = connector.connect()
    assert second is spare, "the next call takes the idle worker"
    second.close()
    third = connector._idle.transport
    assert third is not None
    connector.close()
    assert connector._idle.transport is None
    assert not third.idle(), "close() ended the idle worker"
    first.close()
    assert connector._idle.transport is None, "after close() nothing starts one until the next call"


def test_prespawn_is_bypassed_for_descriptors_and_self_dumps(tmp_path: Path) -> None:
    connector = SwrkConnector(standin(tmp_path, PY_SWRK), prespawn=True)
    read_end, write_end = os.pipe()
    try:
        connector.connect(pass_fds=(write_end,)).close()
        connector.connect(detached=True).close()
        assert connector._idle.transport is None, "no idle worker was started for them"
    finally:
        os.close(read_end)
        os.close(write_end)
        connector.close()


def connector_with_idle_worker(tmp_path: Path) -> tuple[SwrkConnector, _SwrkTransport]:
    """A prespawning connector after one call: its next worker is up and idle."""
    connector = SwrkConnector(standin(tmp_path, PY_SWRK), prespawn=True)
    connector.connect().close()
    spare = connector._idle.transport
    assert spare is not None
    assert spare.idle()
    return connector, spare


def test_self_dump_ends_the_idle_worker_first(tmp_path: Path) -> None:
    connector, spare = connector_with_idle_worker(tmp_path)
    connector.connect(detached=True).close()
    assert not spare.idle(), "no idle worker of ours sits in the tree a self-dump freezes"
    assert connector._idle.transport is None


def test_a_dropped_connector_ends_its_idle_worker(tmp_path: Path) -> None:
    connector, spare = connector_with_idle_worker(tmp_path)
    del connector
    gc.collect()
    assert not spare.idle(), "the idle worker ended (and was reaped) with its connector"


def test_criu_keeps_a_worker_ready_by_default(tmp_path: Path) -> None:
    binary = standin(tmp_path, PY_SWRK)
    assert repr(Criu(binary).connector).endswith("prespawn=True)")
    assert repr(Criu(binary, prespawn=False).connector).endswith("prespawn=False)")


def test_a_forked_child_leaves_the_parents_idle_worker_alone(tmp_path: Path) -> None:
    connector, spare = connector_with_idle_worker(tmp_path)
    child = os.fork()
    if child == 0:  # a data-loader worker, say, that ends the connector it inherited
        connector.close()
        os._exit(0 if connector._idle.transport is None else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert spare.idle(), "the parent's idle worker was not touched"
    assert connector.connect() is spare, "and the parent still gets it"
    spare.close()
    connector.close()
