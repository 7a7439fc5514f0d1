# shellcheck shell=bash disable=SC2034
# ghcr.io/dask/dask{,-notebook}:2026.7.1 (dask-docker tag 2026.7.1, the
# newest published image tag; from 2026.6.0 on only `dask scheduler` and
# `dask worker` exist). numpy 2.2 and pandas 2.3 are the last lines that
# support upstream's Python 3.10; the others are the releases current on
# 2026-07-14, the tag's build date. Python: 3.11 from Debian 12.
DASK_PIP="dask==2026.7.1 distributed==2026.7.1 numpy==2.2.6 pandas==2.3.3 bokeh==3.8.2 pyarrow==21.0.0
  lz4==4.4.4 cytoolz==1.0.1 msgpack==1.1.1 tornado==6.5.2 cachey==0.2.1 streamz==0.6.4"
NOTEBOOK_PIP="jupyterlab==4.6.1 jupyter_server==2.20.0 dask-labextension==7.0.0 ipywidgets==8.1.7"
NOTEBOOK_START=hook
JUPYTER_IP=
STRICT=1
