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
#   hosts.sh up [--webs N] [--release R] [--host-release HOST=R]... | down | status
#                                    N web servers web1..webN (default 2), see plan below; every
#                                    host on Debian R (11, 12 or 13; default LAB_RELEASE, else
#                                    12), HOST on R where --host-release says so (a mixed lab)
#   hosts.sh plan [same options as up] print each host's name, address, MAC, release and suite
#                                    (no root, no lab)
#   hosts.sh prepare [--release R]...  build the rootfs and mirror caches of R only (no lab)
#   hosts.sh rebuild HOST --release R [--new-host-key]
#                                    stop HOST, throw its disk away and boot it afresh from R's
#                                    rootfs at the same address and MAC, with the same SSH host
#                                    keys (--new-host-key: new ones, written to known_hosts)
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

readonly SCRIPT_VERSION=5   # bump whenever the rootfs template below changes
# Debian releases the lab boots, by number: each has its own cached rootfs and mirror.
declare -rA SUITE_OF=([11]=bullseye [12]=bookworm [13]=trixie)
readonly RELEASES="11 12 13"
readonly DEFAULT_RELEASE=12
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
declare -A REL=()             # each host's Debian release (11, 12, 13)
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
RELEASES_FILE=$LAB_STATE/releases   # `HOST R` per line: each host's release (up, rebuild)
MIRROR_PID=$LAB_STATE/mirror.pid
MIRROR_LOG=$LAB_STATE/mirror-http.log   # the server's request log: which host fetched which .deb

PROG=${0##*/}
die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }
on_error() { local rc=$?; echo "$PROG: failed (exit $rc) at line $1: $2" >&2; exit "$rc"; }
trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR

# ---------------------------------------------------------------- hosts and addresses

# Checks a release number given as OPTION (names the option and the value when it is not one).
check_release() {
    [[ $2 =~ ^[0-9]+$ && -n ${SUITE_OF[$2]+x} ]] || die "$1 must be one of ${RELEASES// /, } (Debian release), got '$2'"
}

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

# Sets REL of every host: R to all, then each HOST=R of HOST_RELEASES (the --host-release
# options) over it. Names and releases are checked, each error naming the option and value.
assign_releases() {
    local r=$1 hr h
    check_release --release "$r"
    REL=()
    for h in "${HOSTS[@]}"; do REL[$h]=$r; done
    for hr in "${HOST_RELEASES[@]}"; do
        [[ $hr == ?*=?* ]] || die "--host-release must be HOST=R (e.g. lb2=13), got '$hr'"
        h=${hr%%=*}
        is_lab_host "$h" || die "--host-release names unknown host '$h' (one of: ${HOSTS[*]})"
        check_release "--host-release $h" "${hr#*=}"
        REL[$h]=${hr#*=}
    done
}

# The releases `up`/`rebuild` recorded (12 for a host not recorded: a lab up before releases).
load_releases() {
    local h r
    REL=()
    for h in "${HOSTS[@]}"; do REL[$h]=$DEFAULT_RELEASE; done
    [[ -s $RELEASES_FILE ]] || return 0
    while read -r h r; do
        if is_lab_host "$h" && [[ -n ${SUITE_OF[$r]+x} ]]; then REL[$h]=$r; fi
    done <"$RELEASES_FILE"
}

save_releases() {
    local h
    for h in "${HOSTS[@]}"; do echo "$h ${REL[$h]}"; done >"$RELEASES_FILE.tmp"
    mv "$RELEASES_FILE.tmp" "$RELEASES_FILE"
}

# The suites the lab's hosts run, each once, in release order.
lab_suites() {
    local r h
    for r in $RELEASES; do
        for h in "${HOSTS[@]}"; do
            if [[ ${REL[$h]} == "$r" ]]; then echo "${SUITE_OF[$r]}"; break; fi
        done
    done
}

host_suite() { echo "${SUITE_OF[${REL[$1]}]}"; }

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

# Debian mirror the machine itself uses (one-line or deb822 sources) for SUITE, else the one it
# uses for its own release (a Debian mirror carries every suite), or LAB_MIRROR.
debian_mirror() {
    if [[ -n ${LAB_MIRROR:-} ]]; then echo "$LAB_MIRROR"; return; fi
    local m s
    for s in "$1" "$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null)"; do
        [[ -n $s ]] || continue
        m=$(debian_mirror_for "$s")
        [[ -z $m ]] || { echo "$m"; return; }
    done
    die "no Debian $1 mirror in /etc/apt sources: set LAB_MIRROR to one"
}

debian_mirror_for() {
    local SUITE=$1 m
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
    echo "$m"
}

short_hash() { sha256sum | cut -c1-12; }

rootfs_dir() {  # rootfs_dir SUITE
    echo "$LAB_CACHE/rootfs-$(printf '%s\n%s\n%s\n' "$ROOTFS_PACKAGES" "$1" "$SCRIPT_VERSION" | short_hash)"
}

# The mirror depends on the package list and on what the rootfs already has.
mirror_dir() {  # mirror_dir SUITE
    echo "$LAB_CACHE/mirror-$(printf '%s\n%s\n' "$MIRROR_PACKAGES" "$(rootfs_dir "$1")" | short_hash)"
}

# Both caches of a release, built when missing, marked as used now.
ensure_release_caches() {
    local suite=${SUITE_OF[$1]}
    ensure_rootfs "$suite"
    ensure_mirror "$suite"
    touch "$(rootfs_dir "$suite").used" "$(mirror_dir "$suite").used"   # keeps them from another lab's pruning
}

# Serialises cache builds across labs (fd 7 stays open, so the lock lasts until the script exits).
lock_cache() {
    mkdir -p "$LAB_CACHE"
    exec 7<"$LAB_CACHE"
    flock -w 900 7 || die "another build holds $LAB_CACHE"
}

# Stage lines of a long build: what finished, and the seconds since the build started.
stage() { note "$1: $2 ($((SECONDS - $3)) s)"; }

# Removes the cache entries named like `$1-*` that are not this version's cache of any release,
# that no lab has used for a day (other worktrees may share LAB_CACHE at another version) and
# that none uses now (a running lab keeps its rootfs as an overlay lower and its mirror dirs on
# its HTTP server's command line).
prune_cache() {
    local old r current=()
    for r in $RELEASES; do current+=("$("${1}_dir" "${SUITE_OF[$r]}")"); done
    for old in "$LAB_CACHE/$1"-*; do
        [[ ! -d $old || $old == *.partial || $old == *.used ]] && continue
        [[ " ${current[*]} " == *" $old "* ]] && continue
        [[ -n $(find "$old.used" -mtime -1 2>/dev/null) ]] && continue
        # The pattern comes from a file: in grep's own command line it would always match.
        grep -qsF -f <(echo "$old") /proc/[0-9]*/mountinfo /proc/[0-9]*/cmdline && continue
        rm -rf "$old" "$old.used"
    done
}

# Builds the shared read-only lower layer once; a finished build is renamed into place,
# so the existence of the directory means it is complete.
ensure_rootfs() {  # ensure_rootfs SUITE
    local suite=$1 dir tmp mirror t0 log
    dir=$(rootfs_dir "$suite")
    [[ -d $dir ]] && return 0
    lock_cache
    [[ -d $dir ]] && return 0
    tmp=$dir.partial
    log=$LAB_CACHE/debootstrap-$suite.log
    rm -rf "$tmp"
    mirror=$(debian_mirror "$suite")
    t0=$SECONDS
    stage rootfs "debootstrap $suite from $mirror into $dir, log: $log" "$t0"
    if ! debootstrap --variant=minbase --components=main --include="$ROOTFS_PACKAGES" \
            "$suite" "$tmp" "$mirror" >"$log" 2>&1; then
        die "debootstrap failed, see $log"
    fi
    stage rootfs "debootstrap $suite done" "$t0"
    customize_template "$tmp" "$suite"
    mv "$tmp" "$dir"
    stage rootfs "$suite template ready, $(du -sh "$dir" | cut -f1)" "$t0"
    prune_cache rootfs
}

customize_template() {
    local d=$1 suite=$2
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
    # Lab hosts have no route out: their only apt source is the lab's mirror of their release
    # (flat repository, unsigned, so trusted), served from the control namespace.
    rm -f "$d/etc/apt/sources.list" "$d"/etc/apt/sources.list.d/*
    echo "deb [trusted=yes] http://$CTL_ADDR:$MIRROR_PORT/$suite/ ./" >"$d/etc/apt/sources.list.d/haproxy-ha-lab.list"
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
ensure_mirror() {  # ensure_mirror SUITE
    local suite=$1 dir tmp rootfs log t0 mirror
    dir=$(mirror_dir "$suite")
    [[ -d $dir ]] && return 0
    lock_cache
    [[ -d $dir ]] && return 0
    rootfs=$(rootfs_dir "$suite")
    tmp=$dir.partial
    log=$LAB_CACHE/mirror-build-$suite.log
    rm -rf "$tmp"
    mkdir -p "$tmp/upper/etc" "$tmp/work" "$tmp/root" "$tmp/debs"
    mirror=$(debian_mirror "$suite")
    t0=$SECONDS
    stage mirror "$suite: resolving $MIRROR_PACKAGES against $rootfs, downloading from $mirror, log: $log" "$t0"
    echo "deb $mirror $suite main" >"$tmp/upper/etc/debian.list"
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
    stage mirror "$suite: indexed $(find "$dir" -name '*.deb' | wc -l) packages, $(du -sh "$dir" | cut -f1), in $dir" "$t0"
    prune_cache mirror
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

# The mirror's HTTP server, in the control namespace: hosts reach it at $CTL_ADDR:$MIRROR_PORT,
# each release's mirror at /SUITE/ (links in $MIRROR_ROOT), so a mixed lab has one server. The
# mirror directories follow on its command line: cache pruning sees them in use there.
readonly MIRROR_SERVER_PY='
import functools, http.server, sys
addr, port, root = sys.argv[2], int(sys.argv[3]), sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
http.server.ThreadingHTTPServer((addr, port), handler).serve_forever()'
MIRROR_ROOT=$LAB_STATE/mirror-root

mirror_server_pid() {
    local pid
    [[ -s $MIRROR_PID ]] || return 1
    pid=$(<"$MIRROR_PID")
    [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -qF -- "haproxy-ha-lab-mirror $CTL_ADDR" || return 1
    echo "$pid"
}

mirror_answers() { ip netns exec "$CTL_NS" bash -c "exec 3<>/dev/tcp/$CTL_ADDR/$MIRROR_PORT" 2>/dev/null; }

# Serves the mirror of every release a host of the lab runs (restarted when that set grows).
start_mirror_server() {
    local pid rc=0 suite dirs=() d cmdline=""
    for suite in $(lab_suites); do
        dirs+=("$(mirror_dir "$suite")")
    done
    if pid=$(mirror_server_pid); then
        cmdline=$(tr '\0' '\n' </proc/"$pid"/cmdline 2>/dev/null) || cmdline=""
        for d in "${dirs[@]}"; do grep -qxF -- "$d" <<<"$cmdline" || cmdline=""; done
        [[ -n $cmdline ]] && return 0
    fi
    stop_mirror_server
    rm -rf "$MIRROR_ROOT"
    mkdir -p "$MIRROR_ROOT"
    for suite in $(lab_suites); do ln -s "$(mirror_dir "$suite")" "$MIRROR_ROOT/$suite"; done
    # `ip netns exec` and setsid exec in place, so $! becomes the server's own PID (once exec'd).
    # The log is appended to: a restart (a host rebuilt on another release) keeps what was fetched.
    setsid ip netns exec "$CTL_NS" "$PYTHON" -c "$MIRROR_SERVER_PY" haproxy-ha-lab-mirror "$CTL_ADDR" "$MIRROR_PORT" "$MIRROR_ROOT" "${dirs[@]}" \
        </dev/null >>"$MIRROR_LOG" 2>&1 7<&- 8<&- &
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
            printf '%s\n    "%s": {"address": "%s", "mac": "%s", "release": "%s", "suite": "%s"}' \
                "$sep" "$h" "${ADDR[$h]}" "$(host_mac "$h")" "${REL[$h]}" "$(host_suite "$h")"
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
    lower=$(rootfs_dir "$(host_suite "$h")")
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
    lower=$(rootfs_dir "$(host_suite "$h")")
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

# Options of up and plan: `--webs N` (default: what `up` recorded, else 2), `--release R`
# (default LAB_RELEASE, else 12) and `--host-release HOST=R` (repeatable), checked as given.
parse_up_args() {
    WEBS="" RELEASE=${LAB_RELEASE:-$DEFAULT_RELEASE} HOST_RELEASES=() RELEASE_GIVEN=${LAB_RELEASE:+1}
    local usage="usage: $PROG up|plan [--webs N] [--release R] [--host-release HOST=R]..."
    while (($#)); do
        case $1 in
            --webs) (($# >= 2)) || die "--webs needs a number"; WEBS=$2; check_webs "$WEBS"; shift 2 ;;
            --webs=*) WEBS=${1#--webs=}; check_webs "$WEBS"; shift ;;
            --release) (($# >= 2)) || die "--release needs a release (${RELEASES// /, })"; RELEASE=$2 RELEASE_GIVEN=1; shift 2 ;;
            --release=*) RELEASE=${1#--release=} RELEASE_GIVEN=1; shift ;;
            --host-release) (($# >= 2)) || die "--host-release needs HOST=R"; HOST_RELEASES+=("$2") RELEASE_GIVEN=1; shift 2 ;;
            --host-release=*) HOST_RELEASES+=("${1#--host-release=}") RELEASE_GIVEN=1; shift ;;
            *) die "unknown argument '$1' ($usage)" ;;
        esac
    done
    check_release --release "$RELEASE"
}

cmd_plan() {
    parse_up_args "$@"
    define_hosts "${WEBS:-$DEFAULT_WEBS}"
    assign_releases "$RELEASE"
    local h
    for h in "${HOSTS[@]}"; do printf '%s %s %s %s %s\n' "$h" "${ADDR[$h]}" "$(host_mac "$h")" "${REL[$h]}" "$(host_suite "$h")"; done
}

# Builds the caches of the given releases (default: LAB_RELEASE, else 12) without a lab: a
# machine image or CI job can pay the cold builds ahead of the tests.
cmd_prepare() {
    local rels=() r t0=$SECONDS
    while (($#)); do
        case $1 in
            --release) (($# >= 2)) || die "--release needs a release (${RELEASES// /, })"; rels+=("$2"); shift 2 ;;
            --release=*) rels+=("${1#--release=}"); shift ;;
            *) die "unknown argument '$1' (usage: $PROG prepare [--release R]...)" ;;
        esac
    done
    ((${#rels[@]})) || rels=("${LAB_RELEASE:-$DEFAULT_RELEASE}")
    for r in "${rels[@]}"; do check_release --release "$r"; done
    need_root
    ensure_tools
    for r in "${rels[@]}"; do
        ensure_release_caches "$r"
        echo "Debian $r (${SUITE_OF[$r]}): rootfs $(rootfs_dir "${SUITE_OF[$r]}"), mirror $(mirror_dir "${SUITE_OF[$r]}")"
    done
    echo "caches ready in $((SECONDS - t0)) s"
}

# True when a lab (its switch or any host's state) exists under this prefix and state.
lab_exists() { netns_exists "$SW_NS" || [[ -d $LAB_STATE/hosts ]]; }

cmd_up() {
    parse_up_args "$@"
    need_root
    ensure_tools
    check_kernel_support
    lock_state
    local t0=$SECONDS h running r
    running=$(recorded_webs)
    WEBS=${WEBS:-$running}
    # Hosts beyond the new count would keep running unlisted: a different count needs a fresh lab.
    if [[ $WEBS != "$running" ]] && lab_exists; then
        die "the lab is up with $running web servers: run '$PROG down' before 'up --webs $WEBS'"
    fi
    define_hosts "$WEBS"
    assign_releases "$RELEASE"
    # So does another release (`rebuild` changes one host's release in a running lab); an `up`
    # that names none converges the lab on the releases it has.
    if lab_exists && [[ -s $RELEASES_FILE && -z $RELEASE_GIVEN ]]; then
        load_releases
    elif lab_exists && [[ -s $RELEASES_FILE ]]; then
        local -A want=()
        for h in "${HOSTS[@]}"; do want[$h]=${REL[$h]}; done
        load_releases
        for h in "${HOSTS[@]}"; do
            [[ ${REL[$h]} == "${want[$h]}" ]] || die "the lab is up with $h on Debian ${REL[$h]}: run '$PROG down' first, or '$PROG rebuild $h --release ${want[$h]}'"
        done
    fi
    echo "$WEBS" >"$WEBS_FILE"
    save_releases
    raise_inotify_limit 1024
    for r in $RELEASES; do
        [[ " $(lab_suites | tr '\n' ' ')" == *" ${SUITE_OF[$r]} "* ]] && ensure_release_caches "$r"
    done
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
        printf '  %-7s %-11s %-18s Debian %-3s %s\n' "$h" "${ADDR[$h]}" "$(host_mac "$h")" "${REL[$h]}" "$(system_state "$h")"
    done
    printf '  %-7s %-11s (control namespace)   VIP reserved: %s/%s\n' "$CTL_NS" "$CTL_ADDR" "$VIP" "$PREFIX"
    for r in $(lab_suites); do
        printf '  apt mirror http://%s:%s/%s/ (the only source of its hosts): %s\n' "$CTL_ADDR" "$MIRROR_PORT" "$r" "$(mirror_dir "$r")"
    done
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
    rm -rf "$LAB_STATE/hosts" "$SSH_DIR" "$HOSTS_JSON" "$HOSTS_JSON.tmp" "$MIRROR_LOG" "$WEBS_FILE" "$RELEASES_FILE" "$MIRROR_ROOT"
    echo "lab down in $((SECONDS - t0)) s (caches kept in $LAB_CACHE)"
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
        printf '%-7s %-11s Debian %-3s %s\n' "$h" "${ADDR[$h]}" "${REL[$h]}" "$state"
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
    if ! netns_exists "$SW_NS" || [[ ! -d $(rootfs_dir "$(host_suite "$h")") || ! -s $SSH_KEY ]]; then die "lab is not up (run: $PROG up)"; fi
    local t0=$SECONDS
    start_host "$h"
    wait_for_init "$h"
    wait_for_ssh "$h"
    echo "$h up in $((SECONDS - t0)) s ($(system_state "$h"))"
}

# Options of rebuild: HOST, `--release R` (required: what the host becomes), `--new-host-key`.
parse_rebuild_args() {
    REBUILD_HOST="" REBUILD_RELEASE="" NEW_HOST_KEY=0
    local usage="usage: $PROG rebuild HOST --release R [--new-host-key]"
    while (($#)); do
        case $1 in
            --release) (($# >= 2)) || die "--release needs a release (${RELEASES// /, })"; REBUILD_RELEASE=$2; shift 2 ;;
            --release=*) REBUILD_RELEASE=${1#--release=}; shift ;;
            --new-host-key) NEW_HOST_KEY=1; shift ;;
            -*) die "unknown argument '$1' ($usage)" ;;
            *) [[ -z $REBUILD_HOST ]] || die "one HOST only, got '$REBUILD_HOST' and '$1' ($usage)"; REBUILD_HOST=$1; shift ;;
        esac
    done
    need_host "$REBUILD_HOST"
    [[ -n $REBUILD_RELEASE ]] || die "rebuild $REBUILD_HOST needs --release R (${RELEASES// /, })"
    check_release --release "$REBUILD_RELEASE"
}

# A host re-imaged in place: killed, its network and disk thrown away, booted from R's rootfs
# with the same address and MAC. Its SSH host keys live outside the disk, so known_hosts (and
# the stack's pinned keys) stay valid, as for a re-image that restores them; --new-host-key
# makes new ones and rewrites known_hosts (a test then reads the new key from there).
cmd_rebuild() {
    parse_rebuild_args "$@"
    need_root
    local h=$REBUILD_HOST r=$REBUILD_RELEASE t0=$SECONDS from
    lock_state
    if ! netns_exists "$SW_NS" || [[ ! -s $SSH_KEY ]]; then die "lab is not up (run: $PROG up)"; fi
    ensure_release_caches "$r"
    from=${REL[$h]}
    stop_host_processes "$h"
    remove_host_net "$h"
    rm -rf "$(host_dir "$h")/upper" "$(host_dir "$h")/work" "$(host_dir "$h")/root" "$(host_dir "$h")/lower"
    REL[$h]=$r
    save_releases
    if ((NEW_HOST_KEY)); then rm -rf "$(host_dir "$h")/hostkeys"; fi
    ensure_host_keys "$h"
    write_known_hosts
    write_hosts_json
    start_mirror_server
    start_host "$h"
    wait_for_init "$h"
    wait_for_ssh "$h"
    echo "$h rebuilt from Debian $from as Debian $r (${SUITE_OF[$r]}) in $((SECONDS - t0)) s ($(system_state "$h"))"
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
    # Every subcommand but up, plan and prepare acts on the hosts the last `up` created.
    if [[ $cmd != up && $cmd != plan && $cmd != prepare ]]; then define_hosts "$(recorded_webs)"; load_releases; fi
    case $cmd in
        up)     cmd_up "$@" ;;
        plan)   cmd_plan "$@" ;;
        prepare) cmd_prepare "$@" ;;
        rebuild) cmd_rebuild "$@" ;;
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
