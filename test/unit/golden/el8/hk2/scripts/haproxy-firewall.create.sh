set -eu
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  firewall-cmd -q --add-port='80/tcp' || true; firewall-cmd -q --permanent --add-port='80/tcp' || true
fi
if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
  ufw allow '80/tcp'
fi
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  firewall-cmd -q --add-port='8404/tcp' || true; firewall-cmd -q --permanent --add-port='8404/tcp' || true
fi
if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
  ufw allow '8404/tcp'
fi
