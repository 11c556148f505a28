import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MAINT_MARKER } from "../../components/model/maintenance";
import { ArgumentErrors } from "../../components/model/problems";
import { normalizeKeepalivedPair } from "../../components/model/keepalived";
import { KeepalivedPairArgs } from "../../components/keepalivedPair";
import { parseTopologyConfig } from "../../components/stackConfig";
import { buildTopology } from "../../components/topology";
import { MAINT_HANDOVER_FAILED, maintHandoverScript } from "../../components/script/maintenance";
import { keepalivedSteps } from "../../components/script/keepalivedSteps";
import { mockedResources, renderStack, setRenderMocks } from "../../scripts/renderStack";
import { ACTIVE_ACTIVE, referenceConfig } from "./fixtures";

setRenderMocks();

function problemsOf(fn: () => unknown): { field: string; rule: string; value: unknown }[] {
    try {
        fn();
    } catch (e) {
        expect(e, String(e)).to.be.instanceOf(ArgumentErrors);
        return (e as ArgumentErrors).problems.map((p) => ({ field: p.field, rule: p.rule, value: p.value }));
    }
    throw new Error("accepted");
}

const debianPair = (states: (string | undefined)[], extra: Record<string, unknown> = {}) =>
    referenceConfig({
        os: "debian",
        balancers: [
            { name: "hk1", host: "172.20.30.25", priority: 100, state: states[0] },
            { name: "hk2", host: "172.20.30.26", priority: 90, state: states[1] },
        ],
        ...extra,
    });

async function keepalivedConf(raw: Record<string, unknown>, node: string): Promise<string> {
    const rendered = await renderStack(raw);
    const file = rendered.files.find((f) => f.node === node && f.path === "/etc/keepalived/keepalived.conf");
    expect(file, `keepalived.conf of ${node}`).to.exist;
    return file!.content;
}

describe("balancer maintenance (balancers[i].state)", () => {
    it("renders a balancer in maint as BACKUP with priority 1 and the marker; its peer and `ready` render as before", async () => {
        const ready = await keepalivedConf(debianPair([undefined, undefined]), "hk1");
        const maint = await keepalivedConf(debianPair(["maint", "ready"]), "hk1");
        expect(ready).to.match(/state MASTER\n/).and.match(/priority 100\n/).and.not.include(MAINT_MARKER);
        expect(maint).to.match(/state BACKUP\n/).and.match(/priority 1\n/).and.include(`\n${MAINT_MARKER}\n`);
        // The marker follows the header and the rendered-for line, which the version check reads in lines 1-3.
        expect(maint.split("\n").slice(0, 4)).to.include(MAINT_MARKER);
        // Only those lines change: the rest of the config is the node's own.
        expect(maint.replace(`${MAINT_MARKER}\n`, "").replace("state BACKUP", "state MASTER").replace("priority 1\n", "priority 100\n")).to.equal(ready);
        expect(await keepalivedConf(debianPair(["maint", "ready"]), "hk2")).to.equal(await keepalivedConf(debianPair([undefined, undefined]), "hk2"));
        expect(await keepalivedConf(debianPair(["ready", "ready"]), "hk1")).to.equal(ready);
    });

    it("puts every instance of an active-active pair on the peer", async () => {
        const conf = await keepalivedConf(referenceConfig({ ...ACTIVE_ACTIVE, os: "debian", balancers: [ACTIVE_ACTIVE.balancers[0], { ...ACTIVE_ACTIVE.balancers[1], state: "maint" }] }), "hk2");
        expect(conf.match(/^ +priority \d+/gm)?.map((l) => l.trim())).to.deep.equal(["priority 1", "priority 1"]);
        expect(conf.match(/^ +state \w+/gm)?.map((l) => l.trim())).to.deep.equal(["state BACKUP", "state BACKUP"]);
    });

    it("refuses, under the stack key and before any resource, a state that is not ready or maint", () => {
        const problems = problemsOf(() => parseTopologyConfig(debianPair(["drain", undefined])));
        expect(problems.map((p) => p.field)).to.deep.equal(["haproxy-ha:balancers[0].state"]);
        expect(problems[0].value).to.equal("drain");
    });

    it("refuses both balancers in maint, naming the key and value", () => {
        const before = mockedResources.length;
        const problems = problemsOf(() => buildTopology(parseTopologyConfig(debianPair(["maint", "maint"])), "key"));
        expect(problems).to.deep.equal([
            {
                field: "haproxy-ha:balancers[1].state",
                rule: "cannot be `maint` while `haproxy-ha:balancers[0].state` is `maint` too: one node must hold the VIPs (put one balancer in maint at a time)",
                value: "maint",
            },
        ]);
        expect(mockedResources.length, "a resource was registered").to.equal(before);
    });

    it("refuses maint with a single balancer", () => {
        const problems = problemsOf(() =>
            parseTopologyConfig({
                ...referenceConfig({ vip: undefined, interface: undefined, virtualRouterId: undefined }),
                balancers: [{ name: "hk1", host: "172.20.30.25", state: "maint" }],
            }),
        );
        expect(problems.map((p) => p.field)).to.deep.equal(["haproxy-ha:balancers[0].state"]);
        expect(problems[0].rule).to.include("one balancer has no other");
        expect(problems[0].value).to.equal("maint");
    });

    it("refuses maint when the peer's priority is 1 too", () => {
        const raw = debianPair(["maint", undefined]);
        (raw.balancers as { priority: number }[])[1].priority = 1;
        const problems = problemsOf(() => buildTopology(parseTopologyConfig(raw), "key"));
        expect(problems).to.deep.equal([
            { field: "haproxy-ha:balancers[0].state", rule: "cannot be `maint`: the peer's priority is 1, not above the maint priority 1, so the peer would not take the VIPs", value: "maint" },
        ]);
        const args: KeepalivedPairArgs = {
            nodes: [
                { name: "a", connection: { host: "10.0.0.1" }, address: "10.0.0.1", state: "maint" },
                { name: "b", connection: { host: "10.0.0.2" }, address: "10.0.0.2" },
            ],
            instances: [{ name: "x", vips: ["10.0.0.9/24"], virtualRouterId: 9, interface: "eth0", master: "a", masterPriority: 5, backupPriority: 1 }],
        };
        expect(() => normalizeKeepalivedPair("p", args)).to.throw('KeepalivedPair "p": `nodes[0].state` cannot be `maint`: the peer\'s priority in `instances[0]` is 1, not above the maint priority 1');
    });

    it("refuses a KeepalivedPair node state that is no balancer state", () => {
        const args: KeepalivedPairArgs = {
            vip: "10.0.0.9/24",
            interface: "eth0",
            nodes: [
                { name: "a", connection: { host: "10.0.0.1" }, address: "10.0.0.1", state: "Maint" },
                { name: "b", connection: { host: "10.0.0.2" }, address: "10.0.0.2" },
            ],
        };
        expect(() => normalizeKeepalivedPair("p", args)).to.throw('KeepalivedPair "p": `nodes[0].state` must be one of ready, maint, got "Maint"');
    });

    it("the config step waits for the handover after its reload, and the service step after its start", () => {
        const steps = keepalivedSteps({ os: "debian", archiveRepos: false, ipv6: false, maintHandoverTimeoutS: 14 });
        const config = steps.find((s) => s.name === "config")!;
        const service = steps.find((s) => s.name === "service")!;
        expect(config.update).to.include(maintHandoverScript("/etc/keepalived/keepalived.conf", 14));
        expect(service.create).to.include(maintHandoverScript("/etc/keepalived/keepalived.conf", 14));
        expect(config.create).to.not.include(MAINT_MARKER);
    });
});

/** A host with `ip` and `systemctl` faked: the VIPs it holds are lines of a file; a restart can drop them. */
function fakeKeepalivedHost(opts: { config: string; held: string[]; releaseAfterPolls?: number; releaseOnRestart?: boolean }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-maint-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(dir, "keepalived.conf"), opts.config);
    fs.writeFileSync(path.join(dir, "held"), opts.held.map((v) => `${v}\n`).join(""));
    const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nF=${dir}\n${body}\n`, { mode: 0o755 });
    // `ip -o addr show dev IF`: one line per held address, as iproute2 prints them.
    script("ip", `echo "ip $*" >> "$F/log"\nwhile read -r a; do echo "2: $5    inet $a/24 scope global secondary $5"; done < "$F/held"`);
    script("systemctl", `echo "systemctl $*" >> "$F/log"\n${opts.releaseOnRestart ? `[ "$1" = restart ] && : > "$F/held"` : ""}\nexit 0`);
    const release = opts.releaseAfterPolls ?? -1;
    script("sleep", `n=$(( $(cat "$F/polls" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$F/polls"\nif [ "$n" -ge ${release} ] && [ ${release} -ge 0 ]; then : > "$F/held"; fi`);
    return {
        run(timeoutS: number) {
            const r = spawnSync("bash", ["-c", `set -eu\n${maintHandoverScript(path.join(dir, "keepalived.conf"), timeoutS)}`], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HAPROXY_HA_POLL_S: "0" },
            });
            const log = fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "";
            const polls = fs.existsSync(path.join(dir, "polls")) ? Number(fs.readFileSync(path.join(dir, "polls"), "utf8")) : 0;
            return { code: r.status, stderr: r.stderr, log, polls };
        },
    };
}

const CONF = (maint: boolean, nopreempt = false) =>
    [
        "# Managed by haproxy-ha for node hk1; local edits are overwritten.",
        ...(maint ? [MAINT_MARKER] : []),
        "vrrp_instance VI_a {",
        "    state BACKUP",
        "    interface eth0",
        `    priority ${maint ? 1 : 100}`,
        ...(nopreempt ? ["    nopreempt"] : []),
        "    virtual_ipaddress {",
        "        10.77.0.100/24 dev eth0",
        "        10.77.0.101/24 dev eth0",
        "    }",
        "}",
        "",
    ].join("\n");

describe("the maint handover wait, in bash against a fake host", () => {
    it("does nothing on a node that is not in maint, even while it holds the VIPs", () => {
        const r = fakeKeepalivedHost({ config: CONF(false), held: ["10.77.0.100"] }).run(14);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.log).to.equal("");
    });

    it("waits until the node holds none of its VIPs (the peer preempted it)", () => {
        const r = fakeKeepalivedHost({ config: CONF(true), held: ["10.77.0.100", "10.77.0.101"], releaseAfterPolls: 5 }).run(14);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.polls).to.equal(5);
        expect(r.log).to.include("ip -o addr show dev eth0").and.not.include("systemctl");
    });

    it("fails, bounded, naming the VIPs still held when the peer never takes them", () => {
        const r = fakeKeepalivedHost({ config: CONF(true), held: ["10.77.0.101"] }).run(2);
        expect(r.code).to.equal(1);
        expect(r.polls).to.equal(10);
        expect(r.stderr, r.stderr).to.include(`${MAINT_HANDOVER_FAILED} 10.77.0.101 after 2 s: the peer did not take them`);
    });

    it("with nopreempt restarts keepalived (a priority-0 advert) where the VIPs stay, then waits", () => {
        const r = fakeKeepalivedHost({ config: CONF(true, true), held: ["10.77.0.100"], releaseOnRestart: true }).run(14);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.log).to.include("systemctl restart keepalived");
        expect(r.polls).to.equal(0);
    });

    it("with nopreempt leaves keepalived alone on a node that holds no VIP", () => {
        const r = fakeKeepalivedHost({ config: CONF(true, true), held: [] }).run(14);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.log).to.not.include("systemctl");
    });
});
