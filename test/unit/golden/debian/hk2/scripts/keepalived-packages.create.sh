set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$ID" = debian ]; }; then
  echo 'haproxy-ha: os is set to debian but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
dpkg -s 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
dpkg -s 'iputils-ping' >/dev/null 2>&1 || missing="$missing iputils-ping"
if ! dpkg -s 'keepalived' 'iputils-ping' >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q 'keepalived' 'iputils-ping'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
