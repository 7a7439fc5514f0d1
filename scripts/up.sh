#!/usr/bin/env bash
# Deploys a stack: `scripts/up.sh` (minikube when it runs, else a local
# cluster on this machine), `scripts/up.sh local`, `scripts/up.sh minikube`,
# `scripts/up.sh dev` (EKS).
# Installs dependencies, uses a local file state backend unless you are
# already logged in to one, creates the stack on first use, recovers from a
# killed earlier run (scripts/recover.sh), runs `pulumi up`.
# The `local` stack first starts a local control plane with one real node
# (Linux, root; the first run builds the tools and images it needs, about
# 40 minutes on 2 cores), and prints how to reach Dask and Jupyter afterwards.
# Extra arguments go to `pulumi up` (e.g. --yes, --diff).
set -euo pipefail
cd "$(dirname "$0")/.."

minikube_running() {
    command -v minikube >/dev/null && minikube status --format '{{.APIServer}}' 2>/dev/null | grep -qx Running
}

if [ $# -eq 0 ] || [[ $1 == -* ]]; then
    if minikube_running; then stack=minikube; else stack=local; fi
    echo "==> stack $stack (name one to choose: scripts/up.sh local|minikube|dev)"
else
    stack=$1
    shift
fi
if [ ! -f "Pulumi.${stack}.yaml" ]; then
    echo "error: no Pulumi.${stack}.yaml; stacks here: $(ls Pulumi.*.yaml | sed 's/Pulumi\.\(.*\)\.yaml/\1/' | tr '\n' ' ')" >&2
    exit 2
fi

if [ "$stack" = local ]; then
    if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ]; then
        echo "error: the local stack runs a Kubernetes node on this machine: Linux and root are needed (or use scripts/up.sh minikube)" >&2
        exit 2
    fi
    echo "==> stack local: a Kubernetes control plane and one real node on this machine (docs/local-cluster.md)."
    echo "    It adds addresses on lo, a bridge and iptables chains; scripts/cluster.sh down undoes all of it."
    echo "==> tools (built once, about 40 minutes on 2 cores: Pulumi, Kubernetes, images)"
    bash scripts/toolchain.sh
    bash scripts/node-deps.sh
    bash scripts/images.sh build
    # The tools' own pulumi and Kubernetes provider, with plugin downloads off.
    # shellcheck source=scripts/env.sh
    . scripts/env.sh
    DASKK8S_REAL_NODE=1 bash scripts/cluster.sh up
    KUBECONFIG=$(bash scripts/cluster.sh kubeconfig)
    export KUBECONFIG
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
# After a killed run: a stale lock, pending creates, a truncated state file
# (docs/operations.md, "If a run was interrupted"). Leaves a live run's lock alone.
bash scripts/recover.sh "$stack"
pulumi up --stack "$stack" "$@"

if [ "$stack" = local ]; then
    node=10.245.0.1
    port() { kubectl -n "$(pulumi stack output namespace --stack local)" get service "$1" -o "jsonpath={.spec.ports[?(@.port==$2)].nodePort}"; }
    tag=$(pulumi stack output daskImageTag --stack local)
    cat <<EOF

==> Dask is running on this machine's local node ($node, reachable from here only)
  scheduler:  tcp://$node:$(port dask-scheduler 8786)
  dashboard:  http://$node:$(port dask-scheduler 80)/status
  Jupyter:    http://$node:$(port dask-jupyter 80)/lab
              password: pulumi stack output jupyterPassword --show-secrets --stack local

  A client needs Dask $tag (scripts/images.sh client $tag prints a python that has it):
    \$(scripts/images.sh client $tag) -c 'from distributed import Client; print(Client("tcp://$node:$(port dask-scheduler 8786)"))'
  Pods install dask.packages.pip from the node's wheel index: list them in images/wheels.txt.
  Stop everything and restore the host: pulumi destroy --stack local; scripts/cluster.sh down
EOF
fi
