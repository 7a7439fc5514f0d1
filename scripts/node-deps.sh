#!/usr/bin/env bash
# Debian packages the local real node needs (scripts/realnode.sh) and the
# image builder (scripts/images.sh) uses: container runtime, CNI plugins,
# iptables, conntrack, socat (pods' way to the API server), mmdebstrap, zstd. Needs root. Idempotent: installs only
# what is missing, and does nothing when everything is there.
set -euo pipefail

PACKAGES="containerd runc containernetworking-plugins iptables conntrack socat mmdebstrap zstd openssl curl python3-venv"

missing=()
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "node-deps: all installed ($PACKAGES)"
  exit 0
fi
[[ $(id -u) == 0 ]] || { echo "node-deps: root is needed to install: ${missing[*]}" >&2; exit 1; }
echo "node-deps: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the containerd service on install where an init system runs
# it; the real node runs a containerd of its own on another socket instead.
