import { expect } from "chai";
import { onHost, waitFor } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";
import { holders, through, vrrpProgram, vrrpPulumi, waitHolders, writeTopology } from "../../lab/vrrpLab";

/**
 * Host firewalls on both balancers, active before the first `pulumi up` (installed from the lab's
 * mirror): VRRP adverts must pass (else both nodes claim both VIPs: split brain), the frontend
 * port must open, and destroy must leave each firewall exactly as it was.
 */
const A = "10.77.0.100";
const B = "10.77.0.101";
/** An IPv6 VIP (VRRPv3, multicast to ff02::12) on the lab's ULA prefix. */
const C = "fd77::100";

/** The instances of one run: what the firewall must let through. */
interface Variant {
    name: string;
    instances: (iface: string) => Record<string, unknown>[];
    vips: [string, string][];
    extraFrontend?: string[];
}

const VARIANTS: Variant[] = [
    {
        name: "multicast",
        instances: (iface) => [
            { name: "a", vips: [`${A}/24`], virtualRouterId: 91, interface: iface, master: "lb1" },
            { name: "b", vips: [`${B}/24`], virtualRouterId: 92, interface: iface, master: "lb2" },
        ],
        vips: [[A, "lb1"], [B, "lb2"]],
    },
    {
        // Unicast adverts go to the peer's address (ufw/firewalld see them as unicast protocol 112).
        name: "unicast IPv4 and a multicast IPv6 (VRRPv3) instance",
        instances: (iface) => [
            { name: "a", vips: [`${A}/24`], virtualRouterId: 91, interface: iface, master: "lb1", unicast: true },
            { name: "b", vips: [`${B}/24`], virtualRouterId: 92, interface: iface, master: "lb2", unicast: true },
            { name: "c", vips: [`${C}/64`], virtualRouterId: 93, interface: iface, master: "lb2", vrrpVersion: 3 },
        ],
        vips: [[A, "lb1"], [B, "lb2"], [C, "lb2"]],
        // haproxy's `bind :80` is IPv4 only.
        extraFrontend: ["bind :::80 v6only"],
    },
];

/** Per firewall: how a host turns it on, and what "its rules" are, as text to compare before/after. */
const FIREWALLS: [string, string, string][] = [
    [
        "ufw",
        "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ufw >/dev/null && ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null",
        "ufw status verbose; sha256sum /etc/ufw/before.rules /etc/ufw/before6.rules /etc/ufw/user.rules /etc/ufw/user6.rules",
    ],
    [
        "firewalld",
        "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q firewalld >/dev/null && systemctl enable --now firewalld >/dev/null 2>&1 && firewall-cmd --state",
        "firewall-cmd --list-all; firewall-cmd --permanent --list-all",
    ],
];

for (const [firewall, enable, rules] of FIREWALLS) for (const variant of VARIANTS) {
    describe(`lab: VRRP (${variant.name}) and the frontend through an active ${firewall}`, function () {
        this.timeout(0);
        const prior: Record<string, string> = {};
        labScenario({
            prepare: () => {
                for (const lb of ["lb1", "lb2"]) {
                    const r = onHost(lb, enable, 300_000);
                    if (r.code !== 0) throw new Error(`${lb}: enabling ${firewall} failed: ${r.stderr}`);
                    prior[lb] = onHost(lb, rules).stdout;
                }
            },
            program: vrrpProgram((info) => writeTopology(info, { instances: variant.instances(info.interface) as never }, variant.extraFrontend)),
            up: true,
        });

        it("no split brain: each VIP is on exactly one node, and stays so", async () => {
            for (const [vip, holder] of variant.vips) await waitHolders(vip, [holder]);
            // Without adverts both nodes would claim every VIP after ~3 advert intervals.
            await new Promise((r) => setTimeout(r, 5_000));
            for (const [vip, holder] of variant.vips) expect(holders(vip), vip).to.deep.equal([holder]);
        });

        it("the frontend port is open: every VIP answers through the client", async () => {
            await waitFor("an answer through every VIP", () => variant.vips.every(([vip]) => through(vip, 1)[0] !== "error"), 30_000, 500);
            for (const [vip] of variant.vips) expect(through(vip, 3), vip).to.not.include("error");
        });

        it(`destroy leaves ${firewall} exactly as it was`, async () => {
            await vrrpPulumi(["destroy", "--yes", "--skip-preview"]);
            for (const lb of ["lb1", "lb2"]) expect(onHost(lb, rules).stdout, lb).to.equal(prior[lb]);
        });
    });
}
