set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$ID" = ubuntu ]; }; then
  echo 'haproxy-ha: os is set to ubuntu but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
dpkg -s 'nginx' >/dev/null 2>&1 || missing="$missing nginx"
if ! dpkg -s 'nginx' >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q 'nginx'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
