import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ArgumentError, buildTopology, parseTopologyConfig } from "../../components";
import { readStackConfig, renderStack } from "../../scripts/renderStack";
import { ACTIVE_ACTIVE, referenceConfig } from "./fixtures";
import { CASES_GOLDEN_DIR, matchesGolden, REPO_ROOT, resolved, scriptsSnapshot } from "./helpers";

/** The reference topology made active-active: hk1 MASTER of VIP .69, hk2 MASTER of VIP .70. */
function activeActive(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return referenceConfig({ os: "debian", ...ACTIVE_ACTIVE, ...overrides });
}

function fileOf(rendered: Awaited<ReturnType<typeof renderStack>>, node: string, file: string): string {
    const found = rendered.files.find((f) => f.node === node && f.path === file);
    if (!found) throw new Error(`no ${file} on ${node}`);
    return found.content;
}

/** vrrp_instance name → its `state` line, from a rendered keepalived.conf. */
function states(conf: string): Record<string, string> {
    return Object.fromEntries([...conf.matchAll(/vrrp_instance (\S+) \{\n\s+state (\S+)/g)].map((m) => [m[1], m[2]]));
}

async function stackError(raw: Record<string, unknown>): Promise<ArgumentError> {
    try {
        await renderStack(raw);
    } catch (e) {
        expect(e, String(e)).to.be.instanceOf(ArgumentError);
        return e as ArgumentError;
    }
    throw new Error(`rendered ${JSON.stringify(raw)}`);
}

describe("stack config `haproxy-ha:instances` in the stack program (render dry run)", () => {
    it("an active-active stack renders two vrrp_instances with swapped MASTER roles", async () => {
        const rendered = await renderStack(activeActive());
        const hk1 = fileOf(rendered, "hk1", "/etc/keepalived/keepalived.conf");
        const hk2 = fileOf(rendered, "hk2", "/etc/keepalived/keepalived.conf");
        expect(states(hk1)).to.deep.equal({ VI_a: "MASTER", VI_b: "BACKUP" });
        expect(states(hk2)).to.deep.equal({ VI_a: "BACKUP", VI_b: "MASTER" });
        expect(hk1).to.match(/VI_a \{[^}]*virtual_router_id 61\n\s+priority 100/);
        expect(hk1).to.match(/VI_b \{[^}]*virtual_router_id 62\n\s+priority 90/);
        expect(hk2).to.include("172.20.30.70/24 dev eth0");
    });

    it("both balancers bind every instance's VIPs", async () => {
        const rendered = await renderStack(activeActive());
        for (const node of ["hk1", "hk2"]) {
            expect(fileOf(rendered, node, "/etc/haproxy/haproxy.cfg")).to.match(/frontend www\n\s+bind 172\.20\.30\.69:80\n\s+bind 172\.20\.30\.70:80\n/);
        }
    });

    it("the stack's interface, nopreempt, unicast, advertInt and vrrpVersion are the entries' defaults; an entry's own value wins", async () => {
        const cfg = parseTopologyConfig(activeActive({ interface: "ens192", nopreempt: true, unicast: true, advertInt: 2 }));
        expect(cfg.instances?.map((i) => [i.interface, i.nopreempt, i.unicast, i.advertInt, i.vrrpVersion, i.masterPriority])).to.deep.equal([
            ["ens192", true, true, 2, 2, 100],
            ["ens192", true, true, 2, 2, 100],
        ]);
        const own = activeActive();
        (own.instances as Record<string, unknown>[])[1].interface = "eth1";
        (own.instances as Record<string, unknown>[])[1].unicast = false;
        const mixed = parseTopologyConfig({ ...own, unicast: true });
        expect(mixed.instances?.map((i) => [i.interface, i.unicast])).to.deep.equal([["eth0", true], ["eth1", false]]);
    });

    it("the stack exports every VIP, its URL (IPv6 in brackets) and each instance's master", async () => {
        const cfg = parseTopologyConfig(
            activeActive({ instances: [...(activeActive().instances as object[]), { name: "v6", vips: ["fd77::100/64"], virtualRouterId: 71, master: "hk2", vrrpVersion: 3 }] }),
        );
        const topology = buildTopology(cfg, "<private key>");
        expect(await resolved(topology.vips)).to.deep.equal(["172.20.30.69", "172.20.30.70", "fd77::100"]);
        expect(await resolved(topology.urls)).to.deep.equal(["http://172.20.30.69:80/", "http://172.20.30.70:80/", "http://[fd77::100]:80/"]);
        expect(await resolved(topology.url)).to.equal("http://172.20.30.69:80/");
        expect(topology.pair.masters).to.deep.equal({ a: "hk1", b: "hk2", v6: "hk2" });
    });

    it("an IPv6 instance: haproxy binds the VIP (the last colon separates the port)", async () => {
        const cfg = activeActive({
            balancers: [
                { name: "hk1", host: "fd77::25" },
                { name: "hk2", host: "fd77::26" },
            ],
            webs: [{ name: "www1", host: "fd77::15" }],
            instances: [{ name: "v6", vips: ["fd77::100/64"], virtualRouterId: 71, master: "hk2", vrrpVersion: 3 }],
        });
        const rendered = await renderStack(cfg);
        expect(fileOf(rendered, "hk1", "/etc/haproxy/haproxy.cfg")).to.include("bind fd77::100:80\n");
        // haproxy is changed before keepalived: it sets net.ipv6.ip_nonlocal_bind itself, or its reload cannot bind the VIP.
        const sysctl6 = rendered.scripts.find((x) => x.node === "hk1" && x.component === "haproxy" && x.step === "sysctl-ipv6");
        expect(sysctl6?.create).to.include("net.ipv6.ip_nonlocal_bind");
        const v4 = await renderStack(activeActive());
        expect(v4.scripts.filter((x) => x.component === "haproxy" && x.step === "sysctl-ipv6")).to.deep.equal([]);
        expect(states(fileOf(rendered, "hk2", "/etc/keepalived/keepalived.conf"))).to.deep.equal({ VI_v6: "MASTER" });
    });

    it("CentOS 7 (keepalived 1.3.5, VRRPv3 since 1.2.17): a VRRPv3 instance with sub-second adverts and an IPv6 one render", async () => {
        const rendered = await renderStack(
            activeActive({
                os: "centos7",
                vrrpVersion: 3,
                instances: [
                    { name: "a", vips: ["172.20.30.69/24"], virtualRouterId: 61, master: "hk1", advertInt: 0.5 },
                    { name: "v6", vips: ["fd77::100/64"], virtualRouterId: 61, master: "hk2" },
                ],
            }),
        );
        const conf = fileOf(rendered, "hk1", "/etc/keepalived/keepalived.conf");
        expect(conf).to.match(/vrrp_version 3/).and.match(/VI_a \{[^}]*advert_int 0\.5/).and.include("fd77::100/64 dev eth0");
        expect(states(conf)).to.deep.equal({ VI_a: "MASTER", VI_v6: "BACKUP" });
    });

    const REFUSED: [string, Record<string, unknown>, RegExp][] = [
        ["neither `vip` nor `instances`", referenceConfig({ vip: undefined }), /`haproxy-ha:vip` is needed \(or `haproxy-ha:instances`\)/],
        ["`vip` beside `instances`", activeActive({ vip: "172.20.30.71/24" }), /`haproxy-ha:vip` is shorthand for one instance: with `haproxy-ha:instances` set it per instance, got "172\.20\.30\.71\/24"/],
        ["`virtualRouterId` beside `instances`", activeActive({ virtualRouterId: 51 }), /`haproxy-ha:virtualRouterId` is shorthand for one instance: with `haproxy-ha:instances` set it per instance, got 51/],
        [
            "a balancer priority beside `instances`",
            activeActive({ balancers: [{ name: "hk1", host: "172.20.30.25", priority: 100 }, { name: "hk2", host: "172.20.30.26" }] }),
            /`haproxy-ha:balancers\[0\]\.priority` applies to the single-VIP shorthand: with `haproxy-ha:instances` set `masterPriority`\/`backupPriority` per instance, got 100/,
        ],
        ["a master that is no balancer", activeActive({ instances: [{ name: "a", vips: ["172.20.30.69/24"], virtualRouterId: 61, master: "hk3" }] }), /`haproxy-ha:instances\[0\]\.master` is not a node; nodes are: hk1, hk2, got "hk3"/],
        ["a VIP outside the balancers' subnet", activeActive({ instances: [{ name: "a", vips: ["172.20.31.69/24"], virtualRouterId: 61, master: "hk1" }] }), /`haproxy-ha:instances\[0\]\.vips\[0\]` must lie in the subnet of `haproxy-ha:balancers\[0\]\.host`/],
        ["a VIP that is a balancer", activeActive({ instances: [{ name: "a", vips: ["172.20.30.26/24"], virtualRouterId: 61, master: "hk1" }] }), /`haproxy-ha:instances\[0\]\.vips\[0\]` must differ from `haproxy-ha:balancers\[1\]\.host`/],
        [
            "two instances with one VRID",
            activeActive({ instances: [{ name: "a", vips: ["172.20.30.69/24"], virtualRouterId: 61, master: "hk1" }, { name: "b", vips: ["172.20.30.70/24"], virtualRouterId: 61, master: "hk2" }] }),
            /`haproxy-ha:instances\[1\]\.virtualRouterId` must be unique among the instances of one address family \(IPv4\), got 61/,
        ],
        [
            "an IPv6 VIP on VRRPv2",
            activeActive({ instances: [{ name: "a", vips: ["fd77::100/64"], virtualRouterId: 61, master: "hk1" }] }),
            /`haproxy-ha:instances\[0\]\.vrrpVersion` must be 3 for IPv6 VIPs \(VRRPv2 carries only IPv4\), got 2/,
        ],
        [
            "a fractional advert interval on VRRPv2",
            activeActive({ os: "centos7", instances: [{ name: "a", vips: ["172.20.30.69/24"], virtualRouterId: 61, master: "hk1", advertInt: 0.5 }] }),
            /`haproxy-ha:instances\[0\]\.advertInt` may be a fraction only with `vrrpVersion: 3` \(VRRPv2 adverts carry whole seconds\), got 0\.5/,
        ],
        ["a misspelt member", activeActive({ instances: [{ name: "a", vips: ["172.20.30.69/24"], virtualRouterId: 61, master: "hk1", nopreemt: true }] }), /`haproxy-ha:instances\[0\]\.nopreemt` is unknown \(did you mean `haproxy-ha:instances\[0\]\.nopreempt`\?\)/],
        ["no VIP", activeActive({ instances: [{ name: "a", vips: [], virtualRouterId: 61, master: "hk1" }] }), /`haproxy-ha:instances\[0\]\.vips` must list 1 to 16 addresses with prefix/],
        [
            "frontends that bind no instance's VIP",
            activeActive({
                port: undefined,
                frontends: [{ name: "web", binds: [{ address: "172.20.30.69", port: 80 }], defaultBackend: "app" }],
                backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] }],
            }),
            /`haproxy-ha:instances\[1\]\.vips\[0\]` is bound by no frontend: add a bind with `address: 172\.20\.30\.70` to `haproxy-ha:frontends`/,
        ],
    ];
    for (const [what, raw, message] of REFUSED) {
        it(`refuses ${what}, naming the stack key`, async () => {
            const error = await stackError(raw);
            expect(error.message).to.match(/^stack config: /);
            expect(error.message).to.match(message);
        });
    }

    it("accepts frontends that bind every VIP, or bind `*`", async () => {
        const collections = (address: string) => ({
            port: undefined,
            frontends: [{ name: "web", binds: address === "*" ? [{ port: 80 }] : [{ address, port: 80 }, { address: "172.20.30.70", port: 80 }], defaultBackend: "app" }],
            backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] }],
        });
        for (const address of ["172.20.30.69", "*"]) {
            const rendered = await renderStack(activeActive(collections(address)));
            expect(states(fileOf(rendered, "hk2", "/etc/keepalived/keepalived.conf"))).to.deep.equal({ VI_a: "BACKUP", VI_b: "MASTER" });
        }
    });
});

describe("the seed's single-VIP Pulumi.dev.yaml renders as its golden files (changed only on purpose)", () => {
    it("every file and script of every node, as the golden files (dev-stack)", async () => {
        const rendered = await renderStack(readStackConfig(path.join(REPO_ROOT, "Pulumi.dev.yaml")));
        const listed = rendered.files.map((f) => path.join(f.node, f.path)).sort();
        matchesGolden("dev-stack/FILES", listed.join("\n") + "\n", CASES_GOLDEN_DIR);
        for (const f of rendered.files) matchesGolden(path.join("dev-stack", f.node, f.path), f.content, CASES_GOLDEN_DIR);
        // One snapshot per role: hk2 runs hk1's scripts, www2 www1's (the steps take no node-specific text).
        for (const [node, snapshot] of [["hk1", "hk1"], ["hk2", "hk1"], ["www1", "www1"], ["www2", "www1"]]) {
            matchesGolden(path.join("dev-stack", "scripts", `${snapshot}.sh`), scriptsSnapshot(rendered.scripts.filter((s) => s.node === node)), CASES_GOLDEN_DIR);
        }
    });

    it("and the dry run CLI renders an active-active stack file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-render-aa-"));
        const stack = fs
            .readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")
            .replace(/      priority: \d+\n/g, "")
            .replace("  haproxy-ha:vip: 172.20.30.69/24\n", "")
            .replace("  haproxy-ha:virtualRouterId: 51\n", "") +
            ["  haproxy-ha:instances:", "    - { name: a, vips: [172.20.30.69/24], virtualRouterId: 61, master: hk1 }", "    - { name: b, vips: [172.20.30.70/24], virtualRouterId: 62, master: hk2 }", ""].join("\n");
        fs.writeFileSync(path.join(dir, "Pulumi.aa.yaml"), stack);
        const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist/scripts/render.js"), "aa", path.join(dir, "out")], { cwd: dir, encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        expect(states(fs.readFileSync(path.join(dir, "out/hk1/etc/keepalived/keepalived.conf"), "utf8"))).to.deep.equal({ VI_a: "MASTER", VI_b: "BACKUP" });
        expect(states(fs.readFileSync(path.join(dir, "out/hk2/etc/keepalived/keepalived.conf"), "utf8"))).to.deep.equal({ VI_a: "BACKUP", VI_b: "MASTER" });
    });
});
