"""A kernel-feature cache for CRIU on hosts whose /run is not a tmpfs.

Every CRIU run starts by probing the kernel: some forty checks that create
namespaces, veth pairs, sockets and mappings. Here that is about 18 ms of the
26 ms a dump of a small process takes. CRIU keeps the answers in
``/run/criu.kdat``, but writes that file only when /run is a tmpfs, so that a
reboot (perhaps into another kernel) discards it. Where /run belongs to the
root filesystem, as on these VMs, CRIU never caches and every call probes.

:func:`ensure_kerndat_cache` gives CRIU the cache it would have kept: CRIU
probes once in a private mount namespace whose /run is a tmpfs, the file it
writes there is kept on /dev/shm (a tmpfs as well, so gone at reboot like
CRIU's own), and ``/run/criu.kdat`` becomes a link to it. CRIU reads the link
as its own cache; it reads no cache from another CRIU build (the file carries
the build's stamp) and deletes such a link itself, after which the next call
here makes a new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from .errors import CriuRpcError
from .swrk import find_criu

KDAT_LINK = Path("/run/criu.kdat")  # compiled into CRIU (KDAT_RUNDIR "/" "criu.kdat")
CACHE_DIR = Path("/dev/shm/criu-rpc")
TMPFS = "tmpfs"

# Inside the private namespace: a tmpfs on /run lets CRIU save its cache there.
_PROBE = 'mount -t tmpfs criu-rpc-kdat /run && "$0" check >/dev/null 2>&1; exec cat /run/criu.kdat'


class KerndatCacheError(CriuRpcError):
    """The cache could not be provided; CRIU still works, probing the kernel on every run."""


def ensure_kerndat_cache(binary: str | os.PathLike[str] | None = None) -> Path:
    """Make sure the next CRIU runs load their kernel probe results from a cache.

    Returns the path CRIU reads. Cheap when the cache is in place (a stat), so
    call it before every batch of checkpoints. The cache belongs to the CRIU
    binary that wrote it; with several CRIU builds on one host they replace
    each other's.
    """
    if os.geteuid() != 0:
        raise KerndatCacheError(f"only root's CRIU reads {KDAT_LINK}; running as uid {os.geteuid()}")
    if filesystem_type(KDAT_LINK.parent) == TMPFS or KDAT_LINK.exists():
        return KDAT_LINK  # CRIU keeps its own cache there, or one is in place
    criu = find_criu(binary)
    cache = _private_tmpfs_dir(CACHE_DIR) / KDAT_LINK.name
    _write_atomically(cache, _probe(criu))
    _symlink_atomically(cache, KDAT_LINK)
    return KDAT_LINK


def filesystem_type(path: Path) -> str:
    """The type of the filesystem ``path`` lives on, from /proc/self/mountinfo."""
    target = os.path.realpath(path)
    best, kind = "", ""
    with open("/proc/self/mountinfo", encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            mount_point = fields[4].replace("\\040", " ")
            fs_type = fields[fields.index("-") + 1]
            inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
            if inside and len(mount_point) >= len(best):  # the last mount on a point wins
                best, kind = mount_point, fs_type
    return kind


def _probe(criu: str) -> bytes:
    unshare = shutil.which("unshare")
    if unshare is None:
        raise KerndatCacheError("util-linux's unshare is not on PATH (`make setup` installs it)")
    done = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", _PROBE, criu],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise KerndatCacheError(
            f"{criu} check wrote no kernel-feature cache in a private mount namespace"
            + (f": {reason[-1]}" if reason else "")
        )
    return done.stdout


def _private_tmpfs_dir(path: Path) -> Path:
    """``path`` as a directory only we can write, on a tmpfs (/dev/shm is world-writable:
    a directory someone else made there could feed CRIU false kernel facts)."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = path.lstat()
    if not path.is_dir() or path.is_symlink() or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise KerndatCacheError(f"{path} exists but is not a directory private to uid {os.geteuid()}")
    if filesystem_type(path) != TMPFS:
        raise KerndatCacheError(f"{path} is not on a tmpfs, so a cache there would outlive a reboot")
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_bytes(data)
    os.replace(partial, path)


def _symlink_atomically(target: Path, link: Path) -> None:
    partial = link.with_name(f".{link.name}.criu-rpc.{os.getpid()}")
    partial.unlink(missing_ok=True)
    partial.symlink_to(target)
    os.replace(partial, link)
