set -eu
systemctl disable --now 'haproxy' >/dev/null 2>&1 || systemctl stop 'haproxy' >/dev/null 2>&1 || true
