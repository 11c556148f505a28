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
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  yum install -y -q 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
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
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  yum install -y -q 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
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
installed='/var/lib/haproxy-ha/installed/web'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    yum remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/web'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ]; then mv -f /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault /etc/yum.repos.d/CentOS-Base.repo; fi

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

#### site.create
set -eu
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
  chown 'root:root' "$target"; chmod '0644' "$target"
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
fi
wanted='/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0644 root root plain' > "$wanted.meta"
}
:

#### site.delete
set -eu
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf' '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; fi

#### page.create
set -eu
target='/var/www/html/index.html'
backup='/var/lib/haproxy-ha/backup/var/www/html/index.html'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown 'root:root' "$tmp"
chmod '0644' "$tmp"
if [ -e "$target" ] && cmp -s "$tmp" "$target"; then
  echo "unchanged: $target"
  chown 'root:root' "$target"; chmod '0644' "$target"
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
fi
wanted='/var/lib/haproxy-ha/wanted/var/www/html/index.html'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0644 root root plain' > "$wanted.meta"

#### page.update
set -eu
target='/var/www/html/index.html'
backup='/var/lib/haproxy-ha/backup/var/www/html/index.html'
mkdir -p "$(dirname "$target")" "$(dirname "$backup")"
tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
chown 'root:root' "$tmp"
chmod '0644' "$tmp"
if [ -e "$target" ] && cmp -s "$tmp" "$target"; then
  echo "unchanged: $target"
  chown 'root:root' "$target"; chmod '0644' "$target"
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
fi
wanted='/var/lib/haproxy-ha/wanted/var/www/html/index.html'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0644 root root plain' > "$wanted.meta"

#### page.delete
set -eu
target='/var/www/html/index.html'
backup='/var/lib/haproxy-ha/backup/var/www/html/index.html'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/var/www/html/index.html' '/var/lib/haproxy-ha/wanted/var/www/html/index.html.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true

#### service.create
set -eu
saved='/var/lib/haproxy-ha/services/httpd'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'httpd' 2>/dev/null || true)" "$(systemctl is-active 'httpd' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
if ! systemctl restart 'httpd'; then
  echo 'haproxy-ha: httpd failed to restart on '"$(hostname)"'; trying once more in 2 s' >&2
  sleep 2
  systemctl restart 'httpd'
fi

#### service.update
set -eu
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi

#### service.delete
set -eu
saved='/var/lib/haproxy-ha/services/httpd'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ]; then systemctl disable 'httpd' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'httpd' >/dev/null 2>&1 || true; else systemctl stop 'httpd' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
