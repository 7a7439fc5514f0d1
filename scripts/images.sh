#!/usr/bin/env bash
# Container images for the local real node (scripts/realnode.sh), built from
# Debian packages and PyPI with no registry: look-alikes of the official
# ghcr.io/dask/dask and ghcr.io/dask/dask-notebook images for the tags in
# images/tags/, that start the way the official ones do (what each step
# reproduces is said next to it), plus registry.k8s.io/pause from
# scripts/pause and KEDA's operator and metrics adapter (ghcr.io/kedacore/keda
# and keda-metrics-apiserver) from the binaries scripts/toolchain.sh builds
# from KEDA's Go module at the chart's app version. Also the wheel index pods install EXTRA_PIP_PACKAGES from,
# and a Dask client on this host matching each tag. Not reproduced, as
# neither the chart nor the program uses them: conda, the notebook's kubectl,
# graphviz and examples, and start.sh's root mode (user remapping with sudo).
#
# Usage: scripts/images.sh build           build what is not cached (needs root: mmdebstrap)
#        scripts/images.sh import SOCKET   load every image into the real node's containerd
#        scripts/images.sh client TAG      print the python of a host venv with that tag's Dask
#        scripts/images.sh wheelhouse      print the wheel index directory
#
# Images are cached as zstd-compressed docker-archive tars whose names carry a
# hash of everything that goes into them (this script, images/, the tag's
# pins), so changing a recipe rebuilds exactly the images it affects.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
RECIPES=$REPO/images
TOOLS=${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}
CACHE=$(dirname "$TOOLS")/images
WHEELHOUSE=${DASKK8S_REALNODE_DIR:-$(dirname "$TOOLS")/realnode}/wheelhouse
CLIENTS=$(dirname "$TOOLS")/dask-clients
PAUSE_REF=registry.k8s.io/pause:3.10
KEDA_VERSION=2.20.2   # = scripts/toolchain.sh's KEDA_VERSION, the keda chart's appVersion
# The real node's wheel index (scripts/realnode.sh serves $WHEELHOUSE there):
# the images' pip looks nowhere else, as pods reach nothing off this machine.
WHEEL_INDEX=http://10.245.0.1:8870/simple/
SUITE=bookworm
export CGO_ENABLED=0

log() { printf '%s images: %s\n' "$(date +%H:%M:%S)" "$*"; }
tags() { local f; for f in "$RECIPES"/tags/*.sh; do basename "$f" .sh; done; }

# recipe_hash DIR TAG: what an image of that tag is made of (this script, the
# tag's pins, images/common and images/DIR), so that editing the notebook's
# files rebuilds only the notebook images
recipe_hash() {
  { cat "$HERE/images.sh" "$RECIPES/tags/$2.sh"; find "$RECIPES/common" "$RECIPES/$1" -type f -print0 | sort -z | xargs -0 cat; } |
    sha256sum | cut -c1-16
}
cached() { echo "$CACHE/$1-$2-$3.tar.zst"; } # cached NAME TAG HASH

# mkimage ROOTFS REF OUT CONFIG_JSON: one-layer docker-archive, zstd-compressed
mkimage() {
  local rootfs=$1 ref=$2 out=$3 cfg=$4 work diff cid
  work=$(mktemp -d "$CACHE/.mkimage.XXXXXX")
  tar --numeric-owner --xattrs --sort=name --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
  diff=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$cfg" "$diff" >"$work/config.json"
  cid=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/$cid.json"
  mkdir "$work/$diff"; mv "$work/layer.tar" "$work/$diff/layer.tar"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cid" "$ref" "$diff" >"$work/manifest.json"
  tar -C "$work" -cf - manifest.json "$cid.json" "$diff" | zstd -q -T0 -6 -o "$out.part"
  mv "$out.part" "$out"; rm -rf "$work"
  log "$ref: $(du -h "$out" | cut -f1) ($out)"
}

# The Debian mirror this host's apt uses for $SUITE (no mirror is named in
# this repository), or DASKK8S_DEBIAN_MIRROR: from deb822 sources whose
# Suites name $SUITE, else from one-line `deb URI $SUITE ...` entries.
sources() {
  if [[ -n ${DASKK8S_DEBIAN_MIRROR:-} ]]; then echo "$DASKK8S_DEBIAN_MIRROR"; return; fi
  {
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | awk -v suite="$SUITE" '
      /^URIs:/ {uris = $2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == suite) hit = 1}
      /^[[:space:]]*$/ {if (hit && uris != "") print uris; hit = 0; uris = ""}
      END {if (hit && uris != "") print uris}'
    { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } | sed 's/\[[^]]*\]//' | awk -v suite="$SUITE" '$1 == "deb" && $3 == suite {print $2}'
  } | head -1
}

# base_rootfs DIR: Debian 12 with Python and tini. Upstream: a conda base on
# Ubuntu with /usr/bin/tini; here Debian's python3 in a venv at /opt/conda, so
# /opt/conda/bin/{python,pip} and the PATH are where the official images have them.
base_rootfs() {
  local dir=$1 mirror extra=${2:-}
  mirror=$(sources)
  [[ -n $mirror ]] || { echo "images: apt has no source for Debian $SUITE here; set DASKK8S_DEBIAN_MIRROR to a mirror URL" >&2; exit 1; }
  # Host CA bundle for pip inside the chroot (TLS may be intercepted on the way
  # to the registry); the host's own pip settings must not leak in.
  env -u PIP_FIND_LINKS -u PIP_CERT -u REQUESTS_CA_BUNDLE mmdebstrap --quiet --mode=root --variant=minbase \
    --aptopt='APT::Install-Recommends "false"' \
    --include="python3,python3-venv,tini,ca-certificates,procps,bash$extra" \
    "$SUITE" "$dir" "$mirror" >"$CACHE/logs/mmdebstrap.log" 2>&1 ||
    { tail -20 "$CACHE/logs/mmdebstrap.log" >&2; exit 1; }
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/tmp/host-ca.crt"
  chroot "$dir" python3 -m venv /opt/conda
}

pip_in() { # pip_in ROOT ARGS...: the image's pip, with the host's CA bundle and nothing else of the host's
  chroot "$1" env -i PATH=/opt/conda/bin:/usr/bin:/bin HOME=/root PIP_CERT=/tmp/host-ca.crt \
    PIP_DEFAULT_TIMEOUT=180 PIP_DISABLE_PIP_VERSION_CHECK=1 /opt/conda/bin/pip "${@:2}"
}

finish_rootfs() { # finish_rootfs ROOT: no build leftovers; pip points at the node's wheel index
  local root=$1
  rm -f "$root/etc/resolv.conf" "$root/tmp/host-ca.crt"
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/root/.cache
  find "$root/opt/conda" -name '__pycache__' -prune -exec rm -rf {} +
  # Upstream's pip reaches PyPI; these pods reach only the node.
  printf '[global]\nindex-url = %s\ntrusted-host = %s\ntimeout = 15\n' "$WHEEL_INDEX" "$(echo "$WHEEL_INDEX" | cut -d/ -f3 | cut -d: -f1)" >"$root/etc/pip.conf"
  install -D -m 644 "$RECIPES/common/install-extras.sh" "$root/usr/local/lib/daskk8s/install-extras.sh"
  mkdir -p "$root/opt/app"   # upstream: environment.yml there is applied at start
}

build_dask() { # build_dask TAG OUT
  local tag=$1 out=$2 root; root=$(mktemp -d "$CACHE/.rootfs.XXXXXX")
  # shellcheck source=/dev/null
  . "$RECIPES/tags/$tag.sh"
  base_rootfs "$root"
  # shellcheck disable=SC2086
  pip_in "$root" install --no-cache-dir $DASK_PIP >"$CACHE/logs/dask-$tag.pip.log" 2>&1 ||
    { tail -20 "$CACHE/logs/dask-$tag.pip.log" >&2; exit 1; }
  finish_rootfs "$root"
  install -m 755 "$RECIPES/dask/prepare.sh" "$root/usr/bin/prepare.sh"
  # Upstream: ENTRYPOINT tini -g -- /usr/bin/prepare.sh, no CMD, root, WORKDIR /.
  mkimage "$root" "ghcr.io/dask/dask:$tag" "$out" "$(printf '{"Entrypoint":["tini","-g","--","/usr/bin/prepare.sh"],"Env":[%s],"WorkingDir":"/"}' \
    "\"PATH=/opt/conda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"LANG=C.UTF-8\",\"LC_ALL=C.UTF-8\",\"DASK_VERSION=$tag\",\"DASK_IMAGE_STRICT=$STRICT\"")"
  rm -rf "$root"
}

build_notebook() { # build_notebook TAG OUT
  local tag=$1 out=$2 root cfg; root=$(mktemp -d "$CACHE/.rootfs.XXXXXX")
  # shellcheck source=/dev/null
  . "$RECIPES/tags/$tag.sh"
  base_rootfs "$root" ",sudo,curl,git"
  # shellcheck disable=SC2086
  pip_in "$root" install --no-cache-dir $DASK_PIP $NOTEBOOK_PIP >"$CACHE/logs/notebook-$tag.pip.log" 2>&1 ||
    { tail -20 "$CACHE/logs/notebook-$tag.pip.log" >&2; exit 1; }
  finish_rootfs "$root"
  # Upstream (docker-stacks foundation): user jovyan, uid 1000, primary group
  # users (gid 100), home /home/jovyan; may run apt through sudo.
  chroot "$root" useradd --no-log-init --create-home --shell /bin/bash --uid 1000 --gid 100 --no-user-group jovyan
  echo 'jovyan ALL = NOPASSWD : /usr/bin/apt-get , /usr/bin/apt' >"$root/etc/sudoers.d/jovyan"
  chown -R 1000:100 "$root/opt/conda"   # jovyan installs EXTRA_PIP_PACKAGES into it
  install -m 755 "$RECIPES/notebook/start.sh" "$root/usr/local/bin/start.sh"
  mkdir -p "$root/usr/local/bin/start-notebook.d" "$root/usr/local/bin/before-notebook.d"
  # Upstream: /etc/jupyter/jupyter_server_config.py (the one jupyter_server 2
  # reads) and its NotebookApp copy, jupyter_notebook_config.py (read by nothing now).
  mkdir -p "$root/etc/jupyter"
  sed "s/@JUPYTER_IP@/$JUPYTER_IP/" "$RECIPES/notebook/jupyter_server_config.py" >"$root/etc/jupyter/jupyter_server_config.py"
  sed 's/c\.ServerApp/c.NotebookApp/g' "$root/etc/jupyter/jupyter_server_config.py" >"$root/etc/jupyter/jupyter_notebook_config.py"
  local env="\"PATH=/opt/conda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"LANG=C.UTF-8\",\"LC_ALL=C.UTF-8\",\"SHELL=/bin/bash\",\"NB_USER=jovyan\",\"NB_UID=1000\",\"NB_GID=100\",\"HOME=/home/jovyan\",\"CONDA_DIR=/opt/conda\",\"DASK_VERSION=$tag\""
  if [[ $NOTEBOOK_START == 2024 ]]; then
    # Upstream 2024.x: ENTRYPOINT tini -- /usr/bin/prepare.sh (no -g, no CMD),
    # which installs the extras and execs start.sh jupyter lab.
    install -m 755 "$RECIPES/notebook/prepare-2024.sh" "$root/usr/bin/prepare.sh"
    cfg=$(printf '{"Entrypoint":["tini","--","/usr/bin/prepare.sh"],"User":"jovyan","Env":[%s],"WorkingDir":"/home/jovyan"}' "$env")
  else
    # Upstream 2025.1+: foundation's ENTRYPOINT tini -g -- start.sh, prepare.sh
    # as a before-notebook hook, CMD '/run.sh' in the shell form of SHELL
    # ["/bin/bash","-o","pipefail","-c"].
    install -m 644 "$RECIPES/notebook/prepare-hook.sh" "$root/usr/local/bin/before-notebook.d/prepare.sh"
    install -m 755 "$RECIPES/notebook/run.sh" "$root/run.sh"
    cfg=$(printf '{"Entrypoint":["tini","-g","--","start.sh"],"Cmd":["/bin/bash","-o","pipefail","-c","'"'"'/run.sh'"'"'"],"User":"jovyan","Env":[%s],"WorkingDir":"/home/jovyan"}' "$env")
  fi
  mkimage "$root" "ghcr.io/dask/dask-notebook:$tag" "$out" "$cfg"
  rm -rf "$root"
}

build_pause() {
  local out=$1 root; root=$(mktemp -d "$CACHE/.rootfs.XXXXXX")
  [[ -x $TOOLS/bin/pause ]] || { echo "images: $TOOLS/bin/pause missing: run scripts/toolchain.sh" >&2; exit 1; }
  install -m 755 "$TOOLS/bin/pause" "$root/pause"
  mkimage "$root" "$PAUSE_REF" "$out" '{"Entrypoint":["/pause"],"User":"65535:65535"}'
  rm -rf "$root"
}

# build_keda BINARY REPOSITORY OUT: KEDA's upstream images are distroless/static
# with one binary at / running as the distroless `nonroot` user (the chart sets
# runAsNonRoot, which a root image would fail) and these entry points.
build_keda() {
  local binary=$1 repository=$2 out=$3 root entry
  root=$(mktemp -d "$CACHE/.rootfs.XXXXXX")
  [[ -x $TOOLS/bin/$binary ]] || { echo "images: $TOOLS/bin/$binary missing: run scripts/toolchain.sh keda" >&2; exit 1; }
  case $binary in
    keda-operator) install -m 755 "$TOOLS/bin/$binary" "$root/keda"; entry='["/keda","--zap-log-level=info","--zap-encoder=console"]' ;;
    keda-adapter) install -m 755 "$TOOLS/bin/$binary" "$root/keda-adapter"; entry='["/keda-adapter","--secure-port=6443","--logtostderr=true","--v=0"]' ;;
  esac
  mkdir -p "$root/etc" "$root/tmp"; chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
  mkimage "$root" "ghcr.io/$repository:$KEDA_VERSION" "$out" "{\"Entrypoint\":$entry,\"User\":\"65532:65532\",\"WorkingDir\":\"/\"}"
  rm -rf "$root"
}

# Every image this script makes, as "NAME TAG FILE".
images() {
  local tag binary
  echo "pause 3.10 $(cached pause 3.10 "$(sha256sum "$TOOLS/bin/pause" 2>/dev/null | cut -c1-16)")"
  for binary in keda-operator keda-adapter; do
    echo "$binary $KEDA_VERSION $(cached "$binary" "$KEDA_VERSION" "$(cat "$HERE/images.sh" "$TOOLS/bin/$binary" 2>/dev/null | sha256sum | cut -c1-16)")"
  done
  for tag in $(tags); do
    echo "dask $tag $(cached dask "$tag" "$(recipe_hash dask "$tag")")"
    echo "dask-notebook $tag $(cached dask-notebook "$tag" "$(recipe_hash notebook "$tag")")"
  done
}

# PEP 503 layout (simple/<normalised name>/<wheel>) that http.server's
# directory listings turn into an index pip reads.
build_wheelhouse() {
  local spec stamp want tmp w name
  want=$(grep -v '^\s*#' "$RECIPES/wheels.txt" | sed '/^\s*$/d' | sort | sha256sum | cut -c1-16)
  stamp=$WHEELHOUSE/.stamp
  [[ -f $stamp && $(cat "$stamp") == "$want" ]] && return 0
  rm -rf "$WHEELHOUSE"; mkdir -p "$WHEELHOUSE/simple"; tmp=$(mktemp -d)
  while read -r spec; do
    # With their dependencies: the pods' pip sees no other index.
    env -u PIP_FIND_LINKS python3 -m pip download --quiet --only-binary=:all: --python-version 3.11 \
      --platform manylinux_2_36_x86_64 --platform manylinux2014_x86_64 --platform any -d "$tmp" "$spec"
  done < <(grep -v '^\s*#' "$RECIPES/wheels.txt" | sed '/^\s*$/d')
  for w in "$tmp"/*.whl; do
    name=$(basename "$w" | cut -d- -f1 | tr 'A-Z_.' 'a-z--')
    mkdir -p "$WHEELHOUSE/simple/$name"; mv "$w" "$WHEELHOUSE/simple/$name/"
  done
  rm -rf "$tmp"; echo "$want" >"$stamp"
  log "wheel index: $(find "$WHEELHOUSE/simple" -name '*.whl' | wc -l) wheels in $WHEELHOUSE"
}

build() {
  [[ $(id -u) == 0 ]] || { echo "images: building needs root (mmdebstrap, chroot)" >&2; exit 1; }
  mkdir -p "$CACHE/logs"
  # One build at a time; a failed or killed one leaves no half-made tree behind.
  exec 9>"$CACHE/.lock"
  flock 9
  rm -rf "$CACHE"/.rootfs.* "$CACHE"/.mkimage.*
  trap 'rm -rf "$CACHE"/.rootfs.* "$CACHE"/.mkimage.*' EXIT
  local t0=$SECONDS name tag file
  while read -r name tag file; do
    [[ -f $file ]] && continue
    log "building $name:$tag (logs: $CACHE/logs)"
    rm -f "$CACHE/$name-$tag-"*.tar.zst*   # an older recipe's image
    case $name in
      pause) build_pause "$file" ;;
      keda-operator) build_keda keda-operator kedacore/keda "$file" ;;
      keda-adapter) build_keda keda-adapter kedacore/keda-metrics-apiserver "$file" ;;
      dask) build_dask "$tag" "$file" ;;
      dask-notebook) build_notebook "$tag" "$file" ;;
    esac
  done < <(images)
  build_wheelhouse
  # The host clients the tests and scripts/up.sh use, while we are at it.
  for tag in $(tags); do client "$tag" >/dev/null; done
  log "images ready in $((SECONDS - t0))s"
}

import() {
  local sock=${1:?usage: images.sh import SOCKET} name tag file ref have
  have=$(ctr -a "$sock" -n k8s.io images ls -q)
  while read -r name tag file; do
    [[ -f $file ]] || { echo "images: $file missing: run scripts/images.sh build" >&2; exit 1; }
    ref=$name:$tag
    case $name in
      pause) ref=$PAUSE_REF ;;
      keda-operator) ref=ghcr.io/kedacore/keda:$tag ;;
      keda-adapter) ref=ghcr.io/kedacore/keda-metrics-apiserver:$tag ;;
      *) ref=ghcr.io/dask/$ref ;;
    esac
    # Re-import when the cached file is newer than what containerd holds.
    if grep -qx "$ref" <<<"$have" && [[ -f $file.imported && ! $file -nt $file.imported ]]; then continue; fi
    log "import $ref"
    zstd -dc "$file" | ctr -a "$sock" -n k8s.io images import - >/dev/null
    touch "$file.imported"
  done < <(images)
}

# A venv on this host with the tag's Dask, for clients that talk to the
# cluster (Dask wants client and cluster on the same version).
client() {
  local tag=${1:?usage: images.sh client TAG} dir
  [[ -f $RECIPES/tags/$tag.sh ]] || { echo "images: no images/tags/$tag.sh (tags: $(tags | tr '\n' ' '))" >&2; exit 2; }
  # shellcheck source=/dev/null
  . "$RECIPES/tags/$tag.sh"
  dir=$CLIENTS/$tag-$(echo "$DASK_PIP" | sha256sum | cut -c1-12)
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir"; python3 -m venv "$dir"
    # shellcheck disable=SC2086
    env -u PIP_FIND_LINKS "$dir/bin/pip" install --quiet --disable-pip-version-check $DASK_PIP >&2
    touch "$dir/.complete"
  fi
  echo "$dir/bin/python"
}

case ${1:-} in
  build) build ;;
  import) shift; import "$@" ;;
  client) shift; client "$@" ;;
  wheelhouse) echo "$WHEELHOUSE" ;;
  *) sed -n '2,18p' "$0"; exit 2 ;;
esac
