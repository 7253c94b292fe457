"""criu_rpc.pageserver on one host: page servers we can stop, dumps into them, lazy pages by port."""

from __future__ import annotations

import shutil
import signal
import socket
import threading
from pathlib import Path

import psutil

from criu_rpc import Criu, DumpResult, Notifier, RestoreOptions
from criu_rpc.pageserver import (
    LazyPagesDaemon,
    dump_to,
    lazy_dump,
    lazy_restore,
    start_page_server,
    start_page_server_daemon,
    stop_daemon,
    wait_for_exit,
)

from .conftest import unavailable
from .hosts import pipe_max_size
from .test_dump_restore import _ns_init, assert_resumed
from .workload import Workload, start_counter

PIDNS = ("unshare", "--pid", "--fork", "setsid")


def test_page_server_child_receives_a_dump_and_exits_cleanly(
    criu: Criu, workloads: list[Workload], tmp_path: Path
) -> None:
    served, images = tmp_path / "served", tmp_path / "images"
    served.mkdir()
    images.mkdir()
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    with start_page_server(criu, served, address="127.0.0.1") as server:
        assert server.port > 0
        dump_to(criu, w.pid, images, address="127.0.0.1", port=server.port)
        assert server.wait().returncode == 0, "the page server got every page"
    w.proc.wait(timeout=10)
    reached = w.last()
    for item in images.glob("*.img"):
        shutil.copy2(item, served / item.name)
    w.adopt(criu.restore(RestoreOptions(images_dir=served, log_file="restore.log")).pid)
    assert_resumed(w, reached)


def test_stop_kills_an_idle_page_server_and_reaps_it(criu: Criu, tmp_path: Path) -> None:
    server = start_page_server(criu, tmp_path, address="127.0.0.1")
    assert psutil.pid_exists(server.pid)
    status = server.stop()
    assert status.signal == signal.SIGKILL
    assert not psutil.pid_exists(server.pid)


def test_daemon_page_server_can_be_stopped(criu: Criu, tmp_path: Path) -> None:
    info = start_page_server_daemon(criu, tmp_path, address="127.0.0.1")
    assert info.port > 0
    assert stop_daemon(info) is True
    assert wait_for_exit(info.pid, 10)
    assert stop_daemon(info) is False


class _Ready(Notifier):
    """status-ready arrives when the lazy dump's page server listens."""

    def __init__(self) -> None:
        self.ready = threading.Event()

    def status_ready(self) -> None:
        self.ready.set()


def test_lazy_dump_daemon_and_restore_by_port(criu: Criu, workloads: list[Workload], tmp_path: Path) -> None:
    if not criu.features("lazy_pages").lazy_pages:
        unavailable("CRIU reports no lazy_pages support (userfaultfd) on this kernel")
    images = tmp_path / "images"
    images.mkdir()
    w = start_counter(tmp_path / "out", mem_mb=64, prefix=PIDNS)
    workloads.append(w)
    init = _ns_init(w)
    w.wait_past(2)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notifier = _Ready()
    outcome: dict[str, DumpResult | BaseException] = {}

    def dump() -> None:
        try:
            outcome["dump"] = lazy_dump(criu, init, images, port=port, notifier=notifier, log_level=4)
        except BaseException as exc:
            outcome["dump"] = exc

    with pipe_max_size():
        dumper = threading.Thread(target=dump)
        dumper.start()
        try:
            assert notifier.ready.wait(60), f"lazy page server never listened: {outcome}"
            reached = w.last()
            with LazyPagesDaemon(images, address="127.0.0.1", port=port, log_level=4) as daemon:
                daemon.wait_ready()
                w.adopt(lazy_restore(criu, images, log_level=4).pid)
                assert daemon.wait(60) == 0, daemon.log_tail()
        finally:
            dumper.join(60)
    assert isinstance(outcome["dump"], DumpResult), outcome
    assert not psutil.pid_exists(init), "the source was killed once every page was delivered"
    assert_resumed(w, reached)
