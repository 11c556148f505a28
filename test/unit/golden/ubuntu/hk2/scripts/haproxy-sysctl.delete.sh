set -eu
rm -f '/etc/sysctl.d/90-haproxy-ha-net.ipv4.ip_nonlocal_bind.conf'
if [ -e '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind' ]; then [ "$(cat '/proc/sys/net/ipv4/ip_nonlocal_bind')" = "$(cat '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind')" ] || cat '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind' > '/proc/sys/net/ipv4/ip_nonlocal_bind'; rm -f '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind'; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
