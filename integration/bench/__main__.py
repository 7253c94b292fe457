"""Run every ``integration/bench/bench_*.py`` module's ``run()``, or only the ones named.

``python -m integration.bench`` runs all, in name order;
``python -m integration.bench dump_restore`` runs ``bench_dump_restore`` only.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence

import integration.bench as package

PREFIX = "bench_"


def available() -> list[str]:
    """Benchmark names (module names without the ``bench_`` prefix), sorted."""
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith(PREFIX) and not info.ispkg
    )


def main(argv: Sequence[str]) -> int:
    known = available()
    wanted = [name.removeprefix(PREFIX) for name in argv] or known
    unknown = [name for name in wanted if name not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    package.compile_package()
    for name in wanted:
        module = importlib.import_module(f"{package.__name__}.{PREFIX}{name}")
        run: Callable[[], None] = module.run
        print(f"== {name}", flush=True)
        run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
