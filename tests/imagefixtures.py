"""Synthetic checkpoints for tests: a small but complete images directory, written with our protos.

Real dumps need root and CRIU; tests of everything that reads images (inspect,
snapshot stores, chain validation) should not. ``make_checkpoint`` writes what
CRIU 4.1 writes for a process tree: inventory, pstree, core/ids/mm/pagemap/
pages/fs per process, files.img with a regular file, a pipe, a unix socket
a TCP socket and a pty, fdinfo, tty-info, stats-dump, plus payload images (pipes-data,
sk-queues). Page contents are deterministic so tests can check them by address.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf.message import Message

from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc._pb import image_mem_pb2 as mem_pb
from criu_rpc._pb import image_misc_pb2 as misc_pb
from criu_rpc._pb import image_task_pb2 as task_pb
from criu_rpc.images.magic import PAGE_SIZE
from criu_rpc.images.views import PE_LAZY, PE_PARENT, PE_PRESENT
from criu_rpc.images.writer import write_image

HEAP = 0x5555_0000_0000
STACK = 0x7FFF_F000_0000


@dataclass(frozen=True)
class FakeProcess:
    pid: int
    ppid: int = 0
    comm: str = "fake"
    threads: Sequence[int] = ()
    # (vaddr, nr_pages, flags) runs of the pagemap; PRESENT runs get page data.
    runs: Sequence[tuple[int, int, int]] = field(
        default_factory=lambda: [(HEAP, 4, PE_PRESENT), (HEAP + 8 * PAGE_SIZE, 2, PE_PRESENT | PE_LAZY)]
    )


def page_bytes(pid: int, vaddr: int, generation: int = 0) -> bytes:
    """The deterministic content written for one page."""
    stamp = f"pid={pid} vaddr={vaddr:#x} gen={generation};".encode()
    return (stamp * (PAGE_SIZE // len(stamp) + 1))[:PAGE_SIZE]


def _fown() -> files_pb.fown_entry:
    return files_pb.fown_entry(uid=0, euid=0, signum=0, pid_type=0, pid=0)


def _sk_opts() -> files_pb.sk_opts_entry:
    return files_pb.sk_opts_entry(
        so_sndbuf=212992,
        so_rcvbuf=212992,
        so_snd_tmo_sec=0,
        so_snd_tmo_usec=0,
        so_rcv_tmo_sec=0,
        so_rcv_tmo_usec=0,
    )


def _regs(tid: int) -> task_pb.thread_info_x86:
    regs = task_pb.user_x86_regs_entry()
    for f in task_pb.user_x86_regs_entry.DESCRIPTOR.fields:
        if f.name != "mode":
            setattr(regs, f.name, 0)
    regs.ip = 0x401000 + tid
    regs.sp = STACK - 64
    fp = task_pb.user_x86_fpregs_entry(cwd=0, swd=0, twd=0, fop=0, rip=0, rdp=0, mxcsr=0x1F80, mxcsr_mask=0)
    return task_pb.thread_info_x86(clear_tid_addr=0, gpregs=regs, fpregs=fp)


def make_checkpoint(
    directory: str | os.PathLike[str],
    processes: Sequence[FakeProcess] = (
        FakeProcess(100, comm="root", threads=(100, 101)),
        FakeProcess(102, 100, "kid"),
    ),
    *,
    parent: str | None = None,
    generation: int = 0,
    pages_id: int = 1,
) -> Path:
    """Write a synthetic checkpoint into ``directory`` (created if needed) and return its path.

    ``parent`` becomes the ``parent`` symlink target (runs flagged PE_PARENT then
    find their pages there); ``generation`` changes the page contents.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    root_ids = task_pb.task_kobj_ids_entry(vm_id=1, files_id=1, fs_id=1, sighand_id=1, pid_ns_id=1)
    write_image(
        d / "inventory.img",
        "INVENTORY",
        [
            misc_pb.inventory_entry(
                img_version=2,
                fdinfo_per_id=True,
                root_ids=root_ids,
                ns_per_id=True,
                lsmtype=misc_pb.NO_LSM,
                network_lock_method=0,
                dump_criu_run_id="fixture",
            )
        ],
    )
    write_image(
        d / "pstree.img",
        "PSTREE",
        [
            task_pb.pstree_entry(
                pid=p.pid, ppid=p.ppid, pgid=p.pid, sid=p.pid, threads=list(p.threads) or [p.pid]
            )
            for p in processes
        ],
    )
    files = [
        files_pb.file_entry(
            type=files_pb.REG,
            id=1,
            reg=files_pb.reg_file_entry(id=1, flags=0, pos=0, fown=_fown(), name="/usr/bin/fake", size=4096),
        ),
        files_pb.file_entry(
            type=files_pb.REG,
            id=2,
            reg=files_pb.reg_file_entry(id=2, flags=2, pos=7, fown=_fown(), name="/tmp/data.txt", size=1200),
        ),
        files_pb.file_entry(
            type=files_pb.PIPE, id=3, pipe=files_pb.pipe_entry(id=3, pipe_id=4242, flags=0, fown=_fown())
        ),
        files_pb.file_entry(
            type=files_pb.UNIXSK,
            id=4,
            usk=files_pb.unix_sk_entry(
                id=4,
                ino=77,
                type=1,
                state=10,
                flags=0,
                uflags=0,
                backlog=1,
                peer=0,
                fown=_fown(),
                opts=_sk_opts(),
                name=b"/tmp/sock\0",
            ),
        ),
        files_pb.file_entry(
            type=files_pb.INETSK,
            id=5,
            isk=files_pb.inet_sk_entry(
                id=5,
                ino=78,
                family=2,
                type=1,
                proto=6,
                state=10,
                src_port=8080,
                dst_port=0,
                flags=0,
                backlog=4,
                src_addr=[0x0100007F],
                dst_addr=[0],
                fown=_fown(),
                opts=_sk_opts(),
            ),
        ),
        files_pb.file_entry(
            type=files_pb.TTY,
            id=7,
            tty=files_pb.tty_file_entry(id=7, tty_info_id=1, flags=2, fown=_fown()),
        ),
        files_pb.file_entry(
            type=files_pb.REG,
            id=6,
            reg=files_pb.reg_file_entry(id=6, flags=0, pos=0, fown=_fown(), name="/", size=4096),
        ),
    ]
    write_image(d / "files.img", "FILES", files)
    fdinfo = [
        files_pb.fdinfo_entry(id=2, flags=0, type=files_pb.REG, fd=3),
        files_pb.fdinfo_entry(id=3, flags=1, type=files_pb.PIPE, fd=4),
        files_pb.fdinfo_entry(id=4, flags=0, type=files_pb.UNIXSK, fd=5),
        files_pb.fdinfo_entry(id=5, flags=0, type=files_pb.INETSK, fd=6),
        files_pb.fdinfo_entry(id=7, flags=0, type=files_pb.TTY, fd=7),
    ]
    pts = files_pb.tty_info_entry(
        id=1,
        type=files_pb.PTY,
        locked=False,
        exclusive=False,
        packet_mode=False,
        sid=0,
        pgrp=0,
        rdev=os.makedev(136, 3),
        pty=files_pb.tty_pty_entry(index=3),
    )
    write_image(d / "tty-info.img", "TTY_INFO", [pts])
    pipe_data = files_pb.pipe_data_entry(pipe_id=4242, bytes=5, size=65536)
    write_image(d / "pipes-data.img", "PIPES_DATA", [pipe_data], [b"hello"])
    write_image(d / "sk-queues.img", "SK_QUEUES", [files_pb.sk_packet_entry(id_for=4, length=3)], [b"abc"])
    for n, p in enumerate(processes):
        files_id = 10 + n
        for tid in list(p.threads) or [p.pid]:
            core = task_pb.core_entry(mtype=task_pb.core_entry.X86_64, thread_info=_regs(tid))
            core.thread_core.CopyFrom(
                task_pb.thread_core_entry(
                    futex_rla=0, futex_rla_len=24, sched_policy=0, sched_nice=0, comm=p.comm
                )
            )
            if tid == p.pid:
                core.tc.CopyFrom(
                    task_pb.task_core_entry(
                        task_state=1, exit_code=0, personality=0, flags=0, blk_sigset=0, comm=p.comm
                    )
                )
            write_image(d / f"core-{tid}.img", "CORE", [core])
        ids = task_pb.task_kobj_ids_entry(vm_id=n + 1, files_id=files_id, fs_id=n + 1, sighand_id=n + 1)
        write_image(d / f"ids-{p.pid}.img", "IDS", [ids])
        write_image(d / f"fdinfo-{files_id}.img", "FDINFO", fdinfo)
        write_image(d / f"fs-{p.pid}.img", "FS", [task_pb.fs_entry(cwd_id=6, root_id=6, umask=0o22)])
        vmas = [
            mem_pb.vma_entry(
                start=0x400000, end=0x401000 + 0x1000, pgoff=0, shmid=1, prot=5, flags=2, status=0x41, fd=-1
            ),
            mem_pb.vma_entry(
                start=HEAP,
                end=HEAP + 64 * PAGE_SIZE,
                pgoff=0,
                shmid=0,
                prot=3,
                flags=0x22,
                status=0x221,
                fd=-1,
            ),
            mem_pb.vma_entry(
                start=STACK - 32 * PAGE_SIZE,
                end=STACK,
                pgoff=0,
                shmid=0,
                prot=3,
                flags=0x122,
                status=0x203,
                fd=-1,
            ),
        ]
        mm = mem_pb.mm_entry(
            mm_start_code=0x400000,
            mm_end_code=0x401000,
            mm_start_data=0,
            mm_end_data=0,
            mm_start_stack=STACK,
            mm_start_brk=HEAP,
            mm_brk=HEAP + 64 * PAGE_SIZE,
            mm_arg_start=0,
            mm_arg_end=0,
            mm_env_start=0,
            mm_env_end=0,
            exe_file_id=1,
            vmas=vmas,
        )
        write_image(d / f"mm-{p.pid}.img", "MM", [mm])
        entries: list[Message] = [mem_pb.pagemap_head(pages_id=pages_id + n)]
        data = bytearray()
        for vaddr, nr, flags in p.runs:
            entries.append(mem_pb.pagemap_entry(vaddr=vaddr, nr_pages=nr, flags=flags))
            if flags & PE_PRESENT:
                for i in range(nr):
                    data += page_bytes(p.pid, vaddr + i * PAGE_SIZE, generation)
        write_image(d / f"pagemap-{p.pid}.img", "PAGEMAP", entries)
        (d / f"pages-{pages_id + n}.img").write_bytes(bytes(data))
    stats = misc_pb.stats_entry(
        dump=misc_pb.dump_stats_entry(
            freezing_time=100,
            frozen_time=5000,
            memdump_time=2000,
            memwrite_time=1500,
            pages_scanned=10,
            pages_skipped_parent=0,
            pages_written=6,
            pages_lazy=0,
        )
    )
    write_image(d / "stats-dump", "STATS", [stats])
    (d / "dump.log").write_text("(00.000000) Version: 4.1.1 (gitid 0)\n")
    if parent is not None:
        os.symlink(parent, d / "parent")
    return d


__all__ = [
    "HEAP",
    "PE_LAZY",
    "PE_PARENT",
    "PE_PRESENT",
    "STACK",
    "FakeProcess",
    "make_checkpoint",
    "page_bytes",
]
