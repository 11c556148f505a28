import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { buildTopology, HaproxyNode, HaproxyNodeArgs, parseTopologyConfig } from "../../components";
import { certificateWarnings, checkCertificatePem, pemChecks, sanCovers, SECRET_PLACEHOLDER } from "../../components/certificates";
import { bundleParserScript, haproxyBundle } from "../../components/script/haproxySteps";
import { setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { makeCertificates, makeDatedCertificate, resolved } from "./helpers";

setRenderMocks();

const certs = makeCertificates(["app.example"]);
const pem = certs.pems["app.example"];
const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
let n = 0;

/** One TLS frontend routing `hosts`, with the certificate `app`. */
function tlsArgs(appPem: pulumi.Input<string>, hosts: string[] = ["app.example"]): HaproxyNodeArgs {
    return {
        os: "debian",
        connection: conn,
        frontends: [{ name: "https", binds: [{ address: "10.77.0.100", port: 443, tls: { certificates: ["app"] } }], routes: [{ hosts, backend: "app" }], defaultBackend: "app" }],
        backends: [{ name: "app", servers: [{ name: "web1", address: "10.77.0.11" }] }],
        certificates: [{ name: "app", pem: appPem }],
    };
}

/** The warnings the components log while `build` runs and its outputs resolve. */
async function warningsOf(build: () => pulumi.Output<unknown>[]): Promise<string[]> {
    const seen: string[] = [];
    const log = pulumi.log as { warn: (msg: string, resource?: pulumi.Resource) => Promise<void> };
    const original = log.warn;
    log.warn = async (msg: string) => {
        seen.push(msg);
    };
    try {
        await Promise.all(build().map((o) => resolved(o)));
        // The warnings are logged in the PEMs' apply, which the config step's stdin waits for.
        await new Promise((r) => setTimeout(r, 200));
    } finally {
        log.warn = original;
    }
    return seen;
}

describe("certificate input: only PEM blocks and whitespace (issue 19, item 1)", () => {
    const hostile = pem + "#### haproxy-ha file ../../../root/.ssh/authorized_keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostile attacker@example\n";

    it("refuses the PEM that carries a forged bundle entry after its key, naming the key and quoting nothing of it", () => {
        let message = "";
        try {
            checkCertificatePem('HaproxyNode "hk1"', "certificates[0].pem", hostile);
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).to.match(/^HaproxyNode "hk1": `certificates\[0\]\.pem` must hold only PEM blocks/).and.match(/got "<hidden>"$/);
        expect(message).to.not.include("authorized_keys").and.not.include("AAAA").and.not.include("####");
    });

    it("refuses it in a component at construction, before any command exists", () => {
        expect(() => new HaproxyNode(`hostile-${n++}`, tlsArgs(hostile))).to.throw(/`certificates\[0\]\.pem` must hold only PEM blocks/);
        // Stack config (naming `haproxy-ha:certificates[0].pem`): frontends.test.ts, "stack config" rows.
    });

    it("refuses text before the first block, a non-base64 line inside a block, and an encrypted legacy key", () => {
        const cases = [
            "Bag Attributes\n    localKeyID: 01\n" + pem,
            pem.replace("-----BEGIN CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\n#### haproxy-ha file haproxy.cfg\n"),
        ];
        for (const c of cases) expect(() => checkCertificatePem("w", "pem", c)).to.throw(/`pem` must hold only PEM blocks/);
        const legacy = pem.replace(/-----BEGIN PRIVATE KEY-----[\s\S]*$/, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        expect(() => checkCertificatePem("w", "pem", legacy)).to.throw(/encrypted private key/);
    });

    it("accepts blocks with CRLF line ends and blank lines between them, and the dry run's placeholder", () => {
        expect(checkCertificatePem("w", "pem", "\n\n" + pem.replace(/\n/g, "\r\n") + "\n\n")).to.be.a("string");
        expect(checkCertificatePem("w", "pem", pem.replace(/\n$/, ""))).to.equal(pem);
        expect(checkCertificatePem("w", "pem", SECRET_PLACEHOLDER)).to.equal(SECRET_PLACEHOLDER);
    });
});

describe("the certificate bundle: length-prefixed entries, parsed for real by sh (issue 19, item 1)", function () {
    this.timeout(30_000);
    const shells = ["sh", ...(spawnSync("bash", ["-c", "true"]).status === 0 ? ["bash"] : [])];
    /** Runs the parser in a fresh temp dir: the candidate dir is <tmp>/cand, with <tmp>/cand/certs as installBundle makes it. */
    const parse = (shell: string, bundle: string | Buffer) => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-parser-"));
        const dir = path.join(tmp, "cand");
        fs.mkdirSync(path.join(dir, "certs"), { recursive: true });
        const script = `set -eu\ndir="$1"\n${bundleParserScript()}\n`;
        const r = spawnSync(shell, ["-c", script, "sh", dir], { input: bundle });
        return { code: r.status, err: String(r.stderr), tmp, dir };
    };
    /** Every file under `root`, relative, sorted. */
    const files = (root: string): string[] =>
        fs
            .readdirSync(root, { withFileTypes: true })
            .flatMap((e) => (e.isDirectory() ? files(path.join(root, e.name)).map((f) => `${e.name}/${f}`) : [e.name]))
            .sort();

    for (const shell of shells) {
        it(`${shell}: the entries round-trip byte-exact, a PEM holding the old marker text and header-like lines included`, () => {
            const config = "global\n    log /dev/log local0\n# café ünïcode\nhaproxy.cfg 3\n";
            const markerPem = "-----BEGIN CERTIFICATE-----\n#### haproxy-ha file ../../../root/.ssh/authorized_keys\nssh-ed25519 AAAA\n#### haproxy-ha file haproxy.cfg\nlua-load /tmp/x.lua\ncert-b.pem 4\n";
            const noNewline = "-----BEGIN PRIVATE KEY-----\nabc";
            const r = parse(shell, haproxyBundle(config, [{ name: "a", pem: markerPem }, { name: "b.x", pem: noNewline }, { name: "empty", pem: "" }]));
            expect(r.code, r.err).to.equal(0);
            expect(files(r.tmp)).to.deep.equal(["cand/certs/a.pem", "cand/certs/b.x.pem", "cand/certs/empty.pem", "cand/haproxy.cfg"]);
            expect(fs.readFileSync(path.join(r.dir, "haproxy.cfg"), "utf8")).to.equal(config);
            expect(fs.readFileSync(path.join(r.dir, "certs/a.pem"), "utf8")).to.equal(markerPem);
            expect(fs.readFileSync(path.join(r.dir, "certs/b.x.pem"), "utf8")).to.equal(noNewline);
            expect(fs.readFileSync(path.join(r.dir, "certs/empty.pem"), "utf8")).to.equal("");
        });

        it(`${shell}: a larger PEM (64 KiB) arrives whole, followed by the next entry`, () => {
            const big = crypto.randomBytes(48 * 1024).toString("base64").replace(/(.{64})/g, "$1\n");
            const r = parse(shell, haproxyBundle("global\n", [{ name: "big", pem: big }, { name: "next", pem: "N\n" }]));
            expect(r.code, r.err).to.equal(0);
            expect(fs.readFileSync(path.join(r.dir, "certs/big.pem"), "utf8")).to.equal(big);
            expect(fs.readFileSync(path.join(r.dir, "certs/next.pem"), "utf8")).to.equal("N\n");
        });

        const REFUSED: [string, string, RegExp][] = [
            ["a name with ../", "haproxy.cfg 2\nx\ncert-../../evil.pem 5\nevil\n", /entry name outside \[A-Za-z0-9._-\] or with '\.\.'/],
            ["a name with /", "haproxy.cfg 2\nx\ncert-a/../../evil.pem 5\nevil\n", /entry name outside/],
            ["an absolute path", "/tmp/evil.pem 5\nevil\n", /entry name outside/],
            ["a name with '..' and no slash", "cert-..pem 5\nevil\n", /with '\.\.'/],
            ["a name the library does not write", "authorized_keys 5\nevil\n", /an entry the library does not write/],
            ["a length that is no number", "haproxy.cfg x\nevil\n", /without its length/],
            ["an entry twice", "haproxy.cfg 2\nx\nhaproxy.cfg 2\ny\n", /an entry twice/],
            ["a stream that ends inside an entry", "haproxy.cfg 200\nshort\n", /ends inside an entry/],
            ["a header with more fields", "haproxy.cfg 2 ../evil\nx\n", /malformed entry header/],
        ];
        for (const [what, bundle, message] of REFUSED) {
            it(`${shell}: refuses ${what}, writing nothing outside the candidate dir`, () => {
                const r = parse(shell, bundle);
                expect(r.code).to.equal(1);
                expect(r.err).to.match(message).and.include("nothing was installed");
                expect(files(r.tmp).every((f) => f.startsWith("cand/")), files(r.tmp).join(", ")).to.equal(true);
                expect(fs.existsSync("/tmp/evil.pem")).to.equal(false);
            });
        }
    }

    it("the builder itself refuses an entry name the parser would refuse (a lower layer that meets an unchecked name)", () => {
        expect(() => haproxyBundle("global\n", [{ name: "../x", pem: "" }])).to.throw(/cannot name a bundle entry/);
        expect(() => haproxyBundle("global\n", [{ name: "a..b", pem: "" }])).to.throw(/cannot name a bundle entry/);
    });
});

describe("certificate dates and names (issue 19, item 2)", function () {
    this.timeout(60_000);
    const expired = makeDatedCertificate(["app.example"], "20200101000000Z", "20200201000000Z");
    const future = makeDatedCertificate(["app.example"], "20990101000000Z", "20990201000000Z");
    const wildcard = makeDatedCertificate(["*.example.com", "example.org"], "20200101000000Z", "20991231000000Z");

    it("refuses an expired certificate at construction, with both dates in the message", () => {
        expect(() => new HaproxyNode(`expired-${n++}`, tlsArgs(expired))).to.throw(
            /`certificates\[0\]\.pem` holds an expired certificate: certificate 1 of 2 in its chain \(the server's\) is valid from 2020-01-01T00:00:00Z to 2020-02-01T00:00:00Z, now \d{4}-.*got "<hidden>"/,
        );
    });

    it("refuses a certificate that is not valid yet, with both dates in the message", () => {
        expect(() => checkCertificatePem("stack config", "haproxy-ha:certificates[0].pem", future)).to.throw(
            /^stack config: `haproxy-ha:certificates\[0\]\.pem` holds a certificate that is not valid yet: .* is valid from 2099-01-01T00:00:00Z to 2099-02-01T00:00:00Z/,
        );
    });

    it("refuses an out-of-date certificate that arrives as a secret Output when it resolves, before any step has its connection", async () => {
        const failure = new Promise<string>((resolve) => {
            process.once("unhandledRejection", (e) => resolve(String(e)));
            setTimeout(() => resolve("no failure"), 5000);
        });
        const node = new HaproxyNode(`expired-secret-${n++}`, tlsArgs(pulumi.secret(expired)));
        const message = await failure;
        expect(message).to.match(/`certificates\[0\]\.pem` holds an expired certificate: .* valid from 2020-01-01T00:00:00Z to 2020-02-01T00:00:00Z/);
        expect(message).to.not.include("BEGIN");
        void node;
    });

    it("checks every certificate of the chain: checkCertificatePem with a later `now` refuses the CA as well", () => {
        const caTo = new crypto.X509Certificate(pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----", 10))).validTo;
        expect(() => checkCertificatePem("w", "pem", pem, new Date(new Date(caTo).getTime() + 1000))).to.throw(/holds an expired certificate/);
    });

    it("warns when fewer than 14 days remain, naming the field, the certificate and the date", () => {
        const leaf = new crypto.X509Certificate(pem);
        const to = new Date(leaf.validTo);
        const use = [{ name: "app", field: "certificates[0].pem", pem }];
        expect(certificateWarnings(use, [], new Date(to.getTime() - 20 * 86_400_000))).to.deep.equal([]);
        const soon = certificateWarnings(use, [], new Date(to.getTime() - 5 * 86_400_000 - 60_000));
        expect(soon).to.have.length.greaterThan(0);
        expect(soon[0]).to.match(/^`certificates\[0\]\.pem` \(certificate "app"\): certificate 1 of 2 in its chain \(the server's\) expires on \d{4}-\d\d-\d\dT.*Z, in 5 days \(fewer than 14\): renew it$/);
    });

    it("warns when no subjectAltName of a TLS frontend's certificates covers a Host its routes send to", () => {
        const use = [
            { name: "app", field: "certificates[0].pem", pem },
            { name: "wild", field: "certificates[1].pem", pem: wildcard },
        ];
        const host = (h: string, c: string[] = ["app"]) => ({ field: "frontends[0].routes[0].hosts[0]", host: h, certificates: c });
        expect(certificateWarnings(use, [host("app.example"), host("APP.example"), host("a.example.com", ["app", "wild"]), host("example.org", ["wild"])])).to.deep.equal([]);
        expect(certificateWarnings(use, [host("www.example")])).to.deep.equal([
            '`frontends[0].routes[0].hosts[0]` "www.example" is served over TLS with certificate "app", but no subjectAltName of it covers it: clients will refuse the connection',
        ]);
        expect(certificateWarnings(use, [host("a.b.example.com", ["app", "wild"])])[0]).to.match(/"a\.b\.example\.com" is served over TLS with certificates "app", "wild", but no subjectAltName of theirs covers it/);
        // The dry run's placeholder is not known: no warning about it, nor about the Hosts it serves.
        expect(certificateWarnings([{ name: "app", field: "f", pem: SECRET_PLACEHOLDER }], [host("www.example")])).to.deep.equal([]);
    });

    it("a wildcard covers exactly one label", () => {
        const TABLE: [string, string, boolean][] = [
            ["*.example.com", "a.example.com", true],
            ["*.example.com", "A.Example.com", true],
            ["*.example.com", "example.com", false],
            ["*.example.com", "a.b.example.com", false],
            ["*.example.com", "*.example.com", true],
            ["*.example.com", ".example.com", false],
            ["a.example.com", "a.example.com", true],
            ["a.example.com", "b.example.com", false],
        ];
        for (const [san, host, covers] of TABLE) expect(sanCovers(san, host), `${san} covers ${host}`).to.equal(covers);
    });

    it("the component logs the warnings (a Host no SAN covers), at preview already: no host is needed", async () => {
        const warnings = await warningsOf(() => {
            const node = new HaproxyNode(`san-${n++}`, tlsArgs(pulumi.secret(pem), ["app.example", "www.example"]));
            return [node.configText, node.files];
        });
        expect(warnings.filter((w) => w.includes("www.example"))).to.have.length(1);
        expect(warnings.find((w) => w.includes("www.example"))).to.match(/^HaproxyNode "san-\d+": `frontends\[0\]\.routes\[0\]\.hosts\[1\]` "www\.example" is served over TLS/);
        expect(warnings.some((w) => w.includes("app.example\""))).to.equal(false);
    });

    it("the stack program warns too: each balancer's component, for a Host of haproxy-ha:frontends no certificate covers", async () => {
        const cfg = referenceConfig({
            os: "debian",
            frontends: [{ name: "https", binds: [{ address: "172.20.30.69", port: 443, tls: { certificates: ["app"] } }], routes: [{ hosts: ["shop.example"], backend: "app" }], defaultBackend: "app" }],
            backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] }],
            certificates: [{ name: "app", pem }],
        });
        const warnings = await warningsOf(() => buildTopology(parseTopologyConfig(cfg), "key").balancers.map((b) => b.configText));
        const about = warnings.filter((w) => w.includes('"shop.example"'));
        expect(about.map((w) => w.slice(0, w.indexOf(":"))).sort()).to.deep.equal(['HaproxyNode "hk1"', 'HaproxyNode "hk2"']);
    });
});

describe("each certificate is checked once per stack run (issue 20 item 3)", function () {
    this.timeout(60_000);

    it("the stack config, the early check and both balancers examine one PEM once, and the configs carry it", async () => {
        // A PEM no other test has shown this process: the count starts from it.
        const fresh = makeCertificates(["once.example"]).pems["once.example"];
        const cfg = referenceConfig({
            os: "debian",
            frontends: [{ name: "https", binds: [{ address: "172.20.30.69", port: 443, tls: { certificates: ["site"] } }], routes: [{ hosts: ["once.example"], backend: "app" }], defaultBackend: "app" }],
            backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] }],
            certificates: [{ name: "site", pem: fresh }],
        });
        const before = pemChecks.runs;
        const topology = buildTopology(parseTopologyConfig(cfg), "key");
        const configs = await Promise.all(topology.balancers.map((b) => resolved(b.configText)));
        await Promise.all(topology.balancers.map((b) => resolved(b.files)));
        expect(configs.every((c) => c.includes("crt site.pem"))).to.equal(true);
        expect(pemChecks.runs - before).to.equal(1);
    });

    it("two nodes given the same PEM (plain or secret) examine it once; a bad one is refused by each, naming its own field", async () => {
        const fresh = makeCertificates(["twice.example"]).pems["twice.example"];
        const before = pemChecks.runs;
        const a = new HaproxyNode(`once-${n++}`, tlsArgs(fresh, ["twice.example"]));
        const b = new HaproxyNode(`once-${n++}`, tlsArgs(pulumi.secret(fresh), ["twice.example"]));
        await Promise.all([resolved(a.files), resolved(b.files)]);
        expect(pemChecks.runs - before).to.equal(1);
        const bad = fresh.replace(/-----BEGIN CERTIFICATE-----/, "Bag Attributes\n-----BEGIN CERTIFICATE-----");
        const refusals = pemChecks.runs;
        for (const k of [0, 1]) {
            expect(() => new HaproxyNode(`once-bad-${k}`, tlsArgs(bad))).to.throw(new RegExp(`HaproxyNode "once-bad-${k}": \`certificates\\[0\\]\\.pem\` must hold only PEM blocks`));
        }
        expect(pemChecks.runs - refusals).to.equal(1);
    });
});
