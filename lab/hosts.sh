#!/usr/bin/env bash
# Local lab of real Debian hosts for the haproxy-ha integration tests.
#
# Each host is a booted systemd-nspawn container on an overlay of one cached rootfs that has
# what a minimal server image has (systemd, sshd, the usual shell tools) and none of the
# packages the library installs. Those come from a local apt mirror: the .debs a bare host
# lacks, downloaded once on this machine, served over HTTP from the control namespace and
# configured as the hosts' only apt source. Each host has its own network namespace wired
# into a bridge that lives in a separate "switch" namespace; the SSH client / Pulumi engine
# run in the control namespace `hactl`. Nothing touches the machine's own network namespace.
#
#   hosts.sh up [--webs N] | down | status
#                                    N web servers web1..webN (default 2), see plan below
#   hosts.sh plan [--webs N]         print each host's name, address and MAC (no root, no lab)
#   hosts.sh exec HOST -- CMD...     run CMD inside HOST (exit code passed through)
#   hosts.sh stage HOST nginx        prior state: nginx installed, enabled and running, with
#                                    port 80 open in an active ufw (ssh stays allowed)
#   hosts.sh kill HOST               hard-kill HOST and remove its network (dead host)
#   hosts.sh start HOST              (re)boot HOST with the same address, MAC and disk
#   hosts.sh link HOST down|up       HOST's eth0 loses/regains carrier (the VIP's NIC goes down)
#   hosts.sh link HOST cut|join      detach/attach HOST from the bridge, carrier kept
#
# Environment: LAB_STATE (default /var/lib/haproxy-ha-lab), LAB_CACHE (default
# /var/cache/haproxy-ha), LAB_MIRROR (default: Debian mirror from /etc/apt, used only on this
# machine to build the rootfs and fill the local mirror), LAB_BOOT_TIMEOUT seconds (default
# 120), LAB_NS_PREFIX (default hal: namespaces hal-web1 ... hal-sw and control namespace
# hactl; with LAB_NS_PREFIX=x they are x-web1 ... x-sw and x-ctl). Labs with different
# LAB_NS_PREFIX and LAB_STATE can run side by side: each has its own switch and mirror server.
#
# Addresses (10.77.0.0/24): control .2, webK .10+K for K 1-9 (web1 .11, web2 .12), lb1 .21,
# lb2 .22, client .31, webK .30+K for K 10-69 (web10 .40 ... web16 .46), VIPs from .100 up.
# `up --webs N` records N in LAB_STATE; the other subcommands act on the hosts it recorded.
set -Eeuo pipefail

readonly SCRIPT_VERSION=4   # bump whenever the rootfs template below changes
readonly SUITE=bookworm
# A minimal server image: init, sshd, ip, ps/pgrep, curl. python3 and python3-apt stay, as on
# a real cloud image: the Ansible peer of the benchmark needs them on its targets.
readonly ROOTFS_PACKAGES="systemd,systemd-sysv,dbus,openssh-server,iproute2,procps,curl,ca-certificates,python3,python3-apt"
# What the library (components/os) or the Ansible peer (bench/ansible) may install, plus ufw
# for staged prior state: the local mirror holds these and every dependency a bare host lacks.
readonly MIRROR_PACKAGES="haproxy keepalived nginx rsyslog firewalld ufw iputils-ping socat"
readonly MIRROR_PORT=8080
readonly PYTHON=/usr/bin/python3   # Debian's, for http.server (not a pyenv shim from PATH)

LAB_STATE=${LAB_STATE:-/var/lib/haproxy-ha-lab}
LAB_STATE=${LAB_STATE%/}
LAB_CACHE=${LAB_CACHE:-/var/cache/haproxy-ha}
LAB_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-120}

readonly DEFAULT_WEBS=2
readonly MAX_WEBS=69          # web69 is .99, the last address below the VIPs
readonly NET=10.77.0
HOSTS=()
declare -A ADDR=()
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
WEBS_FILE=$LAB_STATE/webs   # how many web servers `up` was given
MIRROR_PID=$LAB_STATE/mirror.pid
MIRROR_LOG=$LAB_STATE/mirror-http.log   # the server's request log: which host fetched which .deb

PROG=${0##*/}
die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }
on_error() { local rc=$?; echo "$PROG: failed (exit $rc) at line $1: $2" >&2; exit "$rc"; }
trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR

# ---------------------------------------------------------------- hosts and addresses

# Address of webK: web1-web9 keep .11-.19 (web1, web2 as they always were); from web10 on they
# continue at .40, past lb1/lb2 (.21/.22) and client (.31), up to web69 at .99.
web_address() {
    local k=$1
    if ((k <= 9)); then echo "$NET.$((10 + k))"; else echo "$NET.$((30 + k))"; fi
}

check_webs() {
    if [[ ! $1 =~ ^[1-9][0-9]?$ ]] || (($1 > MAX_WEBS)); then die "--webs must be a whole number from 1 to $MAX_WEBS, got '$1'"; fi
}

# Fills HOSTS (webs first, then lb1 lb2 client: the order of hosts.json) and ADDR for N webs.
define_hosts() {
    local n=$1 k
    HOSTS=() ADDR=()
    for ((k = 1; k <= n; k++)); do HOSTS+=("web$k"); ADDR[web$k]=$(web_address "$k"); done
    HOSTS+=(lb1 lb2 client)
    ADDR[lb1]=$NET.21 ADDR[lb2]=$NET.22 ADDR[client]=$NET.31
}

# The web count `up` recorded (default when no lab is up). Also counts leftover host
# directories, so that `down` after an interrupted `up` still finds every host.
recorded_webs() {
    local n=$DEFAULT_WEBS d k
    if [[ -s $WEBS_FILE ]]; then n=$(<"$WEBS_FILE"); check_webs "$n"; fi
    for d in "$LAB_STATE"/hosts/web*; do
        k=${d##*/web}
        [[ $k =~ ^[0-9]+$ ]] && ((k > n && k <= MAX_WEBS)) && n=$k
    done
    echo "$n"
}

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
                     [nsenter]=util-linux [flock]=util-linux [apt-ftparchive]=apt-utils)
    local cmd missing=()
    for cmd in "${!pkg_of[@]}"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_of[$cmd]}")
    done
    [[ -x $PYTHON ]] || missing+=(python3)
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

# Each booted host's systemd holds a handful of inotify instances, counted against root's
# machine-wide limit (Debian's default 128, shared with every other lab): at 16 webs, hosts
# failed to boot ("Failed to allocate manager object: Too many open files"). Raise it, as
# LXD's production setup does; never lower it.
raise_inotify_limit() {
    local want=$1 have
    have=$(sysctl -n fs.inotify.max_user_instances)
    ((have >= want)) && return 0
    note "raising fs.inotify.max_user_instances from $have to $want (each booted host holds a few)"
    sysctl -q -w fs.inotify.max_user_instances="$want" || die "cannot raise fs.inotify.max_user_instances to $want"
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

short_hash() { sha256sum | cut -c1-12; }

rootfs_dir() {
    echo "$LAB_CACHE/rootfs-$(printf '%s\n%s\n%s\n' "$ROOTFS_PACKAGES" "$SUITE" "$SCRIPT_VERSION" | short_hash)"
}

# The mirror depends on the package list and on what the rootfs already has.
mirror_dir() {
    echo "$LAB_CACHE/mirror-$(printf '%s\n%s\n' "$MIRROR_PACKAGES" "$(rootfs_dir)" | short_hash)"
}

# Serialises cache builds across labs (fd 7 stays open, so the lock lasts until the script exits).
lock_cache() {
    mkdir -p "$LAB_CACHE"
    exec 7<"$LAB_CACHE"
    flock -w 900 7 || die "another build holds $LAB_CACHE"
}

# Stage lines of a long build: what finished, and the seconds since the build started.
stage() { note "$1: $2 ($((SECONDS - $3)) s)"; }

# Removes the cache entries named like `$1-*` other than `$2` that no lab has used for a day
# (other worktrees may share LAB_CACHE at another version) and none uses now (a running lab
# keeps its rootfs as an overlay lower and its mirror open in its HTTP server).
prune_cache() {
    local old
    for old in "$LAB_CACHE/$1"-*; do
        [[ $old == "$2" || ! -d $old || $old == *.partial || $old == *.used ]] && continue
        [[ -n $(find "$old.used" -mtime -1 2>/dev/null) ]] && continue
        # The pattern comes from a file: in grep's own command line it would always match.
        grep -qsF -f <(echo "$old") /proc/[0-9]*/mountinfo /proc/[0-9]*/cmdline && continue
        rm -rf "$old" "$old.used"
    done
}

# Builds the shared read-only lower layer once; a finished build is renamed into place,
# so the existence of the directory means it is complete.
ensure_rootfs() {
    local dir tmp mirror t0 log
    dir=$(rootfs_dir)
    [[ -d $dir ]] && return 0
    lock_cache
    [[ -d $dir ]] && return 0
    tmp=$dir.partial
    log=$LAB_CACHE/debootstrap.log
    rm -rf "$tmp"
    mirror=$(debian_mirror)
    t0=$SECONDS
    stage rootfs "debootstrap $SUITE from $mirror into $dir, log: $log" "$t0"
    if ! debootstrap --variant=minbase --components=main --include="$ROOTFS_PACKAGES" \
            "$SUITE" "$tmp" "$mirror" >"$log" 2>&1; then
        die "debootstrap failed, see $log"
    fi
    stage rootfs "debootstrap done" "$t0"
    customize_template "$tmp"
    mv "$tmp" "$dir"
    stage rootfs "template ready, $(du -sh "$dir" | cut -f1)" "$t0"
    prune_cache rootfs "$dir"
}

customize_template() {
    local d=$1 h
    # Every host gets its own host keys and machine-id (in its overlay upper).
    rm -f "$d"/etc/ssh/ssh_host_*
    : >"$d/etc/machine-id"
    mkdir -p "$d/etc/ssh/sshd_config.d"
    cat >"$d/etc/ssh/sshd_config.d/lab.conf" <<'CONF'
# haproxy-ha lab: root logs in with the lab key only.
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
CONF
    # Lab hosts have no route out: their only apt source is the lab's mirror (flat repository,
    # unsigned, so trusted), served from the control namespace.
    rm -f "$d/etc/apt/sources.list" "$d"/etc/apt/sources.list.d/*
    echo "deb [trusted=yes] http://$CTL_ADDR:$MIRROR_PORT/ ./" >"$d/etc/apt/sources.list.d/haproxy-ha-lab.list"
    rm -rf "$d"/var/lib/apt/lists/* "$d"/var/cache/apt/archives/*.deb "$d"/var/cache/apt/*.bin
    # As in Debian's container images: dpkg skips its fsyncs (a lab host's disk is thrown away),
    # which halves the time of a package installation on the overlay.
    echo force-unsafe-io >"$d/etc/dpkg/dpkg.cfg.d/haproxy-ha-lab-unsafe-io"
    : >"$d/etc/resolv.conf"
    # The shared template lists the default lab's hosts; each host's upper has its own lab's list.
    (define_hosts "$DEFAULT_WEBS"; etc_hosts) >"$d/etc/hosts"
}

etc_hosts() {
    local h
    echo "127.0.0.1 localhost"
    echo "::1 localhost ip6-localhost ip6-loopback"
    for h in "${HOSTS[@]}"; do echo "${ADDR[$h]} $h"; done
}

# Fills the local mirror once: apt resolves each package against the rootfs itself (in a
# throw-away overlay over it, with this machine's Debian mirror as source), so the mirror
# holds exactly what a bare host lacks; then it is indexed as a flat repository.
ensure_mirror() {
    local dir tmp rootfs log t0 mirror
    dir=$(mirror_dir)
    [[ -d $dir ]] && return 0
    lock_cache
    [[ -d $dir ]] && return 0
    rootfs=$(rootfs_dir)
    tmp=$dir.partial
    log=$LAB_CACHE/mirror-build.log
    rm -rf "$tmp"
    mkdir -p "$tmp/upper/etc" "$tmp/work" "$tmp/root" "$tmp/debs"
    mirror=$(debian_mirror)
    t0=$SECONDS
    stage mirror "resolving $MIRROR_PACKAGES against $rootfs, downloading from $mirror, log: $log" "$t0"
    echo "deb $mirror $SUITE main" >"$tmp/upper/etc/debian.list"
    cat /etc/resolv.conf >"$tmp/upper/etc/resolv.conf"
    : >"$log"
    # Each package on its own (what one packages step installs) and all together (what the
    # Ansible peer installs in one go): apt keeps every .deb any of them needs.
    local p sets=()
    for p in $MIRROR_PACKAGES; do sets+=("$p"); done
    sets+=("$MIRROR_PACKAGES")
    # shellcheck disable=SC2016  # $1.. are expanded by the inner bash
    if ! unshare --mount --propagation private -- bash -c '
            set -e
            rootfs=$1 tmp=$2 log=$3; shift 3
            mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$tmp/upper,workdir=$tmp/work" "$tmp/root"
            apt() { chroot "$tmp/root" apt-get -q -o Dir::Etc::SourceList=/etc/debian.list -o Dir::Etc::SourceParts=/nonexistent "$@" >>"$log" 2>&1; }
            apt update
            echo "apt-get update done"
            for set in "$@"; do
                apt install -y --download-only $set   # unquoted: a set is a list of names
                echo "downloaded: $set"
            done
            cp "$tmp"/root/var/cache/apt/archives/*.deb "$tmp/debs/"' \
            bash "$rootfs" "$tmp" "$log" "${sets[@]}" 7<&- 8<&- |
        while IFS= read -r line; do stage mirror "$line" "$t0"; done; then
        die "filling the mirror failed, see $log"
    fi
    (cd "$tmp/debs" && apt-ftparchive packages . >Packages 2>>"$log" && gzip -9kn Packages &&
        apt-ftparchive release . >Release 2>>"$log") || die "indexing the mirror failed, see $log"
    mv "$tmp/debs" "$dir"
    rm -rf "$tmp"
    stage mirror "indexed $(find "$dir" -name '*.deb' | wc -l) packages, $(du -sh "$dir" | cut -f1), in $dir" "$t0"
    prune_cache mirror "$dir"
}

# True while PID runs (a zombie counts as gone).
pid_alive() {
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# wait_started PID SECONDS PROBE...: waits until PROBE succeeds. Returns 1 as soon as PID is
# gone, 2 after SECONDS. Liveness, not the command line: right after `cmd &`, $! is a forked
# bash that has not exec'd setsid, ip netns exec or the program yet, and on a busy machine it
# stays so for a while, so a check of /proc/PID/cmdline would call a starting process dead.
wait_started() {
    local pid=$1 deadline=$((SECONDS + $2))
    shift 2
    until "$@"; do
        pid_alive "$pid" || return 1
        ((SECONDS < deadline)) || return 2
        sleep 0.1
    done
}

# The mirror's HTTP server, in the control namespace: hosts reach it at $CTL_ADDR:$MIRROR_PORT.
mirror_server_pid() {
    local pid
    [[ -s $MIRROR_PID ]] || return 1
    pid=$(<"$MIRROR_PID")
    [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -qF -- "http.server --bind $CTL_ADDR" || return 1
    echo "$pid"
}

mirror_answers() { ip netns exec "$CTL_NS" bash -c "exec 3<>/dev/tcp/$CTL_ADDR/$MIRROR_PORT" 2>/dev/null; }

start_mirror_server() {
    local dir pid rc=0
    dir=$(mirror_dir)
    if mirror_server_pid >/dev/null && grep -qsF "$dir" /proc/"$(mirror_server_pid)"/cmdline; then return 0; fi
    stop_mirror_server
    # `ip netns exec` and setsid exec in place, so $! becomes the server's own PID (once exec'd).
    setsid ip netns exec "$CTL_NS" "$PYTHON" -m http.server --bind "$CTL_ADDR" --directory "$dir" "$MIRROR_PORT" \
        </dev/null >"$MIRROR_LOG" 2>&1 7<&- 8<&- &
    pid=$!
    echo "$pid" >"$MIRROR_PID"
    disown
    wait_started "$pid" 10 mirror_answers || rc=$?
    case $rc in
        0) ;;
        1) die "the mirror's HTTP server exited: $(tail -n 3 "$MIRROR_LOG" | tr '\n' ' ')" ;;
        *) die "the mirror's HTTP server does not answer on $CTL_ADDR:$MIRROR_PORT" ;;
    esac
}

stop_mirror_server() {
    local pid
    if pid=$(mirror_server_pid); then
        kill "$pid" 2>/dev/null || true
        wait_pids_gone 5 "$pid" || { kill -KILL "$pid" 2>/dev/null || true; wait_pids_gone 5 "$pid"; } || die "mirror server $pid does not exit"
    fi
    rm -f "$MIRROR_PID"
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

# Host keys live outside the overlay, so that a host whose disk is rebuilt keeps known_hosts valid.
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
        printf '  "ctlNamespace": "%s",\n  "ctlAddress": "%s",\n  "interface": "eth0",\n  "vip": "%s/%s",\n' "$CTL_NS" "$CTL_ADDR" "$VIP" "$PREFIX"
        printf '  "mirror": {"url": "http://%s:%s/", "log": "%s"},\n  "hosts": {' "$CTL_ADDR" "$MIRROR_PORT" "$MIRROR_LOG"
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
    local pid c children=()
    pid=$(host_pid "$1") || return 1
    read -r -a children < <(cat /proc/"$pid"/task/*/children 2>/dev/null; echo)
    for c in "${children[@]}"; do
        if [[ $(readlink /proc/"$c"/ns/pid) != "$(readlink /proc/"$pid"/ns/pid)" ]]; then echo "$c"; return 0; fi
    done
    return 1
}

# The PID namespace of a running host (every process inside it shares it).
host_pidns() { local leader; leader=$(host_leader "$1") && readlink /proc/"$leader"/ns/pid; }

# Waits (bounded) until no process is left in any of the given PID namespaces.
wait_pidns_empty() {  # wait_pidns_empty SECONDS NS...
    local deadline=$((SECONDS + $1)); shift
    (($#)) || return 0
    # One readlink for all processes: a fork per process would make each scan take a second.
    while readlink /proc/[0-9]*/ns/pid 2>/dev/null | grep -qxF -f <(printf '%s\n' "$@"); do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
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
    # Every lab host by name: the template's list is that of the default lab, not of this one.
    etc_hosts >"$upper/etc/hosts"
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
# The PID file appears before the mounts and the exec of systemd-nspawn: until the container
# runs, its writer is judged by liveness (wait_started), not by host_pid's command-line check.
wait_for_init() {
    local h=$1 f pid rc=0 deadline=$((SECONDS + 15))
    f=$(host_dir "$h")/pid
    until [[ -s $f ]]; do
        ((SECONDS < deadline)) || die "$h: container did not start within 15 s, see $(host_dir "$h")/console.log"
        sleep 0.05
    done
    pid=$(<"$f")
    wait_started "$pid" $((deadline - SECONDS)) host_running "$h" || rc=$?
    case $rc in
        0) ;;
        1) die "$h: systemd-nspawn exited: $(tail -n 3 "$(host_dir "$h")/console.log" | tr '\n' ' ')" ;;
        *) die "$h: container did not start within 15 s, see $(host_dir "$h")/console.log" ;;
    esac
}

start_host() {
    local h=$1
    if host_running "$h"; then return 0; fi
    # Leftovers of a half-started host (a PID file exists once it was ever started).
    if [[ -e $(host_dir "$h")/pid ]]; then stop_host_processes "$h"; fi
    ensure_host_net "$h"
    prepare_host_disk "$h"
    boot_host "$h"
}

# SIGKILL the container (the whole PID namespace dies with its PID 1), then wait until its
# nspawn and every process of its PID namespace are gone.
stop_host_processes() {
    local h=$1 leader ns="" pids
    if leader=$(host_leader "$h"); then
        ns=$(readlink /proc/"$leader"/ns/pid) || ns=""
        kill -KILL "$leader" 2>/dev/null || true
        # The instant the host died (its init killed, its PID namespace with it), for `kill`'s report.
        KILLED_AT=$EPOCHREALTIME
    fi
    mapfile -t pids < <(host_nspawn_pids "$h")
    if ((${#pids[@]})); then
        wait_pids_gone 5 "${pids[@]}" || { kill -KILL "${pids[@]}" 2>/dev/null || true; wait_pids_gone 5 "${pids[@]}"; } ||
            die "$h: processes ${pids[*]} do not exit"
    fi
    if [[ -n $ns ]]; then wait_pidns_empty 10 "$ns" || die "$h: processes of its PID namespace $ns do not exit"; fi
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

# `--webs N` for up and plan (default: what `up` recorded, else 2).
parse_webs() {
    WEBS=""
    while (($#)); do
        case $1 in
            --webs) (($# >= 2)) || die "--webs needs a number"; WEBS=$2; check_webs "$WEBS"; shift 2 ;;
            --webs=*) WEBS=${1#--webs=}; check_webs "$WEBS"; shift ;;
            *) die "unknown argument '$1' (usage: $PROG up|plan [--webs N])" ;;
        esac
    done
}

cmd_plan() {
    parse_webs "$@"
    define_hosts "${WEBS:-$DEFAULT_WEBS}"
    local h
    for h in "${HOSTS[@]}"; do printf '%s %s %s\n' "$h" "${ADDR[$h]}" "$(host_mac "$h")"; done
}

cmd_up() {
    parse_webs "$@"
    need_root
    ensure_tools
    check_kernel_support
    lock_state
    local t0=$SECONDS h running
    running=$(recorded_webs)
    WEBS=${WEBS:-$running}
    # Hosts beyond the new count would keep running unlisted: a different count needs a fresh lab.
    if [[ $WEBS != "$running" ]] && { netns_exists "$SW_NS" || [[ -d $LAB_STATE/hosts ]]; }; then
        die "the lab is up with $running web servers: run '$PROG down' before 'up --webs $WEBS'"
    fi
    define_hosts "$WEBS"
    echo "$WEBS" >"$WEBS_FILE"
    raise_inotify_limit 1024
    ensure_rootfs
    ensure_mirror
    touch "$(rootfs_dir).used" "$(mirror_dir).used"   # keeps them from another lab's pruning
    ensure_lab_keypair
    ensure_switch
    ensure_ctl_ns
    start_mirror_server
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
    printf '  apt mirror http://%s:%s/ (the hosts'"'"' only source): %s\n' "$CTL_ADDR" "$MIRROR_PORT" "$(mirror_dir)"
}

cmd_down() {
    need_root
    lock_state
    local h t0=$SECONDS leader ns nss=() m
    # Kill every container first, then wait: the hosts die in parallel.
    for h in "${HOSTS[@]}"; do
        if ns=$(host_pidns "$h"); then nss+=("$ns"); fi
        if leader=$(host_leader "$h"); then kill -KILL "$leader" 2>/dev/null || true; fi
    done
    for h in "${HOSTS[@]}"; do stop_host_processes "$h"; done
    wait_pidns_empty 10 "${nss[@]}" || die "processes of the lab hosts do not exit"
    stop_mirror_server
    for h in "${HOSTS[@]}"; do remove_host_net "$h"; done
    if netns_exists "$CTL_NS"; then ip netns del "$CTL_NS"; fi
    if netns_exists "$SW_NS"; then ip netns del "$SW_NS"; fi   # takes the bridge and remaining veths with it
    # Overlays live in private mount namespaces; this only catches strays in ours.
    while IFS= read -r m; do
        umount "$m" || umount -l "$m"
    done < <(awk -v p="$LAB_STATE/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r)
    rm -rf "$LAB_STATE/hosts" "$SSH_DIR" "$HOSTS_JSON" "$HOSTS_JSON.tmp" "$MIRROR_LOG" "$WEBS_FILE"
    echo "lab down in $((SECONDS - t0)) s (cache kept: $(rootfs_dir), $(mirror_dir))"
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
    if pid=$(mirror_server_pid); then state="serving (pid $pid)"; any=1; else state="not running"; fi
    printf '%-7s %-11s %s\n' mirror "$CTL_ADDR:$MIRROR_PORT" "apt mirror $state"
    if ((any == 0)) && ! netns_exists "$SW_NS"; then exit 3; fi   # lab entirely down
}

# The command line that runs a command inside HOST's namespaces with a clean environment.
host_nsenter_argv() {
    local leader
    leader=$(host_leader "$1") || return 1
    NSENTER_ARGV=(nsenter --target "$leader" --mount --uts --ipc --net --pid --cgroup --root --wd --
        /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}")
}

cmd_exec() {
    local h=${1:-}; need_host "$h"; shift
    [[ ${1:-} == -- ]] && shift
    (($#)) || die "usage: $PROG exec HOST -- CMD..."
    host_nsenter_argv "$h" || { echo "$PROG: $h is not running" >&2; exit 125; }
    exec "${NSENTER_ARGV[@]}" "$@"
}

# Prior state a test starts from, installed from the lab's mirror as an operator would have.
cmd_stage() {
    local h=${1:-} what=${2:-} log; need_host "$h"; need_root
    [[ $what == nginx ]] || die "usage: $PROG stage HOST nginx"
    host_nsenter_argv "$h" || die "$h is not running"
    log=$(host_dir "$h")/stage.log
    # ufw denies incoming by default: ssh is allowed before it is enabled, as on any real host.
    "${NSENTER_ARGV[@]}" sh -c '
        set -e
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q nginx ufw
        systemctl enable --now nginx
        ufw allow 22/tcp
        ufw allow 80/tcp
        ufw --force enable
        systemctl is-active --quiet nginx
        ufw status | grep -q "^80/tcp .*ALLOW"' >"$log" 2>&1 ||
        die "$h: staging nginx failed, see $log"
    echo "$h staged: nginx installed, enabled and running; ufw active with 22/tcp and 80/tcp allowed"
}

cmd_kill() {
    local h=${1:-}; need_host "$h"; need_root; lock_state
    KILLED_AT=$EPOCHREALTIME
    stop_host_processes "$h"
    remove_host_net "$h"
    # event-at: epoch seconds when it took effect (the benchmarks time failovers from it).
    echo "$h killed (processes and network gone; disk kept); event-at $KILLED_AT"
}

cmd_start() {
    local h=${1:-}; need_host "$h"; need_root; lock_state
    if ! netns_exists "$SW_NS" || [[ ! -d $(rootfs_dir) || ! -s $SSH_KEY ]]; then die "lab is not up (run: $PROG up)"; fi
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
    local at
    case $action in
        down) ip -n "$SW_NS" link set "$port" down; at=$EPOCHREALTIME ;;   # host's eth0 loses carrier
        up)   ip -n "$SW_NS" link set "$port" up ;;
        cut)  ip -n "$SW_NS" link set "$port" nomaster ;;   # carrier stays up, frames go nowhere
        join) ip -n "$SW_NS" link set "$port" master "$BRIDGE" up ;;
        *) die "usage: $PROG link HOST down|up|cut|join" ;;
    esac
    echo "$h link $action${at:+; event-at $at}"
}

usage() {
    sed -n '2,/^set -E/p' "$0" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'
}

main() {
    local cmd=${1:-}
    (($#)) && shift
    # Every subcommand but up and plan acts on the hosts the last `up` created.
    [[ $cmd == up || $cmd == plan ]] || define_hosts "$(recorded_webs)"
    case $cmd in
        up)     cmd_up "$@" ;;
        plan)   cmd_plan "$@" ;;
        down)   cmd_down ;;
        status) cmd_status ;;
        exec)   cmd_exec "$@" ;;
        stage)  cmd_stage "$@" ;;
        kill)   cmd_kill "$@" ;;
        start)  cmd_start "$@" ;;
        link)   cmd_link "$@" ;;
        -h|--help|help) usage ;;
        *) usage >&2; die "unknown command '${cmd}'" ;;
    esac
}

# Sourced (the unit tests call its functions): define them only.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
