# shellcheck shell=bash
# Sourced by the look-alike images' start scripts: installs what the
# EXTRA_APT_PACKAGES, EXTRA_CONDA_PACKAGES and EXTRA_PIP_PACKAGES variables
# name, in that order, as the official dask images do at start. The values
# are word-split on purpose (upstream leaves them unquoted), so flags pass
# through: EXTRA_CONDA_PACKAGES="numba -c conda-forge".
#
# install_extras [PREFIX]   PREFIX runs apt (the notebook image: sudo, as jovyan)
install_extras() {
    local as=${1:-}
    if [ -n "$EXTRA_APT_PACKAGES" ]; then
        echo "installing EXTRA_APT_PACKAGES: $EXTRA_APT_PACKAGES"
        $as apt-get update -y
        # shellcheck disable=SC2086
        $as apt-get install -y $EXTRA_APT_PACKAGES
    fi
    # Official images have conda (or mamba with USE_MAMBA=true) in /opt/conda/bin;
    # a look-alike has none, as nothing here serves conda packages, so the
    # command fails the way an offline conda would.
    local conda=/opt/conda/bin/conda
    [ "$USE_MAMBA" = true ] && conda=/opt/conda/bin/mamba
    if [ -e /opt/app/environment.yml ]; then
        "$conda" env update -f /opt/app/environment.yml
    fi
    if [ -n "$EXTRA_CONDA_PACKAGES" ]; then
        echo "installing EXTRA_CONDA_PACKAGES: $EXTRA_CONDA_PACKAGES"
        # shellcheck disable=SC2086
        "$conda" install -y $EXTRA_CONDA_PACKAGES
    fi
    if [ -n "$EXTRA_PIP_PACKAGES" ]; then
        echo "installing EXTRA_PIP_PACKAGES: $EXTRA_PIP_PACKAGES"
        # shellcheck disable=SC2086
        /opt/conda/bin/pip install $EXTRA_PIP_PACKAGES
    fi
}
