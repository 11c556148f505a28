import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, HaproxyNode, HaproxyNodeArgs, parseTopologyConfig } from "../../components";
import { accountThumbprint, daysLeft, describeAcmeError, newAccountKey, placeholderPem, renewalDue } from "../../components/acme/order";
import { acmeChallengeRule } from "../../components/render/acme";
import { acmeResponderScript } from "../../components/script/acmeSteps";
import { setRenderMocks } from "../../scripts/renderStack";
import { resolved } from "./helpers";
import { MINIMAL } from "./fixtures";

setRenderMocks();

const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
const THUMB = "Qm3hbtLbUR8y0SxE3sEQnRBr9bRBYnsBGH5oBVBuUwo";

/** A node with an HTTP frontend (port 80, redirect) and an HTTPS one whose certificate `site` is ACME's. */
function acmeNodeArgs(over: Partial<HaproxyNodeArgs> = {}, placeholder: pulumi.Input<string> = "x"): HaproxyNodeArgs {
    return {
        os: "debian",
        connection: conn,
        frontends: [
            { name: "http", binds: [{ address: "10.77.0.100", port: 80 }], redirectToHttps: true },
            { name: "https", binds: [{ address: "10.77.0.100", port: 443, tls: { certificates: ["site"] } }], defaultBackend: "app" },
        ],
        backends: [{ name: "app", servers: [{ name: "web1", address: "10.77.0.11" }] }],
        certificates: [{ name: "site", pem: pulumi.secret(pulumi.output(placeholder)) }],
        acme: { thumbprint: THUMB, certificates: ["site"], placeholderPem: placeholder },
        ...over,
    };
}

function errorOf(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        expect(e).to.be.instanceOf(ArgumentError);
        return (e as Error).message;
    }
    throw new Error("accepted");
}

const STACK = {
    ...MINIMAL,
    os: "debian",
    frontends: [
        { name: "http", binds: [{ address: "172.20.30.69", port: 80 }], redirectToHttps: true },
        { name: "https", binds: [{ address: "172.20.30.69", port: 443, tls: { certificates: ["site"] } }], defaultBackend: "app" },
    ],
    backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] }],
};
const ACME = { directory: "https://acme.example/directory", email: "ops@example.com", domains: ["app.example", "api.example"] };

describe("ACME: the account, the renewal window, the errors", () => {
    it("computes the RFC 7638 thumbprint acme-client's key authorizations end with", async () => {
        const key = newAccountKey();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const acme = require("acme-client");
        const client = new acme.Client({ directoryUrl: "https://acme.invalid/dir", accountKey: key });
        const keyAuth: string = await client.getChallengeKeyAuthorization({ type: "http-01", token: "tok" });
        expect(keyAuth).to.equal(`tok.${accountThumbprint(key)}`);
        expect(accountThumbprint(key)).to.match(/^[A-Za-z0-9_-]{43}$/);
    });

    it("renews only inside renewBeforeDays (and a certificate never issued is due)", () => {
        const now = new Date("2030-01-01T00:00:00Z");
        const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000).toISOString();
        expect(renewalDue(inDays(31), 30, now)).to.equal(false);
        expect(renewalDue(inDays(29), 30, now)).to.equal(true);
        expect(renewalDue(inDays(1826), 2000, now)).to.equal(true);
        expect(renewalDue(undefined, 30, now)).to.equal(true);
        expect(daysLeft(inDays(29.5), now)).to.equal(29);
    });

    it("names the ACME problem document's type and detail, not the transport's words", () => {
        const e = { message: "Request failed", response: { status: 429, data: { type: "urn:ietf:params:acme:error:rateLimited", detail: "too many certificates" } } };
        expect(describeAcmeError(e)).to.equal("urn:ietf:params:acme:error:rateLimited: too many certificates (HTTP 429)");
    });

    it("makes a placeholder certificate haproxy loads, trusted by no one", async () => {
        const pem = await placeholderPem();
        const cert = new crypto.X509Certificate(pem);
        expect(cert.subject).to.equal("CN=haproxy-ha ACME placeholder");
        expect(cert.checkPrivateKey(crypto.createPrivateKey(pem))).to.equal(true);
    });
});

describe("ACME on a HaproxyNode: the HTTP-01 answer in the validated config", () => {
    it("puts the stateless challenge rule first in the HTTP frontend, before the redirect, and haproxy -c accepts the config with the placeholder", async () => {
        const placeholder = await placeholderPem();
        const node = new HaproxyNode("acme-lb1", acmeNodeArgs({}, placeholder));
        const config = await resolved(node.configText);
        const http = config.slice(config.indexOf("frontend http\n"), config.indexOf("frontend https"));
        expect(http).to.include(acmeChallengeRule(THUMB));
        expect(http.indexOf("acme-challenge")).to.be.lessThan(http.indexOf("redirect scheme https"));
        // Only the plain-HTTP frontend answers.
        expect(config.slice(config.indexOf("frontend https")).includes("acme-challenge")).to.equal(false);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-acme-"));
        fs.mkdirSync(path.join(dir, "certs"));
        fs.writeFileSync(path.join(dir, "certs/site.pem"), placeholder);
        fs.writeFileSync(path.join(dir, "haproxy.cfg"), config.replace(/^ {4}crt-base .*$/m, `    crt-base ${dir}/certs`));
        const r = spawnSync("haproxy", ["-c", "-f", path.join(dir, "haproxy.cfg")], { encoding: "utf8" });
        expect(r.status, r.stdout + r.stderr).to.equal(0);
        // The responder step comes before the config step, and its script parses.
        const names = node.scripts.map((s) => s.step);
        expect(names.indexOf("acme-responder")).to.be.within(0, names.indexOf("config") - 1);
        expect(spawnSync("sh", ["-n"], { input: acmeResponderScript() }).status).to.equal(0);
        expect(node.acmeResponder).to.not.equal(undefined);
    });

    it("refuses ACME where haproxy lacks `http-request return` (centos7's 1.5), naming the feature and version", () => {
        expect(errorOf(() => new HaproxyNode("acme-c7", acmeNodeArgs({ os: "centos7" })))).to.match(/`acme` needs the ACME HTTP-01 answer \(`http-request return`\), which haproxy 2\.2 brought; centos7 ships haproxy 1\.5/);
    });

    it("refuses every problem at once: no plain-HTTP frontend, a thumbprint that is none, an unknown certificate", () => {
        const msg = errorOf(
            () =>
                new HaproxyNode(
                    "acme-bad",
                    acmeNodeArgs({
                        frontends: [{ name: "https", binds: [{ address: "10.77.0.100", port: 443, tls: { certificates: ["site"] } }], defaultBackend: "app" }],
                        acme: { thumbprint: "not-a-thumbprint", certificates: ["site", "nope"], placeholderPem: "x" },
                    }),
                ),
        );
        expect(msg).to.include("needs a frontend in http mode with a bind without TLS");
        expect(msg).to.include("`acme.thumbprint` must be an ACME account key thumbprint");
        expect(msg).to.include('`acme.certificates[1]` is not a certificate; certificates are: site, got "nope"');
    });
});

describe("ACME in stack config: certificates[].acme", () => {
    it("accepts an ACME certificate with the defaults (http-01, renew 30 days before expiry)", () => {
        const cfg = parseTopologyConfig(structuredClone({ ...STACK, certificates: [{ name: "site", acme: ACME }] }));
        expect(cfg.certificates?.[0].acme?.domains).to.deep.equal(ACME.domains);
    });

    it("refuses bad settings under the stack key the user typed, all at once", () => {
        const bad = { ...ACME, directory: "ftp://x", domains: ["*.example.com", "app.example"], renewBeforeDays: 0, challenge: "http-01" };
        const msg = errorOf(() => parseTopologyConfig(structuredClone({ ...STACK, certificates: [{ name: "site", acme: bad }] })));
        expect(msg).to.include("`haproxy-ha:certificates[0].acme.directory` must be the ACME directory URL");
        expect(msg).to.include("`haproxy-ha:certificates[0].acme.domains[0]` is a wildcard, which only `challenge: dns-01` can prove");
        expect(msg).to.include("`haproxy-ha:certificates[0].acme.renewBeforeDays` must be a whole number of days from 1 to 36500");
    });

    it("needs a dnsHook with dns-01, and one ACME account per stack", () => {
        const msg = errorOf(() =>
            parseTopologyConfig(
                structuredClone({
                    ...STACK,
                    frontends: [
                        STACK.frontends[0],
                        { name: "https", binds: [{ address: "172.20.30.69", port: 443, tls: { certificates: ["site", "wild", "other"] } }], defaultBackend: "app" },
                    ],
                    certificates: [
                        { name: "site", acme: ACME },
                        { name: "wild", acme: { ...ACME, domains: ["*.example.com"], challenge: "dns-01" } },
                        { name: "other", acme: { ...ACME, directory: "https://other.example/dir" } },
                    ],
                }),
            ),
        );
        expect(msg).to.include("`haproxy-ha:certificates[1].acme.dnsHook` must be the command that sets and removes the TXT record");
        expect(msg).to.include("`haproxy-ha:certificates[2].acme.directory` must be the same as the first ACME certificate's");
    });

    it("refuses ACME certificates on centos7 under the stack key", () => {
        const msg = errorOf(() => parseTopologyConfig(structuredClone({ ...STACK, os: "centos7", certificates: [{ name: "site", acme: ACME }] })));
        expect(msg).to.match(/haproxy-ha:certificates.*needs the ACME HTTP-01 answer/);
    });
});

describe("ACME: npm run certs (days left per certificate and balancer)", () => {
    it("reads only the leaf of each installed bundle (never the key) and prints its days left", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { LEAF_SCRIPT, parseLeaves } = require("../../scripts/certs") as typeof import("../../scripts/certs");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-certs-"));
        const pem = await placeholderPem();
        fs.writeFileSync(path.join(dir, "site.pem"), pem);
        const r = spawnSync("sh", ["-c", LEAF_SCRIPT.split("/etc/haproxy/certs").join(dir)], { encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.not.include("PRIVATE KEY");
        const [line] = parseLeaves("lb1", r.stdout, new Date());
        expect(line).to.include({ host: "lb1", name: "site" });
        expect(line.days).to.be.within(3648, 3650);
    });
});
