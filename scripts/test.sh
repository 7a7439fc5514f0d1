#!/usr/bin/env bash
# The project's test command.
#   scripts/test.sh           everything: unit tests, then the integration suite
#   scripts/test.sh --unit    type check, lint and unit tests only (under a minute)
# The integration suite needs the toolchain (built by scripts/toolchain.sh:
# about 30 minutes the first time on 2 cores, seconds afterwards) and a local
# kwok control plane (scripts/cluster.sh), both set up here.
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

echo "==> toolchain"
bash scripts/toolchain.sh
echo "==> actionlint (.github/workflows)"
"${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}/bin/actionlint"
echo "==> local control plane"
started_cluster=false
if ! bash scripts/cluster.sh status >/dev/null 2>&1; then
    started_cluster=true
fi
bash scripts/cluster.sh up
# Leave a cluster that was already running as it was; remove one we started.
if $started_cluster; then
    trap 'bash scripts/cluster.sh down' EXIT
fi
echo "==> npm run test:integration"
npm run test:integration
