#!/usr/bin/env bash
# Prepares the Pulumi engine without downloading anything but Go modules: builds the Pulumi CLI,
# the Node.js and YAML language hosts and the two provider plugins from the Go module proxy into a cached
# tool directory outside git, installs the plugins into the tools' PULUMI_HOME at the versions
# package-lock.json asks for, and prints what it used. Rebuilds only when an input changed.
# One line per stage; go's output goes to a log file named on screen (see docs/engine.md).
# `tools.sh --bench` also builds the benchmarks' load generator (vegeta, from tools/loadgen):
# the tests never need it, so CI's cold run does not pay for it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/progress.sh
source "$ROOT/scripts/progress.sh"
PROGRESS_PREFIX=tools
TOOLS_DIR=${HAPROXY_HA_TOOLS:-/var/cache/haproxy-ha/tools}
BIN="$TOOLS_DIR/bin"
LOG_DIR="$TOOLS_DIR/logs"
export PULUMI_HOME="$TOOLS_DIR/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$BIN" "$PULUMI_HOME" "$LOG_DIR"
# One build at a time per tool directory: a lab test, a benchmark and CI may all call this at once.
exec 8>"$TOOLS_DIR/.tools.lock"
if ! flock -n 8; then
    echo "tools: another tools.sh is preparing $TOOLS_DIR; waiting for it" >&2
    flock 8
fi

CLI_VERSION=v3.248.0          # tools/engine/cli/go.mod pins pkg/v3 and sdk/v3 at this version
LANGHOST_VERSION=v3.67.1      # newest sdk/v3 that still carries the language host (see docs/engine.md)
YAML_VERSION=v1.25.0          # tools/engine/yaml/go.mod pins github.com/pulumi/pulumi-yaml at this version
lock_version() { node -e "console.log(require('$ROOT/package-lock.json').packages['node_modules/$1'].version)"; }
COMMAND_VERSION=$(lock_version @pulumi/command)
RANDOM_VERSION=$(lock_version @pulumi/random)
WITH_BENCH=0
case ${1:-} in
    --bench) WITH_BENCH=1 ;;
    '') ;;
    *) echo "usage: ${0##*/} [--bench]" >&2; exit 2 ;;
esac
VEGETA_VERSION=$(awk '$1 == "require" && $2 == "github.com/tsenart/vegeta/v12" { print $3 }' "$ROOT/tools/loadgen/go.mod")
STAGES=$((6 + WITH_BENCH)) stage=0 started=$SECONDS

die() { echo "tools: $*" >&2; exit 1; }
# Go is needed only when something must be built. Its official tarball installs to /usr/local/go,
# which a non-login shell may not have on PATH.
need_go() {
    if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
    command -v go >/dev/null 2>&1 || die "Go ≥ 1.25 is needed to build the Pulumi engine (none on PATH or in /usr/local/go)"
}

# A build's cache key: its module files, its sources and the version it is stamped with.
stamp_of() { (cd "$ROOT/$1" && find . -name '*.go' -o -name go.mod -o -name go.sum | sort | xargs sha256sum; echo "$2") | sha256sum | cut -c1-16; }

# go_build <module dir> <package> <output> <ldflags>: lists the packages that need compiling
# (GO_TODO, for the progress lines; this also downloads the modules), then builds.
go_build() (
    cd "$ROOT/$1" || exit
    flags=(-trimpath -tags 'osusergo,grpcnotrace')
    go version
    # Stale: not in Go's build cache. A main package is always stale (never installed), so it is left out.
    echo "== go list -deps: the packages to compile"
    go list -deps "${flags[@]}" -f '{{if and .Stale (ne .Name "main")}}{{.ImportPath}}{{end}}' "$2" \
        | sed '/^$/d' >"$GO_TODO.tmp" && mv -f "$GO_TODO.tmp" "$GO_TODO" || exit
    echo "== go build -v"
    go build -v "${flags[@]}" -ldflags "-s -w $4" -o "$3" "$2"
)

# Progress of the build under way: modules downloaded, then packages compiled out of those to compile.
GO_LOG='' GO_TODO=''
compiled_count() { if [ -s "$GO_TODO" ]; then grep -cxFf "$GO_TODO" "$GO_LOG" || true; else echo 0; fi; }
progress_detail() {
    [ -n "$GO_LOG" ] || return 0
    if [ -e "$GO_TODO" ]; then
        local todo compiled
        todo=$(grep -c . "$GO_TODO")
        compiled=$(compiled_count)
        if ((compiled < todo)); then echo ", $compiled of $todo packages compiled"; else echo ", linking"; fi
    else
        echo ", resolving packages ($(grep -c '^go: downloading' "$GO_LOG") modules downloaded)"
    fi
}

# build <module dir> <package> <output name> <version> [ldflags]
build() {
    local dir=$1 pkg=$2 out=$3 version=$4 ldflags=${5:-}
    stage=$((stage + 1))
    local stamp; stamp=$(stamp_of "$dir" "$version")
    if [ -x "$BIN/$out" ] && [ "$(cat "$BIN/$out.stamp" 2>/dev/null)" = "$stamp" ]; then
        say "[$stage/$STAGES] $out $version: cached"
        return
    fi
    need_go
    GO_LOG="$LOG_DIR/build-$out.log" GO_TODO="$LOG_DIR/build-$out.todo"
    rm -f "$GO_TODO"
    say "[$stage/$STAGES] building $out $version (log: $GO_LOG)"
    local start=$SECONDS
    run_logged "[$stage/$STAGES] $out" "$GO_LOG" go_build "$dir" "$pkg" "$BIN/$out.tmp" "$ldflags" \
        || die "building $out from $dir failed (full log: $GO_LOG)"
    mv -f "$BIN/$out.tmp" "$BIN/$out"
    echo "$stamp" >"$BIN/$out.stamp"
    local compiled; compiled=$(compiled_count)
    rm -f "$GO_TODO"
    GO_LOG='' GO_TODO=''
    local how="$compiled packages compiled"
    ((compiled)) || how="everything from Go's build cache"
    say "[$stage/$STAGES] $out built in $((SECONDS - start)) s ($how)"
}

say "preparing the Pulumi engine in $TOOLS_DIR"
if [ -z "${HAPROXY_HA_BUILD_CLI:-}" ] && own=$(command -v pulumi 2>/dev/null) && [ "$own" != "$BIN/pulumi" ]; then
    stage=$((stage + 1))
    say "[$stage/$STAGES] pulumi: using yours, $own ($("$own" version))"
    ln -sfn "$own" "$BIN/pulumi"
else
    build tools/engine/cli github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi "$CLI_VERSION" \
        "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$CLI_VERSION"
fi
build tools/engine/langhost github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs pulumi-language-nodejs "$LANGHOST_VERSION" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_VERSION"
# Runs Pulumi YAML programs (examples/yaml); like the Node.js host it must sit next to `pulumi`.
build tools/engine/yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml pulumi-language-yaml "$YAML_VERSION" \
    "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION"
build tools/providers ./cmd/pulumi-resource-command pulumi-resource-command "$COMMAND_VERSION"
build tools/providers ./cmd/pulumi-resource-random pulumi-resource-random "$RANDOM_VERSION"

# Dynamic providers (the ACME resources) run in the CLI's bundled `pulumi-resource-pulumi-nodejs`, a
# shim next to `pulumi` that the release archives carry and a CLI built from source lacks.
shim="$BIN/pulumi-resource-pulumi-nodejs"
# It runs in the program's directory (dist/ here): Node's own lookup finds the SDK above it.
# shellcheck disable=SC2016 # the text is the shim's own script, expanded when it runs
shim_text='#!/bin/sh
provider=$(node -p "require.resolve(\"@pulumi/pulumi/cmd/dynamic-provider\", { paths: [process.cwd()] })") || exit 1
exec node "$provider" "$@"'
if [ "$(cat "$shim" 2>/dev/null)" != "$shim_text" ]; then
    printf '%s\n' "$shim_text" >"$shim.tmp" && chmod 755 "$shim.tmp" && mv -f "$shim.tmp" "$shim"
fi

# The engine looks plugins up by exact version in PULUMI_HOME; installing from a file never downloads.
stage=$((stage + 1))
installed=0
for plugin in "command $COMMAND_VERSION" "random $RANDOM_VERSION"; do
    read -r name version <<<"$plugin"
    dir="$PULUMI_HOME/plugins/resource-$name-v$version"
    cmp -s "$BIN/pulumi-resource-$name" "$dir/pulumi-resource-$name" && continue
    rm -rf "$dir" "$dir.lock"
    log="$LOG_DIR/plugin-$name.log"
    run_logged "[$stage/$STAGES] plugin $name" "$log" \
        "$BIN/pulumi" plugin install resource "$name" "$version" --file "$BIN/pulumi-resource-$name" \
        || die "pulumi plugin install resource $name $version failed (log: $log)"
    installed=$((installed + 1))
done
plugins="resource command $COMMAND_VERSION and resource random $RANDOM_VERSION"
if ((installed)); then
    say "[$stage/$STAGES] plugins $plugins: installed into $PULUMI_HOME/plugins"
else
    say "[$stage/$STAGES] plugins $plugins: cached in $PULUMI_HOME/plugins"
fi

if ((WITH_BENCH)); then
    # Static (CGO_ENABLED=0): the benchmarks copy it into the lab's client host.
    build tools/loadgen github.com/tsenart/vegeta/v12 vegeta "$VEGETA_VERSION"
fi

say "ready in $((SECONDS - started)) s: pulumi $("$BIN/pulumi" version), pulumi-language-nodejs $LANGHOST_VERSION and pulumi-language-yaml $YAML_VERSION in $BIN, PULUMI_HOME=$PULUMI_HOME"
