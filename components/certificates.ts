/**
 * Certificate bundles (chain + private key in one PEM) checked locally before any host is
 * touched: the certificate parses, the key parses, and they belong together. PURE (node crypto).
 * Errors never quote the PEM: it holds a private key.
 */
import * as crypto from "crypto";
import { ArgumentError } from "./validate";

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** Checks a chain-and-key PEM; returns it with a trailing newline (the file as it lands). */
/** What the dry run (`npm run render`) shows in place of a secret it cannot decrypt. */
export const SECRET_PLACEHOLDER = "REDACTED";

export function checkCertificatePem(where: string, field: string, pem: unknown): string {
    // The dry run has only the placeholder; the host's `haproxy -c` still checks the real PEM.
    if (pem === SECRET_PLACEHOLDER) return pem;
    const fail = (rule: string) => new ArgumentError(where, field, rule, "<hidden>");
    if (typeof pem !== "string" || pem.trim() === "") throw fail("must be a PEM holding the certificate chain and its private key");
    if (pem.includes("\0")) throw fail("must be PEM text");
    const blocks = [...pem.matchAll(BLOCK_RE)].map((m) => ({ label: m[1], text: m[0] }));
    const certs = blocks.filter((b) => b.label === "CERTIFICATE");
    const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label));
    if (certs.length === 0) throw fail("holds no CERTIFICATE block");
    if (keys.length !== 1) throw fail(`must hold exactly one PRIVATE KEY block (found ${keys.length})`);
    let leaf: crypto.X509Certificate;
    try {
        leaf = new crypto.X509Certificate(certs[0].text);
        certs.slice(1).forEach((c) => new crypto.X509Certificate(c.text));
    } catch (e) {
        throw fail(`holds a certificate that does not parse (${(e as Error).message})`);
    }
    let key: crypto.KeyObject;
    try {
        key = crypto.createPrivateKey(keys[0].text);
    } catch (e) {
        throw fail(`holds a private key that does not parse (${(e as Error).message}); an encrypted key cannot be used unattended`);
    }
    if (!leaf.checkPrivateKey(key)) throw fail("holds a private key that does not match its first certificate");
    return pem.endsWith("\n") ? pem : pem + "\n";
}
