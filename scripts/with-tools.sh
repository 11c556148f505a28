#!/usr/bin/env bash
# Runs a command with the engine from `npm run tools` and settings that keep it offline:
# no update check, no plugin downloads, plugins from the tools' PULUMI_HOME.
set -euo pipefail
TOOLS_DIR=${HAPROXY_HA_TOOLS:-/var/cache/haproxy-ha/tools}
[ -x "$TOOLS_DIR/bin/pulumi" ] || { echo "the Pulumi engine is not prepared: run 'npm run tools' first" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$TOOLS_DIR/bin:$ROOT/node_modules/.bin:$PATH"
export PULUMI_HOME="$TOOLS_DIR/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Plugins come from PULUMI_HOME at the exact versions package-lock.json names, not from PATH.
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
exec "$@"
