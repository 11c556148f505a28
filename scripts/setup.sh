#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs for the lab and the tests: Debian packages
# (the real haproxy/keepalived validators, the lab's nspawn tooling, Go for the engine build),
# the npm dependencies from package-lock.json, and the Pulumi engine. Each part is skipped
# when already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(haproxy keepalived iputils-ping debootstrap systemd-container iproute2 openssh-client util-linux ca-certificates apt-utils python3 shellcheck)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
    [ "$(id -u)" = 0 ] || { echo "setup: needs root to install: ${missing[*]}" >&2; exit 1; }
    echo "setup: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # The packages' own services must not start here: only the lab hosts run them.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -q --no-install-recommends "${missing[@]}" || { rm -f /usr/sbin/policy-rc.d; exit 1; }
    rm -f /usr/sbin/policy-rc.d
fi

# npm ci only when package-lock.json changed since the last install; install scripts stay off
# (the provider packages' scripts would try to download plugins).
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat node_modules/.haproxy-ha-lock 2>/dev/null)" != "$lock_hash" ]; then
    echo "setup: npm ci"
    npm ci --ignore-scripts --no-audit --no-fund
    echo "$lock_hash" > node_modules/.haproxy-ha-lock
fi

bash scripts/tools.sh
