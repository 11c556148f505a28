set -eu
. /etc/os-release
OS_MAJOR=${VERSION_ID%%.*}
case " $ID ${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac
if ! { [ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" = 8 ]; }; then
  echo 'haproxy-ha: os is set to el8 but this host is' "$ID $VERSION_ID" >&2; exit 3
fi
mkdir -p '/var/lib/haproxy-ha/packages'
missing=""
rpm -q 'keepalived' >/dev/null 2>&1 || missing="$missing keepalived"
rpm -q 'iputils' >/dev/null 2>&1 || missing="$missing iputils"
if ! rpm -q 'keepalived' 'iputils' >/dev/null 2>&1; then
  dnf install -y -q 'keepalived' 'iputils'
fi
for p in $missing; do : > '/var/lib/haproxy-ha/packages/'"$p"; done
