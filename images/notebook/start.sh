#!/bin/bash
# /usr/local/bin/start.sh of the dask-notebook look-alike: the part of the
# Jupyter docker-stacks start script a non-root jovyan goes through. Runs the
# start-notebook.d hooks, then the before-notebook.d hooks (`*.sh` files are
# sourced into this shell, other executables run), then execs the command
# (bash without one). Run as root, the official script also remaps the user and
# drops to it with sudo; pods of the chart run as jovyan, so that is left out
# and this script refuses root instead of pretending.
set -e
if [ "$(id -u)" = 0 ]; then
    echo "start.sh: this look-alike runs as jovyan only (uid 1000), not as root" >&2
    exit 1
fi
if [ "${_START_SH_EXECUTED:-0}" = 1 ]; then
    exec "${@:-bash}"
fi
export _START_SH_EXECUTED=1

run_hooks() {
    local f
    [ -d "$1" ] || return 0
    for f in "$1"/*; do
        # shellcheck disable=SC1090 # hooks are whatever the image put there
        case $f in
            *.sh) echo "start.sh: sourcing $f"; . "$f" ;;
            *) if [ -x "$f" ]; then echo "start.sh: running $f"; "$f" || echo "start.sh: $f has failed, continuing"; fi ;;
        esac
    done
}

run_hooks /usr/local/bin/start-notebook.d
[ -w "$HOME" ] || echo "start.sh: warning: $HOME is not writable" >&2
run_hooks /usr/local/bin/before-notebook.d
exec "${@:-bash}"
