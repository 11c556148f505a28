#### packages.create
set -eu
exec 9<'/var/lib'
flock -w 900 9
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
if [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ]; then mv -f /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault /etc/yum.repos.d/CentOS-Base.repo; fi
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
elif el_major -eq 8; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif el_major -ge 9; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif [ "$ID" = debian ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'keepalived' 2>/dev/null)" = "ii " ] || missing=1
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'iputils-ping' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'keepalived' 'iputils-ping'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils-ping' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif [ "$ID" = ubuntu ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'keepalived' 2>/dev/null)" = "ii " ] || missing=1
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'iputils-ping' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'keepalived' 'iputils-ping'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils-ping' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### packages.update
set -eu
exec 9<'/var/lib'
flock -w 900 9
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
if [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ]; then mv -f /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault /etc/yum.repos.d/CentOS-Base.repo; fi
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
elif el_major -eq 8; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif el_major -ge 9; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
rpm -q 'keepalived' >/dev/null 2>&1 || missing=1
rpm -q 'iputils' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'keepalived' 'iputils'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif [ "$ID" = debian ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'keepalived' 2>/dev/null)" = "ii " ] || missing=1
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'iputils-ping' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'keepalived' 'iputils-ping'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils-ping' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
elif [ "$ID" = ubuntu ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'keepalived' 2>/dev/null)" = "ii " ] || missing=1
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'iputils-ping' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'keepalived' 'iputils-ping'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'keepalived' 'iputils-ping' > '/var/lib/haproxy-ha/wanted-packages/keepalived'
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### packages.delete
set -eu
exec 9<'/var/lib'
flock -w 900 9
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
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
elif el_major -eq 8; then
installed='/var/lib/haproxy-ha/installed/keepalived'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    dnf remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/keepalived'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -ge 9; then
installed='/var/lib/haproxy-ha/installed/keepalived'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    dnf remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/keepalived'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    dnf remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/keepalived'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = debian ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/keepalived'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = ubuntu ]; then
installed='/var/lib/haproxy-ha/installed/keepalived'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/keepalived'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### firewall.create
set -eu
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
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
elif el_major -eq 8; then
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
elif el_major -ge 9; then
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
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
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
elif [ "$ID" = debian ]; then
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
ufw_changed=0
for entry in '/etc/ufw/before.rules:ufw-before-input' '/etc/ufw/before6.rules:ufw6-before-input'; do
  rules=${entry%%:*} chain=${entry#*:}
  if [ -f "$rules" ] && ! grep -qxF '# haproxy-ha: VRRP' "$rules"; then
    awk -v m='# haproxy-ha: VRRP' -v c="$chain" 'NR == FNR { if ($0 == "COMMIT") last = FNR; next } FNR == last { print m; print "-A " c " -p 112 -j ACCEPT" } { print }' "$rules" "$rules" > "$rules.haproxy-ha"
    cat "$rules.haproxy-ha" > "$rules"; rm -f "$rules.haproxy-ha"; ufw_changed=1
  fi
done
if [ "$ufw_changed" = 1 ] && command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then ufw reload >/dev/null; fi
elif [ "$ID" = ubuntu ]; then
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
ufw_changed=0
for entry in '/etc/ufw/before.rules:ufw-before-input' '/etc/ufw/before6.rules:ufw6-before-input'; do
  rules=${entry%%:*} chain=${entry#*:}
  if [ -f "$rules" ] && ! grep -qxF '# haproxy-ha: VRRP' "$rules"; then
    awk -v m='# haproxy-ha: VRRP' -v c="$chain" 'NR == FNR { if ($0 == "COMMIT") last = FNR; next } FNR == last { print m; print "-A " c " -p 112 -j ACCEPT" } { print }' "$rules" "$rules" > "$rules.haproxy-ha"
    cat "$rules.haproxy-ha" > "$rules"; rm -f "$rules.haproxy-ha"; ufw_changed=1
  fi
done
if [ "$ufw_changed" = 1 ] && command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then ufw reload >/dev/null; fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### firewall.delete
set -eu
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp' ]; then firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp'; fi
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent' ]; then firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'; fi
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -eq 8; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp' ]; then firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp'; fi
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent' ]; then firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'; fi
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -ge 9; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp' ]; then firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp'; fi
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent' ]; then firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'; fi
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp' ]; then firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp'; fi
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent' ]; then firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'; fi
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = debian ]; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp' ]; then firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp'; fi
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent' ]; then firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'; fi
fi
ufw_changed=0
for entry in '/etc/ufw/before.rules:ufw-before-input' '/etc/ufw/before6.rules:ufw6-before-input'; do
  rules=${entry%%:*}
  if [ -f "$rules" ] && grep -qxF '# haproxy-ha: VRRP' "$rules"; then
    awk -v m='# haproxy-ha: VRRP' 'skip { skip = 0; next } $0 == m { skip = 1; next } { print }' "$rules" > "$rules.haproxy-ha"
    cat "$rules.haproxy-ha" > "$rules"; rm -f "$rules.haproxy-ha"; ufw_changed=1
  fi
done
if [ "$ufw_changed" = 1 ] && command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then ufw reload >/dev/null; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = ubuntu ]; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp' ]; then firewall-cmd -q --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp'; fi
  if [ -e '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent' ]; then firewall-cmd -q --permanent --remove-rich-rule='rule protocol value="vrrp" accept' || true; rm -f '/var/lib/haproxy-ha/firewall/firewalld-vrrp.permanent'; fi
fi
ufw_changed=0
for entry in '/etc/ufw/before.rules:ufw-before-input' '/etc/ufw/before6.rules:ufw6-before-input'; do
  rules=${entry%%:*}
  if [ -f "$rules" ] && grep -qxF '# haproxy-ha: VRRP' "$rules"; then
    awk -v m='# haproxy-ha: VRRP' 'skip { skip = 0; next } $0 == m { skip = 1; next } { print }' "$rules" > "$rules.haproxy-ha"
    cat "$rules.haproxy-ha" > "$rules"; rm -f "$rules.haproxy-ha"; ufw_changed=1
  fi
done
if [ "$ufw_changed" = 1 ] && command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then ufw reload >/dev/null; fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

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
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
if keepalived --help 2>&1 | grep -q -- --config-test; then
  if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
    printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
  fi
fi
elif el_major -eq 8; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif el_major -ge 9; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = debian ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = ubuntu ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
kpy=
if [ -x '/usr/bin/python2' ]; then kpy='/usr/bin/python2'; elif [ -x '/usr/bin/python' ]; then kpy='/usr/bin/python'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python2, /usr/bin/python on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif el_major -eq 8; then
kpy=
if [ -x '/usr/libexec/platform-python' ]; then kpy='/usr/libexec/platform-python'; elif [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/libexec/platform-python, /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif el_major -ge 9; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif [ "$ID" = debian ]; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif [ "$ID" = ubuntu ]; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
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
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
if keepalived --help 2>&1 | grep -q -- --config-test; then
  if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
    printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
  fi
fi
elif el_major -eq 8; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif el_major -ge 9; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = debian ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
elif [ "$ID" = ubuntu ]; then
if ! kt_out=$(keepalived -t -f "$tmp" 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq 'unknown keyword|invalid|error|not supported'; then
  printf '%s\n' "$kt_out" | keepalived_redact "$tmp" "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1
fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
kpy=
if [ -x '/usr/bin/python2' ]; then kpy='/usr/bin/python2'; elif [ -x '/usr/bin/python' ]; then kpy='/usr/bin/python'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python2, /usr/bin/python on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif el_major -eq 8; then
kpy=
if [ -x '/usr/libexec/platform-python' ]; then kpy='/usr/libexec/platform-python'; elif [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/libexec/platform-python, /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif el_major -ge 9; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif [ "$ID" = debian ]; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
elif [ "$ID" = ubuntu ]; then
kpy=
if [ -x '/usr/bin/python3' ]; then kpy='/usr/bin/python3'; fi
if [ -z "$kpy" ]; then
  echo "haproxy-ha: warning: none of /usr/bin/python3 on this host: the VRID collision check is skipped" >&2
else
  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\n' ' ')
  "$kpy" - "$tmp" '/etc/keepalived/keepalived.conf' "$klocal" <<'HAPROXY_HA_VRID' || exit 1
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
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
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
systemctl restart 'keepalived'

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
