"""Our image decoding against Debian's crit (python3-pycriu 4.1.1), field by field, on real dumps.

For every structured image file of a dump, ``crit decode`` (no --pretty: plain
numbers, enum names, base64 bytes) and our ``image_to_dict`` must agree exactly
once both sides spell bytes the same way: crit wraps base64 every 76 columns
and writes unix socket names quoted-printable; we write unwrapped base64. The
normalisation walks our descriptors, so it touches bytes fields and nothing else.

Dumps: a Python process with a regular file, a pipe with data, a socketpair
with queued data, a listening unix socket, a pty with typed-ahead input,
eventfd, epoll, threads and anonymous memory; a process in net+pid+uts+ipc
namespaces with SysV semaphores, shared memory and a message queue; a process
that dumps itself; a dump sent to a page server.
No TCP socket: CRIU 4.1.1 fails to dump any inet socket on kernel >= 6.16
("Can't get 1:16 opt": SO_PASSCRED is refused on inet sockets; fixed in CRIU 4.2
by commit 4b7398595).
"""

from __future__ import annotations

import base64
import json
import os
import quopri
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import psutil
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from criu_rpc import Criu, DumpOptions, NetworkLock, PageServerAddress, PageServerOptions
from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc._pb import image_misc_pb2 as misc_pb
from criu_rpc._pb import image_ns_pb2 as ns_pb
from criu_rpc._pb import image_task_pb2 as task_pb
from criu_rpc.images import image_to_dict, kind_for_filename, open_images, read_image
from criu_rpc.images.magic import BY_NAME, Extra, Framing
from criu_rpc.procs import wait_gone

from .conftest import REPO, unavailable
from .workload import Workload, env_with_repo

RICH = r"""
import os, pty, select, socket, sys, threading, time
d = sys.argv[1]
f = open(os.path.join(d, "data.txt"), "w+")
f.write("hello world\n" * 100)
f.flush()
f.seek(7)
r, w = os.pipe()
os.write(w, b"in the pipe")
a, b = socket.socketpair()
a.send(b"queued bytes")
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.bind(os.path.join(d, "sock"))
u.listen(1)
master, slave = pty.openpty()
os.write(master, b"typed ahead\n")
efd = os.eventfd(5)
ep = select.epoll()
ep.register(r, select.EPOLLIN)
mem = bytearray(os.urandom(1 << 20)) * 8
ev = threading.Event()
for _ in range(2):
    threading.Thread(target=ev.wait, daemon=True).start()
open(os.path.join(d, "ready"), "w").close()
while True:
    time.sleep(1)
"""


@pytest.fixture(scope="session")
def crit() -> str:
    path = os.environ.get("CRIT_ORACLE") or str(REPO / ".criu" / "bin" / "crit")
    if not os.access(path, os.X_OK):
        unavailable(f"crit oracle not found at {path} (set $CRIT_ORACLE or run `make setup`)")
    return path


def _normalise(value: Any, desc: Descriptor) -> Any:
    """crit's JSON of a message, with bytes fields re-spelt as unwrapped base64."""
    out = {}
    for key, v in value.items():
        if key == "extra":
            out[key] = _normalise_extra(v)
            continue
        field = desc.fields_by_name[key]
        items = v if field.is_repeated else [v]
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            assert field.message_type is not None
            items = [_normalise(i, field.message_type) for i in items]
        elif field.type == FieldDescriptor.TYPE_BYTES:
            if desc.name == "unix_sk_entry" and key == "name":  # (criu).conv = "unix_name"
                items = [base64.b64encode(quopri.decodestring(i.encode())).decode() for i in items]
            else:
                items = [i.replace("\n", "") for i in items]
        out[key] = items if field.is_repeated else items[0]
    return out


def _normalise_extra(extra: Any) -> Any:
    if isinstance(extra, str):
        return extra.replace("\n", "")
    if isinstance(extra, dict):
        return {k: _normalise_extra(v) for k, v in extra.items()}
    if isinstance(extra, list):
        return [_normalise_extra(v) if isinstance(v, str) else v for v in extra]
    return extra


def _descriptor_for(kind_name: str, index: int) -> Descriptor:
    kind = BY_NAME[kind_name]
    cls: type[Message]
    if kind.framing is Framing.PAGEMAP:
        cls = mem_pb.pagemap_head if index == 0 else mem_pb.pagemap_entry
    elif kind.framing is Framing.GHOST:
        cls = files_pb.ghost_file_entry if index == 0 else files_pb.ghost_chunk_entry
    else:
        assert kind.message is not None
        cls = kind.message
    return cast(Descriptor, cls.DESCRIPTOR)


def compare_with_crit(crit: str, directory: Path) -> list[str]:
    """Compare every structured image in ``directory``; return the names compared."""
    compared = []
    for path in sorted(directory.iterdir()):
        kind = kind_for_filename(path.name)
        if kind is None or kind.raw or path.is_symlink():
            continue
        if kind.name in ("SIGNAL", "PIDFD", "BINFMT_MISC"):
            continue  # pycriu 4.1.1 has no handler for these
        res = subprocess.run([crit, "decode", "-i", str(path)], capture_output=True, text=True, check=False)
        assert res.returncode == 0, f"crit cannot decode {path}: {res.stderr}"
        theirs = json.loads(res.stdout)
        ours = image_to_dict(read_image(path))
        assert ours["magic"] == theirs["magic"], path
        assert len(ours["entries"]) == len(theirs["entries"]), path
        for i, (o, t) in enumerate(zip(ours["entries"], theirs["entries"], strict=True)):
            if kind.name == "IPCNS_SHM" and t.get("in_pagemaps") and t.get("extra") == "":
                # CRIU >= 3.x keeps shm contents in pagemap-shmem/pages images and writes no
                # payload; crit still reads `size` bytes (here: none, at end of file).
                del t["extra"]
            expected = _normalise(t, _descriptor_for(kind.name, i))
            assert o == expected, f"{path.name} entry {i} differs:\nours   {o}\ncrit's {expected}"
        compared.append(path.name)
    return compared


def _start_rich(tmp_path: Path, workloads: list[Workload]) -> Workload:
    run = tmp_path / "run"
    run.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", RICH, str(run)],
        cwd=run,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    w = Workload(proc, None, 0, 0)
    workloads.append(w)
    deadline = time.monotonic() + 30
    while not (run / "ready").exists():
        assert proc.poll() is None, "workload died"
        assert time.monotonic() < deadline, "workload never became ready"
        time.sleep(0.02)
    return w


def _dump(criu: Criu, pid: int, images: Path) -> None:
    criu.dump(
        DumpOptions(
            pid=pid, images_dir=images, leave_running=True, shell_job=False, log_file="dump.log", log_level=4
        )
    )


def test_rich_process_matches_crit(crit: str, criu: Criu, workloads: list[Workload], tmp_path: Path) -> None:
    w = _start_rich(tmp_path, workloads)
    images = tmp_path / "images"
    images.mkdir()
    _dump(criu, w.pid, images)
    compared = compare_with_crit(crit, images)
    for must in (
        "inventory.img",
        "pstree.img",
        "files.img",
        "pipes-data.img",
        "sk-queues.img",
        "stats-dump",
        "tty-info.img",
        "tty-data.img",
    ):
        assert must in compared
    assert any(n.startswith("pagemap-") for n in compared)

    # The typed views see what the process holds.
    ck = open_images(images)
    (proc,) = ck.processes
    assert proc.pid == w.pid
    assert len(proc.threads) == 3
    fds = {f.type: f for f in ck.fds(w.pid)}
    assert {"REG", "PIPE", "UNIXSK", "EVENTFD", "EVENTPOLL", "TTY"} <= set(fds)
    ttys = sorted(f.describe() for f in ck.fds(w.pid) if f.type == "TTY")
    assert ttys[0].startswith("/dev/ptmx (master of pts/")
    assert ttys[1].startswith("/dev/pts/")
    data = next(f.file for f in ck.fds(w.pid) if getattr(f.file, "path", "").endswith("data.txt"))
    assert (data.pos, data.size) == (7, 1200)  # type: ignore[union-attr]
    assert ck.pagemap(w.pid).present_pages * 4096 >= 8 << 20
    assert ck.dump_stats is not None
    assert ck.dump_stats.pages_written == ck.pagemap(w.pid).present_pages


def test_inspect_views_agree_with_crit_explorers(
    crit: str, criu: Criu, workloads: list[Workload], tmp_path: Path
) -> None:
    w = _start_rich(tmp_path, workloads)
    images = tmp_path / "images"
    images.mkdir()
    _dump(criu, w.pid, images)
    for view in ("summary", "ps", "fds", "mems", "rss", "stats", "chain"):
        res = subprocess.run(
            [sys.executable, "-m", "criu_rpc", "inspect", str(images), view, "--json"],
            capture_output=True,
            text=True,
            env=env_with_repo(),
            check=False,
        )
        assert res.returncode == 0, (view, res.stderr)
        json.loads(res.stdout)
    ps = subprocess.run([crit, "x", str(images), "ps"], capture_output=True, text=True, check=True).stdout
    assert str(w.pid) in ps.split()
    fds = subprocess.run([crit, "x", str(images), "fds"], capture_output=True, text=True, check=True).stdout
    crit_fds = {
        int(line.split(":")[0]) for line in fds.splitlines()[1:] if line.split(":")[0].strip().isdigit()
    }
    assert crit_fds == {f.fd for f in open_images(images).fds(w.pid)}


def test_self_dump_matches_crit(crit: str, criu: Criu, workloads: list[Workload], tmp_path: Path) -> None:
    images, out = tmp_path / "images", tmp_path / "out"
    images.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "integration.selfdump_job", str(images), str(out)],
        env=env_with_repo(),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workloads.append(Workload(proc, out, 0, 0))
    deadline = time.monotonic() + 60
    while "restored=False" not in (out.read_text() if out.exists() else ""):
        assert proc.poll() is None, "self-dumping job died"
        assert time.monotonic() < deadline, "self-dump never finished"
        time.sleep(0.05)
    assert "pstree.img" in compare_with_crit(crit, images)
    assert open_images(images).processes[0].pid == proc.pid


def test_page_server_dump_matches_crit(
    crit: str, criu: Criu, workloads: list[Workload], tmp_path: Path
) -> None:
    served, images = tmp_path / "served", tmp_path / "images"
    served.mkdir()
    images.mkdir()
    info = criu.page_server(
        PageServerOptions(images_dir=served, address="127.0.0.1", port=0, log_level=4, log_file="ps.log")
    )
    w = _start_rich(tmp_path, workloads)
    criu.dump(
        DumpOptions(
            pid=w.pid,
            images_dir=images,
            leave_running=True,
            log_level=4,
            log_file="dump.log",
            page_server=PageServerAddress("127.0.0.1", info.port),
        )
    )
    wait_gone(info.pid)
    assert any(n.startswith("pagemap-") for n in compare_with_crit(crit, served))
    compare_with_crit(crit, images)
    # Put the halves together: page access by address works on the merged directory.
    for item in images.iterdir():
        if not (served / item.name).exists():
            shutil.copy2(item, served / item.name)
    ck = open_images(served)
    pm = ck.pagemap(w.pid)
    first = next(e for e in pm.entries if e.present)
    with ck.pages(w.pid) as pages:
        assert pages.page(first.vaddr) is not None


def test_diff_of_two_dumps_of_one_process(criu: Criu, workloads: list[Workload], tmp_path: Path) -> None:
    w = _start_rich(tmp_path, workloads)
    first, second = tmp_path / "1", tmp_path / "2"
    first.mkdir()
    second.mkdir()
    _dump(criu, w.pid, first)
    _dump(criu, w.pid, second)
    res = subprocess.run(
        [sys.executable, "-m", "criu_rpc", "inspect", "diff", str(first), str(second), "--json"],
        capture_output=True,
        text=True,
        env=env_with_repo(),
        check=False,
    )
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["processes_added"] == data["processes_removed"] == []
    (proc,) = data["processes"]
    assert proc["fds_added"] == proc["fds_removed"] == []
    pages = proc["pages"]
    assert pages["same"] > 2000  # the 8 MiB buffer and the heap did not change
    assert pages["changed"] < pages["same"] // 10


UNSHARE = ("unshare", "--net", "--pid", "--uts", "--ipc", "--fork", "setsid")
IPC = r"""
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
IPC_CREAT = 0o1000
class sembuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
sem = libc.semget(0x1234, 3, IPC_CREAT | 0o600)
assert libc.semop(sem, (sembuf * 2)(sembuf(0, 5, 0), sembuf(2, 7, 0)), 2) == 0
shm = libc.shmget(0x2345, 10000, IPC_CREAT | 0o600)
addr = libc.shmat(shm, None, 0)
ctypes.memmove(addr, b"shared hello", 12)
msq = libc.msgget(0x3456, IPC_CREAT | 0o600)
for i, text in enumerate([b"first", b"second message"]):
    buf = ctypes.create_string_buffer((i + 1).to_bytes(8, "little") + text)
    assert libc.msgsnd(msq, buf, len(text), 0) == 0
open(os.path.join(sys.argv[1], "ready"), "w").close()
while True:
    time.sleep(1)
"""


def test_namespaced_process_matches_crit(
    crit: str, criu: Criu, workloads: list[Workload], tmp_path: Path
) -> None:
    """net+pid+uts+ipc namespaces with a semaphore set, a shm segment and a message queue:
    netdev/netns (sysctls), utsns, ipcns-var/sem/msg/shm and pagemap-shmem images, with payloads,
    plus the raw ifaddr/route images (recognised, not decoded)."""
    run, images = tmp_path / "run", tmp_path / "images"
    run.mkdir()
    images.mkdir()
    script = 'ip link set lo up && exec "$0" -c "$1" "$2"'
    proc = subprocess.Popen(
        [*UNSHARE, "sh", "-c", script, sys.executable, IPC, str(run)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workloads.append(Workload(proc, None, 0, 0))
    deadline = time.monotonic() + 30
    while not (run / "ready").exists():
        assert proc.poll() is None, "namespaced workload died"
        assert time.monotonic() < deadline, "namespaced workload never became ready"
        time.sleep(0.02)
    (child,) = psutil.Process(proc.pid).children()
    criu.dump(
        DumpOptions(
            pid=child.pid,
            images_dir=images,
            leave_running=True,
            shell_job=False,
            network_lock=NetworkLock.SKIP,  # no iptables here, and no TCP peer to protect
            log_file="dump.log",
            log_level=4,
        )
    )
    compared = compare_with_crit(crit, images)
    for kind in (
        "netdev-",
        "netns-",
        "utsns-",
        "ipcns-var-",
        "ipcns-sem-",
        "ipcns-msg-",
        "ipcns-shm-",
        "pagemap-shmem-",
    ):
        assert any(n.startswith(kind) for n in compared), kind
    raw = {kind_for_filename(p.name).name for p in images.iterdir() if kind_for_filename(p.name)}  # type: ignore[union-attr]
    assert {"IFADDR", "ROUTE"} <= raw
    sem = next(read_image(p) for p in images.glob("ipcns-sem-*.img"))
    assert sem.entries[0].extra == (5, 0, 7)
    msg = next(read_image(p) for p in images.glob("ipcns-msg-*.img"))
    assert [m.data for m in msg.entries[0].extra] == [b"first", b"second message"]  # type: ignore[union-attr]
    assert open_images(images).processes[0].pid == 1  # the init of its pid namespace


DESCRIBE_PYCRIU = r"""
import json
import google.protobuf.message
import pycriu.images.pb as pb
out = {"messages": {}, "enums": {}}
def walk(d):
    out["messages"][d.full_name.split(".")[-1]] = {
        f.name: [f.number, f.type, f.label, f.message_type and f.message_type.name,
                 f.enum_type and f.enum_type.name, str(f.default_value) if f.has_default_value else None]
        for f in d.fields
    }
    for e in d.enum_types:
        out["enums"][e.name] = {v.name: v.number for v in e.values}
    for n in d.nested_types:
        walk(n)
for name in dir(pb):
    obj = getattr(pb, name)
    if isinstance(obj, type) and issubclass(obj, google.protobuf.message.Message):
        walk(obj.DESCRIPTOR)
        for e in obj.DESCRIPTOR.file.enum_types_by_name.values():
            out["enums"][e.name] = {v.name: v.number for v in e.values}
print(json.dumps(out))
"""

# What our transcription leaves out or adds on purpose.
NOT_TRANSCRIBED = re.compile(
    r"thread_info_(?!x86)\w+|user_(aarch64|arm|loongarch64|mips|ppc64|riscv64|s390)_\w+|pac_\w+|img_streamer_\w+"
)
ADDED = {("inventory_entry", "allow_uprobes"), ("pagemap_entry", "nr_pages64")}  # CRIU 4.2 fields
OURS_ONLY = {"pagemap_columns"}  # the fast pagemap reader's helper


def _our_descriptors() -> dict[str, Any]:
    out: dict[str, Any] = {"messages": {}, "enums": {}}

    def label(f: FieldDescriptor) -> int:
        return 3 if f.is_repeated else 2 if f.is_required else 1

    def walk(d: Descriptor) -> None:
        out["messages"][d.name] = {
            f.name: [
                f.number,
                f.type,
                label(f),
                f.message_type.name if f.message_type else None,
                f.enum_type.name if f.enum_type else None,
                str(f.default_value) if f.has_default_value else None,
            ]
            for f in d.fields
        }
        for e in d.enum_types:
            out["enums"][e.name] = {v.name: v.number for v in e.values}
        for n in d.nested_types:
            walk(n)

    for module in (task_pb, mem_pb, files_pb, ns_pb, misc_pb):
        for d in module.DESCRIPTOR.message_types_by_name.values():
            walk(d)
        for e in module.DESCRIPTOR.enum_types_by_name.values():
            out["enums"][e.name] = {v.name: v.number for v in e.values}
    return out


def test_protos_match_pycriu_field_by_field(crit: str) -> None:
    """Every message, field (number, type, label, defaults) and enum value against pycriu 4.1.1."""
    text = Path(crit).read_text()
    python = re.search(r"exec '([^']+)'", text)
    path = re.search(r"PYTHONPATH='([^']*)'", text)
    if python is None:
        unavailable(f"cannot find the oracle's interpreter in {crit}")
    assert python is not None
    env = dict(os.environ, PYTHONPATH=path.group(1) if path else "")
    res = subprocess.run(
        [python.group(1), "-c", DESCRIBE_PYCRIU], capture_output=True, text=True, env=env, check=True
    )
    theirs, ours = json.loads(res.stdout), _our_descriptors()
    their_messages = {m for m in theirs["messages"] if not NOT_TRANSCRIBED.fullmatch(m)}
    assert set(ours["messages"]) - OURS_ONLY == their_messages
    compared = 0
    for name in sorted(their_messages):
        mine, expected = ours["messages"][name], theirs["messages"][name]
        for field in sorted(set(mine) | set(expected)):
            if (name, field) in ADDED:
                continue
            if field not in mine and NOT_TRANSCRIBED.fullmatch(expected[field][3] or ""):
                continue  # core_entry's other-architecture thread_info fields
            assert mine.get(field) == expected.get(field), (name, field)
            compared += 1
    for name, values in theirs["enums"].items():
        assert ours["enums"].get(name) == values, name
    assert compared > 750


def test_extra_payload_kinds_are_covered() -> None:
    """The payload kinds crit and we both decode, so a new kind is not silently untested."""
    assert {e.name for e in Extra} >= {"PIPE_DATA", "SK_QUEUE", "TCP_STREAM", "IPC_MSG"}
