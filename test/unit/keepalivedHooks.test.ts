import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KeepalivedPair, KeepalivedPairArgs } from "../../components";
import { KEEPALIVED_CONFIG_PATH, KEEPALIVED_TEST_COMPLAINTS, keepalivedHostChecks } from "../../components/script/keepalivedSteps";
import { parseTopologyConfig } from "../../components/stackConfig";
import { topologyArgs } from "../../components/topology";
import { mockedResources, setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { resolved } from "./helpers";

setRenderMocks();

/**
 * keepalived's extension points on a KeepalivedPair: user track scripts (command or shipped
 * script), track files and processes, sync groups, GARP timing, preempt_delay. Rendered configs
 * go through the real `keepalived -t` (2.2 here); what a version lacks is refused naming it.
 */
const conn = (host: string) => ({ host, user: "root", privateKey: pulumi.secret("k") });
const nodes = [
    { name: "lb1", connection: conn("10.77.0.21"), address: "10.77.0.21" },
    { name: "lb2", connection: conn("10.77.0.22"), address: "10.77.0.22" },
];
const TOKEN = "TRACK-TOKEN-5678";
const SCRIPT = `#!/bin/sh\ncurl -fsS -H 'Authorization: Bearer ${TOKEN}' http://127.0.0.1:8080/ready\n`;
const AB = [
    { name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1", authPassword: "pwA" },
    { name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62, interface: "eth0", master: "lb1", authPassword: "pwB", preemptDelayS: 30 },
];
const EVERYTHING: Omit<KeepalivedPairArgs, "nodes"> = {
    os: "debian",
    instances: AB,
    trackScripts: [
        { name: "ready", command: "/usr/bin/test -f /run/app/ready", instances: ["a"], intervalS: 1, fall: 1, rise: 1, timeoutS: 3 },
        { name: "api", script: pulumi.secret(SCRIPT) },
    ],
    trackFiles: [{ name: "prio", path: "/run/haproxy-ha/prio", weight: 0, initValue: 0 }],
    trackProcesses: [{ name: "haproxy", process: "haproxy", quorum: 1, delayS: 0.5 }],
    syncGroups: [{ name: "web", instances: ["a", "b"] }],
    garp: { masterDelayS: 2, masterRepeat: 3, masterRefreshS: 60, masterRefreshRepeat: 2 },
};

/**
 * The host's check. keepalived -t refuses a script it cannot run (exit 5, "not found/accessible"), as
 * on the host, where the track step installs it first: here the shipped script goes to a 0700 file too.
 */
function keepalivedAccepts(text: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-kahooks-"));
    fs.chmodSync(dir, 0o755);
    const file = path.join(dir, "keepalived.conf");
    const shipped = path.join(dir, "track-api");
    fs.writeFileSync(shipped, SCRIPT, { mode: 0o700 });
    fs.writeFileSync(file, text.split("/etc/keepalived/haproxy-ha-track-api").join(shipped));
    const r = spawnSync("keepalived", ["-t", "-f", file], { encoding: "utf8" });
    if (r.error) throw new Error(`keepalived is not installed: ${r.error.message}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const out = (r.stdout ?? "") + (r.stderr ?? "");
    return { ok: r.status === 0 && !new RegExp(KEEPALIVED_TEST_COMPLAINTS, "i").test(out), out };
}

async function configs(pair: KeepalivedPair): Promise<string[]> {
    return (await resolved(pair.files)).filter((f) => f.path === KEEPALIVED_CONFIG_PATH).map((f) => f.content);
}

describe("keepalived extension points: track scripts, files, processes, sync groups, GARP, preempt_delay", () => {
    it("renders every extension, and the real keepalived -t accepts both nodes' configs", async () => {
        const pair = new KeepalivedPair("kx-all", { nodes, ...EVERYTHING });
        const [lb1] = await configs(pair);
        expect(lb1).to.include('vrrp_script track_ready {\n    script "/usr/bin/test -f /run/app/ready"\n    interval 1\n    fall 1\n    rise 1\n    timeout 3\n}\n');
        expect(lb1).to.include('vrrp_script track_api {\n    script "/etc/keepalived/haproxy-ha-track-api"\n    interval 2\n    fall 2\n    rise 2\n}\n');
        expect(lb1).to.include('vrrp_track_file file_prio {\n    file "/run/haproxy-ha/prio"\n    weight 0\n    init_file 0\n}\n');
        expect(lb1).to.include("vrrp_track_process proc_haproxy {\n    process haproxy\n    weight 0\n    quorum 1\n    delay 0.5\n}\n");
        expect(lb1).to.include("vrrp_sync_group SG_web {\n    group {\n        VI_a\n        VI_b\n    }\n}\n");
        const [a, b] = lb1.split(/\n(?=vrrp_instance )/).slice(1);
        expect(a).to.include("        chk_haproxy\n        track_ready\n        track_api\n    }\n");
        expect(b).to.include("        chk_haproxy\n        track_api\n    }\n").and.not.include("track_ready");
        for (const block of [a, b]) {
            expect(block).to.include("    garp_master_refresh 60\n").and.include("    garp_master_delay 2\n    garp_master_repeat 3\n    garp_master_refresh_repeat 2\n");
            expect(block).to.include("    track_file {\n        file_prio\n    }\n    track_process {\n        proc_haproxy\n    }\n}");
        }
        // preempt_delay needs a node that starts as BACKUP; the other instance keeps its MASTER start.
        expect(a).to.include("    state MASTER\n").and.not.include("preempt_delay");
        expect(b).to.include("    state BACKUP\n").and.include("    preempt_delay 30\n");
        for (const text of await configs(pair)) {
            const r = keepalivedAccepts(text);
            expect(r.ok, r.out).to.equal(true);
        }
    });

    it("the single-VIP shorthand takes track scripts, a track file and preempt_delay; keepalived -t accepts them", async () => {
        const pair = new KeepalivedPair("kx-short", {
            nodes,
            os: "el9",
            vip: "10.77.0.100/24",
            interface: "eth0",
            preemptDelayS: 5,
            trackScripts: [{ name: "ok", command: "/usr/bin/test -e /run/ok", weight: -20 }],
            trackFiles: [{ name: "w", path: "/run/w" }],
        });
        for (const text of await configs(pair)) {
            expect(text).to.include("    state BACKUP\n").and.include("    preempt_delay 5\n").and.include("    weight -20\n").and.include("        chk_haproxy\n        track_ok\n");
            expect(text).to.include('vrrp_track_file file_w {\n    file "/run/w"\n    weight 1\n}\n');
            const r = keepalivedAccepts(text);
            expect(r.ok, r.out).to.equal(true);
        }
    });

    it("defaults: a pair without extensions renders none of them (no new line, no new step)", async () => {
        const pair = new KeepalivedPair("kx-none", { nodes, os: "debian", vip: "10.77.0.100/24", interface: "eth0" });
        for (const text of await configs(pair)) {
            expect(text).to.not.match(/preempt_delay|garp_|track_file|track_process|vrrp_sync_group|track_[a-z]+ *$/m);
            expect(text).to.include("    state ");
        }
        expect(pair.scripts.filter((s) => s.node === "lb1").map((s) => s.step)).to.deep.equal(["packages", "firewall", "vrid-check", "config", "service"]);
    });

    it("a shipped script travels on stdin into a 0700 file before the config: no command line holds it, its step logs no stdout", async () => {
        const pair = new KeepalivedPair("kx-ship", { nodes, ...EVERYTHING });
        await new Promise((r) => setTimeout(r, 100));
        expect(pair.scripts.filter((s) => s.node === "lb1").map((s) => s.step)).to.deep.equal(["packages", "firewall", "vrid-check", "notify", "track-api", "config", "service"]);
        const commands = mockedResources.filter((r) => r.type === "command:remote:Command" && r.name.startsWith("kx-ship-lb1-"));
        for (const c of commands) {
            for (const key of ["create", "update", "delete"]) expect(String(c.inputs[key] ?? ""), `${c.name}.${key}`).to.not.include(TOKEN);
        }
        const step = commands.find((c) => c.name === "kx-ship-lb1-track-api")!;
        expect(step.inputs.logging).to.equal("stderr");
        expect(step.inputs.create).to.include("/etc/keepalived/haproxy-ha-track-api").and.include(`chmod '\\''0700'\\''`);
        expect(JSON.stringify(step.inputs.stdin)).to.include(TOKEN);
        const files = await resolved(pair.files);
        expect(files.filter((f) => f.path === "/etc/keepalived/haproxy-ha-track-api").map((f) => `${f.node} ${f.mode}`)).to.deep.equal(["lb1 0700", "lb2 0700"]);
    });
});

describe("the host check before the swap: a track script's program must be an executable file (keepalived drops one it cannot run)", () => {
    const CASES: [string, string, RegExp | undefined][] = [
        ["an existing program with arguments", '/usr/bin/test -e /run/ok', undefined],
        ["a program this host lacks", "/usr/local/bin/no-such-check --fast", /track script program \/usr\/local\/bin\/no-such-check is not an executable file on this host; the old config stays/],
        ["a directory", "/usr/bin", /track script program \/usr\/bin is not an executable file/],
    ];
    for (const [what, command, refusal] of CASES) {
        it(what, () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-kahooks-"));
            const file = path.join(dir, "candidate.conf");
            fs.writeFileSync(file, `vrrp_script track_x {\n    script "${command}"\n    interval 2\n}\n`);
            const r = spawnSync("sh", ["-c", `set -eu\n${keepalivedHostChecks(`"$1"`)}\necho passed`, "sh", file], { encoding: "utf8" });
            fs.rmSync(dir, { recursive: true, force: true });
            const out = r.stdout + r.stderr;
            if (refusal) {
                expect(r.status, out).to.not.equal(0);
                expect(out).to.match(refusal).and.not.include("passed");
            } else expect(r.status, out).to.equal(0);
        });
    }
});

const inst = (over: Record<string, unknown> = {}) => ({ name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1", ...over });
const two = [inst(), inst({ name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62 })];
const BAD: [string, Record<string, unknown>, RegExp[]][] = [
    [
        "track files and processes on CentOS 7 (keepalived 1.3.5), naming the version",
        { os: "centos7", instances: two, trackFiles: [{ name: "w", path: "/run/w" }], trackProcesses: [{ name: "h", process: "haproxy" }] },
        [/`trackFiles\[0\]` needs keepalived ≥ 2\.0\.0 \(vrrp_track_file\); centos7 has 1\.3\.5, got "w"/, /`trackProcesses\[0\]` needs keepalived ≥ 2\.0\.11 \(vrrp_track_process\); centos7 has 1\.3\.5, got "h"/],
    ],
    ["a command with shell syntax", { instances: two, trackScripts: [{ name: "x", command: "/bin/sh -c 'reboot'" }] }, [/`trackScripts\[0\]\.command` must be an absolute program path.*got "\/bin\/sh -c 'reboot'"/]],
    ["a relative command", { instances: two, trackScripts: [{ name: "x", command: "test -f /run/ok" }] }, [/`trackScripts\[0\]\.command` must be an absolute program path/]],
    ["both command and script, hiding the script", { instances: two, trackScripts: [{ name: "x", command: "/bin/true", script: `#!/bin/sh\n${TOKEN}\n` }] }, [/`trackScripts\[0\]` needs exactly one of `command` and `script`, got "<hidden>"/]],
    ["a script that is not one, without echoing it", { instances: two, trackScripts: [{ name: "x", script: `curl ${TOKEN}` }] }, [/`trackScripts\[0\]\.script` must be a whole script starting with `#!` \(no NUL bytes\), got "<hidden>"/]],
    ["an unknown instance", { instances: two, trackScripts: [{ name: "x", command: "/bin/true", instances: ["c"] }] }, [/`trackScripts\[0\]\.instances\[0\]` is not an instance; instances are: a, b, got "c"/]],
    ["a weight out of range", { instances: two, trackScripts: [{ name: "x", command: "/bin/true", weight: 300 }] }, [/`trackScripts\[0\]\.weight` must be an integer from -253 to 253, got 300/]],
    ["preempt_delay with nopreempt", { instances: [inst({ nopreempt: true, preemptDelayS: 10 })] }, [/`instances\[0\]\.preemptDelayS` has no effect with `instances\[0\]\.nopreempt`.*got 10/]],
    ["preempt_delay beyond keepalived's range", { vip: "10.77.0.100/24", interface: "eth0", preemptDelayS: 1001 }, [/`preemptDelayS` must be an integer from 1 to 1000, got 1001/]],
    ["a sync group with one instance", { instances: two, syncGroups: [{ name: "g", instances: ["a"] }] }, [/`syncGroups\[0\]\.instances` must list at least two instance names, got \["a"\]/]],
    ["an instance in two sync groups", { instances: [...two, inst({ name: "c", vips: ["10.77.0.102/24"], virtualRouterId: 63 })], syncGroups: [{ name: "g", instances: ["a", "b"] }, { name: "h", instances: ["c", "a"] }] }, [/`syncGroups\[1\]\.instances\[1\]` is already in `syncGroups\[0\]`.*got "a"/]],
    ["sync group members with different masters", { instances: [inst(), inst({ name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62, master: "lb2" })], syncGroups: [{ name: "g", instances: ["a", "b"] }] }, [/`syncGroups\[0\]\.instances\[1\]` must have the same `master` as "a" \(lb1\): a group moves together, got "b"/]],
    ["a sync group with the shorthand", { vip: "10.77.0.100/24", interface: "eth0", syncGroups: [{ name: "g", instances: ["a", "b"] }] }, [/`syncGroups` needs `instances`/]],
    [
        "weighted trackers and the gateway check on sync group members",
        { instances: two, syncGroups: [{ name: "g", instances: ["a", "b"] }], trackScripts: [{ name: "x", command: "/bin/true", weight: -20 }], trackFiles: [{ name: "w", path: "/run/w" }], gatewayCheck: { address: "10.77.0.1" } },
        [/`trackScripts\[0\]\.weight` must be 0 or unset: instance "a" of a sync group tracks it.*got -20/, /`trackFiles\[0\]\.weight` must be 0 or unset/, /`gatewayCheck` is a weighted check/],
    ],
    ["a track file path with `..`", { instances: two, trackFiles: [{ name: "w", path: "/run/../etc/shadow" }] }, [/`trackFiles\[0\]\.path` must be an absolute path of letters, digits, `\._-\/` without `\.\.`, got "\/run\/\.\.\/etc\/shadow"/]],
    ["a process name longer than comm holds", { instances: two, trackProcesses: [{ name: "p", process: "a-very-long-process-name" }] }, [/`trackProcesses\[0\]\.process` must be a process name as in \/proc\/PID\/comm/]],
    ["both garp refresh spellings", { instances: two, garpMasterRefreshS: 30, garp: { masterRefreshS: 60 } }, [/`garp\.masterRefreshS` is `garpMasterRefreshS` spelled another way: set only one, got 60/]],
    ["a shorthand arg beside instances", { instances: two, preemptDelayS: 5 }, [/`preemptDelayS` is shorthand for one instance/]],
];

describe("bad extension args are refused before any host is touched, all at once, naming the arg path and value", () => {
    BAD.forEach(([what, args, messages], i) => {
        it(`refuses ${what}`, async () => {
            const count = () => mockedResources.filter((r) => r.type === "command:remote:Command").length;
            const before = count();
            let error: Error | undefined;
            try {
                new KeepalivedPair(`kx-bad-${i}`, { nodes, os: "debian", ...args } as KeepalivedPairArgs);
            } catch (e) {
                error = e as Error;
            }
            for (const m of messages) expect(String(error)).to.match(/KeepalivedPair "kx-bad-\d+"/).and.match(m);
            expect(String(error)).to.not.include(TOKEN);
            await new Promise((r) => setTimeout(r, 20));
            expect(count(), "a remote command was created").to.equal(before);
        });
    });
});

describe("the extension points from stack config", () => {
    const stack = (overrides: Record<string, unknown> = {}) =>
        referenceConfig({
            os: "debian",
            vip: undefined,
            virtualRouterId: undefined,
            balancers: [
                { name: "lb1", host: "10.77.0.21" },
                { name: "lb2", host: "10.77.0.22" },
            ],
            instances: [
                { name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, master: "lb1" },
                { name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62, master: "lb1" },
            ],
            ...overrides,
        });

    it("maps trackScripts, trackFiles, trackProcesses, syncGroups, garp, preemptDelayS and notify to the pair's args", () => {
        const { pair } = topologyArgs(
            parseTopologyConfig(
                stack({
                    preemptDelayS: 20,
                    trackScripts: [{ name: "ok", command: "/usr/bin/test -f /run/ok", instances: ["a"] }],
                    trackFiles: [{ name: "w", path: "/run/w", weight: 0 }],
                    trackProcesses: [{ name: "h", process: "haproxy" }],
                    syncGroups: [{ name: "g", instances: ["a", "b"] }],
                    garp: { masterDelayS: 2 },
                    notify: { master: "#!/bin/sh\ntrue\n" },
                }),
            ),
        );
        expect(pair.trackScripts).to.deep.equal([{ name: "ok", command: "/usr/bin/test -f /run/ok", instances: ["a"] }]);
        expect(pair.trackFiles).to.deep.equal([{ name: "w", path: "/run/w", weight: 0 }]);
        expect(pair.trackProcesses).to.deep.equal([{ name: "h", process: "haproxy" }]);
        expect(pair.syncGroups).to.deep.equal([{ name: "g", instances: ["a", "b"] }]);
        expect(pair.garp).to.deep.equal({ masterDelayS: 2 });
        expect(pair.instances?.map((i) => i.preemptDelayS)).to.deep.equal([20, 20]);
        expect(pair.notify).to.deep.equal({ master: "#!/bin/sh\ntrue\n" });
    });

    it("defaults: none of them set gives the pair none of them (and no notify)", () => {
        const { pair } = topologyArgs(parseTopologyConfig(referenceConfig()));
        for (const key of ["trackScripts", "trackFiles", "trackProcesses", "syncGroups", "garp", "preemptDelayS", "notify"] as const) expect(pair[key], key).to.equal(undefined);
    });

    it("a component rule is shown under the stack key: a track file on centos7, a script that is not one (hidden)", () => {
        const cfg = stack({ os: "centos7", trackFiles: [{ name: "w", path: "/run/w" }], trackScripts: [{ name: "x", script: `curl ${TOKEN}` }] });
        let error: Error | undefined;
        try {
            parseTopologyConfig(cfg);
        } catch (e) {
            error = e as Error;
        }
        expect(String(error)).to.match(/`haproxy-ha:trackFiles\[0\]` needs keepalived ≥ 2\.0\.0 \(vrrp_track_file\); centos7 has 1\.3\.5/);
        expect(String(error)).to.match(/`haproxy-ha:trackScripts\[0\]\.script` must be a whole script/).and.not.include(TOKEN);
    });

    it("refuses a notify hook or a track script's content held in plain config (they may carry tokens)", () => {
        const cfg = stack({ notify: { master: `#!/bin/sh\n${TOKEN}\n` }, trackScripts: [{ name: "x", script: `#!/bin/sh\n${TOKEN}\n` }] });
        let error: Error | undefined;
        try {
            parseTopologyConfig(cfg, { secretKeys: [] });
        } catch (e) {
            error = e as Error;
        }
        expect(String(error)).to.match(/`haproxy-ha:notify\.master` must be a secret/).and.match(/`haproxy-ha:trackScripts\[0\]\.script` must be a secret/).and.not.include(TOKEN);
    });
});
