#!/usr/bin/env bash
# Builds (once) a Debian 13 (trixie) root with PyTorch 2.6 for the modern PyTorch peer, outside the repository.
# Benchmarks only, never CI. Needs root, debootstrap (apt-get install debootstrap) and network access.
# Usage: bash bench/pytorch/trixie-root.sh [ROOT]   (ROOT defaults to $CONVIRT_PEER_ROOT or /work/peer-trixie)
# Afterwards: bash bench/pytorch/trixie-run.sh python3 ... runs a command inside it.
set -euo pipefail
root="${1:-${CONVIRT_PEER_ROOT:-/work/peer-trixie}}"
mirror="${CONVIRT_PEER_MIRROR:-http://deb.debian.org/debian}"
if [ "$(id -u)" != 0 ]; then echo "trixie-root: needs root (debootstrap, chroot)" >&2; exit 1; fi
command -v debootstrap >/dev/null || { echo "trixie-root: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
if [ ! -x "$root/usr/bin/python3" ] || [ ! -f "$root/.debootstrap-done" ]; then
  mkdir -p "$root"
  debootstrap --variant=minbase trixie "$root" "$mirror"
  touch "$root/.debootstrap-done"
fi
mount_all() {
  for d in proc sys dev; do
    mountpoint -q "$root/$d" || mount --bind "/$d" "$root/$d"
  done
}
mount_all
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if ! chroot "$root" /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -q
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    python3-torch python3-torchvision libopenblas0-pthread
fi
chroot "$root" /usr/bin/python3 -c "import torch, torchvision; print('trixie peer: torch', torch.__version__, 'torchvision', torchvision.__version__)"
