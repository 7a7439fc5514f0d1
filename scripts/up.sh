#!/usr/bin/env bash
# Deploys a stack: `scripts/up.sh minikube` or `scripts/up.sh dev`.
# Installs dependencies, uses a local file state backend unless you are
# already logged in to one, creates the stack on first use, runs `pulumi up`.
# Extra arguments go to `pulumi up` (e.g. --yes, --diff).
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:?usage: scripts/up.sh <stack> [pulumi up flags], e.g. scripts/up.sh minikube}"
shift
if [ ! -f "Pulumi.${stack}.yaml" ]; then
    echo "error: no Pulumi.${stack}.yaml; stacks here: $(ls Pulumi.*.yaml | sed 's/Pulumi\.\(.*\)\.yaml/\1/' | tr '\n' ' ')" >&2
    exit 2
fi
command -v pulumi >/dev/null || { echo "error: the pulumi CLI is not on PATH (see README: Prerequisites)" >&2; exit 2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi

if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! pulumi whoami >/dev/null 2>&1; then
    # No Pulumi Cloud account needed: state lives in a gitignored folder here.
    mkdir -p .pulumi-state
    export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
    echo "==> using the local state backend $PULUMI_BACKEND_URL"
fi
if [[ "$(pulumi whoami --verbose 2>/dev/null | grep -i 'backend url' || echo "${PULUMI_BACKEND_URL:-}")" == *file://* ]] \
    && [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    echo "error: a file backend encrypts secrets with a passphrase: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)" >&2
    exit 2
fi

pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
pulumi up --stack "$stack" "$@"
