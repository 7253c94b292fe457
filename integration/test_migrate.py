"""Live migration between two "hosts" (network namespaces) through `serve` and `migrate`.

Each test builds its own pair of hosts, runs the destination agent in B and
the counter in A (as the init of its own pid namespace, joined to A's
network namespace only), and drives the migration with the real CLI inside
A, exactly as a user would on two machines.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from criu_rpc import Criu
from criu_rpc.procs import wait_gone

from .conftest import unavailable
from .hosts import AgentProcess, Host, pipe_max_size, run_cli, start_agent, two_hosts, wait_for
from .test_dump_restore import assert_resumed
from .workload import Workload, env_with_repo, start_counter

TOKEN = "correct horse battery staple 42"
PROBE = """
import socket, sys
from criu_rpc.wire import AuthenticationError, connect, parse_address
address = parse_address(sys.argv[1])
try:
    connect(address, b"x" * 20, "control", 10)
except AuthenticationError:
    print("AuthenticationError")
s = socket.create_connection(address, timeout=15)
s.recv(4096)  # hello
s.sendall(b"\\x00\\x00\\x00\\x10Jgarbagegarbage!!")
while chunk := s.recv(4096):
    pass
print("closed")
"""


@pytest.fixture
def tooling() -> None:
    for tool in ("ip", "nsenter", "unshare", "tc"):
        if not any(os.access(os.path.join(d, tool), os.X_OK) for d in os.environ["PATH"].split(":")):
            unavailable(f"{tool} not found (iproute2 / util-linux)")


@pytest.fixture
def hosts(criu_bin: str, tooling: None) -> Iterator[tuple[Host, Host]]:
    with two_hosts() as pair:
        yield pair


@pytest.fixture
def lazy_ready(criu_bin: str) -> Iterator[None]:
    """Lazy pages need userfaultfd here and a big enough fs.pipe-max-size on the source."""
    if not Criu(criu_bin).features("lazy_pages").lazy_pages:
        unavailable("CRIU reports no lazy_pages support (userfaultfd) on this kernel")
    try:
        with pipe_max_size():
            yield
    except PermissionError as exc:
        unavailable(f"cannot raise fs.pipe-max-size for CRIU's lazy page server: {exc}")


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN)
    path.chmod(0o600)
    return path


@pytest.fixture
def agents() -> Iterator[list[AgentProcess]]:
    started: list[AgentProcess] = []
    yield started
    for agent in started:
        agent.stop()


def pidns_counter(host: Host, out: Path, mem_mb: int = 16) -> tuple[Workload, int]:
    """A counter as PID 1 of its own pid namespace, inside ``host``; returns it and its init's pid."""
    prefix = (*host.wrap(["unshare", "--pid", "--fork", "setsid"]),)
    w = start_counter(out, mem_mb=mem_mb, prefix=prefix)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = psutil.Process(w.pid).children()
        if children:
            return w, children[0].pid
        time.sleep(0.01)
    raise AssertionError("unshare did not start the counter")


def migrate_cli(host: Host, pid: int, agent: AgentProcess, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(host, "migrate", "--pid", str(pid), "--to", agent.address, "--log-level", "4", *extra)


def _assert_moved(w: Workload, init: int, result: subprocess.CompletedProcess[str], a: Host, b: Host) -> None:
    assert result.returncode == 0, result.stderr
    new_pid = int(result.stdout.strip())
    w.adopt(new_pid)
    assert b.runs(new_pid), "the migrated process lives in host B's network namespace"
    wait_gone(init)
    assert not psutil.pid_exists(init), "host A has no copy left"
    w.proc.wait(timeout=10)  # unshare, the outer parent, exits with its child gone
    leftovers = [p.pid for p in psutil.process_iter() if a.runs(p.pid)]
    assert leftovers == [], f"processes left in host A: {leftovers}"


def test_pidns_job_migrates_and_keeps_counting(
    *,
    hosts: tuple[Host, Host],
    criu_bin: str,
    workloads: list[Workload],
    agents: list[AgentProcess],
    token_file: Path,
    tmp_path: Path,
) -> None:
    a, b = hosts
    agent = start_agent(b, tmp_path / "dest", token_file=token_file, criu=criu_bin)
    agents.append(agent)
    w, init = pidns_counter(a, tmp_path / "out")
    workloads.append(w)
    w.wait_past(3)
    result = migrate_cli(a, init, agent, "--token-file", str(token_file))
    reached = w.last()
    _assert_moved(w, init, result, a, b)
    assert "downtime" in result.stderr
    assert_resumed(w, reached)


def test_lazy_migration_restores_the_right_memory(
    *,
    lazy_ready: None,
    hosts: tuple[Host, Host],
    criu_bin: str,
    workloads: list[Workload],
    agents: list[AgentProcess],
    token_file: Path,
    tmp_path: Path,
) -> None:
    a, b = hosts
    agent = start_agent(b, tmp_path / "dest", token_file=token_file, criu=criu_bin)
    agents.append(agent)
    w, init = pidns_counter(a, tmp_path / "out", mem_mb=64)
    workloads.append(w)
    w.wait_past(2)
    result = migrate_cli(a, init, agent, "--token-file", str(token_file), "--lazy")
    reached = w.last()
    _assert_moved(w, init, result, a, b)
    assert "(lazy)" in result.stderr
    # Every line, before and after, carries the digest of the seeded 64 MiB buffer:
    # the pages fetched on demand over the network are the right ones.
    assert_resumed(w, reached)


def test_dedup_precopy_rounds_then_final_dump(
    *,
    hosts: tuple[Host, Host],
    criu_bin: str,
    workloads: list[Workload],
    agents: list[AgentProcess],
    tmp_path: Path,
) -> None:
    """No soft-dirty here: two content-dedup rounds go ahead, the final one carries only changes."""
    a, b = hosts
    agent = start_agent(b, tmp_path / "dest", criu=criu_bin)
    agents.append(agent)
    w, init = pidns_counter(a, tmp_path / "out", mem_mb=32)
    workloads.append(w)
    w.wait_past(2)
    code = (
        "import json, sys\nfrom criu_rpc import Criu\nfrom criu_rpc.migrate import migrate\n"
        "r = migrate(int(sys.argv[1]), sys.argv[2], rounds=2, criu=Criu(sys.argv[3]))\n"
        "print(json.dumps({'pid': r.pid, 'rounds': r.round_bytes, 'final': r.image_bytes}))"
    )
    done = subprocess.run(
        a.wrap([sys.executable, "-c", code, str(init), agent.address, criu_bin]),
        capture_output=True,
        text=True,
        timeout=120,
        env=env_with_repo(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    reached = w.last()
    w.adopt(answer["pid"])
    assert b.runs(answer["pid"])
    wait_gone(init)
    first, second = answer["rounds"]
    assert first > 32 << 20, "round 0 is a full checkpoint"
    assert second < first // 4, "round 1 holds only what changed"
    assert answer["final"] < first // 4, "so does the final dump"
    assert_resumed(w, reached)


def test_destination_dying_mid_stream_leaves_the_source_running(
    *, criu_bin: str, tooling: None, workloads: list[Workload], agents: list[AgentProcess], tmp_path: Path
) -> None:
    with two_hosts(rate="40mbit") as (a, b):  # ~5 MB/s: the 64 MiB stream takes ~13 s
        agent = start_agent(b, tmp_path / "dest", criu=criu_bin)
        agents.append(agent)
        w, init = pidns_counter(a, tmp_path / "out", mem_mb=64)
        workloads.append(w)
        w.wait_past(2)
        migration = subprocess.Popen(
            a.wrap([sys.executable, "-m", "criu_rpc", "migrate", "--pid", str(init), "--to", agent.address]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env_with_repo(),
        )
        try:

            def streaming() -> bool:
                return any(p.stat().st_size > (2 << 20) for p in agent.directory.glob("*/pages-*.img"))

            wait_for(streaming, 30, "pages arriving at the destination")
            agent.kill()  # the whole agent: its page server too
            out, err = migration.communicate(timeout=60)
        finally:
            if migration.poll() is None:
                migration.kill()
                migration.wait()
        assert migration.returncode == 1, (out, err)
        assert out == ""
        assert "keeps running on the source" in err, err
        assert "went away" in err, err
        assert psutil.pid_exists(init)
        assert a.runs(init)
        w.wait_past(w.last() + 3)  # resumed, not just alive
        assert [p.pid for p in psutil.process_iter() if b.runs(p.pid)] == []
        _remove_source_logs(err)


def _remove_source_logs(err: str) -> None:
    """A failed migration keeps the source's images and dump.log for diagnosis; tests clean up."""
    match = re.search(r"\[source logs in (/\S+)\]", err)
    assert match, err
    shutil.rmtree(match.group(1))


def test_restore_failing_on_the_destination_resumes_the_source(
    *,
    hosts: tuple[Host, Host],
    criu_bin: str,
    workloads: list[Workload],
    agents: list[AgentProcess],
    tmp_path: Path,
) -> None:
    """Post-dump is nacked when the destination cannot restore: CRIU resumes the frozen source.

    The job holds a file open (read-only: CRIU skips the size check of O_WRONLY|O_APPEND
    files) that another process keeps appending to, so the
    size CRIU recorded at dump time no longer matches at restore time.
    """
    a, b = hosts
    agent = start_agent(b, tmp_path / "dest", criu=criu_bin)
    agents.append(agent)
    held = tmp_path / "held"
    held.write_text("")
    prefix = a.wrap(["unshare", "--pid", "--fork", "setsid", "sh", "-c", f'exec 3<"{held}"; exec "$0" "$@"'])
    w = start_counter(tmp_path / "out", prefix=tuple(prefix))
    workloads.append(w)
    w.wait_past(2)
    init = psutil.Process(w.pid).children()[0].pid
    stop = threading.Event()

    def grow() -> None:
        with open(held, "a") as f:
            while not stop.is_set():
                f.write("x")
                f.flush()
                time.sleep(0.002)

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        result = migrate_cli(a, init, agent, "-v")
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 1, result.stdout
    assert "migration failed at restore" in result.stderr, result.stderr
    assert "keeps running on the source" in result.stderr
    assert a.runs(init)
    w.wait_past(w.last() + 3)
    assert _strangers(b, agent) == [], "no restored copy is left on the destination"
    _remove_source_logs(result.stderr)


def _strangers(host: Host, agent: AgentProcess) -> list[int]:
    """Processes in ``host`` other than the agent and its children."""
    ours = {agent.proc.pid} | {c.pid for c in psutil.Process(agent.proc.pid).children(recursive=True)}
    return [p.pid for p in psutil.process_iter() if host.runs(p.pid) and p.pid not in ours]


def test_agent_refuses_connections_without_the_token(
    *,
    hosts: tuple[Host, Host],
    criu_bin: str,
    workloads: list[Workload],
    agents: list[AgentProcess],
    token_file: Path,
    tmp_path: Path,
) -> None:
    a, b = hosts
    agent = start_agent(b, tmp_path / "dest", token_file=token_file, criu=criu_bin)
    agents.append(agent)
    w, init = pidns_counter(a, tmp_path / "out")
    workloads.append(w)
    w.wait_past(2)
    wrong = tmp_path / "wrong"
    wrong.write_text("not the right token at all")
    wrong.chmod(0o600)

    refused = migrate_cli(a, init, agent, "--token-file", str(wrong))
    assert refused.returncode == 1
    assert "authentication failed" in refused.stderr, refused.stderr
    missing = migrate_cli(a, init, agent)
    assert missing.returncode == 1
    assert "requires a shared token" in missing.stderr, missing.stderr

    # The library says AuthenticationError; a raw peer that skips the handshake is dropped.
    probe = subprocess.run(
        a.wrap([sys.executable, "-c", PROBE, agent.address]),
        capture_output=True,
        text=True,
        timeout=30,
        env=env_with_repo(),
        check=False,
    )
    assert probe.stdout.split() == ["AuthenticationError", "closed"], probe
    assert not list(agent.directory.iterdir()), "nothing was received"
    assert psutil.pid_exists(init)
    w.wait_past(w.last() + 2)
    assert "authentication failed" in agent.log.read_text()


def test_ordinary_process_pid_collision_detected_before_dump(
    *,
    hosts: tuple[Host, Host],
    criu_bin: str,
    workloads: list[Workload],
    agents: list[AgentProcess],
    token_file: Path,
    tmp_path: Path,
) -> None:
    a, b = hosts
    agent = start_agent(b, tmp_path / "dest", token_file=token_file, criu=criu_bin)
    agents.append(agent)
    w = start_counter(tmp_path / "out", prefix=tuple(a.wrap([])))
    workloads.append(w)
    w.wait_past(2)
    before = w.last()
    result = migrate_cli(a, w.pid, agent, "--token-file", str(token_file))
    assert result.returncode == 1
    assert "pid-check" in result.stderr, result.stderr
    assert f"PID(s) {w.pid}" in result.stderr
    assert "in use on the destination" in result.stderr
    assert "keeps running on the source" in result.stderr
    assert w.proc.poll() is None
    w.wait_past(before + 3)
