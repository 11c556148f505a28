import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, HaproxyNodeArgs, KeepalivedPair, KeepalivedPairArgs, OS_CHOICES } from "../../components";
import { KEEPALIVED_CONFIG_PATH, KEEPALIVED_TEST_COMPLAINTS } from "../../components/script/keepalivedSteps";
import { setRenderMocks } from "../../scripts/renderStack";
import { resolved } from "./helpers";

setRenderMocks();

const conn = (host: string) => ({ host, user: "root", privateKey: pulumi.secret("k") });
const servers = [{ name: "web1", address: "10.77.0.11" }, { name: "web2", address: "10.77.0.12" }];

/** haproxy variants no golden file covers; the first is what a user gets when setting nothing optional. */
const HAPROXY: [string, Omit<HaproxyNodeArgs, "connection">][] = [
    ["nothing optional set", { servers }],
    ["mode tcp", { servers, mode: "tcp", port: 3306 }],
    ["server weights and a backup server", { servers: [{ ...servers[0], weight: 10 }, { ...servers[1], weight: 0 }, { name: "sorry", address: "10.77.0.13", port: 8080, backup: true }] }],
    ["every balance algorithm but the default", { servers, balance: "leastconn" }],
    ["stats with every field set, VIP bind, health check tuned", { servers, bindAddress: "10.77.0.100", port: 8080, stats: { port: 9000, uri: "/s", user: "ops", password: "p4ss" }, healthCheck: { path: "/healthz", interMs: 500, rise: 1, fall: 1 }, timeouts: { connectMs: 1000, clientMs: 2000, serverMs: 3000 }, maxconn: 100 }],
    ["an IPv6 server and bind", { servers: [{ name: "v6", address: "fd00::11" }], bindAddress: "fd00::100" }],
    ["server states drain and maint, runtime API", { servers: [{ ...servers[0], weight: 5, state: "drain" }, servers[1], { name: "web3", address: "10.77.0.13", state: "maint", backup: true }], runtimeApi: true }],
];

const nodes = [
    { name: "lb1", connection: conn("10.77.0.21"), address: "10.77.0.21" },
    { name: "lb2", connection: conn("10.77.0.22"), address: "10.77.0.22" },
];
/** keepalived variants; `families` limits those that only some keepalived versions accept. */
const KEEPALIVED: [string, Omit<KeepalivedPairArgs, "nodes" | "os">, "all" | "keepalived2"][] = [
    ["nothing optional set", { vip: "10.77.0.100/24", interface: "eth0" }, "all"],
    ["VRRPv3 with a fractional advert_int", { vip: "10.77.0.100/24", interface: "eth0", vrrpVersion: 3, advertInt: 0.2 }, "keepalived2"],
    ["garp_master_refresh", { vip: "10.77.0.100/24", interface: "eth0", garpMasterRefreshS: 60 }, "all"],
    ["nopreempt", { vip: "10.77.0.100/24", interface: "eth0", nopreempt: true }, "all"],
    ["unicast", { vip: "10.77.0.100/24", interface: "eth0", unicast: true }, "all"],
    ["gatewayCheck and a tuned haproxy check", { vip: "10.77.0.100/24", interface: "eth0", gatewayCheck: { address: "10.77.0.1", intervalS: 3, fall: 3, rise: 1 }, check: { intervalS: 1, fall: 1, rise: 1 } }, "all"],
    ["every option together", { vip: "10.77.0.100/24", interface: "eth0", virtualRouterId: 200, unicast: true, nopreempt: true, garpMasterRefreshS: 10, gatewayCheck: { address: "10.77.0.1" }, authPassword: "s3cret" }, "all"],
    ["shorthand with notify hooks and a tracked interface", { vip: "10.77.0.100/24", interface: "eth0", trackInterfaces: ["lo"], notify: { master: "#!/bin/sh\necho up\n", fault: "#!/bin/sh\necho fault\n" } }, "all"],
    ["active-active: two instances, one MASTER each", { instances: [
        { name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1" },
        { name: "b", vips: ["10.77.0.101/24", "10.77.0.102/24"], virtualRouterId: 62, interface: "eth0", master: "lb2", nopreempt: true, unicast: true, trackInterfaces: ["lo"] },
    ], gatewayCheck: { address: "10.77.0.1" } }, "all"],
    ["an IPv6 instance (VRRPv3) beside an IPv4 one (VRRPv3)", { instances: [
        { name: "v4", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1", vrrpVersion: 3 },
        { name: "v6", vips: ["fd77::100/64"], virtualRouterId: 61, interface: "eth0", master: "lb2", vrrpVersion: 3, masterPriority: 200, backupPriority: 150 },
    ] }, "all"],
    ["per-instance VRRP versions (v2 with authentication, v3 for IPv6)", { instances: [
        { name: "v4", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1", authPassword: "abc" },
        { name: "v6", vips: ["fd77::100/64"], virtualRouterId: 62, interface: "eth0", master: "lb1", vrrpVersion: 3, advertInt: 0.5 },
    ] }, "keepalived2"],
];

function run(cmd: string, args: string[]) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.error) throw new Error(`${cmd} is not installed (apt-get install haproxy keepalived): ${r.error.message}`);
    return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

describe("config variants pass the real validators (haproxy -c, keepalived -t)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-variants-"));
    let n = 0;
    const write = (text: string) => {
        const file = path.join(dir, `config-${n++}`);
        fs.writeFileSync(file, text);
        return file;
    };

    for (const family of OS_CHOICES) {
        for (const [what, args] of HAPROXY) {
            it(`haproxy, ${family}: ${what}`, async () => {
                const node = new HaproxyNode(`v-${family}-${n++}`, { os: family, connection: conn("10.77.0.21"), ...args });
                const r = run("haproxy", ["-c", "-f", write(await resolved(node.configText))]);
                expect(r.code, r.out).to.equal(0);
            });
        }
        for (const [what, args, families] of KEEPALIVED) {
            if (families === "keepalived2" && (family === "centos7" || family === "auto")) continue;
            it(`keepalived, ${family}: ${what}`, async () => {
                const pair = new KeepalivedPair(`v-${family}-${n++}`, { os: family, nodes, ...args });
                const configs = (await resolved(pair.files)).filter((f) => f.path === KEEPALIVED_CONFIG_PATH);
                expect(configs.length).to.equal(2);
                for (const f of configs) {
                    const r = run("keepalived", ["-t", "-f", write(f.content)]);
                    expect(r.code === 0 && !new RegExp(KEEPALIVED_TEST_COMPLAINTS, "i").test(r.out), `${f.node}: ${r.out}`).to.equal(true);
                }
            });
        }
    }

    it("the defaults a user gets render the documented values", async () => {
        const node = new HaproxyNode("v-defaults", { connection: conn("10.77.0.21"), servers });
        const cfg = await resolved(node.configText);
        for (const line of ["mode http", "bind :80", "balance roundrobin", "option httpchk GET /", "default-server inter 2000ms rise 2 fall 3", "maxconn 4000", "timeout connect 5000ms"]) {
            expect(cfg).to.include(line);
        }
        expect(cfg).to.not.include("listen stats");
        const pair = new KeepalivedPair("v-defaults", { nodes, vip: "10.77.0.100/24", interface: "eth0" });
        const [first, second] = await resolved(pair.files);
        for (const line of ["virtual_router_id 51", "advert_int 1", "priority 100", "state MASTER", "auth_type PASS", "interval 2", "fall 2", "rise 2"]) {
            expect(first.content).to.include(line);
        }
        expect(second.content).to.include("priority 90").and.include("state BACKUP").and.not.include("unicast_peer").and.not.include("nopreempt");
    });
});
