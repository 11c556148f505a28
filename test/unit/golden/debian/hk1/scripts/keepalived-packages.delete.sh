set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$ID" = debian ]; }; then
  echo 'haproxy-ha: os is set to debian but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
if [ -e '/var/lib/haproxy-ha/packages/keepalived' ]; then
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -q 'keepalived'
  rm -f '/var/lib/haproxy-ha/packages/keepalived'
fi
if [ -e '/var/lib/haproxy-ha/packages/iputils-ping' ]; then
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -q 'iputils-ping'
  rm -f '/var/lib/haproxy-ha/packages/iputils-ping'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
