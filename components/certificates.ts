/**
 * Certificate bundles (chain + private key in one PEM) checked locally before any host is
 * touched: only PEM blocks and whitespace, the certificates parse and are valid now, the key
 * parses, and they belong together. PURE (node crypto; `now` is a parameter for the tests).
 * Errors and warnings never quote the PEM: it holds a private key.
 */
import * as crypto from "crypto";
import { ArgumentError } from "./validate";

/**
 * One PEM block whose body is base64 lines only. Anything else in the input (text before the
 * key, a line inside a block) is refused: it is not a certificate, and on the way to the host it
 * is data the library never meant to carry (issue 19: a forged bundle marker wrote files as root).
 */
const BLOCK_RE = /-----BEGIN ([A-Z0-9]+(?: [A-Z0-9]+)*)-----[ \t]*\r?\n(?:[A-Za-z0-9+/=]+[ \t]*\r?\n)*?-----END \1-----/g;

/** Fewer days than this before a certificate of the chain expires: `pulumi preview`/`up` warn. */
export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

/** What the dry run (`npm run render`) shows in place of a secret it cannot decrypt. */
export const SECRET_PLACEHOLDER = "REDACTED";

interface ChainCertificate {
    cert: crypto.X509Certificate;
    from: Date;
    to: Date;
    /** How messages name it: "its certificate" or "certificate 2 of 3 in its chain". */
    label: string;
}

const isoDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The certificates of a PEM that checkCertificatePem accepted, leaf first. */
function chainOf(pem: string): ChainCertificate[] {
    const certs = [...pem.matchAll(BLOCK_RE)].filter((m) => m[1] === "CERTIFICATE");
    return certs.map((m, i) => {
        const cert = new crypto.X509Certificate(m[0]);
        return {
            cert,
            from: new Date(cert.validFrom),
            to: new Date(cert.validTo),
            label: certs.length === 1 ? "its certificate" : `certificate ${i + 1} of ${certs.length} in its chain${i === 0 ? " (the server's)" : ""}`,
        };
    });
}

/** How many PEMs were really examined (not answered from the run's earlier verdict): for the tests. */
export const pemChecks = { runs: 0 };

/**
 * Verdicts by the PEM's SHA-256 (never the PEM itself): the stack config, the early check and both
 * balancers meet the same certificate, which is examined once per run. A refusal is kept as its
 * rule, so each caller still names its own field.
 */
const verdicts = new Map<string, { rule?: string }>();

/** Checks a chain-and-key PEM; returns it with a trailing newline (the file as it lands). */
export function checkCertificatePem(where: string, field: string, pem: unknown, now?: Date): string {
    // The dry run has only the placeholder; the host's `haproxy -c` still checks the real PEM.
    if (pem === SECRET_PLACEHOLDER) return pem;
    // A given `now` is a test's clock: examined afresh, not remembered.
    if (now !== undefined || typeof pem !== "string") return examinePem(where, field, pem, now ?? new Date());
    const digest = crypto.createHash("sha256").update(pem).digest("hex");
    let verdict = verdicts.get(digest);
    if (verdict === undefined) {
        try {
            examinePem(where, field, pem, new Date());
            verdict = {};
        } catch (e) {
            if (!(e instanceof ArgumentError)) throw e;
            verdict = { rule: e.rule };
        }
        verdicts.set(digest, verdict);
    }
    if (verdict.rule !== undefined) throw new ArgumentError(where, field, verdict.rule, "<hidden>");
    return pem.endsWith("\n") ? pem : pem + "\n";
}

function examinePem(where: string, field: string, pem: unknown, now: Date): string {
    pemChecks.runs++;
    const fail = (rule: string) => new ArgumentError(where, field, rule, "<hidden>");
    if (typeof pem !== "string" || pem.trim() === "") throw fail("must be a PEM holding the certificate chain and its private key");
    if (pem.includes("\0")) throw fail("must be PEM text");
    const outside = pem.replace(BLOCK_RE, "");
    if (/Proc-Type:\s*4,ENCRYPTED/.test(outside)) throw fail("holds an encrypted private key (Proc-Type header); an encrypted key cannot be used unattended");
    if (/\S/.test(outside)) {
        throw fail(
            "must hold only PEM blocks (-----BEGIN …----- base64 lines -----END …-----) and whitespace, but holds other text " +
                "(outside a block, or a line inside one that is not base64; e.g. `Bag Attributes` from openssl pkcs12 or `openssl x509 -text` output): keep only the blocks",
        );
    }
    const blocks = [...pem.matchAll(BLOCK_RE)].map((m) => ({ label: m[1], text: m[0] }));
    const certs = blocks.filter((b) => b.label === "CERTIFICATE");
    const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label));
    if (certs.length === 0) throw fail("holds no CERTIFICATE block");
    if (keys.length !== 1) throw fail(`must hold exactly one PRIVATE KEY block (found ${keys.length})`);
    let chain: ChainCertificate[];
    try {
        chain = chainOf(pem);
    } catch (e) {
        throw fail(`holds a certificate that does not parse (${(e as Error).message})`);
    }
    for (const c of chain) {
        const dates = `valid from ${isoDate(c.from)} to ${isoDate(c.to)}, now ${isoDate(now)}`;
        if (c.to.getTime() < now.getTime()) throw fail(`holds an expired certificate: ${c.label} is ${dates}`);
        if (c.from.getTime() > now.getTime()) throw fail(`holds a certificate that is not valid yet: ${c.label} is ${dates}`);
    }
    let key: crypto.KeyObject;
    try {
        key = crypto.createPrivateKey(keys[0].text);
    } catch (e) {
        throw fail(`holds a private key that does not parse (${(e as Error).message}); an encrypted key cannot be used unattended`);
    }
    if (!chain[0].cert.checkPrivateKey(key)) throw fail("holds a private key that does not match its first certificate");
    return pem.endsWith("\n") ? pem : pem + "\n";
}

/** A certificate as the warnings see it: its name, the field that holds it, the checked PEM. */
export interface CertificateInUse {
    name: string;
    /** E.g. `certificates[0].pem` or `haproxy-ha:certificates[0].pem`. */
    field: string;
    pem: string;
}

/** A Host a TLS frontend's routes send somewhere, and the certificates its TLS binds offer. */
export interface TlsHost {
    /** E.g. `frontends[0].routes[1].hosts[0]`. */
    field: string;
    host: string;
    certificates: string[];
}

/** The DNS names and IP addresses a certificate's subjectAltName lists, lower case. */
function subjectAltNames(cert: crypto.X509Certificate): string[] {
    // Node lists `DNS:a, DNS:*.b, IP Address:10.0.0.1`; a name with a comma or quote is JSON-quoted.
    return (cert.subjectAltName ?? "")
        .split(/, (?=[A-Za-z ]+:)/)
        .map((entry) => /^(?:DNS|IP Address):(.*)$/.exec(entry)?.[1])
        .filter((v): v is string => v !== undefined)
        .map((v) => (v.startsWith('"') ? (JSON.parse(v) as string) : v).toLowerCase());
}

/** Whether a subjectAltName covers a Host: exactly, or `*.example.com` for one more label. */
export function sanCovers(san: string, host: string): boolean {
    const h = host.toLowerCase();
    if (san === h) return true;
    if (!san.startsWith("*.") || h.startsWith("*.")) return false;
    const dot = h.indexOf(".");
    return dot > 0 && h.slice(dot + 1) === san.slice(2);
}

/**
 * What is worth a warning but not a refusal: a certificate of a chain that expires within
 * EXPIRY_WARNING_DAYS, and a Host a TLS frontend routes that no subjectAltName of its
 * certificates covers (clients refuse the certificate for it). PURE: returns the messages.
 * Certificates not known yet (the dry run's placeholder) are skipped.
 */
export function certificateWarnings(certificates: CertificateInUse[], hosts: TlsHost[], now: Date = new Date()): string[] {
    const warnings: string[] = [];
    const chains = new Map<string, ChainCertificate[]>();
    for (const c of certificates) {
        if (c.pem === SECRET_PLACEHOLDER) continue;
        const chain = chainOf(c.pem);
        chains.set(c.name, chain);
        for (const x of chain) {
            const days = Math.floor((x.to.getTime() - now.getTime()) / DAY_MS);
            if (days < EXPIRY_WARNING_DAYS) {
                warnings.push(`\`${c.field}\` (certificate "${c.name}"): ${x.label} expires on ${isoDate(x.to)}, in ${days} day${days === 1 ? "" : "s"} (fewer than ${EXPIRY_WARNING_DAYS}): renew it`);
            }
        }
    }
    for (const h of hosts) {
        if (h.certificates.some((name) => !chains.has(name))) continue;
        const covered = h.certificates.some((name) => subjectAltNames(chains.get(name)![0].cert).some((san) => sanCovers(san, h.host)));
        if (!covered) {
            const names = h.certificates.map((n) => `"${n}"`).join(", ");
            warnings.push(`\`${h.field}\` "${h.host}" is served over TLS with certificate${h.certificates.length === 1 ? "" : "s"} ${names}, but no subjectAltName of ${h.certificates.length === 1 ? "it" : "theirs"} covers it: clients will refuse the connection`);
        }
    }
    return warnings;
}
