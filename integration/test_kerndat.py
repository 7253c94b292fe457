"""CRIU's kernel-feature cache, provided by criu_rpc where /run is not a tmpfs."""

from __future__ import annotations

from pathlib import Path

from criu_rpc import Criu, DumpOptions, ensure_kerndat_cache
from criu_rpc.kerndat import CACHE_DIR, KDAT_LINK, TMPFS, filesystem_type

from .workload import Workload, start_counter

LOADED = f"Loaded kdat cache from {KDAT_LINK}"


def dump_log(criu: Criu, w: Workload, images: Path) -> str:
    images.mkdir(exist_ok=True)
    criu.dump(DumpOptions(pid=w.pid, images_dir=images, log_level=4, log_file="dump.log", leave_running=True))
    return (images / "dump.log").read_text()


def test_criu_loads_the_cache_instead_of_probing_the_kernel(
    criu_bin: str, criu: Criu, workloads: list[Workload], images: Path, tmp_path: Path
) -> None:
    assert ensure_kerndat_cache(criu_bin) == KDAT_LINK
    assert ensure_kerndat_cache(criu_bin) == KDAT_LINK, "a second call finds it in place"
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(1)
    assert LOADED in dump_log(criu, w, images)
    assert KDAT_LINK.exists(), "CRIU kept the cache for its next run"


def test_a_reboot_discards_the_cache_and_the_next_call_rebuilds_it(
    criu_bin: str, criu: Criu, workloads: list[Workload], tmp_path: Path
) -> None:
    if filesystem_type(KDAT_LINK.parent) == TMPFS:
        return  # CRIU keeps its own cache on this host; nothing of ours to discard
    ensure_kerndat_cache(criu_bin)
    assert KDAT_LINK.is_symlink()
    assert Path(KDAT_LINK.readlink()).parent == CACHE_DIR
    assert filesystem_type(CACHE_DIR) == TMPFS, "kept where a reboot clears it"
    (CACHE_DIR / KDAT_LINK.name).unlink()  # what a reboot does to /dev/shm
    w = start_counter(tmp_path / "out")
    workloads.append(w)
    w.wait_past(1)
    assert LOADED not in dump_log(criu, w, tmp_path / "uncached"), "a dangling link is no cache"
    ensure_kerndat_cache(criu_bin)
    assert LOADED in dump_log(criu, w, tmp_path / "cached")
