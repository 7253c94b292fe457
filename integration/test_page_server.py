"""Page server (daemon and child), WAIT_PID and CPUINFO against the real CRIU."""

from __future__ import annotations

import shutil
from pathlib import Path

from criu_rpc import (
    CpuinfoOptions,
    Criu,
    DumpOptions,
    PageServerAddress,
    PageServerOptions,
    RestoreOptions,
)
from criu_rpc.procs import wait_gone

from .test_dump_restore import assert_resumed
from .workload import Workload, start_counter


def _dump_to(criu: Criu, w: Workload, images: Path, port: int) -> None:
    criu.dump(
        DumpOptions(
            pid=w.pid,
            images_dir=images,
            log_level=4,
            log_file="dump.log",
            page_server=PageServerAddress("127.0.0.1", port),
        )
    )
    w.proc.wait(timeout=10)


def _merge(src: Path, dst: Path) -> None:
    """The page server holds the pages; the dump dir holds everything else."""
    for item in src.iterdir():
        if item.suffix == ".img":
            shutil.copy2(item, dst / item.name)


def test_page_server_daemon_receives_pages(criu: Criu, workloads: list[Workload], tmp_path: Path) -> None:
    served, images = tmp_path / "served", tmp_path / "images"
    served.mkdir()
    images.mkdir()
    info = criu.page_server(
        PageServerOptions(images_dir=served, address="127.0.0.1", port=0, log_level=4, log_file="ps.log")
    )
    assert info.port > 0, "CRIU picked a port and reported it"
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    _dump_to(criu, w, images, info.port)
    reached = w.last()
    wait_gone(info.pid)  # the page server exits once the dump is over
    assert list(served.glob("pages-*.img")), "pages went to the page server"
    assert not list(images.glob("pages-*.img")), "and not into the dump directory"
    _merge(images, served)
    w.adopt(criu.restore(RestoreOptions(images_dir=served, log_file="restore.log")).pid)
    assert_resumed(w, reached)


def test_page_server_child_and_wait_pid(criu: Criu, workloads: list[Workload], tmp_path: Path) -> None:
    served, images = tmp_path / "served", tmp_path / "images"
    served.mkdir()
    images.mkdir()
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    with criu.session() as session:
        info = session.page_server_child(
            PageServerOptions(images_dir=served, address="127.0.0.1", log_file="ps.log")
        )
        _dump_to(criu, w, images, info.port)
        status = session.wait_pid(info.pid)
    assert status.returncode == 0
    assert list(served.glob("pages-*.img"))


def test_cpuinfo_dump_and_check(criu: Criu, tmp_path: Path) -> None:
    criu.cpuinfo_dump(CpuinfoOptions(images_dir=tmp_path, log_file="cpuinfo.log"))
    assert (tmp_path / "cpuinfo.img").stat().st_size > 0
    criu.cpuinfo_check(CpuinfoOptions(images_dir=tmp_path, log_file="cpuinfo-check.log"))
