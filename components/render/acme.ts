/**
 * The HTTP-01 answer in haproxy.cfg, PURE. ACME's "stateless" mode: the key authorization of any
 * token is `<token>.<account thumbprint>`, so one fixed rule answers every challenge the account
 * will ever get, with no file and no reload per challenge, on both balancers alike (whichever
 * holds the VIP answers). The token is echoed only when it is base64url (RFC 8555 §8.3).
 */

/** The path the CA asks for; the token is its fourth `/`-separated field. */
export const ACME_CHALLENGE_PATH = "/.well-known/acme-challenge/";

/** An RFC 7638 SHA-256 thumbprint, base64url without padding: 43 characters. */
export const THUMBPRINT_RE = /^[A-Za-z0-9_-]{43}$/;

/** haproxy's `http-request return` (and `lf-string`) came with 2.2. */
export const ACME_MIN_HAPROXY = "2.2";

/** The rule: first among the frontend's http-request rules (before any redirect to HTTPS). */
export function acmeChallengeRule(thumbprint: string): string {
    if (!THUMBPRINT_RE.test(thumbprint)) throw new Error(`haproxy-ha: ${JSON.stringify(thumbprint)} is not an ACME account thumbprint`);
    return `http-request return status 200 content-type text/plain lf-string "%[path,field(4,/)].${thumbprint}" if { path_reg ^/\\.well-known/acme-challenge/[A-Za-z0-9_-]+$ }`;
}
