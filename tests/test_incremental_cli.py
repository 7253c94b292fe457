"""``criu-rpc chain ...`` and the dump flags' argument checks, on synthetic chains (no CRIU)."""

from __future__ import annotations

from pathlib import Path

import pytest
from imagefixtures import make_checkpoint

from criu_rpc.cli import main
from criu_rpc.incremental import dedup


def chain(tmp_path: Path) -> Path:
    make_checkpoint(tmp_path / "1")
    make_checkpoint(tmp_path / "2")
    dedup(tmp_path / "2", tmp_path / "1")
    return tmp_path / "2"


def test_verify_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chain", "verify", str(chain(tmp_path))]) == 0
    assert "chain OK: 2 link(s)" in capsys.readouterr().out


def test_verify_broken_is_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    child = chain(tmp_path)
    (child / "parent").unlink()
    assert main(["chain", "verify", str(child)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("criu-rpc chain verify: ")
    assert "no parent" in err
    assert len(err.strip().splitlines()) == 1


def test_squash_flatten_rm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    child = chain(tmp_path)
    out = tmp_path / "full"
    assert main(["chain", "squash", str(child), str(out)]) == 0
    assert main(["chain", "verify", str(out)]) == 0
    assert main(["chain", "squash", str(child), str(out)]) != 0, "out must be new"
    assert main(["chain", "rm", str(tmp_path / "1")]) == 1
    assert "still needed" in capsys.readouterr().err
    assert main(["chain", "flatten", str(child)]) == 0
    assert main(["chain", "rm", str(tmp_path / "1")]) == 0
    assert not (tmp_path / "1").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--iterative", "--dedup-parent", "x"], "--iterative makes its own parent chain"),
        (["--max-rounds", "3"], "--max-rounds needs --iterative"),
        (["--parent", "a", "--dedup-parent", "b"], "exclude each other"),
    ],
)
def test_dump_flag_conflicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code = main(["dump", "--pid", "1", "--dir", str(tmp_path / "d"), *extra])
    assert code == 2
    assert message in capsys.readouterr().err


def test_dump_refuses_broken_dedup_parent_before_dumping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    child = chain(tmp_path)
    (child / "parent").unlink()
    code = main(["dump", "--pid", "1", "--dir", str(tmp_path / "d"), "--dedup-parent", str(child)])
    assert code == 1
    assert "no parent" in capsys.readouterr().err
    assert not (tmp_path / "d").exists(), "CRIU was never asked"
