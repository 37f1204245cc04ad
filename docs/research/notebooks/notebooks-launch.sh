#!/bin/bash
# usage: launch.sh NBDIR PORT BASEURL   (token read from $NBDIR/token, written without newline, mode 0600)
NB=$1; PORT=$2; BASE=$3
mkdir -p "$NB/workspace" "$NB/.jupyter/runtime" "$NB/.jupyter/data" "$NB/.jupyter/config" "$NB/.ipython" "$NB/home"
export HOME="$NB/home" \
  JUPYTER_CONFIG_DIR="$NB/.jupyter/config" JUPYTER_DATA_DIR="$NB/.jupyter/data" \
  JUPYTER_RUNTIME_DIR="$NB/.jupyter/runtime" IPYTHONDIR="$NB/.ipython" \
  JUPYTER_PLATFORM_DIRS=1 XDG_CACHE_HOME="$NB/home/.cache" \
  JUPYTER_TOKEN_FILE="$NB/token" PYTHONUNBUFFERED=1
exec /tmp/jl-venv/bin/jupyter-lab \
  --no-browser --allow-root \
  --ServerApp.ip=127.0.0.1 --ServerApp.port="$PORT" --ServerApp.port_retries=0 \
  --ServerApp.base_url="$BASE" \
  --ServerApp.password= \
  --ServerApp.root_dir="$NB/workspace" \
  --ServerApp.open_browser=False \
  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
  --LabApp.extension_manager=readonly \
  --ServerApp.quit_button=False \
  --ServerApp.allow_remote_access=True \
  --ServerApp.trust_xheaders=True \
  --LanguageServerManager.autodetect=False
