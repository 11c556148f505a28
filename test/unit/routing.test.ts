import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, HaproxyNodeArgs, HaproxyRouteArgs, OS_CHOICES, OsChoice } from "../../components";
import { oldestHaproxy, versionAtLeast } from "../../components/os";
import { checkHaproxyNodeArgs } from "../../components/haproxyNode";
import { configArg } from "../../components/model/routing";
import { routeLines } from "../../components/render/routing";
import { bundleParserScript, haproxyBundle } from "../../components/script/haproxySteps";
import { mapsSyncScript } from "../../components/script/maps";
import { setRenderMocks } from "../../scripts/renderStack";
import { SEED } from "./arbitraries";
import { ArgumentErrors } from "../../components/model/problems";
import { parseTopologyConfig } from "../../components/stackConfig";
import { referenceConfig } from "./fixtures";
import { resolved } from "./helpers";

setRenderMocks();

const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
let n = 0;

/** An edge node with every feature of issue 21 items 4-6 the family's haproxy has. */
function edgeArgs(family: OsChoice, over: Partial<HaproxyNodeArgs> = {}): HaproxyNodeArgs {
    const v = oldestHaproxy(family).version;
    return {
        os: family,
        connection: conn,
        address: "10.77.0.21",
        runtimeApi: true,
        frontends: [
            {
                name: "web",
                binds: [{ address: "10.77.0.100", port: 80 }],
                routes: [
                    { paths: ["/exact"], backend: "b" },
                    { pathSuffixes: [".js", ".css"], backend: "b" },
                    { pathRegexes: ["^/v[0-9]+/items/\\d+$", "^/a b#\"'\\\\$"], backend: "b" },
                    { methods: ["DELETE", "PUT"], pathPrefixes: ["/api/"], backend: "b" },
                    { headers: [{ name: "X-Env", values: ["canary", "-i"] }, { name: "X-Debug" }, { name: "User-Agent", regex: "curl/\\d" }], backend: "b" },
                    { sources: ["10.99.0.0/16", "2001:db8::/32", "192.0.2.7"], backend: "b" },
                    { queryParams: [{ name: "beta", values: ["1", "yes"] }, { name: "trace" }], backend: "b" },
                    { hosts: ["api.example.com"], anyOf: [{ methods: ["POST"] }, { paths: ["/login"] }], not: [{ sources: ["10.0.0.0/8"], headers: [{ name: "X-Internal" }] }], backend: "b" },
                ],
                hostMap: "hosts",
                defaultBackend: "a",
                errorPages: [{ status: 503, body: "<h1>down</h1>\n" }],
            },
        ],
        backends: [
            { name: "a", servers: [{ name: "w1", address: "10.77.0.11" }], compression: {}, errorPages: [{ status: 503, body: "sorry", contentType: "text/plain" }] },
            { name: "b", servers: [{ name: "w2", address: "10.77.0.12" }], compression: { algorithms: ["gzip", "deflate"], types: ["application/json"] } },
        ],
        maps: [{ name: "hosts", entries: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`shop${i}.example.com`, i % 2 ? "a" : "b"])) }],
        sections: [
            { type: "userlist", name: "ops", lines: ["user alice insecure-password s3cret"] },
            ...(versionAtLeast(v, "1.6") ? [{ type: "resolvers", name: "dns", lines: ["nameserver ns1 127.0.0.1:53"] }] : []),
            ...(versionAtLeast(v, "1.8") ? [{ type: "cache", name: "small", lines: ["total-max-size 4"] }] : []),
        ],
        ...over,
    };
}

/** haproxy -c on a config with its bundle's files: what the bundle step checks on the host. */
function haproxyAccepts(config: string, files: { path: string; content: string }[]): { code: number | null; out: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-routing-"));
    let text = config;
    for (const f of files.filter((x) => x.path !== "/etc/haproxy/haproxy.cfg")) {
        const local = path.join(dir, f.path.replace(/\//g, "_"));
        fs.writeFileSync(local, f.content);
        text = text.split(f.path).join(local);
    }
    const file = path.join(dir, "haproxy.cfg");
    fs.writeFileSync(file, text);
    const r = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
    if (r.error) throw new Error(`haproxy is not installed: ${r.error.message}`);
    return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

function refusal(args: HaproxyNodeArgs): string {
    try {
        checkHaproxyNodeArgs(`refused-${n++}`, args);
    } catch (e) {
        return (e as Error).message;
    }
    return "(accepted)";
}

/**
 * haproxy's own reading of a config line (tools.c parse_line, 1.6+): words split at unescaped
 * spaces, `\\`, `\ `, `\#`, `\"`, `\'` unescaped, quotes start quoted words; other escapes kept.
 */
function haproxyWords(line: string): string[] {
    const out: string[] = [];
    let cur = "";
    let started = false;
    let quote: string | undefined;
    for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (quote) {
            if (ch === quote) quote = undefined;
            else if (ch === "\\" && quote === '"' && i + 1 < line.length && '\\"'.includes(line[i + 1])) cur += line[++i];
            else cur += ch;
        } else if (ch === "\\" && i + 1 < line.length && " #\\\"'".includes(line[i + 1])) {
            cur += line[++i];
            started = true;
        } else if (ch === '"' || ch === "'") {
            quote = ch;
            started = true;
        } else if (ch === " ") {
            if (started) out.push(cur);
            cur = "";
            started = false;
        } else if (ch === "#") break;
        else {
            cur += ch;
            started = true;
        }
    }
    if (started) out.push(cur);
    return out;
}

describe("routing, maps, error pages, compression, HTTP/2 and raw sections (issue 21, items 4-6)", function () {
    this.timeout(120_000);

    for (const family of OS_CHOICES) {
        it(`${family}: every feature its haproxy has renders, and the real haproxy -c (2.6) accepts it with the bundle's map and pages`, async () => {
            const node = new HaproxyNode(`edge-${family}-${n++}`, edgeArgs(family));
            const [config, files] = await Promise.all([resolved(node.configText), resolved(node.files)]);
            const r = haproxyAccepts(config, files);
            expect(r.code, r.out).to.equal(0);
            const v = oldestHaproxy(family).version;
            expect(config).to.include("use_backend %[req.hdr(host),lower,map(/etc/haproxy/maps/hosts.map)] if { req.hdr(host),lower,map(/etc/haproxy/maps/hosts.map) -m found }\n    default_backend a");
            expect(config).to.include("    compression algo gzip\n    compression type text/html text/plain text/css text/javascript application/javascript application/json image/svg+xml\n");
            expect(config).to.include("\nuserlist ops\n    user alice insecure-password s3cret\n");
            if (versionAtLeast(v, "2.2")) {
                expect(config).to.include('http-error status 503 content-type "text/html; charset=utf-8" file /etc/haproxy/errors/fe-web-503.http');
                expect(files.find((f) => f.path === "/etc/haproxy/errors/be-a-503.http")!.content).to.equal("sorry");
            } else {
                expect(config).to.include("errorfile 503 /etc/haproxy/errors/fe-web-503.http");
                expect(files.find((f) => f.path === "/etc/haproxy/errors/be-a-503.http")!.content).to.equal("HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nsorry");
            }
            const map = files.find((f) => f.path === "/etc/haproxy/maps/hosts.map")!.content;
            expect(map.split("\n")[1]).to.equal("shop0.example.com b");
            expect(map.split("\n").filter((l) => l && !l.startsWith("#"))).to.have.length(50);
            // The runtime API keeps map entries without a reload: the maps step follows the service.
            expect(node.scripts.map((s) => s.step).slice(-3)).to.deep.equal(["service", "maps", "server-states"]);
            const sh = spawnSync("sh", ["-n"], { input: node.scripts.find((s) => s.step === "maps")!.create, encoding: "utf8" });
            expect(sh.status, sh.stderr).to.equal(0);
        });
    }

    it("renders each condition kind as one ACL and the route as haproxy's OR of ANDs (a table)", () => {
        const table: [HaproxyRouteArgs, string[]][] = [
            [{ hosts: ["a.example"], pathPrefixes: ["/x/"], backend: "b" }, ["acl route0_host hdr(host) -i a.example", "acl route0_path path_beg /x/", "use_backend b if route0_host route0_path"]],
            [{ paths: ["/login", "/logout"], backend: "b" }, ["acl route0_exact path /login /logout", "use_backend b if route0_exact"]],
            [{ pathSuffixes: [".js"], backend: "b" }, ["acl route0_suffix path_end .js", "use_backend b if route0_suffix"]],
            [{ pathRegexes: ["^/a\\.b$"], backend: "b" }, ["acl route0_regex path_reg ^/a\\\\.b$", "use_backend b if route0_regex"]],
            [{ methods: ["GET"], backend: "b" }, ["acl route0_method method GET", "use_backend b if route0_method"]],
            [{ headers: [{ name: "X-A", values: ["-v"] }], backend: "b" }, ["acl route0_hdr0 req.fhdr(X-A) -m str -- -v", "use_backend b if route0_hdr0"]],
            [{ headers: [{ name: "X-A" }], backend: "b" }, ["acl route0_hdr0 req.fhdr(X-A) -m found", "use_backend b if route0_hdr0"]],
            [{ sources: ["10.0.0.0/8"], backend: "b" }, ["acl route0_src src 10.0.0.0/8", "use_backend b if route0_src"]],
            [{ queryParams: [{ name: "q", values: ["1"] }], backend: "b" }, ["acl route0_query0 urlp(q) -m str 1", "use_backend b if route0_query0"]],
            [
                { methods: ["GET"], anyOf: [{ paths: ["/a"] }, { paths: ["/b"] }], not: [{ sources: ["10.0.0.0/8"], methods: ["HEAD"] }], backend: "b" },
                [
                    "acl route0_method method GET",
                    "acl route0_any0_exact path /a",
                    "acl route0_any1_exact path /b",
                    "acl route0_not0_method method HEAD",
                    "acl route0_not0_src src 10.0.0.0/8",
                    "use_backend b if route0_method route0_any0_exact !route0_not0_method || route0_method route0_any0_exact !route0_not0_src || route0_method route0_any1_exact !route0_not0_method || route0_method route0_any1_exact !route0_not0_src",
                ],
            ],
            [{ not: [{ paths: ["/health"] }], backend: "b" }, ["acl route0_not0_exact path /health", "use_backend b if !route0_not0_exact"]],
        ];
        for (const [route, lines] of table) {
            const plan = checkHaproxyNodeArgs(`table-${n++}`, { os: "debian", connection: conn, frontends: [{ name: "f", binds: [{ port: 80 }], routes: [route] }], backends: [{ name: "b", servers: [{ name: "s", address: "10.0.0.1" }] }] });
            expect(routeLines(plan.frontends[0].routes), JSON.stringify(route)).to.deep.equal(lines);
        }
    });

    it("a route's rate limit (items 1-3) follows its whole condition: one set-var per alternative, first match kept; haproxy -c accepts it", async () => {
        const node = new HaproxyNode(`rl-${n++}`, {
            os: "debian",
            connection: conn,
            address: "10.77.0.21",
            frontends: [
                {
                    name: "web",
                    binds: [{ port: 80 }],
                    routes: [
                        { pathPrefixes: ["/api/"], anyOf: [{ methods: ["POST"] }, { headers: [{ name: "X-Force" }] }], rateLimit: { requests: 10, periodS: 10 }, backend: "b" },
                        { paths: ["/x"], backend: "b" },
                    ],
                    defaultBackend: "b",
                },
            ],
            backends: [{ name: "b", servers: [{ name: "s", address: "10.0.0.1" }] }],
        });
        const config = await resolved(node.configText);
        const setVars = config.split("\n").filter((l) => l.includes("set-var("));
        expect(setVars).to.have.length(3);
        expect(setVars[0]).to.include("int(0) if route0_path route0_any0_method !{ var(");
        expect(setVars[1]).to.include("int(0) if route0_path route0_any1_hdr0 !{ var(");
        expect(setVars[2]).to.include("int(1) if route1_exact !{ var(");
        const r = haproxyAccepts(config, []);
        expect(r.code, r.out).to.equal(0);
    });

    it("property: a regex reaches haproxy as itself (its words read back by haproxy's rules), and haproxy -c accepts the rendered route", () => {
        const regexChar = fc.constantFrom(..."ab/.*+?^$()[]{}|\\ #\"'-_0123456789".split(""));
        fc.assert(
            fc.property(fc.array(regexChar, { minLength: 1, maxLength: 24 }).map((a) => a.join("")), (raw) => {
                let ok = true;
                try {
                    new RegExp(raw);
                } catch {
                    ok = false;
                }
                fc.pre(ok);
                const line = routeLines([{ hosts: [], pathPrefixes: [], pathRegexes: [raw], backend: "b" }])[0];
                const words = haproxyWords(line);
                expect(words.slice(0, 3)).to.deep.equal(["acl", "route0_regex", "path_reg"]);
                expect(words.slice(3).filter((w) => w !== "--")).to.deep.equal([raw]);
                expect(configArg(raw)).to.not.match(/(^|[^\\])(\\\\)*[ #"']/);
            }),
            { seed: SEED, numRuns: 300 },
        );
        // And a sample through the real parser: haproxy -c accepts what PCRE accepts.
        const sample = ["^/a b$", "x#y", "\"q\"", "'s'", "\\\\", "^-lead"];
        const node = checkHaproxyNodeArgs(`prop-${n++}`, {
            os: "debian",
            connection: conn,
            frontends: [{ name: "f", binds: [{ port: 80 }], routes: [{ pathRegexes: sample, backend: "b" }] }],
            backends: [{ name: "b", servers: [{ name: "s", address: "10.0.0.1" }] }],
        });
        const cfg = ["defaults", "    mode http", "    timeout connect 1s", "    timeout client 1s", "    timeout server 1s", "frontend f", "    bind :18080", ...routeLines(node.frontends[0].routes).map((l) => `    ${l}`), "backend b", "    server s 10.0.0.1:80", ""].join("\n");
        const r = haproxyAccepts(cfg, []);
        expect(r.code, r.out).to.equal(0);
    });

    it("property: a plain value is either refused or one word haproxy reads back unchanged (nothing escapes its quoting)", () => {
        fc.assert(
            fc.property(fc.string({ minLength: 1, maxLength: 12 }), (value) => {
                const args: HaproxyNodeArgs = {
                    os: "debian",
                    connection: conn,
                    frontends: [{ name: "f", binds: [{ port: 80 }], routes: [{ headers: [{ name: "X-A", values: [value] }], pathSuffixes: [value], queryParams: [{ name: "q", values: [value] }], backend: "b" }] }],
                    backends: [{ name: "b", servers: [{ name: "s", address: "10.0.0.1" }] }],
                };
                let plan;
                try {
                    plan = checkHaproxyNodeArgs(`plain-${n++}`, args);
                } catch (e) {
                    expect((e as Error).message).to.include("cannot hold it the same way on every version");
                    return;
                }
                for (const line of routeLines(plan.frontends[0].routes).slice(0, 3)) {
                    const words = haproxyWords(line).filter((w) => w !== "--");
                    expect(words[words.length - 1], line).to.equal(value);
                }
            }),
            { seed: SEED, numRuns: 300 },
        );
    });

    it("refuses what a version lacks or haproxy.cfg cannot say, naming the arg path and value, every problem at once", () => {
        const msg = refusal(
            edgeArgs("centos7", {
                frontends: [
                    {
                        name: "web",
                        binds: [{ port: 443, tls: { certificates: ["c"], http2: true } }],
                        routes: [
                            { headers: [{ name: "X-A", values: ['a"b'] }], backend: "b" },
                            { pathRegexes: ["(unclosed"], backend: "b" },
                            { backend: "b" },
                            { anyOf: [{ methods: ["GET"] }, { methods: ["PUT"] }, { methods: ["POST"] }], not: [{ methods: ["A"], paths: ["/a"], sources: ["10.0.0.0/8"] }, { methods: ["B"], paths: ["/b"] }], backend: "b" },
                        ],
                        hostMap: "nope",
                        defaultBackend: "a",
                        errorPages: [{ status: 404, body: "x" }, { status: 418, body: "x" }],
                    },
                ],
                certificates: undefined,
                maps: [{ name: "hosts", entries: { "a.example": "zzz", "*.b.example": "a" } }],
                sections: [{ type: "cache", name: "c", lines: [] }, { type: "frontend", name: "x", lines: [] }, { type: "userlist", name: "haproxy_ha_stats", lines: [] }],
            }),
        );
        for (const part of [
            "frontends[0].binds[0].tls.certificates[0]",
            "frontends[0].binds[0].tls.http2: needs HTTP/2, which haproxy 1.8 brought; centos7 ships haproxy 1.5.18",
            `frontends[0].routes[0].headers[0].values[0]: must be 1-512 printable characters without spaces, quotes, backslash or '#' (haproxy.cfg cannot hold it the same way on every version), got "a\\"b"`,
            "frontends[0].routes[1].pathRegexes[0]: must be a valid regex",
            "frontends[0].routes[2]: needs a condition",
            "frontends[0].routes[3]: expands to 18 alternatives",
            "frontends[0].hostMap: is not a map; maps are: hosts",
            "frontends[0].errorPages[0].status: needs a custom 404 page, which haproxy 2.2 brought; centos7 ships haproxy 1.5.18",
            "frontends[0].errorPages[1].status: must be a status haproxy answers itself",
            'maps[0].entries.a.example: is not a backend; backends are: a, b',
            "maps[0].entries.*.b.example: must be keyed by a host name",
            "sections[0].type: needs a `cache` section, which haproxy 1.8 brought; centos7 ships haproxy 1.5.18",
            "sections[1].type: must be one of userlist, peers, resolvers",
            "sections[2].name: is the name of a section the library renders",
        ]) {
            const [field, ...rule] = part.split(": ");
            expect(msg).to.include(rule.length ? `\`${field}\` ${rule.join(": ")}` : part);
        }
        expect(refusal(edgeArgs("debian", { backends: [{ name: "a", servers: [{ name: "w1", address: "10.77.0.11" }], compression: { algorithms: ["br"], types: ["text html"] } }, { name: "b", servers: [{ name: "w2", address: "10.77.0.12" }], errorPages: [{ status: 503, body: "x", contentType: 'text/html"; x' }] }] })))
            .to.include("`backends[0].compression.algorithms[0]` must be one of gzip, deflate, raw-deflate")
            .and.include("`backends[0].compression.types[0]` must be a MIME type")
            .and.include("`backends[1].errorPages[0].contentType` must be a media type");
        // A raw section named like one the library renders from other args.
        expect(refusal(edgeArgs("debian", { sections: [{ type: "peers", name: "haproxy_ha", lines: [] }, { type: "userlist", name: "ops", lines: [] }], userlists: [{ name: "ops", users: [{ name: "a", insecurePassword: "x" }] }] })))
            .to.include("`sections[0].name` is the name of a section the library renders")
            .and.include("`sections[1].name` is a userlist of `userlists` already");
    });

    it("defaults: nothing set renders as before; HTTP/2 on where ALPN is, off offers http/1.1 only; compression {} is gzip of text types", async () => {
        const base = (http2?: boolean): HaproxyNodeArgs => ({
            os: "debian",
            connection: conn,
            frontends: [{ name: "f", binds: [{ port: 443, tls: { certificates: ["c"], ...(http2 === undefined ? {} : { http2 }) } }], routes: [{ hosts: ["a.example"], backend: "b" }], defaultBackend: "b" }],
            backends: [{ name: "b", servers: [{ name: "s", address: "10.0.0.1" }] }],
            certificates: [{ name: "c", pem: "x" }],
        });
        const lines = (http2?: boolean) => {
            const plan = checkHaproxyNodeArgs(`h2-${n++}`, { ...base(http2), certificates: undefined, frontends: [{ ...base(http2).frontends![0], binds: [{ port: 80 }] }] });
            return plan.frontends[0].binds[0];
        };
        expect(lines().tls).to.equal(undefined);
        const { renderHaproxyConfig } = await import("../../components/render/haproxy");
        const spec = (http2?: boolean) =>
            renderHaproxyConfig({
                nodeName: "n",
                haproxyVersion: "2.6",
                mode: "http",
                timeouts: { connectMs: 1, clientMs: 1, serverMs: 1 },
                maxconn: 10,
                frontends: [{ name: "f", mode: "http", binds: [{ address: "*", port: 443, tls: { certificates: ["c"], minVersion: "TLSv1.2", alpn: true, profile: "intermediate", ...(http2 === undefined ? {} : { http2 }) } }], routes: [{ hosts: ["a.example"], pathPrefixes: [], backend: "b" }] }],
                backends: [{ name: "b", mode: "http", balance: "roundrobin", healthCheck: { path: "/", interMs: 1000, rise: 1, fall: 1 }, servers: [] }],
            });
        expect(spec()).to.include("alpn h2,http/1.1").and.include("acl route0_host hdr(host) -i a.example\n    use_backend b if route0_host\n");
        expect(spec(true)).to.include("alpn h2,http/1.1");
        expect(spec(false)).to.include("alpn http/1.1 ").and.not.include("h2");
        expect(refusal({ ...base(true), frontends: [{ ...base(true).frontends![0], binds: [{ port: 443, tls: { certificates: ["c"], alpn: false, http2: true } }] }] })).to.include("`frontends[0].binds[0].tls.http2` needs `alpn`");
        const plan = checkHaproxyNodeArgs(`defaults-${n++}`, { os: "debian", connection: conn, frontends: [{ name: "f", binds: [{ port: 80 }], defaultBackend: "b" }], backends: [{ name: "b", servers: [{ name: "s", address: "10.0.0.1" }], compression: {} }] });
        expect(plan.backends[0].compression).to.deep.equal({ algorithms: ["gzip"], types: ["text/html", "text/plain", "text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml"] });
        expect(plan.maps).to.deep.equal([]);
        expect(plan.sections).to.deep.equal([]);
        // No map: no maps step; map without the runtime API: no maps step either (a change reloads).
        const noApi = new HaproxyNode(`noapi-${n++}`, edgeArgs("debian", { runtimeApi: false }));
        expect(noApi.scripts.map((s) => s.step)).to.not.include("maps");
    });

    it("the maps step sends only the differences, in one session, and reloads when haproxy refuses one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-maps-"));
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const map = path.join(dir, "hosts.map");
        fs.writeFileSync(map, "# Managed\na.example x\nb.example y\nnew.example z\n");
        fs.writeFileSync(path.join(dir, "running"), "0x1 a.example x\n0x2 b.example OLD\n0x3 gone.example x\n\n");
        // A fake socat: `show map` answers from the running table; a prompt session logs the commands.
        fs.writeFileSync(
            path.join(bin, "socat"),
            `#!/bin/sh\nread -r first\nif [ "$first" = prompt ]; then while read -r l; do echo "$l" >> ${dir}/sent; printf '\\n> '; if [ -e ${dir}/refuse ]; then echo 'Unknown map identifier.'; fi; done; else cat ${dir}/running; fi\n`,
            { mode: 0o755 },
        );
        const sock = path.join(dir, "sock");
        spawnSync("python3", ["-c", `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(sock)})`]);
        const script = mapsSyncScript([map]).replace("sock='/run/haproxy/admin.sock'", `sock='${sock}'`);
        const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
        const r = spawnSync("sh", ["-c", `set -eu\n${script}`], { encoding: "utf8", env });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.include("3 change(s) applied through the runtime API, no reload");
        expect(fs.readFileSync(path.join(dir, "sent"), "utf8").split("\n").filter(Boolean).sort()).to.deep.equal([`add map ${map} new.example z`, `del map ${map} gone.example`, `set map ${map} b.example y`]);
        fs.writeFileSync(path.join(dir, "refuse"), "");
        fs.writeFileSync(path.join(bin, "systemctl"), "#!/bin/sh\necho \"systemctl $*\" >> " + dir + "/systemctl\n[ \"$1\" = is-active ]\n", { mode: 0o755 });
        const refused = spawnSync("sh", ["-c", `set -eu\n${script}`], { encoding: "utf8", env });
        expect(refused.stderr).to.include("haproxy refused a change of").and.include("Unknown map identifier").and.include("reloading haproxy instead");
        expect(fs.readFileSync(path.join(dir, "systemctl"), "utf8"), "the reload began").to.include("is-active --quiet haproxy");
    });

    it("stack config: the new keys decode into the component's args, and a problem is shown under the stack key the user typed", () => {
        const collections = {
            os: "debian",
            port: undefined,
            frontends: [{ name: "web", binds: [{ port: 80 }], routes: [{ headers: [{ name: "X-A", values: ["a b"] }], not: [{ methods: ["get"] }], backend: "app" }], hostMap: "hosts", defaultBackend: "app", errorPages: [{ status: 503, body: "x" }] }],
            backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }], compression: { types: ["text/html"] } }],
            maps: [{ name: "hosts", entries: { "a.example": "app", "b.example": "nope" } }],
            sections: [{ type: "resolvers", name: "dns", lines: ["nameserver ns1 127.0.0.1:53"] }],
        };
        let problems: { field: string; value: unknown }[] = [];
        try {
            parseTopologyConfig(referenceConfig(collections));
        } catch (e) {
            expect(e, String(e)).to.be.instanceOf(ArgumentErrors);
            problems = (e as ArgumentErrors).problems.map((p) => ({ field: p.field, value: p.value }));
        }
        expect(problems).to.have.deep.members([
            { field: "haproxy-ha:frontends[0].routes[0].headers[0].values[0]", value: "a b" },
            { field: "haproxy-ha:frontends[0].routes[0].not[0].methods[0]", value: "get" },
            { field: "haproxy-ha:maps[0].entries.b.example", value: "nope" },
        ]);
        const ok = parseTopologyConfig(referenceConfig({ ...collections, frontends: [{ ...collections.frontends[0], routes: [{ paths: ["/x"], backend: "app" }] }], maps: [{ name: "hosts", entries: { "a.example": "app" } }] }));
        expect(ok.maps).to.deep.equal([{ name: "hosts", entries: { "a.example": "app" } }]);
        expect(ok.sections?.[0].type).to.equal("resolvers");
    });

    it("the bundle carries maps and error pages into their folders, length-prefixed like the certificates", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-bundle-maps-"));
        fs.mkdirSync(path.join(tmp, "certs"));
        const bundle = haproxyBundle("global\n", [], { maps: [{ name: "hosts", text: "a.example b\n" }], errorPages: [{ file: "fe-web-503.http", text: "<h1>x</h1>\nmap-evil.map 3\n" }] });
        const r = spawnSync("sh", ["-c", `set -eu\ndir="$1"\n${bundleParserScript()}\n`, "sh", tmp], { input: bundle, encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(tmp, "maps/hosts.map"), "utf8")).to.equal("a.example b\n");
        expect(fs.readFileSync(path.join(tmp, "errors/fe-web-503.http"), "utf8")).to.equal("<h1>x</h1>\nmap-evil.map 3\n");
        expect(() => haproxyBundle("g", [], { maps: [{ name: "../x", text: "" }] })).to.throw("cannot name a bundle entry");
    });
});
