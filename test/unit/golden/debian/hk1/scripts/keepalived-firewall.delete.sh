set -eu
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true
fi
