#!/usr/bin/env bash
# The project's test command: installs the locked dependencies, then runs the
# type check, lint and unit tests (Pulumi mocks; no cluster, no network).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund
fi
echo "==> npm test (type check, lint, unit tests)"
npm test
