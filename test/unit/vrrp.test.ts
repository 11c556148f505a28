import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KeepalivedPair, KeepalivedPairArgs, OS_CHOICES } from "../../components";
import { UFW_VRRP_MARKER, vrrpFirewallScript } from "../../components/script/firewall";
import { KEEPALIVED_CONFIG_PATH, keepalivedHostChecks } from "../../components/script/keepalivedSteps";
import { hookPath, renderNotifyScript, VRRP_STATE_DIR } from "../../components/script/vrrpNotify";
import { parseTopologyConfig } from "../../components/stackConfig";
import { topologyArgs } from "../../components/topology";
import { referenceConfig } from "./fixtures";
import { mockedResources, setRenderMocks } from "../../scripts/renderStack";
import { CASES_GOLDEN_DIR, resolved, scriptsSnapshot } from "./helpers";

setRenderMocks();

const conn = (host: string) => ({ host, user: "root", privateKey: pulumi.secret("k") });
const nodes = [
    { name: "lb1", connection: conn("10.77.0.21"), address: "10.77.0.21" },
    { name: "lb2", connection: conn("10.77.0.22"), address: "10.77.0.22" },
];
const HOOK_SECRET = "#!/bin/sh\ncurl -H 'Authorization: Bearer TOKEN-1234' https://cloud.invalid/move\n";

/** Several-VIP renders: two instances (debian), one IPv6 instance with hooks (el9). */
const CASES: [string, Omit<KeepalivedPairArgs, "nodes">][] = [
    [
        "active-active",
        {
            os: "debian",
            instances: [
                { name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1", authPassword: "secretA" },
                { name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62, interface: "eth0", master: "lb2", authPassword: "secretB" },
            ],
            gatewayCheck: { address: "10.77.0.1" },
        },
    ],
    [
        "ipv6-notify-track",
        {
            os: "el9",
            instances: [
                { name: "v6", vips: ["fd77::100/64"], virtualRouterId: 71, interface: "eth0", master: "lb2", vrrpVersion: 3, nopreempt: true, trackInterfaces: ["lo"] },
            ],
            notify: { master: HOOK_SECRET, fault: "#!/bin/sh\nlogger paged\n" },
        },
    ],
];

describe("VRRP instances, notify hooks, IPv6", () => {
    // Once golden files; what they showed beyond the tests below is asserted here (the configs'
    // acceptance by the real keepalived -t is properties.test.ts's, over generated instances).
    it("renders the active-active case: two instances per config with their own password, the notify script on each node, steps in order", async () => {
        const pair = new KeepalivedPair("case-active-active", { nodes, ...CASES[0][1] });
        const files = await resolved(pair.files);
        expect(files.map((f) => `${f.node} ${f.path} ${f.mode}`)).to.deep.equal(["lb1", "lb2"].flatMap((n) => [`${n} ${KEEPALIVED_CONFIG_PATH} 0600`, `${n} /etc/keepalived/haproxy-ha-notify 0700`]));
        for (const f of files.filter((x) => x.path === KEEPALIVED_CONFIG_PATH)) {
            const blocks = f.content.split(/\n(?=vrrp_instance )/).slice(1);
            expect(blocks.map((b) => b.split(" ")[1])).to.deep.equal(["VI_a", "VI_b"]);
            blocks.forEach((b, i) => {
                expect(b, f.node).to.include(`    virtual_router_id ${61 + i}\n`).and.include(`auth_type PASS\n        auth_pass secret${"AB"[i]}\n`).and.include(`10.77.0.${100 + i}/24 dev eth0`);
                expect(b, f.node).to.include("        chk_haproxy\n        chk_gateway\n").and.match(/ {4}notify "\/etc\/keepalived\/haproxy-ha-notify"\n\}\n$/);
            });
        }
        for (const f of files.filter((x) => x.path !== KEEPALIVED_CONFIG_PATH)) expect(f.content).to.equal(renderNotifyScript());
        expect(pair.scripts.filter((s) => s.node === "lb1").map((s) => s.step)).to.deep.equal(["packages", "firewall", "vrid-check", "notify", "config", "service"]);
    });

    it("renders the IPv6 case: VRRPv3 for the whole config, no authentication, both nodes BACKUP with nopreempt, the hooks verbatim", async () => {
        const pair = new KeepalivedPair("case-ipv6", { nodes, ...CASES[1][1] });
        const files = await resolved(pair.files);
        const hooks = ["master", "fault"].map((s) => `${hookPath(s as "master")} 0700`);
        expect(files.map((f) => `${f.node} ${f.path} ${f.mode}`)).to.deep.equal(
            ["lb1", "lb2"].flatMap((n) => [`${n} ${KEEPALIVED_CONFIG_PATH} 0600`, `${n} /etc/keepalived/haproxy-ha-notify 0700`, ...hooks.map((h) => `${n} ${h}`)]),
        );
        for (const f of files.filter((x) => x.path === KEEPALIVED_CONFIG_PATH)) {
            expect(f.content).to.include("    script_user root\n    vrrp_version 3\n}\n").and.not.include("authentication").and.not.include("state MASTER");
            expect(f.content).to.include("    state BACKUP\n    interface eth0\n    virtual_router_id 71\n");
            expect(f.content).to.include(`    priority ${f.node === "lb2" ? 100 : 90}\n    advert_int 1\n    nopreempt\n    virtual_ipaddress {\n        fd77::100/64 dev eth0\n    }\n`);
            expect(f.content).to.include("    track_interface {\n        lo\n    }\n");
        }
        expect(files.find((f) => f.path === hookPath("master"))!.content).to.equal(HOOK_SECRET);
        expect(files.find((f) => f.path === hookPath("fault"))!.content).to.equal("#!/bin/sh\nlogger paged\n");
        const steps = pair.scripts.filter((s) => s.node === "lb1");
        expect(steps.map((s) => s.step)).to.deep.equal(["packages", "firewall", "vrid-check", "sysctl", "notify", "hook-master", "hook-fault", "config", "service"]);
        expect(scriptsSnapshot(steps)).to.not.include("TOKEN-1234");
    });

    it("every script of the cases and the notify script pass sh -n and shellcheck -s sh", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-vrrp-sh-"));
        const files: string[] = [];
        const write = (name: string, text: string) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, text);
            files.push(file);
        };
        write("notify.sh", renderNotifyScript());
        CASES.forEach(([name, args]) => {
            const pair = new KeepalivedPair(`sh-${name}`, { nodes, ...args });
            for (const s of pair.scripts.filter((x) => x.node === "lb1")) {
                for (const [action, text] of [["create", s.create], ["update", s.update], ["delete", s.delete]] as const) if (text) write(`${name}-${s.step}.${action}.sh`, text);
            }
        });
        expect(files.length).to.be.greaterThan(15);
        for (const f of files) expect(sh(`sh -n "$1"`, [f]).code, f).to.equal(0);
        const r = spawnSync("shellcheck", ["-s", "sh", "-f", "gcc", ...files], { encoding: "utf8" });
        expect(r.stdout + r.stderr).to.equal("");
    });

    it("active-active: each node is MASTER of one instance, with the priorities following `master`", async () => {
        const pair = new KeepalivedPair("aa-prio", { nodes, ...CASES[0][1] });
        const [lb1, lb2] = (await resolved(pair.files)).filter((f) => f.path === KEEPALIVED_CONFIG_PATH);
        const states = (text: string) => [...text.matchAll(/vrrp_instance (\S+) \{\n {4}state (\S+)\n.*\n.*\n {4}priority (\d+)/g)].map((m) => m.slice(1).join(" "));
        expect(states(lb1.content)).to.deep.equal(["VI_a MASTER 100", "VI_b BACKUP 90"]);
        expect(states(lb2.content)).to.deep.equal(["VI_a BACKUP 90", "VI_b MASTER 100"]);
        expect(pair.masters).to.deep.equal({ a: "lb1", b: "lb2" });
        expect(await resolved(pair.vips)).to.deep.equal(["10.77.0.100", "10.77.0.101"]);
    });

    /** Rows: priorities per instance (master, backup) and the gateway check's weight that must outweigh every gap. */
    const WEIGHTS: [string, [number, number][], number][] = [
        ["the defaults 100/90", [[100, 90]], -11],
        ["a wide gap", [[200, 50]], -151],
        ["the widest gap of several instances", [[100, 90], [150, 100]], -51],
        ["a gap keepalived cannot outweigh (clamped to -253)", [[254, 1]], -253],
    ];
    for (const [what, priorities, weight] of WEIGHTS) {
        it(`gateway check: weight ${weight} for ${what}, so a node that loses the gateway drops below its peer`, async () => {
            const pair = new KeepalivedPair(`gw-${weight}-${priorities.length}`, {
                nodes,
                os: "debian",
                instances: priorities.map(([m, b], k) => inst({ name: `i${k}`, virtualRouterId: 10 + k, vips: [`10.77.0.${100 + k}/24`], masterPriority: m, backupPriority: b })),
                gatewayCheck: { address: "10.77.0.1" },
            });
            const [lb1] = await resolved(pair.files);
            expect(lb1.content).to.match(new RegExp(`vrrp_script chk_gateway \\{\\n[^}]*\\n    weight ${weight}\\n\\}`));
            for (const [m, b] of priorities) if (m - b < 253) expect(m + weight, "master without gateway").to.be.below(b);
        });
    }

    it("one generated secret per instance, none for a VRRPv3 instance", async () => {
        const before = mockedResources.length;
        new KeepalivedPair("gen", {
            nodes,
            os: "debian",
            instances: [
                { name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1" },
                { name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62, interface: "eth0", master: "lb2" },
                { name: "c", vips: ["10.77.0.102/24"], virtualRouterId: 63, interface: "eth0", master: "lb2", vrrpVersion: 3 },
            ],
        });
        await new Promise((r) => setTimeout(r, 50));
        const passwords = mockedResources.slice(before).filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
        expect(passwords).to.deep.equal(["gen-a-vrrp-auth", "gen-b-vrrp-auth"]);
    });

    it("hooks travel on stdin only: no command line holds them, and their steps log no stdout", async () => {
        new KeepalivedPair("hooks", { nodes, os: "debian", vip: "10.77.0.100/24", interface: "eth0", notify: { master: pulumi.secret(HOOK_SECRET) } });
        await new Promise((r) => setTimeout(r, 100));
        const commands = mockedResources.filter((r) => r.type === "command:remote:Command" && r.name.startsWith("hooks-lb1-"));
        expect(commands.map((c) => c.name.slice("hooks-lb1-".length))).to.deep.equal(["packages", "firewall", "vrid-check", "notify", "hook-master", "config", "service"]);
        for (const c of commands) {
            for (const key of ["create", "update", "delete"]) expect(String(c.inputs[key] ?? ""), `${c.name}.${key}`).to.not.include("TOKEN-1234");
        }
        const hook = commands.find((c) => c.name === "hooks-lb1-hook-master")!;
        expect(hook.inputs.logging).to.equal("stderr");
        expect(hook.inputs.create).to.include(`chmod '\\''0700'\\''`).and.include(`chown '\\''root:root'\\''`);
        expect(JSON.stringify(hook.inputs.stdin)).to.include("TOKEN-1234");
    });

    it("the single-VIP shorthand without notify has no notify step and no notify line", async () => {
        const pair = new KeepalivedPair("plain", { nodes, os: "debian", vip: "10.77.0.100/24", interface: "eth0" });
        expect(pair.scripts.map((s) => s.step)).to.not.include("notify");
        const files = await resolved(pair.files);
        expect(files.map((f) => f.path)).to.deep.equal([KEEPALIVED_CONFIG_PATH, KEEPALIVED_CONFIG_PATH]);
        expect(files[0].content).to.not.include("notify").and.not.include("track_interface");
    });

    it("an IPv6 VIP adds the net.ipv6.ip_nonlocal_bind step; an IPv4 pair has none", () => {
        const v6 = new KeepalivedPair("v6-steps", { nodes, os: "el9", instances: [{ name: "v6", vips: ["fd77::100/64"], virtualRouterId: 1, interface: "eth0", master: "lb1", vrrpVersion: 3 }] });
        const sysctl = v6.scripts.find((s) => s.step === "sysctl");
        expect(sysctl?.create).to.include("net.ipv6.ip_nonlocal_bind");
        const v4 = new KeepalivedPair("v4-steps", { nodes, os: "el9", vip: "10.77.0.100/24", interface: "eth0" });
        expect(v4.scripts.map((s) => s.step)).to.not.include("sysctl");
    });
});

const where = /KeepalivedPair "bad-\d+"/;
const inst = (over: Record<string, unknown> = {}) => ({ name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1", ...over });
/** Each row: bad args and the message that must name the field path and the value. */
const BAD: [string, Partial<KeepalivedPairArgs>, RegExp][] = [
    ["a master that is no node", { instances: [inst(), inst({ name: "b", virtualRouterId: 62, master: "lb3" })] }, /`instances\[1\]\.master` is not a node; nodes are: lb1, lb2, got "lb3"/],
    ["an IPv6 VIP with VRRPv2 (instance)", { instances: [inst({ vips: ["fd77::100/64"] })] }, /`instances\[0\]\.vrrpVersion` must be 3 for IPv6 VIPs.*got 2/],
    ["an IPv6 VIP with VRRPv2 (shorthand)", { vip: "fd77::100/64", interface: "eth0" }, /`vrrpVersion` must be 3 for IPv6 VIPs.*got 2/],
    ["an IPv6 VIP with VRRPv2 on CentOS 7", { os: "centos7", vip: "fd77::100/64", interface: "eth0", vrrpVersion: 2 }, /`vrrpVersion` must be 3 for IPv6 VIPs/],
    ["IPv4 and IPv6 VIPs in one instance", { instances: [inst({ vips: ["10.77.0.100/24", "fd77::100/64"], vrrpVersion: 3 })] }, /`instances\[0\]\.vips\[1\]` must be of the same address family as `instances\[0\]\.vips\[0\]`.*got "fd77::100\/64"/],
    ["unicast with IPv6 VIPs and IPv4 nodes", { instances: [inst({ vips: ["fd77::100/64"], vrrpVersion: 3, unicast: true })] }, /`instances\[0\]\.unicast` needs node addresses of the VIPs' address family/],
    ["two instances with one VRID", { instances: [inst(), inst({ name: "b", vips: ["10.77.0.101/24"] })] }, /`instances\[1\]\.virtualRouterId` must be unique among the instances of one address family \(IPv4\), got 61/],
    ["two instances with one name", { instances: [inst(), inst({ virtualRouterId: 62 })] }, /`instances\[1\]\.name` must be unique, got "a"/],
    ["a VIP outside the nodes' subnet", { instances: [inst({ vips: ["10.9.9.9/24"] })] }, /`instances\[0\]\.vips\[0\]` must lie in the subnet of `nodes\[0\]\.address`.*got "10\.9\.9\.9\/24"/],
    ["no VIP at all", { instances: [inst({ vips: [] })] }, /`instances\[0\]\.vips` must list at least one VIP, got \[\]/],
    ["a backup priority not below the master's", { instances: [inst({ masterPriority: 90, backupPriority: 90 })] }, /`instances\[0\]\.backupPriority` must be below `instances\[0\]\.masterPriority` \(90\), got 90/],
    ["both `vip` and `instances`", { vip: "10.77.0.100/24", instances: [inst()] }, /`vip` is shorthand for one instance: with `instances` set it per instance, got "10\.77\.0\.100\/24"/],
    ["neither `vip` nor `instances`", {}, /`vip` is needed \(or `instances`\), got nothing/],
    ["a tracked interface with a shell command", { instances: [inst({ trackInterfaces: ["eth1;reboot"] })] }, /`instances\[0\]\.trackInterfaces\[0\]` must be a network interface name.*got "eth1;reboot"/],
    ["per-instance VRRP versions on CentOS 7 (keepalived 1.3.5)", { os: "centos7", instances: [inst(), inst({ name: "b", virtualRouterId: 62, vrrpVersion: 3 })] }, /`instances\[1\]\.vrrpVersion` must equal the other instances' on centos7 \(per-instance VRRP versions need keepalived ≥ 2, centos7 has 1\.3\.5\), got 3/],
    ["a fractional advert_int on VRRPv2", { os: "centos7", instances: [inst({ advertInt: 0.5 })] }, /`instances\[0\]\.advertInt` may be a fraction only with `vrrpVersion: 3` \(VRRPv2 adverts carry whole seconds\), got 0\.5/],
    ["a hook that is not a script, without echoing it", { vip: "10.77.0.100/24", interface: "eth0", notify: { backup: "curl TOKEN-1234" } }, /`notify\.backup` must be a whole script starting with `#!` \(no NUL bytes\), got "<hidden>"/],
];

describe("bad VRRP input is refused before any host is touched", () => {
    BAD.forEach(([what, args, message], i) => {
        it(`refuses ${what}`, async () => {
            const count = () => mockedResources.filter((r) => r.type === "command:remote:Command").length;
            const before = count();
            let error: Error | undefined;
            try {
                new KeepalivedPair(`bad-${i}`, { nodes, ...args } as KeepalivedPairArgs);
            } catch (e) {
                error = e as Error;
            }
            expect(String(error)).to.match(where).and.match(message).and.not.include("TOKEN-1234");
            await new Promise((r) => setTimeout(r, 20));
            expect(count(), "a remote command was created").to.equal(before);
        });
    });

    it("refuses a node priority together with `instances`", () => {
        const withPriority = [{ ...nodes[0], priority: 120 }, nodes[1]];
        expect(() => new KeepalivedPair("bad-prio", { nodes: withPriority, instances: [inst()] })).to.throw(/`nodes\[0\]\.priority` applies to the single-VIP shorthand.*got 120/);
    });
});

function sh(script: string, args: string[] = [], env: Record<string, string> = {}) {
    const r = spawnSync("sh", ["-c", script, "sh", ...args], { encoding: "utf8", env: { ...process.env, ...env } });
    return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

describe("VRRP scripts behave as specified (run here, paths moved to a temporary folder)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-vrrp-"));

    it("the notify script records the state, runs the hook for that state once, and ignores other states' hooks", () => {
        const state = path.join(dir, "state");
        const hooks = Object.fromEntries((["master", "backup", "fault"] as const).map((s) => [s, path.join(dir, `hook-${s}`)]));
        let script = renderNotifyScript().split(VRRP_STATE_DIR).join(state);
        for (const [s, p] of Object.entries(hooks)) script = script.split(hookPath(s as "master")).join(p);
        const markers = path.join(dir, "markers");
        fs.writeFileSync(hooks.master, `#!/bin/sh\necho "master $*" >> ${markers}\n`, { mode: 0o700 });
        fs.writeFileSync(hooks.fault, `#!/bin/sh\necho "fault $*" >> ${markers}\n`, { mode: 0o700 });
        const file = path.join(dir, "notify");
        fs.writeFileSync(file, script, { mode: 0o700 });
        for (const [st, expectState] of [["MASTER", "MASTER"], ["BACKUP", "BACKUP"], ["FAULT", "FAULT"], ["MASTER", "MASTER"]]) {
            const r = spawnSync(file, ["INSTANCE", "VI_a", st, "100"], { encoding: "utf8" });
            expect(r.status, r.stderr).to.equal(0);
            expect(fs.readFileSync(path.join(state, "a.state"), "utf8")).to.equal(`${expectState}\n`);
        }
        expect(fs.readFileSync(markers, "utf8")).to.equal("master INSTANCE VI_a MASTER 100\nfault INSTANCE VI_a FAULT 100\nmaster INSTANCE VI_a MASTER 100\n");
    });

    it("ufw: open adds one VRRP line before the last COMMIT, again adds nothing, close restores the file byte for byte", () => {
        const rules = path.join(dir, "before.rules");
        const rules6 = path.join(dir, "before6.rules");
        const original = "*filter\n:ufw-before-input - [0:0]\n-A ufw-before-input -i lo -j ACCEPT\n# don't delete the 'COMMIT' line\nCOMMIT\n";
        const original6 = original.split("ufw-").join("ufw6-");
        fs.writeFileSync(rules, original);
        fs.writeFileSync(rules6, original6);
        const move = (s: string) => s.split("/etc/ufw/before.rules").join(rules).split("/etc/ufw/before6.rules").join(rules6);
        const open = move(vrrpFirewallScript(["ufw"], "open"));
        const close = move(vrrpFirewallScript(["ufw"], "close")).replace(/\nfind .*$/, "");
        // ufw itself is not installed here: the reload is skipped as on a host with ufw inactive.
        expect(sh(`set -eu\n${open}`).code).to.equal(0);
        const opened = fs.readFileSync(rules, "utf8");
        expect(opened).to.equal(original.replace("COMMIT\n", `${UFW_VRRP_MARKER}\n-A ufw-before-input -p 112 -j ACCEPT\nCOMMIT\n`));
        // before6.rules names its chains ufw6-…: ip6tables-restore (ufw reload) rejects any other.
        expect(fs.readFileSync(rules6, "utf8")).to.equal(original6.replace("COMMIT\n", `${UFW_VRRP_MARKER}\n-A ufw6-before-input -p 112 -j ACCEPT\nCOMMIT\n`));
        expect(sh(`set -eu\n${open}`).code).to.equal(0);
        expect(fs.readFileSync(rules, "utf8")).to.equal(opened);
        expect(sh(`set -eu\n${close}`).code).to.equal(0);
        expect(fs.readFileSync(rules, "utf8")).to.equal(original);
        expect(fs.readFileSync(rules6, "utf8")).to.equal(original6);
    });

    /** Rows: a candidate config's lines, and whether the host checks (against this machine's `lo`) pass. */
    const HOST_CHECKS: [string, string, RegExp | undefined][] = [
        ["an existing interface and a VIP in its subnet", "interface lo\n    virtual_ipaddress {\n        127.0.0.50/8 dev lo\n    }\n", undefined],
        ["an interface this host lacks (eth0 where the host has ens192)", "interface nosuchif0\n", /interface nosuchif0 does not exist on this host/],
        ["a tracked interface this host lacks", "interface lo\n    track_interface {\n        nosuchif1\n    }\n", /interface nosuchif1 does not exist/],
        ["a VIP outside the interface's subnets", "interface lo\n        10.9.9.9/24 dev lo\n", /VIP 10\.9\.9\.9\/24 is in no subnet of interface lo/],
        ["an IPv6 VIP (no subnet check)", "interface lo\n        fd77::100/64 dev lo\n", undefined],
        // mawk stops at `$(NF-1)` on a blank line (field -1): the lines after it went unchecked.
        ["a missing interface after a blank line", "\n    interface nosuchif2\n", /interface nosuchif2 does not exist/],
    ];
    for (const [what, config, refusal] of HOST_CHECKS) {
        it(`host checks before the swap: ${what}`, () => {
            const file = path.join(dir, "candidate.conf");
            fs.writeFileSync(file, `vrrp_instance VI_a {\n    ${config}}\n`);
            const r = sh(`set -eu\n${keepalivedHostChecks(`"$1"`)}\necho passed`, [file]);
            if (refusal) {
                expect(r.code, r.out).to.not.equal(0);
                expect(r.out).to.match(refusal).and.not.include("passed");
            } else {
                expect(r.code, r.out).to.equal(0);
            }
        });
    }

    it("host checks read the whole rendered config: the seed's MASTER's, with its interface renamed, is refused", () => {
        const rendered = fs.readFileSync(path.join(CASES_GOLDEN_DIR, "dev-stack/hk1/etc/keepalived/keepalived.conf"), "utf8");
        expect(rendered).to.match(/\n\n/);
        const file = path.join(dir, "rendered.conf");
        fs.writeFileSync(file, rendered.replace(/\binterface eth0\b/g, "interface nosuchif3").replace(/ dev eth0\b/g, " dev nosuchif3"));
        const r = sh(`set -eu\n${keepalivedHostChecks(`"$1"`)}\necho passed`, [file]);
        expect(r.code, r.out).to.not.equal(0);
        expect(r.out).to.match(/interface nosuchif3 does not exist/).and.not.include("awk:");
    });

    it("every OS choice renders the VRRP firewall rule for each firewall it may run", () => {
        for (const family of OS_CHOICES) {
            const pair = new KeepalivedPair(`fw-${family}`, { nodes, os: family, vip: "10.77.0.100/24", interface: "eth0" });
            const fw = pair.scripts.find((s) => s.step === "firewall")!;
            expect(fw.create, family).to.include(`rule protocol value="vrrp" accept`);
            if (["debian", "ubuntu", "auto"].includes(family)) expect(fw.create, family).to.include("/etc/ufw/before6.rules:ufw6-before-input");
        }
    });
});


describe("stack config `haproxy-ha:instances`: decoded, then mapped onto KeepalivedPair `instances`", () => {
    const ok = [{ name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, master: "lb1" }, { name: "b", vips: ["10.77.0.101/24"], virtualRouterId: 62, master: "lb2", interface: "ens192", nopreempt: true }];
    const stack = (instances: unknown, overrides: Record<string, unknown> = {}) =>
        referenceConfig({ vip: undefined, virtualRouterId: undefined, balancers: [{ name: "lb1", host: "10.77.0.21" }, { name: "lb2", host: "10.77.0.22" }], instances, ...overrides });

    it("fills each entry's `interface` (and `nopreempt`, …) from the stack's where it sets none", () => {
        const { pair } = topologyArgs(parseTopologyConfig(stack(ok, { interface: "eth1" })));
        expect(pair.instances?.map((i) => [i.name, i.interface, i.master, i.nopreempt])).to.deep.equal([["a", "eth1", "lb1", false], ["b", "ens192", "lb2", true]]);
        expect(pair.interface, "the pair's shorthand `interface` stays unset").to.equal(undefined);
    });

    const ROWS: [string, unknown, RegExp][] = [
        ["not a list", { name: "a" }, /`haproxy-ha:instances` must be a list of 1 to 32 entries/],
        ["a master that is no balancer", [{ ...ok[0], master: "lb3" }], /`haproxy-ha:instances\[0\]\.master` is not a node; nodes are: lb1, lb2, got "lb3"/],
        ["an unknown key", [{ ...ok[0], prio: 5 }], /`haproxy-ha:instances\[0\]\.prio` is unknown \(known fields: name, vips/],
        ["a VIP without prefix", [{ ...ok[0], vips: ["10.77.0.100"] }], /`haproxy-ha:instances\[0\]\.vips\[0\]` must be an address with its prefix length.*got "10\.77\.0\.100"/],
        ["a VRID out of range", [{ ...ok[0], virtualRouterId: 256 }], /`haproxy-ha:instances\[0\]\.virtualRouterId` must be an integer from 1 to 255, got 256/],
        ["a duplicate name", [ok[0], { ...ok[1], name: "a" }], /`haproxy-ha:instances\[1\]\.name` must be unique, got "a"/],
        ["a non-boolean nopreempt", [{ ...ok[0], nopreempt: "yes" }], /`haproxy-ha:instances\[0\]\.nopreempt` must be true or false, got "yes"/],
    ];
    for (const [what, value, message] of ROWS) {
        it(`refuses ${what}`, () => expect(() => parseTopologyConfig(stack(value))).to.throw(message));
    }
});
