"""The guest is what the tier promises: a soft-dirty kernel where CRIU answers."""

from __future__ import annotations

from criu_rpc import Criu


def test_soft_dirty_kernel(criu: Criu) -> None:
    assert criu.features("mem_track").mem_track, "the VM kernel must track soft-dirty pages"
