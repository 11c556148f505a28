set -eu
systemctl disable --now 'keepalived' >/dev/null 2>&1 || systemctl stop 'keepalived' >/dev/null 2>&1 || true
