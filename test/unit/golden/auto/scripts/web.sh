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
elif el_major -eq 8; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
elif el_major -ge 9; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
elif [ "$ID" = debian ]; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'nginx' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'nginx'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'nginx' > '/var/lib/haproxy-ha/wanted-packages/web'
elif [ "$ID" = ubuntu ]; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'nginx' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'nginx'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'nginx' > '/var/lib/haproxy-ha/wanted-packages/web'
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
elif el_major -eq 8; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
elif el_major -ge 9; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
rpm -q 'httpd' >/dev/null 2>&1 || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  rpm -qa --qf '%{NAME}\n' | sort > "$before"
  dnf install -y -q --setopt=install_weak_deps=False 'httpd'
  rpm -qa --qf '%{NAME}\n' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'httpd' > '/var/lib/haproxy-ha/wanted-packages/web'
elif [ "$ID" = debian ]; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'nginx' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'nginx'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'nginx' > '/var/lib/haproxy-ha/wanted-packages/web'
elif [ "$ID" = ubuntu ]; then
installed='/var/lib/haproxy-ha/installed/web'
missing=0
[ "$(dpkg-query -W -f '${db:Status-Abbrev}' 'nginx' 2>/dev/null)" = "ii " ] || missing=1
if [ "$missing" = 1 ]; then
  mkdir -p "$installed"
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort > "$before"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends 'nginx'
  dpkg-query -W -f '${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done
fi
mkdir -p '/var/lib/haproxy-ha/wanted-packages'
printf '%s\n' 'nginx' > '/var/lib/haproxy-ha/wanted-packages/web'
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
elif el_major -eq 8; then
installed='/var/lib/haproxy-ha/installed/web'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    dnf remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/web'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -ge 9; then
installed='/var/lib/haproxy-ha/installed/web'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    dnf remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/web'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
installed='/var/lib/haproxy-ha/installed/web'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    dnf remove -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/web'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = debian ]; then
installed='/var/lib/haproxy-ha/installed/web'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/web'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = ubuntu ]; then
installed='/var/lib/haproxy-ha/installed/web'
if [ -d "$installed" ]; then
  pkgs=""
  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs ${f##*/}"; fi; done
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $pkgs
  fi
  rm -rf "$installed"
fi
rm -f '/var/lib/haproxy-ha/wanted-packages/web'
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
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1 && ! firewall-cmd -q --query-port='80/tcp'; then
  firewall-cmd -q --add-port='80/tcp' && firewall-cmd -q --permanent --add-port='80/tcp'
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
elif el_major -eq 8; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1 && ! firewall-cmd -q --query-port='80/tcp'; then
  firewall-cmd -q --add-port='80/tcp' && firewall-cmd -q --permanent --add-port='80/tcp'
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
elif el_major -ge 9; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1 && ! firewall-cmd -q --query-port='80/tcp'; then
  firewall-cmd -q --add-port='80/tcp' && firewall-cmd -q --permanent --add-port='80/tcp'
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1 && ! firewall-cmd -q --query-port='80/tcp'; then
  firewall-cmd -q --add-port='80/tcp' && firewall-cmd -q --permanent --add-port='80/tcp'
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
elif [ "$ID" = debian ]; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1 && ! firewall-cmd -q --query-port='80/tcp'; then
  firewall-cmd -q --add-port='80/tcp' && firewall-cmd -q --permanent --add-port='80/tcp'
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active' && ! ufw status | grep -Eq '^80/tcp[[:space:]]+ALLOW'; then
  ufw allow '80/tcp' >/dev/null
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/ufw-80-tcp'
fi
elif [ "$ID" = ubuntu ]; then
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1 && ! firewall-cmd -q --query-port='80/tcp'; then
  firewall-cmd -q --add-port='80/tcp' && firewall-cmd -q --permanent --add-port='80/tcp'
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active' && ! ufw status | grep -Eq '^80/tcp[[:space:]]+ALLOW'; then
  ufw allow '80/tcp' >/dev/null
  mkdir -p '/var/lib/haproxy-ha/firewall' && : > '/var/lib/haproxy-ha/firewall/ufw-80-tcp'
fi
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
if [ -e '/var/lib/haproxy-ha/firewall/firewalld-80-tcp' ]; then
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then firewall-cmd -q --remove-port='80/tcp' && firewall-cmd -q --permanent --remove-port='80/tcp'
  else echo "haproxy-ha: firewalld is not running; remove 80/tcp from its permanent config by hand" >&2; fi
  rm -f '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -eq 8; then
if [ -e '/var/lib/haproxy-ha/firewall/firewalld-80-tcp' ]; then
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then firewall-cmd -q --remove-port='80/tcp' && firewall-cmd -q --permanent --remove-port='80/tcp'
  else echo "haproxy-ha: firewalld is not running; remove 80/tcp from its permanent config by hand" >&2; fi
  rm -f '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -ge 9; then
if [ -e '/var/lib/haproxy-ha/firewall/firewalld-80-tcp' ]; then
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then firewall-cmd -q --remove-port='80/tcp' && firewall-cmd -q --permanent --remove-port='80/tcp'
  else echo "haproxy-ha: firewalld is not running; remove 80/tcp from its permanent config by hand" >&2; fi
  rm -f '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
if [ -e '/var/lib/haproxy-ha/firewall/firewalld-80-tcp' ]; then
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then firewall-cmd -q --remove-port='80/tcp' && firewall-cmd -q --permanent --remove-port='80/tcp'
  else echo "haproxy-ha: firewalld is not running; remove 80/tcp from its permanent config by hand" >&2; fi
  rm -f '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = debian ]; then
if [ -e '/var/lib/haproxy-ha/firewall/firewalld-80-tcp' ]; then
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then firewall-cmd -q --remove-port='80/tcp' && firewall-cmd -q --permanent --remove-port='80/tcp'
  else echo "haproxy-ha: firewalld is not running; remove 80/tcp from its permanent config by hand" >&2; fi
  rm -f '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
if [ -e '/var/lib/haproxy-ha/firewall/ufw-80-tcp' ]; then
  ufw delete allow '80/tcp' >/dev/null
  rm -f '/var/lib/haproxy-ha/firewall/ufw-80-tcp'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = ubuntu ]; then
if [ -e '/var/lib/haproxy-ha/firewall/firewalld-80-tcp' ]; then
  if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then firewall-cmd -q --remove-port='80/tcp' && firewall-cmd -q --permanent --remove-port='80/tcp'
  else echo "haproxy-ha: firewalld is not running; remove 80/tcp from its permanent config by hand" >&2; fi
  rm -f '/var/lib/haproxy-ha/firewall/firewalld-80-tcp'
fi
if [ -e '/var/lib/haproxy-ha/firewall/ufw-80-tcp' ]; then
  ufw delete allow '80/tcp' >/dev/null
  rm -f '/var/lib/haproxy-ha/firewall/ufw-80-tcp'
fi
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### site.create
set -eu
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
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
elif el_major -eq 8; then
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
elif el_major -ge 9; then
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
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
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
  chown 'root:root' "$target"; chmod '0644' "$target"
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
fi
wanted='/var/lib/haproxy-ha/wanted/etc/nginx/sites-enabled/haproxy-ha-web'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0644 root root plain' > "$wanted.meta"
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
  chown 'root:root' "$target"; chmod '0644' "$target"
else
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
  fi
  mv -f "$tmp" "$target"
  echo "installed: $target"
fi
wanted='/var/lib/haproxy-ha/wanted/etc/nginx/sites-enabled/haproxy-ha-web'
mkdir -p "$(dirname "$wanted")"
cp "$target" "$wanted" && chmod 0600 "$wanted"
printf '%s\n' '0644 root root plain' > "$wanted.meta"
}
if [ -L /etc/nginx/sites-enabled/default ]; then
  mkdir -p /var/lib/haproxy-ha && mv /etc/nginx/sites-enabled/default /var/lib/haproxy-ha/nginx-default-site.link
fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### site.delete
set -eu
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf' '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; fi
elif el_major -eq 8; then
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf' '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; fi
elif el_major -ge 9; then
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf' '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; fi
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
target='/etc/httpd/conf.d/haproxy-ha-web.conf'
backup='/var/lib/haproxy-ha/backup/etc/httpd/conf.d/haproxy-ha-web.conf'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf' '/var/lib/haproxy-ha/wanted/etc/httpd/conf.d/haproxy-ha-web.conf.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; fi
elif [ "$ID" = debian ]; then
target='/etc/nginx/sites-enabled/haproxy-ha-web'
backup='/var/lib/haproxy-ha/backup/etc/nginx/sites-enabled/haproxy-ha-web'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/nginx/sites-enabled/haproxy-ha-web' '/var/lib/haproxy-ha/wanted/etc/nginx/sites-enabled/haproxy-ha-web.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -L /var/lib/haproxy-ha/nginx-default-site.link ] && [ ! -e /etc/nginx/sites-enabled/default ]; then
  mv /var/lib/haproxy-ha/nginx-default-site.link /etc/nginx/sites-enabled/default
fi
if systemctl is-active --quiet 'nginx'; then systemctl reload 'nginx'; fi
elif [ "$ID" = ubuntu ]; then
target='/etc/nginx/sites-enabled/haproxy-ha-web'
backup='/var/lib/haproxy-ha/backup/etc/nginx/sites-enabled/haproxy-ha-web'
if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"
else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi
rm -f '/var/lib/haproxy-ha/wanted/etc/nginx/sites-enabled/haproxy-ha-web' '/var/lib/haproxy-ha/wanted/etc/nginx/sites-enabled/haproxy-ha-web.meta'
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
if [ -L /var/lib/haproxy-ha/nginx-default-site.link ] && [ ! -e /etc/nginx/sites-enabled/default ]; then
  mv /var/lib/haproxy-ha/nginx-default-site.link /etc/nginx/sites-enabled/default
fi
if systemctl is-active --quiet 'nginx'; then systemctl reload 'nginx'; fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

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
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
saved='/var/lib/haproxy-ha/services/httpd'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'httpd' 2>/dev/null || true)" "$(systemctl is-active 'httpd' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
systemctl restart 'httpd'
elif el_major -eq 8; then
saved='/var/lib/haproxy-ha/services/httpd'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'httpd' 2>/dev/null || true)" "$(systemctl is-active 'httpd' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
systemctl restart 'httpd'
elif el_major -ge 9; then
saved='/var/lib/haproxy-ha/services/httpd'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'httpd' 2>/dev/null || true)" "$(systemctl is-active 'httpd' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
systemctl restart 'httpd'
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
saved='/var/lib/haproxy-ha/services/httpd'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'httpd' 2>/dev/null || true)" "$(systemctl is-active 'httpd' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
systemctl restart 'httpd'
elif [ "$ID" = debian ]; then
saved='/var/lib/haproxy-ha/services/nginx'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'nginx' 2>/dev/null || true)" "$(systemctl is-active 'nginx' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ] || systemctl enable 'nginx' >/dev/null 2>&1 || systemctl enable 'nginx'
systemctl restart 'nginx'
elif [ "$ID" = ubuntu ]; then
saved='/var/lib/haproxy-ha/services/nginx'
if [ ! -e "$saved" ]; then
  mkdir -p "$(dirname "$saved")"
  printf '%s %s\n' "$(systemctl is-enabled 'nginx' 2>/dev/null || true)" "$(systemctl is-active 'nginx' 2>/dev/null || true)" > "$saved"
fi
[ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ] || systemctl enable 'nginx' >/dev/null 2>&1 || systemctl enable 'nginx'
systemctl restart 'nginx'
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### service.update
set -eu
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
elif el_major -eq 8; then
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
elif el_major -ge 9; then
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
[ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || systemctl enable 'httpd'
if systemctl is-active --quiet 'httpd'; then systemctl reload 'httpd'; else systemctl start 'httpd'; fi
elif [ "$ID" = debian ]; then
[ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ] || systemctl enable 'nginx' >/dev/null 2>&1 || systemctl enable 'nginx'
if systemctl is-active --quiet 'nginx'; then systemctl reload 'nginx'; else systemctl start 'nginx'; fi
elif [ "$ID" = ubuntu ]; then
[ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ] || systemctl enable 'nginx' >/dev/null 2>&1 || systemctl enable 'nginx'
if systemctl is-active --quiet 'nginx'; then systemctl reload 'nginx'; else systemctl start 'nginx'; fi
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi

#### service.delete
set -eu
# shellcheck disable=SC1091
. /etc/os-release
ID=${ID:-unknown}
VERSION_ID=${VERSION_ID:-}
el_major() { case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }
if el_major -eq 7; then
saved='/var/lib/haproxy-ha/services/httpd'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ]; then systemctl disable 'httpd' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'httpd' >/dev/null 2>&1 || true; else systemctl stop 'httpd' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -eq 8; then
saved='/var/lib/haproxy-ha/services/httpd'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ]; then systemctl disable 'httpd' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'httpd' >/dev/null 2>&1 || true; else systemctl stop 'httpd' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif el_major -ge 9; then
saved='/var/lib/haproxy-ha/services/httpd'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ]; then systemctl disable 'httpd' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'httpd' >/dev/null 2>&1 || true; else systemctl stop 'httpd' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = amzn ] && [ "${VERSION_ID%%.*}" = 2023 ]; then
saved='/var/lib/haproxy-ha/services/httpd'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ] || systemctl enable 'httpd' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'httpd' 2>/dev/null)" = enabled ]; then systemctl disable 'httpd' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'httpd' >/dev/null 2>&1 || true; else systemctl stop 'httpd' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = debian ]; then
saved='/var/lib/haproxy-ha/services/nginx'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ] || systemctl enable 'nginx' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ]; then systemctl disable 'nginx' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'nginx' >/dev/null 2>&1 || true; else systemctl stop 'nginx' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
elif [ "$ID" = ubuntu ]; then
saved='/var/lib/haproxy-ha/services/nginx'
was_enabled=""; was_active=""
if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi
if [ "$was_enabled" = enabled ]; then [ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ] || systemctl enable 'nginx' >/dev/null 2>&1 || true
elif [ "$(systemctl is-enabled 'nginx' 2>/dev/null)" = enabled ]; then systemctl disable 'nginx' >/dev/null 2>&1 || true; fi
if [ "$was_active" = active ]; then systemctl start 'nginx' >/dev/null 2>&1 || true; else systemctl stop 'nginx' >/dev/null 2>&1 || true; fi
rm -f "$saved"
find '/var/lib/haproxy-ha' -depth -type d -empty -delete 2>/dev/null || true
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
