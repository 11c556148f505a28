/**
 * VRID collision check, run on a node before a new keepalived.conf goes live: a short listen for
 * VRRP adverts (IP protocol 112, IPv6 next header 112) on each instance's interface. An advert for
 * one of the candidate's VRIDs is ours when it comes from this host or carries exactly the
 * addresses the candidate or the running config gives that VRID (the peer, before or after this
 * change); any other is a foreign router on the segment, and the config is refused. PURE.
 *
 * No tcpdump: a Python program (2.7 and 3: CentOS 7 has only python2) with raw sockets. Where the
 * OS adapter names no interpreter that exists on the host, the check is skipped with a warning.
 */
import { shQuote } from "../shell/quote";

/** keepalived's multicast groups: joined for the listen, or the kernel drops adverts before a raw socket sees them. */
export const VRRP_GROUPS = { v4: "224.0.0.18", v6: "ff02::12" } as const;

/** Listen 3 advert intervals of the slowest instance, at least 3.5 s (a foreign router's default 1 s adverts), at most 10 s. */
export const LISTEN_S = { perAdvert: 3, min: 3.5, max: 10 } as const;

/**
 * argv: candidate config, running config, this host's addresses (space-separated), and, for tests
 * only, a file of captured packets (`<4|6> <interface> <source> <hex>` per line, IPv4 with its IP
 * header as a raw socket delivers it) replayed instead of listening.
 * Exit 0: no foreign advert (or nothing to listen on); 1: a collision, named on stderr.
 */
export const VRID_LISTENER_PY = String.raw`import binascii, select, socket, struct, sys, time


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
                s.setsockopt(socket.IPPROTO_IP, 35, struct.pack("4s4si", socket.inet_aton("${VRRP_GROUPS.v4}"), socket.inet_aton("0.0.0.0"), index))
            else:
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
                # IPV6_ADD_MEMBERSHIP with struct ipv6_mreq (group, interface index)
                s.setsockopt(socket.IPPROTO_IPV6, 20, struct.pack("16si", socket.inet_pton(socket.AF_INET6, "${VRRP_GROUPS.v6}"), index))
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
    seconds = min(max(${LISTEN_S.perAdvert} * max(i[3] for i in candidate), ${LISTEN_S.min}), ${LISTEN_S.max})
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
`;

/** The interpreters the adapter offers, first existing one wins. */
export function vridCollisionCheckScript(tmp: string, runningConfig: string, pythons: string[]): string {
    const pick = pythons.map((p, i) => `${i === 0 ? "if" : "elif"} [ -x ${shQuote(p)} ]; then kpy=${shQuote(p)}`).join("; ");
    return [
        `kpy=`,
        `${pick}; fi`,
        `if [ -z "$kpy" ]; then`,
        `  echo "haproxy-ha: warning: none of ${pythons.join(", ")} on this host: the VRID collision check is skipped" >&2`,
        `else`,
        `  klocal=$(ip -o addr show | awk '{ sub("/.*", "", $4); print $4 }' | tr '\\n' ' ')`,
        `  "$kpy" - ${tmp} ${shQuote(runningConfig)} "$klocal" <<'HAPROXY_HA_VRID' || exit 1`,
        VRID_LISTENER_PY.trimEnd(),
        `HAPROXY_HA_VRID`,
        `fi`,
    ].join("\n");
}
