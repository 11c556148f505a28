import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, HaproxyNodeArgs, OS_CHOICES, OsChoice } from "../../components";
import { familyOf, oldestHaproxy, versionAtLeast } from "../../components/os";
import { renderHaproxyConfig, TLS_PROFILE_SETTINGS, TlsProfile } from "../../components/render/haproxy";
import { mockedResources, setRenderMocks } from "../../scripts/renderStack";
import { commandsOf, fakeHaproxyHost, makeCertificates, resolved } from "./helpers";
import { RELOAD_FAILED_ROLLED_BACK } from "../../components/script/haproxyReload";

setRenderMocks();

const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
const certs = makeCertificates(["app.example", "api.example"]);

/** The two-service HTTPS stack of docs/frontends.md, for one OS choice. */
export function twoServiceArgs(family: OsChoice, pems: Record<string, pulumi.Input<string>> = certs.pems): HaproxyNodeArgs {
    const prometheus = versionAtLeast(oldestHaproxy(family).version, "2.0");
    return {
        os: family,
        connection: conn,
        address: "10.77.0.21",
        frontends: [
            {
                name: "https",
                binds: [{ address: "10.77.0.100", port: 443, tls: { certificates: ["app", "api"] } }],
                routes: [
                    { hosts: ["api.example"], backend: "api" },
                    { pathPrefixes: ["/api/"], backend: "api" },
                ],
                defaultBackend: "app",
                hsts: { maxAgeS: 31536000 },
                requestHeaders: [{ action: "set", name: "X-Forwarded-Proto", value: "https" }],
                responseHeaders: [{ action: "delete", name: "Server" }],
                timeouts: { httpKeepAliveMs: 5000 },
                maxconn: 2000,
            },
            { name: "http", binds: [{ address: "10.77.0.100", port: 80 }], redirectToHttps: true },
        ],
        backends: [
            {
                name: "app",
                servers: [{ name: "web1", address: "10.77.0.11", maxconn: 100 }],
                healthCheck: { path: "/", host: "app.example" },
                sticky: { cookie: "SRV" },
            },
            {
                name: "api",
                balance: "leastconn",
                servers: [{ name: "web2", address: "10.77.0.12" }, { name: "sorry", address: "10.77.0.13", backup: true }],
                healthCheck: { method: "HEAD", path: "/healthz", host: "api.example", expectStatus: 204, interMs: 1000 },
                timeouts: { queueMs: 5000, serverMs: 30000 },
            },
        ],
        certificates: [
            { name: "app", pem: pulumi.secret(pems["app.example"]) },
            { name: "api", pem: pulumi.secret(pems["api.example"]) },
        ],
        stats: { password: "p4ss", adminSources: ["10.77.0.0/24"], prometheus },
        logging: { target: "rsyslog" },
        runtimeApi: true,
    };
}

function run(cmd: string, args: string[], input?: string) {
    const r = spawnSync(cmd, args, { encoding: "utf8", input });
    if (r.error) throw new Error(`${cmd} is not installed: ${r.error.message}`);
    return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** haproxy -c on a rendered config with its certificates: what the bundle step checks on the host. */
function haproxyAccepts(config: string): { code: number | null; out: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-front-"));
    fs.mkdirSync(path.join(dir, "certs"));
    fs.writeFileSync(path.join(dir, "certs/app.pem"), certs.pems["app.example"]);
    fs.writeFileSync(path.join(dir, "certs/api.pem"), certs.pems["api.example"]);
    const file = path.join(dir, "haproxy.cfg");
    fs.writeFileSync(file, config.replace(/^ {4}crt-base .*$/m, `    crt-base ${dir}/certs`));
    return run("haproxy", ["-c", "-f", file]);
}

let n = 0;
describe("frontends, backends and certificates", () => {
    describe("the two-service HTTPS stack, per OS choice (the real haproxy -c; what tells the families apart)", () => {
        const configs = new Map<OsChoice, string>();
        const EL_STEPS = ["packages", "sysctl", "selinux", "logging", "firewall", "runtime-dir", "config", "service", "server-states"];
        const DEBIAN_STEPS = ["packages", "sysctl", "logging", "firewall", "config", "service", "server-states"];
        for (const family of OS_CHOICES) {
            it(`${family}: haproxy -c accepts it with the certificates; its sections in order, the family's steps, each parsing`, async () => {
                const node = new HaproxyNode(`front-${family}`, twoServiceArgs(family));
                const config = await resolved(node.configText);
                configs.set(family, config.replace(`node front-${family};`, "node NODE;"));
                const r = haproxyAccepts(config);
                expect(r.code, r.out).to.equal(0);
                // The only warning: 2.6 deprecates the Host header in `option httpchk`, which haproxy < 2.2 needs.
                const warnings = r.out.split("\n").filter((l) => l.includes("WARNING") && !l.includes("hiding headers or body at the end of the version string is deprecated"));
                expect(warnings, "haproxy warns about the rendered config").to.deep.equal([]);
                const prometheus = versionAtLeast(oldestHaproxy(family).version, "2.0");
                const sections = config.split("\n").filter((l) => /^[a-z]/.test(l));
                expect(sections).to.deep.equal(["global", "defaults", "frontend https", "frontend http", "backend app", "backend api", ...(prometheus ? ["userlist haproxy_ha_stats"] : []), "listen stats"]);

                const debianLike = familyOf(family) === "debian" || familyOf(family) === "ubuntu";
                expect(node.scripts.map((s) => s.step)).to.deep.equal(debianLike ? DEBIAN_STEPS : EL_STEPS);
                const step = (name: string) => node.scripts.find((s) => s.step === name)!.create;
                // rsyslog: EL (and auto, which may meet it) gets a drop-in for local2 over UDP; Debian's package ships the socket rule.
                if (debianLike) expect(step("logging")).to.not.include("48-haproxy-ha.conf");
                else expect(step("logging")).to.include("local2.* /var/log/haproxy.log\n& stop\n").and.include("target='/etc/rsyslog.d/48-haproxy-ha.conf'");
                expect(step("config")).to.include("bundle_refused").and.include('mkdir "$dir/certs"');
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-front-sh-"));
                const files = node.scripts.flatMap((s) => [["create", s.create], ["update", s.update], ["delete", s.delete]].filter(([, t]) => t).map(([a, t]) => {
                    const file = path.join(dir, `${s.step}.${a}.sh`);
                    fs.writeFileSync(file, t as string);
                    return file;
                }));
                const sh = spawnSync("sh", ["-c", 'for f; do sh -n "$f" || echo "sh -n fails: $f"; done', "sh", ...files], { encoding: "utf8" });
                expect(sh.stdout + sh.stderr).to.equal("");
            });
        }

        it("families on the same haproxy branch decisions render the same config: auto as centos7 (1.5), al2023 as el9, ubuntu as ubuntu2004 (2.0), every release from 2.2 on as debian; el9 and debian differ in the log target only", () => {
            expect(configs.size, "the per-family tests ran first").to.equal(OS_CHOICES.length);
            // Each config's second line names the version it was rendered for; the rest is what the version decided.
            const body = (c: OsChoice) => configs.get(c)!.replace(/^# Rendered for haproxy [^\n]*\n/m, "");
            expect(body("auto")).to.equal(body("centos7"));
            expect(body("al2023")).to.equal(body("el9"));
            expect(body("ubuntu")).to.equal(body("ubuntu2004"));
            for (const r of ["debian11", "debian12", "debian13", "ubuntu2204", "ubuntu2404"] as OsChoice[]) expect(body(r), r).to.equal(body("debian"));
            expect(body("el9").replace("log 127.0.0.1 local2\n", "log /dev/log local0\n")).to.equal(body("debian"));
        });
    });

    it("renders version-dependent directives for the oldest haproxy the node may meet", async () => {
        const text = async (family: OsChoice) => resolved(new HaproxyNode(`vers-${family}-${n++}`, twoServiceArgs(family)).configText);
        const c7 = await text("centos7");
        expect(c7).to.include("bind 10.77.0.100:443 ssl crt app.pem crt api.pem no-sslv3 no-tlsv10 no-tlsv11\n");
        expect(c7).to.include("option httpchk HEAD /healthz HTTP/1.1\\r\\nHost:\\ api.example");
        expect(c7).to.include("stats socket /run/haproxy/admin.sock mode 600 level admin\n").and.not.include("prometheus");
        expect(c7).to.include("log 127.0.0.1 local2");
        const el8 = await text("el8");
        expect(el8).to.include("crt api.pem alpn h2,http/1.1 ssl-min-ver TLSv1.2").and.include("expose-fd listeners").and.include("option httpchk HEAD /healthz HTTP/1.1");
        expect(el8).to.include("ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets\n").and.not.include("ciphersuites").and.not.include("http-check send").and.not.include("prometheus");
        const el9 = await text("el9");
        const suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
        expect(el9).to.include(`ssl-default-bind-ciphersuites ${suites}\n`).and.include(`ssl-default-server-ciphersuites ${suites}\n`).and.include("log 127.0.0.1 local2");
        expect(el9).to.include("option httpchk\n    http-check send meth GET uri / ver HTTP/1.1 hdr Host app.example\n");
        expect(el9).to.include("userlist haproxy_ha_stats\n    user admin insecure-password p4ss\n").and.include("http-request auth realm haproxy-ha if { path /metrics } !{ http_auth(haproxy_ha_stats) }");
        const deb = await text("debian");
        expect(deb).to.include("http-check send meth HEAD uri /healthz ver HTTP/1.1 hdr Host api.example").and.include("http-check expect status 204");
        expect(deb).to.include("log /dev/log local0").and.include("http-request use-service prometheus-exporter if { path /metrics }");
        expect(deb).to.include("bind 10.77.0.21:8404");
        expect(deb).to.match(/acl route0_host hdr\(host\) -i api\.example\n\s+acl route1_path path_beg \/api\/\n/);
        expect(deb.indexOf("http-request set-header")).to.be.below(deb.indexOf("redirect scheme"));
        expect(deb).to.match(/use_backend api if route0_host\n\s+use_backend api if route1_path\n\s+default_backend app/);
        expect(deb).to.include("redirect scheme https code 301 if !{ ssl_fc }").and.include("option forwardfor").and.include("timeout http-request 10000ms");
        expect(deb).to.include("server web1 10.77.0.11:80 check maxconn 100 cookie web1").and.include("cookie SRV insert indirect nocache");
        expect(await text("auto")).to.include("log 127.0.0.1 local2").and.include("no-tlsv11");
    });

    it("the Debian render passes haproxy -c for each further variant (tcp frontend, SNI-less single cert, TLSv1.3, no ALPN)", async () => {
        const base = twoServiceArgs("debian");
        const variants: Partial<HaproxyNodeArgs>[] = [
            { frontends: [{ name: "db", mode: "tcp", binds: [{ port: 3306 }], defaultBackend: "app" }], backends: [{ name: "app", servers: [{ name: "db1", address: "10.77.0.11", port: 3306 }] }], certificates: undefined },
            { frontends: [{ name: "https", binds: [{ port: 443, tls: { certificates: ["app"], minVersion: "TLSv1.3", alpn: false } }], defaultBackend: "app" }], backends: [base.backends![0]] },
        ];
        for (const v of variants) {
            const node = new HaproxyNode(`variant-${n++}`, { ...base, ...v });
            const config = await resolved(node.configText);
            const r = haproxyAccepts(config);
            expect(r.code, `${r.out}\n${config}`).to.equal(0);
        }
    });

    it("the shorthand args render exactly what they rendered before (no frontends key in sight)", async () => {
        const node = new HaproxyNode(`short-${n++}`, { os: "debian", connection: conn, servers: [{ name: "a", address: "10.77.0.11" }] });
        const config = await resolved(node.configText);
        expect(config).to.not.include("forwardfor").and.not.include("http-request").and.not.include("crt-base").and.not.include("stats socket");
    });

    it("certificates travel only inside the secret stdin bundle of the config step, never on a command line", async () => {
        const node = new HaproxyNode("secret-front", twoServiceArgs("debian"));
        const commands = await commandsOf("secret-front-", 6);
        expect(commands.map((c) => c.name.slice("secret-front-".length))).to.deep.equal(["packages", "sysctl", "logging", "firewall", "config", "service", "server-states"]);
        const keyLine = certs.pems["app.example"].split("\n").find((l, i, all) => i > 0 && all[i - 1].includes("PRIVATE KEY"))!;
        for (const c of commands) {
            for (const field of ["create", "update", "delete"]) expect(String(c.inputs[field] ?? ""), `${c.name}.${field}`).to.not.include(keyLine);
            if (c.name !== "secret-front-config") expect(JSON.stringify(c.inputs.stdin ?? "")).to.not.include(keyLine);
        }
        const config = commands.find((c) => c.name === "secret-front-config")!;
        // The engine sees the bundle as a secret (the mocks show its secret wrapper).
        const stdin = config.inputs.stdin as Record<string, string>;
        expect(stdin["4dabf18193072939515e22adb298388d"], "stdin is a secret").to.equal("1b47061264138c4ac30d75fd1eb44270");
        expect(stdin.value).to.include(keyLine).and.match(/^haproxy\.cfg \d+\n/).and.match(/\ncert-app\.pem \d+\n-----BEGIN CERTIFICATE-----/);
        expect(config.inputs.logging).to.equal("stderr");
        expect(await pulumi.isSecret(node.files)).to.equal(true);
        for (const f of (await resolved(node.files)).filter((x) => x.path.startsWith("/etc/haproxy/certs/"))) {
            expect(f.mode).to.equal("0600");
            expect(f.content).to.not.include("PRIVATE KEY");
        }
    });

    describe("bad input is refused before any host is touched, naming the field and value", () => {
        const base = () => twoServiceArgs("debian");
        const [a, b] = [certs.pems["app.example"], certs.pems["api.example"]];
        const keyOf = (pem: string) => pem.slice(pem.indexOf("-----BEGIN PRIVATE KEY-----"));
        const certOf = (pem: string) => pem.slice(0, pem.indexOf("-----BEGIN PRIVATE KEY-----"));
        const ROWS: [string, (x: HaproxyNodeArgs) => HaproxyNodeArgs, RegExp][] = [
            ["a route to a backend that does not exist", (x) => ({ ...x, frontends: [{ ...x.frontends![0], routes: [{ hosts: ["a.example"], backend: "app" }, { hosts: ["b.example"], backend: "nope" }] }, x.frontends![1]] }), /`frontends\[0\]\.routes\[1\]\.backend` is not a backend; backends are: app, api, got "nope"/],
            ["a default backend that does not exist", (x) => ({ ...x, frontends: [{ ...x.frontends![0], defaultBackend: "static" }] }), /`frontends\[0\]\.defaultBackend` is not a backend; backends are: app, api, got "static"/],
            ["two frontends on the same address:port", (x) => ({ ...x, frontends: [x.frontends![0], { ...x.frontends![1], binds: [{ address: "10.77.0.100", port: 443 }] }] }), /`frontends\[1\]\.binds\[0\]\.port` binds 10\.77\.0\.100:443, which frontends\[0\]\.binds\[0\] already binds/],
            ["a bind on * overlapping a VIP bind", (x) => ({ ...x, frontends: [x.frontends![0], { ...x.frontends![1], binds: [{ port: 443 }] }] }), /`frontends\[1\]\.binds\[0\]\.port` binds \*:443/],
            ["a certificate name used twice", (x) => ({ ...x, certificates: [x.certificates![0], { ...x.certificates![1], name: "app" }] }), /`certificates\[1\]\.name` must be unique, got "app"/],
            ["a TLS bind naming no known certificate", (x) => ({ ...x, frontends: [{ ...x.frontends![0], binds: [{ port: 443, tls: { certificates: ["www"] } }] }, x.frontends![1]] }), /`frontends\[0\]\.binds\[0\]\.tls\.certificates\[0\]` is not a certificate; certificates are: app, api, got "www"/],
            ["a PEM that does not parse", (x) => ({ ...x, certificates: [{ name: "app", pem: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n" + keyOf(a) }, x.certificates![1]] }), /`certificates\[0\]\.pem` holds a certificate that does not parse.*got "<hidden>"/],
            [
                "a PEM carrying a forged bundle entry after its key (issue 19)",
                (x) => ({ ...x, certificates: [{ name: "app", pem: a + "#### haproxy-ha file ../../../root/.ssh/authorized_keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostile attacker\n" }, x.certificates![1]] }),
                /HaproxyNode "bad-front-\d+": `certificates\[0\]\.pem` must hold only PEM blocks .* and whitespace, but holds other text.*got "<hidden>"$/,
            ],
            ["a line inside a PEM block that is not base64", (x) => ({ ...x, certificates: [{ name: "app", pem: a.replace("-----BEGIN PRIVATE KEY-----\n", "-----BEGIN PRIVATE KEY-----\nlua-load /tmp/x.lua\n") }, x.certificates![1]] }), /`certificates\[0\]\.pem` must hold only PEM blocks/],
            ["a certificate name with '..'", (x) => ({ ...x, certificates: [{ ...x.certificates![0], name: "a..b" }, x.certificates![1]], frontends: [{ ...x.frontends![0], binds: [{ port: 443, tls: { certificates: ["a..b"] } }] }, x.frontends![1]] }), /`certificates\[0\]\.name` must not hold '\.\.', got "a\.\.b"/],
            ["a PEM without a key", (x) => ({ ...x, certificates: [{ name: "app", pem: certOf(a) }, x.certificates![1]] }), /`certificates\[0\]\.pem` must hold exactly one PRIVATE KEY block \(found 0\)/],
            ["a key that does not match its certificate", (x) => ({ ...x, certificates: [{ name: "app", pem: certOf(a) + keyOf(b) }, x.certificates![1]] }), /`certificates\[0\]\.pem` holds a private key that does not match its first certificate/],
            ["the Prometheus endpoint on CentOS 7", (x) => ({ ...x, os: "centos7", stats: { prometheus: true } }), /`stats\.prometheus` needs the Prometheus exporter \(\/metrics\), which haproxy 2\.0 brought; centos7 ships haproxy 1\.5\.18/],
            ["the Prometheus endpoint on EL 8", (x) => ({ ...x, os: "el8", stats: { prometheus: true } }), /`stats\.prometheus` needs .*; el8 ships haproxy 1\.8/],
            ["the Prometheus endpoint with os auto", (x) => ({ ...x, os: "auto", stats: { prometheus: true } }), /`stats\.prometheus` needs .*os auto may meet centos7, whose haproxy is 1\.5\.18/],
            ["TLS 1.3 as the minimum on CentOS 7", (x) => ({ ...x, os: "centos7", frontends: [{ ...x.frontends![0], binds: [{ port: 443, tls: { certificates: ["app"], minVersion: "TLSv1.3" } }] }] }), /`frontends\[0\]\.binds\[0\]\.tls\.minVersion` needs TLS 1\.3, which haproxy 1\.8 brought; centos7 ships haproxy 1\.5\.18/],
            ["an unknown TLS version", (x) => ({ ...x, frontends: [{ ...x.frontends![0], binds: [{ port: 443, tls: { certificates: ["app"], minVersion: "SSLv3" } }] }] }), /`frontends\[0\]\.binds\[0\]\.tls\.minVersion` must be one of TLSv1\.0, TLSv1\.1, TLSv1\.2, TLSv1\.3, got "SSLv3"/],
            ["Host routing in a tcp frontend", (x) => ({ ...x, frontends: [{ ...x.frontends![0], mode: "tcp" }], backends: x.backends }), /`frontends\[0\]\.routes\[0\]` routes by Host header and path need `mode: http`/],
            ["a header value with a space", (x) => ({ ...x, frontends: [{ ...x.frontends![0], requestHeaders: [{ action: "set", name: "X-A", value: "a b" }] }, x.frontends![1]] }), /`frontends\[0\]\.requestHeaders\[0\]\.value` must be one word.*got "a b"/],
            ["a header action other than set/delete", (x) => ({ ...x, frontends: [{ ...x.frontends![0], responseHeaders: [{ action: "add", name: "X-A", value: "1" }] }, x.frontends![1]] }), /`frontends\[0\]\.responseHeaders\[0\]\.action` must be one of set, delete, got "add"/],
            ["a route host with a shell command", (x) => ({ ...x, frontends: [{ ...x.frontends![0], routes: [{ hosts: ["$(reboot)"], backend: "api" }] }, x.frontends![1]] }), /`frontends\[0\]\.routes\[0\]\.hosts\[0\]` must be a host name.*got "\$\(reboot\)"/],
            ["a health-check Host with a space", (x) => ({ ...x, backends: [{ ...x.backends![0], healthCheck: { host: "a b" } }, x.backends![1]] }), /`backends\[0\]\.healthCheck\.host` must be a host name.*got "a b"/],
            ["a frontend that sends requests nowhere", (x) => ({ ...x, frontends: [{ name: "x", binds: [{ port: 8080 }] }] }), /`frontends\[0\]\.defaultBackend` must be set/],
            ["shorthand mixed with collections", (x) => ({ ...x, servers: [{ name: "a", address: "10.77.0.11" }] }), /`servers` is shorthand for one frontend and backend/],
            ["a backend fed by an http and a tcp frontend", (x) => ({ ...x, frontends: [x.frontends![0], { name: "raw", mode: "tcp", binds: [{ port: 9000 }], defaultBackend: "app" }] }), /`frontends\[1\]\.mode` is tcp, but frontends\[0\] \(http\) also sends to backend "app"/],
            ["an admin source that is no CIDR", (x) => ({ ...x, stats: { adminSources: ["10.0.0.0"] } }), /`stats\.adminSources\[0\]` must be an address with its prefix length.*got "10\.0\.0\.0"/],
            ["a stats port a frontend binds", (x) => ({ ...x, stats: { port: 443 } }), /`stats\.port` must differ from every frontend bind's port, got 443/],
            ["a sticky cookie with a semicolon", (x) => ({ ...x, backends: [{ ...x.backends![0], sticky: { cookie: "a;b" } }, x.backends![1]] }), /`backends\[0\]\.sticky\.cookie` must be a cookie name.*got "a;b"/],
            ["an unknown logging target", (x) => ({ ...x, logging: { target: "syslog-ng" } }), /`logging\.target` must be one of devlog, rsyslog, got "syslog-ng"/],
        ];
        for (const [what, change, message] of ROWS) {
            it(`refuses ${what}`, async () => {
                const before = mockedResources.filter((r) => r.type === "command:remote:Command").length;
                const args = change(base());
                // Plain PEMs are checked at construction (secret Outputs when they resolve, before any step runs).
                if (args.certificates) args.certificates = args.certificates.map((c) => ({ ...c, pem: typeof c.pem === "string" ? c.pem : certs.pems[c.name === "app" ? "app.example" : "api.example"] }));
                expect(() => new HaproxyNode(`bad-front-${n++}`, args)).to.throw(message);
                await new Promise((r) => setTimeout(r, 20));
                expect(mockedResources.filter((r) => r.type === "command:remote:Command").length, "a remote command was created").to.equal(before);
            });
        }

        it("a bad PEM given as a secret Output fails every step's connection, so no step runs", async () => {
            const args = base();
            args.certificates = [{ name: "app", pem: pulumi.secret(certOf(a)) }, args.certificates![1]];
            const node = new HaproxyNode(`bad-secret-${n++}`, args);
            const error = await new Promise<unknown>((resolve) => {
                process.once("unhandledRejection", resolve);
                setTimeout(() => resolve(undefined), 2000);
            });
            expect(String(error)).to.match(/`certificates\[0\]\.pem` must hold exactly one PRIVATE KEY block/);
            expect(String(error)).to.not.include("BEGIN CERTIFICATE");
            void node;
        });
    });

    it("every rendered script of the collections passes sh -n and shellcheck", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-front-scripts-"));
        const files: string[] = [];
        for (const family of OS_CHOICES) {
            const node = new HaproxyNode(`sc-${family}-${n++}`, twoServiceArgs(family));
            for (const s of node.scripts) {
                for (const [action, text] of [["create", s.create], ["update", s.update], ["delete", s.delete]] as const) {
                    if (text === undefined) continue;
                    const file = path.join(dir, `${family}-${s.step}.${action}.sh`);
                    fs.writeFileSync(file, text);
                    files.push(file);
                    const r = run("sh", ["-n", file]);
                    expect(r.code, `${path.basename(file)}: ${r.out}`).to.equal(0);
                }
            }
        }
        const r = run("shellcheck", ["-s", "sh", "-f", "gcc", ...files]);
        expect(r.out).to.equal("");
    });
});

describe("TLS profiles (Mozilla server-side TLS, guideline 5.7)", () => {
    const INTERMEDIATE = TLS_PROFILE_SETTINGS.intermediate.ciphers.join(":");
    const SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
    const withProfile = (family: OsChoice, tlsProfile?: string, minVersion?: string): HaproxyNodeArgs => {
        const x = twoServiceArgs(family);
        const tls = { certificates: ["app", "api"], ...(minVersion ? { minVersion } : {}) };
        return { ...x, frontends: [{ ...x.frontends![0], binds: [{ address: "10.77.0.100", port: 443, tls }], ...(tlsProfile ? { tlsProfile } : {}) }, x.frontends![1]] };
    };
    const render = (args: HaproxyNodeArgs) => resolved(new HaproxyNode(`tls-${n++}`, args).configText);

    it("a frontend that sets nothing gets intermediate: the global carries its ciphers, the TLS 1.3 suites, TLS 1.2 as the floor, no tickets, DH 2048", async () => {
        const config = await render(withProfile("debian"));
        expect(config).to.include(`    ssl-default-bind-ciphers ${INTERMEDIATE}\n`);
        expect(config).to.include(`    ssl-default-bind-ciphersuites ${SUITES}\n`);
        expect(config).to.include("    ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets\n");
        expect(config).to.include("    tune.ssl.default-dh-param 2048\n");
        expect(config).to.include("bind 10.77.0.100:443 ssl crt app.pem crt api.pem alpn h2,http/1.1 ssl-min-ver TLSv1.2\n");
        const body = (c: string) => c.slice(c.indexOf("\n"));
        expect(body(await render(withProfile("debian", "intermediate")))).to.equal(body(config));
        expect(INTERMEDIATE.split(":").every((c) => /^(ECDHE|DHE)-.*(GCM|CHACHA20-POLY1305)/.test(c)), "a suite without forward secrecy or AEAD").to.equal(true);
    });

    // What each haproxy version gets (1.5: centos7 and os auto; 1.8: el8; 2.6: debian), each passing the real haproxy -c here.
    const TABLE: [OsChoice, TlsProfile, string[], string[]][] = [
        ["centos7", "intermediate", [`ssl-default-bind-ciphers ${INTERMEDIATE}\n`, "ssl-default-bind-options no-sslv3 no-tlsv10 no-tlsv11 no-tls-tickets\n", "crt api.pem no-sslv3 no-tlsv10 no-tlsv11\n"], ["ciphersuites", "ssl-min-ver", "alpn"]],
        ["centos7", "old", ["ssl-default-bind-options no-sslv3 no-tls-tickets\n", `crt api.pem no-sslv3 ciphers ${TLS_PROFILE_SETTINGS.old.ciphers.join(":")}\n`], ["ciphersuites", "SECLEVEL", "no-tlsv10"]],
        ["auto", "intermediate", ["ssl-default-bind-options no-sslv3 no-tlsv10 no-tlsv11 no-tls-tickets\n"], ["ciphersuites"]],
        ["el8", "intermediate", ["ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets\n", "alpn h2,http/1.1 ssl-min-ver TLSv1.2\n"], ["ciphersuites", "no-tlsv1"]],
        ["el8", "modern", ["ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets\n", "alpn h2,http/1.1 ssl-min-ver TLSv1.3\n"], ["ciphersuites"]],
        ["el8", "old", ["ssl-default-bind-options ssl-min-ver TLSv1.0 no-tls-tickets\n", "ssl-min-ver TLSv1.0 ciphers ECDHE-ECDSA-AES128-GCM-SHA256:", ":DES-CBC3-SHA:@SECLEVEL=0\n"], ["ciphersuites"]],
        ["debian", "modern", [`ssl-default-bind-ciphersuites ${SUITES}\n`, "ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets\n", "ssl-min-ver TLSv1.3\n"], [" ciphers "]],
        ["debian", "old", [`ssl-default-bind-ciphers ${INTERMEDIATE}\n`, "ssl-min-ver TLSv1.0 ciphers ", ":@SECLEVEL=0\n"], []],
    ];
    for (const [family, profile, present, absent] of TABLE) {
        it(`${family}, ${profile}: renders the profile for haproxy ${oldestHaproxy(family).version}, and haproxy -c accepts it without a warning`, async () => {
            const config = await render(withProfile(family, profile));
            for (const p of present) expect(config).to.include(p);
            for (const a of absent) expect(config).to.not.include(a);
            expect(config.match(/no-tls-tickets/g)?.length, "no-tls-tickets for binds and servers").to.equal(2);
            const r = haproxyAccepts(config);
            expect(r.code, r.out).to.equal(0);
            const warnings = r.out.split("\n").filter((l) => l.includes("WARNING") && !l.includes("hiding headers or body at the end of the version string is deprecated"));
            expect(warnings, "haproxy warns about the rendered config").to.deep.equal([]);
        });
    }

    it("configs without a TLS bind get no TLS line in global (the seed's stays byte-identical)", async () => {
        const x = twoServiceArgs("debian");
        const config = await render({ ...x, frontends: [x.frontends![1], { name: "plain", binds: [{ port: 8080 }], defaultBackend: "app" }], certificates: undefined });
        expect(config).to.not.include("ssl-default").and.not.include("tune.ssl").and.not.include("crt-base");
    });

    const BAD: [string, HaproxyNodeArgs, RegExp][] = [
        ["TLS 1.0 with the default profile", withProfile("debian", undefined, "TLSv1.0"), /`frontends\[0\]\.binds\[0\]\.tls\.minVersion` is below the intermediate TLS profile's TLSv1\.2: set the frontend's `tlsProfile: old` to allow TLS below 1\.2.*got "TLSv1\.0"/],
        ["TLS 1.1 with intermediate", withProfile("debian", "intermediate", "TLSv1.1"), /is below the intermediate TLS profile's TLSv1\.2.*got "TLSv1\.1"/],
        ["TLS 1.2 with modern", withProfile("debian", "modern", "TLSv1.2"), /`frontends\[0\]\.binds\[0\]\.tls\.minVersion` is below the modern TLS profile's TLSv1\.3: modern is TLS 1\.3 only.*got "TLSv1\.2"/],
        ["modern on CentOS 7", withProfile("centos7", "modern"), /`frontends\[0\]\.tlsProfile` needs TLS 1\.3, which haproxy 1\.8 brought; centos7 ships haproxy 1\.5\.18, got "modern"/],
        ["modern with os auto", withProfile("auto", "modern"), /`frontends\[0\]\.tlsProfile` needs TLS 1\.3.*os auto may meet centos7/],
        ["an unknown profile", withProfile("debian", "strict"), /`frontends\[0\]\.tlsProfile` must be one of modern, intermediate, old, got "strict"/],
        ["a profile on a frontend without TLS", (() => { const x = twoServiceArgs("debian"); return { ...x, frontends: [x.frontends![0], { ...x.frontends![1], tlsProfile: "modern" }] }; })(), /`frontends\[1\]\.tlsProfile` applies to TLS binds, and this frontend has none.*got "modern"/],
    ];
    for (const [what, args, message] of BAD) {
        it(`refuses ${what} before any host is touched`, async () => {
            const before = mockedResources.filter((r) => r.type === "command:remote:Command").length;
            expect(() => new HaproxyNode(`tls-bad-${n++}`, args)).to.throw(message);
            await new Promise((r) => setTimeout(r, 20));
            expect(mockedResources.filter((r) => r.type === "command:remote:Command").length, "a remote command was created").to.equal(before);
        });
    }
    it("old allows TLS 1.0 on explicit request; intermediate with TLS 1.3 as the minimum is fine", async () => {
        expect(await render(withProfile("debian", "old", "TLSv1.0"))).to.include("ssl-min-ver TLSv1.0 ciphers");
        expect(await render(withProfile("debian", undefined, "TLSv1.3"))).to.include("alpn h2,http/1.1 ssl-min-ver TLSv1.3\n");
    });

    describe("what a client sees: the real haproxy on loopback, scanned with sslscan", function () {
        this.timeout(120_000);
        const children: ChildProcess[] = [];
        after(() => {
            for (const c of children) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid);
        });
        /** Runs haproxy in the foreground with one TLS bind on 127.0.0.1 and the given global (rendered for 2.6, this machine's). */
        const serve = async (profile: TlsProfile | "none"): Promise<number> => {
            const port = 20000 + Math.floor(Math.random() * 20000);
            let config = renderHaproxyConfig({
                nodeName: "t",
                haproxyVersion: "2.6",
                mode: "http",
                frontends: [{ name: "f", mode: "http", binds: [{ address: "127.0.0.1", port, tls: { certificates: ["app"], minVersion: TLS_PROFILE_SETTINGS[profile === "none" ? "intermediate" : profile].minVersion, alpn: true, profile: profile === "none" ? "intermediate" : profile } }], defaultBackend: "b" }],
                backends: [{ name: "b", mode: "http", balance: "roundrobin", healthCheck: { path: "/", interMs: 60000, rise: 1, fall: 1 }, servers: [{ name: "s", address: "127.0.0.1", port: 9 }] }],
                timeouts: { connectMs: 1000, clientMs: 5000, serverMs: 5000 },
                maxconn: 100,
            }).replace(/^ {4}daemon\n/m, "");
            // "none": what the library rendered before, a global without TLS defaults (the control).
            if (profile === "none") config = config.replace(/^ {4}(ssl-default|tune\.ssl).*\n/gm, "");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-tls-"));
            fs.writeFileSync(path.join(dir, "app.pem"), certs.pems["app.example"]);
            fs.writeFileSync(path.join(dir, "haproxy.cfg"), config.replace(/^ {4}crt-base .*$/m, `    crt-base ${dir}`));
            const child = spawn("haproxy", ["-f", path.join(dir, "haproxy.cfg")], { stdio: "ignore" });
            children.push(child);
            for (let i = 0; i < 50; i++) {
                if (run("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`]).code === 0) return port;
                await new Promise((r) => setTimeout(r, 100));
            }
            throw new Error(`haproxy did not listen on 127.0.0.1:${port}`);
        };
        const scan = (port: number) => {
            const raw = run("sslscan", ["--no-colour", "--xml=-", `127.0.0.1:${port}`]).out;
            const protocols = [...raw.matchAll(/<protocol type="(ssl|tls)" version="([\d.]+)" enabled="1"/g)].map((m) => `${m[1] === "ssl" ? "SSLv" : "TLSv"}${m[2]}`);
            const suites = [...raw.matchAll(/<cipher status="(?:accepted|preferred)" sslversion="([^"]+)"[^>]* cipher="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
            return { protocols, suites };
        };
        const ticket = (port: number) => run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_2"], "").out;
        const RSA_INTERMEDIATE = TLS_PROFILE_SETTINGS.intermediate.ciphers.filter((c) => !c.includes("ECDSA"));

        it("before (no TLS defaults in global): sslscan sees suites without forward secrecy and CBC, and a session ticket (the check can fail)", async () => {
            const port = await serve("none");
            const { suites } = scan(port);
            expect(suites).to.include("TLSv1.2 AES256-GCM-SHA384").and.include("TLSv1.2 ECDHE-RSA-AES128-SHA");
            expect(ticket(port)).to.match(/TLS session ticket/);
        });

        it("intermediate: TLS 1.2 and 1.3 only, exactly the list's suites (RSA certificate), no session ticket", async () => {
            const port = await serve("intermediate");
            const { protocols, suites } = scan(port);
            expect(protocols).to.deep.equal(["TLSv1.2", "TLSv1.3"]);
            expect(suites.filter((s) => s.startsWith("TLSv1.2")).map((s) => s.split(" ")[1]).sort()).to.deep.equal([...RSA_INTERMEDIATE].sort());
            expect(suites.filter((s) => s.startsWith("TLSv1.3")).length).to.equal(3);
            const hs = ticket(port);
            // A failed handshake still prints "Protocol : TLSv1.2": the negotiated cipher tells it succeeded.
            expect(hs).to.match(/New, TLSv1\.2, Cipher is ECDHE-RSA-/).and.not.match(/TLS session ticket/);
        });

        it("modern: TLS 1.3 only; old: TLS 1.0 to 1.3 (OpenSSL 3 needs @SECLEVEL=0 for 1.0/1.1), CBC suites in TLS 1.0", async () => {
            expect(scan(await serve("modern")).protocols).to.deep.equal(["TLSv1.3"]);
            const old = scan(await serve("old"));
            expect(old.protocols).to.deep.equal(["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]);
            expect(old.suites).to.include("TLSv1.0 ECDHE-RSA-AES128-SHA");
        });
    });
});

describe("stack config: haproxy-ha:frontends, backends, certificates", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { parseTopologyConfig, buildTopology } = require("../../components") as typeof import("../../components");
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { referenceConfig } = require("./fixtures") as typeof import("./fixtures");
    const stack = (overrides: Record<string, unknown> = {}) =>
        referenceConfig({
            os: "debian",
            frontends: [
                { name: "https", binds: [{ address: "172.20.30.69", port: 443, tls: { certificates: ["app"] } }], routes: [{ hosts: ["api.example"], backend: "api" }], defaultBackend: "app" },
                { name: "http", binds: [{ address: "172.20.30.69", port: 80 }], redirectToHttps: true },
            ],
            backends: [
                { name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] },
                { name: "api", servers: [{ name: "www2", address: "172.20.30.16" }] },
            ],
            certificates: [{ name: "app", pem: certs.pems["app.example"] }],
            logging: "rsyslog",
            runtimeApi: true,
            stats: { adminSources: ["172.20.30.0/24"], prometheus: true },
            ...overrides,
        });
    const ROWS: [string, Record<string, unknown>, RegExp][] = [
        ["a route to a backend that does not exist", { frontends: [{ name: "https", binds: [{ port: 443 }], routes: [{ hosts: ["a.example"], backend: "nope" }], defaultBackend: "app" }] }, /stack config: `haproxy-ha:frontends\[0\]\.routes\[0\]\.backend` is not a backend; backends are: app, api, got "nope"/],
        ["two frontends on the same address:port", { frontends: [{ name: "a", binds: [{ port: 80 }], defaultBackend: "app" }, { name: "b", binds: [{ port: 80 }], defaultBackend: "api" }] }, /`haproxy-ha:frontends\[1\]\.binds\[0\]\.port` binds \*:80, which haproxy-ha:frontends\[0\]\.binds\[0\] already binds/],
        ["a certificate name used twice", { certificates: [{ name: "app", pem: certs.pems["app.example"] }, { name: "app", pem: certs.pems["api.example"] }] }, /`haproxy-ha:certificates\[1\]\.name` must be unique, got "app"/],
        ["a PEM that is no PEM", { certificates: [{ name: "app", pem: "garbage" }] }, /`haproxy-ha:certificates\[0\]\.pem` must hold only PEM blocks .*got "<hidden>"/],
        ["a PEM with no block", { certificates: [{ name: "app", pem: certs.pems["app.example"].slice(certs.pems["app.example"].indexOf("-----BEGIN PRIVATE KEY-----")) }] }, /`haproxy-ha:certificates\[0\]\.pem` holds no CERTIFICATE block, got "<hidden>"/],
        [
            "a PEM carrying a forged bundle entry (issue 19)",
            { certificates: [{ name: "app", pem: certs.pems["app.example"] + "#### haproxy-ha file haproxy.cfg\nglobal\n    lua-load /tmp/x.lua\n" }] },
            /^stack config: `haproxy-ha:certificates\[0\]\.pem` must hold only PEM blocks .*got "<hidden>"$/,
        ],
        ["a misspelt key in a frontend", { frontends: [{ name: "a", binds: [{ port: 80 }], defaultBackned: "app" }] }, /`haproxy-ha:frontends\[0\]\.defaultBackned` is unknown \(did you mean `haproxy-ha:frontends\[0\]\.defaultBackend`\?\), got "app"/],
        ["a misspelt health-check key", { backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }], healthCheck: { hots: "app.example" } }, { name: "api", servers: [{ name: "www2", address: "172.20.30.16" }] }] }, /`haproxy-ha:backends\[0\]\.healthCheck\.hots` is unknown \(did you mean `haproxy-ha:backends\[0\]\.healthCheck\.host`\?\), got "app\.example"/],
        ["the shorthand port with collections", { port: 8080 }, /`haproxy-ha:port` is shorthand for one frontend and backend/],
        ["a Prometheus switch that is no boolean", { stats: { prometheus: "yes" } }, /stack config: `haproxy-ha:stats\.prometheus` must be true or false, got "yes"/],
        ["a TLS profile that does not exist", { frontends: [{ name: "https", binds: [{ port: 443, tls: { certificates: ["app"] } }], defaultBackend: "app", tlsProfile: "paranoid" }] }, /stack config: `haproxy-ha:frontends\[0\]\.tlsProfile` must be one of modern, intermediate, old, got "paranoid"/],
        ["TLS 1.0 without tlsProfile old", { frontends: [{ name: "https", binds: [{ port: 443, tls: { certificates: ["app"], minVersion: "TLSv1.0" } }], defaultBackend: "app" }] }, /stack config: `haproxy-ha:frontends\[0\]\.binds\[0\]\.tls\.minVersion` is below the intermediate TLS profile's TLSv1\.2: set the frontend's `tlsProfile: old`/],
        ["Prometheus on CentOS 7", { os: "centos7", frontends: [{ name: "a", binds: [{ port: 80 }], defaultBackend: "app" }], certificates: [] }, /stack config: `haproxy-ha:stats\.prometheus` needs the Prometheus exporter.*centos7 ships haproxy 1\.5\.18/],
    ];
    for (const [what, overrides, message] of ROWS) {
        it(`refuses ${what}`, () => {
            expect(() => buildTopology(parseTopologyConfig(stack(overrides)), "key")).to.throw(message);
        });
    }

    it("builds both balancers from the collections: the stats page on each balancer's own address", async () => {
        const topology = buildTopology(parseTopologyConfig(stack()), "key");
        const [hk1, hk2] = await Promise.all(topology.balancers.map((b) => resolved(b.configText)));
        expect(hk1).to.include("bind 172.20.30.69:443 ssl crt app.pem").and.include("bind 172.20.30.25:8404").and.include("use_backend api if route0_host");
        expect(hk2).to.include("bind 172.20.30.26:8404").and.include("stats socket /run/haproxy/admin.sock");
    });

    it("haproxy-ha:frontends[].tlsProfile reaches the balancers' configs (modern: TLS 1.3 as every floor)", async () => {
        const s = stack();
        const frontends = s.frontends as Record<string, unknown>[];
        const topology = buildTopology(parseTopologyConfig({ ...s, frontends: [{ ...frontends[0], tlsProfile: "modern" }, frontends[1]] }), "key");
        const hk1 = await resolved(topology.balancers[0].configText);
        expect(hk1).to.include("ssl-default-bind-options ssl-min-ver TLSv1.3 no-tls-tickets").and.include("bind 172.20.30.69:443 ssl crt app.pem alpn h2,http/1.1 ssl-min-ver TLSv1.3\n");
    });
});

describe("the stats port in the host firewall", () => {
    it("with the collections and no adminSources, the stats port is opened to nobody; with adminSources to those CIDRs only", () => {
        const args = twoServiceArgs("el9");
        const none = new HaproxyNode(`fw-none-${n++}`, { ...args, stats: { password: "p4ss" } });
        const firewallOf = (node: HaproxyNode) => node.scripts.find((s) => s.step === "firewall")!.create;
        expect(firewallOf(none)).to.include("'443/tcp'").and.include("'80/tcp'").and.not.include("8404");
        const some = new HaproxyNode(`fw-some-${n++}`, args);
        expect(firewallOf(some)).to.include(`source address="10.77.0.0/24" port port="8404" protocol="tcp" accept`).and.not.include("'8404/tcp'");
    });

    it("the shorthand no longer opens the stats port to every source: to nobody without adminSources, to those CIDRs with them", () => {
        const firewallOf = (node: HaproxyNode) => node.scripts.find((s) => s.step === "firewall")!.create;
        const none = new HaproxyNode(`fw-short-${n++}`, { os: "el9", connection: conn, servers: [{ name: "a", address: "10.77.0.11" }], stats: {} });
        expect(firewallOf(none)).to.include("'80/tcp'").and.not.include("8404");
        const some = new HaproxyNode(`fw-short-${n++}`, { os: "el9", connection: conn, servers: [{ name: "a", address: "10.77.0.11" }], stats: { adminSources: ["2001:db8::/32"] } });
        expect(firewallOf(some)).to.include(`rule family="ipv6" source address="2001:db8::/32" port port="8404" protocol="tcp" accept`).and.not.include("'8404/tcp'");
    });
});

describe("the config step with certificates, run for real in a private mount namespace", function () {
    this.timeout(60_000);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { haproxyBundle } = require("../../components/script/haproxySteps") as typeof import("../../components/script/haproxySteps");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-bundle-"));
    for (const d of ["etc", "var"]) fs.mkdirSync(path.join(root, d));
    /** Runs `script` with /etc/haproxy and /var/lib replaced by folders of this test (nothing of this machine is touched). */
    const runIsolated = (script: string, stdin: string, env?: NodeJS.ProcessEnv) => {
        const wrapper = `mount --bind ${root}/etc /etc/haproxy && mount --bind ${root}/var /var/lib && exec sh -c "$1"`;
        const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", wrapper, "sh", script], { input: stdin, encoding: "utf8", env });
        return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
    };
    const mode = (f: string) => (fs.statSync(path.join(root, f)).mode & 0o777).toString(8);
    let node: HaproxyNode;
    let config: string;

    before(async function () {
        if (spawnSync("unshare", ["-m", "true"]).status !== 0) this.skip();
        // The release of the machine running the tests: its haproxy is the one the config is checked against.
        node = new HaproxyNode(`bundle-${n++}`, twoServiceArgs("debian12"));
        config = await resolved(node.configText);
    });
    const step = () => node.scripts.find((s) => s.step === "config")!;
    const appOnly = () => config.replace(" crt api.pem", "");

    it("installs config and certificates after validating them together; certificates 0600 in a 0700 folder", () => {
        const r = runIsolated(step().create, haproxyBundle(config, [{ name: "app", pem: certs.pems["app.example"] }, { name: "api", pem: certs.pems["api.example"] }]));
        expect(r.code, r.out).to.equal(0);
        expect(fs.readFileSync(path.join(root, "etc/haproxy.cfg"), "utf8")).to.equal(config);
        expect(fs.readFileSync(path.join(root, "etc/certs/api.pem"), "utf8")).to.equal(certs.pems["api.example"]);
        expect([mode("etc/certs"), mode("etc/certs/app.pem"), mode("etc/certs/api.pem"), mode("etc/haproxy.cfg")]).to.deep.equal(["700", "600", "600", "640"]);
        expect(fs.readFileSync(path.join(root, "var/haproxy-ha/haproxy-certs"), "utf8")).to.equal("api.pem\napp.pem\n");
    });

    it("an invalid candidate set replaces nothing: a directive haproxy rejects, with a new certificate", () => {
        const before = ["etc/haproxy.cfg", "etc/certs/app.pem"].map((f) => fs.readFileSync(path.join(root, f), "utf8"));
        const bad = appOnly().replace("    default_backend app\n", "    default_backend app\n    no-such-directive 1\n");
        const r = runIsolated(step().create, haproxyBundle(bad, [{ name: "app", pem: certs.pems["api.example"] }]));
        expect(r.code).to.not.equal(0);
        expect(r.out).to.include("haproxy rejected the new config; the old one stays");
        expect(["etc/haproxy.cfg", "etc/certs/app.pem"].map((f) => fs.readFileSync(path.join(root, f), "utf8"))).to.deep.equal(before);
        expect(fs.existsSync(path.join(root, "etc/certs/api.pem"))).to.equal(true);
    });

    it("a certificate the new set no longer has is removed; one that did not change is left alone", () => {
        const r = runIsolated(step().create, haproxyBundle(appOnly(), [{ name: "app", pem: certs.pems["app.example"] }]));
        expect(r.code, r.out).to.equal(0);
        expect(r.out).to.include("removed: /etc/haproxy/certs/api.pem").and.not.include("installed: /etc/haproxy/certs/app.pem");
        expect(fs.readdirSync(path.join(root, "etc/certs"))).to.deep.equal(["app.pem"]);
    });

    it("a set haproxy does not load at reload (no new worker) puts back the previous certificates, manifest, config and wanted copy", () => {
        const files = () =>
            Object.fromEntries(
                ["etc/haproxy.cfg", "var/haproxy-ha/haproxy-certs", "var/haproxy-ha/wanted/etc/haproxy/haproxy.cfg", ...fs.readdirSync(path.join(root, "etc/certs")).map((f) => `etc/certs/${f}`)].map((f) => [
                    f,
                    fs.readFileSync(path.join(root, f), "utf8"),
                ]),
            );
        const before = files();
        expect(Object.keys(before)).to.include("etc/certs/app.pem").and.not.include("etc/certs/api.pem");
        // The fake haproxy forks no new worker for a config holding "bad": passes haproxy -c, cannot run.
        const host = fakeHaproxyHost({ active: true, config: "", configPath: "/etc/haproxy/haproxy.cfg" });
        const candidate = config.replace("    default_backend app\n", "    default_backend app\n    # bad: a port another process holds\n");
        const r = runIsolated(step().update!, haproxyBundle(candidate, [{ name: "app", pem: certs.pems["api.example"] }, { name: "api", pem: certs.pems["api.example"] }]), host.env);
        expect(r.code, r.out).to.equal(1);
        expect(r.out).to.include(RELOAD_FAILED_ROLLED_BACK).and.include("cannot bind socket");
        expect(host.reloads()).to.equal(2);
        expect(files()).to.deep.equal(before);
        expect([mode("etc/certs/app.pem"), mode("etc/haproxy.cfg")]).to.deep.equal(["600", "640"]);
        expect(fs.readdirSync(path.join(root, "etc")).filter((f) => f.startsWith(".")), "temporary files left").to.deep.equal([]);
    });

    it("destroy removes the certificates and the config it installed", () => {
        const r = runIsolated(step().delete.replace(/^if systemctl is-active.*$/m, ":"), "");
        expect(r.code, r.out).to.equal(0);
        expect(fs.readdirSync(path.join(root, "etc")).filter((f) => !f.startsWith("."))).to.deep.equal([]);
        expect(fs.existsSync(path.join(root, "var/haproxy-ha"))).to.equal(false);
    });
});
