# /etc/jupyter/jupyter_server_config.py of the dask-notebook look-alike: the
# settings of the Jupyter docker-stacks file the official image adds. No port
# is set: jupyter_server's default, 8888. (Its GEN_CERT self-signed
# certificate is not reproduced.)
import os

c = get_config()  # noqa: F821
c.ServerApp.ip = "@JUPYTER_IP@"  # scripts/images.sh: "0.0.0.0" up to 2024.x, "" (IPv4 and IPv6) later
c.ServerApp.open_browser = False
c.InlineBackend.figure_formats = {"png", "jpeg", "svg", "pdf"}
c.FileContentsManager.delete_to_trash = False
if "NB_UMASK" in os.environ:
    os.umask(int(os.environ["NB_UMASK"], 8))
