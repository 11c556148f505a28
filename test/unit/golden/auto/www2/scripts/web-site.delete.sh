set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
:
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
:
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
:
elif [ "$ID" = debian ]; then
target='/etc/nginx/sites-enabled/haproxy-ha-web'
backup='/var/lib/haproxy-ha/backup/etc/nginx/sites-enabled/haproxy-ha-web'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -L /var/lib/haproxy-ha/nginx-default-site.link ] && [ ! -e /etc/nginx/sites-enabled/default ]; then
  mv /var/lib/haproxy-ha/nginx-default-site.link /etc/nginx/sites-enabled/default
fi
elif [ "$ID" = ubuntu ]; then
target='/etc/nginx/sites-enabled/haproxy-ha-web'
backup='/var/lib/haproxy-ha/backup/etc/nginx/sites-enabled/haproxy-ha-web'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -L /var/lib/haproxy-ha/nginx-default-site.link ] && [ ! -e /etc/nginx/sites-enabled/default ]; then
  mv /var/lib/haproxy-ha/nginx-default-site.link /etc/nginx/sites-enabled/default
fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
