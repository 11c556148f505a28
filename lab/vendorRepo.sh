#!/usr/bin/env bash
# A vendor repository beside the lab's mirror, for the packages lab test (docs/packages.md):
# a signing key made here, Debian's haproxy .deb from the mirror repacked as version
# <release version>+vendor1 (a version the release does not have), indexed with apt-ftparchive
# and served from the control namespace on port 8081 in two flat repositories:
#   /signed/    Release signed with the lab's vendor key (InRelease, Release.gpg)
#   /unsigned/  the same packages, no signature
# plus a second key (other.asc) nothing is signed with, for the wrongly-signed case.
#
# Usage: vendorRepo.sh up|down   (the lab must be up: LAB_STATE/hosts.json names the control namespace)
# `up` prints one JSON line: {"url", "key", "otherKey", "version", "releaseVersion"}.
set -euo pipefail

LAB_STATE=${LAB_STATE:-/var/lib/haproxy-ha-lab}
LAB_STATE=${LAB_STATE%/}
readonly PORT=8081
readonly PYTHON=/usr/bin/python3
DIR=$LAB_STATE/vendor-repo
PID_FILE=$LAB_STATE/vendor-repo.pid

die() { echo "vendorRepo: $*" >&2; exit 1; }
json() { "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$LAB_STATE/hosts.json" "$1"; }

server_pid() {
    local pid
    [[ -s $PID_FILE ]] || return 1
    pid=$(<"$PID_FILE")
    [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -qF -- "http.server --bind" || return 1
    echo "$pid"
}

down() {
    local pid
    if pid=$(server_pid); then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$PID_FILE"
    rm -rf "$DIR" "$LAB_STATE/vendor-repo-http.log"
}

up() {
    [[ -s $LAB_STATE/hosts.json ]] || die "no lab at $LAB_STATE (run lab/hosts.sh up first)"
    local ns addr mirror deb ver vver work
    ns=$(json 'd["ctlNamespace"]')
    addr=$(json 'd["ctlAddress"]')
    mirror=$(json 'd["mirror"]["url"]')
    down
    work=$DIR/build
    mkdir -p "$work" "$DIR/www/signed" "$DIR/www/unsigned" "$DIR/gnupg"
    chmod 700 "$DIR/gnupg"
    export GNUPGHOME=$DIR/gnupg
    gpg -q --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'haproxy-ha lab vendor <vendor@lab.invalid>' ed25519 sign never 2>/dev/null
    gpg -q --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'haproxy-ha lab other <other@lab.invalid>' ed25519 sign never 2>/dev/null
    gpg --batch --armor --export vendor@lab.invalid >"$DIR/vendor.asc"
    gpg --batch --armor --export other@lab.invalid >"$DIR/other.asc"
    # Debian's haproxy, as the mirror holds it.
    ip netns exec "$ns" curl -fsS "${mirror}Packages" >"$work/Packages"
    deb=$(awk '/^Package: /{p=$2} /^Filename: /{ if (p == "haproxy") print $2 }' "$work/Packages" | head -n 1)
    [[ -n $deb ]] || die "the mirror has no haproxy"
    ip netns exec "$ns" curl -fsS "$mirror${deb#./}" -o "$work/haproxy.deb"
    ver=$(dpkg-deb -f "$work/haproxy.deb" Version)
    vver=$ver+vendor1
    dpkg-deb -R "$work/haproxy.deb" "$work/pkg"
    sed -i "s/^Version: .*/Version: $vver/" "$work/pkg/DEBIAN/control"
    dpkg-deb -b -Zxz "$work/pkg" "$DIR/www/signed/haproxy_${vver}_amd64.deb" >/dev/null
    cp "$DIR/www/signed/"*.deb "$DIR/www/unsigned/"
    local d
    for d in signed unsigned; do
        (cd "$DIR/www/$d" && apt-ftparchive packages . >Packages && gzip -9kn Packages &&
            apt-ftparchive -o APT::FTPArchive::Release::Origin=haproxy-ha-lab-vendor release . >../Release.tmp && mv ../Release.tmp Release)
    done
    gpg --batch -u vendor@lab.invalid --clearsign -o "$DIR/www/signed/InRelease" "$DIR/www/signed/Release"
    gpg --batch -u vendor@lab.invalid -abs -o "$DIR/www/signed/Release.gpg" "$DIR/www/signed/Release"
    rm -rf "$work"
    setsid ip netns exec "$ns" "$PYTHON" -m http.server --bind "$addr" --directory "$DIR/www" "$PORT" </dev/null >"$LAB_STATE/vendor-repo-http.log" 2>&1 &
    echo $! >"$PID_FILE"
    for _ in $(seq 50); do
        if ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$addr/$PORT" 2>/dev/null; then
            printf '{"url": "http://%s:%s/", "key": "%s", "otherKey": "%s", "version": "%s", "releaseVersion": "%s"}\n' \
                "$addr" "$PORT" "$DIR/vendor.asc" "$DIR/other.asc" "$vver" "$ver"
            return 0
        fi
        sleep 0.1
    done
    die "the vendor repository's HTTP server does not answer on $addr:$PORT"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    *) die "usage: vendorRepo.sh up|down" ;;
esac
