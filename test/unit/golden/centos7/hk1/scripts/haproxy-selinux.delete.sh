set -eu
if [ -e '/var/lib/haproxy-ha/sebool/haproxy_connect_any' ]; then
  if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then setsebool -P 'haproxy_connect_any' "$(cat '/var/lib/haproxy-ha/sebool/haproxy_connect_any')"; fi
  rm -f '/var/lib/haproxy-ha/sebool/haproxy_connect_any'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
