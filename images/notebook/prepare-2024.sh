#!/bin/bash
# /usr/bin/prepare.sh of the 2024.x dask-notebook look-alike, its entry point
# (`tini -- /usr/bin/prepare.sh`): extra packages, then JupyterLab through
# start.sh. The container's own arguments are ignored, as upstream;
# JUPYTERLAB_ARGS is word-split into extra `jupyter lab` arguments.
set -x
. /usr/local/lib/daskk8s/install-extras.sh
install_extras sudo
# shellcheck disable=SC2086
exec start.sh jupyter lab --NotebookApp.base_url="${NB_PREFIX:-/}" ${JUPYTERLAB_ARGS}
