#!/usr/bin/env bash
# Runs a bench/pytorch script with Debian 13's PyTorch 2.6 inside the root that trixie-root.sh built (chroot; benchmarks only).
# Usage: bash bench/pytorch/trixie-run.sh SCRIPT.py [ARGS...]   (root: $CONVIRT_PEER_ROOT or /work/peer-trixie)
# The environment (OMP_*, MALLOC_*) passes through chroot unchanged, so both PyTorch peers get the same thread and allocator policy.
set -euo pipefail
root="${CONVIRT_PEER_ROOT:-/work/peer-trixie}"
script="$1"; shift
if [ ! -x "$root/usr/bin/python3" ]; then echo "trixie-run: no Debian 13 root at $root (build it: bash bench/pytorch/trixie-root.sh $root)" >&2; exit 3; fi
if [ "$(id -u)" != 0 ]; then echo "trixie-run: chroot needs root" >&2; exit 3; fi
for d in proc sys dev; do mountpoint -q "$root/$d" || mount --bind "/$d" "$root/$d"; done
mkdir -p "$root/opt/convirt-bench"
cp "$script" "$root/opt/convirt-bench/"
exec chroot "$root" /usr/bin/python3 "/opt/convirt-bench/$(basename "$script")" "$@"
