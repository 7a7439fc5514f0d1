#!/usr/bin/env bash
# One REAL Kubernetes node on this machine, joined to the local control plane
# of scripts/cluster.sh: containerd + runc + a CNI bridge run real containers,
# the kubelet and kube-proxy come from scripts/toolchain.sh (kube-node), and
# CoreDNS serves cluster DNS. cluster.sh calls this when DASKK8S_REAL_NODE=1;
# run it by hand only to look around. Needs root and the Debian packages of
# scripts/node-deps.sh; images come from scripts/images.sh.
#
# Usage: scripts/realnode.sh up CLUSTER_DIR   join CLUSTER_DIR's apiserver (a kwokctl
#                                             cluster dir: kubeconfig.yaml, pki/ca.{crt,key})
#        scripts/realnode.sh down [CLUSTER_DIR]
#                                             stop everything, undo every host change, and
#                                             check the host is as it was before `up` (with
#                                             CLUSTER_DIR: only if the node joined that cluster)
#        scripts/realnode.sh status
#        scripts/realnode.sh snapshot         the host state `down` must restore
#        scripts/realnode.sh containers       the containers running on the node
#
# Confinement: pods live on bridge $BRIDGE in $POD_CIDR and may talk to each
# other and to this host, nothing else: no NAT, a guard chain that drops any
# forwarded packet entering or leaving the bridge unless it does both, an
# empty resolv.conf for pods and a CoreDNS without upstream forwarding. The
# node's own address and the DNS address live on `lo` (this kernel has no
# dummy interfaces), so the kubelet, NodePorts and DNS listen on nothing that
# leaves the machine.
#
# Pods reach the API server as on a real cluster, through the `kubernetes`
# Service: scripts/cluster.sh makes the API server advertise the node address
# (with it in its certificate), and a forwarder on the node address passes
# those connections to the API server, which listens on 127.0.0.1 only.
set -euo pipefail

TOOLS=${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}
RN=${DASKK8S_REALNODE_DIR:-$(dirname "$TOOLS")/realnode}
RUN=/run/daskk8s-realnode           # tmpfs: containerd state, CNI IPAM, pids, baseline
BIN=$TOOLS/bin
NODE=real-node
NODE_IP=10.245.0.1
DNS_IP=10.245.0.10
POD_CIDR=10.244.0.0/24
POD_GATEWAY=10.244.0.1
BRIDGE=dk8s-br0
GUARD=DASKK8S-GUARD
SOCK=$RUN/containerd.sock
# The wheel index pods install EXTRA_PIP_PACKAGES from (scripts/images.sh
# points the images' pip at it).
WHEEL_PORT=8870
WHEELHOUSE=$RN/wheelhouse
# With fake nodes in the same cluster, only pods that tolerate this taint run
# for real; with DASKK8S_NODES=0 (a cluster for the `local` stack) it is left off.
TAINT=daskk8s.io/real-node=true:NoSchedule
LABEL=daskk8s.io/node=real
# Host settings the kubelet, kube-proxy or this script may change; `down` puts back
# what `up` found.
# ip_forward first: writing it also resets forwarding and accept_redirects
# of every interface, which the later entries then put back.
SYSCTLS="net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.default.forwarding
  net.ipv4.conf.all.accept_redirects net.ipv4.conf.default.accept_redirects
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait"
# Fixed paths containerd, CNI and the kubelet create whatever their config
# says; `down` removes those that did not exist before `up`.
HOST_PATHS="/var/log/pods /var/log/containers /var/lib/kubelet /var/lib/cni /opt/containerd /run/containerd /etc/cni"
INGRESS=DASKK8S-INGRESS     # raw PREROUTING: node and pod addresses only from lo and the bridge
PODS_IN=DASKK8S-PODS-IN     # filter INPUT: what pods may open on this host
OUR_CHAINS="$GUARD $INGRESS $PODS_IN"
export PATH=$BIN:$PATH

log() { printf '%s realnode: %s\n' "$(date +%H:%M:%S)" "$*"; }
kc() { kubectl --kubeconfig "$RN/pki/admin.kubeconfig" "$@"; }
ctr_() { ctr -a "$SOCK" -n k8s.io "$@"; }

# ---- processes ----------------------------------------------------------------
start() { # start NAME CMD... : in the background, pid in $RUN/pids, log in $RN/logs
  local name=$1; shift
  if running "$name"; then return; fi
  nohup "$@" >"$RN/logs/$name.log" 2>&1 &
  echo $! >"$RUN/pids/$name.pid"
}
running() { [[ -f $RUN/pids/$1.pid ]] && kill -0 "$(cat "$RUN/pids/$1.pid")" 2>/dev/null; }
stop() { # SIGTERM, up to 10 s, then SIGKILL; only the pid we recorded
  local f=$RUN/pids/$1.pid pid i
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    ((i == 0)) && kill "$pid" 2>/dev/null
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}
wait_for() { # wait_for SECONDS WHAT CMD...
  local n=$1 what=$2 deadline; shift 2
  deadline=$((SECONDS + n))
  while ((SECONDS < deadline)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "timed out after ${n}s waiting for $what (logs: $RN/logs)"; return 1
}

# ---- host state -----------------------------------------------------------------
# Everything `up` may change on the host, normalised (no packet counters).
snapshot() {
  local t
  for t in filter nat mangle raw; do
    echo "# iptables $t"; iptables-save -t "$t" 2>/dev/null | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$//'
    echo "# ip6tables $t"; ip6tables-save -t "$t" 2>/dev/null | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$//'
  done
  echo "# sysctl"
  for t in $SYSCTLS; do echo "$t = $(sysctl -n "$t" 2>/dev/null || echo absent)"; done
  echo "# addresses"; ip -o addr show | awk '{$1=""; sub(/\\.*/, ""); print}'
  echo "# links"; ip -o link show | awk -F': ' '{print $2}' | sort
  echo "# routes"; ip route show table all | grep -v '^local\|^broadcast' | sort
  echo "# mounts"; awk '{print $2, $3}' /proc/mounts | grep -v "^$RUN " | sort
  echo "# paths"; for t in $HOST_PATHS; do [[ -e $t ]] && echo "$t"; done
  echo "# netns"; ls /run/netns 2>/dev/null || true
  echo "# cgroups"; ls -d /sys/fs/cgroup/*/kubepods* 2>/dev/null || true
  echo "# processes"; ps -e -o comm= | grep -xE 'containerd|containerd-shim|kubelet|kube-proxy|coredns|pause|socat' | sort || true
}

host_up() {
  mkdir -p "$RUN/pids" "$RN/logs" "$RN/etc"
  # The baseline is what the host looked like before the first `up`.
  if [[ ! -f $RUN/baseline ]]; then
    if iptables-save 2>/dev/null | grep -q '^:\(KUBE-\|CNI-\)'; then
      echo "realnode: this host already has KUBE-*/CNI-* iptables chains (another Kubernetes node?); not joining a second one" >&2
      exit 1
    fi
    snapshot >"$RUN/baseline"
  fi
  [[ -f $RUN/sysctl.saved ]] || for s in $SYSCTLS; do
    v=$(sysctl -n "$s" 2>/dev/null) && echo "$s=$v"
  done >"$RUN/sysctl.saved"
  local d a
  [[ -f $RUN/created-dirs ]] || for d in $HOST_PATHS; do
    [[ -e $d ]] || echo "$d"
  done >"$RUN/created-dirs"
  for a in "$NODE_IP" "$DNS_IP"; do
    [[ $(ip -o addr show dev lo) == *" $a/32 "* ]] || ip addr add "$a/32" dev lo
  done
  # Pod -> Service -> pod is routed back out of the bridge (forwarding), and
  # bridged replies must pass iptables for the Service DNAT to be undone.
  [[ -d /proc/sys/net/bridge ]] || modprobe br_netfilter ||
    { echo "realnode: the kernel has no br_netfilter (net.bridge.* sysctls)" >&2; exit 1; }
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  guard_up
}

# newchain TABLE CHAIN: an empty chain of ours
newchain() { iptables -t "$1" -N "$2" 2>/dev/null || iptables -t "$1" -F "$2"; }

guard_up() {
  # Forwarding: pods talk to pods; nothing enters or leaves the bridge
  # otherwise. In mangle FORWARD, before kube-proxy's filter-table ACCEPTs.
  newchain mangle "$GUARD"
  iptables -t mangle -A "$GUARD" -i "$BRIDGE" -o "$BRIDGE" -j RETURN
  iptables -t mangle -A "$GUARD" -i "$BRIDGE" -j DROP
  iptables -t mangle -A "$GUARD" -o "$BRIDGE" -j DROP
  # ip_forward is global: where the host did not forward before, it still
  # forwards nothing but the bridge's own traffic.
  if grep -qx 'net.ipv4.ip_forward=0' "$RUN/sysctl.saved"; then
    iptables -t mangle -A "$GUARD" -j DROP
  fi
  iptables -t mangle -C FORWARD -j "$GUARD" 2>/dev/null || iptables -t mangle -I FORWARD 1 -j "$GUARD"
  # Linux accepts a packet for any of its addresses on any interface: the
  # node and pod addresses are reachable only from this host and the bridge.
  newchain raw "$INGRESS"
  iptables -t raw -A "$INGRESS" -i lo -j RETURN
  iptables -t raw -A "$INGRESS" -i "$BRIDGE" -j RETURN
  iptables -t raw -A "$INGRESS" -d "$NODE_IP/32" -j DROP
  iptables -t raw -A "$INGRESS" -d "$DNS_IP/32" -j DROP
  iptables -t raw -A "$INGRESS" -d "$POD_CIDR" -j DROP
  iptables -t raw -C PREROUTING -j "$INGRESS" 2>/dev/null || iptables -t raw -I PREROUTING 1 -j "$INGRESS"
  # Pods may open connections to cluster DNS and the wheel index on this
  # host, nothing else (the kubelet serves anyone who reaches it).
  newchain filter "$PODS_IN"
  iptables -A "$PODS_IN" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  iptables -A "$PODS_IN" -d "$DNS_IP/32" -p udp --dport 53 -j RETURN
  iptables -A "$PODS_IN" -d "$DNS_IP/32" -p tcp --dport 53 -j RETURN
  iptables -A "$PODS_IN" -d "$NODE_IP/32" -p tcp --dport "$WHEEL_PORT" -j RETURN
  iptables -A "$PODS_IN" -d "$NODE_IP/32" -p tcp --dport "$APISERVER_PORT" -j RETURN
  iptables -A "$PODS_IN" -j DROP
  iptables -C INPUT -i "$BRIDGE" -j "$PODS_IN" 2>/dev/null || iptables -I INPUT 1 -i "$BRIDGE" -j "$PODS_IN"
}

# Chains named KUBE-*/CNI-* (kubelet, kube-proxy, CNI) that the host did not
# have before `up`, and ours, with every rule that jumps to them: deleted
# through iptables-restore, which parses quoted comments as iptables-save wrote them.
iptables_down() {
  local cmd t chains rules c
  for cmd in iptables ip6tables; do
    for t in filter nat mangle raw; do
      chains=$($cmd-save -t "$t" 2>/dev/null | awk -v ours=" $OUR_CHAINS " '/^:/ {n = substr($1, 2); if (n ~ /^(KUBE-|CNI-)/ || index(ours, " " n " ")) print n}' |
        grep -vxF -f <(baseline_chains "$cmd" "$t") || true)
      [[ -n $chains ]] || continue
      rules=$($cmd-save -t "$t" | grep -E -- "-j ($(echo "$chains" | paste -sd'|'))( |$)" | grep '^-A' | sed 's/^-A/-D/' || true)
      [[ -z $rules ]] || printf '*%s\n%s\nCOMMIT\n' "$t" "$rules" | $cmd-restore --noflush 2>/dev/null || true
      for c in $chains; do $cmd -t "$t" -F "$c" 2>/dev/null || true; done
      for c in $chains; do $cmd -t "$t" -X "$c" 2>/dev/null || true; done
    done
  done
}

# baseline_chains CMD TABLE: the chains that table had before `up`
baseline_chains() {
  [[ -f $RUN/baseline ]] || return 0
  awk -v sec="# $1 $2" '/^# / {on = ($0 == sec); next} on && /^:/ {print substr($1, 2)}' "$RUN/baseline"
}

host_down() {
  iptables_down
  local m
  for m in $(awk '{print $2}' /proc/mounts | grep -E "^(/run/netns/cni-|/var/run/netns/cni-|$RN/|$RUN/.)" | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -f /run/netns/cni-* 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  ip addr del "$NODE_IP/32" dev lo 2>/dev/null || true
  ip addr del "$DNS_IP/32" dev lo 2>/dev/null || true
  local g
  for g in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/unified/kubepods; do
    [[ -d $g ]] && find "$g" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  if [[ -f $RUN/sysctl.saved ]]; then
    while IFS= read -r kv; do sysctl -qw "$kv" 2>/dev/null || true; done <"$RUN/sysctl.saved"
  fi
  if [[ -f $RUN/created-dirs ]]; then
    while IFS= read -r d; do rm -rf "$d"; done <"$RUN/created-dirs"
  fi
}

# ---- configuration ---------------------------------------------------------------
# mkcreds NAME CN [O]: a client certificate signed by the cluster CA, and its kubeconfig
mkcreds() {
  local name=$1 cn=$2 o=${3:-} server subj
  server=$(sed -n 's/^ *server: //p' "$CLUSTER_DIR/kubeconfig.yaml" | head -1)
  subj="/CN=$cn"; [[ -n $o ]] && subj="/O=$o$subj"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$RN/pki/$name.key" -subj "$subj" -out "$RN/pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$RN/pki/$name.csr" -CA "$CLUSTER_DIR/pki/ca.crt" -CAkey "$CLUSTER_DIR/pki/ca.key" \
    -CAcreateserial -days 30 -out "$RN/pki/$name.crt" \
    -extfile <(printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n') 2>/dev/null
  cat >"$RN/pki/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "$server", certificate-authority: "$CLUSTER_DIR/pki/ca.crt"}}]
users: [{name: $name, user: {client-certificate: "$RN/pki/$name.crt", client-key: "$RN/pki/$name.key"}}]
contexts: [{name: local, context: {cluster: local, user: $name}}]
current-context: local
EOF
}

# install_if_changed FILE: moves FILE.new over FILE only when the content
# differs: kube-proxy exits when its config file changes under it.
install_if_changed() {
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
}

write_configs() {
  mkdir -p "$RN/pki" "$RN/cni" "$RN/etc"
  # Credentials for this cluster's CA, made once per CA.
  if ! cmp -s "$CLUSTER_DIR/pki/ca.crt" "$RN/pki/ca.crt" || ! cmp -s "$CLUSTER_DIR/kubeconfig.yaml" "$RN/pki/admin.kubeconfig"; then
    rm -rf "$RN/pki"; mkdir -p "$RN/pki"
    cp "$CLUSTER_DIR/kubeconfig.yaml" "$RN/pki/admin.kubeconfig"
    mkcreds kubelet "system:node:$NODE" system:nodes
    mkcreds kube-proxy system:kube-proxy
    cp "$CLUSTER_DIR/pki/ca.crt" "$RN/pki/ca.crt"
  fi
  # containerd's defaults, with state under $RN and $RUN, our pause image,
  # Debian's CNI plugins, and restrict_oom_score_adj: this VM lacks
  # CAP_SYS_RESOURCE, so runc cannot lower oom_score_adj (the sandbox asks for
  # -998) and every pod would fail with "can't get final child's PID from pipe".
  containerd config default | sed \
    -e "s#^root = .*#root = \"$RN/containerd\"#" \
    -e "s#^state = .*#state = \"$RUN/containerd\"#" \
    -e "s#address = \"/run/containerd/containerd.sock\"#address = \"$SOCK\"#" \
    -e 's#sandbox_image = .*#sandbox_image = "registry.k8s.io/pause:3.10"#' \
    -e 's#bin_dir = "/opt/cni/bin"#bin_dir = "/usr/lib/cni"#' \
    -e "s#conf_dir = \"/etc/cni/net.d\"#conf_dir = \"$RN/cni\"#" \
    -e 's#restrict_oom_score_adj = false#restrict_oom_score_adj = true#' >"$RN/etc/containerd.toml.new"
  # ipMasq false: nothing a pod sends is rewritten to leave as this host.
  cat >"$RN/cni/10-daskk8s.conflist.new" <<EOF
{"cniVersion": "1.0.0", "name": "daskk8s", "plugins": [{
  "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
  "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY"}]],
           "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$RUN/cni-ipam"}}]}
EOF
  : >"$RN/etc/resolv.conf.new"   # pods never learn the host's resolver
  cat >"$RN/etc/kubelet.yaml.new" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false               # this VM has cgroup v1; 1.35+ refuses it unless told
cgroupDriver: cgroupfs            # PID 1 is not systemd
containerRuntimeEndpoint: unix://$SOCK
address: $NODE_IP                 # on lo: nothing listens on a real interface
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
# Anonymous, allow-all: the metrics server and the apiserver (logs, exec,
# port-forward) reach it without client certificates; it listens on lo only.
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: $RN/etc/resolv.conf
failSwapOn: false
makeIPTablesUtilChains: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100  # images are imported by hand and can never be pulled again
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
podCIDR: $POD_CIDR
maxPods: 110
rotateCertificates: false
syncFrequency: 10s
nodeStatusUpdateFrequency: 10s
EOF
  cat >"$RN/etc/kube-proxy.yaml.new" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $RN/pki/kube-proxy.kubeconfig}
hostnameOverride: $NODE
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]                            # NodePorts on the node address only
iptables: {localhostNodePorts: false, masqueradeAll: false}  # leaves route_localnet alone
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}  # 0: leave host sysctls alone
EOF
  cat >"$RN/etc/Corefile.new" <<EOF
.:53 {
    bind $DNS_IP
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $RN/pki/admin.kubeconfig
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loadbalance
}
EOF
  local f
  for f in etc/containerd.toml cni/10-daskk8s.conflist etc/resolv.conf etc/kubelet.yaml etc/kube-proxy.yaml etc/Corefile; do
    install_if_changed "$RN/$f"
  done
}

# The API server's port on 127.0.0.1 (kwokctl picks it), from the cluster's kubeconfig.
apiserver_port() {
  sed -n 's#^ *server: https://127\.0\.0\.1:\([0-9]*\)$#\1#p' "$CLUSTER_DIR/kubeconfig.yaml" | head -1 | grep . ||
    { echo "realnode: no https://127.0.0.1:PORT server in $CLUSTER_DIR/kubeconfig.yaml" >&2; exit 1; }
}

# ---- up / down -----------------------------------------------------------------------
up() {
  CLUSTER_DIR=$(cd "${1:?usage: realnode.sh up CLUSTER_DIR}" && pwd)
  local t0=$SECONDS b taints=()
  APISERVER_PORT=$(apiserver_port)
  [[ $(id -u) == 0 ]] || { echo "realnode: needs root (containers, bridge, iptables)" >&2; exit 1; }
  for b in kubelet kube-proxy coredns pause; do
    [[ -x $BIN/$b ]] || { echo "realnode: $BIN/$b missing: run scripts/toolchain.sh" >&2; exit 1; }
  done
  for b in containerd runc ctr iptables conntrack socat /usr/lib/cni/bridge; do
    command -v "$b" >/dev/null || { echo "realnode: $b missing: run scripts/node-deps.sh" >&2; exit 1; }
  done
  if [[ -f $RUN/cluster-dir && $(cat "$RUN/cluster-dir") != "$CLUSTER_DIR" ]]; then
    echo "realnode: already joined to $(cat "$RUN/cluster-dir"); run 'realnode.sh down' first" >&2; exit 1
  fi
  host_up
  echo "$CLUSTER_DIR" >"$RUN/cluster-dir"
  write_configs
  log "containerd"
  start containerd containerd --config "$RN/etc/containerd.toml"
  wait_for 30 containerd ctr -a "$SOCK" version
  bash "$(dirname "$0")/images.sh" import "$SOCK"
  start wheel-index python3 -m http.server "$WHEEL_PORT" --bind "$NODE_IP" --directory "$WHEELHOUSE"
  log "kubelet"
  mkdir -p "$RN/kubelet"
  if [[ $(kc get nodes -l '!daskk8s.io/node' -o name 2>/dev/null | wc -l) -gt 0 ]]; then taints=(--register-with-taints "$TAINT"); fi
  start kubelet kubelet --config "$RN/etc/kubelet.yaml" --kubeconfig "$RN/pki/kubelet.kubeconfig" \
    --root-dir "$RN/kubelet" --cert-dir "$RN/kubelet/pki" --hostname-override "$NODE" --node-ip "$NODE_IP" \
    --node-labels "$LABEL" "${taints[@]}" --v=1
  wait_for 120 "node $NODE Ready" kc wait --for=condition=Ready "node/$NODE" --timeout=2s
  start kube-proxy kube-proxy --config "$RN/etc/kube-proxy.yaml" --v=1
  start coredns coredns -conf "$RN/etc/Corefile"
  # The API server's advertised address, for pods (KEDA's operator, say).
  start apiserver-forwarder socat "TCP-LISTEN:$APISERVER_PORT,bind=$NODE_IP,reuseaddr,fork" "TCP:127.0.0.1:$APISERVER_PORT"
  wait_for 60 coredns curl -fsS http://127.0.0.1:18181/ready
  wait_for 30 "the API server at the node address" curl -fsS -o /dev/null --cacert "$CLUSTER_DIR/pki/ca.crt" \
    --cert "$CLUSTER_DIR/pki/admin.crt" --key "$CLUSTER_DIR/pki/admin.key" "https://$NODE_IP:$APISERVER_PORT/readyz"
  wait_for 30 "wheel index" curl -fsS "http://$NODE_IP:$WHEEL_PORT/simple/"
  log "up in $((SECONDS - t0))s: node $NODE (${taints[*]:+tainted $TAINT, }label $LABEL), pods on $POD_CIDR, DNS $DNS_IP, wheels http://$NODE_IP:$WHEEL_PORT/simple/"
}

down() {
  local t0=$SECONDS id
  [[ -d $RUN ]] || return 0
  if [[ -n ${1:-} && -f $RUN/cluster-dir && $(cat "$RUN/cluster-dir") != "$(cd "$1" 2>/dev/null && pwd || echo "$1")" ]]; then
    return 0  # joined to another cluster: not ours to stop
  fi
  # Let the kubelet tear its pods down (CNI DEL, unmounts) while it still runs.
  if running kubelet && kc get node "$NODE" >/dev/null 2>&1; then
    kc cordon "$NODE" >/dev/null 2>&1 || true   # else Deployments put new pods right back
    kc delete pods -A --field-selector "spec.nodeName=$NODE" --grace-period=5 --wait=false >/dev/null 2>&1 || true
    wait_for 60 "pod sandboxes to stop" bash -c "[[ -z \$(ctr -a $SOCK -n k8s.io tasks ls -q) ]]" || true
  fi
  stop apiserver-forwarder; stop coredns; stop kube-proxy; stop kubelet; stop wheel-index
  kc delete node "$NODE" --wait=false >/dev/null 2>&1 || true
  if [[ -S $SOCK ]]; then
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s KILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true; done
  fi
  stop containerd
  [[ -x $BIN/kube-proxy ]] && "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  host_down
  local baseline=$RUN/baseline
  if [[ -f $baseline ]] && ! diff "$baseline" <(snapshot) >"$RN/logs/down.diff"; then
    # $RUN stays: the next `down` retries against the same baseline.
    cat "$RN/logs/down.diff" >&2
    log "down in $((SECONDS - t0))s, but the host differs from before 'up' (above, < before, > now; $RN/logs/down.diff)"
    exit 1
  fi
  rm -rf "$RUN"
  log "down in $((SECONDS - t0))s; host restored (iptables, sysctls, addresses, routes, mounts)"
}

status() {
  local n rc=0
  for n in containerd kubelet kube-proxy coredns wheel-index apiserver-forwarder; do
    if running "$n"; then echo "$n: running (pid $(cat "$RUN/pids/$n.pid"))"; else echo "$n: stopped"; rc=3; fi
  done
  return $rc
}

case ${1:-} in
  up) shift; up "$@" ;;
  down) shift; down "$@" ;;
  status) status ;;
  snapshot) snapshot ;;
  containers) [[ -S $SOCK ]] && ctr_ tasks ls -q 2>/dev/null | while read -r id; do
      # the pod sandboxes (pause) are containers too; list only workloads
      [[ $(ctr_ containers info "$id" 2>/dev/null | grep -c '"io.cri-containerd.kind": "container"') -gt 0 ]] && echo "$id"
    done; true ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
