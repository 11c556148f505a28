set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
systemctl disable --now 'httpd' >/dev/null 2>&1 || systemctl stop 'httpd' >/dev/null 2>&1 || true
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
systemctl disable --now 'httpd' >/dev/null 2>&1 || systemctl stop 'httpd' >/dev/null 2>&1 || true
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
systemctl disable --now 'httpd' >/dev/null 2>&1 || systemctl stop 'httpd' >/dev/null 2>&1 || true
elif [ "$ID" = debian ]; then
systemctl disable --now 'nginx' >/dev/null 2>&1 || systemctl stop 'nginx' >/dev/null 2>&1 || true
elif [ "$ID" = ubuntu ]; then
systemctl disable --now 'nginx' >/dev/null 2>&1 || systemctl stop 'nginx' >/dev/null 2>&1 || true
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
