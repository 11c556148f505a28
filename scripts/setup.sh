#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs for the lab and the tests: Debian packages
# (the real haproxy/keepalived validators, the lab's nspawn tooling, shellcheck), the npm
# dependencies from package-lock.json, and the Pulumi engine. Each part is skipped when already
# in place. One line per stage; apt's and npm's output go to log files named on screen.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/progress.sh
source scripts/progress.sh
PROGRESS_PREFIX=setup
LOG_DIR="${HAPROXY_HA_TOOLS:-/var/cache/haproxy-ha/tools}/logs"
started=$SECONDS

APT_PACKAGES=(haproxy keepalived iputils-ping debootstrap systemd-container iproute2 openssh-client util-linux ca-certificates shellcheck apt-utils python3 sslscan wrk dnsmasq-base pebble gpg)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
    [ "$(id -u)" = 0 ] || { echo "setup: needs root to install: ${missing[*]}" >&2; exit 1; }
    log="$LOG_DIR/setup-apt.log" start=$SECONDS
    say "[1/3] Debian packages: installing ${missing[*]} (log: $log)"
    apt_install() {
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q && apt-get install -y -q --no-install-recommends "$@"
    }
    # The packages' own services must not start here: only the lab hosts run them.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    run_logged "[1/3] Debian packages" "$log" apt_install "${missing[@]}" || { rm -f /usr/sbin/policy-rc.d; exit 1; }
    rm -f /usr/sbin/policy-rc.d
    say "[1/3] Debian packages installed in $((SECONDS - start)) s"
else
    say "[1/3] Debian packages: cached (all ${#APT_PACKAGES[@]} installed)"
fi

# npm ci only when package-lock.json changed since the last install; install scripts stay off
# (the provider packages' scripts would try to download plugins).
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat node_modules/.haproxy-ha-lock 2>/dev/null)" != "$lock_hash" ]; then
    log="$LOG_DIR/setup-npm.log" start=$SECONDS
    say "[2/3] npm ci (log: $log)"
    run_logged "[2/3] npm ci" "$log" npm ci --ignore-scripts --no-audit --no-fund
    echo "$lock_hash" > node_modules/.haproxy-ha-lock
    say "[2/3] npm dependencies installed in $((SECONDS - start)) s"
else
    say "[2/3] npm dependencies: cached (package-lock.json unchanged)"
fi

say "[3/3] the Pulumi engine (scripts/tools.sh)"
bash scripts/tools.sh
say "done in $((SECONDS - started)) s"
