set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; }; then
  echo 'haproxy-ha: os is set to el9 but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
if [ -e '/var/lib/haproxy-ha/packages/keepalived' ]; then
  dnf remove -y -q 'keepalived'
  rm -f '/var/lib/haproxy-ha/packages/keepalived'
fi
if [ -e '/var/lib/haproxy-ha/packages/iputils' ]; then
  dnf remove -y -q 'iputils'
  rm -f '/var/lib/haproxy-ha/packages/iputils'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
