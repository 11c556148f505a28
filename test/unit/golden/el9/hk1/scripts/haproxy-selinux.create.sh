set -eu
if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then
  mkdir -p '/var/lib/haproxy-ha/sebool'
  [ -e '/var/lib/haproxy-ha/sebool/haproxy_connect_any' ] || getsebool 'haproxy_connect_any' | awk '{print $3}' > '/var/lib/haproxy-ha/sebool/haproxy_connect_any'
  setsebool -P 'haproxy_connect_any' 1
fi
