set -eu
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  firewall-cmd -q --remove-port='80/tcp' || true; firewall-cmd -q --permanent --remove-port='80/tcp' || true
fi
if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
  ufw delete allow '80/tcp' || true
fi
