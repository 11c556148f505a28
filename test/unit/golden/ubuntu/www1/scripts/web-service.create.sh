set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$ID" = ubuntu ]; }; then
  echo 'haproxy-ha: os is set to ubuntu but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
systemctl enable 'nginx' >/dev/null 2>&1 || systemctl enable 'nginx'
systemctl restart 'nginx'
