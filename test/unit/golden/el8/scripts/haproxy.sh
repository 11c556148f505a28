#### packages.create
set -eu
exec 9<'/var/lib'
flock -w 900 9
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if ! { el_major -eq 8; }; then
  echo 'haproxy-ha: os is set to el8 but this host is' "$ID $VERSION_ID ($(hostname))" >&2; exit 3
fi
installed='/var/lib/haproxy-ha/installed/haproxy'
missing=0
rpm -q 'haproxy' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'haproxy'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'haproxy' > '/var/lib/haproxy-ha/wanted-packages/haproxy'
facts_clean() { printf '%s' "$1" | tr -cd 'A-Za-z0-9.+~:_ -'; }
facts_pkg() {
  if command -v dpkg-query >/dev/null 2>&1; then
    f_inst=$(dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | sed -n 's/^ii  *//p')
    f_cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | sed 's/(none)//')
  else
    f_inst=$(rpm -q --qf '%{VERSION}' "$1" 2>/dev/null) || f_inst=""
    f_cand=""
  fi
  printf '{"installed":"%s","candidate":"%s"}' "$(facts_clean "$f_inst")" "$(facts_clean "$f_cand")"
}
facts_os=$(
  # shellcheck disable=SC1091
  . /etc/os-release
  printf '"id":"%s","idLike":"%s","versionId":"%s"' "$(facts_clean "${ID:-}")" "$(facts_clean "${ID_LIKE:-}")" "$(facts_clean "${VERSION_ID:-}")"
)
printf '%s {"host":"%s",%s,"haproxy":%s,"keepalived":%s}\n' 'haproxy-ha-facts' "$(facts_clean "$(hostname)")" "$facts_os" "$(facts_pkg haproxy)" "$(facts_pkg keepalived)"

#### packages.update
set -eu
exec 9<'/var/lib'
flock -w 900 9
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if ! { el_major -eq 8; }; then
  echo 'haproxy-ha: os is set to el8 but this host is' "$ID $VERSION_ID ($(hostname))" >&2; exit 3
fi
installed='/var/lib/haproxy-ha/installed/haproxy'
missing=0
rpm -q 'haproxy' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'haproxy'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'haproxy' > '/var/lib/haproxy-ha/wanted-packages/haproxy'
facts_clean() { printf '%s' "$1" | tr -cd 'A-Za-z0-9.+~:_ -'; }
facts_pkg() {
  if command -v dpkg-query >/dev/null 2>&1; then
    f_inst=$(dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | sed -n 's/^ii  *//p')
    f_cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | sed 's/(none)//')
  else
    f_inst=$(rpm -q --qf '%{VERSION}' "$1" 2>/dev/null) || f_inst=""
    f_cand=""
  fi
  printf '{"installed":"%s","candidate":"%s"}' "$(facts_clean "$f_inst")" "$(facts_clean "$f_cand")"
}
facts_os=$(
  # shellcheck disable=SC1091
  . /etc/os-release
  printf '"id":"%s","idLike":"%s","versionId":"%s"' "$(facts_clean "${ID:-}")" "$(facts_clean "${ID_LIKE:-}")" "$(facts_clean "${VERSION_ID:-}")"
)
printf '%s {"host":"%s",%s,"haproxy":%s,"keepalived":%s}\n' 'haproxy-ha-facts' "$(facts_clean "$(hostname)")" "$facts_os" "$(facts_pkg haproxy)" "$(facts_pkg keepalived)"

#### packages.delete
set -eu
exec 9<'/var/lib'
flock -w 900 9
installed='/var/lib/haproxy-ha/installed/haproxy'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    dnf remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/haproxy'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### sysctl.create
set -eu
mkdir -p '/var/lib/haproxy-ha/sysctl'
[ -e '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind' ] || cat '/proc/sys/net/ipv4/ip_nonlocal_bind' > '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind'
printf '%s = %s\n' 'net.ipv4.ip_nonlocal_bind' '1' > '/etc/sysctl.d/90-haproxy-ha-net.ipv4.ip_nonlocal_bind.conf'
[ "$(cat '/proc/sys/net/ipv4/ip_nonlocal_bind')" = '1' ] || printf '%s\n' '1' > '/proc/sys/net/ipv4/ip_nonlocal_bind'

#### sysctl.delete
set -eu
rm -f '/etc/sysctl.d/90-haproxy-ha-net.ipv4.ip_nonlocal_bind.conf'
if [ -e '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind' ]; then [ "$(cat '/proc/sys/net/ipv4/ip_nonlocal_bind')" = "$(cat '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind')" ] || cat '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind' > '/proc/sys/net/ipv4/ip_nonlocal_bind'; rm -f '/var/lib/haproxy-ha/sysctl/net.ipv4.ip_nonlocal_bind'; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### selinux.create
set -eu
if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then
  mkdir -p '/var/lib/haproxy-ha/sebool'
  [ -e '/var/lib/haproxy-ha/sebool/haproxy_connect_any' ] || getsebool 'haproxy_connect_any' | awk '{print $3}' > '/var/lib/haproxy-ha/sebool/haproxy_connect_any'
  setsebool -P 'haproxy_connect_any' 1
fi

#### selinux.delete
set -eu
if [ -e '/var/lib/haproxy-ha/sebool/haproxy_connect_any' ]; then
  if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then setsebool -P 'haproxy_connect_any' "$(cat '/var/lib/haproxy-ha/sebool/haproxy_connect_any')"; fi
  rm -f '/var/lib/haproxy-ha/sebool/haproxy_connect_any'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### firewall.create
set -eu
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1 && ! firewall-cmd -q --query-port='80/tcp'; then
  firewall-cmd -q --add-port='80/tcp' && firewall-cmd -q --permanent --add-port='80/tcp'
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi

#### firewall.delete
set -eu
if [ -e '/var/lib/haproxy-ha/firewall/firewalld-80-tcp' ]; then
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then firewall-cmd -q --remove-port='80/tcp' && firewall-cmd -q --permanent --remove-port='80/tcp'
  else echo "haproxy-ha: firewalld is not running; remove 80/tcp from its permanent config by hand" >&2; fi
  rm -f '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### config.create
set -eu
target='/etc/haproxy/haproxy.cfg'
backup='/var/lib/haproxy-ha/backup/etc/haproxy/haproxy.cfg'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown 'root:haproxy' "$tmp"
chmod '0640' "$tmp"
vc_want=$(sed -n '1,3s/^# Rendered for haproxy \([0-9][0-9.]*\);.*/\1/p' "$tmp")
if [ -n "$vc_want" ]; then
  vc_have=$(haproxy -v 2>/dev/null | sed -n '1s/^HA-\{0,1\}Proxy version \([0-9][0-9.]*\).*/\1/p')
  if [ "$(echo "$vc_want" | cut -d. -f1,2)" != "$(echo "$vc_have" | cut -d. -f1,2)" ]; then
    echo "haproxy-ha: on $(hostname): the config was rendered for haproxy $vc_want but haproxy ${vc_have:-(none)} is installed (the same major.minor is needed); nothing was swapped." \
      "Set os to the host's release, or raise reapply so the packages step reads the host again" >&2
    exit 1
  fi
fi
haproxy -c -f "$tmp" >/dev/null || { echo "haproxy-ha: haproxy rejected the new config; the old one stays" >&2; exit 1; }
if [ -e "$target" ] && cmp -s "$tmp" "$target"; then
  echo "unchanged: $target"
  chown 'root:haproxy' "$target"; chmod '0640' "$target"
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
fi
wanted='/var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0640 root haproxy secret' > "$wanted.meta"

#### config.update
set -eu
target='/etc/haproxy/haproxy.cfg'
backup='/var/lib/haproxy-ha/backup/etc/haproxy/haproxy.cfg'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
prev=$(mktemp -d "$(dirname "$target")/.haproxy-ha-prev.XXXXXX")
trap 'rm -f "$tmp"; rm -rf "$prev"' EXIT
cat > "$tmp"
chown 'root:haproxy' "$tmp"
chmod '0640' "$tmp"
vc_want=$(sed -n '1,3s/^# Rendered for haproxy \([0-9][0-9.]*\);.*/\1/p' "$tmp")
if [ -n "$vc_want" ]; then
  vc_have=$(haproxy -v 2>/dev/null | sed -n '1s/^HA-\{0,1\}Proxy version \([0-9][0-9.]*\).*/\1/p')
  if [ "$(echo "$vc_want" | cut -d. -f1,2)" != "$(echo "$vc_have" | cut -d. -f1,2)" ]; then
    echo "haproxy-ha: on $(hostname): the config was rendered for haproxy $vc_want but haproxy ${vc_have:-(none)} is installed (the same major.minor is needed); nothing was swapped." \
      "Set os to the host's release, or raise reapply so the packages step reads the host again" >&2
    exit 1
  fi
fi
haproxy -c -f "$tmp" >/dev/null || { echo "haproxy-ha: haproxy rejected the new config; the old one stays" >&2; exit 1; }
if [ -e "$target" ] && cmp -s "$tmp" "$target"; then
  echo "unchanged: $target"
  chown 'root:haproxy' "$target"; chmod '0640' "$target"
  changed=0
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  if [ -e "$target" ]; then cp -p "$target" "$prev/file"; fi
  if [ -e '/var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg' ]; then cp -p '/var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg' "$prev/wanted"; fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
  changed=1
fi
wanted='/var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0640 root haproxy secret' > "$wanted.meta"
if [ "$changed" = 1 ]; then
  proc_root=${HAPROXY_HA_PROC_ROOT:-/proc}
  haproxy_children() { cat "$proc_root"/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[2] == p) print $1 }'; }
  haproxy_main_pid() { systemctl show -p MainPID 'haproxy' 2>/dev/null | sed -n 's/^MainPID=//p'; }
  haproxy_child_alive() { haproxy_children "$2" | grep -qx "$1"; }
  haproxy_reload() {
    haproxy_since=$(date '+%Y-%m-%d %H:%M:%S')
    if ! systemctl is-active --quiet 'haproxy'; then haproxy_how=start; systemctl start 'haproxy' || return 1; return 0; fi
    haproxy_how=reload
    main=$(haproxy_main_pid)
    if [ -z "$main" ] || [ "$main" = 0 ]; then echo "haproxy-ha: haproxy is active without a main PID: its reload cannot be checked" >&2; return 1; fi
    before=" $(haproxy_children "$main" | tr '\n' ' ') "
    systemctl reload 'haproxy' || return 1
    i=0
    while [ "$i" -lt 75 ]; do
      sleep 0.2
      i=$((i + 1))
      for child in $(haproxy_children "$main"); do
        case "$before" in *" $child "*) continue ;; esac
        sleep 2
        if haproxy_child_alive "$child" "$main" && systemctl is-active --quiet 'haproxy' && [ "$(haproxy_main_pid)" = "$main" ]; then return 0; fi
        before="$before$child "
      done
    done
    return 1
  }
  haproxy_alerts() { journalctl -u 'haproxy' --since "$haproxy_since" --no-pager -o cat 2>/dev/null | grep -F ALERT | head -n 5 || true; }
  if ! haproxy_reload; then
    alerts=$(haproxy_alerts)
    first=$haproxy_how
    haproxy_put_back() {
      [ -e "$prev"/file ] || return 1
      mv -f "$prev"/file "$target" || return 1
      echo "restored the previous $target"
      if [ -e "$prev"/wanted ]; then mv -f "$prev"/wanted "$wanted" || return 1; else cp "$target" "$wanted" || return 1; fi
    }
    if ! haproxy_put_back; then
      echo "haproxy-ha: haproxy did not load the new config at $first, and there is no previous config to put back" >&2
    elif haproxy_reload; then
      if [ "$first" = start ]; then echo "haproxy-ha: haproxy did not start with the new config; the previous config is back in place" >&2
      else echo 'haproxy-ha: haproxy did not load the new config at reload (it kept the old workers); the previous config is back in place' >&2; fi
    else
      echo "haproxy-ha: haproxy did not load the new config at $first, nor the previous one put back in place after it" >&2
    fi
    if [ -n "$alerts" ]; then printf '%s\n' "$alerts" >&2; fi
    exit 1
  fi
fi

#### config.delete
set -eu
target='/etc/haproxy/haproxy.cfg'
backup='/var/lib/haproxy-ha/backup/etc/haproxy/haproxy.cfg'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg' '/var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg.meta'
if systemctl is-active --quiet 'haproxy'; then systemctl reload 'haproxy'; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### service.create
set -eu
saved='/var/lib/haproxy-ha/services/haproxy'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'haproxy' 2>/dev/null || true)" "$(systemctl is-active 'haproxy' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'haproxy' 2>/dev/null)" = enabled ] || systemctl enable 'haproxy' >/dev/null 2>&1 || systemctl enable 'haproxy'
if ! systemctl restart 'haproxy'; then
  echo 'haproxy-ha: haproxy failed to restart on '"$(hostname)"'; trying once more in 2 s' >&2
  sleep 2
  systemctl restart 'haproxy'
fi

#### service.update
set -eu
[ "$(systemctl is-enabled 'haproxy' 2>/dev/null)" = enabled ] || systemctl enable 'haproxy' >/dev/null 2>&1 || systemctl enable 'haproxy'
proc_root=${HAPROXY_HA_PROC_ROOT:-/proc}
haproxy_children() { cat "$proc_root"/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[2] == p) print $1 }'; }
haproxy_main_pid() { systemctl show -p MainPID 'haproxy' 2>/dev/null | sed -n 's/^MainPID=//p'; }
haproxy_child_alive() { haproxy_children "$2" | grep -qx "$1"; }
haproxy_reload() {
  haproxy_since=$(date '+%Y-%m-%d %H:%M:%S')
  if ! systemctl is-active --quiet 'haproxy'; then haproxy_how=start; systemctl start 'haproxy' || return 1; return 0; fi
  haproxy_how=reload
  main=$(haproxy_main_pid)
  if [ -z "$main" ] || [ "$main" = 0 ]; then echo "haproxy-ha: haproxy is active without a main PID: its reload cannot be checked" >&2; return 1; fi
  before=" $(haproxy_children "$main" | tr '\n' ' ') "
  systemctl reload 'haproxy' || return 1
  i=0
  while [ "$i" -lt 75 ]; do
    sleep 0.2
    i=$((i + 1))
    for child in $(haproxy_children "$main"); do
      case "$before" in *" $child "*) continue ;; esac
      sleep 2
      if haproxy_child_alive "$child" "$main" && systemctl is-active --quiet 'haproxy' && [ "$(haproxy_main_pid)" = "$main" ]; then return 0; fi
      before="$before$child "
    done
  done
  return 1
}
haproxy_alerts() { journalctl -u 'haproxy' --since "$haproxy_since" --no-pager -o cat 2>/dev/null | grep -F ALERT | head -n 5 || true; }
if ! haproxy_reload; then
  alerts=$(haproxy_alerts)
  if [ "$haproxy_how" = start ]; then echo "haproxy-ha: haproxy did not start with its config" >&2
  else echo "haproxy-ha: haproxy did not load its config at reload (it kept the old workers)" >&2; fi
  if [ -n "$alerts" ]; then printf '%s\n' "$alerts" >&2; fi
  exit 1
fi

#### service.delete
set -eu
saved='/var/lib/haproxy-ha/services/haproxy'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'haproxy' 2>/dev/null)" = enabled ] || systemctl enable 'haproxy' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'haproxy' 2>/dev/null)" = enabled ]; then systemctl disable 'haproxy' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'haproxy' >/dev/null 2>&1 || true; else systemctl stop 'haproxy' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
