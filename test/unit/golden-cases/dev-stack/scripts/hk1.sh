#### packages.create
set -eu
exec 9<'/var/lib'
flock -w 900 9
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if ! { el_major -eq 7; }; then
  echo 'haproxy-ha: os is set to centos7 but this host is' "$ID $VERSION_ID ($(hostname))" >&2; exit 3
fi
if [ -f /etc/yum.repos.d/CentOS-Base.repo ] && grep -q '^mirrorlist=' /etc/yum.repos.d/CentOS-Base.repo; then
  mkdir -p "$(dirname /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault)"
  [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ] || cp -p /etc/yum.repos.d/CentOS-Base.repo /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault
  # shellcheck disable=SC2016 # $releasever is yum's variable, kept literally
  sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\{0,1\}baseurl=http://mirror.centos.org/centos/\$releasever|baseurl=http://vault.centos.org/7.9.2009|' /etc/yum.repos.d/CentOS-Base.repo
fi
installed='/var/lib/haproxy-ha/installed/haproxy'
missing=0
rpm -q 'haproxy' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  yum install -y -q 'haproxy'
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
if ! { el_major -eq 7; }; then
  echo 'haproxy-ha: os is set to centos7 but this host is' "$ID $VERSION_ID ($(hostname))" >&2; exit 3
fi
if [ -f /etc/yum.repos.d/CentOS-Base.repo ] && grep -q '^mirrorlist=' /etc/yum.repos.d/CentOS-Base.repo; then
  mkdir -p "$(dirname /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault)"
  [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ] || cp -p /etc/yum.repos.d/CentOS-Base.repo /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault
  # shellcheck disable=SC2016 # $releasever is yum's variable, kept literally
  sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\{0,1\}baseurl=http://mirror.centos.org/centos/\$releasever|baseurl=http://vault.centos.org/7.9.2009|' /etc/yum.repos.d/CentOS-Base.repo
fi
installed='/var/lib/haproxy-ha/installed/haproxy'
missing=0
rpm -q 'haproxy' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  yum install -y -q 'haproxy'
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
    yum remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/haproxy'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ]; then mv -f /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault /etc/yum.repos.d/CentOS-Base.repo; fi

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

#### packages.create
set -eu
exec 9<'/var/lib'
flock -w 900 9
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if ! { el_major -eq 7; }; then
  echo 'haproxy-ha: os is set to centos7 but this host is' "$ID $VERSION_ID ($(hostname))" >&2; exit 3
fi
if [ -f /etc/yum.repos.d/CentOS-Base.repo ] && grep -q '^mirrorlist=' /etc/yum.repos.d/CentOS-Base.repo; then
  mkdir -p "$(dirname /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault)"
  [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ] || cp -p /etc/yum.repos.d/CentOS-Base.repo /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault
  # shellcheck disable=SC2016 # $releasever is yum's variable, kept literally
  sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\{0,1\}baseurl=http://mirror.centos.org/centos/\$releasever|baseurl=http://vault.centos.org/7.9.2009|' /etc/yum.repos.d/CentOS-Base.repo
fi
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  yum install -y -q 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
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
if ! { el_major -eq 7; }; then
  echo 'haproxy-ha: os is set to centos7 but this host is' "$ID $VERSION_ID ($(hostname))" >&2; exit 3
fi
if [ -f /etc/yum.repos.d/CentOS-Base.repo ] && grep -q '^mirrorlist=' /etc/yum.repos.d/CentOS-Base.repo; then
  mkdir -p "$(dirname /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault)"
  [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ] || cp -p /etc/yum.repos.d/CentOS-Base.repo /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault
  # shellcheck disable=SC2016 # $releasever is yum's variable, kept literally
  sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\{0,1\}baseurl=http://mirror.centos.org/centos/\$releasever|baseurl=http://vault.centos.org/7.9.2009|' /etc/yum.repos.d/CentOS-Base.repo
fi
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  yum install -y -q 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
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
installed='/var/lib/haproxy-ha/installed/keepalived'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    yum remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/keepalived'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ]; then mv -f /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault /etc/yum.repos.d/CentOS-Base.repo; fi

#### firewall.create
set -eu
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if ! firewall-cmd -q --query-rich-rule='rule protocol value="vrrp" accept'; then
    firewall-cmd -q --add-rich-rule='rule protocol value="vrrp" accept'
    mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-vrrp'
  fi
  if ! firewall-cmd -q --permanent --query-rich-rule='rule protocol value="vrrp" accept'; then
    firewall-cmd -q --permanent --add-rich-rule='rule protocol value="vrrp" accept'
    mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'
  fi
fi

#### firewall.delete
set -eu
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp' ]; then firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp'; fi
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent' ]; then firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'; fi
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### vrid-check.create
set -eu
umask 077
candidate=$(mktemp)
trap 'rm -f "$candidate"' EXIT
cat > "$candidate"
kpy=
if [ -x '/usr/bin/python2' ]; then kpy='/usr/bin/python2'; elif [ -x '/usr/bin/python' ]; then kpy='/usr/bin/python'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python2, /usr/bin/python on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$candidate" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
import binascii, select, socket, struct, sys, time


def norm(address, family):
    af = socket.AF_INET if family == 4 else socket.AF_INET6
    return socket.inet_ntop(af, socket.inet_pton(af, address))


def instances(path):
    """The vrrp_instance blocks of a keepalived.conf as (family, interface, vrid, advert_int, VIPs)."""
    try:
        lines = open(path).read().split("\n")
    except (IOError, OSError):
        return []
    found, cur, depth, block = [], None, 0, None
    for line in lines:
        words = line.split()
        if words and depth == 0 and words[0] == "vrrp_instance":
            cur = {"iface": None, "vrid": None, "advert": 1.0, "vips": []}
            found.append(cur)
        elif words and cur is not None and depth == 1:
            if words[0] == "interface":
                cur["iface"] = words[1]
            elif words[0] == "virtual_router_id":
                cur["vrid"] = int(words[1])
            elif words[0] == "advert_int":
                cur["advert"] = float(words[1])
            block = words[0] if words[-1] == "{" else None
        elif words and words[0] != "}" and cur is not None and depth == 2 and block == "virtual_ipaddress":
            cur["vips"].append(words[0].split("/")[0])
        depth += line.count("{") - line.count("}")
        if depth == 0:
            cur = None
    result = []
    for i in found:
        if i["iface"] is None or i["vrid"] is None or not i["vips"]:
            continue
        family = 6 if ":" in i["vips"][0] else 4
        result.append((family, i["iface"], i["vrid"], i["advert"], frozenset(norm(v, family) for v in i["vips"])))
    return result


def foreign(family, iface, source, data, watched, ours, local):
    """The collision an advert shows (VRRP header onwards), or None."""
    if len(data) < 8:
        return None
    vrid, count = ord(data[1:2]), ord(data[3:4])
    key = (family, iface, vrid)
    source = source.split("%")[0]
    if key not in watched or source in local:
        return None
    size = 4 if family == 4 else 16
    af = socket.AF_INET if family == 4 else socket.AF_INET6
    addresses = frozenset(socket.inet_ntop(af, data[8 + k * size:8 + (k + 1) * size]) for k in range(count) if len(data) >= 8 + (k + 1) * size)
    if addresses in ours.get(key, ()):
        return None
    return "VRID %d on %s is already advertised by %s (addresses: %s)" % (vrid, iface, source, " ".join(sorted(addresses)) or "none")


def strip_ip_header(family, packet):
    if family == 6:
        return packet
    return packet[(ord(packet[0:1]) & 15) * 4:]


def listen(keys, seconds):
    socks = {}
    for family, iface in keys:
        try:
            index = int(open("/sys/class/net/%s/ifindex" % iface).read())
            if family == 4:
                s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
                # IP_ADD_MEMBERSHIP with struct ip_mreqn (group, any address, interface index)
                s.setsockopt(socket.IPPROTO_IP, 35, struct.pack("4s4si", socket.inet_aton("224.0.0.18"), socket.inet_aton("0.0.0.0"), index))
            else:
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
                # IPV6_ADD_MEMBERSHIP with struct ipv6_mreq (group, interface index)
                s.setsockopt(socket.IPPROTO_IPV6, 20, struct.pack("16si", socket.inet_pton(socket.AF_INET6, "ff02::12"), index))
            # SO_BINDTODEVICE: adverts of this interface only
            s.setsockopt(socket.SOL_SOCKET, 25, iface.encode("ascii") + b"\0")
        except (IOError, OSError, socket.error) as e:
            sys.stderr.write("haproxy-ha: warning: cannot listen for VRRP adverts on %s (IPv%d): %s; the VRID collision check skips it\n" % (iface, family, e))
            continue
        socks[s] = (family, iface)
    deadline = time.time() + seconds
    while socks:
        left = deadline - time.time()
        if left <= 0:
            break
        ready = select.select(list(socks), [], [], left)[0]
        for s in ready:
            packet, address = s.recvfrom(4096)
            family, iface = socks[s]
            yield family, iface, address[0], strip_ip_header(family, packet)


def replay(path):
    for line in open(path).read().split("\n"):
        if line.strip():
            family, iface, source, data = line.split()
            yield int(family), iface, source, strip_ip_header(int(family), binascii.unhexlify(data))


def main(argv):
    candidate = instances(argv[1])
    watched = set((i[0], i[1], i[2]) for i in candidate)
    ours = {}
    for family, iface, vrid, advert, vips in candidate + instances(argv[2]):
        ours.setdefault((family, iface, vrid), set()).add(vips)
    local = set(a.split("%")[0] for a in argv[3].split())
    if not watched:
        return 0
    seconds = min(max(3 * max(i[3] for i in candidate), 3.5), 10)
    packets = replay(argv[4]) if len(argv) > 4 else listen(sorted(set((k[0], k[1]) for k in watched)), seconds)
    for family, iface, source, data in packets:
        found = foreign(family, iface, source, data, watched, ours, local)
        if found:
            sys.stderr.write("haproxy-ha: %s: another VRRP router on the segment uses it; pick another virtualRouterId. The old config stays\n" % found)
            return 1
    return 0


try:
    code = main(sys.argv)
except Exception as e:  # a bug here must not pass for a collision (exit 1)
    sys.stderr.write("haproxy-ha: warning: the VRID collision check failed (%s: %s) and is skipped\n" % (type(e).__name__, e))
    code = 0
sys.exit(code)
HAPROXY_HA_VRID
fi

#### vrid-check.update
set -eu
umask 077
candidate=$(mktemp)
trap 'rm -f "$candidate"' EXIT
cat > "$candidate"
kpy=
if [ -x '/usr/bin/python2' ]; then kpy='/usr/bin/python2'; elif [ -x '/usr/bin/python' ]; then kpy='/usr/bin/python'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python2, /usr/bin/python on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$candidate" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
import binascii, select, socket, struct, sys, time


def norm(address, family):
    af = socket.AF_INET if family == 4 else socket.AF_INET6
    return socket.inet_ntop(af, socket.inet_pton(af, address))


def instances(path):
    """The vrrp_instance blocks of a keepalived.conf as (family, interface, vrid, advert_int, VIPs)."""
    try:
        lines = open(path).read().split("\n")
    except (IOError, OSError):
        return []
    found, cur, depth, block = [], None, 0, None
    for line in lines:
        words = line.split()
        if words and depth == 0 and words[0] == "vrrp_instance":
            cur = {"iface": None, "vrid": None, "advert": 1.0, "vips": []}
            found.append(cur)
        elif words and cur is not None and depth == 1:
            if words[0] == "interface":
                cur["iface"] = words[1]
            elif words[0] == "virtual_router_id":
                cur["vrid"] = int(words[1])
            elif words[0] == "advert_int":
                cur["advert"] = float(words[1])
            block = words[0] if words[-1] == "{" else None
        elif words and words[0] != "}" and cur is not None and depth == 2 and block == "virtual_ipaddress":
            cur["vips"].append(words[0].split("/")[0])
        depth += line.count("{") - line.count("}")
        if depth == 0:
            cur = None
    result = []
    for i in found:
        if i["iface"] is None or i["vrid"] is None or not i["vips"]:
            continue
        family = 6 if ":" in i["vips"][0] else 4
        result.append((family, i["iface"], i["vrid"], i["advert"], frozenset(norm(v, family) for v in i["vips"])))
    return result


def foreign(family, iface, source, data, watched, ours, local):
    """The collision an advert shows (VRRP header onwards), or None."""
    if len(data) < 8:
        return None
    vrid, count = ord(data[1:2]), ord(data[3:4])
    key = (family, iface, vrid)
    source = source.split("%")[0]
    if key not in watched or source in local:
        return None
    size = 4 if family == 4 else 16
    af = socket.AF_INET if family == 4 else socket.AF_INET6
    addresses = frozenset(socket.inet_ntop(af, data[8 + k * size:8 + (k + 1) * size]) for k in range(count) if len(data) >= 8 + (k + 1) * size)
    if addresses in ours.get(key, ()):
        return None
    return "VRID %d on %s is already advertised by %s (addresses: %s)" % (vrid, iface, source, " ".join(sorted(addresses)) or "none")


def strip_ip_header(family, packet):
    if family == 6:
        return packet
    return packet[(ord(packet[0:1]) & 15) * 4:]


def listen(keys, seconds):
    socks = {}
    for family, iface in keys:
        try:
            index = int(open("/sys/class/net/%s/ifindex" % iface).read())
            if family == 4:
                s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
                # IP_ADD_MEMBERSHIP with struct ip_mreqn (group, any address, interface index)
                s.setsockopt(socket.IPPROTO_IP, 35, struct.pack("4s4si", socket.inet_aton("224.0.0.18"), socket.inet_aton("0.0.0.0"), index))
            else:
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
                # IPV6_ADD_MEMBERSHIP with struct ipv6_mreq (group, interface index)
                s.setsockopt(socket.IPPROTO_IPV6, 20, struct.pack("16si", socket.inet_pton(socket.AF_INET6, "ff02::12"), index))
            # SO_BINDTODEVICE: adverts of this interface only
            s.setsockopt(socket.SOL_SOCKET, 25, iface.encode("ascii") + b"\0")
        except (IOError, OSError, socket.error) as e:
            sys.stderr.write("haproxy-ha: warning: cannot listen for VRRP adverts on %s (IPv%d): %s; the VRID collision check skips it\n" % (iface, family, e))
            continue
        socks[s] = (family, iface)
    deadline = time.time() + seconds
    while socks:
        left = deadline - time.time()
        if left <= 0:
            break
        ready = select.select(list(socks), [], [], left)[0]
        for s in ready:
            packet, address = s.recvfrom(4096)
            family, iface = socks[s]
            yield family, iface, address[0], strip_ip_header(family, packet)


def replay(path):
    for line in open(path).read().split("\n"):
        if line.strip():
            family, iface, source, data = line.split()
            yield int(family), iface, source, strip_ip_header(int(family), binascii.unhexlify(data))


def main(argv):
    candidate = instances(argv[1])
    watched = set((i[0], i[1], i[2]) for i in candidate)
    ours = {}
    for family, iface, vrid, advert, vips in candidate + instances(argv[2]):
        ours.setdefault((family, iface, vrid), set()).add(vips)
    local = set(a.split("%")[0] for a in argv[3].split())
    if not watched:
        return 0
    seconds = min(max(3 * max(i[3] for i in candidate), 3.5), 10)
    packets = replay(argv[4]) if len(argv) > 4 else listen(sorted(set((k[0], k[1]) for k in watched)), seconds)
    for family, iface, source, data in packets:
        found = foreign(family, iface, source, data, watched, ours, local)
        if found:
            sys.stderr.write("haproxy-ha: %s: another VRRP router on the segment uses it; pick another virtualRouterId. The old config stays\n" % found)
            return 1
    return 0


try:
    code = main(sys.argv)
except Exception as e:  # a bug here must not pass for a collision (exit 1)
    sys.stderr.write("haproxy-ha: warning: the VRID collision check failed (%s: %s) and is skipped\n" % (type(e).__name__, e))
    code = 0
sys.exit(code)
HAPROXY_HA_VRID
fi

#### vrid-check.delete
set -eu
:

#### config.create
set -eu
keepalived_redact() {
  awk -v files="$*" -v hidden='(a line of keepalived'\''s that quotes a secret: not shown)' 'BEGIN { n = split(files, f, " "); for (i = 1; i <= n; i++) while ((getline l < f[i]) > 0) { split(l, w, " "); if (w[1] == "auth_pass" && w[2] != "") s[w[2]] = 1 } }
    { for (k in s) if (index($0, k)) { print hidden; next } } /auth_pass/ { print hidden; next } { print }'
}
target='/etc/keepalived/keepalived.conf'
backup='/var/lib/haproxy-ha/backup/etc/keepalived/keepalived.conf'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown 'root:root' "$tmp"
chmod '0600' "$tmp"
awk '$1 == "interface" { print $2 } NF > 1 && $(NF-1) == "dev" { print $NF } /^ *track_interface [{]/ { t = 1; next } t && /[}]/ { t = 0 } t { print $1 }' "$tmp" | sort -u | while read -r kif; do
  if [ ! -e "/sys/class/net/$kif" ]; then
    echo "haproxy-ha: interface $kif does not exist on this host (it has: $(cd /sys/class/net && echo *)); the old config stays" >&2; exit 1
  fi
done
awk 'NF > 1 && $(NF-1) == "dev" && $1 ~ /^[0-9.]+[/][0-9]+$/ { print $1, $NF }' "$tmp" | while read -r kvip kif; do
  ip -o -4 addr show dev "$kif" | awk -v vip="$kvip" 'function n(a, x) { split(a, x, "."); return ((x[1] * 256 + x[2]) * 256 + x[3]) * 256 + x[4] }
    BEGIN { split(vip, v, "/"); m = 2 ^ (32 - v[2]) } { split($4, s, "/"); if (int(n(s[1]) / m) == int(n(v[1]) / m)) ok = 1 } END { exit !ok }' ||
    { echo "haproxy-ha: VIP $kvip is in no subnet of interface $kif on this host; the old config stays" >&2; exit 1; }
done
awk '$1 == "script" && $2 ~ /^"[/]/ { sub(/^"/, "", $2); sub(/"$/, "", $2); print $2 }' "$tmp" | sort -u | while read -r kprog; do
  if [ -d "$kprog" ] || [ ! -x "$kprog" ]; then
    echo "haproxy-ha: track script program $kprog is not an executable file on this host; the old config stays" >&2; exit 1
  fi
done
vc_want=$(sed -n '1,3s/^# Rendered for keepalived \([0-9][0-9.]*\);.*/\1/p' "$tmp")
if [ -n "$vc_want" ]; then
  vc_have=$(keepalived -v 2>&1 | sed -n 's/^Keepalived v\([0-9][0-9.]*\).*/\1/p' | head -n 1)
  if [ "$(echo "$vc_want" | cut -d. -f1,2)" != "$(echo "$vc_have" | cut -d. -f1,2)" ]; then
    echo "haproxy-ha: on $(hostname): the config was rendered for keepalived $vc_want but keepalived ${vc_have:-(none)} is installed (the same major.minor is needed); nothing was swapped." \
      "Set os to the host's release, or raise reapply so the packages step reads the host again" >&2
    exit 1
  fi
fi
if keepalived --help 2>&1 | grep -q -- --config-test; then
  if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
    printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
  fi
fi
if [ -e "$target" ] && cmp -s "$tmp" "$target"; then
  echo "unchanged: $target"
  chown 'root:root' "$target"; chmod '0600' "$target"
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
fi
wanted='/var/lib/haproxy-ha/wanted/etc/keepalived/keepalived.conf'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0600 root root secret' > "$wanted.meta"

#### config.update
set -eu
keepalived_redact() {
  awk -v files="$*" -v hidden='(a line of keepalived'\''s that quotes a secret: not shown)' 'BEGIN { n = split(files, f, " "); for (i = 1; i <= n; i++) while ((getline l < f[i]) > 0) { split(l, w, " "); if (w[1] == "auth_pass" && w[2] != "") s[w[2]] = 1 } }
    { for (k in s) if (index($0, k)) { print hidden; next } } /auth_pass/ { print hidden; next } { print }'
}
target='/etc/keepalived/keepalived.conf'
backup='/var/lib/haproxy-ha/backup/etc/keepalived/keepalived.conf'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
prev=$(mktemp -d "$(dirname "$target")/.haproxy-ha-prev.XXXXXX")
trap 'rm -f "$tmp"; rm -rf "$prev"' EXIT
cat > "$tmp"
chown 'root:root' "$tmp"
chmod '0600' "$tmp"
awk '$1 == "interface" { print $2 } NF > 1 && $(NF-1) == "dev" { print $NF } /^ *track_interface [{]/ { t = 1; next } t && /[}]/ { t = 0 } t { print $1 }' "$tmp" | sort -u | while read -r kif; do
  if [ ! -e "/sys/class/net/$kif" ]; then
    echo "haproxy-ha: interface $kif does not exist on this host (it has: $(cd /sys/class/net && echo *)); the old config stays" >&2; exit 1
  fi
done
awk 'NF > 1 && $(NF-1) == "dev" && $1 ~ /^[0-9.]+[/][0-9]+$/ { print $1, $NF }' "$tmp" | while read -r kvip kif; do
  ip -o -4 addr show dev "$kif" | awk -v vip="$kvip" 'function n(a, x) { split(a, x, "."); return ((x[1] * 256 + x[2]) * 256 + x[3]) * 256 + x[4] }
    BEGIN { split(vip, v, "/"); m = 2 ^ (32 - v[2]) } { split($4, s, "/"); if (int(n(s[1]) / m) == int(n(v[1]) / m)) ok = 1 } END { exit !ok }' ||
    { echo "haproxy-ha: VIP $kvip is in no subnet of interface $kif on this host; the old config stays" >&2; exit 1; }
done
awk '$1 == "script" && $2 ~ /^"[/]/ { sub(/^"/, "", $2); sub(/"$/, "", $2); print $2 }' "$tmp" | sort -u | while read -r kprog; do
  if [ -d "$kprog" ] || [ ! -x "$kprog" ]; then
    echo "haproxy-ha: track script program $kprog is not an executable file on this host; the old config stays" >&2; exit 1
  fi
done
vc_want=$(sed -n '1,3s/^# Rendered for keepalived \([0-9][0-9.]*\);.*/\1/p' "$tmp")
if [ -n "$vc_want" ]; then
  vc_have=$(keepalived -v 2>&1 | sed -n 's/^Keepalived v\([0-9][0-9.]*\).*/\1/p' | head -n 1)
  if [ "$(echo "$vc_want" | cut -d. -f1,2)" != "$(echo "$vc_have" | cut -d. -f1,2)" ]; then
    echo "haproxy-ha: on $(hostname): the config was rendered for keepalived $vc_want but keepalived ${vc_have:-(none)} is installed (the same major.minor is needed); nothing was swapped." \
      "Set os to the host's release, or raise reapply so the packages step reads the host again" >&2
    exit 1
  fi
fi
if keepalived --help 2>&1 | grep -q -- --config-test; then
  if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
    printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
  fi
fi
if [ -e "$target" ] && cmp -s "$tmp" "$target"; then
  echo "unchanged: $target"
  chown 'root:root' "$target"; chmod '0600' "$target"
  changed=0
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  if [ -e "$target" ]; then cp -p "$target" "$prev/file"; fi
  if [ -e '/var/lib/haproxy-ha/wanted/etc/keepalived/keepalived.conf' ]; then cp -p '/var/lib/haproxy-ha/wanted/etc/keepalived/keepalived.conf' "$prev/wanted"; fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
  changed=1
fi
wanted='/var/lib/haproxy-ha/wanted/etc/keepalived/keepalived.conf'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0600 root root secret' > "$wanted.meta"
if [ "$changed" = 1 ]; then
  proc_root=${HAPROXY_HA_PROC_ROOT:-/proc}
  keepalived_children() { cat "$proc_root"/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[2] == p) print $1 }'; }
  keepalived_main_pid() { systemctl show -p MainPID 'keepalived' 2>/dev/null | sed -n 's/^MainPID=//p'; }
  keepalived_log() { journalctl -u 'keepalived' --since "$keepalived_since" --no-pager -o cat 2>/dev/null || true; }
  keepalived_v=$(keepalived --version 2>&1 | sed -n 's/^Keepalived v\([0-9][0-9.]*\).*/\1/p' | head -n 1)
  keepalived_says_complete=0
  if printf '%s\n' 2.2.2 "$keepalived_v" | sort -t. -k1,1n -k2,2n -k3,3n -c 2>/dev/null; then keepalived_says_complete=1; fi
  keepalived_reload() {
    keepalived_t=$(date +%s)
    while [ "$(date +%s)" = "$keepalived_t" ]; do sleep 0.1; done
    keepalived_since=$(date '+%Y-%m-%d %H:%M:%S')
    if systemctl is-active --quiet 'keepalived'; then
      keepalived_how=reload
      main=$(keepalived_main_pid)
      if [ -z "$main" ] || [ "$main" = 0 ]; then keepalived_why="active without a main PID: its reload cannot be checked"; return 1; fi
      systemctl reload 'keepalived' || { keepalived_why="systemctl reload failed"; return 1; }
    else
      keepalived_how=start
      systemctl start 'keepalived' || { keepalived_why="systemctl start failed"; return 1; }
      main=$(keepalived_main_pid)
    fi
    i=0
    while [ "$i" -lt 75 ]; do
      sleep 0.2
      i=$((i + 1))
      if ! systemctl is-active --quiet 'keepalived' || [ "$(keepalived_main_pid)" != "$main" ] || [ ! -e "$proc_root/$main" ]; then keepalived_why="the keepalived process exited"; return 1; fi
      if keepalived_log | grep -Eq '^(Reload|Startup) complete$' || keepalived_log | grep -Eiq 'unknown keyword|invalid|not supported|non-existent|doesn'\''t exist|does not exist|permanent error|terminating|died|cannot change|please restart|security violation|not found/accessible'; then break; fi
      if [ "$keepalived_says_complete" = 0 ] && [ "$i" -ge 15 ]; then break; fi
    done
    if [ -z "$(keepalived_children "$main")" ]; then keepalived_why="keepalived runs without its VRRP process"; return 1; fi
    if keepalived_log | grep -Eiq 'unknown keyword|invalid|not supported|non-existent|doesn'\''t exist|does not exist|permanent error|terminating|died|cannot change|please restart|security violation|not found/accessible'; then keepalived_why="keepalived refused it"; return 1; fi
    if [ "$keepalived_says_complete" = 1 ] && ! keepalived_log | grep -Eq '^(Reload|Startup) complete$'; then keepalived_why="keepalived did not report the $keepalived_how complete within 15 s"; return 1; fi
    return 0
  }
  keepalived_lines() {
    { keepalived_log | grep -Ei 'unknown keyword|invalid|not supported|non-existent|doesn'\''t exist|does not exist|permanent error|terminating|died|cannot change|please restart|security violation|not found/accessible' || keepalived_log | tail -n 5; } | head -n 8 | keepalived_redact "$target" "$prev/file"
  }
  if ! keepalived_reload; then
    lines=$(keepalived_lines)
    first=$keepalived_how; why=$keepalived_why
    keepalived_put_back() {
      [ -e "$prev"/file ] || return 1
      mv -f "$prev"/file "$target" || return 1
      echo "restored the previous $target"
      if [ -e "$prev"/wanted ]; then mv -f "$prev"/wanted "$wanted" || return 1; else cp "$target" "$wanted" || return 1; fi
    }
    if ! keepalived_put_back; then
      echo "haproxy-ha: keepalived did not load the new config at $first ($why), and there is no previous config to put back" >&2
    elif keepalived_reload; then
      if [ "$first" = start ]; then echo "haproxy-ha: keepalived did not start with the new config ($why); the previous config is back in place" >&2
      else echo "haproxy-ha: keepalived did not load the new config at reload ($why); the previous config is back in place" >&2; fi
    else
      echo "haproxy-ha: keepalived did not load the new config at $first ($why), nor the previous one put back in place after it ($keepalived_why)" >&2
    fi
    if [ -n "$lines" ]; then printf '%s\n' "$lines" >&2; fi
    exit 1
  fi
fi
if grep -qxF '# haproxy-ha: state maint: priority 1 in every instance, the peer holds the VIPs' '/etc/keepalived/keepalived.conf'; then
  maint_vips=$(awk 'NF == 3 && $2 == "dev" && $1 ~ /[/][0-9]+$/ { print $1, $3 }' '/etc/keepalived/keepalived.conf')
  maint_held() {
    printf '%s\n' "$maint_vips" | while read -r mv mif; do
      [ -n "$mv" ] || continue
      if ip -o addr show dev "$mif" 2>/dev/null | awk -v a="${mv%/*}" '{ split($4, x, "/"); if (x[1] == a) f = 1 } END { exit !f }'; then echo "${mv%/*}"; fi
    done
  }
  if [ -n "$(maint_held)" ] && grep -Eq '^[[:space:]]*nopreempt[[:space:]]*$' '/etc/keepalived/keepalived.conf'; then
    echo "haproxy-ha: state maint with nopreempt: restarting keepalived (its stop sends a priority-0 advert) to hand the VIPs over" >&2
    systemctl restart keepalived
  fi
  maint_i=0
  while held=$(maint_held) && [ -n "$held" ]; do
    if [ "$maint_i" -ge 70 ]; then
      echo "haproxy-ha: in state maint, but this node still holds $(printf '%s' "$held" | tr '\n' ' ') after 14 s: the peer did not take them (is keepalived running on the peer, and its priority above 1?)" >&2
      exit 1
    fi
    sleep "${HAPROXY_HA_POLL_S:-0.2}"
    maint_i=$((maint_i + 1))
  done
fi

#### config.delete
set -eu
target='/etc/keepalived/keepalived.conf'
backup='/var/lib/haproxy-ha/backup/etc/keepalived/keepalived.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/keepalived/keepalived.conf' '/var/lib/haproxy-ha/wanted/etc/keepalived/keepalived.conf.meta'
if systemctl is-active --quiet 'keepalived'; then systemctl reload 'keepalived'; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### service.create
set -eu
saved='/var/lib/haproxy-ha/services/keepalived'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'keepalived' 2>/dev/null || true)" "$(systemctl is-active 'keepalived' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'keepalived' 2>/dev/null)" = enabled ] || systemctl enable 'keepalived' >/dev/null 2>&1 || systemctl enable 'keepalived'
if ! systemctl restart 'keepalived'; then
  echo 'haproxy-ha: keepalived failed to restart on '"$(hostname)"'; trying once more in 2 s' >&2
  sleep 2
  systemctl restart 'keepalived'
fi
if grep -qxF '# haproxy-ha: state maint: priority 1 in every instance, the peer holds the VIPs' '/etc/keepalived/keepalived.conf'; then
  maint_vips=$(awk 'NF == 3 && $2 == "dev" && $1 ~ /[/][0-9]+$/ { print $1, $3 }' '/etc/keepalived/keepalived.conf')
  maint_held() {
    printf '%s\n' "$maint_vips" | while read -r mv mif; do
      [ -n "$mv" ] || continue
      if ip -o addr show dev "$mif" 2>/dev/null | awk -v a="${mv%/*}" '{ split($4, x, "/"); if (x[1] == a) f = 1 } END { exit !f }'; then echo "${mv%/*}"; fi
    done
  }
  if [ -n "$(maint_held)" ] && grep -Eq '^[[:space:]]*nopreempt[[:space:]]*$' '/etc/keepalived/keepalived.conf'; then
    echo "haproxy-ha: state maint with nopreempt: restarting keepalived (its stop sends a priority-0 advert) to hand the VIPs over" >&2
    systemctl restart keepalived
  fi
  maint_i=0
  while held=$(maint_held) && [ -n "$held" ]; do
    if [ "$maint_i" -ge 70 ]; then
      echo "haproxy-ha: in state maint, but this node still holds $(printf '%s' "$held" | tr '\n' ' ') after 14 s: the peer did not take them (is keepalived running on the peer, and its priority above 1?)" >&2
      exit 1
    fi
    sleep "${HAPROXY_HA_POLL_S:-0.2}"
    maint_i=$((maint_i + 1))
  done
fi

#### service.update
set -eu
[ "$(systemctl is-enabled 'keepalived' 2>/dev/null)" = enabled ] || systemctl enable 'keepalived' >/dev/null 2>&1 || systemctl enable 'keepalived'
if systemctl is-active --quiet 'keepalived'; then systemctl reload 'keepalived'; else systemctl start 'keepalived'; fi

#### service.delete
set -eu
saved='/var/lib/haproxy-ha/services/keepalived'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'keepalived' 2>/dev/null)" = enabled ] || systemctl enable 'keepalived' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'keepalived' 2>/dev/null)" = enabled ]; then systemctl disable 'keepalived' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'keepalived' >/dev/null 2>&1 || true; else systemctl stop 'keepalived' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
