set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$ID" = ubuntu ]; }; then
  echo 'haproxy-ha: os is set to ubuntu but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
target='/etc/nginx/sites-enabled/haproxy-ha-web'
backup='/var/lib/haproxy-ha/backup/etc/nginx/sites-enabled/haproxy-ha-web'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -L /var/lib/haproxy-ha/nginx-default-site.link ] && [ ! -e /etc/nginx/sites-enabled/default ]; then
  mv /var/lib/haproxy-ha/nginx-default-site.link /etc/nginx/sites-enabled/default
fi
