import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { normalizeHaproxyNode } from "../../components/model/haproxy";
import { normalizeKeepalivedPair } from "../../components/model/keepalived";
import { ArgumentErrors } from "../../components/model/problems";
import { normalizeWebBackend } from "../../components/model/webBackend";
import { parseTopologyConfig, TopologyConfig } from "../../components/stackConfig";
import { ConfigForm, ruleInStackTerms, stackPathOf } from "../../components/stackMapping";
import { buildTopology, HAPROXY_NODE_ROWS, KEEPALIVED_PAIR_ROWS, STACK_PROGRAM_ARGS, topologyArgs, WEB_BACKEND_ROWS } from "../../components/topology";
import { mockedResources, setRenderMocks } from "../../scripts/renderStack";
import { ACTIVE_ACTIVE, referenceConfig } from "./fixtures";

setRenderMocks();

/** Every problem of one throw, as `field: rule, value`. */
function problemsOf(fn: () => unknown): { field: string; rule: string; value: unknown }[] {
    try {
        fn();
    } catch (e) {
        expect(e, String(e)).to.be.instanceOf(ArgumentErrors);
        return (e as ArgumentErrors).problems.map((p) => ({ field: p.field, rule: p.rule, value: p.value }));
    }
    throw new Error("accepted");
}

const COLLECTIONS = {
    os: "debian",
    port: undefined,
    frontends: [{ name: "web", binds: [{ address: "172.20.30.69", port: 80 }], defaultBackend: "app" }],
    backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] }],
    stats: { adminSources: ["172.20.30.0/24"] },
};
const INSTANCES = { ...ACTIVE_ACTIVE, instances: [ACTIVE_ACTIVE.instances[0], { ...ACTIVE_ACTIVE.instances[1], authPassword: "pw" }] };

describe("stack config: every problem at once, each under the stack key the user typed", () => {
    it("decoding reports every unknown key and wrong value of the config in one error, unknown keys first", () => {
        const problems = problemsOf(() => parseTopologyConfig(referenceConfig({ port: 0, intreface: "eth1", webs: [{ name: "www1", host: "172.20.30.15", port: 70000 }, { name: "www2", host: "172.20.30.16", prot: 81 }] })));
        expect(problems.slice(0, 2).map((p) => p.field)).to.have.members(["haproxy-ha:intreface", "haproxy-ha:webs[1].prot"]);
        expect(problems.slice(2).map((p) => p.field)).to.have.members(["haproxy-ha:webs[0].port", "haproxy-ha:port"]);
        expect(problems.find((p) => p.field === "haproxy-ha:webs[0].port")).to.deep.include({ rule: "must be an integer from 1 to 65535", value: 70000 });
    });

    it("the stack's own rules and every component's come together, before any resource exists", () => {
        const before = mockedResources.length;
        const raw = referenceConfig({
            // The stack's: a balancer named like a web server.
            balancers: [
                { name: "www1", host: "172.20.30.25", priority: 100 },
                { name: "hk2", host: "172.20.30.26", priority: 100 },
            ],
            // WebBackend's and HaproxyNode's (its servers): a malformed address.
            webs: [
                { name: "www1", host: "172.20.30.15" },
                { name: "www2", host: "172.20.30.300" },
            ],
        });
        const problems = problemsOf(() => buildTopology(parseTopologyConfig(raw), "key"));
        expect(problems.map((p) => p.field)).to.have.members(["haproxy-ha:balancers[0].name", "haproxy-ha:webs[1].host", "haproxy-ha:balancers[1].priority"]);
        // The web server and both balancers' HaproxyNodes refuse the address: shown once.
        expect(problems).to.have.length(3);
        expect(problems.find((p) => p.field === "haproxy-ha:webs[1].host")).to.deep.include({ rule: "must be an IPv4 or IPv6 address", value: "172.20.30.300" });
        expect(problems.find((p) => p.field === "haproxy-ha:balancers[1].priority")).to.deep.equal({
            field: "haproxy-ha:balancers[1].priority",
            rule: "must differ from `haproxy-ha:balancers[0].priority` (equal priorities make the election arbitrary)",
            value: 100,
        });
        expect(mockedResources.length, "a resource was registered").to.equal(before);
    });

    it("the decoder's problems and the components' come in one error: the components check what decodes without the refused values", () => {
        const problems = problemsOf(() =>
            parseTopologyConfig(
                referenceConfig({
                    // The decoder's: an unknown key and an optional value out of range (its default stands in).
                    intreface: "eth1",
                    balance: "fastest",
                    // The components': equal priorities, a malformed web address.
                    balancers: [
                        { name: "hk1", host: "172.20.30.25", priority: 100 },
                        { name: "hk2", host: "172.20.30.26", priority: 100 },
                    ],
                    webs: [
                        { name: "www1", host: "172.20.30.15" },
                        { name: "www2", host: "172.20.30.300" },
                    ],
                }),
            ),
        );
        expect(problems.map((p) => p.field)).to.have.members(["haproxy-ha:intreface", "haproxy-ha:balance", "haproxy-ha:balancers[1].priority", "haproxy-ha:webs[1].host"]);
        expect(problems[0].field, "unknown keys first").to.equal("haproxy-ha:intreface");
    });

    it("a refused required key comes alone: what the components would say only follows from it", () => {
        const problems = problemsOf(() =>
            parseTopologyConfig(
                referenceConfig({
                    balancers: [
                        { name: "hk1", host: 7, priority: 100 },
                        { name: "hk2", host: "172.20.30.26", priority: 100 },
                    ],
                }),
            ),
        );
        expect(problems.map((p) => p.field)).to.deep.equal(["haproxy-ha:balancers[0].host"]);
    });

    it("each component is normalized once: the constructors take the plans the stack config's check made", () => {
        const runs = () => [normalizeWebBackend.runs, normalizeHaproxyNode.runs, normalizeKeepalivedPair.runs];
        const before = runs();
        const cfg = parseTopologyConfig(referenceConfig(INSTANCES));
        const checked = runs();
        expect(checked.map((n, i) => n - before[i]), "webs, balancers, pair").to.deep.equal([2, 2, 1]);
        const topology = buildTopology(cfg, "key");
        expect(runs(), "normalized again when built").to.deep.equal(checked);
        expect(topology.balancers.map((b) => b.nodeName)).to.deep.equal(["hk1", "hk2"]);
    });

    it("a component's problem inside a collection keeps its whole path under the stack key", () => {
        const problems = problemsOf(() =>
            parseTopologyConfig(referenceConfig({ ...COLLECTIONS, frontends: [{ name: "web", binds: [{ port: 80 }], routes: [{ hosts: ["a.example"], backend: "nope" }], defaultBackend: "app" }] })),
        );
        expect(problems).to.deep.equal([{ field: "haproxy-ha:frontends[0].routes[0].backend", rule: "is not a backend; backends are: app", value: "nope" }]);
    });

    it("a secret a component refuses is not shown", () => {
        const problems = problemsOf(() => parseTopologyConfig(referenceConfig({ ...COLLECTIONS, certificates: [{ name: "web", pem: "SECRET-PEM-TEXT" }] })));
        expect(problems.map((p) => p.field)).to.include("haproxy-ha:certificates[0].pem");
        expect(JSON.stringify(problems)).to.not.include("SECRET-PEM-TEXT");
    });
});

/** Every leaf of plain args (Outputs and resources left out) with its path. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
    if (pulumi.Output.isInstance(value) || pulumi.Resource.isInstance(value)) return [];
    if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => leaves(v, [...path, i]));
    if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value).filter(([, v]) => v !== undefined);
        return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => leaves(v, [...path, k]));
    }
    return [path];
}

function valueAt(value: unknown, path: readonly (string | number)[]): unknown {
    return path.reduce<unknown>((v, p) => (v as Record<string | number, unknown> | undefined)?.[p], value);
}

function formsOf(cfg: TopologyConfig): Set<ConfigForm> {
    return new Set<ConfigForm>([cfg.frontends === undefined ? "shorthand" : "collections", cfg.instances === undefined ? "singleVip" : "instances"]);
}

describe("the stack key ↔ arg mapping", () => {
    for (const [what, overrides] of [
        ["the shorthand keys", {}],
        ["frontends and backends", COLLECTIONS],
        ["VRRP instances", INSTANCES],
    ] as const) {
        it(`names, for every arg it builds from ${what}, a stack key the config holds`, () => {
            const cfg = parseTopologyConfig(referenceConfig(overrides));
            const args = topologyArgs(cfg);
            const forms = formsOf(cfg);
            const built = [
                ...args.webs.map((a, i) => ({ rows: WEB_BACKEND_ROWS, args: a, self: i as number | undefined })),
                ...args.balancers.map((a, i) => ({ rows: HAPROXY_NODE_ROWS, args: a, self: i as number | undefined })),
                { rows: KEEPALIVED_PAIR_ROWS, args: args.pair, self: undefined },
            ];
            let count = 0;
            for (const { rows, args: a, self } of built) {
                for (const leaf of leaves(a)) {
                    if (leaf.length === 1 && leaf[0] in STACK_PROGRAM_ARGS) continue;
                    const stack = stackPathOf(rows, forms, leaf, self);
                    expect(stack, `arg ${leaf.join(".")}`).to.not.equal(undefined);
                    expect(valueAt(cfg, stack as (string | number)[]), `arg ${leaf.join(".")} → ${stack?.join(".")}`).to.not.equal(undefined);
                    count++;
                }
            }
            expect(count).to.be.greaterThan(20);
        });
    }

    it("feeds the balancers' own address and the web servers as the shorthand's servers", () => {
        const { balancers, pair } = topologyArgs(parseTopologyConfig(referenceConfig()));
        expect(balancers.map((b) => b.address)).to.deep.equal(["172.20.30.25", "172.20.30.26"]);
        expect(balancers[0].servers).to.deep.equal([
            { name: "www1", address: "172.20.30.15", port: 80 },
            { name: "www2", address: "172.20.30.16", port: 80 },
        ]);
        expect(balancers[0].bindAddress).to.equal("172.20.30.69");
        expect(pair.nodes.map((n) => [n.name, n.address, n.priority])).to.deep.equal([
            ["hk1", "172.20.30.25", 100],
            ["hk2", "172.20.30.26", 90],
        ]);
    });

    it("shows the arg paths a rule names as the stack keys they come from, and leaves the others", () => {
        const toStack = (p: readonly (string | number)[]) => stackPathOf(KEEPALIVED_PAIR_ROWS, new Set<ConfigForm>(["shorthand", "singleVip"]), p)?.join("/");
        expect(ruleInStackTerms("must differ from `nodes[0].priority` (x)", toStack)).to.equal("must differ from `balancers/0/priority` (x)");
        expect(ruleInStackTerms("keep at least one `state: ready`", toStack)).to.equal("keep at least one `state: ready`");
        // With `instances` the pair's own `vrrpVersion` is no stack key (each entry has its own).
        const withInstances = (p: readonly (string | number)[]) => stackPathOf(KEEPALIVED_PAIR_ROWS, new Set<ConfigForm>(["shorthand", "instances"]), p)?.join("/");
        expect(ruleInStackTerms("may be a fraction only with `vrrpVersion: 3`", withInstances)).to.equal("may be a fraction only with `vrrpVersion: 3`");
        expect(ruleInStackTerms("may be a fraction only with `vrrpVersion: 3`", toStack)).to.equal("may be a fraction only with `vrrpVersion: 3`");
        const node = (p: readonly (string | number)[]) => stackPathOf(HAPROXY_NODE_ROWS, new Set<ConfigForm>(["collections", "singleVip"]), p, 0)?.join("/");
        expect(ruleInStackTerms("binds *:80, which frontends[0].binds[0] already binds", node)).to.equal("binds *:80, which frontends/0/binds/0 already binds");
        expect(ruleInStackTerms("must differ from `stats.port`", node)).to.equal("must differ from `stats/port`");
    });
});
