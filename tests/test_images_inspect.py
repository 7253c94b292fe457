"""The inspect command: every view in text and JSON, and its exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imagefixtures import HEAP, PE_LAZY, PE_PARENT, PE_PRESENT, FakeProcess, make_checkpoint

from criu_rpc import inspect
from criu_rpc.images import Pagemap
from criu_rpc.images.magic import PAGE_SIZE
from criu_rpc.inspect import _pages_per_vma, main
from criu_rpc.snapshots import Snapshot
from criu_rpc.storefiles import META


@pytest.fixture
def ck_dir(tmp_path: Path) -> Path:
    return make_checkpoint(tmp_path / "ck")


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:  # type: ignore[type-arg]
    assert main([*argv, "--json"]) == 0
    out: dict = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return out


@pytest.mark.parametrize("view", ["summary", "ps", "fds", "mems", "rss", "stats", "chain"])
def test_text_views(ck_dir: Path, view: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(ck_dir), view]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.strip()


def test_summary_json(ck_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, [str(ck_dir)])
    assert data["criu_version"] == "4.1.1"
    assert data["chain_depth"] == 0
    assert [(p["pid"], p["threads"], p["fds"], p["pages_in_image"]) for p in data["processes"]] == [
        (100, 2, 5, 6),
        (102, 1, 5, 6),
    ]
    assert data["dump_stats"]["frozen_time"] == 5000
    assert data["pages_bytes"] == 12 * PAGE_SIZE


def test_summary_of_a_store_snapshot_uses_its_record(
    ck_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CRIU at its default log level records no version; a SnapshotStore's record does."""
    for log in ck_dir.glob("*.log"):
        log.unlink()
    assert _json(capsys, [str(ck_dir)])["criu_version"] is None
    record = Snapshot(
        ck_dir, 7, created=0.0, size_bytes=0, criu_version="9.9.9", dumped_as="", tags={"run": "a"}
    )
    (ck_dir / META).write_text(json.dumps(record.to_json()))
    data = _json(capsys, [str(ck_dir)])
    assert data["criu_version"] == "9.9.9"
    assert data["snapshot"] == {"step": 7, "created": 0.0, "tags": {"run": "a"}}
    assert main([str(ck_dir)]) == 0
    assert "snapshot    step 7, taken " in capsys.readouterr().out


def test_summary_of_a_memory_only_link(ck_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A dedup parent keeps only pagemaps and pages: summary reports them instead of failing."""
    for p in ck_dir.iterdir():
        if not p.name.startswith(("pagemap-", "pages-")):
            p.unlink()
    data = _json(capsys, [str(ck_dir)])
    assert [(p["pid"], p["state"], p["pages_in_image"]) for p in data["processes"]] == [
        (100, "memory only", 6),
        (102, "memory only", 6),
    ]
    assert main([str(ck_dir)]) == 0
    assert "memory-only" in capsys.readouterr().out


def test_ps_fds_mems_rss_json(ck_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ps = _json(capsys, [str(ck_dir), "ps"])
    assert [t["tid"] for t in ps["processes"][0]["threads"]] == [100, 101]
    fds = _json(capsys, [str(ck_dir), "fds", "--pid", "102"])
    assert [f["fd"] for f in fds["processes"][0]["fds"]] == [3, 4, 5, 6, 7]
    assert fds["processes"][0]["fds"][0]["path"] == "/tmp/data.txt"
    mems = _json(capsys, [str(ck_dir), "mems"])
    heap = mems["processes"][0]["vmas"][1]
    assert (heap["kind"], heap["pages_in_image"]) == ("[heap]", 6)
    rss = _json(capsys, [str(ck_dir), "rss"])
    assert [e["nr_pages"] for e in rss["processes"][0]["entries"]] == [4, 2]


def test_show_image(ck_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, [str(ck_dir), "show", "pstree.img"])
    assert data["magic"] == "PSTREE"
    assert data["entries"][1]["pid"] == 102
    data = _json(capsys, [str(ck_dir / "pipes-data.img")])
    assert data["entries"][0]["extra"] == "aGVsbG8="


def test_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = make_checkpoint(tmp_path / "a", [FakeProcess(100), FakeProcess(101, 100)], generation=0)
    runs = [(HEAP, 4, PE_PRESENT), (HEAP + 8 * PAGE_SIZE, 3, PE_PRESENT)]
    b = make_checkpoint(tmp_path / "b", [FakeProcess(100, runs=runs), FakeProcess(103, 100)], generation=1)
    data = _json(capsys, ["diff", str(a), str(b)])
    assert data["processes_added"] == [103]
    assert data["processes_removed"] == [101]
    pages = data["processes"][0]["pages"]
    assert (pages["changed"], pages["added"], pages["removed"]) == (6, 1, 0)
    assert main([str(a), "diff", str(b)]) == 0
    assert "+ process 103" in capsys.readouterr().out


def test_diff_same_content_through_parent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = make_checkpoint(tmp_path / "1", [FakeProcess(100)])
    b = make_checkpoint(
        tmp_path / "2",
        [FakeProcess(100, runs=[(HEAP, 4, PE_PARENT), (HEAP + 8 * PAGE_SIZE, 2, PE_PARENT)])],
        parent="../1",
    )
    data = _json(capsys, ["diff", str(a), str(b)])
    assert data["processes"][0]["pages"]["same"] == 6


@pytest.mark.parametrize(
    "argv",
    [["summary-x"], ["show"], ["ps", "extra"], ["diff"]],
)
def test_usage_errors_exit_2(ck_dir: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(ck_dir), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("inspect: ")
    assert err.count("\n") == 1


def test_argparse_usage_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option", "x"])
    assert exc.value.code == 2


def test_register_adds_subcommand(ck_dir: Path) -> None:
    parser = argparse.ArgumentParser()
    inspect.register(parser.add_subparsers())
    args = parser.parse_args(["inspect", str(ck_dir), "ps", "--json"])
    assert args.func is inspect.run
    assert args.view == "ps"


def test_module_runs_as_a_program(ck_dir: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "criu_rpc.inspect", str(ck_dir), "ps"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "kid" in res.stdout


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6), st.sampled_from([1, 2, 4, 6, 3])), max_size=12),
    st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)), max_size=8),
)
def test_pages_per_vma_matches_naive_count(
    raw_runs: list[tuple[int, int, int]], raw_vmas: list[tuple[int, int]]
) -> None:
    runs, cursor = [], 0
    for gap, nr, flags in raw_runs:  # non-overlapping, sorted, like CRIU writes them
        cursor += gap
        runs.append((cursor * PAGE_SIZE, nr, flags))
        cursor += nr
    vmas, cursor = [], 0
    for gap, size in raw_vmas:
        cursor += gap
        vmas.append(SimpleNamespace(start=cursor * PAGE_SIZE, end=(cursor + size) * PAGE_SIZE))
        cursor += size
    pm = Pagemap(1, tuple(r[0] for r in runs), tuple(r[1] for r in runs), tuple(r[2] for r in runs))
    expected = []
    for v in vmas:
        t = [0, 0, 0]
        for vaddr, nr, flags in runs:
            k = max(0, (min(vaddr + nr * PAGE_SIZE, v.end) - max(vaddr, v.start)) // PAGE_SIZE)
            t[0] += k if flags & PE_PRESENT else 0
            t[1] += k if flags & PE_PARENT else 0
            t[2] += k if flags & PE_LAZY and not flags & (PE_PRESENT | PE_PARENT) else 0
        expected.append(tuple(t))
    assert _pages_per_vma(vmas, pm) == expected
