"""Two "hosts" on one machine: network namespaces joined by a veth pair.

Processes join a host with ``nsenter --net=/run/netns/NAME`` and nothing
else: ``ip netns exec`` would also give them a private mount namespace
(it remounts /sys), which CRIU then refuses to dump. Both hosts share the
filesystem and the kernel (so PIDs too): only the network is separate.
Loopback is brought up in each, which CRIU's kerndat probe needs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .workload import env_with_repo

_serial = itertools.count()
LAZY_PIPE_BYTES = 4 << 20


@dataclass(frozen=True)
class Host:
    """A network namespace with one veth end at ``address``."""

    name: str
    iface: str
    address: str

    @property
    def netns(self) -> str:
        return f"/run/netns/{self.name}"

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside this host's network namespace (only that one)."""
        return ["nsenter", f"--net={self.netns}", *argv]

    def net_inode(self) -> int:
        return os.stat(self.netns).st_ino

    def runs(self, pid: int) -> bool:
        """True if ``pid`` lives in this host's network namespace."""
        try:
            return os.stat(f"/proc/{pid}/ns/net").st_ino == self.net_inode()
        except OSError:  # gone, or a process we may not look into (not ours to count)
            return False


def _ip(*args: str, netns: str | None = None) -> None:
    argv = ["ip", *args] if netns is None else ["nsenter", f"--net={netns}", "ip", *args]
    subprocess.run(argv, check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def two_hosts(rate: str | None = None) -> Iterator[tuple[Host, Host]]:
    """Hosts A (10.X.0.1) and B (10.X.0.2); ``rate`` (e.g. "40mbit") shapes both directions.

    The namespaces (and with them the veth pair) are deleted on exit, even
    when setting them up failed halfway.
    """
    n = next(_serial)
    tag = f"{os.getpid() % 100000}x{n}"
    subnet = 100 + (os.getpid() + n) % 100
    a = Host(f"cra{tag}", f"va{tag}", f"10.{subnet}.0.1")
    b = Host(f"crb{tag}", f"vb{tag}", f"10.{subnet}.0.2")
    made: list[Host] = []
    try:
        for host in (a, b):
            _ip("netns", "add", host.name)
            made.append(host)
        _ip("link", "add", a.iface, "type", "veth", "peer", "name", b.iface)
        for host in (a, b):
            _ip("link", "set", host.iface, "netns", host.name)
            _ip("addr", "add", f"{host.address}/24", "dev", host.iface, netns=host.netns)
            _ip("link", "set", host.iface, "up", netns=host.netns)
            _ip("link", "set", "lo", "up", netns=host.netns)
            if rate:
                shape = ["rate", rate, "burst", "64kb", "latency", "200ms"]
                subprocess.run(
                    host.wrap(["tc", "qdisc", "add", "dev", host.iface, "root", "tbf", *shape]),
                    check=True,
                    capture_output=True,
                    timeout=30,
                )
        yield a, b
    finally:
        for host in made:
            subprocess.run(["ip", "netns", "del", host.name], capture_output=True, timeout=30, check=False)


@contextlib.contextmanager
def pipe_max_size(size: int = LAZY_PIPE_BYTES) -> Iterator[None]:
    """Raise fs.pipe-max-size for CRIU's lazy page server (we lack CAP_SYS_RESOURCE); restore it after."""
    path = Path("/proc/sys/fs/pipe-max-size")
    old = int(path.read_text())
    if old < size:
        path.write_text(str(size))
    try:
        yield
    finally:
        if old < size:
            path.write_text(str(old))


@dataclass
class AgentProcess:
    """A ``criu-rpc serve`` running in a host; its own session, so it dies as a group."""

    proc: subprocess.Popen[str]
    address: str
    directory: Path
    log: Path

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def start_agent(
    host: Host, directory: Path, *, token_file: Path | None = None, criu: str, port: int = 0
) -> AgentProcess:
    """Start ``serve`` in ``host`` and wait for its "listening on" line."""
    directory.mkdir(parents=True, exist_ok=True)
    log = directory.parent / f"agent-{host.name}.log"
    argv = [sys.executable, "-m", "criu_rpc", "serve", "--criu", criu, "--log-level", "4"]
    argv += ["--listen", f"{host.address}:{port}", "--dir", str(directory)]
    if token_file is not None:
        argv += ["--token-file", str(token_file)]
    with open(log, "w") as err:
        proc = subprocess.Popen(
            host.wrap(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=env_with_repo(),
            start_new_session=True,
        )
    agent = AgentProcess(proc, "", directory, log)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        agent.stop()
        raise AssertionError(f"agent did not start: {line!r}; log:\n{log.read_text()}")
    agent.address = line.split()[-1]
    return agent


def run_cli(host: Host, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m criu_rpc ARGS`` inside ``host``."""
    return subprocess.run(
        host.wrap([sys.executable, "-m", "criu_rpc", *args]),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env_with_repo(),
        check=False,
    )


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
