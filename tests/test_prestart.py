"""launch's first act: send a snapshot's saved RESTORE request before the client is loaded.

The worker is a stand-in script (see test_transport): these test what we send,
to whom, with which descriptors, and how the client takes the answer over. A
real CRIU restoring a real job this way is in integration/test_trainer.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from criu_rpc import Criu, CriuRequestError, RestoreResult, Snapshot, SnapshotStore
from criu_rpc._pb import rpc_pb2
from criu_rpc.prestart import DUMPED_DIR_FD, FDS, IMAGES_FD, STDERR_FD, STDOUT_FD, start_latest
from criu_rpc.storefiles import LATEST, LAUNCH_REQUEST, META

# Records the request and which descriptors it found, says hello on the job's stdout, answers.
STANDIN = """#!@PYTHON@
import json, os, socket, sys
from criu_rpc._pb import rpc_pb2
sk = socket.socket(fileno=int(sys.argv[2]))
req = rpc_pb2.criu_req.FromString(sk.recv(1 << 20))
inherited = {item.key: os.path.exists(f"/proc/self/fd/{item.fd}") for item in req.opts.inherit_fd}
images = os.readlink(f"/proc/{os.getppid()}/fd/{req.opts.images_dir_fd}")
with open(os.environ["STANDIN_REPORT"], "w") as f:
    json.dump({"req": req.SerializeToString().hex(), "inherited": inherited, "images": images}, f)
os.write(@STDOUT_FD@, b"hello from the job\\n")
ok = os.environ.get("STANDIN_FAIL") is None
resp = rpc_pb2.criu_resp(type=rpc_pb2.RESTORE, success=ok, cr_errmsg="" if ok else "Can't open fd=3")
resp.restore.pid = 4242
sk.send(resp.SerializeToString())
"""


@pytest.fixture
def criu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    path = tmp_path / "criu"
    path.write_text(STANDIN.replace("@PYTHON@", sys.executable).replace("@STDOUT_FD@", str(STDOUT_FD)))
    path.chmod(0o755)
    monkeypatch.setenv("STANDIN_REPORT", str(tmp_path / "report.json"))
    yield str(path)
    assert not [fd for fd in FDS if os.path.exists(f"/proc/self/fd/{fd}")], "a descriptor was left open"


def make_store(root: Path, mapped: dict[str, tuple[int, int]] | None = None) -> Snapshot:
    """A store whose ``latest`` is one snapshot with its record and saved request (no images)."""
    path = SnapshotStore(root).root / "snap-000000020-abcdef"
    path.mkdir()
    snap = Snapshot(
        path=path,
        step=20,
        created=time.time(),
        size_bytes=0,
        criu_version="4.1.1",
        dumped_as=str(root / ".tmp-dumping"),
        stdio={"1": "pipe:[111]", "2": "pipe:[222]"},
        mapped_files=mapped or {},
    )
    (path / META).write_text(json.dumps(snap.to_json()))
    (path / LAUNCH_REQUEST).write_bytes(snap.launch_request())
    os.symlink(path.name, root / LATEST)
    return snap


def test_the_saved_request_names_the_fixed_descriptors() -> None:
    snap = Snapshot(
        Path("/s/snap-1"), 1, 0.0, 0, "4.1.1", "/s/.tmp-x", stdio={"1": "pipe:[7]", "2": "pipe:[8]"}
    )
    req = rpc_pb2.criu_req.FromString(snap.launch_request())
    assert req.type == rpc_pb2.RESTORE
    assert req.opts.images_dir_fd == IMAGES_FD
    assert [(i.key, i.fd) for i in req.opts.inherit_fd] == [
        ("s/.tmp-x", DUMPED_DIR_FD),
        ("pipe:[7]", STDOUT_FD),
        ("pipe:[8]", STDERR_FD),
    ]
    assert req.opts.rst_sibling
    assert req.opts.log_file == "restore.log"


def test_started_restore_is_taken_over_by_the_client(tmp_path: Path, criu: str) -> None:
    snap = make_store(tmp_path / "store")
    started = start_latest(str(tmp_path / "store"), criu)
    assert started is not None
    try:
        assert Criu(criu, prespawn=False).finish_restore(started) == RestoreResult(pid=4242)
    finally:
        started.close()
    for fd in (STDOUT_FD, STDERR_FD):
        os.close(fd)  # the launcher's write ends: the job has its own now
    with os.fdopen(started.stdout) as out, os.fdopen(started.stderr):
        assert out.read() == "hello from the job\n"
    report = json.loads((tmp_path / "report.json").read_text())
    assert bytes.fromhex(report["req"]) == snap.launch_request()
    assert report["inherited"] == {snap.dumped_as.lstrip("/"): True, "pipe:[111]": True, "pipe:[222]": True}
    assert report["images"] == str(snap.path)


def test_a_failed_started_restore_raises_as_a_restore_does(
    tmp_path: Path, criu: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANDIN_FAIL", "1")
    make_store(tmp_path / "store")
    started = start_latest(str(tmp_path / "store"), criu)
    assert started is not None
    try:
        with pytest.raises(CriuRequestError, match="Can't open fd=3"):
            Criu(criu, prespawn=False).finish_restore(started)
    finally:
        started.close()
        for fd in (started.stdout, started.stderr, STDOUT_FD, STDERR_FD):
            os.close(fd)


def test_an_interrupted_launcher_waits_for_the_worker_it_started(tmp_path: Path, criu: str) -> None:
    """Nobody takes the answer (Ctrl-C while loading): close() reaps the worker, leaves no zombie."""
    make_store(tmp_path / "store")
    started = start_latest(str(tmp_path / "store"), criu)
    assert started is not None
    started.close()
    assert (tmp_path / "report.json").exists(), "the worker was not waited for"
    assert not [p for p in psutil.Process().children() if p.status() == psutil.STATUS_ZOMBIE]
    for fd in (started.stdout, started.stderr, STDOUT_FD, STDERR_FD):
        os.close(fd)


@pytest.mark.parametrize(
    "case", ["no store", "no latest", "no request", "stale", "served", "fd taken", "no criu"]
)
def test_nothing_starts_when_anything_is_unusual(tmp_path: Path, criu: str, case: str) -> None:
    """The ordinary path restores then, and says what is wrong."""
    store = tmp_path / "store"
    binary = criu
    if case != "no store":
        lib = tmp_path / "lib.so"
        lib.write_bytes(b"v1")
        st = lib.stat()
        snap = make_store(store, {str(lib): (st.st_size, st.st_mtime_ns)})
    if case == "no latest":
        (store / LATEST).unlink()
    elif case == "no request":
        (snap.path / LAUNCH_REQUEST).unlink()
    elif case == "stale":
        lib.write_bytes(b"v2, after an upgrade")
    elif case == "no criu":
        binary = str(tmp_path / "no-such-criu")
    taken = os.dup2(0, STDOUT_FD) if case == "fd taken" else None
    with contextlib.ExitStack() as stack:
        if case == "served":  # another launch runs this store's job: never restore a second copy
            address = Path(SnapshotStore(store).service_address)
            address.parent.mkdir(parents=True, exist_ok=True)
            service = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET))
            service.bind(str(address))
            stack.callback(address.unlink)
            service.listen()
        try:
            assert start_latest(str(store), binary) is None
        finally:
            if taken is not None:
                os.close(taken)
    assert not (tmp_path / "report.json").exists(), "a worker was started"
