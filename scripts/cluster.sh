#!/usr/bin/env bash
# A local Kubernetes control plane for integration tests and benchmarks: kwok's
# `binary` runtime runs etcd, kube-apiserver, controller-manager, scheduler,
# kwok-controller and metrics-server as plain processes on 127.0.0.1, with fake
# nodes whose pods are simulated (never run), so it needs no container runtime
# and starts in seconds. Every binary comes from scripts/toolchain.sh; nothing
# is downloaded.
#
# With DASKK8S_REAL_NODE=1, `up` also joins one real node that runs real
# containers (scripts/realnode.sh; root, the Debian packages of
# scripts/node-deps.sh and the images of scripts/images.sh). With fake nodes
# beside it, the real node is tainted daskk8s.io/real-node=true:NoSchedule and
# labelled daskk8s.io/node=real, so only pods that ask for it run for real;
# with DASKK8S_NODES=0 it is the only node and untainted. `down` stops it and
# restores the host's iptables, sysctls, addresses and mounts.
#
# Usage: scripts/cluster.sh up|down|status|kubeconfig
#        scripts/cluster.sh usage CPU [LABEL=VALUE]   simulated CPU per pod (see below)
#        scripts/cluster.sh usage reset
#
# Simulated CPU usage of a pod, first match wins:
#   1. pod annotation kwok.x-k8s.io/usage-cpu (e.g. "900m"; kwok's convention),
#   2. the rule set by `usage CPU LABEL=VALUE` (pods carrying that label),
#   3. `usage CPU` without a label: every pod; otherwise the default 10m.
# Rules 2-3 live in one ClusterResourceUsage object that kwok watches, so a
# change applies to running and future pods alike, without restarting them.
set -euo pipefail

TOOLS=${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}
BIN=$TOOLS/bin
NAME=${DASKK8S_CLUSTER:-daskk8s}
# kwokctl keeps clusters, pids, logs and caches under KWOK_WORKDIR (default
# ~/.kwok); a private one keeps `down` able to remove everything.
export KWOK_WORKDIR=${DASKK8S_KWOK_WORKDIR:-$(dirname "$TOOLS")/kwok}
CLUSTER_DIR=$KWOK_WORKDIR/clusters/$NAME
KUBECONFIG_PATH=$CLUSTER_DIR/kubeconfig.yaml
export PATH="$BIN:$PATH" # kwokctl looks kubectl up on PATH
NODES=${DASKK8S_NODES:-3}
# 0: no metrics-server (to test deploying one from its chart). A second cluster
# also needs its own DASKK8S_CLUSTER and DASKK8S_KWOK_WORKDIR.
METRICS_SERVER=${DASKK8S_METRICS_SERVER:-1}
DEFAULT_CPU=10m # idle pods stay far below any sane HPA target
REAL_NODE=${DASKK8S_REAL_NODE:-0}
REALNODE_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/realnode.sh
REALNODE_IP=10.245.0.1 # = scripts/realnode.sh's NODE_IP

log() { printf '%s cluster: %s\n' "$(date +%H:%M:%S)" "$*"; }
kc() { kubectl --kubeconfig "$KUBECONFIG_PATH" "$@"; }
kwokctl() { command kwokctl --name "$NAME" "$@"; }

require_tools() {
  local b
  for b in kwokctl kwok kube-apiserver kube-controller-manager kube-scheduler kubectl etcd etcdctl metrics-server; do
    [[ -x $BIN/$b ]] || { echo "cluster: $BIN/$b missing; run scripts/toolchain.sh first" >&2; exit 1; }
  done
  [[ -f $TOOLS/share/metrics-server/kustomization.yaml ]] ||
    { echo "cluster: metrics-server manifests missing; run scripts/toolchain.sh metrics-server" >&2; exit 1; }
}

healthy() { [[ -f $KUBECONFIG_PATH ]] && kc get --raw=/readyz >/dev/null 2>&1; }

write_config() {
  local kube_version etcd_version
  kube_version=$(kube-apiserver --version | awk '{print $2}')
  etcd_version=$(etcd --version | awk '/^etcd Version/{print $3}')
  mkdir -p "$KWOK_WORKDIR"
  cat >"$KWOK_WORKDIR/$NAME.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  kubeVersion: $kube_version
  etcdVersion: $etcd_version
  bindAddress: 127.0.0.1
  kubeApiserverBinary: $BIN/kube-apiserver
  kubeControllerManagerBinary: $BIN/kube-controller-manager
  kubeSchedulerBinary: $BIN/kube-scheduler
  kubectlBinary: $BIN/kubectl
  kwokControllerBinary: $BIN/kwok
  etcdBinary: $BIN/etcd
  etcdctlBinary: $BIN/etcdctl
  metricsServerBinary: $BIN/metrics-server
  # A local kustomize dir instead of the release-page URL kwokctl would fetch.
  metricsServerManifests: ["$TOOLS/share/metrics-server"]
  # Served as CRDs, so the usage command can change simulated load while pods run.
  enableCRDs: [ClusterResourceUsage]
  # Pods of the real node reach the API server through the \`kubernetes\` Service
  # (10.0.0.1, the default Service range's first address), which points at the
  # node address (advertise-address below; scripts/realnode.sh forwards it):
  # the serving certificate must name both.
  kubeApiserverCertSANs: ["$REALNODE_IP", "10.0.0.1"]
componentsPatches:
# kwok's binary runtime manages every node by default and would take a real
# kubelet's node over: manage only the fake nodes apply_nodes creates.
- name: kwok-controller
  extraArgs:
  - {key: manage-all-nodes, value: "false", override: true}
  - {key: manage-nodes-with-annotation-selector, value: "kwok.x-k8s.io/node=fake"}
# logs, exec and port-forward reach a real kubelet by its InternalIP (its
# node name resolves to nothing).
- name: kube-apiserver
  extraArgs:
  - {key: kubelet-preferred-address-types, value: "InternalIP,Hostname"}
  - {key: advertise-address, value: "$REALNODE_IP"}
# The aggregation layer as kubeadm sets it up: aggregated API servers (KEDA's
# metrics adapter) trust the API server's proxy client certificate (kwok's
# admin certificate) and the user it forwards in these headers.
  - {key: requestheader-client-ca-file, value: "$CLUSTER_DIR/pki/ca.crt"}
  - {key: requestheader-allowed-names, value: "kwok-admin"}
  - {key: requestheader-username-headers, value: "X-Remote-User"}
  - {key: requestheader-group-headers, value: "X-Remote-Group"}
  - {key: requestheader-extra-headers-prefix, value: "X-Remote-Extra-"}
EOF
}

# Fake nodes with real-looking capacity and no taint, so ordinary workloads
# (e.g. the Dask chart) schedule on them without tolerations.
apply_nodes() {
  local i
  for ((i = 0; i < NODES; i++)); do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
    # metrics-server scrapes this path on the node's kubelet endpoint (kwok).
    metrics.k8s.io/resource-metrics-path: /metrics/nodes/kwok-node-$i/metrics/resource
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    node-role.kubernetes.io/worker: ""
status:
  allocatable: {cpu: "4", memory: 16Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "4", memory: 16Gi, pods: "110", ephemeral-storage: 100Gi}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kernelVersion: fake, osImage: fake, containerRuntimeVersion: fake}
EOF
  done | kc apply -f - >/dev/null
}

# apply_usage CPU [LABEL=VALUE]: (re)write the single ClusterResourceUsage.
apply_usage() {
  local cpu=$1 sel=${2:-} fallback
  if [[ -n $sel ]]; then
    local k=${sel%%=*} v=${sel#*=}
    fallback="(\"$k\" in pod.metadata.labels && pod.metadata.labels[\"$k\"] == \"$v\") ? Quantity(\"$cpu\") : Quantity(\"$DEFAULT_CPU\")"
  else
    fallback="Quantity(\"$cpu\")"
  fi
  kc apply -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterResourceUsage
metadata:
  name: daskk8s-usage
  annotations: {daskk8s/cpu: "$cpu", daskk8s/selector: "$sel"}
spec:
  usages:
  - usage:
      cpu:
        expression: |
          "kwok.x-k8s.io/usage-cpu" in pod.metadata.annotations
          ? Quantity(pod.metadata.annotations["kwok.x-k8s.io/usage-cpu"])
          : $fallback
      memory:
        expression: |
          "kwok.x-k8s.io/usage-memory" in pod.metadata.annotations
          ? Quantity(pod.metadata.annotations["kwok.x-k8s.io/usage-memory"])
          : Quantity("64Mi")
EOF
}

up() {
  require_tools
  if healthy; then
    log "$NAME already running"
  else
    if [[ -d $CLUSTER_DIR ]]; then
      # Left over from a reboot or a killed session. Recreating takes seconds,
      # while `kwokctl start` on dead processes was seen to hang for minutes.
      log "$NAME exists but is not serving; recreating"
      down
    fi
    write_config
    log "creating $NAME (logs: $CLUSTER_DIR/logs)"
    # --kubeconfig "": leave ~/.kube/config alone; tests use our kubeconfig.
    local extra=()
    if ((METRICS_SERVER)); then extra+=(--enable metrics-server); fi
    if ! kwokctl --config "$KWOK_WORKDIR/$NAME.yaml" create cluster \
      --runtime binary "${extra[@]}" --kubeconfig "" --wait 2m \
      >"$KWOK_WORKDIR/create.log" 2>&1; then
      cat "$KWOK_WORKDIR/create.log" >&2
      log "create failed (component logs: $CLUSTER_DIR/logs)"; exit 1
    fi
  fi
  apply_nodes
  # Keep a usage rule that `usage` set earlier; create the default otherwise.
  kc get clusterresourceusage daskk8s-usage >/dev/null 2>&1 || apply_usage "$DEFAULT_CPU"
  if ((REAL_NODE)); then
    bash "$REALNODE_SH" up "$CLUSTER_DIR"
  fi
  kc wait --for=condition=Ready node --all --timeout=120s >/dev/null
  if ((METRICS_SERVER)) && ! kc wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=120s >/dev/null; then
    # Seen once in many runs, cause unknown: keep the evidence, then recreate
    # the cluster once.
    local kept
    kept=$(dirname "$TOOLS")/kwok-failures/$(date +%Y%m%dT%H%M%S)
    mkdir -p "$kept"
    cp -r "$CLUSTER_DIR/logs" "$kept/" 2>/dev/null || true
    kc get apiservice v1beta1.metrics.k8s.io -o yaml >"$kept/apiservice.yaml" 2>&1 || true
    log "the metrics API is not Available after 120s ($(kc get apiservice v1beta1.metrics.k8s.io -o jsonpath='{.status.conditions[0].message}' 2>&1)); logs kept in $kept"
    if [[ -n ${DASKK8S_CLUSTER_RETRIED:-} ]]; then exit 1; fi
    log "recreating $NAME once"
    down
    DASKK8S_CLUSTER_RETRIED=1 up
    return
  fi
  log "ready: $(kc get nodes --no-headers | wc -l) nodes; KUBECONFIG=$KUBECONFIG_PATH"
}

down() {
  # The real node first, while the apiserver can still delete its pods; its
  # failure to restore the host is reported after the control plane is gone.
  local realnode_rc=0
  bash "$REALNODE_SH" down "$CLUSTER_DIR" || realnode_rc=$?
  # kwokctl records each component's pid; remember them so that none can
  # outlive the cluster even if `kwokctl delete` fails half-way.
  local pids=() pidfile pid i
  for pidfile in "$CLUSTER_DIR"/pids/*.pid; do
    [[ -f $pidfile ]] && pids+=("$(cat "$pidfile")")
  done
  if [[ -d $CLUSTER_DIR ]]; then
    log "deleting $NAME"
    # delete insists on a kubeconfig to remove its context from: give it a
    # scratch one (never ~/.kube/config), removed with the workdir below.
    kwokctl delete cluster --kubeconfig "$KWOK_WORKDIR/scratch-kubeconfig" >"$KWOK_WORKDIR/delete.log" 2>&1 ||
      { cat "$KWOK_WORKDIR/delete.log" >&2; log "kwokctl delete failed; stopping processes by pid"; }
  fi
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 50; i++)); do # up to 10s for a graceful exit, then force
      kill -0 "$pid" 2>/dev/null || continue 2
      ((i == 0)) && kill "$pid" 2>/dev/null
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$KWOK_WORKDIR"
  log "$NAME down"
  return $realnode_rc
}

status() {
  if healthy; then
    echo "running  KUBECONFIG=$KUBECONFIG_PATH"
    kc get nodes
    if ((REAL_NODE)); then bash "$REALNODE_SH" status || return 3; fi
  elif [[ -d $CLUSTER_DIR ]]; then
    echo "stopped (cluster dir $CLUSTER_DIR exists; 'up' restarts it)"; return 3
  else
    echo "absent"; return 3
  fi
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  kubeconfig) echo "$KUBECONFIG_PATH" ;;
  usage)
    healthy || { echo "cluster: $NAME is not running" >&2; exit 1; }
    if [[ ${2:-} == reset ]]; then apply_usage "$DEFAULT_CPU"; set -- usage "$DEFAULT_CPU (default)"
    elif [[ ${2:-} =~ ^[0-9.]+m?$ ]]; then apply_usage "$2" "${3:-}"
    else echo "usage: $0 usage CPU [LABEL=VALUE] | usage reset" >&2; exit 2
    fi
    log "simulated CPU: ${2} ${3:+for pods with $3}" ;;
  *) echo "usage: $0 up|down|status|kubeconfig|usage CPU [LABEL=VALUE]|usage reset" >&2; exit 2 ;;
esac
