#!/bin/bash
# /run.sh, the 2026.x dask-notebook look-alike's command (run by start.sh).
# shellcheck disable=SC2086 # JUPYTERLAB_ARGS: extra arguments, word-split
jupyter lab --NotebookApp.base_url="${NB_PREFIX:-/}" --NotebookApp.allow_origin="*" ${JUPYTERLAB_ARGS}
