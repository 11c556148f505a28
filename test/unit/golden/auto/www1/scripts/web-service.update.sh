set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
elif [ "$ID" = debian ]; then
if systemctl is-active --quiet 'nginx'; then systemctl reload 'nginx'; else systemctl start 'nginx'; fi
elif [ "$ID" = ubuntu ]; then
if systemctl is-active --quiet 'nginx'; then systemctl reload 'nginx'; else systemctl start 'nginx'; fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
