#!/usr/bin/env bash
# The project's test command.
#   scripts/test.sh           everything: unit tests, then the integration suite
#   scripts/test.sh --unit    type check, lint and unit tests only (under a minute)
# The integration suite needs the toolchain (built by scripts/toolchain.sh:
# about 35 minutes the first time on 2 cores, seconds afterwards), a local
# kwok control plane (scripts/cluster.sh) and, for the real-pod tests, a real
# node beside its fake ones: Debian packages (scripts/node-deps.sh), images
# (scripts/images.sh, about 6 minutes the first time) and root. All of it is
# set up here, and the cluster is taken down at the end if this started it,
# restoring the host's iptables, sysctls, addresses and mounts.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case $mode in
    all | --unit) ;;
    *) echo "usage: scripts/test.sh [--unit]" >&2; exit 2 ;;
esac

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund
fi
echo "==> npm test (type check, lint, unit tests)"
npm test
[ "$mode" = --unit ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "scripts/test.sh: the integration suite runs a real Kubernetes node (containers, a bridge, iptables): run it as root" >&2
    exit 1
fi
echo "==> real node's Debian packages"
bash scripts/node-deps.sh
# The images (mostly downloads) build beside the toolchain (mostly CPU); they
# only need the pause binary first.
bash scripts/toolchain.sh pause keda
images_log=$(mktemp)
echo "==> real node's images, in the background (log: $images_log)"
bash scripts/images.sh build >"$images_log" 2>&1 &
images_pid=$!
echo "==> toolchain"
bash scripts/toolchain.sh
echo "==> actionlint (.github/workflows)"
"${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}/bin/actionlint"
if ! wait "$images_pid"; then
    cat "$images_log" >&2
    echo "scripts/test.sh: building the real node's images failed (above)" >&2
    exit 1
fi
cat "$images_log"
echo "==> local control plane with a real node"
# Leave a cluster (and a real node) that was already running as it was;
# remove what this run starts, also when starting it fails half-way. Taking
# it down fails when the host could not be restored exactly: so does the run.
started_cluster=false
bash scripts/cluster.sh status >/dev/null 2>&1 || started_cluster=true
started_node=false
bash scripts/realnode.sh status >/dev/null 2>&1 || started_node=true
cleanup() {
    if $started_cluster; then
        bash scripts/cluster.sh down
    elif $started_node; then
        bash scripts/realnode.sh down "$(dirname "$(bash scripts/cluster.sh kubeconfig)")"
    fi || { echo "scripts/test.sh: the host was not restored (above)" >&2; exit 1; }
}
trap cleanup EXIT
export DASKK8S_REAL_NODE=1
bash scripts/cluster.sh up
echo "==> npm run test:integration"
npm run test:integration
