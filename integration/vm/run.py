"""Boot the soft-dirty VM (``make test-vm``) and run the pre-dump tests inside it.

This host's kernel (6.18) has no CONFIG_MEM_SOFT_DIRTY, so CRIU cannot
pre-dump here. ``scripts/provision-vm.sh`` prepares Debian 12's 6.1 kernel
and an initramfs in ``.criu/vm``; this boots it under qemu TCG (``-accel kvm``
hangs on this machine: KVM here is nested and far slower than TCG), with the
host's ``/`` shared read-only over 9p, so the guest runs this checkout, its
virtualenv and its CRIU. The guest writes its exit status to the read-write
share ``.criu/vm/out``; the console (pytest's output) streams to stdout.

``python -m integration.vm.run [pytest args]``; default: ``integration/vm``.
``python -m integration.vm.run --bench`` runs ``bench_incremental`` in the guest
instead (set ``BENCH_MB``; TCG is slow). Exit status is the guest command's.
Missing prerequisites fail under CI=true and are a skip (status 0, with the
reason) elsewhere.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VM = REPO / ".criu" / "vm"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TIMEOUT = float(os.environ.get("VM_TIMEOUT", "1200"))
PASS_ENV = ("CI", "VM_MB", "BENCH_MB", "BENCH_CHECKPOINTS")


def unavailable(reason: str) -> int:
    if IN_CI:
        print(f"VM tier FAILED: prerequisite missing in CI: {reason}", file=sys.stderr)
        return 1
    print(f"VM tier SKIPPED: {reason}")
    return 0


def qemu_argv(out: Path, memory_mb: int) -> list[str]:
    return [
        "qemu-system-x86_64",
        *("-accel", "tcg", "-cpu", "max", "-smp", "2", "-m", str(memory_mb)),
        *("-nographic", "-no-reboot", "-nic", "none"),
        *("-kernel", str(VM / "vmlinuz"), "-initrd", str(VM / "initramfs.gz")),
        *("-append", f"console=ttyS0 quiet panic=-1 criu_rpc.repo={REPO}"),
        *("-fsdev", "local,id=host,path=/,security_model=passthrough,readonly=on,multidevs=remap"),
        *("-device", "virtio-9p-pci,fsdev=host,mount_tag=host"),
        *("-fsdev", f"local,id=out,path={out},security_model=passthrough,multidevs=remap"),
        *("-device", "virtio-9p-pci,fsdev=out,mount_tag=out"),
    ]


def main(argv: Sequence[str]) -> int:
    if os.geteuid() != 0:
        return unavailable("the VM tier needs root (9p passthrough of /, CRIU inside)")
    if shutil.which("qemu-system-x86_64") is None:
        return unavailable("qemu-system-x86_64 is not installed (run scripts/provision-vm.sh)")
    for need in ("vmlinuz", "initramfs.gz"):
        if not (VM / need).exists():
            return unavailable(f"{VM / need} is missing (run scripts/provision-vm.sh)")
    out = VM / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    python = REPO / ".venv" / "bin" / "python"
    if list(argv[:1]) == ["--bench"]:
        command = f"exec {python} -m integration.bench incremental\n"
    else:
        args = list(argv) or ["integration/vm"]
        command = f"exec {python} -m pytest -q -rA -p no:cacheprovider {shlex.join(args)}\n"
    (out / "cmd").write_text(command)
    env = {name: os.environ[name] for name in PASS_ENV if name in os.environ}
    env["CRIU_BIN"] = os.environ.get("CRIU_BIN", str(REPO / ".criu" / "bin" / "criu"))
    (out / "env").write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()))
    t0 = time.monotonic()
    memory = int(os.environ.get("VM_MEMORY_MB", "8192"))
    proc = subprocess.Popen(qemu_argv(out, memory), stdin=subprocess.DEVNULL)
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        print(f"VM tier FAILED: no power-off within {TIMEOUT:.0f} s", file=sys.stderr)
        return 1
    finally:
        if proc.poll() is None:  # timeout or Ctrl-C: never leave a VM behind
            proc.kill()
            proc.wait()
    elapsed = time.monotonic() - t0
    rc_file = out / "rc"
    if not rc_file.exists():
        print(f"VM tier FAILED: the guest never ran (qemu status {proc.returncode})", file=sys.stderr)
        return 1
    rc = int(rc_file.read_text().strip() or "1")
    print(f"VM tier: pytest status {rc}, {elapsed:.0f} s including boot")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
