"""The committed criu_rpc/_pb modules are exactly what scripts/gen_protos.py makes from protos/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "criu_rpc" / "_pb"


def _generate(out: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written: list[Path] = module.generate(out)
    return written


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_generated_modules_are_fresh(tmp_path: Path) -> None:
    out = tmp_path / "_pb"
    written = _generate(out)
    fresh = _files(out)
    committed = _files(COMMITTED)
    assert sorted(p.name for p in written) == sorted(fresh), "generate() must report every file it writes"
    assert sorted(committed) == sorted(fresh), "criu_rpc/_pb has missing or extra files: run `make protos`"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"stale generated modules {stale}: run `make protos` and commit the result"


def test_every_proto_has_its_modules() -> None:
    for proto in sorted((ROOT / "protos").glob("*.proto")):
        for suffix in ("_pb2.py", "_pb2.pyi"):
            assert (COMMITTED / f"{proto.stem}{suffix}").is_file(), f"{proto.name} has no {suffix}"
