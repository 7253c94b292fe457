#!/usr/bin/env bash
# Provision a working criu binary at <repo>/.criu/bin/criu.
#
#   1. If $CRIU_BIN, or a `criu` on PATH, passes `criu check`, .criu/bin/criu
#      becomes a symlink to it.
#   2. Otherwise Debian 13 (trixie)'s criu (>= 4.1.1) and its whole library
#      closure (including trixie's libc6 and dynamic loader) are downloaded with
#      a project-local apt config (scripts/trixie-apt.sh), unpacked with dpkg -x
#      into .criu/root/, and .criu/bin/criu becomes a small sh wrapper that
#      exec's criu through the prefix's own loader. Nothing is installed
#      system-wide and the system's libc is never touched.
#   3. `.criu/bin/criu check` must print "Looks good." and exit 0.
#
# Also makes sure `unshare` (util-linux) and `ip` (iproute2) exist on the
# system, installing them from the system's own apt sources if needed.
#
# Idempotent and non-interactive: a second run only re-checks and exits.
# Env: CRIU_BIN (preferred criu), TRIXIE_APT_FORCE_UPDATE=1, TRIXIE_APT_MAX_AGE_MIN.
set -euo pipefail

# shellcheck source=scripts/trixie-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/trixie-apt.sh"

WRAPPER="$CRIU_DIR/bin/criu"
CHECK_LOG="$CRIU_DIR/criu-check.log"

[ "$(id -u)" = 0 ] || die "criu needs root: run this script as root"

# criu_check BIN: 0 if `BIN check` exits 0 and says "Looks good".
criu_check() {
    local bin="$1"
    [ -x "$bin" ] || return 1
    mkdir -p "$CRIU_DIR"
    if "$bin" check </dev/null >"$CHECK_LOG" 2>&1 && grep -q 'Looks good' "$CHECK_LOG"; then
        return 0
    fi
    return 1
}

link_to() {
    local target="$1"
    mkdir -p "$CRIU_DIR/bin"
    ln -sfn "$target" "$WRAPPER.tmp"
    mv -Tf "$WRAPPER.tmp" "$WRAPPER"
    step "linked .criu/bin/criu -> $target"
}

ensure_system_cmd unshare util-linux
ensure_system_cmd ip iproute2

# --- 1. an existing, working criu -------------------------------------------
# $CRIU_BIN naming our own wrapper (the Makefile exports that) is handled below.
if [ -n "${CRIU_BIN:-}" ] && [[ "$(readlink -f "$CRIU_BIN" 2>/dev/null || echo "$CRIU_BIN")" != "$CRIU_DIR"/* ]]; then
    step "checking \$CRIU_BIN=$CRIU_BIN"
    cand="$(command -v "$CRIU_BIN" || true)"
    if [ -n "$cand" ] && criu_check "$cand"; then
        link_to "$(readlink -f "$cand")"
        step "OK: .criu/bin/criu passes 'criu check' (Looks good.)"
        exit 0
    fi
    step "\$CRIU_BIN does not pass 'criu check' (see $CHECK_LOG); falling back"
fi

if [ -e "$WRAPPER" ]; then
    step "checking existing .criu/bin/criu"
    if criu_check "$WRAPPER"; then
        step "OK: .criu/bin/criu already provisioned and passes 'criu check' (Looks good.)"
        exit 0
    fi
    step "existing .criu/bin/criu does not pass 'criu check'; re-provisioning"
fi

# A criu on PATH (skipping our own .criu/bin, to never link to ourselves).
sys_criu=""
IFS=: read -r -a path_dirs <<<"${PATH:-}"
for d in "${path_dirs[@]}"; do
    [ -n "$d" ] && [ -x "$d/criu" ] || continue
    case "$(readlink -f "$d/criu")" in "$CRIU_DIR"/*) continue ;; esac
    sys_criu="$d/criu"
    break
done
if [ -n "$sys_criu" ]; then
    step "checking criu on PATH: $sys_criu"
    if criu_check "$sys_criu"; then
        link_to "$(readlink -f "$sys_criu")"
        step "OK: .criu/bin/criu passes 'criu check' (Looks good.)"
        exit 0
    fi
    step "$sys_criu does not pass 'criu check' ($(grep -m1 -E 'Error|error' "$CHECK_LOG" || echo 'see '"$CHECK_LOG")); using trixie's criu"
else
    step "no criu on PATH; using trixie's criu"
fi

# --- 2. trixie criu in a project-local prefix -------------------------------
trixie_apt_setup
trixie_apt_update

step "resolving criu's dependency closure in $TRIXIE_SUITE"
mapfile -t pkgs < <(trixie_closure criu)
[ "${#pkgs[@]}" -gt 0 ] && printf '%s\n' "${pkgs[@]}" | grep -qx criu ||
    die "could not resolve criu in $TRIXIE_SUITE"
step "closure: ${#pkgs[@]} packages: ${pkgs[*]}"

mapfile -t debs < <(trixie_download "${pkgs[@]}")
[ "${#debs[@]}" -eq "${#pkgs[@]}" ] || die "expected ${#pkgs[@]} .deb files, got ${#debs[@]}"

step "unpacking ${#debs[@]} packages into .criu/root"
trixie_extract "$CRIU_ROOT" "${debs[@]}"

# The loader: trixie's libc6 ships it in usr/lib/<triplet>/ with a usr/lib64
# symlink (no top-level lib64 since there is no usrmerge base-files here).
loader=""
for cand in "$CRIU_ROOT"/usr/lib64/ld-linux-x86-64.so.2 "$CRIU_ROOT"/lib64/ld-linux-x86-64.so.2 \
    "$CRIU_ROOT"/usr/lib/*/ld-linux*.so.* "$CRIU_ROOT"/lib/*/ld-linux*.so.*; do
    [ -e "$cand" ] && { loader="$cand"; break; }
done
[ -n "$loader" ] || die "no dynamic loader (ld-linux*.so.*) found under $CRIU_ROOT"
criu_real="$CRIU_ROOT/usr/sbin/criu"
[ -x "$criu_real" ] || die "$criu_real missing after unpacking"

# Every directory in the prefix holding shared libraries (multiarch dirs first).
libpath=""
while read -r d; do
    libpath="${libpath:+$libpath:}$d"
done < <(find "$CRIU_ROOT" \( -path "$CRIU_ROOT/usr/lib/python3" -o -name gconv -o -path "$CRIU_ROOT/usr/share" \) -prune \
    -o -name 'lib*.so*' \( -type f -o -type l \) -printf '%h\n' | sort -u |
    awk '{ print (($0 ~ /-linux-gnu/) ? 0 : 1) "\t" $0 }' | sort -k1,1n -k2 | cut -f2)
[ -n "$libpath" ] || die "no library directories found under $CRIU_ROOT"
step "loader: ${loader#"$CRIU_DIR"/}; library path: ${libpath//"$CRIU_DIR"\//}"

# Every library criu needs must come from the prefix, none from the system.
ldlist="$("$loader" --library-path "$libpath" --list "$criu_real" 2>&1)" ||
    { printf '%s\n' "$ldlist" >&2; die "the trixie loader cannot load criu"; }
if printf '%s\n' "$ldlist" | grep -q 'not found'; then
    printf '%s\n' "$ldlist" >&2
    die "criu has unresolved libraries in the prefix"
fi
outside="$(printf '%s\n' "$ldlist" | awk '/=>/ { print $3 }' | grep -v "^$CRIU_ROOT/" || true)"
[ -z "$outside" ] || die "criu would load system libraries: $outside"

# Plugins: criu dlopen()s *.so from $CRIU_LIBS_DIR (default /usr/lib/criu/).
# Point it at the prefix so host plugins built for another criu never load.
mkdir -p "$CRIU_ROOT/usr/lib/criu"

case "$CRIU_ROOT" in *"'"*) die "repo path must not contain a single quote: $CRIU_ROOT" ;; esac
step "writing .criu/bin/criu wrapper"
mkdir -p "$CRIU_DIR/bin"
rm -f "$WRAPPER.tmp"
cat >"$WRAPPER.tmp" <<EOF
#!/bin/sh
# Generated by scripts/provision-criu.sh: Debian $TRIXIE_SUITE's criu, run from
# the project-local prefix through the prefix's own dynamic loader. Arguments
# and inherited fds pass through unchanged (exec, no LD_LIBRARY_PATH, so the
# helpers criu spawns - ip, iptables, tar, sh - use the system's libraries).
ROOT='$CRIU_ROOT'
CRIU_LIBS_DIR="\${CRIU_LIBS_DIR:-\$ROOT/usr/lib/criu}"
export CRIU_LIBS_DIR
exec "\$ROOT/${loader#"$CRIU_ROOT"/}" --library-path '$libpath' "\$ROOT/usr/sbin/criu" "\$@"
EOF
chmod 0755 "$WRAPPER.tmp"
mv -Tf "$WRAPPER.tmp" "$WRAPPER"

# --- 3. verify ---------------------------------------------------------------
step "running .criu/bin/criu check"
if criu_check "$WRAPPER"; then
    step "OK: $("$WRAPPER" --version 2>/dev/null | head -n1) at .criu/bin/criu passes 'criu check' (Looks good.)"
else
    cat "$CHECK_LOG" >&2
    die ".criu/bin/criu check did not say 'Looks good' (log: $CHECK_LOG)"
fi
