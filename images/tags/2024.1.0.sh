# shellcheck shell=bash disable=SC2034
# ghcr.io/dask/dask{,-notebook}:2024.1.0 (dask-docker tag 2024.1.0; the dask
# chart 2024.1.1's images). Upstream resolves conda packages at build time;
# these pins are the releases current on 2024-01-13, the tag's build date.
# Python: upstream runs 3.10, Debian 12 has 3.11 (no 3.10 is reachable here).
DASK_PIP="dask==2024.1.0 distributed==2024.1.0 numpy==1.26.3 pandas==2.1.4 bokeh==3.3.3 pyarrow==14.0.2
  pyarrow-hotfix==0.6 lz4==4.3.3 cytoolz==0.12.2 msgpack==1.0.7 tornado==6.3.3 cachey==0.2.1 streamz==0.6.4"
NOTEBOOK_PIP="jupyterlab==4.0.10 jupyter_server==2.12.4 dask-labextension==7.0.0 ipywidgets==8.1.1 blosc==1.11.1"
# Notebook start: 2024 = entry point `tini -- /usr/bin/prepare.sh`, which execs
# start.sh jupyter lab; hook = `tini -g -- start.sh` + before-notebook.d hook + /run.sh.
NOTEBOOK_START=2024
JUPYTER_IP=0.0.0.0
# prepare.sh stops at a failed install (upstream's `set -e`, from 2025.5 on).
STRICT=0
