set -eu
target='/etc/keepalived/keepalived.conf'
backup='/var/lib/haproxy-ha/backup/etc/keepalived/keepalived.conf'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown 'root:root' "$tmp"
chmod '0600' "$tmp"
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
if keepalived --help 2>&1 | grep -q -- --config-test; then
  if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s
  ' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
    printf '%s
  ' "$kt_out" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
  fi
fi
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s
' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s
' "$kt_out" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s
' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s
' "$kt_out" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = debian ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s
' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s
' "$kt_out" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = ubuntu ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s
' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s
' "$kt_out" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
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
