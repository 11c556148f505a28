set -eu
systemctl enable 'keepalived' >/dev/null 2>&1 || systemctl enable 'keepalived'
systemctl restart 'keepalived'
