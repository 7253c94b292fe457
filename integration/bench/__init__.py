"""Benchmarks against a real CRIU: ``python -m integration.bench [NAME ...]`` (``make bench``).

Each ``bench_<name>.py`` module here has a ``run() -> None`` that measures and
prints its own table; ``__main__`` runs them all in name order, or those named.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "criu_rpc"


def compile_package() -> None:
    """Compile criu_rpc to bytecode, as an install would (pip compiles at install time).

    The Makefile sets PYTHONDONTWRITEBYTECODE, so without this every program a
    benchmark starts would compile our sources first, and torch's (compiled by
    pip) would not: start-up timings would compare unlike things.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PACKAGE)], check=True)
