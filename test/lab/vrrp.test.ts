import { expect } from "chai";
import { hostsOk, onHost, waitFor } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";
import { holders, through, vrrpProgram, waitHolders, writeTopology } from "../../lab/vrrpLab";

/**
 * Issue 10 on real hosts: two VRRP instances (lb1 MASTER of A, lb2 MASTER of B), the built-in
 * notify script and a user hook, NIC tracking, and the weighted gateway check (the client's
 * address stands in for the gateway; a blackhole route on the client makes it unreachable).
 */
const A = "10.77.0.100";
const B = "10.77.0.101";
/** The IPv6 VIP (VRRPv3 instance `c`, MASTER lb1) on the lab's ULA prefix. */
const C = "fd77::100";
const MARKER = "/run/haproxy-ha-hook-marker";

const stateOf = (host: string, instance: string) => onHost(host, `cat /run/haproxy-ha/vrrp/${instance}.state 2>/dev/null || echo none`).stdout.trim();
const markers = (host: string, line: string) =>
    onHost(host, `cat ${MARKER} 2>/dev/null || true`)
        .stdout.split("\n")
        .filter((l) => l === line).length;

describe("lab: several VIPs (active-active), notify hooks, NIC tracking, the weighted gateway check", function () {
    this.timeout(0);
    const lab = labScenario({
        program: vrrpProgram((info) =>
            writeTopology(
                info,
                {
                    instances: [
                        { name: "a", vips: [`${A}/24`], virtualRouterId: 81, interface: info.interface, master: "lb1" },
                        { name: "b", vips: [`${B}/24`], virtualRouterId: 82, interface: info.interface, master: "lb2" },
                        { name: "c", vips: [`${C}/64`], virtualRouterId: 83, interface: info.interface, master: "lb1", vrrpVersion: 3 },
                    ],
                    gatewayCheck: { address: info.hosts.client.address },
                    notify: { master: `#!/bin/sh\necho "$2 $3" >> ${MARKER}\n` },
                },
                // haproxy's `bind :80` is IPv4 only.
                ["bind :::80 v6only"],
            ),
        ),
        up: true,
        ready: async () => {
            await waitHolders(A, ["lb1"]);
            await waitHolders(B, ["lb2"]);
            await waitHolders(C, ["lb1"]);
            // haproxy marks the web servers up after its first health checks.
            await waitFor("an answer through both VIPs", () => [A, B].every((vip) => through(vip, 1)[0] !== "error"), 30_000, 500);
        },
    });

    it("active-active: lb1 holds VIP A, lb2 holds VIP B, and both answer through the client", () => {
        expect(holders(A)).to.deep.equal(["lb1"]);
        expect(holders(B)).to.deep.equal(["lb2"]);
        for (const vip of [A, B]) {
            const answers = through(vip, 4);
            expect(answers, `${vip}: ${answers.join(" ")}`).to.have.length(4).and.not.include("error");
        }
    });

    it("notify: the state files on both nodes say who is MASTER of each instance", () => {
        expect([stateOf("lb1", "a"), stateOf("lb1", "b"), stateOf("lb2", "a"), stateOf("lb2", "b")]).to.deep.equal(["MASTER", "BACKUP", "BACKUP", "MASTER"]);
        expect(markers("lb1", "VI_a MASTER")).to.be.at.least(1);
        expect(markers("lb2", "VI_b MASTER")).to.be.at.least(1);
    });

    it("gateway unreachable from both nodes: each VIP stays on exactly one node (no FAULT)", async () => {
        onHost("client", `ip route add blackhole ${lab.info.hosts.lb1.address}/32; ip route add blackhole ${lab.info.hosts.lb2.address}/32`);
        try {
            // Long enough for fall 2 at 1 s on both nodes, and for a wrong election to show.
            await new Promise((r) => setTimeout(r, 8_000));
            expect(holders(A)).to.deep.equal(["lb1"]);
            expect(holders(B)).to.deep.equal(["lb2"]);
            expect([stateOf("lb1", "a"), stateOf("lb2", "b")]).to.deep.equal(["MASTER", "MASTER"]);
            // Only lb2 sees the gateway again: VIP A moves to it.
            onHost("client", `ip route del blackhole ${lab.info.hosts.lb2.address}/32`);
            await waitHolders(A, ["lb2"]);
            expect(holders(B)).to.deep.equal(["lb2"]);
        } finally {
            onHost("client", `ip route del blackhole ${lab.info.hosts.lb1.address}/32; ip route del blackhole ${lab.info.hosts.lb2.address}/32; true`);
        }
        // Both see it again: A returns to lb1 (preempt).
        await waitHolders(A, ["lb1"]);
    });

    it("IPv6: curl -6 from the client through the IPv6 VIP", () => {
        expect(holders(C)).to.deep.equal(["lb1"]);
        const answers = through(C, 4);
        expect(answers, answers.join(" ")).to.have.length(4).and.not.include("error");
    });

    it("the MASTER's NIC goes down: its VIP moves to the peer, and returns with the link", async () => {
        await waitHolders(C, ["lb1"]);
        hostsOk(["link", "lb1", "down"]);
        try {
            await waitHolders(A, ["lb2"]);
            await waitHolders(C, ["lb2"]);
            expect(stateOf("lb1", "a")).to.equal("FAULT");
            expect(through(A, 3)).to.not.include("error");
            expect(through(C, 3), "IPv6 VIP after the failover").to.not.include("error");
        } finally {
            hostsOk(["link", "lb1", "up"]);
        }
        await waitHolders(A, ["lb1"]);
        await waitHolders(C, ["lb1"]);
    });

    it("lb1 dies: lb2 holds and serves both VIPs, its hook ran once for the transition; lb1 back takes A back", async () => {
        const before = markers("lb2", "VI_a MASTER");
        hostsOk(["kill", "lb1"]);
        await waitHolders(A, ["lb2"]);
        expect(holders(B)).to.deep.equal(["lb2"]);
        for (const vip of [A, B]) expect(through(vip, 3), vip).to.not.include("error");
        expect(stateOf("lb2", "a")).to.equal("MASTER");
        // Give a duplicate call the time to show.
        await new Promise((r) => setTimeout(r, 2_000));
        expect(markers("lb2", "VI_a MASTER") - before).to.equal(1);
        hostsOk(["start", "lb1"]);
        await waitFor("VIP A back on lb1", () => holders(A).join() === "lb1", 60_000);
        expect(holders(B)).to.deep.equal(["lb2"]);
    });
});
