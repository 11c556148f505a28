/**
 * The seed's own variants (issue 21 item 8): one balancer without keepalived, web servers the
 * library only points to (`webs[].managed: false`), and server addresses given as DNS names,
 * resolved at start with libc and, with `nameservers`, at run time through a `resolvers` section
 * where the haproxy version has one. Configs go through the real `haproxy -c`.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { buildTopology, HaproxyNode, parseTopologyConfig, requirePinnedHostKeys } from "../../components";
import { isDnsName } from "../../components/model/dns";
import { renderHaproxyConfig } from "../../components/render/haproxy";
import { pinHostKeys } from "../../scripts/hostKeys";
import { renderStack, setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { resolved } from "./helpers";

setRenderMocks();

function haproxyCheck(config: string): { code: number | null; out: string } {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-variants-")), "haproxy.cfg");
    fs.writeFileSync(file, config);
    const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8", timeout: 60_000 });
    if (r.error) throw new Error(`haproxy is not installed: ${r.error.message}`);
    return { code: r.status, out: r.stdout + r.stderr };
}

function problemsOf(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        return (e as Error).message;
    }
    return "";
}

/** The seed's experiment 1: one balancer, two web servers, round robin, no keepalived. */
const single = (overrides: Record<string, unknown> = {}) => {
    const { vip: _vip, virtualRouterId: _vrid, interface: _iface, ...rest } = referenceConfig({ os: "debian" });
    return { ...rest, balancers: [{ name: "hk1", host: "172.20.30.25" }], ...overrides };
};

const backendOf = (config: string) => config.slice(config.indexOf("\n\nbackend web\n") + 2).split("\n\n")[0];

/** The README's "experiment 1" stack config, as a user copies it. */
function readmeExperiment1(): Record<string, unknown> {
    const readme = fs.readFileSync(path.join(__dirname, "../../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### The seed's experiment 1"));
    const block = section.slice(section.indexOf("```yaml\n") + 8, section.indexOf("\n```", section.indexOf("```yaml")));
    const config = (yaml.load(block) as { config: Record<string, unknown> }).config;
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^haproxy-ha:/, ""), v]));
}

describe("the seed's variants", () => {
    it("the README's experiment 1 stack builds as it says: one balancer, two unmanaged named servers resolved at run time, no pair", async () => {
        const raw = readmeExperiment1();
        // Its host key is a placeholder: the rest is the example as written.
        const ssh = raw.ssh as Record<string, unknown>;
        const cfg = parseTopologyConfig({ ...raw, ssh: { ...ssh, hostKeys: undefined, insecureSkipHostKeyCheck: true } });
        const topology = buildTopology(cfg, "key");
        expect(topology.pair).to.equal(undefined);
        expect(topology.webs).to.deep.equal([]);
        expect(await resolved(topology.url)).to.equal("http://172.20.30.25:80/");
        const config = await resolved(topology.balancers[0].configText);
        expect(config).to.include("server www1 www1.pip.cc:80 check resolvers haproxy_ha_dns").and.include("nameserver ns1 172.20.30.2:53");
    });

    describe("one balancer without keepalived", () => {
        it("builds one HaproxyNode and no KeepalivedPair; the URL is the balancer's own address; the frontend binds every address", async () => {
            const topology = buildTopology(parseTopologyConfig(single()), "key");
            expect(topology.pair).to.equal(undefined);
            expect(topology.balancers).to.have.length(1);
            expect(await resolved(topology.url)).to.equal("http://172.20.30.25:80/");
            expect(await resolved(topology.vip)).to.equal("172.20.30.25");
            expect(await resolved(topology.balancerNames)).to.deep.equal(["hk1"]);
            expect(await resolved(topology.masterName)).to.equal("hk1");
            expect(await resolved(topology.masters)).to.deep.equal({});
            const config = await resolved(topology.balancers[0].configText);
            expect(config).to.include("frontend www\n    bind :80\n");
            expect(backendOf(config)).to.include("balance roundrobin").and.include("server www1 172.20.30.15:80 check").and.include("server www2 172.20.30.16:80 check");
            // The stats page still binds the balancer's own address.
            expect(config).to.include("bind 172.20.30.25:8404");
            expect(haproxyCheck(config.replace(/172\.20\.30\.25:8404/, "127.0.0.1:8404")).code).to.equal(0);
        });

        it("renders no keepalived file or step, no nonlocal-bind sysctl, and opens the frontend port only", async () => {
            const rendered = await renderStack(single());
            expect(rendered.files.map((f) => f.path)).to.not.include("/etc/keepalived/keepalived.conf");
            expect(rendered.scripts.filter((s) => s.component === "keepalived")).to.deep.equal([]);
            const balancer = rendered.scripts.filter((s) => s.node === "hk1");
            expect(balancer.map((s) => s.step)).to.not.include("sysctl");
            const firewall = balancer.find((s) => s.step === "firewall")!.create;
            expect(firewall).to.match(/\b80\b/).and.not.match(/vrrp|8404/);
        });

        it("refuses every key of the pair typed beside one balancer, all at once, naming key and value", () => {
            const message = problemsOf(() =>
                parseTopologyConfig(single({ vip: "172.20.30.69/24", virtualRouterId: 51, nopreempt: true, balancers: [{ name: "hk1", host: "172.20.30.25", priority: 100 }] })),
            );
            for (const [key, value] of [["vip", '"172.20.30.69/24"'], ["virtualRouterId", "51"], ["nopreempt", "true"], ["balancers[0].priority", "100"]]) {
                expect(message).to.include(`\`haproxy-ha:${key}\` configures the keepalived pair, and one balancer has none`).and.include(`got ${value}`);
            }
        });

        it("still refuses three balancers, and two without `vip` or `instances`", () => {
            const three = [1, 2, 3].map((k) => ({ name: `hk${k}`, host: `172.20.30.2${k}` }));
            expect(problemsOf(() => parseTopologyConfig(single({ balancers: three })))).to.include("`haproxy-ha:balancers` must be a list of 1 to 2 entries");
            const { vip: _vip, ...pairWithoutVip } = referenceConfig();
            expect(problemsOf(() => parseTopologyConfig(pairWithoutVip))).to.match(/haproxy-ha:vip|instances/);
        });
    });

    describe("web servers the library only points to (`webs[].managed: false`)", () => {
        const webs = [
            { name: "www1", host: "172.20.30.15" },
            { name: "iis", host: "172.20.30.40", port: 8080, managed: false },
        ];

        it("gets no WebBackend and no SSH key; its address and port are in the backend, health-checked", async () => {
            const cfg = parseTopologyConfig(single({ webs }));
            expect(cfg.webs.map((w) => w.managed)).to.deep.equal([true, false]);
            const topology = buildTopology(cfg, "key");
            expect(topology.webs.map((w) => w.backendName)).to.deep.equal(["www1"]);
            expect(await Promise.all(topology.webUrls.map(resolved))).to.deep.equal(["http://172.20.30.15:80/", "http://172.20.30.40:8080/"]);
            expect(backendOf(await resolved(topology.balancers[0].configText))).to.include("server iis 172.20.30.40:8080 check");
            const rendered = await renderStack(single({ webs }));
            expect(rendered.scripts.some((s) => s.node === "iis")).to.equal(false);
            // Host keys: the managed web and the balancer only.
            const message = problemsOf(() => requirePinnedHostKeys(cfg));
            expect(message).to.include("172.20.30.15 (www1), 172.20.30.25 (hk1)").and.not.include("iis");
        });

        it("`npm run host-keys` scans only the hosts the library connects to", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-variants-keys-"));
            spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
            const key = fs.readFileSync(path.join(dir, "k.pub"), "utf8").split(" ").slice(0, 2).join(" ");
            const file = path.join(dir, "Pulumi.s.yaml");
            const stack = single({ webs, ssh: { privateKeyPath: "/k" } });
            fs.writeFileSync(file, yaml.dump({ config: Object.fromEntries(Object.entries(stack).map(([k, v]) => [`haproxy-ha:${k}`, v])) }));
            const scanned: string[] = [];
            pinHostKeys(file, {
                scan: (hosts) => {
                    scanned.push(...hosts);
                    return hosts.map((h) => `${h} ${key}`).join("\n");
                },
            });
            expect(scanned.sort()).to.deep.equal(["172.20.30.15", "172.20.30.25"]);
        });

        it("is managed by default (nothing set: every web is a WebBackend)", () => {
            const cfg = parseTopologyConfig(single());
            expect(cfg.webs.map((w) => w.managed)).to.deep.equal([true, true]);
            expect(buildTopology(cfg, "key").webs).to.have.length(2);
        });

        it("refuses `content` (the library installs no page there) and a non-boolean `managed`, naming the keys", () => {
            const message = problemsOf(() =>
                parseTopologyConfig(single({ webs: [{ name: "www1", host: "172.20.30.15", managed: "no" }, { name: "iis", host: "172.20.30.40", managed: false, content: "hi" }] })),
            );
            expect(message).to.include('`haproxy-ha:webs[0].managed` must be true or false, got "no"');
            // Refused by the type first; the content rule runs on a decoded config.
            const content = problemsOf(() => parseTopologyConfig(single({ webs: [{ name: "www1", host: "172.20.30.15" }, { name: "iis", host: "172.20.30.40", managed: false, content: "hi" }] })));
            expect(content).to.include("`haproxy-ha:webs[1].content` is the page the library installs, and with `managed: false` it installs nothing");
        });
    });

    describe("server addresses as DNS names", () => {
        it("accepts RFC 1123 host names and refuses anything else", () => {
            for (const ok of ["localhost", "app.example.com", "web-1.example.com", "a1.b2", "x".repeat(63) + ".com"]) expect(isDnsName(ok), ok).to.equal(true);
            for (const bad of ["", "-app.example.com", "app-.example.com", "app_1.example.com", "app..example.com", "10.0.0.256", "1.2.3", "x".repeat(64) + ".com", "a b", "app.example.com.", "$(reboot)"]) {
                expect(isDnsName(bad), bad).to.equal(false);
            }
        });

        it("renders a name as the server address, resolved at start with libc (no resolvers section without `nameservers`): the real haproxy -c resolves it", async () => {
            const webs = [{ name: "www1", host: "localhost", managed: false }, { name: "www2", host: "172.20.30.16" }];
            const topology = buildTopology(parseTopologyConfig(single({ webs })), "key");
            const config = await resolved(topology.balancers[0].configText);
            expect(backendOf(config)).to.include("server www1 localhost:80 check\n");
            expect(config).to.not.include("resolvers");
            expect(haproxyCheck(config.replace(/172\.20\.30\.25:8404/, "127.0.0.1:8404")).code).to.equal(0);
        });

        it("a name libc cannot resolve fails the real haproxy -c (the validation every config passes on the host before the swap)", async () => {
            const webs = [{ name: "www1", host: "www1.haproxy-ha.invalid", managed: false }, { name: "www2", host: "localhost", managed: false }];
            const config = (await resolved(buildTopology(parseTopologyConfig(single({ webs })), "key").balancers[0].configText)).replace(/172\.20\.30\.25:8404/, "127.0.0.1:8404");
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-variants-")), "haproxy.cfg");
            fs.writeFileSync(file, config);
            // In a network namespace of its own: the lookup fails at once, and no query leaves the machine.
            const r = spawnSync("unshare", ["--net", "haproxy", "-c", "-f", file], { encoding: "utf8", timeout: 60_000 });
            expect(r.status, r.stdout + r.stderr).to.not.equal(0);
            expect(r.stdout + r.stderr).to.include("www1.haproxy-ha.invalid");
            // The control: the same config with a name /etc/hosts has passes in the same namespace.
            fs.writeFileSync(file, config.replace("www1.haproxy-ha.invalid", "localhost"));
            const control = spawnSync("unshare", ["--net", "haproxy", "-c", "-f", file], { encoding: "utf8", timeout: 60_000 });
            expect(control.status, control.stdout + control.stderr).to.equal(0);
        });

        it("with `nameservers`, a resolvers section the name's server line uses (an IP address's does not); haproxy -c accepts it", async () => {
            const webs = [{ name: "www1", host: "localhost", managed: false }, { name: "www2", host: "172.20.30.16" }];
            const topology = buildTopology(parseTopologyConfig(single({ webs, nameservers: ["127.0.0.53", "::1"] })), "key");
            const config = await resolved(topology.balancers[0].configText);
            expect(config).to.include("resolvers haproxy_ha_dns\n    nameserver ns1 127.0.0.53:53\n    nameserver ns2 ::1:53\n");
            expect(backendOf(config)).to.include("server www1 localhost:80 check resolvers haproxy_ha_dns\n").and.match(/server www2 172\.20\.30\.16:80 check$/m);
            const r = haproxyCheck(config.replace(/172\.20\.30\.25:8404/, "127.0.0.1:8404"));
            expect(r.code, r.out).to.equal(0);
        });

        it("with `frontends`/`backends` too: a backend server named in DNS uses the resolvers, one balancer binds what its frontend says", async () => {
            const cfg = single({
                webs: [{ name: "www1", host: "172.20.30.15" }],
                nameservers: ["127.0.0.53"],
                frontends: [{ name: "http", binds: [{ port: 80 }], defaultBackend: "app" }],
                backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }, { name: "iis", address: "localhost", port: 8080 }] }],
            });
            const config = await resolved(buildTopology(parseTopologyConfig(cfg), "key").balancers[0].configText);
            expect(config).to.include("server iis localhost:8080 check resolvers haproxy_ha_dns").and.match(/server www1 172\.20\.30\.15:80 check$/m).and.include("bind :80");
            const r = haproxyCheck(config.replace(/172\.20\.30\.25:8404/, "127.0.0.1:8404"));
            expect(r.code, r.out).to.equal(0);
        });

        it("the resolvers section uses only what haproxy 1.6 knows (nameserver lines), the same for every version", () => {
            const spec = (haproxyVersion: string) =>
                renderHaproxyConfig({
                    nodeName: "n",
                    haproxyVersion,
                    mode: "http",
                    frontends: [{ name: "www", mode: "http", binds: [{ address: "*", port: 80 }], defaultBackend: "web" }],
                    backends: [{ name: "web", mode: "http", balance: "roundrobin", healthCheck: { path: "/", interMs: 2000, rise: 2, fall: 3 }, servers: [{ name: "a", address: "app.example.com", port: 80 }] }],
                    timeouts: { connectMs: 5000, clientMs: 50000, serverMs: 50000 },
                    maxconn: 4000,
                    dns: { nameservers: ["10.0.0.53"] },
                });
            const section = (c: string) => c.slice(c.indexOf("resolvers ")).split("\n\n")[0];
            expect(section(spec("1.6"))).to.equal("resolvers haproxy_ha_dns\n    nameserver ns1 10.0.0.53:53");
            expect(section(spec("2.6"))).to.equal(section(spec("1.6")));
        });

        it("refuses `nameservers` where haproxy has no resolvers section (centos7's 1.5, and `auto` which may meet it); el8's 1.8 has it", () => {
            const webs = [{ name: "www1", host: "app.example.com" }];
            for (const os of ["centos7", "auto"]) {
                expect(problemsOf(() => parseTopologyConfig(single({ os, webs, nameservers: ["10.0.0.53"] }))), os).to.include(
                    "`haproxy-ha:nameservers` needs run-time DNS resolution (a `resolvers` section), which haproxy 1.6 brought",
                );
            }
            expect(problemsOf(() => parseTopologyConfig(single({ os: "el8", webs, nameservers: ["10.0.0.53"] })))).to.equal("");
            // Names alone (resolved at start with libc) work on every version, CentOS 7's 1.5 included.
            expect(problemsOf(() => parseTopologyConfig(single({ os: "centos7", webs })))).to.equal("");
        });

        it("refuses a bad name or nameserver, all at once, naming the key and value", () => {
            const message = problemsOf(() =>
                parseTopologyConfig(
                    single({
                        webs: [{ name: "www1", host: "app_1.example.com" }, { name: "www2", host: "10.0.0.256", managed: false }],
                        nameservers: ["ns1.example.com"],
                    }),
                ),
            );
            expect(message).to.include('`haproxy-ha:webs[0].host` must be an IPv4 or IPv6 address or a DNS name (RFC 1123').and.include('got "app_1.example.com"');
            expect(message).to.include('`haproxy-ha:webs[1].host` must be an IPv4 or IPv6 address or a DNS name').and.include('got "10.0.0.256"');
            expect(message).to.include('`haproxy-ha:nameservers[0]` must be').and.include('got "ns1.example.com"');
        });

        it("a HaproxyNode takes a name in `servers[].address` and refuses a bad one at its arg path", async () => {
            const conn = { host: "10.0.0.1", user: "root", privateKey: "k" };
            const node = new HaproxyNode("dns-node", { os: "debian", connection: conn, servers: [{ name: "a", address: "app.example.com" }], nameservers: ["10.0.0.53"] });
            expect(await resolved(node.configText)).to.include("server a app.example.com:80 check resolvers haproxy_ha_dns");
            expect(problemsOf(() => new HaproxyNode("dns-bad", { os: "debian", connection: conn, servers: [{ name: "a", address: "app example" }] }))).to.include(
                '`servers[0].address` must be an IPv4 or IPv6 address or a DNS name',
            );
        });
    });
});
