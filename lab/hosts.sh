#!/usr/bin/env bash
# Local lab of real Debian hosts for the haproxy-ha integration tests.
#
# Each host is a booted systemd-nspawn container (systemd as PID 1, sshd, haproxy,
# keepalived, nginx preinstalled but disabled) on an overlay of one cached rootfs,
# with its own network namespace wired into a bridge that lives in a separate
# "switch" namespace. The SSH client / Pulumi engine run in the control namespace
# `hactl`. Nothing touches the machine's own network namespace.
#
#   hosts.sh up | down | status
#   hosts.sh exec HOST -- CMD...     run CMD inside HOST (exit code passed through)
#   hosts.sh ctl -- CMD...           run CMD in the control namespace
#   hosts.sh kill HOST               hard-kill HOST and remove its network (dead host)
#   hosts.sh stop HOST               clean shutdown of HOST, then remove its network
#   hosts.sh start HOST              (re)boot HOST with the same address, MAC and disk
#   hosts.sh link HOST down|up       bridge-side veth down/up (HOST loses carrier)
#   hosts.sh link HOST cut|join      detach/attach HOST from the bridge, carrier kept
#   hosts.sh reset HOST              throw away HOST's disk changes (fresh host)
#
# Environment: LAB_STATE (default /var/lib/haproxy-ha-lab), LAB_CACHE (default
# /var/cache/haproxy-ha), LAB_MIRROR (default: Debian mirror from /etc/apt),
# LAB_BOOT_TIMEOUT seconds (default 120), LAB_NS_PREFIX (default hal: namespaces
# hal-web1 ... hal-sw and control namespace hactl; with LAB_NS_PREFIX=x they are
# x-web1 ... x-sw and x-ctl). Labs with different LAB_NS_PREFIX and LAB_STATE can run
# side by side: each has its own switch, so the same addresses do not clash.
set -Eeuo pipefail

readonly SCRIPT_VERSION=2   # bump whenever the rootfs template below changes
readonly SUITE=bookworm
readonly ROOTFS_PACKAGES="systemd,systemd-sysv,dbus,openssh-server,haproxy,keepalived,nginx,iproute2,procps,curl,iputils-ping,python3,python3-apt,ca-certificates,psmisc"

LAB_STATE=${LAB_STATE:-/var/lib/haproxy-ha-lab}
LAB_STATE=${LAB_STATE%/}
LAB_CACHE=${LAB_CACHE:-/var/cache/haproxy-ha}
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-120}

readonly HOSTS=(web1 web2 lb1 lb2 client)
declare -A ADDR=([web1]=10.77.0.11 [web2]=10.77.0.12 [lb1]=10.77.0.21 [lb2]=10.77.0.22 [client]=10.77.0.31)
readonly PREFIX=24
readonly VIP=10.77.0.100      # reserved for keepalived, never assigned here
readonly NS_PREFIX=${LAB_NS_PREFIX:-hal}
[[ $NS_PREFIX =~ ^[a-z0-9]{1,8}$ ]] || { echo "${0##*/}: LAB_NS_PREFIX must be 1-8 of [a-z0-9]" >&2; exit 1; }
if [[ $NS_PREFIX == hal ]]; then CTL_NS=hactl; else CTL_NS=$NS_PREFIX-ctl; fi
readonly CTL_NS
readonly CTL_ADDR=10.77.0.2
readonly SW_NS=$NS_PREFIX-sw
readonly BRIDGE=br0

SSH_DIR=$LAB_STATE/ssh
SSH_KEY=$SSH_DIR/id_ed25519
KNOWN_HOSTS=$SSH_DIR/known_hosts
SSH_CONFIG=$SSH_DIR/config
HOSTS_JSON=$LAB_STATE/hosts.json

PROG=${0##*/}
die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }
trap 'rc=$?; echo "$PROG: failed (exit $rc) at line $LINENO: $BASH_COMMAND" >&2; exit $rc' ERR

# ---------------------------------------------------------------- naming helpers

host_ns() { echo "$NS_PREFIX-$1"; }                 # network namespace of a host
host_veth() { echo "v-$1"; }                 # bridge-side veth of a host (in $SW_NS)
host_dir() { echo "$LAB_STATE/hosts/$1"; }
last_octet_hex() { printf '%02x' "${1##*.}"; }
host_mac() { echo "02:77:00:00:00:$(last_octet_hex "${ADDR[$1]}")"; }      # eth0 inside host
port_mac() { echo "02:77:01:00:00:$(last_octet_hex "${ADDR[$1]}")"; }      # bridge side
is_lab_host() { [[ -n ${ADDR[$1]+x} ]]; }
need_host() { [[ -n ${1:-} ]] || die "missing HOST (one of: ${HOSTS[*]})"; is_lab_host "$1" || die "unknown host '$1' (one of: ${HOSTS[*]})"; }

netns_exists() { [[ -e /run/netns/$1 ]]; }
link_exists() { ip -n "$1" link show "$2" >/dev/null 2>&1; }

# ---------------------------------------------------------------- prerequisites

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (network namespaces, overlay mounts and systemd-nspawn need it)"; }

# Installs the machine-side tools when missing (CI starts from a fresh machine).
ensure_tools() {
    local -A pkg_of=([debootstrap]=debootstrap [systemd-nspawn]=systemd-container [ip]=iproute2
                     [ssh]=openssh-client [ssh-keygen]=openssh-client [unshare]=util-linux
                     [nsenter]=util-linux [flock]=util-linux)
    local cmd missing=()
    for cmd in "${!pkg_of[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_of[$cmd]}")
    done
    # debootstrap needs the Debian archive key to verify the mirror.
    [[ -e /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
    ((${#missing[@]})) || return 0
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
    note "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local p
    for p in "${missing[@]}"; do
        # apt-cache knows nothing on a fresh machine with empty lists: refresh them first.
        if ! apt-cache show "$p" >/dev/null 2>&1; then apt-get update -qq >/dev/null || die "apt-get update failed"; break; fi
    done
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# Fails with one line when this kernel/machine cannot run the lab.
check_kernel_support() {
    unshare --net --mount true 2>/dev/null || die "cannot create network/mount namespaces here (unshare --net --mount failed)"
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
    grep -qw overlay /proc/filesystems || die "kernel has no overlay filesystem"
    systemd-nspawn --version >/dev/null 2>&1 || die "systemd-nspawn does not run"
    ip netns list >/dev/null 2>&1 || die "'ip netns' does not work"
}

# Serialises state-changing commands (two concurrent `up`s would race on namespaces).
lock_state() {
    mkdir -p "$LAB_STATE"
    exec 8<"$LAB_STATE"
    flock -w 120 8 || die "another $PROG command holds $LAB_STATE (waited 120 s)"
}

# ---------------------------------------------------------------- rootfs cache

# Debian mirror the machine itself uses (one-line or deb822 sources), or LAB_MIRROR.
debian_mirror() {
    if [[ -n ${LAB_MIRROR:-} ]]; then echo "$LAB_MIRROR"; return; fi
    local m
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' |
        awk -v s="$SUITE" '$1=="deb" && $3==s && $2 ~ /^https?:/ {print $2; exit}' || true)
    if [[ -z $m ]]; then
        m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$SUITE" '
            function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") && uri != "" && !done) { print uri; done=1 } types=suites=uri="" }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            tolower($1)=="types:"  { types=$0; sub(/^[^:]*:[ \t]*/, "", types) }
            tolower($1)=="suites:" { suites=$0; sub(/^[^:]*:[ \t]*/, "", suites) }
            tolower($1)=="uris:"   { for (i=2;i<=NF;i++) if ($i ~ /^https?:/) { uri=$i; break } }
            END { flush() }' || true)
    fi
    [[ -n $m ]] || die "no Debian $SUITE mirror in /etc/apt sources: set LAB_MIRROR to one"
    echo "$m"
}

rootfs_dir() {
    local h
    h=$(printf '%s\n%s\n%s\n' "$ROOTFS_PACKAGES" "$SUITE" "$SCRIPT_VERSION" | sha256sum | cut -c1-12)
    echo "$LAB_CACHE/rootfs-$h"
}

# Builds the shared read-only lower layer once; a finished build is renamed into place,
# so the existence of the directory means it is complete.
ensure_rootfs() {
    local dir tmp mirror t0
    dir=$(rootfs_dir)
    [[ -d $dir ]] && return 0
    mkdir -p "$LAB_CACHE"
    exec 7<"$LAB_CACHE"
    flock -w 900 7 || die "another build holds $LAB_CACHE"
    [[ -d $dir ]] && return 0
    tmp=$dir.partial
    rm -rf "$tmp"
    mirror=$(debian_mirror)
    note "building rootfs $dir from $mirror (once; takes about a minute)"
    t0=$SECONDS
    if ! debootstrap --variant=minbase --components=main --include="$ROOTFS_PACKAGES" \
            "$SUITE" "$tmp" "$mirror" >"$LAB_CACHE/debootstrap.log" 2>&1; then
        die "debootstrap failed, see $LAB_CACHE/debootstrap.log"
    fi
    customize_template "$tmp"
    mv "$tmp" "$dir"
    note "rootfs built in $((SECONDS - t0)) s ($(du -sh "$dir" | cut -f1))"
    # Older templates are unused once hosts boot from this one; a running lab keeps its lower
    # directory busy, so only templates no overlay names are removed.
    local old
    for old in "$LAB_CACHE"/rootfs-*; do
        [[ $old == "$dir" || ! -d $old ]] && continue
        grep -qF "lowerdir=$old" /proc/*/mountinfo 2>/dev/null || rm -rf "$old"
    done
}

customize_template() {
    local d=$1 u
    # Provisioning is what must enable these (and nginx on :80 would clash with haproxy).
    for u in nginx haproxy keepalived; do
        rm -f "$d"/etc/systemd/system/multi-user.target.wants/$u.service
    done
    # keepalived idles until its config is non-empty; start from nothing.
    [[ -e $d/etc/keepalived/keepalived.conf ]] && : >"$d/etc/keepalived/keepalived.conf"
    # Every host gets its own host keys and machine-id (in its overlay upper).
    rm -f "$d"/etc/ssh/ssh_host_*
    : >"$d/etc/machine-id"
    mkdir -p "$d/etc/ssh/sshd_config.d"
    cat >"$d/etc/ssh/sshd_config.d/lab.conf" <<'EOF'
# haproxy-ha lab: root logs in with the lab key only.
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
EOF
    # Lab hosts have no route out: with the Debian sources left in place `apt-get update`
    # would fail; without them it succeeds and `apt-get install` of a preinstalled package
    # reports "already the newest version".
    [[ -e $d/etc/apt/sources.list ]] && mv "$d/etc/apt/sources.list" "$d/etc/apt/sources.list.lab-disabled"
    rm -rf "$d"/var/lib/apt/lists/* "$d"/var/cache/apt/archives/*.deb "$d"/var/cache/apt/*.bin
    : >"$d/etc/resolv.conf"
    {
        echo "127.0.0.1 localhost"
        echo "::1 localhost ip6-localhost ip6-loopback"
        local h
        for h in "${HOSTS[@]}"; do echo "${ADDR[$h]} $h"; done
    } >"$d/etc/hosts"
}

# ---------------------------------------------------------------- network

ensure_switch() {
    netns_exists "$SW_NS" || ip netns add "$SW_NS"
    ip -n "$SW_NS" link set lo up
    if ! link_exists "$SW_NS" "$BRIDGE"; then
        # No STP (ports forward at once); no multicast snooping (VRRP is multicast).
        ip -n "$SW_NS" link add "$BRIDGE" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    fi
    ip -n "$SW_NS" link set "$BRIDGE" up
}

# Creates netns NS with eth0 (MAC, ADDR) plugged into the bridge via PORT.
plug_into_switch() {
    local ns=$1 port=$2 mac=$3 pmac=$4 addr=$5
    netns_exists "$ns" || ip netns add "$ns"
    if ! link_exists "$SW_NS" "$port" || ! link_exists "$ns" eth0; then
        ip -n "$SW_NS" link del "$port" 2>/dev/null || true
        ip -n "$ns" link del eth0 2>/dev/null || true
        ip -n "$SW_NS" link add "$port" address "$pmac" type veth peer name eth0 address "$mac" netns "$ns"
    fi
    ip -n "$SW_NS" link set "$port" master "$BRIDGE" up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 address "$mac"
    ip -n "$ns" addr replace "$addr/$PREFIX" dev eth0
    # IPv6 (ULA fd77::/64, host part as in IPv4: lb1 fd77::21), for IPv6 VIPs; nodad: usable at once.
    ip -n "$ns" addr replace "fd77::${addr##*.}/64" dev eth0 nodad
    ip -n "$ns" link set eth0 up
}

ensure_ctl_ns() {
    plug_into_switch "$CTL_NS" v-ctl 02:77:00:00:00:02 02:77:01:00:00:02 "$CTL_ADDR"
}

ensure_host_net() {
    plug_into_switch "$(host_ns "$1")" "$(host_veth "$1")" "$(host_mac "$1")" "$(port_mac "$1")" "${ADDR[$1]}"
}

# Removes the host's network: its addresses (and a VIP it held) vanish at once.
remove_host_net() {
    local ns
    ns=$(host_ns "$1")
    if netns_exists "$SW_NS"; then ip -n "$SW_NS" link del "$(host_veth "$1")" 2>/dev/null || true; fi
    if netns_exists "$ns"; then ip netns del "$ns" || true; fi
}

# ---------------------------------------------------------------- ssh material

ensure_lab_keypair() {
    mkdir -p "$SSH_DIR"
    chmod 700 "$SSH_DIR"
    [[ -s $SSH_KEY && -s $SSH_KEY.pub ]] || { rm -f "$SSH_KEY" "$SSH_KEY.pub"; ssh-keygen -q -t ed25519 -N '' -C haproxy-ha-lab -f "$SSH_KEY"; }
}

# Host keys live outside the overlay so that `reset` keeps known_hosts valid.
ensure_host_keys() {
    local keys
    keys=$(host_dir "$1")/hostkeys
    if [[ ! -s $keys/etc/ssh/ssh_host_ed25519_key.pub ]]; then
        mkdir -p "$keys/etc/ssh"
        ssh-keygen -A -f "$keys" >/dev/null
    fi
}

write_known_hosts() {
    local h tmp=$KNOWN_HOSTS.tmp k
    : >"$tmp"
    for h in "${HOSTS[@]}"; do
        for k in "$(host_dir "$h")"/hostkeys/etc/ssh/ssh_host_*_key.pub; do
            [[ -e $k ]] || continue
            echo "${ADDR[$h]},$h $(cut -d' ' -f1,2 "$k")" >>"$tmp"
        done
    done
    mv "$tmp" "$KNOWN_HOSTS"
    {
        echo "# haproxy-ha lab: ip netns exec $CTL_NS ssh -F $SSH_CONFIG lb1"
        for h in "${HOSTS[@]}"; do
            printf 'Host %s %s\n  HostName %s\n' "$h" "${ADDR[$h]}" "${ADDR[$h]}"
        done
        printf 'Host *\n  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 5\n' "$SSH_KEY" "$KNOWN_HOSTS"
    } >"$SSH_CONFIG"
}

write_hosts_json() {
    local h sep=
    {
        printf '{\n  "sshKeyPath": "%s",\n  "knownHostsPath": "%s",\n  "sshConfigPath": "%s",\n' "$SSH_KEY" "$KNOWN_HOSTS" "$SSH_CONFIG"
        printf '  "ctlNamespace": "%s",\n  "ctlAddress": "%s",\n  "interface": "eth0",\n  "vip": "%s/%s",\n  "hosts": {' "$CTL_NS" "$CTL_ADDR" "$VIP" "$PREFIX"
        for h in "${HOSTS[@]}"; do
            printf '%s\n    "%s": {"address": "%s", "mac": "%s"}' "$sep" "$h" "${ADDR[$h]}" "$(host_mac "$h")"
            sep=,
        done
        printf '\n  }\n}\n'
    } >"$HOSTS_JSON.tmp"
    mv "$HOSTS_JSON.tmp" "$HOSTS_JSON"
}

ssh_ctl() {  # ssh_ctl ADDR CMD... — ssh from the control namespace
    local addr=$1; shift
    ip netns exec "$CTL_NS" ssh -F /dev/null -i "$SSH_KEY" -o IdentitiesOnly=yes -o UserKnownHostsFile="$KNOWN_HOSTS" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=2 -o LogLevel=ERROR "root@$addr" "$@"
}

# ---------------------------------------------------------------- host lifecycle

# PID of the host's systemd-nspawn if it is running (checked against its command line,
# so a recycled PID is never mistaken for a lab host).
host_pid() {
    local f pid
    f=$(host_dir "$1")/pid
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
    tr '\0' '\n' </proc/"$pid"/cmdline 2>/dev/null | grep -qxF -- "--directory=$(host_dir "$1")/root" || return 1
    echo "$pid"
}

# All nspawn processes of the host, found by their exact --directory argument (covers an
# `up` that died between starting nspawn and recording its PID).
host_nspawn_pids() {
    local want p comm arg
    want="--directory=$(host_dir "$1")/root"
    for p in /proc/[0-9]*; do
        { read -r comm <"$p/comm"; } 2>/dev/null || continue
        [[ $comm == systemd-nspawn ]] || continue
        while IFS= read -r -d '' arg; do
            if [[ $arg == "$want" ]]; then echo "${p#/proc/}"; break; fi
        done 2>/dev/null <"$p/cmdline" || true
    done
    return 0
}

# The container's PID 1 (systemd), seen from the machine: nspawn's child in another PID namespace.
host_leader() {
    local pid c
    pid=$(host_pid "$1") || return 1
    for c in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        if [[ $(readlink /proc/"$c"/ns/pid) != "$(readlink /proc/"$pid"/ns/pid)" ]]; then echo "$c"; return 0; fi
    done
    return 1
}

host_running() { host_leader "$1" >/dev/null 2>&1; }

wait_pids_gone() {  # wait_pids_gone SECONDS PID...
    local deadline=$((SECONDS + $1)) p alive; shift
    while :; do
        alive=0
        for p in "$@"; do [[ -d /proc/$p ]] && alive=1; done
        ((alive)) || return 0
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# Prepares the overlay upper: host keys, lab key for root, unique machine-id.
prepare_host_disk() {
    local h=$1 d upper lower
    d=$(host_dir "$h")
    lower=$(rootfs_dir)
    # An upper built on another rootfs would be inconsistent: start that host afresh.
    if [[ -e $d/lower && $(<"$d/lower") != "$lower" ]]; then
        note "$h: rootfs changed, resetting its disk"
        rm -rf "$d/upper" "$d/work"
    fi
    upper=$d/upper
    mkdir -p "$upper" "$d/work" "$d/root"
    echo "$lower" >"$d/lower"
    ensure_host_keys "$h"
    install -d -m 755 "$upper/etc/ssh"
    cp -p "$d"/hostkeys/etc/ssh/ssh_host_* "$upper/etc/ssh/"
    install -d -m 700 "$upper/root" "$upper/root/.ssh"
    install -m 600 "$SSH_KEY.pub" "$upper/root/.ssh/authorized_keys"
    [[ -s $upper/etc/machine-id ]] || tr -d '-' </proc/sys/kernel/random/uuid >"$upper/etc/machine-id"
    # systemd in the container sets the hostname from /etc/hostname, not from nspawn's --hostname.
    echo "$h" >"$upper/etc/hostname"
}

# Boots the host in the background. The overlay and nspawn's /run/systemd/nspawn tmpfs are
# mounted in a private mount namespace, so they vanish when the host's processes exit.
boot_host() {
    local h=$1 d lower
    d=$(host_dir "$h")
    lower=$(rootfs_dir)
    mkdir -p /run/systemd/nspawn
    : >"$d/console.log"
    rm -f "$d/pid"
    # /proc/sys/net writable (per-netns sysctls such as net.ipv4.ip_nonlocal_bind):
    # nspawn only does that by itself for networks it creates.
    # shellcheck disable=SC2016  # $1.. are expanded by the inner sh
    SYSTEMD_NSPAWN_API_VFS_WRITABLE=network \
    setsid unshare --mount --propagation private -- sh -c '
        echo $$ >"$1"
        mount -t tmpfs -o mode=755 tmpfs /run/systemd/nspawn
        mount -t overlay overlay -o "lowerdir=$2,upperdir=$3,workdir=$4" "$5"
        shift 5
        exec "$@"' sh "$d/pid" "$lower" "$d/upper" "$d/work" "$d/root" \
        systemd-nspawn --quiet --boot --register=no --keep-unit --settings=no --link-journal=no \
            --console=read-only --resolv-conf=off --timezone=off \
            --machine="$(host_ns "$h")" --hostname="$h" --directory="$d/root" \
            --network-namespace-path="/run/netns/$(host_ns "$h")" \
            --capability=CAP_NET_ADMIN,CAP_NET_RAW \
        </dev/null >"$d/console.log" 2>&1 7<&- 8<&- &   # must not inherit the lock fds
    disown
}

# Bounded wait until nspawn has started the container's PID 1 (so `running` is meaningful).
wait_for_init() {
    local h=$1 f deadline=$((SECONDS + 15))
    f=$(host_dir "$h")/pid
    until host_running "$h"; do
        if [[ -s $f ]] && ! host_pid "$h" >/dev/null; then
            die "$h: systemd-nspawn exited: $(tail -n 3 "$(host_dir "$h")/console.log" | tr '\n' ' ')"
        fi
        ((SECONDS < deadline)) || die "$h: container did not start within 15 s, see $(host_dir "$h")/console.log"
        sleep 0.05
    done
}

start_host() {
    local h=$1
    if host_running "$h"; then return 0; fi
    # Leftovers of a half-started host (a PID file exists once it was ever started).
    if [[ -e $(host_dir "$h")/pid ]]; then stop_host_processes "$h" 0; fi
    ensure_host_net "$h"
    prepare_host_disk "$h"
    boot_host "$h"
}

# SIGKILL the container (the whole PID namespace dies with its PID 1), then nspawn.
# With GRACE > 0, first ask systemd for a clean poweroff and wait that long.
stop_host_processes() {
    local h=$1 grace=$2 leader pids
    if ((grace > 0)) && leader=$(host_leader "$h"); then
        kill -s RTMIN+4 "$leader" 2>/dev/null || true
        mapfile -t pids < <(host_nspawn_pids "$h")
        wait_pids_gone "$grace" "${pids[@]}" || note "$h: no clean shutdown within ${grace}s, killing it"
    fi
    if leader=$(host_leader "$h"); then kill -KILL "$leader" 2>/dev/null || true; fi
    mapfile -t pids < <(host_nspawn_pids "$h")
    ((${#pids[@]})) || return 0
    wait_pids_gone 5 "${pids[@]}" || { kill -KILL "${pids[@]}" 2>/dev/null || true; wait_pids_gone 5 "${pids[@]}"; } ||
        die "$h: processes ${pids[*]} do not exit"
}

# Waits (bounded) until every given host accepts SSH from the control namespace.
wait_for_ssh() {
    local deadline=$((SECONDS + LAB_BOOT_TIMEOUT)) pending=("$@") next h
    while ((${#pending[@]})); do
        next=()
        for h in "${pending[@]}"; do
            host_running "$h" || die "$h: exited while booting, see $(host_dir "$h")/console.log"
            ssh_ctl "${ADDR[$h]}" true >/dev/null 2>&1 || next+=("$h")
        done
        pending=("${next[@]}")
        ((${#pending[@]})) || break
        ((SECONDS < deadline)) || die "no SSH after ${LAB_BOOT_TIMEOUT}s from: ${pending[*]} (see $LAB_STATE/hosts/*/console.log)"
        sleep 0.3
    done
}

# systemd state of each host once boot has finished (running / degraded ...).
system_state() {
    ssh_ctl "${ADDR[$1]}" timeout 60 systemctl is-system-running --wait 2>/dev/null || true
}

# ---------------------------------------------------------------- subcommands

cmd_up() {
    need_root
    ensure_tools
    check_kernel_support
    lock_state
    local t0=$SECONDS h
    ensure_rootfs
    ensure_lab_keypair
    ensure_switch
    ensure_ctl_ns
    # Key generation (RSA mostly) is the slow part of a first `up`: do the hosts in parallel.
    local jobs=() j
    for h in "${HOSTS[@]}"; do ensure_host_keys "$h" & jobs+=($!); done
    for j in "${jobs[@]}"; do wait "$j" || die "host key generation failed"; done
    write_known_hosts
    write_hosts_json
    for h in "${HOSTS[@]}"; do start_host "$h"; done
    for h in "${HOSTS[@]}"; do wait_for_init "$h"; done
    wait_for_ssh "${HOSTS[@]}"
    echo "lab up in $((SECONDS - t0)) s; ssh: ip netns exec $CTL_NS ssh -F $SSH_CONFIG HOST; hosts: $HOSTS_JSON"
    for h in "${HOSTS[@]}"; do
        printf '  %-7s %-11s %-18s %s\n' "$h" "${ADDR[$h]}" "$(host_mac "$h")" "$(system_state "$h")"
    done
    printf '  %-7s %-11s (control namespace)   VIP reserved: %s/%s\n' "$CTL_NS" "$CTL_ADDR" "$VIP" "$PREFIX"
}

cmd_down() {
    need_root
    lock_state
    local h t0=$SECONDS leader
    # Kill every container first, then wait: the hosts die in parallel.
    for h in "${HOSTS[@]}"; do
        if leader=$(host_leader "$h"); then kill -KILL "$leader" 2>/dev/null || true; fi
    done
    for h in "${HOSTS[@]}"; do stop_host_processes "$h" 0; done
    for h in "${HOSTS[@]}"; do remove_host_net "$h"; done
    netns_exists "$CTL_NS" && ip netns del "$CTL_NS"
    netns_exists "$SW_NS" && ip netns del "$SW_NS"   # takes the bridge and remaining veths with it
    # Overlays live in private mount namespaces; this only catches strays in ours.
    local m
    for m in $(awk -v p="$LAB_STATE/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
        umount "$m" || umount -l "$m"
    done
    rm -rf "$LAB_STATE/hosts" "$SSH_DIR" "$HOSTS_JSON" "$HOSTS_JSON.tmp"
    echo "lab down in $((SECONDS - t0)) s (rootfs cache kept: $(rootfs_dir))"
}

cmd_status() {
    local h pid state any=0
    for h in "${HOSTS[@]}"; do
        if pid=$(host_pid "$h") && host_running "$h"; then
            state="running (nspawn pid $pid, init pid $(host_leader "$h"))"; any=1
        else
            state="not running"
        fi
        netns_exists "$(host_ns "$h")" || state="$state, no network"
        printf '%-7s %-11s %s\n' "$h" "${ADDR[$h]}" "$state"
    done
    if netns_exists "$CTL_NS"; then state=present; else state=absent; fi
    printf '%-7s %-11s %s\n' "$CTL_NS" "$CTL_ADDR" "control namespace $state"
    if ((any == 0)) && ! netns_exists "$SW_NS"; then exit 3; fi   # lab entirely down
}

cmd_exec() {
    local h=${1:-}; need_host "$h"; shift
    [[ ${1:-} == -- ]] && shift
    (($#)) || die "usage: $PROG exec HOST -- CMD..."
    local leader
    leader=$(host_leader "$h") || { echo "$PROG: $h is not running" >&2; exit 125; }
    exec nsenter --target "$leader" --mount --uts --ipc --net --pid --cgroup --root --wd -- \
        /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
}

cmd_ctl() {
    [[ ${1:-} == -- ]] && shift
    (($#)) || die "usage: $PROG ctl -- CMD..."
    netns_exists "$CTL_NS" || { echo "$PROG: control namespace $CTL_NS does not exist (run up)" >&2; exit 125; }
    exec ip netns exec "$CTL_NS" "$@"
}

cmd_kill() {
    local h=${1:-}; need_host "$h"; need_root; lock_state
    stop_host_processes "$h" 0
    remove_host_net "$h"
    echo "$h killed (processes and network gone; disk kept)"
}

cmd_stop() {
    local h=${1:-}; need_host "$h"; need_root; lock_state
    stop_host_processes "$h" 30
    remove_host_net "$h"
    echo "$h stopped (disk kept)"
}

cmd_start() {
    local h=${1:-}; need_host "$h"; need_root; lock_state
    netns_exists "$SW_NS" && [[ -d $(rootfs_dir) && -s $SSH_KEY ]] || die "lab is not up (run: $PROG up)"
    local t0=$SECONDS
    start_host "$h"
    wait_for_init "$h"
    wait_for_ssh "$h"
    echo "$h up in $((SECONDS - t0)) s ($(system_state "$h"))"
}

cmd_link() {
    local h=${1:-} action=${2:-}; need_host "$h"; need_root
    local port; port=$(host_veth "$h")
    link_exists "$SW_NS" "$port" || die "$h has no network (not up, or killed)"
    case $action in
        down) ip -n "$SW_NS" link set "$port" down ;;   # host's eth0 loses carrier
        up)   ip -n "$SW_NS" link set "$port" up ;;
        cut)  ip -n "$SW_NS" link set "$port" nomaster ;;   # carrier stays up, frames go nowhere
        join) ip -n "$SW_NS" link set "$port" master "$BRIDGE" up ;;
        *) die "usage: $PROG link HOST down|up|cut|join" ;;
    esac
    echo "$h link $action"
}

cmd_reset() {
    local h=${1:-}; need_host "$h"; need_root; lock_state
    local was_running=0 d; d=$(host_dir "$h")
    host_running "$h" && was_running=1
    stop_host_processes "$h" 0
    rm -rf "$d/upper" "$d/work"
    echo "$h disk reset"
    if ((was_running)); then start_host "$h"; wait_for_init "$h"; wait_for_ssh "$h"; echo "$h rebooted fresh"; fi
}

usage() {
    sed -n '2,/^set -E/p' "$0" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
        up)     cmd_up ;;
        down)   cmd_down ;;
        status) cmd_status ;;
        exec)   cmd_exec "$@" ;;
        ctl)    cmd_ctl "$@" ;;
        kill)   cmd_kill "$@" ;;
        stop)   cmd_stop "$@" ;;
        start)  cmd_start "$@" ;;
        link)   cmd_link "$@" ;;
        reset)  cmd_reset "$@" ;;
        -h|--help|help) usage ;;
        *) usage >&2; die "unknown command '${cmd}'" ;;
    esac
}

main "$@"
