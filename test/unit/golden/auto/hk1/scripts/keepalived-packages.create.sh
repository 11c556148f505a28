set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 7 ]; then
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
rpm -q 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
rpm -q 'iputils' >/dev/null 2>&1 || missing="$missing iputils"
if ! rpm -q 'keepalived' 'iputils' >/dev/null 2>&1; then
  yum install -y -q 'keepalived' 'iputils'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; then
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
rpm -q 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
rpm -q 'iputils' >/dev/null 2>&1 || missing="$missing iputils"
if ! rpm -q 'keepalived' 'iputils' >/dev/null 2>&1; then
  dnf install -y -q 'keepalived' 'iputils'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
elif [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" -ge 9 ]; then
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
rpm -q 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
rpm -q 'iputils' >/dev/null 2>&1 || missing="$missing iputils"
if ! rpm -q 'keepalived' 'iputils' >/dev/null 2>&1; then
  dnf install -y -q 'keepalived' 'iputils'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
elif [ "$ID" = debian ]; then
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
dpkg -s 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
dpkg -s 'iputils-ping' >/dev/null 2>&1 || missing="$missing iputils-ping"
if ! dpkg -s 'keepalived' 'iputils-ping' >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q 'keepalived' 'iputils-ping'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
elif [ "$ID" = ubuntu ]; then
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
dpkg -s 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
dpkg -s 'iputils-ping' >/dev/null 2>&1 || missing="$missing iputils-ping"
if ! dpkg -s 'keepalived' 'iputils-ping' >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q 'keepalived' 'iputils-ping'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
else
  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3
fi
