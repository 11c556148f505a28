set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
cat <<'HAPROXY_HA_SITE' | {
# Managed by haproxy-ha: removed on destroy.
HAPROXY_HA_SITE
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
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
:
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
cat <<'HAPROXY_HA_SITE' | {
# Managed by haproxy-ha: removed on destroy.
HAPROXY_HA_SITE
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
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
:
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
cat <<'HAPROXY_HA_SITE' | {
# Managed by haproxy-ha: removed on destroy.
HAPROXY_HA_SITE
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
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
:
elif [ "$ID" = debian ]; then
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
elif [ "$ID" = ubuntu ]; then
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
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
