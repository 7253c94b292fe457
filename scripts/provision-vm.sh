#!/usr/bin/env bash
# Provision the soft-dirty VM tier into .criu/vm/ (idempotent):
#   qemu-system-x86 (installed with --no-upgrade, so the host's libraries never move:
#   an upgrade breaks older snapshots' build-id checks), Debian 12's 6.1 kernel
#   (CONFIG_MEM_SOFT_DIRTY=y; this host's 6.18 has none), busybox-static, and an
#   initramfs that loads the 9p/virtio/overlay/sock-diag/nf_tables modules, mounts
#   the host's / read-only over 9p under a tmpfs overlay and runs
#   integration/vm/guest.sh from it. Nothing is installed but qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
VM=.criu/vm
mkdir -p "$VM"
VM=$(cd "$VM" && pwd)

if ! command -v qemu-system-x86_64 >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade --no-install-recommends qemu-system-x86
fi

fetch() { # fetch PACKAGE DIR: download a .deb and unpack it (no install)
    local pkg=$1 dir=$2
    [ -e "$dir/.done" ] && return 0
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$VM" && apt-get download -qq "$pkg")
    dpkg -x "$VM"/"${pkg}"_*.deb "$dir"
    rm -f "$VM"/"${pkg}"_*.deb
    touch "$dir/.done"
}

if [ ! -e "$VM/kernel/.done" ]; then
    apt-get update -qq || true
    KPKG=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' | awk '{print $1}' | sort -V | tail -1)
    [ -n "$KPKG" ] || { echo "no linux-image-6.1.0-*-amd64 in apt sources" >&2; exit 1; }
    fetch "$KPKG" "$VM/kernel"
fi
fetch busybox-static "$VM/busybox"

KVER=$(ls "$VM/kernel/lib/modules" | head -1)
MODDIR="$VM/kernel/lib/modules/$KVER"
ln -sf "$VM/kernel/boot/vmlinuz-$KVER" "$VM/vmlinuz"
grep -q '^CONFIG_MEM_SOFT_DIRTY=y' "$VM/kernel/boot/config-$KVER" || { echo "$KVER lacks soft-dirty" >&2; exit 1; }

# Modules the guest needs, then everything they depend on, in load order.
WANT="virtio virtio_ring virtio_pci 9pnet 9pnet_virtio 9p overlay af_packet unix_diag inet_diag tcp_diag udp_diag
netlink_diag packet_diag crc32c_generic libcrc32c nf_tables nfnetlink"
declare -A PATHS=() DONE=()
while read -r path; do
    name=$(basename "$path"); name=${name%%.ko*}; PATHS[${name//-/_}]=$path
done < <(find "$MODDIR/kernel" -name '*.ko*')
ORDER=()
visit() {
    local m=${1//-/_}
    [ -n "${DONE[$m]:-}" ] && return 0
    DONE[$m]=1
    local p=${PATHS[$m]:-}
    [ -n "$p" ] || return 0 # built in
    local deps
    # The .modinfo section holds "depends=a,b" (NUL-terminated); no kmod needed on the host.
    deps=$(grep -a -o 'depends=[A-Za-z0-9_,-]*' "$p" | head -1 | cut -d= -f2 | tr ',' ' ' || true)
    for d in $deps; do visit "$d"; done
    ORDER+=("$p")
}
for m in $WANT; do visit "$m"; done

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,dev,proc,sys,host,newroot,upper,modules}
cp "$VM/busybox/bin/busybox" "$ROOT/bin/busybox"
for p in "${ORDER[@]}"; do
    out="$ROOT/modules/$(basename "${p%%.ko*}").ko"
    case "$p" in
        *.xz) xz -dc "$p" >"$out" ;;
        *.zst) zstd -qdc "$p" >"$out" ;;
        *) cp "$p" "$out" ;;
    esac
    echo "$(basename "$out")" >>"$ROOT/modules/order"
done
cat >"$ROOT/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod /modules/$m 2>/dev/null; done
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=1048576,cache=loose host /host || exec sh
mount -t tmpfs -o size=75% tmpfs /upper
mkdir -p /upper/up /upper/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/upper/up,workdir=/upper/work /newroot || exec sh
REPO=$(sed -n 's/.*criu_rpc.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p /newroot$REPO/.criu/vm/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576 out /newroot$REPO/.criu/vm/out
for fs in proc sys dev; do mount --move /$fs /newroot/$fs; done
exec switch_root /newroot /bin/sh $REPO/integration/vm/guest.sh
EOF
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | "$VM/busybox/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$VM/initramfs.gz.tmp")
mv "$VM/initramfs.gz.tmp" "$VM/initramfs.gz"
echo "VM tier ready: $VM (kernel $KVER, ${#ORDER[@]} modules)"
