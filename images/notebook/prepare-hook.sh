# shellcheck shell=bash
# /usr/local/bin/before-notebook.d/prepare.sh of the 2026.x dask-notebook
# look-alike: start.sh sources it before running the command, so its
# `set -e` stays on and a failed install stops the container, as upstream.
set -ex -o pipefail
. /usr/local/lib/daskk8s/install-extras.sh
install_extras sudo
