"""The pre-dump loop against a scripted CRIU: chaining, stop policy, stats, refusal without soft-dirty.

The scripted peer runs in this process, so it can write each round's
stats-dump through the images_dir_fd the client sent, as CRIU would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fakecriu import FakeConnector, Peer, Script, features

from criu_rpc import Criu, DumpOptions, FeatureUnavailableError
from criu_rpc._pb import image_misc_pb2 as misc_pb
from criu_rpc._pb import rpc_pb2
from criu_rpc.images.writer import write_image
from criu_rpc.iterative import (
    IterativeDump,
    RoundStats,
    StopPolicy,
    StopReason,
    iterative_dump,
)
from criu_rpc.notify import Notifier
from criu_rpc.options import PageServerAddress

Req = rpc_pb2.criu_req_type


def write_stats(req: rpc_pb2.criu_req, pages_written: int, frozen: int) -> None:
    stats = misc_pb.stats_entry(
        dump=misc_pb.dump_stats_entry(
            freezing_time=10,
            frozen_time=frozen,
            memdump_time=1,
            memwrite_time=1,
            pages_scanned=100000,
            pages_skipped_parent=100000 - pages_written,
            pages_written=pages_written,
            pages_lazy=0,
        )
    )
    write_image(f"/proc/self/fd/{req.opts.images_dir_fd}/stats-dump", "STATS", [stats])


def rounds_then_dump(written: Sequence[int], final: int, seen: list[rpc_pb2.criu_req]) -> Script:
    def script(peer: Peer) -> None:
        for pages in written:
            req = peer.recv_req()
            assert req.type == Req.PRE_DUMP, Req.Name(req.type)
            seen.append(req)
            if req.opts.notify_scripts:
                peer.notify("pre-dump")
            write_stats(req, pages, frozen=1000)
            peer.reply(Req.PRE_DUMP)
        req = peer.recv_req()
        assert req.type == Req.DUMP, Req.Name(req.type)
        seen.append(req)
        if req.opts.notify_scripts:
            peer.notify("pre-dump")
            peer.notify("post-dump")
        write_stats(req, final, frozen=200)
        peer.reply(Req.DUMP)

    return script


@pytest.fixture
def connectors() -> Iterator[list[FakeConnector]]:
    made: list[FakeConnector] = []
    yield made
    for c in made:
        c.finish()


def run(
    connectors: list[FakeConnector], tmp_path: Path, written: Sequence[int], policy: StopPolicy, **kw: object
) -> tuple[list[rpc_pb2.criu_req], IterativeDump]:
    seen: list[rpc_pb2.criu_req] = []
    connector = FakeConnector(features(mem_track=True), rounds_then_dump(written, 50, seen))
    connectors.append(connector)
    result = iterative_dump(Criu(connector=connector, timeout=5), 4321, tmp_path / "d", policy, **kw)  # type: ignore[arg-type]
    return seen, result


def test_rounds_chain_and_stop_when_small(connectors: list[FakeConnector], tmp_path: Path) -> None:
    seen, result = run(connectors, tmp_path, [20000, 3000, 40], StopPolicy())
    assert [r.type for r in seen] == [Req.PRE_DUMP] * 3 + [Req.DUMP]
    assert [r.opts.parent_img for r in seen] == ["", "../round-1", "../round-2", "round-3"]
    assert all(r.opts.track_mem and r.opts.pid == 4321 for r in seen)
    assert sorted(os.listdir(tmp_path / "d")) == ["round-1", "round-2", "round-3", "stats-dump"]
    assert result.stop is StopReason.SMALL_ENOUGH
    assert [r.pages_written for r in result.rounds] == [20000, 3000, 40]
    assert result.final.final
    assert result.final.frozen_time == 200
    assert result.bytes_written == (20000 + 3000 + 40 + 50) * 4096


def test_stop_when_dirty_set_plateaus(connectors: list[FakeConnector], tmp_path: Path) -> None:
    _, result = run(connectors, tmp_path, [20000, 3000, 2900], StopPolicy())
    assert result.stop is StopReason.NOT_SHRINKING


def test_stop_at_max_rounds(connectors: list[FakeConnector], tmp_path: Path) -> None:
    _, result = run(connectors, tmp_path, [20000, 10000], StopPolicy(max_rounds=2))
    assert result.stop is StopReason.MAX_ROUNDS


def test_page_server_target_per_round(connectors: list[FakeConnector], tmp_path: Path) -> None:
    asked: list[tuple[int, str | None]] = []

    def target(index: int, parent: str | None) -> PageServerAddress:
        asked.append((index, parent))
        return PageServerAddress(address="127.0.0.1", port=27000 + index)

    seen, _ = run(connectors, tmp_path, [20000, 30], StopPolicy(), page_server=target)
    assert asked == [(1, None), (2, "../round-1"), (3, "round-2")]
    assert [r.opts.ps.port for r in seen] == [27001, 27002, 27003]


class Recorder(Notifier):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pre_dump(self) -> None:
        self.calls.append("pre-dump")

    def post_dump(self) -> None:
        self.calls.append("post-dump")


def test_notifier_hears_every_round(connectors: list[FakeConnector], tmp_path: Path) -> None:
    recorder = Recorder()
    run(connectors, tmp_path, [20000, 30], StopPolicy(), notifier=recorder)
    assert recorder.calls == ["pre-dump", "pre-dump", "pre-dump", "post-dump"]


def test_template_options_are_kept(connectors: list[FakeConnector], tmp_path: Path) -> None:
    template = DumpOptions(pid=1, images_dir=tmp_path, leave_running=True, shell_job=True, log_level=4)
    seen, _ = run(connectors, tmp_path, [10], StopPolicy(), template=template)
    assert all(r.opts.shell_job and r.opts.log_level == 4 for r in seen)
    assert seen[-1].opts.leave_running


def test_policy_rules() -> None:
    def rounds(*written: int) -> list[RoundStats]:
        return [RoundStats(i, Path("."), False, 0, w, 0, 0, 0, 0, 0, 0.0) for i, w in enumerate(written)]

    policy = StopPolicy(max_rounds=5, dirty_pages=64, min_shrink=0.1)
    assert policy.stop(rounds(10000)) is None
    assert policy.stop(rounds(64)) is StopReason.SMALL_ENOUGH
    assert policy.stop(rounds(10000, 9000)) is None
    assert policy.stop(rounds(10000, 9001)) is StopReason.NOT_SHRINKING
    assert policy.stop(rounds(10000, 5000, 2500, 1200, 600)) is StopReason.MAX_ROUNDS
    phaul = StopPolicy(max_rounds=8, dirty_pages=64, min_shrink=-0.1)
    assert phaul.stop(rounds(1000, 1100)) is None, "p.haul only stops on > 10% growth"
    assert phaul.stop(rounds(1000, 1101)) is StopReason.NOT_SHRINKING
    for bad in ({"max_rounds": 0}, {"dirty_pages": -1}, {"min_shrink": 1.0}):
        with pytest.raises(ValueError, match="StopPolicy"):
            StopPolicy(**bad)


def test_refused_without_soft_dirty_before_any_pre_dump(
    connectors: list[FakeConnector], tmp_path: Path
) -> None:
    connector = FakeConnector(features(mem_track=False))
    connectors.append(connector)
    with pytest.raises(FeatureUnavailableError, match="soft-dirty"):
        iterative_dump(Criu(connector=connector, timeout=5), 4321, tmp_path / "d")
    assert connector.request_types == [Req.FEATURE_CHECK]
    assert not (tmp_path / "d").exists(), "nothing was created"
