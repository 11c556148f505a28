set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; }; then
  echo 'haproxy-ha: os is set to centos7 but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
if [ -f /etc/yum.repos.d/CentOS-Base.repo ] && grep -q '^mirrorlist=' /etc/yum.repos.d/CentOS-Base.repo; then
  mkdir -p "$(dirname /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault)"
  [ -e /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault ] || cp -p /etc/yum.repos.d/CentOS-Base.repo /var/lib/haproxy-ha/backup/etc/yum.repos.d/CentOS-Base.repo.vault
  sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\{0,1\}baseurl=http://mirror.centos.org/centos/\$releasever|baseurl=http://vault.centos.org/7.9.2009|' /etc/yum.repos.d/CentOS-Base.repo
fi
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
rpm -q 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
rpm -q 'iputils' >/dev/null 2>&1 || missing="$missing iputils"
if ! rpm -q 'keepalived' 'iputils' >/dev/null 2>&1; then
  yum install -y -q 'keepalived' 'iputils'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
