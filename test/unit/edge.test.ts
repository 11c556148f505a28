/**
 * Issue 21 items 1–3 as specifications: peers between the balancers, rate limits on stick tables
 * (429), basic auth against userlists. Rendered per family's haproxy and passed through the real
 * `haproxy -c` (2.6 here) where the family has the feature; refused naming the version where not.
 */
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, HaproxyNodeArgs, OS_CHOICES, OsChoice } from "../../components";
import { oldestHaproxy, versionAtLeast } from "../../components/os";
import { renderHaproxyConfig } from "../../components/render/haproxy";
import { driftCheckScript } from "../../components/script/drift";
import { topologyArgs } from "../../components/topology";
import { decodeTopologyConfig, parseTopologyConfig } from "../../components/stackConfig";
import { setRenderMocks } from "../../scripts/renderStack";
import { resolved } from "./helpers";

setRenderMocks();

const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
/** `openssl passwd -6 -salt saltsalt secret`. */
const HASH = "$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1";
const PEERS = { members: [{ name: "lb1", address: "10.77.0.21" }, { name: "lb2", address: "10.77.0.22" }] };
let n = 0;

function haproxyCheck(config: string): { code: number | null; out: string } {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-edge-")), "haproxy.cfg");
    fs.writeFileSync(file, config);
    const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
    if (r.error) throw new Error(`haproxy is not installed: ${r.error.message}`);
    return { code: r.status, out: r.stdout + r.stderr };
}

/** A section's lines (unindented), by its header line. */
function section(config: string, head: string): string[] {
    const block = config.split("\n\n").find((b) => b.split("\n")[0] === head);
    if (!block) throw new Error(`no section "${head}" in:\n${config}`);
    return block.trimEnd().split("\n").map((l) => l.trim());
}

/** Everything at once: peers, a sticky-by-source backend, a frontend limit and auth, a route's limit by header and its auth. */
function edgeArgs(family: OsChoice, over: Partial<HaproxyNodeArgs> = {}): HaproxyNodeArgs {
    return {
        os: family,
        connection: conn,
        nodeName: "lb1",
        peers: PEERS,
        userlists: [
            { name: "staff", users: [{ name: "alice", passwordHash: pulumi.secret(HASH) }] },
            { name: "robots", users: [{ name: "ci", insecurePassword: pulumi.secret("s3cr3t-pw") }] },
        ],
        frontends: [
            {
                name: "www",
                binds: [{ address: "10.77.0.100", port: 80 }],
                rateLimit: { requests: 100, periodS: 10 },
                routes: [
                    { pathPrefixes: ["/private/"], backend: "app", auth: { userlist: "staff", realm: "staff-only" } },
                    { hosts: ["api.example"], backend: "app", rateLimit: { requests: 5, periodS: 60, header: "X-Api-Key" }, auth: { userlist: "robots" } },
                ],
                defaultBackend: "app",
            },
        ],
        backends: [{ name: "app", servers: [{ name: "web1", address: "10.77.0.11" }, { name: "web2", address: "10.77.0.12" }], sticky: { source: true } }],
        ...over,
    };
}

const has16 = (family: OsChoice) => versionAtLeast(oldestHaproxy(family).version, "1.6");

describe("edge: peers, rate limits and auth (issue 21)", () => {
    describe("per OS choice: rendered for the family's haproxy, accepted by the real haproxy -c, or refused naming the version", () => {
        for (const family of OS_CHOICES) {
            const version = oldestHaproxy(family).version;
            if (has16(family)) {
                it(`${family} (haproxy ${version}): peers, sticky source, rate limits and auth render, and haproxy -c accepts them`, async () => {
                    const node = new HaproxyNode(`edge-${family}-${n++}`, edgeArgs(family));
                    const config = await resolved(node.configText);
                    const check = haproxyCheck(config);
                    expect(check.code, check.out).to.equal(0);
                    // From 2.2 the local peer is found by name; before, haproxy (here 2.6, not named `lb1`) drops the section with a warning.
                    expect(check.out.includes("Removing incomplete section 'peers haproxy_ha'")).to.equal(!versionAtLeast(version, "2.2"));
                    expect(section(config, "peers haproxy_ha")).to.deep.equal(["peers haproxy_ha", "peer lb1 10.77.0.21:10000", "peer lb2 10.77.0.22:10000"]);
                    // The local peer by name from 2.2; before, haproxy takes the host name.
                    expect(config.includes("    localpeer lb1\n")).to.equal(versionAtLeast(version, "2.2"));
                    expect(section(config, "backend app")).to.include.members(["stick-table type ipv6 size 100000 expire 1800s peers haproxy_ha", "stick on src"]);
                    expect(section(config, "backend haproxy_ha_rate_www")).to.deep.equal(["backend haproxy_ha_rate_www", "stick-table type ipv6 size 100000 expire 10s store http_req_rate(10s) peers haproxy_ha"]);
                    expect(section(config, "backend haproxy_ha_rate_www_route1")).to.deep.equal([
                        "backend haproxy_ha_rate_www_route1",
                        "stick-table type string len 128 size 100000 expire 60s store http_req_rate(60s) peers haproxy_ha",
                    ]);
                    const fe = section(config, "frontend www");
                    const track = fe.indexOf("http-request track-sc0 src table haproxy_ha_rate_www");
                    expect(track, fe.join("\n")).to.be.greaterThan(0);
                    expect(fe[track + 1]).to.equal("http-request deny deny_status 429 if { sc0_http_req_rate(haproxy_ha_rate_www) gt 100 }");
                    // First match wins: the route that serves a request is the one that counts it and asks for credentials.
                    const i = fe.indexOf("http-request set-var(txn.haproxy_ha_route) int(0) if route0_path !{ var(txn.haproxy_ha_route) -m found }");
                    expect(i).to.be.greaterThan(fe.indexOf("acl route1_host hdr(host) -i api.example"));
                    expect(fe.slice(i + 1, i + 6)).to.deep.equal([
                        "http-request set-var(txn.haproxy_ha_route) int(1) if route1_host !{ var(txn.haproxy_ha_route) -m found }",
                        "http-request auth realm staff-only if { var(txn.haproxy_ha_route) -m int 0 } !{ http_auth(staff) }",
                        "http-request track-sc1 req.hdr(X-Api-Key) table haproxy_ha_rate_www_route1 if { var(txn.haproxy_ha_route) -m int 1 }",
                        "http-request deny deny_status 429 if { var(txn.haproxy_ha_route) -m int 1 } { sc1_http_req_rate(haproxy_ha_rate_www_route1) gt 5 }",
                        "http-request auth realm robots if { var(txn.haproxy_ha_route) -m int 1 } !{ http_auth(robots) }",
                    ]);
                    expect(section(config, "userlist staff")).to.deep.equal(["userlist staff", `user alice password ${HASH}`]);
                    expect(section(config, "userlist robots")).to.deep.equal(["userlist robots", "user ci insecure-password s3cr3t-pw"]);
                });
            } else {
                it(`${family} (haproxy ${version}): rate limits and a route's auth are refused naming the version, all at once; peers, sticky source and a frontend's auth render and pass haproxy -c`, async () => {
                    expect(() => new HaproxyNode(`edge-${family}-${n++}`, edgeArgs(family))).to.throw(
                        new RegExp(
                            [
                                `frontends\\[0\\]\\.routes\\[0\\]\\.auth\` needs a route's own auth or rate limit .*haproxy 1\\.6 brought; .*1\\.5\\.18`,
                                `frontends\\[0\\]\\.routes\\[1\\]\\.rateLimit\` needs rate limits .*which haproxy 1\\.6 brought`,
                                `frontends\\[0\\]\\.rateLimit\` needs rate limits .*haproxy 1\\.6 brought`,
                            ].join("[^]*"),
                        ),
                    );
                    const ok = edgeArgs(family, {});
                    ok.frontends = [{ ...ok.frontends![0], rateLimit: undefined, routes: undefined, auth: { userlist: "staff" } }];
                    const config = await resolved(new HaproxyNode(`edge-${family}-ok-${n++}`, ok).configText);
                    expect(config).to.include("http-request auth realm staff unless { http_auth(staff) }").and.include("peer lb2 10.77.0.22:10000").and.not.include("localpeer");
                    const check = haproxyCheck(config);
                    expect(check.code, check.out).to.equal(0);
                });
            }
        }
    });

    it("the defaults a user gets: nothing set renders no peers, stick table or userlist; `peers` alone uses port 10000 and adds `peers` to no table but those rendered", async () => {
        const plain = edgeArgs("debian", { peers: undefined, userlists: undefined });
        plain.frontends = [{ name: "www", binds: [{ port: 80 }], defaultBackend: "app" }];
        plain.backends = [{ name: "app", servers: [{ name: "web1", address: "10.77.0.11" }] }];
        const config = await resolved(new HaproxyNode(`edge-none-${n++}`, plain).configText);
        expect(config).to.not.match(/peers|stick|userlist|localpeer|track-sc|http-request auth/);
        const withPeers = await resolved(new HaproxyNode(`edge-peers-${n++}`, { ...plain, peers: PEERS }).configText);
        expect(withPeers).to.include("peer lb1 10.77.0.21:10000").and.not.include("stick");
        // Sticky by source without peers: a table of its own, not shared.
        const sticky = await resolved(new HaproxyNode(`edge-sticky-${n++}`, { ...plain, backends: [{ ...plain.backends![0], sticky: { source: true, expireS: 60 } }] }).configText);
        expect(section(sticky, "backend app")).to.include("stick-table type ipv6 size 100000 expire 60s");
        expect(haproxyCheck(withPeers).code).to.equal(0);
    });

    it("the peers port is opened to the other member only (firewalld and ufw), and the firewall step is unchanged without peers", () => {
        const fw = (args: HaproxyNodeArgs) => new HaproxyNode(`edge-fw-${n++}`, args).scripts.find((s) => s.step === "firewall")!.create;
        const with_ = fw(edgeArgs("debian", { peers: { port: 10001, members: PEERS.members } }));
        expect(with_).to.include('source address="10.77.0.22" port port="10001"').and.not.include('source address="10.77.0.21"');
        expect(with_).to.match(/ufw .*10\.77\.0\.22.*10001|10001.*10\.77\.0\.22/);
        const without = fw(edgeArgs("debian", { peers: undefined }));
        expect(without).to.not.include("10000").and.not.include("10.77.0.22");
    });

    it("bad input is refused before any resource exists, every problem at once, naming the arg and never showing a secret", () => {
        const args = edgeArgs("debian", {
            peers: { port: 80, members: [{ name: "lbX", address: "10.77.0.21" }, { name: "lb2", address: "not-an-ip" }] },
            userlists: [
                { name: "staff", users: [{ name: "alice", passwordHash: "$1$md5salt$abcdefghijklmnopqrstuv" }, { name: "bob", passwordHash: HASH, insecurePassword: "x" }] },
                { name: "haproxy_ha_mine", users: [{ name: "carol", insecurePassword: "has space" }] },
            ],
        });
        args.frontends = [
            { ...args.frontends![0], rateLimit: { requests: 0, periodS: 10, header: "bad header" }, auth: { userlist: "nobody" } },
            { name: "raw", mode: "tcp", binds: [{ port: 3306 }], defaultBackend: "db", rateLimit: { requests: 5, periodS: 1 } },
        ];
        args.backends = [...args.backends!, { name: "db", servers: [{ name: "db1", address: "10.77.0.30", port: 3306 }] }, { name: "haproxy_ha_x", servers: [{ name: "s", address: "10.77.0.31" }] }];
        let message = "";
        try {
            new HaproxyNode(`edge-bad-${n++}`, args);
        } catch (e) {
            message = (e as Error).message;
        }
        for (const expected of [
            "`peers.port` must differ from every frontend bind's port and the stats port, got 80",
            "`peers.members[1].address` must be an IPv4 or IPv6 address",
            "`peers.members` must hold this node's own entry, named `lb1`",
            "`userlists[0].users[0].passwordHash` must be a SHA-512 (`$6$…`) or SHA-256 (`$5$…`) crypt(3) hash",
            "`userlists[0].users[1]` needs exactly one of `passwordHash` and `insecurePassword`",
            "`userlists[1].name` must not start with `haproxy_ha`",
            "`userlists[1].users[0].insecurePassword` must be 1-128 printable characters",
            "`frontends[0].rateLimit.requests` must be an integer from 1",
            "`frontends[0].rateLimit.header` must be a header name",
            "`frontends[0].auth.userlist` is not a userlist; userlists are: staff, haproxy_ha_mine",
            "`frontends[1].rateLimit` counts HTTP requests: needs `mode: http`",
            "`backends[2].name` must not start with `haproxy_ha`",
        ]) {
            expect(message).to.include(expected);
        }
        expect(message).to.not.include("md5salt").and.not.include("has space").and.not.include(HASH);
    });

    it("the hashes and passwords are secrets: the config text is secret, no script holds them, drift diffs redact the userlist lines", async () => {
        const node = new HaproxyNode(`edge-secret-${n++}`, edgeArgs("debian", { userlists: [{ name: "staff", users: [{ name: "alice", passwordHash: HASH }] }, { name: "robots", users: [{ name: "ci", insecurePassword: "plain-pw" }] }] }));
        expect(await pulumi.isSecret(node.configText)).to.equal(true);
        for (const s of node.scripts) expect([s.create, s.update ?? "", s.delete].join("\n")).to.not.include(HASH).and.not.include("plain-pw");
        const redact = /sed -E '([^']+)'/.exec(driftCheckScript())![1];
        const r = spawnSync("sed", ["-E", redact], { input: `userlist staff\n    user alice password ${HASH}\n    user ci insecure-password plain-pw\n`, encoding: "utf8" });
        expect(r.stdout).to.equal("userlist staff\n    user alice password REDACTED\n    user ci insecure-password REDACTED\n");
    });

    it("from stack config: `peers: true` gives both balancers the same members by their hosts, each its own local peer; userlists must be secret", () => {
        const raw = {
            os: "debian",
            ssh: { privateKeyPath: "/dev/null", insecureSkipHostKeyCheck: true },
            webs: [{ name: "web1", host: "10.77.0.11" }, { name: "web2", host: "10.77.0.12" }],
            balancers: [{ name: "lb1", host: "10.77.0.21" }, { name: "lb2", host: "10.77.0.22" }],
            vip: "10.77.0.100/24",
            peers: { port: 10002 },
            frontends: [{ name: "www", binds: [{ address: "10.77.0.100", port: 80 }], defaultBackend: "app", rateLimit: { requests: 10, periodS: 5 }, auth: { userlist: "staff" } }],
            backends: [{ name: "app", servers: [{ name: "web1", address: "10.77.0.11" }], sticky: { source: true } }],
            userlists: [{ name: "staff", users: [{ name: "alice", passwordHash: HASH }] }],
        };
        const cfg = parseTopologyConfig(raw);
        const { balancers } = topologyArgs(cfg);
        const members = [{ name: "lb1", address: "10.77.0.21" }, { name: "lb2", address: "10.77.0.22" }];
        expect(balancers.map((b) => b.peers)).to.deep.equal([{ port: 10002, members }, { port: 10002, members }]);
        expect(balancers[1].userlists![0].users[0].passwordHash).to.equal(HASH);
        expect(topologyArgs(decodeTopologyConfig({ ...raw, peers: false })).balancers[0].peers).to.equal(undefined);
        expect(() => parseTopologyConfig(raw, { secretKeys: [] })).to.throw(/`haproxy-ha:userlists` must be a secret/);
        expect(() => parseTopologyConfig({ ...raw, frontends: [{ ...raw.frontends[0], auth: { userlist: "ops" } }] })).to.throw(/`haproxy-ha:frontends\[0\]\.auth\.userlist` is not a userlist; userlists are: staff/);
        expect(() => parseTopologyConfig({ ...raw, os: "centos7" })).to.throw(/`haproxy-ha:frontends\[0\]\.rateLimit` needs rate limits .*centos7 ships haproxy 1\.5\.18/);
        expect(() => parseTopologyConfig({ ...raw, os: "auto" })).to.throw(/os auto may meet centos7, whose haproxy is 1\.5\.18 \(set `haproxy-ha:os` to a release that has it\)/);
    });
});

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

describe("edge on the real haproxy 2.6 (loopback only): 429 over a limit, 401 without credentials, the route that serves counts", function () {
    this.timeout(60_000);
    const children: ChildProcess[] = [];
    after(() => children.forEach((c) => c.kill()));
    const hc = { path: "/", interMs: 60_000, rise: 1, fall: 3 };

    it("a frontend's limit per source, a route's per header value, a route's basic auth with a SHA-512 hash", async () => {
        const [web, limited, routed] = [await freePort(), await freePort(), await freePort()];
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-edge-web-"));
        fs.mkdirSync(path.join(root, "private"));
        fs.mkdirSync(path.join(root, "api"));
        for (const f of ["index.html", "private/index.html", "api/index.html"]) fs.writeFileSync(path.join(root, f), "ok\n");
        const backend = spawn("python3", ["-m", "http.server", "--bind", "127.0.0.1", String(web)], { cwd: root, stdio: "ignore" });
        children.push(backend);
        // The backend first: with checks a minute apart, a server found down at start stays down.
        const direct = () => spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", `http://127.0.0.1:${web}/`], { encoding: "utf8" }).stdout.trim();
        for (let i = 0; i < 100 && direct() !== "200"; i++) await new Promise((r) => setTimeout(r, 100));
        expect(direct(), "python3 -m http.server did not start").to.equal("200");
        const config = renderHaproxyConfig({
            nodeName: "t",
            haproxyVersion: "2.6",
            mode: "http",
            timeouts: { connectMs: 1000, clientMs: 5000, serverMs: 5000 },
            maxconn: 100,
            userlists: [{ name: "staff", users: [{ name: "alice", secret: HASH, insecure: false }] }],
            frontends: [
                { name: "limited", mode: "http", binds: [{ address: "127.0.0.1", port: limited }], rateLimit: { requests: 5, periodS: 60 }, defaultBackend: "web" },
                {
                    name: "routed",
                    mode: "http",
                    binds: [{ address: "127.0.0.1", port: routed }],
                    routes: [
                        { hosts: [], pathPrefixes: ["/private/"], backend: "web", auth: { userlist: "staff", realm: "staff" } },
                        { hosts: [], pathPrefixes: ["/api/"], backend: "web", rateLimit: { requests: 2, periodS: 60, header: "X-Api-Key" } },
                        // Never serves /private/ or /api/ (an earlier route does): its limit of 1 must not count them.
                        { hosts: [], pathPrefixes: ["/"], backend: "web", rateLimit: { requests: 1, periodS: 60 } },
                    ],
                    defaultBackend: "web",
                },
            ],
            backends: [{ name: "web", mode: "http", balance: "roundrobin", healthCheck: hc, servers: [{ name: "w", address: "127.0.0.1", port: web }] }],
        }).replace(/^ {4}(chroot \/var\/lib\/haproxy|user haproxy|group haproxy|daemon)\n/gm, "");
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-edge-run-")), "haproxy.cfg");
        fs.writeFileSync(file, config);
        const child = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
        children.push(child);
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const code = (port: number, source: string, urlPath: string, extra: string[] = []) =>
            spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", "--interface", source, ...extra, `http://127.0.0.1:${port}${urlPath}`], { encoding: "utf8" }).stdout.trim();
        // Up when the backend answers through haproxy (from a source no limit below counts).
        for (let i = 0; i < 100 && code(routed, "127.0.0.9", "/private/", ["-u", "alice:secret"]) !== "200"; i++) await new Promise((r) => setTimeout(r, 100));
        expect(code(routed, "127.0.0.9", "/private/", ["-u", "alice:secret"]), `haproxy or the backend did not start: ${stderr}`).to.equal("200");

        expect(Array.from({ length: 8 }, () => code(limited, "127.0.0.2", "/"))).to.deep.equal(["200", "200", "200", "200", "200", "429", "429", "429"]);
        expect(code(limited, "127.0.0.3", "/"), "another source has its own count").to.equal("200");

        expect(code(routed, "127.0.0.4", "/private/")).to.equal("401");
        expect(code(routed, "127.0.0.4", "/private/", ["-u", "alice:wrong"])).to.equal("401");
        expect(code(routed, "127.0.0.4", "/private/", ["-u", "alice:secret"])).to.equal("200");
        expect(code(routed, "127.0.0.4", "/")).to.equal("200");

        const key = (k: string) => ["-H", `X-Api-Key: ${k}`];
        expect([1, 2, 3].map(() => code(routed, "127.0.0.5", "/api/", key("a")))).to.deep.equal(["200", "200", "429"]);
        expect(code(routed, "127.0.0.5", "/api/", key("b")), "another key has its own count").to.equal("200");
        expect([1, 2, 3].map(() => code(routed, "127.0.0.6", "/api/")), "no header: not counted").to.deep.equal(["200", "200", "200"]);
        // The catch-all route counted none of the requests above (127.0.0.4 made one): its second is over.
        expect(code(routed, "127.0.0.4", "/")).to.equal("429");
        expect(code(routed, "127.0.0.5", "/"), "requests served by /api/ are not the catch-all's").to.equal("200");
    });
});
