#!/bin/bash
# /usr/bin/prepare.sh of the dask look-alike (scheduler and workers), started
# as `tini -g -- /usr/bin/prepare.sh <command>`: extra packages, then the
# command. Images from 2025.5 on stop at a failed install (DASK_IMAGE_STRICT=1
# in the image), 2024.1.0 traces the failure and starts anyway.
if [ "$DASK_IMAGE_STRICT" = 1 ]; then set -ex -o pipefail; else set -x; fi
. /usr/local/lib/daskk8s/install-extras.sh
install_extras
exec "$@"
