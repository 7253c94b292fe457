#!/bin/sh
# PID 1 of the test VM (after switch_root onto the host's / under a tmpfs overlay).
# Sets up what CRIU needs (writable /tmp, devpts, cgroup2, loopback), runs the
# command the host left in .criu/vm/out/cmd, records its status, powers off.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$REPO/.criu/vm/out
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
export CRIU_RPC_VM=1 PYTHONDONTWRITEBYTECODE=1
# Fresh tmpfs on /tmp and /run; a checkout that lives under one of them (CI
# clones often do) is carried over with its submounts (the 9p `out` share).
mkdir -p /.repo && mount --rbind "$REPO" /.repo
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p "$REPO" && mount --move /.repo "$REPO"
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
ip link set lo up
echo "guest: $(uname -r), soft-dirty VM up after $(cut -d' ' -f1 /proc/uptime) s" >/dev/console
cd "$REPO"
. "$OUT/env"
sh "$OUT/cmd" >/dev/console 2>&1
echo $? >"$OUT/rc"
sync
echo o >/proc/sysrq-trigger
while :; do :; done  # builtins only: / (9p) is going away; init must not exit
