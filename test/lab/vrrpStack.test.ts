import { expect } from "chai";
import { DESTROY, labConfig, onHost, pulumi, pulumiOk, UP, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";
import { holders, through, waitHolders } from "../../lab/vrrpLab";

/**
 * The stack program itself (index.ts, Pulumi.lab.yaml) with `haproxy-ha:instances`: an
 * active-active pair from stack config, then a foreign VRRP router (a raw-socket sender on the
 * client) advertising a VRID the stack adds: `pulumi up` must stop on the first node before the
 * swap, naming the VRID, the interface and the sender, while the pair keeps serving.
 */
const A = "10.77.0.100";
const B = "10.77.0.101";
const C = "10.77.0.102";
const ROGUE_VRID = 63;
const ROGUE_PID = "/run/haproxy-ha-rogue.pid";

/** VRRPv2 adverts (VRID, priority 50, one foreign address, no auth) to 224.0.0.18 every second, as another router would send them. */
const ROGUE_PY = `
import socket, struct, time
src = "%SRC%"
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
def checksum(b):
    total = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff
body = struct.pack("!BBBBBBH", 0x21, ${ROGUE_VRID}, 50, 1, 0, 1, 0) + socket.inet_aton("10.77.0.250") + b"\\0" * 8
body = body[:6] + struct.pack("!H", checksum(body)) + body[8:]
while True:
    s.sendto(body, ("224.0.0.18", 0))
    time.sleep(1)
`;

/** VRRPv3 IPv6 adverts (VRID, one foreign address) to ff02::12 every second; the kernel fills the checksum. */
const ROGUE6_PY = `
import socket, struct, time
index = int(open("/sys/class/net/eth0/ifindex").read())
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
s.setsockopt(socket.IPPROTO_IPV6, 7, 6)  # IPV6_CHECKSUM at offset 6
body = struct.pack("!BBBBHH", 0x31, %VRID%, 50, 1, 100, 0) + socket.inet_pton(socket.AF_INET6, "fd77::250")
while True:
    s.sendto(body, ("ff02::12", 0, 0, index))
    time.sleep(1)
`;

describe("lab: the stack program with `haproxy-ha:instances` (active-active) and the VRID collision check", function () {
    this.timeout(0);
    const config = (instances: Record<string, unknown>[]) => {
        const c = labConfig(lab.info, {
            balancers: [
                { name: "lb1", host: lab.info.hosts.lb1.address },
                { name: "lb2", host: lab.info.hosts.lb2.address },
            ],
            instances,
        });
        delete c.vip;
        delete c.virtualRouterId;
        return c;
    };
    const AB = () => [
        { name: "a", vips: [`${A}/24`], virtualRouterId: 61, master: "lb1" },
        { name: "b", vips: [`${B}/24`], virtualRouterId: 62, master: "lb2" },
    ];
    const ABC = () => [...AB(), { name: "c", vips: [`${C}/24`], virtualRouterId: ROGUE_VRID, master: "lb1" }];
    const configHash = (lb: string) => onHost(lb, "sha256sum /etc/keepalived/keepalived.conf").stdout;
    const stopRogue = () => onHost("client", `[ -f ${ROGUE_PID} ] && kill "$(cat ${ROGUE_PID})"; rm -f ${ROGUE_PID}; true`);

    const lab = labScenario({ config: () => config(AB()), cleanup: () => void stopRogue() });

    it("pulumi up of the stack program makes lb1 MASTER of VIP A and lb2 of VIP B, both serving through the client", async () => {
        const up = await pulumiOk(UP);
        await waitHolders(A, ["lb1"]);
        await waitHolders(B, ["lb2"]);
        await waitFor("an answer through both VIPs", () => [A, B].every((vip) => through(vip, 1)[0] !== "error"), 30_000, 500);
        for (const vip of [A, B]) expect(through(vip, 4), vip).to.have.length(4).and.not.include("error");
        const outputs = JSON.parse((await pulumiOk(["stack", "output", "--json"])).stdout);
        expect(outputs.vips).to.deep.equal([A, B]);
        expect(outputs.masters).to.deep.equal({ a: "lb1", b: "lb2" });
        expect(outputs.urls).to.deep.equal([`http://${A}:80/`, `http://${B}:80/`]);
        console.log(`      first up: ${up.seconds.toFixed(1)} s`);
    });

    it("a foreign router advertising a VRID the stack adds stops pulumi up before the swap, naming it; the pair keeps serving", async () => {
        const before = { lb1: configHash("lb1"), lb2: configHash("lb2") };
        onHost("client", `cat > /run/haproxy-ha-rogue.py <<'EOF'\n${ROGUE_PY.replace("%SRC%", lab.info.hosts.client.address)}\nEOF\nsetsid python3 /run/haproxy-ha-rogue.py </dev/null >/dev/null 2>&1 &\necho $! > ${ROGUE_PID}`);
        await new Promise((r) => setTimeout(r, 1500));
        expect(onHost("client", `kill -0 "$(cat ${ROGUE_PID})" && echo alive`).stdout.trim(), "the rogue sender runs").to.equal("alive");
        writeStackFile(config(ABC()));
        const up = await pulumi(UP);
        const output = up.stdout + up.stderr;
        expect(up.code, output.slice(-3000)).to.not.equal(0);
        expect(output).to.include(`VRID ${ROGUE_VRID} on ${lab.info.interface} is already advertised by ${lab.info.hosts.client.address} (addresses: 10.77.0.250)`);
        expect({ lb1: configHash("lb1"), lb2: configHash("lb2") }).to.deep.equal(before);
        expect(holders(A)).to.deep.equal(["lb1"]);
        expect(holders(B)).to.deep.equal(["lb2"]);
        expect(holders(C)).to.deep.equal([]);
        for (const vip of [A, B]) expect(through(vip, 3), vip).to.not.include("error");
    });

    it("with the foreign router gone, the same pulumi up succeeds and the new instance's VIP is served", async () => {
        stopRogue();
        const up = await pulumiOk(UP);
        await waitHolders(C, ["lb1"]);
        await waitFor("an answer through VIP C", () => through(C, 1)[0] !== "error", 30_000, 500);
        expect(holders(A)).to.deep.equal(["lb1"]);
        expect(holders(B)).to.deep.equal(["lb2"]);
        console.log(`      up adding instance c: ${up.seconds.toFixed(1)} s`);
    });

    it("IPv6: an instance with an IPv6 VIP is served through the stack program; a foreign IPv6 router on its VRID stops the next change", async () => {
        const V6 = "fd77::100";
        const withV6 = () => [...ABC(), { name: "v6", vips: [`${V6}/64`], virtualRouterId: 71, master: "lb2", vrrpVersion: 3 }];
        writeStackFile(config(withV6()));
        await pulumiOk(UP);
        await waitHolders(V6, ["lb2"]);
        await waitFor("an answer through the IPv6 VIP", () => through(V6, 1)[0] !== "error", 30_000, 500);
        expect(through(V6, 3)).to.not.include("error");
        // A change of the IPv6 instance re-runs the config step while the rogue advertises its VRID.
        const before = { lb1: configHash("lb1"), lb2: configHash("lb2") };
        onHost("client", `cat > /run/haproxy-ha-rogue.py <<'EOF'\n${ROGUE6_PY.replace("%VRID%", "71")}\nEOF\nsetsid python3 /run/haproxy-ha-rogue.py </dev/null >/dev/null 2>&1 &\necho $! > ${ROGUE_PID}`);
        await new Promise((r) => setTimeout(r, 1500));
        writeStackFile(config(withV6().map((i) => (i.name === "v6" ? { ...i, advertInt: 2 } : i))));
        const up = await pulumi(UP);
        const output = up.stdout + up.stderr;
        expect(up.code, output.slice(-3000)).to.not.equal(0);
        expect(output).to.match(/VRID 71 on eth0 is already advertised by fe80::[0-9a-f:]+ \(addresses: fd77::250\)/);
        expect({ lb1: configHash("lb1"), lb2: configHash("lb2") }).to.deep.equal(before);
        expect(holders(V6)).to.deep.equal(["lb2"]);
        stopRogue();
    });

    it("an interface the hosts lack (ens192 where they have eth0) stops pulumi up before the swap, naming it; the pair keeps serving", async () => {
        const v6 = { name: "v6", vips: ["fd77::100/64"], virtualRouterId: 71, master: "lb2", vrrpVersion: 3 };
        const before = { lb1: configHash("lb1"), lb2: configHash("lb2") };
        writeStackFile(config([...ABC().map((i) => (i.name === "a" ? { ...i, interface: "ens192" } : i)), v6]));
        const up = await pulumi(UP);
        const output = up.stdout + up.stderr;
        expect(up.code, output.slice(-3000)).to.not.equal(0);
        expect(output).to.match(/interface ens192 does not exist on this host \(it has: [^)]*\beth0\b[^)]*\); the old config stays/);
        expect({ lb1: configHash("lb1"), lb2: configHash("lb2") }).to.deep.equal(before);
        expect(holders(A)).to.deep.equal(["lb1"]);
        for (const vip of [A, B]) expect(through(vip, 3), vip).to.not.include("error");
        writeStackFile(config([...ABC(), v6]));
    });

    it("pulumi destroy takes every VIP away", async () => {
        await pulumiOk(DESTROY);
        for (const vip of [A, B, C, "fd77::100"]) expect(holders(vip), vip).to.deep.equal([]);
    });
});
