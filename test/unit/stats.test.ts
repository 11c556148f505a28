/**
 * The stats page and /metrics are closed until told (issue 19 item 4): haproxy itself refuses
 * sources outside `adminSources` (a host firewall may be off), /metrics needs the stats
 * credentials, the page binds the node's own address, and the firewall rules for the sources
 * work for IPv6 and fail loudly. Run against the real haproxy (on loopback only) and fake
 * firewall-cmd/ufw.
 */
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode } from "../../components";
import { renderHaproxyConfig } from "../../components/render/haproxy";
import { sourcePortFirewallScript } from "../../components/script/firewall";
import { STATE_DIR } from "../../components/os/stateDir";
import { setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { resolved } from "./helpers";

setRenderMocks();

const conn = (host: string) => ({ host, user: "root", privateKey: pulumi.secret("k") });
const servers = [{ name: "www1", address: "172.20.30.15" }];
let n = 0;

/** The `listen stats` section's lines, unindented. */
const listenOf = (config: string) =>
    config
        .slice(config.indexOf("listen stats"))
        .split("\n\n")[0]
        .split("\n")
        .map((l) => l.trim());
const firewallOf = (node: HaproxyNode) => node.scripts.find((s) => s.step === "firewall")!.create;

function haproxyCheck(config: string): { code: number | null; out: string } {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-stats-")), "haproxy.cfg");
    fs.writeFileSync(file, config);
    const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
    if (r.error) throw new Error(`haproxy is not installed: ${r.error.message}`);
    return { code: r.status, out: r.stdout + r.stderr };
}

describe("the stats listener: closed until told", () => {
    it("with nothing set (`stats: {}`) binds the node's connection address, lets in that address only (deny first) and opens no firewall port", async () => {
        const node = new HaproxyNode(`stats-default-${n++}`, { os: "centos7", connection: conn("172.20.30.25"), servers, bindAddress: "172.20.30.69", stats: {} });
        const listen = listenOf(await resolved(node.configText));
        expect(listen.slice(0, 8)).to.deep.equal([
            "listen stats",
            "bind 172.20.30.25:8404",
            "mode http",
            "acl haproxy_ha_admin src 172.20.30.25",
            "http-request deny if !haproxy_ha_admin",
            "stats enable",
            "stats uri /haproxy-stats",
            "stats refresh 10s",
        ]);
        expect(listen[8]).to.match(/^stats auth admin:[A-Za-z0-9]+$/);
        expect(firewallOf(node)).to.include("'80/tcp'").and.not.include("8404");
    });

    it("`address` is what it binds; without it a connection host that is no IP address is refused naming `address`", async () => {
        const node = new HaproxyNode(`stats-addr-${n++}`, { os: "debian", connection: conn("lb1.example"), address: "10.0.0.5", servers, stats: { password: "p4ss" } });
        expect(listenOf(await resolved(node.configText))).to.include("bind 10.0.0.5:8404").and.include("acl haproxy_ha_admin src 10.0.0.5");
        expect(() => new HaproxyNode(`stats-name-${n++}`, { os: "debian", connection: conn("lb1.example"), servers, stats: {} })).to.throw(
            /HaproxyNode "stats-name-\d+": `address` must be set when `stats` is on and `connection.host` is no IP address \(the stats page binds the node's own address\), got "lb1\.example"/,
        );
        expect(() => new HaproxyNode(`stats-list-${n++}`, { os: "debian", connection: conn("10.0.0.5"), servers, stats: { adminSources: "10.0.0.0/8" as unknown as string[] } })).to.throw(
            /`stats\.adminSources` must be a list of CIDRs, got "10\.0\.0\.0\/8"/,
        );
    });

    it("with /metrics: the source check, then the credentials, then the exporter, all before the stats page; the userlist holds the stats credentials", async () => {
        const node = new HaproxyNode(`stats-prom-${n++}`, { os: "debian", connection: conn("10.77.0.21"), servers, stats: { password: "p4ss", adminSources: ["10.77.0.2/32", "2001:db8::/32"], prometheus: true } });
        const config = await resolved(node.configText);
        const listen = listenOf(config);
        const at = (line: string) => {
            const i = listen.indexOf(line);
            expect(i, line).to.be.greaterThan(0);
            return i;
        };
        expect(at("acl haproxy_ha_admin src 10.77.0.21 10.77.0.2/32 2001:db8::/32")).to.be.below(at("http-request deny if !haproxy_ha_admin"));
        expect(at("http-request deny if !haproxy_ha_admin")).to.be.below(at("http-request auth realm haproxy-ha if { path /metrics } !{ http_auth(haproxy_ha_stats) }"));
        expect(at("http-request auth realm haproxy-ha if { path /metrics } !{ http_auth(haproxy_ha_stats) }")).to.be.below(at("http-request use-service prometheus-exporter if { path /metrics }"));
        expect(at("http-request use-service prometheus-exporter if { path /metrics }")).to.be.below(at("stats enable"));
        expect(config).to.include("userlist haproxy_ha_stats\n    user admin insecure-password p4ss\n\nlisten stats\n");
        const r = haproxyCheck(config);
        expect(r.code, r.out).to.equal(0);
        expect(r.out).to.not.match(/WARNING.*stats/);
    });

    it("the 1.5-compatible rendering (centos7) with IPv4 and IPv6 sources passes haproxy -c", async () => {
        const node = new HaproxyNode(`stats-c7-${n++}`, { os: "centos7", connection: conn("172.20.30.25"), servers, stats: { password: "p4ss", adminSources: ["172.20.30.0/24", "fd00::/8"] } });
        const config = await resolved(node.configText);
        expect(config).to.not.include("userlist").and.not.include("use-service");
        const r = haproxyCheck(config);
        expect(r.code, r.out).to.equal(0);
    });

    it("open to everyone only when said: adminSources [0.0.0.0/0, ::/0] lets every source in and opens the port to both families", async () => {
        const node = new HaproxyNode(`stats-all-${n++}`, { os: "el9", connection: conn("10.77.0.21"), servers, stats: { password: "p4ss", adminSources: ["0.0.0.0/0", "::/0"] } });
        expect(listenOf(await resolved(node.configText))).to.include("acl haproxy_ha_admin src 10.77.0.21 0.0.0.0/0 ::/0");
        expect(firewallOf(node))
            .to.include(`rule family="ipv4" source address="0.0.0.0/0" port port="8404" protocol="tcp" accept`)
            .and.include(`rule family="ipv6" source address="::/0" port port="8404" protocol="tcp" accept`)
            .and.not.include("'8404/tcp'");
    });
});

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

describe("the stats listener on the real haproxy (loopback only): refusal from other sources, 200 from an admin source", function () {
    this.timeout(60_000);
    const children: ChildProcess[] = [];
    after(() => children.forEach((c) => c.kill()));

    /** Starts haproxy in the foreground on the rendered config; stats on 127.0.0.1, admin source 127.0.0.3 only. */
    async function start(version: string, prometheus: boolean) {
        const [web, stats] = [await freePort(), await freePort()];
        const config = renderHaproxyConfig({
            nodeName: "t",
            haproxyVersion: version,
            mode: "http",
            timeouts: { connectMs: 1000, clientMs: 5000, serverMs: 5000 },
            maxconn: 100,
            frontends: [{ name: "www", mode: "http", binds: [{ address: "127.0.0.1", port: web }], defaultBackend: "web" }],
            backends: [{ name: "web", mode: "http", balance: "roundrobin", healthCheck: { path: "/", interMs: 2000, rise: 2, fall: 3 }, servers: [] }],
            stats: { bindAddress: "127.0.0.1", port: stats, uri: "/haproxy-stats", user: "admin", password: "p4ss", adminSources: ["127.0.0.3/32"], prometheus },
        })
            // Foreground, as this user, no chroot: only the process setup differs from a host's.
            .replace(/^ {4}(chroot \/var\/lib\/haproxy|user haproxy|group haproxy|daemon)\n/gm, "");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-stats-run-")), "haproxy.cfg");
        fs.writeFileSync(file, config);
        const child = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
        children.push(child);
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const code = (source: string, urlPath: string, auth?: string) => {
            const r = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", "--interface", source, ...(auth ? ["-u", auth] : []), `http://127.0.0.1:${stats}${urlPath}`], { encoding: "utf8" });
            return r.stdout.trim();
        };
        for (let i = 0; i < 100 && code("127.0.0.1", "/haproxy-stats") === "000"; i++) await new Promise((r) => setTimeout(r, 50));
        expect(code("127.0.0.1", "/haproxy-stats"), `haproxy did not start: ${stderr}`).to.not.equal("000");
        return { code, stats, stop: () => child.kill() };
    }

    it("2.x rendering with /metrics: another source gets 403 for the page and /metrics even with the credentials; the admin source needs them", async () => {
        const h = await start("2.6", true);
        try {
            expect(h.code("127.0.0.2", "/haproxy-stats", "admin:p4ss")).to.equal("403");
            expect(h.code("127.0.0.2", "/metrics", "admin:p4ss")).to.equal("403");
            expect(h.code("127.0.0.2", "/metrics")).to.equal("403");
            expect(h.code("127.0.0.3", "/metrics")).to.equal("401");
            expect(h.code("127.0.0.3", "/metrics", "admin:wrong")).to.equal("401");
            expect(h.code("127.0.0.3", "/metrics", "admin:p4ss")).to.equal("200");
            const body = spawnSync("curl", ["-s", "--max-time", "3", "--interface", "127.0.0.3", "-u", "admin:p4ss", `http://127.0.0.1:${h.stats}/metrics`], { encoding: "utf8" }).stdout;
            expect(body).to.match(/^haproxy_process_/m);
            expect(h.code("127.0.0.3", "/haproxy-stats")).to.equal("401");
            expect(h.code("127.0.0.3", "/haproxy-stats", "admin:p4ss")).to.equal("200");
            // The node's own address (here the bind address, 127.0.0.1) is always let in.
            expect(h.code("127.0.0.1", "/haproxy-stats", "admin:p4ss")).to.equal("200");
        } finally {
            h.stop();
        }
    });

    it("the 1.5-compatible rendering: the same refusal and answer for the stats page", async () => {
        const h = await start("1.5", false);
        try {
            expect(h.code("127.0.0.2", "/haproxy-stats", "admin:p4ss")).to.equal("403");
            expect(h.code("127.0.0.3", "/haproxy-stats", "admin:p4ss")).to.equal("200");
            expect(h.code("127.0.0.3", "/haproxy-stats")).to.equal("401");
        } finally {
            h.stop();
        }
    });
});

/** A host with a fake firewall-cmd and ufw that keep their rules in files, and the library's state dir in a temp dir. */
function fakeFirewallHost(opts: { firewalld?: boolean; ufw?: boolean; refuse?: boolean; noIpv6?: boolean }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-fw-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    for (const f of ["runtime", "permanent", "ufw"]) fs.writeFileSync(path.join(dir, f), "");
    const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nF=${dir}\n${body}\n`, { mode: 0o755 });
    script(
        "firewall-cmd",
        `kind=runtime
for a in "$@"; do [ "$a" = --permanent ] && kind=permanent; done
for a in "$@"; do
  case $a in
    --state) ${opts.firewalld ? "exit 0" : "echo 'not running' >&2; exit 252"} ;;
    --query-rich-rule=*) grep -qxF "\${a#*=}" "$F/$kind"; exit $? ;;
    --add-rich-rule=*) ${opts.refuse ? `echo "Error: INVALID_RULE: bad rule" >&2; exit 1` : `echo "\${a#*=}" >> "$F/$kind"; exit 0`} ;;
    --remove-rich-rule=*) grep -vxF "\${a#*=}" "$F/$kind" > "$F/tmp" || true; cat "$F/tmp" > "$F/$kind"; exit 0 ;;
  esac
done`,
    );
    script(
        "ufw",
        `case "$1" in
  status) ${opts.ufw ? "echo 'Status: active'" : "echo 'Status: inactive'"} ;;
  allow) shift; rule="$*"
    case $rule in *:*) ${opts.noIpv6 ? `echo "ERROR: IPv6 support not enabled" >&2; exit 1` : ":"} ;; esac
    if grep -qxF "$rule" "$F/ufw"; then echo "Skipping adding existing rule"; else echo "$rule" >> "$F/ufw"; echo "Rule added"; fi ;;
  delete) shift 2; rule="$*"; grep -vxF "$rule" "$F/ufw" > "$F/tmp" || true; cat "$F/tmp" > "$F/ufw" ;;
esac`,
    );
    const run = (text: string) => {
        const r = spawnSync("sh", ["-euc", text.split(STATE_DIR).join(path.join(dir, "state"))], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
        return { code: r.status, stderr: r.stderr };
    };
    const rules = (f: "runtime" | "permanent" | "ufw") => fs.readFileSync(path.join(dir, f), "utf8").split("\n").filter(Boolean);
    const add = (f: "runtime" | "permanent" | "ufw", line: string) => fs.appendFileSync(path.join(dir, f), `${line}\n`);
    return { run, rules, add };
}

const rich = (family: string, source: string) => `rule family="${family}" source address="${source}" port port="8404" protocol="tcp" accept`;

describe("the stats port's source rules, run against a fake firewall-cmd and ufw", () => {
    const sources = ["10.77.0.2/32", "2001:db8::/32"];

    it("firewalld: IPv4 and IPv6 sources get rules of their family, runtime and permanent; close removes only those it added", () => {
        const host = fakeFirewallHost({ firewalld: true });
        host.add("runtime", rich("ipv4", "10.77.0.2/32"));
        host.add("permanent", rich("ipv4", "10.77.0.2/32"));
        expect(host.run(sourcePortFirewallScript(["firewalld"], 8404, sources, "open")).code).to.equal(0);
        expect(host.run(sourcePortFirewallScript(["firewalld"], 8404, sources, "open")).code).to.equal(0);
        for (const kind of ["runtime", "permanent"] as const) expect(host.rules(kind)).to.deep.equal([rich("ipv4", "10.77.0.2/32"), rich("ipv6", "2001:db8::/32")]);
        expect(host.run(sourcePortFirewallScript(["firewalld"], 8404, sources, "close")).code).to.equal(0);
        // The rule the host already had stays.
        for (const kind of ["runtime", "permanent"] as const) expect(host.rules(kind)).to.deep.equal([rich("ipv4", "10.77.0.2/32")]);
    });

    it("firewalld refusing a rule fails the step with the firewall's message", () => {
        const host = fakeFirewallHost({ firewalld: true, refuse: true });
        const r = host.run(sourcePortFirewallScript(["firewalld"], 8404, sources, "open"));
        expect(r.code).to.not.equal(0);
        expect(r.stderr).to.include("INVALID_RULE").and.include("haproxy-ha: firewalld refused the runtime rule for 8404/tcp from 10.77.0.2/32");
    });

    it("ufw: IPv6 sources too; an ufw without IPv6 fails the step with its message; close removes only the rules it added", () => {
        const host = fakeFirewallHost({ ufw: true });
        host.add("ufw", "from 10.77.0.2/32 to any port 8404 proto tcp");
        expect(host.run(sourcePortFirewallScript(["ufw"], 8404, sources, "open")).code).to.equal(0);
        expect(host.rules("ufw")).to.deep.equal(["from 10.77.0.2/32 to any port 8404 proto tcp", "from 2001:db8::/32 to any port 8404 proto tcp"]);
        expect(host.run(sourcePortFirewallScript(["ufw"], 8404, sources, "close")).code).to.equal(0);
        expect(host.rules("ufw")).to.deep.equal(["from 10.77.0.2/32 to any port 8404 proto tcp"]);

        const no6 = fakeFirewallHost({ ufw: true, noIpv6: true });
        const r = no6.run(sourcePortFirewallScript(["ufw"], 8404, sources, "open"));
        expect(r.code).to.not.equal(0);
        expect(r.stderr).to.include("IPv6 support not enabled").and.include("haproxy-ha: ufw refused the rule for 8404/tcp from 2001:db8::/32");
    });

    it("no firewall active: nothing to do, the step succeeds (haproxy's own check still refuses other sources)", () => {
        const host = fakeFirewallHost({});
        expect(host.run(sourcePortFirewallScript(["firewalld", "ufw"], 8404, sources, "open")).code).to.equal(0);
        expect([...host.rules("runtime"), ...host.rules("permanent"), ...host.rules("ufw")]).to.deep.equal([]);
    });
});

describe("stack config `haproxy-ha:stats` and the stats listener", () => {
    const { parseTopologyConfig, buildTopology } = require("../../components") as typeof import("../../components");
    const hk1Config = (overrides: Record<string, unknown>) => resolved(buildTopology(parseTopologyConfig(referenceConfig(overrides)), "key").balancers[0].configText);

    it("`stats: true` (the seed's) binds each balancer's own address, not `*`, and lets in that address only", async () => {
        const listen = listenOf(await hk1Config({ stats: true }));
        expect(listen).to.include("bind 172.20.30.25:8404").and.include("acl haproxy_ha_admin src 172.20.30.25").and.not.include("bind :8404");
    });

    it("`adminSources` with IPv4 and IPv6 CIDRs reach haproxy's ACL", async () => {
        expect(listenOf(await hk1Config({ stats: { adminSources: ["10.0.0.0/8", "2001:db8::/32"] } }))).to.include("acl haproxy_ha_admin src 172.20.30.25 10.0.0.0/8 2001:db8::/32");
    });

    it("refuses an `adminSources` that is no list or holds no CIDR, naming the stack key", () => {
        expect(() => parseTopologyConfig(referenceConfig({ stats: { adminSources: "10.0.0.0/8" } }))).to.throw(/stack config: `haproxy-ha:stats\.adminSources` must be a list of CIDRs, got "10\.0\.0\.0\/8"/);
        expect(() => parseTopologyConfig(referenceConfig({ stats: { adminSources: ["::1"] } }))).to.throw(/`haproxy-ha:stats\.adminSources\[0\]` must be an address with its prefix length.*got "::1"/);
    });
});
