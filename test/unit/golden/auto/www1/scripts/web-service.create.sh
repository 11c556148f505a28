set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
systemctl restart 'httpd'
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
systemctl restart 'httpd'
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
systemctl restart 'httpd'
elif [ "$ID" = debian ]; then
systemctl enable 'nginx' >/dev/null 2>&1 || systemctl enable 'nginx'
systemctl restart 'nginx'
elif [ "$ID" = ubuntu ]; then
systemctl enable 'nginx' >/dev/null 2>&1 || systemctl enable 'nginx'
systemctl restart 'nginx'
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
