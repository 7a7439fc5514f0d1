#!/usr/bin/env bash
# shellcheck disable=SC2317,SC2013 # build_* are called as "build_$tool"
# Builds every binary the integration tests and benchmarks need (Pulumi CLI and
# plugins, a Kubernetes control plane, kwok, metrics-server, helm) from the Go
# module proxy at pinned versions. Machines here reach package registries only,
# so there is no download-a-release-tarball path. Idempotent: a tool whose stamp
# matches its pin is skipped, so a warm run takes seconds.
#
# Usage: scripts/toolchain.sh [tool ...]   (default: all; tools listed in TOOLS_ALL)
# Env:   DASKK8S_TOOLS_DIR  install root (default ~/.cache/daskk8s/tools)
set -euo pipefail

# ---- pins (change one and only that tool rebuilds) -------------------------
PULUMI_VERSION=3.276.0                    # = npm @pulumi/pulumi
# The Kubernetes provider module is untagged and the proxy here serves only this
# commit (2026-01-15, between releases 4.23 and 4.24.1; see TOOLCHAIN-NOTES.md),
# not the v4.34.2 tag of npm @pulumi/kubernetes. It reports 4.34.2 so the engine
# does not warn on every run that the SDK wants >=4.34.2; the build metadata
# says which source it really is (`pulumi about`, provider logs).
K8S_PROVIDER_MODVER=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_VERSION=4.34.2+src.f47bc2d6f199
KUBE_VERSION=1.36.1                       # kwok 0.8.0's default; staging modules at v0.36.1
ETCD_VERSION=3.6.16                       # k8s 1.36 pairs with etcd 3.6
KWOK_VERSION=0.8.0
METRICS_SERVER_VERSION=0.8.0
HELM_VERSION=3.22.0
ACTIONLINT_VERSION=1.7.12                 # checks .github/workflows
PULUMI_YAML_VERSION=1.25.0                # language host of the Pulumi YAML consumer
KEDA_VERSION=2.20.2                       # = the keda chart's appVersion (components/scaling/Keda.ts)
# Bump when the build recipe itself changes, to force a rebuild of everything.
RECIPE=1

TOOLS_ALL="kube etcd kwok metrics-server helm pulumi pulumi-language-nodejs pulumi-language-yaml pulumi-resource-kubernetes plugin-cache actionlint kube-node coredns pause keda"

# ---- layout ----------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
TOOLS=${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}
BIN=$TOOLS/bin
STAMPS=$TOOLS/stamps
SRC=$TOOLS/src   # throwaway wrapper modules (kept for debugging a failed build)
LOGS=$TOOLS/logs
mkdir -p "$BIN" "$STAMPS" "$SRC" "$LOGS"
# The repo-local link lets scripts and tests find the tools without knowing the
# cache location; the cache itself lives outside so fresh clones reuse it.
ln -sfn "$TOOLS" "$REPO_ROOT/.tools"

# Static, stripped, reproducible-ish binaries. -modcacherw keeps the module
# cache deletable; GOFLAGS from the caller (e.g. -mod=vendor) would break builds.
export CGO_ENABLED=0 GOFLAGS=-modcacherw GOTOOLCHAIN=local

log() { printf '%s toolchain: %s\n' "$(date +%H:%M:%S)" "$*"; }

# up_to_date NAME STAMP OUTPUT... : stamp matches and every output (a path
# relative to $TOOLS) exists
up_to_date() {
  local name=$1 want=$2; shift 2
  [[ -f $STAMPS/$name && $(cat "$STAMPS/$name") == "$want" ]] || return 1
  local o; for o in "$@"; do [[ -e $TOOLS/$o ]] || return 1; done
}

# wrapper NAME : fresh module dir. A wrapper module is needed because
# `go install mod@ver` refuses modules whose go.mod has replace directives
# (pulumi, k8s.io/kubernetes), and it isolates each tool's dependency graph.
wrapper() {
  local d=$SRC/$1
  rm -rf "$d"; mkdir -p "$d"
  (cd "$d" && go mod init "daskk8s.local/tools/$1" >/dev/null 2>&1)
  echo "$d"
}

# moddir MOD@VER : module source dir in the module cache (downloads it)
moddir() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

gobuild() { go build -trimpath "$@"; }

# ---- builders ----------------------------------------------------------------
build_pulumi() {
  local d; d=$(wrapper pulumi); cd "$d"
  go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION"
  # The Automation API parses `pulumi version`, so it must not print a dev string.
  gobuild -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# The real pulumi-language-nodejs module is untagged and the proxy here serves no
# version of it, so we build a small language host of our own (scripts/
# pulumi-language-nodejs) that speaks the same gRPC protocol and starts the
# program through @pulumi/pulumi's own `cmd/run` entry point.
build_pulumi-language-nodejs() {
  local d=$SRC/pulumi-language-nodejs
  rm -rf "$d"; cp -r "$SCRIPT_DIR/pulumi-language-nodejs" "$d"; cd "$d"
  gobuild -ldflags "-s -w -X main.version=$PULUMI_VERSION" -o "$BIN/pulumi-language-nodejs" .
  # The CLI release also bundles this launcher for Node.js dynamic providers
  # (pulumi.dynamic.Resource); the engine looks for it next to `pulumi`.
  cat >"$BIN/pulumi-resource-pulumi-nodejs" <<'SHIM'
#!/bin/sh
# Pulumi's Node.js dynamic-provider host, run from the program's directory so
# that it uses the program's own @pulumi/pulumi (written by scripts/toolchain.sh).
exec node "$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")" "$@"
SHIM
  chmod +x "$BIN/pulumi-resource-pulumi-nodejs"
}

# Runs the Pulumi YAML program that consumes our components through the
# multi-language package (examples/yaml).
build_pulumi-language-yaml() {
  local d; d=$(wrapper pulumi-language-yaml); cd "$d"
  local mod=github.com/pulumi/pulumi-yaml
  go get -tool "$mod/cmd/pulumi-language-yaml@v$PULUMI_YAML_VERSION"
  gobuild -ldflags "-s -w -X $mod/pkg/version.Version=v$PULUMI_YAML_VERSION" \
    -o "$BIN/pulumi-language-yaml" "$mod/cmd/pulumi-language-yaml"
}

build_pulumi-resource-kubernetes() {
  local d; d=$(wrapper pulumi-resource-kubernetes); cd "$d"
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  # main.go go:embeds schema-embed.json, which is generated (not committed) from
  # schema.json, so build from a writable copy of the module.
  cp -r "$(moddir "$mod@$K8S_PROVIDER_MODVER")" provider; chmod -R u+w provider
  # Its `replace sdk/v4 => ../sdk` points outside the module zip; use the
  # published sdk it names instead so generate.go can run inside the copy.
  (cd provider && go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
     && cd cmd/pulumi-resource-kubernetes \
     && GOFLAGS="$GOFLAGS -mod=mod" VERSION=$K8S_PROVIDER_VERSION go run generate.go)
  go mod edit -replace "$mod=./provider"
  go get -tool "$mod/cmd/pulumi-resource-kubernetes@$K8S_PROVIDER_MODVER"
  gobuild -ldflags "-s -w -X $mod/pkg/version.Version=$K8S_PROVIDER_VERSION" \
    -o "$BIN/pulumi-resource-kubernetes" "$mod/cmd/pulumi-resource-kubernetes"
}

# Installing a Pulumi package (`pulumi package get-schema`, a YAML program's
# `packages:`) resolves the plugins it depends on in the plugin cache, never on
# PATH, and would download them. A plugin cache of our own (PULUMI_HOME for the
# tests and scripts/schema.sh; the user's ~/.pulumi is left alone) holds the
# provider built above under the version the npm SDK asks for.
build_plugin-cache() {
  export PULUMI_HOME=$TOOLS/pulumi-home PULUMI_SKIP_UPDATE_CHECK=true
  rm -rf "$PULUMI_HOME/plugins"
  "$BIN/pulumi" plugin install resource kubernetes "v${K8S_PROVIDER_VERSION%%+*}" --file "$BIN/pulumi-resource-kubernetes"
}

# k8s.io/kubernetes replaces every k8s.io/* staging module with ./staging/...;
# pin each one to its published v0.<minor>.<patch> instead (in the current
# wrapper module).
kube_wrapper_replaces() {
  local m staging=v0.${KUBE_VERSION#*.}
  for m in $(sed -n 's#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' \
               "$(moddir "k8s.io/kubernetes@v$KUBE_VERSION")/go.mod"); do
    go mod edit -replace "$m=$m@$staging"
  done
}

# kwokctl and kubectl read these to pick flags / check version skew.
kube_version_ldflags() {
  local minor=${KUBE_VERSION#*.} x="" p; minor=${minor%%.*}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  echo "$x"
}

build_kube() {
  local d; d=$(wrapper kube); cd "$d"
  kube_wrapper_replaces
  local cmds="kube-apiserver kube-controller-manager kube-scheduler kubectl" c
  # shellcheck disable=SC2046 # one argument per command, split on purpose
  go get -tool $(for c in $cmds; do echo "k8s.io/kubernetes/cmd/$c@v$KUBE_VERSION"; done)
  for c in $cmds; do
    echo "== go build $c"
    gobuild -ldflags "-s -w $(kube_version_ldflags)" -o "$BIN/$c" "k8s.io/kubernetes/cmd/$c"
  done
}

# The real node's kubelet and kube-proxy (scripts/realnode.sh), from the same
# k8s.io/kubernetes release as the control plane, in a wrapper of their own so
# that adding them does not rebuild the control plane (the Go build cache is
# shared, so this takes a minute or two after build_kube).
build_kube-node() {
  local d; d=$(wrapper kube-node); cd "$d"
  kube_wrapper_replaces
  go get -tool "k8s.io/kubernetes/cmd/kubelet@v$KUBE_VERSION" "k8s.io/kubernetes/cmd/kube-proxy@v$KUBE_VERSION"
  local c
  for c in kubelet kube-proxy; do
    echo "== go build $c"
    gobuild -ldflags "-s -w $(kube_version_ldflags)" -o "$BIN/$c" "k8s.io/kubernetes/cmd/$c"
  done
}

# Cluster DNS for the real node's pods: CoreDNS with a handful of plugins and
# no forwarding to any upstream resolver (scripts/coredns/main.go).
build_coredns() {
  local d=$SRC/coredns
  rm -rf "$d"; cp -r "$SCRIPT_DIR/coredns" "$d"; cd "$d"
  gobuild -ldflags "-s -w" -o "$BIN/coredns" .
}

# The pod sandbox process (scripts/pause/main.go); scripts/images.sh makes
# the registry.k8s.io/pause image of it.
build_pause() {
  local d=$SRC/pause
  rm -rf "$d"; cp -r "$SCRIPT_DIR/pause" "$d"; cd "$d"
  gobuild -ldflags "-s -w" -o "$BIN/pause" .
}

# KEDA's operator and metrics adapter, for the real node's look-alike images of
# ghcr.io/kedacore/keda and keda-metrics-apiserver (scripts/images.sh). Built
# inside a copy of the module, so that its own replace directives (k8s.io and
# controller-runtime pins) apply. Its many scalers' SDKs make this the longest
# build here (about 8 minutes on 2 cores the first time).
build_keda() {
  local d=$SRC/keda
  rm -rf "$d"; cp -r "$(moddir "github.com/kedacore/keda/v2@v$KEDA_VERSION")" "$d"; chmod -R u+w "$d"; cd "$d"
  local v=github.com/kedacore/keda/v2/version c
  for c in operator adapter; do
    echo "== go build $c"
    gobuild -ldflags "-s -w -X $v.Version=$KEDA_VERSION -X $v.GitCommit=v$KEDA_VERSION" -o "$BIN/keda-$c" "./cmd/$c"
  done
}

build_etcd() {
  local d; d=$(wrapper etcd); cd "$d"
  # etcd's own main package lives in the server module (server/main.go).
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@v$ETCD_VERSION"
  gobuild -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  gobuild -ldflags "-s -w" -o "$BIN/etcdctl" go.etcd.io/etcd/etcdctl/v3
}

build_kwok() {
  local d; d=$(wrapper kwok); cd "$d"
  go get -tool "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@v$KWOK_VERSION"
  local c
  for c in kwok kwokctl; do
    gobuild -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" -o "$BIN/$c" "sigs.k8s.io/kwok/cmd/$c"
  done
}

build_metrics-server() {
  local d; d=$(wrapper metrics-server); cd "$d"
  go get -tool "sigs.k8s.io/metrics-server/cmd/metrics-server@v$METRICS_SERVER_VERSION"
  # kwokctl parses `metrics-server --version` to pick flags.
  gobuild -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=v$METRICS_SERVER_VERSION" \
    -o "$BIN/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server
  # kwokctl registers metrics-server's APIService/RBAC from its manifests and
  # would download components.yaml from the release page; give it the same
  # manifests from the module source instead (a kustomize dir, see cluster.sh).
  rm -rf "$TOOLS/share/metrics-server"; mkdir -p "$TOOLS/share"
  cp -r "$(moddir "sigs.k8s.io/metrics-server@v$METRICS_SERVER_VERSION")/manifests/base" "$TOOLS/share/metrics-server"
  chmod -R u+w "$TOOLS/share/metrics-server"
}

build_helm() {
  local d; d=$(wrapper helm); cd "$d"
  go get -tool "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  gobuild -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
    -o "$BIN/helm" helm.sh/helm/v3/cmd/helm
}

build_actionlint() {
  local d; d=$(wrapper actionlint); cd "$d"
  go get -tool "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
  gobuild -ldflags "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    -o "$BIN/actionlint" github.com/rhysd/actionlint/cmd/actionlint
}

# ---- per-tool pin and outputs -------------------------------------------------
pin_of() {
  case $1 in
    pulumi) echo "$PULUMI_VERSION" ;;
    # The language host is our own source: rebuild when it changes.
    pulumi-language-nodejs) echo "$PULUMI_VERSION $(cat "$SCRIPT_DIR"/pulumi-language-nodejs/{go.mod,go.sum,*.go} | sha256sum | cut -c1-16) shim1" ;;
    pulumi-resource-kubernetes) echo "$K8S_PROVIDER_MODVER $K8S_PROVIDER_VERSION" ;;
    kube | kube-node) echo "$KUBE_VERSION" ;;
    # Our own sources: rebuild when they change.
    coredns | pause) cat "$SCRIPT_DIR/$1"/go.* "$SCRIPT_DIR/$1"/*.go | sha256sum | cut -c1-16 ;;
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    metrics-server) echo "$METRICS_SERVER_VERSION" ;;
    helm) echo "$HELM_VERSION" ;;
    actionlint) echo "$ACTIONLINT_VERSION" ;;
    pulumi-language-yaml) echo "$PULUMI_YAML_VERSION" ;;
    keda) echo "$KEDA_VERSION" ;;
    plugin-cache) echo "$K8S_PROVIDER_MODVER $K8S_PROVIDER_VERSION $PULUMI_VERSION" ;;
    *) echo "unknown tool: $1 (known: $TOOLS_ALL)" >&2; exit 2 ;;
  esac
}
outputs_of() {
  case $1 in
    kube) echo bin/kube-apiserver bin/kube-controller-manager bin/kube-scheduler bin/kubectl ;;
    kube-node) echo bin/kubelet bin/kube-proxy ;;
    etcd) echo bin/etcd bin/etcdctl ;;
    kwok) echo bin/kwok bin/kwokctl ;;
    keda) echo bin/keda-operator bin/keda-adapter ;;
    metrics-server) echo bin/metrics-server share/metrics-server/kustomization.yaml ;;
    pulumi-language-nodejs) echo bin/pulumi-language-nodejs bin/pulumi-resource-pulumi-nodejs ;;
    plugin-cache) echo "pulumi-home/plugins/resource-kubernetes-v${K8S_PROVIDER_VERSION%%+*}" ;;
    *) echo "bin/$1" ;;
  esac
}

# ---- main ----------------------------------------------------------------------
main() {
  command -v go >/dev/null || { echo "toolchain: go is required" >&2; exit 1; }
  log "tools dir $TOOLS ($(go version | cut -d' ' -f3)); build logs in $LOGS"
  local t_all=$SECONDS tool want t0 rc
  # shellcheck disable=SC2048,SC2086 # tool names never contain spaces
  for tool in ${*:-$TOOLS_ALL}; do
    want="$(pin_of "$tool") recipe=$RECIPE"
    # shellcheck disable=SC2046
    if up_to_date "$tool" "$want" $(outputs_of "$tool"); then
      log "$tool $(pin_of "$tool" | cut -d' ' -f1): up to date"
      continue
    fi
    log "$tool: building $(pin_of "$tool" | cut -d' ' -f1) (log: $LOGS/$tool.log) ..."
    rm -f "$STAMPS/$tool"
    t0=$SECONDS
    # Subshell outside any `||`/`if`, so that set -e stays active inside it.
    set +e; ( set -e; "build_$tool" ) >"$LOGS/$tool.log" 2>&1; rc=$?; set -e
    if ((rc != 0)); then
      tail -n 40 "$LOGS/$tool.log" >&2
      log "$tool: BUILD FAILED (rc=$rc; full log $LOGS/$tool.log, wrapper module $SRC/$tool)"
      exit 1
    fi
    echo "$want" >"$STAMPS/$tool"
    log "$tool: built in $((SECONDS - t0))s"
  done
  log "done in $((SECONDS - t_all))s; put the tools on PATH with: source $SCRIPT_DIR/env.sh"
}

# Parsed as a whole before running, so editing this file mid-build is harmless.
main "$@"; exit
