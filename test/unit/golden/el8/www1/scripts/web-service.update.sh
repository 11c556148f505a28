set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; }; then
  echo 'haproxy-ha: os is set to el8 but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
