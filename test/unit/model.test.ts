/**
 * model/: one normalize per component (issue 20 items 1, 3). The shorthand ends there as
 * collections, every problem comes back at once with its arg path, and the plan is made once per
 * args object.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, HaproxyNodeArgs, KeepalivedPair, KeepalivedPairArgs, WebBackend } from "../../components";
import { checkHaproxyNodeArgs } from "../../components/haproxyNode";
import { checkKeepalivedPairArgs } from "../../components/keepalivedPair";
import { normalizeHaproxyNode } from "../../components/model/haproxy";
import { normalizeKeepalivedPair } from "../../components/model/keepalived";
import { ArgumentErrors, pathText } from "../../components/model/problems";
import { renderHaproxyConfig } from "../../components/render/haproxy";
import { checkWebBackendArgs } from "../../components/webBackend";
import { setRenderMocks } from "../../scripts/renderStack";
import { resolved } from "./helpers";

setRenderMocks();

const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
const nodes = [
    { name: "lb1", connection: { ...conn }, address: "10.77.0.21" },
    { name: "lb2", connection: { ...conn, host: "10.77.0.22" }, address: "10.77.0.22" },
];

/** The problems a throw carries: [arg path as the user writes it, value]. */
function problemsOf(fn: () => unknown): [string, unknown][] {
    try {
        fn();
    } catch (e) {
        expect(e).to.be.instanceOf(ArgumentErrors);
        return (e as ArgumentErrors).problems.map((p) => [pathText(p.path), p.value]);
    }
    throw new Error("expected a refusal");
}

describe("model: every problem at once, each with its arg path and value", () => {
    it("HaproxyNode collections: a bad port, balance, server port and unknown key are all named in one error", () => {
        const args: HaproxyNodeArgs = {
            connection: conn,
            frontends: [{ name: "www", binds: [{ port: 70000 }], defaultBackend: "web" }],
            backends: [{ name: "web", balance: "fastest", servers: [{ name: "a", address: "10.77.0.11", port: 0 }, { name: "b", address: "10.77.0.12", wieght: 2 } as never] }],
        };
        expect(problemsOf(() => new HaproxyNode("many", args))).to.deep.equal([
            ["frontends[0].binds[0].port", 70000],
            ["backends[0].balance", "fastest"],
            ["backends[0].servers[1].wieght", 2],
            ["backends[0].servers[0].port", 0],
        ]);
        expect(() => new HaproxyNode("many-msg", args)).to.throw(/HaproxyNode "many-msg": 4 problems:\n {2}- `frontends\[0\]\.binds\[0\]\.port` must be an integer from 1 to 65535, got 70000\n/);
    });

    it("HaproxyNode shorthand: the shorthand's own paths (servers[1].state, port, healthCheck.rise)", () => {
        const args: HaproxyNodeArgs = {
            connection: conn,
            port: 0,
            healthCheck: { rise: 0 },
            servers: [
                { name: "a", address: "10.77.0.11" },
                { name: "b", address: "10.77.0.12", state: "drain" },
            ],
        };
        expect(problemsOf(() => checkHaproxyNodeArgs("sh", args))).to.deep.equal([
            ["port", 0],
            ["healthCheck.rise", 0],
            ["servers[1].state", "drain"],
        ]);
    });

    it("KeepalivedPair: a bad VRID and a master that is no node, in two instances, at once", () => {
        const args: KeepalivedPairArgs = {
            nodes,
            instances: [
                { name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 300, interface: "eth0", master: "lb1" },
                { name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62, interface: "eth0", master: "lb3" },
            ],
        };
        expect(problemsOf(() => checkKeepalivedPairArgs("two", args))).to.deep.equal([
            ["instances[0].virtualRouterId", 300],
            ["instances[1].master", "lb3"],
        ]);
    });

    it("no echo: two equal bad names are two name problems, not a third about uniqueness", () => {
        const args: HaproxyNodeArgs = {
            connection: conn,
            frontends: [
                { name: "1f", binds: [{ port: 80 }], defaultBackend: "web" },
                { name: "1f", binds: [{ port: 81 }], defaultBackend: "web" },
            ],
            backends: [{ name: "web", servers: [{ name: "a", address: "10.77.0.11" }] }],
        };
        expect(problemsOf(() => checkHaproxyNodeArgs("echo", args))).to.deep.equal([
            ["frontends[0].name", "1f"],
            ["frontends[1].name", "1f"],
        ]);
        const pair: KeepalivedPairArgs = {
            nodes,
            instances: [
                { name: "-a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1" },
                { name: "-a", vips: ["10.77.0.101/24"], virtualRouterId: 62, interface: "eth0", master: "lb2" },
            ],
        };
        expect(problemsOf(() => checkKeepalivedPairArgs("echo", pair))).to.deep.equal([
            ["instances[0].name", "-a"],
            ["instances[1].name", "-a"],
        ]);
    });

    it("WebBackend: a bad name and port at once", () => {
        expect(problemsOf(() => new WebBackend("w", { connection: conn, backendName: "1web", port: 0 }))).to.deep.equal([
            ["backendName", "1web"],
            ["port", 0],
        ]);
        expect(checkWebBackendArgs("w-ok", { connection: conn }).port).to.equal(80);
    });
});

describe("model: a value that is an Output is checked once, when it resolves", () => {
    it("a bad VIP given as an Output is refused by the pair when it resolves, naming the field", async () => {
        const pair = new KeepalivedPair("late-vip", { nodes, vip: pulumi.output("10.77.0.300/24"), interface: "eth0" });
        const error = await new Promise<Error | undefined>((resolve) => {
            pair.files.apply(() => resolve(undefined));
            process.once("unhandledRejection", (e) => resolve(e as Error));
        });
        expect(String(error)).to.match(/KeepalivedPair "late-vip": `vip` must be an address with its prefix length.*got "10\.77\.0\.300\/24"/);
    });
});

describe("model: the shorthand ends at the boundary", () => {
    it("the plan of the shorthand holds one frontend and one backend with explicit values (forwardFor off, devlog)", () => {
        const plan = normalizeHaproxyNode("plan-sh", { connection: conn, bindAddress: "10.77.0.100", servers: [{ name: "a", address: "10.77.0.11" }] });
        expect(plan.frontends.map((f) => [f.name, f.forwardFor, f.timeouts.httpRequestMs, f.defaultBackend])).to.deep.equal([["www", false, undefined, "web"]]);
        expect(plan.backends.map((b) => [b.name, b.balance, b.servers.map((s) => pathText(s.path))])).to.deep.equal([["web", "roundrobin", ["servers[0]"]]]);
        expect(plan.logging).to.equal("devlog");
        expect(normalizeHaproxyNode("plan-coll", { connection: conn, frontends: [{ name: "f", binds: [{ port: 80 }], defaultBackend: "b" }], backends: [{ name: "b", servers: [{ name: "a", address: "10.77.0.11" }] }] }).logging).to.equal("rsyslog");
    });

    it("the component renders the plan's collections as the renderer renders them (nothing added on the way)", async () => {
        const args: HaproxyNodeArgs = { os: "el9", connection: conn, servers: [{ name: "a", address: "10.77.0.11" }] };
        const plan = normalizeHaproxyNode("plan-render", args);
        const node = new HaproxyNode("plan-render", args);
        const text = renderHaproxyConfig({ nodeName: plan.nodeName, haproxyVersion: plan.haproxyVersion, mode: plan.mode, timeouts: plan.timeouts, maxconn: plan.maxconn, frontends: plan.frontends as never, backends: plan.backends as never, extra: plan.extra });
        expect(await resolved(node.configText)).to.equal(text);
    });
});

describe("model: one normalization per args object", () => {
    it("the early check and the constructor share the plan when they get the same args object", () => {
        const args: HaproxyNodeArgs = { connection: conn, servers: [{ name: "a", address: "10.77.0.11" }] };
        expect(checkHaproxyNodeArgs("memo", args)).to.equal(normalizeHaproxyNode("memo", args));
        expect(checkHaproxyNodeArgs("memo", { ...args })).to.not.equal(normalizeHaproxyNode("memo", args));
        expect(checkHaproxyNodeArgs("memo-2", args).where).to.equal('HaproxyNode "memo-2"');
    });

    it("a refusal is remembered too, and thrown again as it was", () => {
        const args: HaproxyNodeArgs = { connection: conn, port: 0, servers: [{ name: "a", address: "10.77.0.11" }] };
        let first: unknown;
        try {
            checkHaproxyNodeArgs("memo-bad", args);
        } catch (e) {
            first = e;
        }
        expect(() => new HaproxyNode("memo-bad", args)).to.throw().that.equals(first);
    });

    it("the pair's plan says which node is MASTER and that the BACKUP is changed first", () => {
        const shorthand = normalizeKeepalivedPair("order", { nodes: [{ ...nodes[0], priority: 90 }, { ...nodes[1], priority: 100 }], vip: "10.77.0.100/24", interface: "eth0" });
        expect([shorthand.masterIndex, shorthand.updateOrder]).to.deep.equal([1, [0, 1]]);
        const instances = checkKeepalivedPairArgs("order-i", { nodes, instances: [{ name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1" }] });
        expect([instances.masterIndex, instances.updateOrder]).to.deep.equal([0, [1, 0]]);
    });
});
