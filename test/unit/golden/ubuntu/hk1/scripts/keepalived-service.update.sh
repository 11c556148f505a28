set -eu
if systemctl is-active --quiet 'keepalived'; then systemctl reload 'keepalived'; else systemctl start 'keepalived'; fi
