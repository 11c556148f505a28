set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$ID" = ubuntu ]; }; then
  echo 'haproxy-ha: os is set to ubuntu but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
cat <<'HAPROXY_HA_SITE' | {
# Managed by haproxy-ha: removed on destroy.
server {
    listen 80 default_server;
    root /var/www/html;
    index index.html;
    location / {
        try_files $uri $uri/ =404;
    }
}
HAPROXY_HA_SITE
target='/etc/nginx/sites-enabled/haproxy-ha-web'
backup='/var/lib/haproxy-ha/backup/etc/nginx/sites-enabled/haproxy-ha-web'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown 'root:root' "$tmp"
chmod '0644' "$tmp"
if [ -e "$target" ] && cmp -s "$tmp" "$target"; then
  echo "unchanged: $target"
  changed=0
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
  changed=1
fi
}
if [ -L /etc/nginx/sites-enabled/default ]; then
  mkdir -p /var/lib/haproxy-ha && mv /etc/nginx/sites-enabled/default /var/lib/haproxy-ha/nginx-default-site.link
fi
