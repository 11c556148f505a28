#!/usr/bin/env bash
# Prepares the Pulumi engine without downloading anything but Go modules: builds the Pulumi CLI,
# the Node.js language host and the two provider plugins from the Go module proxy into a cached
# tool directory outside git, installs the plugins into the tools' PULUMI_HOME at the versions
# package-lock.json asks for, and prints what it used. Rebuilds only when an input changed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS_DIR=${HAPROXY_HA_TOOLS:-/var/cache/haproxy-ha/tools}
BIN="$TOOLS_DIR/bin"
export PULUMI_HOME="$TOOLS_DIR/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$BIN" "$PULUMI_HOME"

CLI_VERSION=v3.248.0          # tools/engine/cli/go.mod pins pkg/v3 and sdk/v3 at this version
LANGHOST_VERSION=v3.67.1      # newest sdk/v3 that still carries the language host (see README)
lock_version() { node -e "console.log(require('$ROOT/package-lock.json').packages['node_modules/$1'].version)"; }
COMMAND_VERSION=$(lock_version @pulumi/command)
RANDOM_VERSION=$(lock_version @pulumi/random)

die() { echo "tools: $*" >&2; exit 1; }
# Go's official tarball installs to /usr/local/go, which a non-login shell may not have on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || die "Go ≥ 1.25 is needed to build the Pulumi engine (none on PATH or in /usr/local/go)"

# A build's cache key: its module files, its sources and the version it is stamped with.
stamp_of() { (cd "$ROOT/$1" && find . -name '*.go' -o -name go.mod -o -name go.sum | sort | xargs sha256sum; echo "$2") | sha256sum | cut -c1-16; }

# build <module dir> <package> <output name> <version> [ldflags]
build() {
    local dir=$1 pkg=$2 out=$3 version=$4 ldflags=${5:-}
    local stamp; stamp=$(stamp_of "$dir" "$version")
    if [ -x "$BIN/$out" ] && [ "$(cat "$BIN/$out.stamp" 2>/dev/null)" = "$stamp" ]; then
        echo "tools: cached $out $version"
        return
    fi
    echo "tools: building $out $version (several minutes on 2 cores the first time) ..."
    local start=$SECONDS
    (cd "$ROOT/$dir" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w $ldflags" -o "$BIN/$out.tmp" "$pkg") \
        || die "building $out from $dir failed (see the go output above)"
    mv -f "$BIN/$out.tmp" "$BIN/$out"
    echo "$stamp" > "$BIN/$out.stamp"
    echo "tools: built $out in $((SECONDS - start)) s"
}

if [ -z "${HAPROXY_HA_BUILD_CLI:-}" ] && own=$(command -v pulumi 2>/dev/null) && [ "$own" != "$BIN/pulumi" ]; then
    echo "tools: using your Pulumi CLI $own ($("$own" version))"
    ln -sfn "$own" "$BIN/pulumi"
else
    build tools/engine/cli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi "$CLI_VERSION" \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$CLI_VERSION"
fi
build tools/engine/langhost github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs pulumi-language-nodejs "$LANGHOST_VERSION" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_VERSION"
build tools/providers ./cmd/pulumi-resource-command pulumi-resource-command "$COMMAND_VERSION"
build tools/providers ./cmd/pulumi-resource-random pulumi-resource-random "$RANDOM_VERSION"

# The engine looks plugins up by exact version in PULUMI_HOME; installing from a file never downloads.
install_plugin() {
    local name=$1 version=$2
    local dir="$PULUMI_HOME/plugins/resource-$name-v$version"
    if ! cmp -s "$BIN/pulumi-resource-$name" "$dir/pulumi-resource-$name" 2>/dev/null; then
        rm -rf "$dir" "$dir.lock"
        "$BIN/pulumi" plugin install resource "$name" "$version" --file "$BIN/pulumi-resource-$name" >/dev/null \
            || die "pulumi plugin install resource $name $version failed"
    fi
    echo "tools: plugin resource $name $version -> $dir"
}
install_plugin command "$COMMAND_VERSION"
install_plugin random "$RANDOM_VERSION"

echo "tools: pulumi $("$BIN/pulumi" version) at $BIN/pulumi"
echo "tools: pulumi-language-nodejs $LANGHOST_VERSION at $BIN/pulumi-language-nodejs"
echo "tools: PULUMI_HOME=$PULUMI_HOME"
