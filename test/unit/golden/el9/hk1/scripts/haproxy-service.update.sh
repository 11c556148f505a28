set -eu
if systemctl is-active --quiet 'haproxy'; then systemctl reload 'haproxy'; else systemctl start 'haproxy'; fi
