set -eu
target='/etc/haproxy/haproxy.cfg'
backup='/var/lib/haproxy-ha/backup/etc/haproxy/haproxy.cfg'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown 'root:haproxy' "$tmp"
chmod '0640' "$tmp"
haproxy -c -f "$tmp" >/dev/null || { echo "haproxy-ha: haproxy rejected the new config; the old one stays" >&2; exit 1; }
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
