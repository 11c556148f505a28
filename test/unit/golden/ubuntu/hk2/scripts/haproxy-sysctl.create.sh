set -eu
mkdir -p '/var/lib/haproxy-ha/sysctl'
[ -e '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind' ] || cat '/proc/sys/net/ipv4/ip_nonlocal_bind' > '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind'
printf '%s = %s\n' 'net.ipv4.ip_nonlocal_bind' '1' > '/etc/sysctl.d/90-haproxy-ha-net.ipv4.ip_nonlocal_bind.conf'
[ "$(cat '/proc/sys/net/ipv4/ip_nonlocal_bind')" = '1' ] || printf '%s\n' '1' > '/proc/sys/net/ipv4/ip_nonlocal_bind'
