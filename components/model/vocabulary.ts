/**
 * The words of the haproxy model: what an arg may say (balance algorithms, server states, TLS
 * versions and profiles, check methods, modes, logging targets) and the fixed paths on the host.
 * PURE data. The checks (model/haproxy.ts), the renderer (render/haproxy.ts), the scripts and the
 * stack config's key table all read it from here.
 */

/** The algorithms haproxy 1.5 and later all accept. */
export const BALANCE_ALGORITHMS = ["roundrobin", "static-rr", "leastconn", "first", "source", "uri"] as const;
export type BalanceAlgorithm = (typeof BALANCE_ALGORITHMS)[number];

/** TLS versions a bind may require as its minimum. */
export const TLS_VERSIONS = ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/**
 * Mozilla's server-side TLS profiles. Values from Mozilla's guideline 5.7 (ssl-config-generator
 * `guidelines/5.7.json`, what its `latest.json` names; the haproxy template the generator renders
 * from it): OpenSSL cipher names for TLS <= 1.2, TLS 1.3 suites, the lowest protocol, and
 * `no-tls-tickets` everywhere (tickets' keys would defeat forward secrecy until rotated).
 */
export const TLS_PROFILES = ["modern", "intermediate", "old"] as const;
export type TlsProfile = (typeof TLS_PROFILES)[number];

const TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];
const INTERMEDIATE_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "DHE-RSA-AES128-GCM-SHA256",
    "DHE-RSA-AES256-GCM-SHA384",
    "DHE-RSA-CHACHA20-POLY1305",
];
/** What each profile allows. `ciphers` apply to TLS 1.0-1.2 (modern has none: TLS 1.3 only). */
export const TLS_PROFILE_SETTINGS: Readonly<Record<TlsProfile, { minVersion: TlsVersion; ciphers: readonly string[]; ciphersuites: readonly string[] }>> = {
    modern: { minVersion: "TLSv1.3", ciphers: [], ciphersuites: TLS13_SUITES },
    intermediate: { minVersion: "TLSv1.2", ciphers: INTERMEDIATE_CIPHERS, ciphersuites: TLS13_SUITES },
    old: {
        minVersion: "TLSv1.0",
        ciphers: [
            ...INTERMEDIATE_CIPHERS,
            "ECDHE-ECDSA-AES128-SHA256",
            "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES128-SHA",
            "ECDHE-RSA-AES128-SHA",
            "ECDHE-ECDSA-AES256-SHA384",
            "ECDHE-RSA-AES256-SHA384",
            "ECDHE-ECDSA-AES256-SHA",
            "ECDHE-RSA-AES256-SHA",
            "DHE-RSA-AES128-SHA256",
            "DHE-RSA-AES256-SHA256",
            "AES128-GCM-SHA256",
            "AES256-GCM-SHA384",
            "AES128-SHA256",
            "AES256-SHA256",
            "AES128-SHA",
            "AES256-SHA",
            "DES-CBC3-SHA",
        ],
        ciphersuites: TLS13_SUITES,
    },
};
/**
 * DHE group size for the DHE suites intermediate and old keep. `tune.ssl.default-dh-param` exists
 * from 1.5 to 3.x (2.x with OpenSSL 3 picks the RFC 7919 ffdhe2048 group), so every family gets
 * the same line and no parameter file to manage. 2048 for old too (Mozilla says 1024 for Java 6,
 * which still has the RSA key exchange suites).
 */
export const TLS_DH_BITS = 2048;

/** Health-check methods. */
export const CHECK_METHODS = ["GET", "HEAD", "OPTIONS"] as const;

/** Where the certificates live on the host; binds name files relative to it (`crt-base`). */
export const CERT_DIR = "/etc/haproxy/certs";
/** The runtime API socket. */
export const RUNTIME_SOCKET = "/run/haproxy/admin.sock";

/**
 * A server's administrative state: `ready` takes traffic; `drain` takes no new traffic but what
 * persistence (a sticky cookie) sends it, its open connections finish, health checks go on;
 * `maint` takes nothing and is not checked.
 */
export const SERVER_STATES = ["ready", "drain", "maint"] as const;
export type ServerState = (typeof SERVER_STATES)[number];

/** A frontend's (and the defaults section's) mode. */
export const MODES = ["http", "tcp"] as const;
export type Mode = (typeof MODES)[number];

/** Where haproxy's log goes: `devlog` (`log /dev/log local0`, as the shorthand has always rendered) or `rsyslog`. */
export const LOGGING_TARGETS = ["devlog", "rsyslog"] as const;
export type LoggingTarget = (typeof LOGGING_TARGETS)[number];

/** What a header rule does. */
export const HEADER_ACTIONS = ["set", "delete"] as const;
export type HeaderAction = (typeof HEADER_ACTIONS)[number];
