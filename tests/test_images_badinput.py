"""Bad input: one line on stderr naming the file and the problem, exit code 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from imagefixtures import FakeProcess, make_checkpoint

from criu_rpc.inspect import main


def _truncate(d: Path) -> str:
    p = d / "core-100.img"
    p.write_bytes(p.read_bytes()[:-7])
    return "core-100.img"


def _wrong_magic(d: Path) -> str:
    p = d / "pstree.img"
    data = bytearray(p.read_bytes())
    data[4:8] = (0x12345678).to_bytes(4, "little")
    p.write_bytes(bytes(data))
    return "pstree.img"


def _garbage(d: Path) -> str:
    p = d / "pstree.img"
    p.write_bytes(p.read_bytes()[:8] + b"\x05\x00\x00\x00\xff\xff\xff\xff\xff")
    return "pstree.img"


def _negative_size(d: Path) -> str:
    p = d / "core-100.img"
    p.write_bytes(p.read_bytes()[:8] + b"\xff\xff\xff\xff")
    return "core-100.img"


def _empty(d: Path) -> str:
    (d / "pstree.img").write_bytes(b"")
    return "pstree.img"


def _missing(d: Path) -> str:
    (d / "core-100.img").unlink()
    return "core-100.img"


def _missing_pstree(d: Path) -> str:
    (d / "pstree.img").unlink()
    return "pstree.img"


def _parent_loop(d: Path) -> str:
    make_checkpoint(d.parent / "other", [FakeProcess(100)], parent=f"../{d.name}")
    os.symlink("../other", d / "parent")
    return "parent"


def _parent_outside(d: Path) -> str:
    os.symlink("/usr", d / "parent")
    return "parent"


def _parent_dangling(d: Path) -> str:
    os.symlink("../gone", d / "parent")
    return "parent"


CASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "truncated": (_truncate, "truncated"),
    "wrong magic": (_wrong_magic, "wrong magic"),
    "garbage entry": (_garbage, "not a valid"),
    "negative size": (_negative_size, "negative size"),
    "empty file": (_empty, "too short"),
    "missing image": (_missing, "missing"),
    "missing pstree": (_missing_pstree, "missing"),
    "parent loop": (_parent_loop, "loops"),
    "parent outside": (_parent_outside, "outside"),
    "parent dangling": (_parent_dangling, "does not exist"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("view", ["summary", "fds", "mems"])
def test_bad_checkpoint(tmp_path: Path, case: str, view: str, capsys: pytest.CaptureFixture[str]) -> None:
    d = make_checkpoint(tmp_path / "ck", [FakeProcess(100)])
    spoil, problem = CASES[case]
    name = spoil(d)
    code = main([str(d), view])
    err = capsys.readouterr().err
    if view != "summary" and case.startswith("parent"):
        assert code == 0  # views that do not follow the chain are unaffected by its links
        return
    assert code == 1, err
    assert err.count("\n") == 1, err
    assert name in err
    assert problem in err


@pytest.mark.parametrize("cut", [1, 5, 9, -1])
def test_every_image_cut_short(tmp_path: Path, cut: int, capsys: pytest.CaptureFixture[str]) -> None:
    """Each structured image of the fixture, cut anywhere, is reported by name by `show`."""
    d = make_checkpoint(tmp_path / "ck", [FakeProcess(100)])
    names = [n for n in sorted(os.listdir(d)) if not n.startswith("pages-") and not n.endswith(".log")]
    assert len(names) >= 12
    for name in names:
        data = (d / name).read_bytes()
        (d / name).write_bytes(data[:cut])
        code = main([str(d), "show", name])
        err = capsys.readouterr().err
        (d / name).write_bytes(data)
        assert code == 1, (name, err)
        assert name in err
        assert err.count("\n") == 1


@pytest.mark.parametrize("special", ["fifo", "device", "directory"])
def test_special_files_do_not_hang(tmp_path: Path, special: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A FIFO would block a plain open and /dev/zero never ends: both are refused by name."""
    d = make_checkpoint(tmp_path / "ck", [FakeProcess(100)])
    (d / "pstree.img").unlink()
    if special == "fifo":
        os.mkfifo(d / "pstree.img")
    elif special == "device":
        os.symlink("/dev/zero", d / "pstree.img")
    else:
        (d / "pstree.img").mkdir()
    assert main([str(d), "ps"]) == 1
    err = capsys.readouterr().err
    assert "pstree.img" in err
    assert "not an image file" in err


def test_not_a_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 1
    assert "not a CRIU checkpoint" in capsys.readouterr().err
    assert main([str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_show_of_a_non_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("hello, not an image")
    assert main([str(tmp_path / "notes.txt")]) == 1
    assert "unknown magic" in capsys.readouterr().err


def test_no_traceback_from_the_real_program(tmp_path: Path) -> None:
    d = make_checkpoint(tmp_path / "ck", [FakeProcess(100)])
    _garbage(d)
    res = subprocess.run(
        [sys.executable, "-m", "criu_rpc.inspect", str(d)], capture_output=True, text=True, check=False
    )
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1
