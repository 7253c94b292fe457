"""cli.run: every way a command can end becomes one line on stderr and an exit status."""

from __future__ import annotations

import argparse

import pytest

from criu_rpc.cli import EXIT_INTERRUPTED, run


def test_ctrl_c_is_one_line_and_exit_130(capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(_: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    assert (
        run(argparse.Namespace(func=interrupted, command="launch", verbose=False)) == EXIT_INTERRUPTED == 130
    )
    assert capsys.readouterr().err == "criu-rpc launch: interrupted\n"
