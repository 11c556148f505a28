set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
if [ -e '/var/lib/haproxy-ha/packages/httpd' ]; then
  yum remove -y -q 'httpd'
  rm -f '/var/lib/haproxy-ha/packages/httpd'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
if [ -e '/var/lib/haproxy-ha/packages/httpd' ]; then
  dnf remove -y -q 'httpd'
  rm -f '/var/lib/haproxy-ha/packages/httpd'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
if [ -e '/var/lib/haproxy-ha/packages/httpd' ]; then
  dnf remove -y -q 'httpd'
  rm -f '/var/lib/haproxy-ha/packages/httpd'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = debian ]; then
if [ -e '/var/lib/haproxy-ha/packages/nginx' ]; then
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -q 'nginx'
  rm -f '/var/lib/haproxy-ha/packages/nginx'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = ubuntu ]; then
if [ -e '/var/lib/haproxy-ha/packages/nginx' ]; then
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -q 'nginx'
  rm -f '/var/lib/haproxy-ha/packages/nginx'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
