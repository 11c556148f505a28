set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; }; then
  echo 'haproxy-ha: os is set to el9 but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
systemctl disable --now 'httpd' >/dev/null 2>&1 || systemctl stop 'httpd' >/dev/null 2>&1 || true
