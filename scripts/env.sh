# shellcheck shell=bash
# Source this (`. scripts/env.sh`) to use the toolchain built by scripts/toolchain.sh.
# Plugins are found on PATH next to `pulumi` (the engine prefers "ambient"
# plugins), and nothing may reach for the network: no update check, no plugin
# downloads. PULUMI_HOME is deliberately left as it is.
DASKK8S_TOOLS_DIR=${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}
export DASKK8S_TOOLS_DIR
case ":$PATH:" in
  *":$DASKK8S_TOOLS_DIR/bin:"*) ;;
  *) export PATH="$DASKK8S_TOOLS_DIR/bin:$PATH" ;;
esac
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
