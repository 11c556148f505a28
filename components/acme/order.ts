/**
 * ACME (RFC 8555) with acme-client: the account, one order, the renewal decision. No Pulumi here:
 * the dynamic providers (acme/resources.ts) call these, and so do the unit tests. Errors name the
 * certificate's domains and the ACME server's own words; no message ever holds a key.
 */
import * as crypto from "crypto";
import * as http from "http";
import * as https from "https";
import { execFile } from "child_process";

const DAY_MS = 86_400_000;

/** What an order needs: the account, the names and how each is proven. */
export interface AcmeOrderSpec {
    directory: string;
    email?: string;
    /** PEM (PKCS#8) of the account key. */
    accountKey: string;
    domains: string[];
    /** `http-01` or `dns-01`. */
    challenge: string;
    /** dns-01: a command run with `sh -c` where `pulumi up` runs, to set and remove the TXT record. */
    dnsHook?: string;
    /**
     * http-01: before the server is told to validate, each of these addresses (the VIPs) must
     * already answer the challenge (with the domain as Host), or the order stops, naming it.
     */
    selfCheck?: { addresses: string[]; port: number; timeoutS: number };
}

export interface IssuedCertificate {
    /** Chain then key: the bundle haproxy loads. */
    pem: string;
    notBefore: string;
    notAfter: string;
    serial: string;
}

/** A new account key: ECDSA P-256, PKCS#8 PEM. */
export function newAccountKey(): string {
    return crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/** RFC 7638 thumbprint of the account key: what the HTTP-01 key authorization ends with. */
export function accountThumbprint(accountKeyPem: string): string {
    const jwk = crypto.createPublicKey(accountKeyPem).export({ format: "jwk" }) as Record<string, string>;
    const members = jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
    return crypto.createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}

/** Whether a certificate that ends at `notAfter` is due: fewer than `renewBeforeDays` days left. */
export function renewalDue(notAfter: string | undefined, renewBeforeDays: number, now: Date = new Date()): boolean {
    if (!notAfter) return true;
    return new Date(notAfter).getTime() - now.getTime() < renewBeforeDays * DAY_MS;
}

/** Whole days left until `notAfter` (negative once expired). */
export function daysLeft(notAfter: string, now: Date = new Date()): number {
    return Math.floor((new Date(notAfter).getTime() - now.getTime()) / DAY_MS);
}

// acme-client is loaded on use: the plan and the dry run never need it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const acmeLib = () => require("acme-client") as typeof import("acme-client");

/** A failure the user can act on: the domains, the step, the ACME server's words. */
export class AcmeError extends Error {
    constructor(domains: string[], step: string, cause: unknown) {
        super(`ACME ${step} for ${domains.join(", ")} failed: ${describeAcmeError(cause)}`);
        this.name = "AcmeError";
    }
}

/** The ACME problem document's type and detail when there is one, else the transport error. */
export function describeAcmeError(e: unknown): string {
    const err = e as { message?: string; code?: string; response?: { status?: number; data?: { type?: string; detail?: string } } };
    const problem = err?.response?.data;
    if (problem?.type || problem?.detail) return `${problem.type ?? "error"}: ${problem.detail ?? ""} (HTTP ${err.response?.status})`.trim();
    return err?.message ?? String(e);
}

function client(spec: { directory: string; accountKey: string }) {
    const acme = acmeLib();
    // A server that never answers must not hold `pulumi up`.
    acme.axios.defaults.timeout = 30_000;
    return new acme.Client({ directoryUrl: spec.directory, accountKey: spec.accountKey, backoffAttempts: 10, backoffMin: 1000, backoffMax: 5000 });
}

/**
 * The directory answers, or the error names it and why (refused, timed out, an untrusted TLS
 * certificate): acme-client's own message for a transport failure says nothing useful.
 */
export function reachDirectory(directory: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const get = directory.startsWith("https:") ? https.get : http.get;
        const req = get(directory, { timeout: 15_000 }, (res) => {
            res.resume();
            if (res.statusCode === 200) resolve();
            else reject(new Error(`the ACME directory ${directory} answered HTTP ${res.statusCode}`));
        });
        req.on("timeout", () => req.destroy(new Error("timed out after 15 s")));
        req.on("error", (e) => reject(new Error(`the ACME directory ${directory} cannot be reached: ${e.message}`)));
    });
}

/** Registers the account (or finds it again: the same key is the same account); returns its URL. */
export async function registerAccount(spec: { directory: string; email?: string; accountKey: string }, domains: string[] = []): Promise<string> {
    const c = client(spec);
    try {
        await reachDirectory(spec.directory);
        await c.createAccount({ termsOfServiceAgreed: true, contact: spec.email ? [`mailto:${spec.email}`] : [] });
        return c.getAccountUrl();
    } catch (e) {
        throw new AcmeError(domains.length ? domains : [spec.directory], `account registration at ${spec.directory}`, e);
    }
}

/** GET http://address:port/.well-known/acme-challenge/<token> with Host: domain. */
function fetchChallenge(address: string, port: number, domain: string, token: string): Promise<string> {
    return new Promise((resolve) => {
        const req = http.get({ host: address, port, path: `/.well-known/acme-challenge/${token}`, headers: { host: domain }, timeout: 5000 }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => (body += d));
            res.on("end", () => resolve(res.statusCode === 200 ? body.trim() : `HTTP ${res.statusCode}`));
        });
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.on("error", (e) => resolve(e.message));
    });
}

async function selfCheck(spec: AcmeOrderSpec, domain: string, token: string, keyAuth: string): Promise<void> {
    const check = spec.selfCheck;
    if (!check) return;
    for (const address of check.addresses) {
        const deadline = Date.now() + check.timeoutS * 1000;
        let last = "";
        while ((last = await fetchChallenge(address, check.port, domain, token)) !== keyAuth) {
            if (Date.now() > deadline) {
                throw new Error(`${address}:${check.port} does not answer the HTTP-01 challenge for ${domain} (last answer: ${last.slice(0, 120)}): is the balancer holding it configured?`);
            }
            await new Promise((r) => setTimeout(r, 1000));
        }
    }
}

function runHook(hook: string, env: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile("sh", ["-c", hook], { env: { ...process.env, ...env }, timeout: 300_000 }, (err, _stdout, stderr) => {
            if (err) reject(new Error(`the dnsHook (${env.ACME_ACTION} ${env.ACME_TXT_NAME}) failed: ${String(stderr).trim().slice(0, 300) || err.message}`));
            else resolve();
        });
    });
}

/**
 * One order, start to end: account (found again or created), authorizations proven one by one
 * (HTTP-01 answered by the balancers' stateless rule, DNS-01 by the hook), a fresh ECDSA key
 * and CSR, the certificate. Nothing is written anywhere: the caller keeps the result or drops it.
 */
export async function orderCertificate(spec: AcmeOrderSpec): Promise<IssuedCertificate> {
    const acme = acmeLib();
    const { domains } = spec;
    const c = client(spec);
    await reachDirectory(spec.directory).catch((e: unknown) => {
        throw new AcmeError(domains, "order", e);
    });
    // The same key is the same account: found again, or registered anew (a CA that forgot it).
    await c.createAccount({ termsOfServiceAgreed: true, contact: spec.email ? [`mailto:${spec.email}`] : [] }).catch((e: unknown) => {
        throw new AcmeError(domains, "account lookup", e);
    });
    let order;
    try {
        order = await c.createOrder({ identifiers: domains.map((value) => ({ type: "dns", value })) });
    } catch (e) {
        throw new AcmeError(domains, `new order at ${spec.directory}`, e);
    }
    const authorizations = await c.getAuthorizations(order).catch((e: unknown) => {
        throw new AcmeError(domains, "authorizations", e);
    });
    for (const authz of authorizations) {
        const domain = authz.identifier.value;
        if (authz.status === "valid") continue;
        const challenge = authz.challenges.find((ch) => ch.type === spec.challenge);
        if (!challenge) throw new AcmeError([domain], "challenge", `the server offers no ${spec.challenge} challenge (it offers ${authz.challenges.map((ch) => ch.type).join(", ")})`);
        const keyAuth = await c.getChallengeKeyAuthorization(challenge);
        const txt = { ACME_DOMAIN: domain, ACME_TXT_NAME: `_acme-challenge.${domain.replace(/^\*\./, "")}`, ACME_TXT_VALUE: keyAuth };
        try {
            if (spec.challenge === "dns-01") await runHook(spec.dnsHook ?? "false", { ...txt, ACME_ACTION: "set" });
            else await selfCheck(spec, domain, challenge.token, keyAuth);
            await c.completeChallenge(challenge);
            await c.waitForValidStatus(challenge);
        } catch (e) {
            // The challenge's own error (what the server saw) says more than the status poll's.
            const detail = await c
                .getAuthorizations(order)
                .then((all) => all.find((a) => a.identifier.value === domain)?.challenges.find((ch) => ch.type === spec.challenge) as { error?: { type?: string; detail?: string } } | undefined)
                .catch(() => undefined);
            const why = detail?.error ? `${detail.error.type}: ${detail.error.detail}` : describeAcmeError(e);
            throw new AcmeError([domain], `${spec.challenge} challenge`, why);
        } finally {
            if (spec.challenge === "dns-01") await runHook(spec.dnsHook ?? "false", { ...txt, ACME_ACTION: "unset" }).catch(() => undefined);
        }
    }
    try {
        const key = await acme.crypto.createPrivateEcdsaKey();
        const [, csr] = await acme.crypto.createCsr({ commonName: domains[0], altNames: domains }, key);
        const finalized = await c.finalizeOrder(order, csr);
        const chain = await c.getCertificate(finalized);
        const leaf = new crypto.X509Certificate(acme.crypto.splitPemChain(chain)[0]);
        const pem = `${chain.trim()}\n${key.toString().trim()}\n`;
        return { pem, notBefore: new Date(leaf.validFrom).toISOString(), notAfter: new Date(leaf.validTo).toISOString(), serial: leaf.serialNumber };
    } catch (e) {
        throw new AcmeError(domains, "finalization", e);
    }
}

/**
 * A self-signed certificate and key no client trusts: what a TLS bind loads on the first `up`,
 * until the ACME certificate exists (haproxy refuses a TLS bind without one, and the HTTP-01
 * answer must be live before the certificate can be ordered). Made once per account, kept in state.
 */
export async function placeholderPem(): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const x509 = require("@peculiar/x509") as typeof import("@peculiar/x509");
    const webcrypto = crypto.webcrypto as unknown as Crypto;
    x509.cryptoProvider.set(webcrypto);
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = new Date();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: crypto.randomBytes(8).toString("hex").replace(/^[89a-f]/, "1"),
        name: "CN=haproxy-ha ACME placeholder",
        notBefore: now,
        notAfter: new Date(now.getTime() + 3650 * DAY_MS),
        keys,
        signingAlgorithm: alg,
        extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
    const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join("\n")}\n-----END PRIVATE KEY-----\n`;
    return `${cert.toString("pem").trim()}\n${key}`;
}
