set -eu
systemctl enable 'haproxy' >/dev/null 2>&1 || systemctl enable 'haproxy'
systemctl restart 'haproxy'
