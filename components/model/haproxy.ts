/**
 * HaproxyNode's model: its named collections (frontends, backends, certificates) as public args,
 * and `normalizeHaproxyNode(name, args) → HaproxyPlan`, the one place their values are checked and
 * defaulted. The shorthand args (`servers`, `port`, `balance`, …) end here: they become one
 * frontend and one backend with explicit values, so the component and the renderer see
 * collections only. Every problem is gathered with its arg path and thrown at once
 * (ArgumentErrors). Defaults come from defaults.ts, words from vocabulary.ts. PURE: no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkCertificatePem, TlsHost } from "../certificates";
import { acmeNodePlan, AcmeNodePlan } from "./acme";
import { ConnectionArgs } from "../common";
import { DEFAULTS } from "../defaults";
import type { HaproxyNodeArgs } from "../haproxyNode";
import { OsChoice, oldestHaproxy, versionAtLeast } from "../os";
import type { HaproxyHealthCheck, HaproxyHeaderRule } from "../render/haproxy";
import {
    ArgumentError,
    checkBoolean,
    checkCidr,
    checkConfigWord,
    checkHttpPath,
    checkInteger,
    checkIp,
    checkName,
    checkOneOf,
    checkPort,
    checkRawLines,
    checkUniqueNames,
    isIp,
    isObject,
} from "../validate";
import { checkServerAddress, DnsPlan, normalizeDns } from "./dns";
import { checkConnection, HostPlan, hostPlan } from "./host";
import { ArgPath, Checks, isKnown, memoizedNormalizer, pathText, strings, whenKnown } from "./problems";
import { compressionPlan, CompressionPlan, errorPagePlans, ErrorPagePlan, HaproxyCompressionArgs, HaproxyErrorPageArgs, http2Refusal, rawSectionPlans, RawSectionPlan } from "./responses";
import { HaproxyRouteMatchArgs, MapPlan, mapPlans, ROUTE_CONDITION_KEYS, routeConditions, RoutePlan } from "./routing";

export type { HaproxyCompressionArgs, HaproxyErrorPageArgs, HaproxyRawSectionArgs } from "./responses";
export type { HaproxyHeaderMatchArgs, HaproxyMapArgs, HaproxyQueryParamMatchArgs, HaproxyRouteMatchArgs } from "./routing";
import { AuthPlan, authPlan, HaproxyAuthArgs, HaproxyRateLimitArgs, PeersPlan, peersPlan, RateLimitPlan, rateLimitPlan, requireRouteVar, RESERVED_PREFIX, stickSourcePlan, UserlistPlan, userlistsPlan } from "./edge";
import {
    BALANCE_ALGORITHMS,
    BalanceAlgorithm,
    CHECK_METHODS,
    HEADER_ACTIONS,
    LOGGING_TARGETS,
    LoggingTarget,
    Mode,
    MODES,
    SERVER_STATES,
    ServerState,
    TLS_PROFILE_SETTINGS,
    TLS_PROFILES,
    TLS_VERSIONS,
    TlsProfile,
    TlsVersion,
} from "./vocabulary";

export interface HaproxyServerArgs {
    /** Server name in haproxy.cfg (letters, digits, `.`, `_`, `-`), e.g. a WebBackend's `backendName`. An Output is fine. */
    name: pulumi.Input<string>;
    /**
     * Address haproxy connects to, e.g. a WebBackend's `address`: an IP address or a DNS name
     * (RFC 1123), resolved with libc when haproxy starts and, with the node's `nameservers`,
     * again while it runs. An Output is fine.
     */
    address: pulumi.Input<string>;
    /** Default 80. */
    port?: number;
    /** haproxy weight 0–256. Default: haproxy's (1). */
    weight?: number;
    /** Serve only when all non-backup servers are down. Default false. */
    backup?: boolean;
    /** Connections haproxy sends this server at once (more wait in the queue). Default: no limit. */
    maxconn?: number;
    /**
     * `ready` (default), `drain` (no new traffic but sticky clients; open connections finish) or
     * `maint` (no traffic, no checks). Not `ready` needs `runtimeApi: true`: a change is applied
     * at once through the runtime API socket, without a reload, and persisted in haproxy.cfg
     * (drain as `weight 0`, maint as `disabled`) so a later reload keeps it.
     */
    state?: string;
}

export interface HaproxyHealthCheckArgs {
    /** `GET` (default), `HEAD` or `OPTIONS` (http mode). */
    method?: string;
    /** Path checked in http mode. Default `/`. */
    path?: string;
    /** Host header sent with the check (a vhost-based backend needs it). Default: none (HTTP/1.0). */
    host?: string;
    /** Status that counts as healthy. Default 200. */
    expectStatus?: number;
    /** Milliseconds between checks. Default 2000. */
    interMs?: number;
    /** Default 2. */
    rise?: number;
    /** Default 3. */
    fall?: number;
}

export interface HaproxyStickyArgs {
    /** Cookie that pins a client to a server (inserted by haproxy). One of this or `source`. */
    cookie?: string;
    /**
     * Pin by source address in a stick table (`stick on src`), shared with the other balancers
     * when `peers` is set: a client keeps its server across a reload and a failover. Default false.
     */
    source?: boolean;
    /** With `source`: seconds a client stays pinned after its last request. Default 1800. */
    expireS?: number;
}

export interface HaproxyBackendTimeoutsArgs {
    /** Default: the defaults section's (`timeouts.connectMs`). */
    connectMs?: number;
    /** Default: the defaults section's (`timeouts.serverMs`). */
    serverMs?: number;
    /** How long a request waits for a server slot (with per-server `maxconn`). Default: haproxy's. */
    queueMs?: number;
    httpKeepAliveMs?: number;
}

export interface HaproxyBackendArgs {
    /** `backend <name>`: letters, digits, `.`, `_`, `-`. */
    name: string;
    servers: HaproxyServerArgs[];
    /** Default `roundrobin`; one of roundrobin, static-rr, leastconn, first, source, uri. */
    balance?: string;
    healthCheck?: HaproxyHealthCheckArgs;
    /** Sticky sessions by an inserted cookie. Default off. */
    sticky?: HaproxyStickyArgs;
    timeouts?: HaproxyBackendTimeoutsArgs;
    /** Raw directives appended to this backend (validated by `haproxy -c` on the host). */
    extraConfig?: string[];
    /** Pages haproxy answers with for its own errors of this backend (a 503 when no server is up…), per status. Default: haproxy's. */
    errorPages?: HaproxyErrorPageArgs[];
    /** Compress responses (`{}`: gzip of the usual text types) for clients that accept it. Default off. */
    compression?: HaproxyCompressionArgs;
}

export interface HaproxyBindTlsArgs {
    /** Names from `certificates`; with several, SNI picks (the first is the default). */
    certificates: string[];
    /**
     * `TLSv1.0`, `TLSv1.1`, `TLSv1.2` or `TLSv1.3` (haproxy ≥ 1.8). Default: the frontend's
     * `tlsProfile`'s (intermediate TLSv1.2, modern TLSv1.3, old TLSv1.0); a version the profile
     * does not allow is refused (below TLSv1.2 needs `tlsProfile: old`).
     */
    minVersion?: string;
    /** ALPN `h2,http/1.1` where haproxy ≥ 1.8 (http mode). Default true; older versions get none. */
    alpn?: boolean;
    /** Offer HTTP/2 in ALPN (haproxy ≥ 1.8); false offers `http/1.1` only. Default true where `alpn` is on. */
    http2?: boolean;
}

export interface HaproxyBindArgs {
    /** The VIP (an Output is fine), or `*` (default) for all addresses. */
    address?: pulumi.Input<string>;
    port: number;
    tls?: HaproxyBindTlsArgs;
}

/**
 * A route: its conditions all hold (each list matches when any of its values does: `hosts`,
 * `pathPrefixes`, `paths`, `methods`, …), and at least one of `anyOf`, and none of `not`.
 * Routes are tried in order; the first that matches wins.
 */
export interface HaproxyRouteArgs extends HaproxyRouteMatchArgs {
    /** At least one of these must hold too (each an AND of its tests). */
    anyOf?: HaproxyRouteMatchArgs[];
    /** None of these may hold (each an AND of its tests). */
    not?: HaproxyRouteMatchArgs[];
    /** Name of a backend in `backends`. */
    backend: string;
    /** Requests this route matches (first match wins), limited per source address or header value; over it, 429. haproxy ≥ 1.6. */
    rateLimit?: HaproxyRateLimitArgs;
    /** Basic auth on the requests this route matches (first match wins). haproxy ≥ 1.6. */
    auth?: HaproxyAuthArgs;
}

export interface HaproxyHeaderRuleArgs {
    /** `set` or `delete`. */
    action: string;
    /** Header name. */
    name: string;
    /** With `set`: the value (one word; haproxy log-format such as `%[src]` allowed). */
    value?: string;
}

export interface HaproxyHstsArgs {
    /** Strict-Transport-Security max-age in seconds, sent on TLS responses. */
    maxAgeS: number;
}

export interface HaproxyFrontendTimeoutsArgs {
    /** Default: the defaults section's (`timeouts.clientMs`). */
    clientMs?: number;
    /** Time a client has to send its request headers (slow clients). Default 10000 in http mode. */
    httpRequestMs?: number;
    httpKeepAliveMs?: number;
}

export interface HaproxyFrontendArgs {
    /** `frontend <name>`: letters, digits, `.`, `_`, `-`. */
    name: string;
    binds: HaproxyBindArgs[];
    /** `http` or `tcp`. Default: the node's `mode` (http). */
    mode?: string;
    /** First match wins; then `defaultBackend`. */
    routes?: HaproxyRouteArgs[];
    defaultBackend?: string;
    /** Answer requests on plain binds with a 301 to https. Default false. */
    redirectToHttps?: boolean;
    hsts?: HaproxyHstsArgs;
    /**
     * Mozilla's server-side TLS profile for this frontend's TLS binds: `intermediate` (default:
     * TLS 1.2 and 1.3, forward-secret AEAD suites only), `modern` (TLS 1.3 only, haproxy ≥ 1.8)
     * or `old` (TLS 1.0 and up, CBC and RSA key exchange: only for clients that need it). Every
     * profile turns session tickets off. Only on a frontend with a `tls` bind.
     */
    tlsProfile?: string;
    /** X-Forwarded-For to the servers. Default true in http mode. */
    forwardFor?: boolean;
    /**
     * Connections this frontend accepts at once; more wait in the kernel's backlog (the global
     * `maxconn` caps every frontend together). Default: haproxy's (the global `maxconn`).
     */
    maxconn?: number;
    /** Every request of this frontend, limited per source address (or header value); over it, 429. haproxy ≥ 1.6. */
    rateLimit?: HaproxyRateLimitArgs;
    /** Basic auth on every request of this frontend (401 without valid credentials). */
    auth?: HaproxyAuthArgs;
    timeouts?: HaproxyFrontendTimeoutsArgs;
    requestHeaders?: HaproxyHeaderRuleArgs[];
    responseHeaders?: HaproxyHeaderRuleArgs[];
    /** Raw directives appended to this frontend (validated by `haproxy -c` on the host). */
    extraConfig?: string[];
    /** Pages haproxy answers with for its own errors of this frontend, per status. Default: haproxy's. */
    errorPages?: HaproxyErrorPageArgs[];
    /** A map in `maps` (Host → backend), tried after `routes` and before `defaultBackend`. */
    hostMap?: string;
}

export interface HaproxyCertificateArgs {
    /** Lands as /etc/haproxy/certs/<name>.pem. */
    name: string;
    /** The certificate chain and its private key, PEM (keep it a secret). */
    pem: pulumi.Input<string>;
}

/** A checked bind: its address may still be an Output. */
export interface BindPlan {
    address: pulumi.Input<string>;
    port: number;
    tls?: { certificates: string[]; minVersion: TlsVersion; alpn: boolean; profile: TlsProfile; http2?: boolean };
}

export interface ServerPlan {
    /** Where the user wrote it: `servers[1]` (shorthand) or `backends[0].servers[1]`. */
    path: ArgPath;
    /** May still be an Output: checked, and its uniqueness too, when it resolves. */
    name: pulumi.Input<string>;
    address: pulumi.Input<string>;
    port: number;
    weight?: number;
    backup: boolean;
    maxconn?: number;
    state: ServerState;
}

export interface BackendPlan {
    /** Where the user wrote it: `[]` for the shorthand (its servers are `servers`), `backends[i]`. */
    path: ArgPath;
    name: string;
    mode: Mode;
    balance: BalanceAlgorithm;
    healthCheck: HaproxyHealthCheck;
    servers: ServerPlan[];
    sticky?: { cookie: string };
    /** `sticky.source`: a stick table on the source address. */
    stickSource?: { expireS: number };
    timeouts: { connectMs?: number; serverMs?: number; queueMs?: number; httpKeepAliveMs?: number };
    extra: string[];
    errorPages?: ErrorPagePlan[];
    compression?: CompressionPlan;
}

export interface FrontendPlan {
    /** Where the user wrote it: `[]` for the shorthand, `frontends[i]`. */
    path: ArgPath;
    name: string;
    mode: Mode;
    binds: BindPlan[];
    routes: (RoutePlan & { rateLimit?: RateLimitPlan; auth?: AuthPlan })[];
    defaultBackend?: string;
    redirectToHttps: boolean;
    hstsMaxAgeS?: number;
    forwardFor: boolean;
    maxconn?: number;
    timeouts: { clientMs?: number; httpRequestMs?: number; httpKeepAliveMs?: number };
    requestHeaders: HaproxyHeaderRule[];
    responseHeaders: HaproxyHeaderRule[];
    rateLimit?: RateLimitPlan;
    auth?: AuthPlan;
    extra: string[];
    errorPages?: ErrorPagePlan[];
    /** A map's name: `use_backend` by the Host it maps, after the routes. */
    hostMap?: string;
}

export interface CertificatePlan {
    name: string;
    /** Checked once: a plain PEM now, a secret Output when it resolves (every step waits for it). */
    pem: pulumi.Input<string>;
}

/** The old names, until the stack config stops importing them. */
export type CheckedBind = BindPlan;
export type CheckedServer = ServerPlan;
export type CheckedBackend = BackendPlan;
export type CheckedFrontend = FrontendPlan;

export interface StatsPlan {
    port: number;
    uri: string;
    user: string;
    password?: pulumi.Input<string>;
    adminSources: string[];
    prometheus: boolean;
    bindAddress: pulumi.Input<string>;
}

/** Everything an HaproxyNode needs, checked and defaulted: collections only. */
export interface HaproxyPlan extends HostPlan {
    nodeName: string;
    /** The defaults section's mode. */
    mode: Mode;
    timeouts: { connectMs: number; clientMs: number; serverMs: number };
    maxconn: number;
    /** The global and defaults sections' raw lines (a frontend's and a backend's are in their entries). */
    extra: { global: string[]; defaults: string[] };
    frontends: FrontendPlan[];
    backends: BackendPlan[];
    certificates: CertificatePlan[];
    /** Host → backend tables, shipped as files with the config (see script/maps.ts). */
    maps: MapPlan[];
    /** Raw top-level sections, rendered after the backends. */
    sections: RawSectionPlan[];
    /** The Hosts each TLS frontend routes, with its certificates (for the SAN warnings). */
    tlsHosts: TlsHost[];
    logging: LoggingTarget;
    runtimeApi: boolean;
    address?: pulumi.Input<string>;
    stats?: StatsPlan;
    /** Every frontend bind's port: the firewall opens them. */
    ports: number[];
    /** The stats port, open to `adminSources` only (when there are any). */
    restrictedPort?: { port: number; sources: string[] };
    nonlocalBind: boolean;
    nonlocalBind6: boolean;
    /** The oldest haproxy the node may meet. */
    haproxyVersion: string;
    /** Run-time resolution of server names (`nameservers`); unset: names resolved at start only. */
    dns?: DnsPlan;
    /** ACME: the HTTP-01 answer and the certificates an AcmeCertificate fills (model/acme.ts). */
    acme?: AcmeNodePlan;
    /** The peers section (its port open to the other members only). */
    peers?: PeersPlan;
    userlists: UserlistPlan[];
}

export interface CollectionsInput {
    frontends?: unknown;
    backends?: unknown;
    certificates?: unknown;
    maps?: unknown;
    sections?: unknown;
    userlists?: unknown;
}

type Collections = { frontends: FrontendPlan[]; backends: BackendPlan[]; certificates: CertificatePlan[]; maps: MapPlan[]; sections: RawSectionPlan[] };

const FRONTEND_KEYS = ["name", "binds", "mode", "routes", "defaultBackend", "redirectToHttps", "hsts", "tlsProfile", "forwardFor", "maxconn", "rateLimit", "auth", "timeouts", "requestHeaders", "responseHeaders", "extraConfig", "errorPages", "hostMap"] as const;
const BACKEND_KEYS = ["name", "servers", "balance", "healthCheck", "sticky", "timeouts", "extraConfig", "errorPages", "compression"] as const;
const SERVER_KEYS = ["name", "address", "port", "weight", "backup", "maxconn", "state"] as const;
const HEALTH_CHECK_KEYS = ["method", "path", "host", "expectStatus", "interMs", "rise", "fall"] as const;

const HOST_RE = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
const HEADER_NAME_RE = /^[A-Za-z0-9-]{1,64}$/;
/** One word haproxy reads as-is: printable, no space, quote, backslash or comment mark. */
const HEADER_VALUE_RE = /^[A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~-]{1,512}$/;
const COOKIE_RE = /^[A-Za-z0-9_-]{1,64}$/;
const MS_MAX = 86_400_000;

/** Edit distance, for suggesting the key a user meant. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    }
    return d[a.length][b.length];
}

/** Refuses keys an object does not know (a typo would otherwise be ignored), suggesting the nearest. */
function checkKeys(c: Checks, path: ArgPath, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const k of Object.keys(obj)) {
        if (known.includes(k) || obj[k] === undefined) continue;
        const nearest = [...known].sort((a, b) => distance(k, a) - distance(k, b))[0];
        c.add([...path, k], `is not a known key${distance(k, nearest) <= 3 ? ` (did you mean \`${nearest}\`?)` : ""}; keys are: ${known.join(", ")}`, obj[k]);
    }
}

/** A list of objects; an entry that is none is a problem and left out (its index stays its path). */
function list(c: Checks, path: ArgPath, v: unknown, what: string, min = 0, known?: readonly string[]): { entry: Record<string, unknown>; i: number }[] | undefined {
    if (v === undefined && min === 0) return [];
    if (!Array.isArray(v) || v.length < min) {
        c.add(path, `must be a list of ${what}${min ? ` (at least ${min})` : ""}`, v);
        return undefined;
    }
    return v.flatMap((e, i) => {
        if (!isObject(e)) {
            c.add([...path, i], `must be an object (${what})`, e);
            return [];
        }
        if (known) checkKeys(c, [...path, i], e, known);
        return [{ entry: e, i }];
    });
}

function optionalInteger(c: Checks, path: ArgPath, v: unknown, min: number, max: number): number | undefined {
    return v === undefined ? undefined : c.at(path, (f) => checkInteger(c.where, f, v, min, max));
}

function bool(c: Checks, path: ArgPath, v: unknown, dflt: boolean): boolean {
    return v === undefined ? dflt : c.at(path, (f) => checkBoolean(c.where, f, v)) ?? dflt;
}

/** The object at `path`, `{}` when unset; a problem (and `{}`) when it is no object. */
function object(c: Checks, path: ArgPath, v: unknown, rule = "must be an object"): Record<string, unknown> {
    if (v === undefined) return {};
    if (isObject(v)) return v;
    c.add(path, rule, v);
    return {};
}

/** A feature the oldest haproxy the node may meet lacks: refused naming the feature, family and version. */
export function requireHaproxy(where: string, field: string, os: OsChoice, minimum: string, feature: string, value: unknown): void {
    const { version, who } = oldestHaproxy(os);
    if (versionAtLeast(version, minimum)) return;
    throw new ArgumentError(where, field, `needs ${feature}, which haproxy ${minimum} brought; ${who}`, value);
}

function checkHost(where: string, field: string, v: unknown): string {
    if (typeof v !== "string" || v.length > 253 || !HOST_RE.test(v)) throw new ArgumentError(where, field, "must be a host name such as app.example.com", v);
    return v.toLowerCase();
}

function healthCheck(c: Checks, path: ArgPath, raw: unknown): HaproxyHealthCheck {
    const hc = object(c, path, raw);
    checkKeys(c, path, hc, HEALTH_CHECK_KEYS);
    const d = DEFAULTS.haproxyNode.healthCheck;
    const at = <T>(k: string, fn: (f: string) => T) => c.at([...path, k], fn);
    const method = hc.method === undefined ? undefined : at("method", (f) => checkOneOf(c.where, f, hc.method, CHECK_METHODS));
    const host = hc.host === undefined ? undefined : at("host", (f) => checkHost(c.where, f, hc.host));
    const expectStatus = optionalInteger(c, [...path, "expectStatus"], hc.expectStatus, 100, 599);
    return {
        ...(method === undefined ? {} : { method }),
        path: at("path", (f) => checkHttpPath(c.where, f, hc.path ?? d.path)) ?? d.path,
        ...(host === undefined ? {} : { host }),
        ...(expectStatus === undefined ? {} : { expectStatus }),
        interMs: at("interMs", (f) => checkInteger(c.where, f, hc.interMs ?? d.interMs, 100, 3_600_000)) ?? d.interMs,
        rise: at("rise", (f) => checkInteger(c.where, f, hc.rise ?? d.rise, 1, 100)) ?? d.rise,
        fall: at("fall", (f) => checkInteger(c.where, f, hc.fall ?? d.fall, 1, 100)) ?? d.fall,
    };
}

function servers(c: Checks, path: ArgPath, raw: unknown): ServerPlan[] {
    const before = c.problems.list.length;
    const entries = list(c, path, raw, "servers with `name` and `address`", 1, SERVER_KEYS);
    if (entries === undefined) return [];
    const d = DEFAULTS.haproxyNode.server;
    const out: ServerPlan[] = entries.map(({ entry: s, i }) => {
        const at = <T>(k: string, fn: (f: string) => T) => c.at([...path, i, k], fn);
        return {
            path: [...path, i],
            name: whenKnown(c, [...path, i, "name"], s.name as pulumi.Input<string>, (f, n) => checkName(c.where, f, n)),
            address: whenKnown(c, [...path, i, "address"], s.address as pulumi.Input<string>, (f, a) => checkServerAddress(c.where, f, a)),
            port: at("port", (f) => checkPort(c.where, f, s.port ?? d.port)) ?? d.port,
            weight: optionalInteger(c, [...path, i, "weight"], s.weight, 0, 256),
            backup: bool(c, [...path, i, "backup"], s.backup, d.backup),
            maxconn: optionalInteger(c, [...path, i, "maxconn"], s.maxconn, 1, 1_000_000),
            state: at("state", (f) => checkOneOf(c.where, f, s.state ?? d.state, SERVER_STATES)) ?? d.state,
        };
    });
    // The cross-entry rules only over entries that passed: no echo of a problem already named.
    if (c.problems.list.length > before) return out;
    const names = out.map((s) => s.name);
    const shown = names.map((n) => (typeof n === "string" ? n : "(output)"));
    if (names.every((n): n is string => typeof n === "string")) c.at(path, (f) => checkUniqueNames(c.where, f, names));
    if (out.every((s) => s.backup)) c.add(path, "needs at least one server that is not a backup", shown);
    // Every server drained or in maintenance is an outage `pulumi up` would report as a success.
    if (out.every((s) => s.state !== "ready")) c.add(path, "would take every server out of rotation: keep at least one `state: ready`", out.map((s, i) => `${shown[i]}: ${s.state}`));
    return out;
}

function headerRules(c: Checks, path: ArgPath, raw: unknown): HaproxyHeaderRule[] {
    return (list(c, path, raw, "header rules with `action` and `name`", 0, ["action", "name", "value"]) ?? []).flatMap(({ entry: r, i }): HaproxyHeaderRule[] => {
        const action = c.at([...path, i, "action"], (f) => checkOneOf(c.where, f, r.action, HEADER_ACTIONS));
        const name = r.name;
        if (typeof name !== "string" || !HEADER_NAME_RE.test(name)) c.add([...path, i, "name"], "must be a header name (letters, digits, '-')", name);
        if (action === "delete") {
            if (r.value !== undefined) c.add([...path, i, "value"], "must be unset with `action: delete`", r.value);
            return [{ action, name: name as string }];
        }
        if (action === "set" && (typeof r.value !== "string" || !HEADER_VALUE_RE.test(r.value))) {
            c.add([...path, i, "value"], "must be one word of printable characters without quotes, backslash or '#'", r.value);
        }
        return action === undefined ? [] : [{ action, name: name as string, value: r.value as string }];
    });
}

/** Known plain bind address, or undefined while an Output. */
function knownAddress(a: pulumi.Input<string>): string | undefined {
    return typeof a === "string" ? a : undefined;
}

/**
 * The named collections, checked and defaulted. `defaultMode` is the node's `mode`. A problem is
 * recorded at its path and the walk goes on: rules that need a refused value skip it.
 */
export function haproxyCollections(c: Checks, input: CollectionsInput, opts: { os: OsChoice; defaultMode: Mode; userlists?: string[] }): Collections {
    const { os } = opts;
    const { where } = c;
    const userlists = opts.userlists ?? [];

    const certEntries = list(c, ["certificates"], input.certificates, "certificates with `name` and `pem`", 0, ["name", "pem"]) ?? [];
    const certNames = certEntries.map(({ entry, i }) => {
        const name = c.at(["certificates", i, "name"], (f) => checkName(where, f, entry.name));
        // It names a file on the host (certs/<name>.pem), and the bundle refuses `..` in any entry.
        if (name?.includes("..")) c.add(["certificates", i, "name"], "must not hold '..'", name);
        return name;
    });
    if (certNames.every((n): n is string => n !== undefined)) c.at(["certificates"], (f) => checkUniqueNames(where, f, certNames));
    const certificates: CertificatePlan[] = certEntries.map(({ entry, i }, k) => {
        const path = ["certificates", i, "pem"];
        let pem = entry.pem as pulumi.Input<string>;
        if (pem === undefined || pem === null) c.add(path, "must be the certificate chain and key (PEM)", "<hidden>");
        // A plain PEM is checked now; a secret Output when it resolves (every step waits for that).
        else if (isKnown(pem)) pem = c.at(path, (f) => checkCertificatePem(where, f, pem)) ?? pem;
        else pem = pulumi.output(pem).apply((p) => checkCertificatePem(where, c.show(path), p));
        return { name: certNames[k] ?? String(entry.name), pem };
    });
    const known = certificates.map((x) => x.name);

    const backendEntries = list(c, ["backends"], input.backends, "backends with `name` and `servers`", 1, BACKEND_KEYS) ?? [];
    const backendNames = backendEntries.map(({ entry, i }) => c.at(["backends", i, "name"], (f) => checkName(where, f, entry.name)));
    backendNames.forEach((n, k) => {
        if (n?.startsWith(RESERVED_PREFIX)) c.add(["backends", backendEntries[k].i, "name"], `must not start with \`${RESERVED_PREFIX}\` (the library's own sections, e.g. rate-limit tables)`, n);
    });
    if (backendNames.every((n): n is string => n !== undefined)) c.at(["backends"], (f) => checkUniqueNames(where, f, backendNames));
    const backendRef = (path: ArgPath, v: unknown): string | undefined => {
        if (typeof v !== "string" || !backendNames.includes(v)) {
            c.add(path, `is not a backend; backends are: ${backendNames.filter((n) => n !== undefined).join(", ")}`, v);
            return undefined;
        }
        return v;
    };

    const seenBinds = new Map<string, ArgPath>();
    let unnamed = 0;
    const frontendEntries = list(c, ["frontends"], input.frontends, "frontends with `name` and `binds`", 1, FRONTEND_KEYS) ?? [];
    const frontends: FrontendPlan[] = frontendEntries.map(({ entry: f, i }) => {
        const p = (...rest: (string | number)[]): ArgPath => ["frontends", i, ...rest];
        const at = <T>(path: ArgPath, fn: (f: string) => T) => c.at(path, fn);
        const checkedName = at(p("name"), (x) => checkName(where, x, f.name));
        if (checkedName === undefined) unnamed++;
        const name = checkedName ?? String(f.name);
        const mode = at(p("mode"), (x) => checkOneOf(where, x, f.mode ?? opts.defaultMode, MODES)) ?? opts.defaultMode;
        const tlsProfile = at(p("tlsProfile"), (x) => checkOneOf(where, x, f.tlsProfile ?? DEFAULTS.haproxyNode.tlsProfile, TLS_PROFILES));
        if (tlsProfile === "modern") at(p("tlsProfile"), (x) => requireHaproxy(where, x, os, "1.8", "TLS 1.3", tlsProfile));
        const binds: BindPlan[] = (list(c, p("binds"), f.binds, "binds with `port`", 1, ["address", "port", "tls"]) ?? []).map(({ entry: b, i: j }) => {
            const bp = (...rest: (string | number)[]) => p("binds", j, ...rest);
            const rawAddress = (b.address ?? DEFAULTS.haproxyNode.bindAddress) as pulumi.Input<string>;
            const address = whenKnown(c, bp("address"), rawAddress, (x, a) => {
                if (a !== "*") checkIp(where, x, a);
            });
            const port = at(bp("port"), (x) => checkPort(where, x, b.port));
            const plain = knownAddress(address);
            if (plain !== undefined && port !== undefined) {
                // `*` overlaps every address on the same port.
                for (const [other, owner] of seenBinds) {
                    const [oa, op] = [other.slice(0, other.lastIndexOf("|")), Number(other.slice(other.lastIndexOf("|") + 1))];
                    if (op === port && (oa === plain || oa === "*" || plain === "*")) c.add(bp("port"), `binds ${plain}:${port}, which ${c.show(owner)} already binds`, port);
                }
                seenBinds.set(`${plain}|${port}`, p("binds", j));
            }
            let tls: BindPlan["tls"];
            if (b.tls !== undefined) {
                const t = b.tls as Record<string, unknown>;
                if (!isObject(t)) c.add(bp("tls"), "must be an object with `certificates`", t);
                else {
                    checkKeys(c, bp("tls"), t, ["certificates", "minVersion", "alpn", "http2"]);
                    const certs = strings(c, bp("tls", "certificates"), t.certificates, (path, s) => {
                        if (typeof s !== "string" || !known.includes(s)) {
                            c.add(path, `is not a certificate; certificates are: ${known.join(", ") || "(none)"}`, s);
                            return undefined;
                        }
                        return s;
                    });
                    if (Array.isArray(t.certificates) && t.certificates.length === 0) c.add(bp("tls", "certificates"), "must name at least one certificate", t.certificates);
                    if (t.certificates === undefined) c.add(bp("tls", "certificates"), "must name at least one certificate", t.certificates);
                    const profile = tlsProfile ?? DEFAULTS.haproxyNode.tlsProfile;
                    const floor = TLS_PROFILE_SETTINGS[profile].minVersion;
                    const minVersion = at(bp("tls", "minVersion"), (x) => checkOneOf(where, x, t.minVersion ?? floor, TLS_VERSIONS));
                    if (minVersion === "TLSv1.3") at(bp("tls", "minVersion"), (x) => requireHaproxy(where, x, os, "1.8", "TLS 1.3", minVersion));
                    // Below the profile's floor only on explicit request: the profile says so, not a stray minVersion.
                    if (minVersion !== undefined && tlsProfile !== undefined && TLS_VERSIONS.indexOf(minVersion) < TLS_VERSIONS.indexOf(floor)) {
                        const hint = tlsProfile === "modern" ? "modern is TLS 1.3 only; use `tlsProfile: intermediate` for TLS 1.2" : "set the frontend's `tlsProfile: old` to allow TLS below 1.2 (clients that need it)";
                        c.add(bp("tls", "minVersion"), `is below the ${tlsProfile} TLS profile's ${floor}: ${hint}`, minVersion);
                    }
                    const alpn = bool(c, bp("tls", "alpn"), t.alpn, mode === "http");
                    const http2 = bool(c, bp("tls", "http2"), t.http2, alpn);
                    if (t.http2 === true && !alpn) c.add(bp("tls", "http2"), "needs `alpn` (clients pick HTTP/2 through ALPN)", t.http2);
                    if (t.http2 === true) {
                        const old = http2Refusal(os);
                        if (old) c.add(bp("tls", "http2"), old, t.http2);
                    }
                    tls = { certificates: certs, minVersion: minVersion ?? floor, alpn, profile, ...(t.http2 === undefined ? {} : { http2 }) };
                }
            }
            return { address, port: port ?? 0, tls };
        });
        if (f.tlsProfile !== undefined && Array.isArray(f.binds) && !(f.binds as unknown[]).some((b) => isObject(b) && b.tls !== undefined)) {
            c.add(p("tlsProfile"), "applies to TLS binds, and this frontend has none (add `tls` to a bind or remove `tlsProfile`)", f.tlsProfile);
        }
        const routes = (list(c, p("routes"), f.routes, "routes with `backend`", 0, [...ROUTE_CONDITION_KEYS, "backend", "rateLimit", "auth"]) ?? []).flatMap(({ entry: r, i: j }): FrontendPlan["routes"] => {
            const rp = (...rest: (string | number)[]) => p("routes", j, ...rest);
            const conditions = routeConditions(c, rp(), r);
            const backend = backendRef(rp("backend"), r.backend);
            if (mode === "tcp") c.add(p("routes", j), "routes by Host header and path need `mode: http`", r);
            const rateLimit = rateLimitPlan(c, rp("rateLimit"), r.rateLimit, os, mode);
            const auth = authPlan(c, rp("auth"), r.auth, userlists, mode);
            // A route's limit is refused with the limits' own version rule; its auth needs the variable.
            if (r.auth !== undefined) requireRouteVar(c, rp("auth"), os, r.auth);
            return backend === undefined ? [] : [{ ...conditions, backend, ...(rateLimit ? { rateLimit } : {}), ...(auth ? { auth } : {}) }];
        });
        let hostMap: string | undefined;
        if (f.hostMap !== undefined) {
            const maps = Array.isArray(input.maps) ? (input.maps as unknown[]).map((m) => (isObject(m) ? m.name : undefined)) : [];
            if (typeof f.hostMap !== "string" || !maps.includes(f.hostMap)) c.add(p("hostMap"), `is not a map; maps are: ${maps.join(", ") || "(none)"}`, f.hostMap);
            else hostMap = f.hostMap;
            if (mode !== "http") c.add(p("hostMap"), "routes by Host header and needs `mode: http`", f.hostMap);
        }
        const defaultBackend = f.defaultBackend === undefined ? undefined : backendRef(p("defaultBackend"), f.defaultBackend);
        const redirectToHttps = bool(c, p("redirectToHttps"), f.redirectToHttps, DEFAULTS.haproxyNode.frontend.redirectToHttps);
        if (!redirectToHttps && f.defaultBackend === undefined && f.hostMap === undefined && (f.routes === undefined || (Array.isArray(f.routes) && f.routes.length === 0))) {
            c.add(p("defaultBackend"), "must be set (or `routes`, or `redirectToHttps`): the frontend sends requests nowhere", undefined);
        }
        const httpOnly = (field: string, v: unknown) => {
            if (mode !== "http") c.add(p(...field.split(".")), "needs `mode: http`", v);
        };
        if (redirectToHttps) httpOnly("redirectToHttps", true);
        let hstsMaxAgeS: number | undefined;
        if (f.hsts !== undefined) {
            httpOnly("hsts", f.hsts);
            if (!isObject(f.hsts)) c.add(p("hsts"), "must be an object with `maxAgeS`", f.hsts);
            else hstsMaxAgeS = at(p("hsts", "maxAgeS"), (x) => checkInteger(where, x, (f.hsts as Record<string, unknown>).maxAgeS, 0, 1_000_000_000));
        }
        const forwardFor = bool(c, p("forwardFor"), f.forwardFor, mode === "http");
        if (forwardFor) httpOnly("forwardFor", true);
        const t = object(c, p("timeouts"), f.timeouts);
        checkKeys(c, p("timeouts"), t, ["clientMs", "httpRequestMs", "httpKeepAliveMs"]);
        const timeouts = {
            clientMs: optionalInteger(c, p("timeouts", "clientMs"), t.clientMs, 1, MS_MAX),
            httpRequestMs: optionalInteger(c, p("timeouts", "httpRequestMs"), t.httpRequestMs ?? (mode === "http" ? DEFAULTS.haproxyNode.frontend.httpRequestMs : undefined), 1, MS_MAX),
            httpKeepAliveMs: optionalInteger(c, p("timeouts", "httpKeepAliveMs"), t.httpKeepAliveMs, 1, MS_MAX),
        };
        if (mode === "tcp" && (t.httpRequestMs !== undefined || t.httpKeepAliveMs !== undefined)) httpOnly("timeouts", t);
        const requestHeaders = headerRules(c, p("requestHeaders"), f.requestHeaders);
        const responseHeaders = headerRules(c, p("responseHeaders"), f.responseHeaders);
        if (requestHeaders.length) httpOnly("requestHeaders", f.requestHeaders);
        if (responseHeaders.length) httpOnly("responseHeaders", f.responseHeaders);
        return {
            path: ["frontends", i],
            name,
            mode,
            binds,
            routes,
            defaultBackend,
            redirectToHttps,
            hstsMaxAgeS,
            forwardFor,
            maxconn: optionalInteger(c, p("maxconn"), f.maxconn, 1, 1_000_000),
            timeouts,
            requestHeaders,
            responseHeaders,
            rateLimit: rateLimitPlan(c, p("rateLimit"), f.rateLimit, os, mode),
            auth: authPlan(c, p("auth"), f.auth, userlists, mode),
            extra: c.at(p("extraConfig"), (x) => checkRawLines(where, x, f.extraConfig)) ?? [],
            errorPages: errorPagePlans(c, p("errorPages"), f.errorPages, os, "fe", name, mode),
            hostMap,
        };
    });
    const frontendNames = frontends.map((f) => f.name);
    if (unnamed === 0) c.at(["frontends"], (x) => checkUniqueNames(where, x, frontendNames));

    // A backend's mode is the mode of the frontends that send to it; they must agree.
    const modeOf = new Map<string, { mode: Mode; by: ArgPath }>();
    frontends.forEach((f) => {
        const mapped = input.maps === undefined || f.hostMap === undefined ? [] : ((input.maps as { name?: unknown; entries?: Record<string, unknown> }[]).find((m) => isObject(m) && m.name === f.hostMap)?.entries ?? {});
        for (const b of [f.defaultBackend, ...f.routes.map((r) => r.backend), ...new Set(Object.values(mapped).filter((v): v is string => typeof v === "string"))]) {
            if (b === undefined) continue;
            const seen = modeOf.get(b);
            if (seen && seen.mode !== f.mode) c.add([...f.path, "mode"], `is ${f.mode}, but ${c.show(seen.by)} (${seen.mode}) also sends to backend "${b}"`, f.mode);
            else modeOf.set(b, { mode: f.mode, by: f.path });
        }
    });

    const backends: BackendPlan[] = backendEntries.map(({ entry: b, i }, k) => {
        const p = (...rest: (string | number)[]): ArgPath => ["backends", i, ...rest];
        const name = backendNames[k] ?? String(b.name);
        const mode = modeOf.get(name)?.mode ?? opts.defaultMode;
        const t = object(c, p("timeouts"), b.timeouts);
        checkKeys(c, p("timeouts"), t, ["connectMs", "serverMs", "queueMs", "httpKeepAliveMs"]);
        let sticky: BackendPlan["sticky"];
        let stickSource: BackendPlan["stickSource"];
        if (isObject(b.sticky)) checkKeys(c, p("sticky"), b.sticky, ["cookie", "source", "expireS"]);
        if (isObject(b.sticky) && (b.sticky.source !== undefined || b.sticky.expireS !== undefined)) {
            stickSource = stickSourcePlan(c, p("sticky"), b.sticky, mode);
        }
        if (b.sticky !== undefined && !(isObject(b.sticky) && b.sticky.cookie === undefined && b.sticky.source !== undefined)) {
            const s = b.sticky as Record<string, unknown>;
            if (!isObject(s) || typeof s.cookie !== "string" || !COOKIE_RE.test(s.cookie)) {
                c.add(p("sticky", "cookie"), "must be a cookie name (letters, digits, '_', '-')", isObject(s) ? s.cookie : s);
            } else {
                if (mode !== "http") c.add(p("sticky"), "needs the backend's frontends in `mode: http`", s);
                sticky = { cookie: s.cookie };
            }
        }
        return {
            path: ["backends", i],
            name,
            mode,
            balance: c.at(p("balance"), (x) => checkOneOf(where, x, b.balance ?? DEFAULTS.haproxyNode.balance, BALANCE_ALGORITHMS)) ?? DEFAULTS.haproxyNode.balance,
            healthCheck: healthCheck(c, p("healthCheck"), b.healthCheck),
            servers: servers(c, p("servers"), b.servers),
            sticky,
            ...(stickSource ? { stickSource } : {}),
            timeouts: {
                connectMs: optionalInteger(c, p("timeouts", "connectMs"), t.connectMs, 1, MS_MAX),
                serverMs: optionalInteger(c, p("timeouts", "serverMs"), t.serverMs, 1, MS_MAX),
                queueMs: optionalInteger(c, p("timeouts", "queueMs"), t.queueMs, 1, MS_MAX),
                httpKeepAliveMs: optionalInteger(c, p("timeouts", "httpKeepAliveMs"), t.httpKeepAliveMs, 1, MS_MAX),
            },
            extra: c.at(p("extraConfig"), (x) => checkRawLines(where, x, b.extraConfig)) ?? [],
            errorPages: errorPagePlans(c, p("errorPages"), b.errorPages, os, "be", name, mode),
            compression: compressionPlan(c, p("compression"), b.compression, mode),
        };
    });
    const maps = mapPlans(c, input.maps, backendNames);
    const sections = rawSectionPlans(c, input.sections, os);
    // Sections the library renders itself from other args: a raw one of the same name would be a duplicate.
    sections.forEach((s, i) => {
        if (s.type === "userlist" && (opts.userlists ?? []).includes(s.name)) c.add(["sections", i, "name"], "is a userlist of `userlists` already (rendered by the library)", s.name);
    });
    return { frontends, backends, certificates, maps, sections };
}

/**
 * The collections alone, thrown at once (the stack config's `haproxy-ha:frontends`… until it maps
 * stack keys to arg paths itself). `key` shows a field path as the user typed it.
 */
export function checkHaproxyCollections(
    where: string,
    input: CollectionsInput,
    opts: { os: OsChoice; defaultMode: Mode; key?: (path: string) => string },
): Collections {
    const key = opts.key ?? ((p: string) => p);
    const c = new Checks(where, (path) => key(pathText(path)));
    const out = haproxyCollections(c, input, opts);
    c.throwIfAny();
    return out;
}

/** The Hosts each TLS frontend routes, with the certificates its TLS binds offer (see certificateWarnings). */
export function tlsHosts(frontends: FrontendPlan[], key: (path: string) => string = (p) => p): TlsHost[] {
    return frontends.flatMap((f, i) => {
        const certificates = [...new Set(f.binds.flatMap((b) => b.tls?.certificates ?? []))];
        if (certificates.length === 0) return [];
        return f.routes.flatMap((r, j) => r.hosts.map((host, k) => ({ field: key(`frontends[${i}].routes[${j}].hosts[${k}]`), host, certificates })));
    });
}

const SHORTHAND_ONLY = ["servers", "bindAddress", "bindAddresses", "port", "frontendName", "backendName", "balance", "healthCheck"] as const;

/**
 * HaproxyNodeArgs → HaproxyPlan: every check and default of the node, before anything is
 * registered; every problem at once. The shorthand becomes one frontend and one backend whose
 * paths are the shorthand's own (`servers[2].state`), rendered exactly as it always was.
 */
export const normalizeHaproxyNode = memoizedNormalizer(normalize);

function normalize(name: string, args: HaproxyNodeArgs): HaproxyPlan {
    const where = `HaproxyNode "${name}"`;
    const c = new Checks(where);
    const at = <T>(path: ArgPath, fn: (f: string) => T) => c.at(path, fn);
    const d = DEFAULTS.haproxyNode;
    at(["connection"], (f) => checkConnection(where, f, args.connection));
    const host = hostPlan(c, args);
    const os = host.os;
    const nodeName = at(["nodeName"], (f) => checkName(where, f, args.nodeName ?? name)) ?? name;
    const mode = at(["mode"], (f) => checkOneOf(where, f, args.mode ?? d.mode, MODES)) ?? d.mode;
    const t = args.timeouts ?? {};
    const timeouts = {
        connectMs: at(["timeouts", "connectMs"], (f) => checkInteger(where, f, t.connectMs ?? d.timeouts.connectMs, 1, MS_MAX)) ?? d.timeouts.connectMs,
        clientMs: at(["timeouts", "clientMs"], (f) => checkInteger(where, f, t.clientMs ?? d.timeouts.clientMs, 1, MS_MAX)) ?? d.timeouts.clientMs,
        serverMs: at(["timeouts", "serverMs"], (f) => checkInteger(where, f, t.serverMs ?? d.timeouts.serverMs, 1, MS_MAX)) ?? d.timeouts.serverMs,
    };
    const maxconn = at(["maxconn"], (f) => checkInteger(where, f, args.maxconn ?? d.maxconn, 1, 1_000_000)) ?? d.maxconn;
    const rawLines = (k: "global" | "defaults" | "frontend" | "backend") => at(["extraConfig", k], (f) => checkRawLines(where, f, args.extraConfig?.[k])) ?? [];
    const extra = { global: rawLines("global"), defaults: rawLines("defaults") };

    let frontends: FrontendPlan[];
    let backends: BackendPlan[];
    let certificates: CertificatePlan[] = [];
    let maps: MapPlan[] = [];
    let sections: RawSectionPlan[] = [];
    const shorthand = args.frontends === undefined && args.backends === undefined;
    const userlists = userlistsPlan(c, args.userlists);
    if (shorthand && args.userlists !== undefined) c.add(["userlists"], "need `frontends` (or routes) whose `auth` names them", (args.userlists as unknown[]).length);
    if (!shorthand) {
        if (args.frontends === undefined || args.backends === undefined) {
            c.add([args.frontends === undefined ? "frontends" : "backends"], "must be set together with `frontends` and `backends`", undefined);
        }
        for (const k of SHORTHAND_ONLY) {
            if (args[k] !== undefined) c.add([k], "is shorthand for one frontend and backend: set it in `frontends`/`backends` instead", args[k]);
        }
        for (const k of ["frontend", "backend"] as const) {
            if (args.extraConfig?.[k] !== undefined) c.add(["extraConfig", k], `must move into each entry's \`extraConfig\` with \`${k}s\``, args.extraConfig[k]);
        }
        // The missing half is the one problem: no echo from the half that is there.
        ({ frontends, backends, certificates, maps, sections } =
            args.frontends !== undefined && args.backends !== undefined
                ? haproxyCollections(c, args, { os, defaultMode: mode, userlists: userlists.map((l) => l.name) })
                : { frontends: [], backends: [], certificates: [], maps: [], sections: [] });
    } else {
        if (args.certificates !== undefined) c.add(["certificates"], "need `frontends` whose binds name them", Array.isArray(args.certificates) ? args.certificates.map((x) => x?.name) : args.certificates);
        if (args.maps !== undefined) c.add(["maps"], "need `frontends` whose `hostMap` names them", args.maps);
        sections = rawSectionPlans(c, args.sections, os);
        const port = at(["port"], (f) => checkPort(where, f, args.port ?? d.port)) ?? d.port;
        const frontendName = at(["frontendName"], (f) => checkName(where, f, args.frontendName ?? d.frontendName)) ?? d.frontendName;
        const backendName = at(["backendName"], (f) => checkName(where, f, args.backendName ?? d.backendName)) ?? d.backendName;
        let addresses: { path: ArgPath; address: pulumi.Input<string>; star: boolean }[] = [{ path: ["bindAddress"], address: args.bindAddress ?? d.bindAddress, star: true }];
        if (args.bindAddresses !== undefined) {
            if (args.bindAddress !== undefined) c.add(["bindAddresses"], "replaces `bindAddress`: set one of them", args.bindAddresses);
            if (!Array.isArray(args.bindAddresses) || args.bindAddresses.length === 0) {
                c.add(["bindAddresses"], "must list at least one address", args.bindAddresses);
                addresses = [];
            } else addresses = args.bindAddresses.map((address, i) => ({ path: ["bindAddresses", i], address, star: false }));
        }
        // Explicit values where the collections' defaults differ: the shorthand renders as it always has.
        frontends = [
            {
                path: [],
                name: frontendName,
                mode,
                binds: addresses.map(({ path, address, star }) => ({
                    address: whenKnown(c, path, address, (f, a) => {
                        if (a !== "*" || !star) checkIp(where, f, a);
                    }),
                    port,
                })),
                routes: [],
                defaultBackend: backendName,
                redirectToHttps: false,
                forwardFor: false,
                timeouts: {},
                requestHeaders: [],
                responseHeaders: [],
                extra: rawLines("frontend"),
            },
        ];
        backends = [
            {
                path: [],
                name: backendName,
                mode,
                balance: at(["balance"], (f) => checkOneOf(where, f, args.balance ?? d.balance, BALANCE_ALGORITHMS)) ?? d.balance,
                healthCheck: healthCheck(c, ["healthCheck"], args.healthCheck),
                servers: servers(c, ["servers"], args.servers),
                timeouts: {},
                extra: rawLines("backend"),
            },
        ];
    }
    const ports = [...new Set(frontends.flatMap((f) => f.binds.map((b) => b.port)))];
    const nonlocalBind = args.nonlocalBind ?? frontends.some((f) => f.binds.some((b) => b.address !== "*"));
    // Known IPv6 bind addresses only: the step list is fixed at construction.
    const nonlocalBind6 = nonlocalBind && frontends.some((f) => f.binds.some((b) => typeof b.address === "string" && b.address.includes(":")));

    const loggingDefault = shorthand ? d.logging.shorthand : d.logging.collections;
    const logging = at(["logging", "target"], (f) => checkOneOf(where, f, args.logging?.target ?? loggingDefault, LOGGING_TARGETS)) ?? loggingDefault;
    const runtimeApi = at(["runtimeApi"], (f) => checkBoolean(where, f, args.runtimeApi ?? d.runtimeApi)) ?? false;
    // A state is applied through the socket: turning the socket on implicitly would reload on every drain and every return to ready.
    for (const s of runtimeApi ? [] : backends.flatMap((b) => b.servers)) {
        if (s.state !== "ready") c.add([...s.path, "state"], "needs `runtimeApi: true` (the state is applied through haproxy's runtime API socket, without a reload; turning it on once takes one reload)", s.state);
    }
    // The runtime API step's script is fixed at construction: only a plainly named server can be drained.
    for (const s of runtimeApi ? backends.flatMap((b) => b.servers) : []) {
        if (typeof s.name !== "string" && s.state !== "ready") c.add([...s.path, "state"], "needs a plain `name` (not an output of another resource) to be applied through the runtime API", s.state);
    }
    const address = args.address === undefined ? undefined : whenKnown(c, ["address"], args.address, (f, a) => checkIp(where, f, a));
    const dns = normalizeDns(c, os, args.nameservers);
    const acme = acmeNodePlan(c, args.acme, frontends, certificates.map((x) => x.name), os, requireHaproxy);

    const rawStats: unknown = args.stats;
    const statsArgs = rawStats === true ? {} : args.stats || undefined;
    let stats: StatsPlan | undefined;
    if (statsArgs) {
        const sd = d.statsPage;
        const statsPort = at(["stats", "port"], (f) => checkPort(where, f, statsArgs.port ?? sd.port)) ?? sd.port;
        if (ports.includes(statsPort)) c.add(["stats", "port"], shorthand ? "must differ from `port`" : "must differ from every frontend bind's port", statsPort);
        // Open to nobody but the node itself until told (API.md principle 7), shorthand or not.
        let adminSources: string[] = [...sd.adminSources];
        if (statsArgs.adminSources !== undefined && !Array.isArray(statsArgs.adminSources)) c.add(["stats", "adminSources"], "must be a list of CIDRs", statsArgs.adminSources);
        else if (statsArgs.adminSources !== undefined) {
            adminSources = statsArgs.adminSources.filter((cidr, i) => at(["stats", "adminSources", i], (f) => checkCidr(where, f, cidr)) !== undefined);
        }
        const prometheus = statsArgs.prometheus ?? sd.prometheus;
        if (prometheus) at(["stats", "prometheus"], (f) => requireHaproxy(where, f, os, "2.0", "the Prometheus exporter (/metrics)", true));
        stats = {
            port: statsPort,
            uri: at(["stats", "uri"], (f) => checkHttpPath(where, f, statsArgs.uri ?? sd.uri)) ?? sd.uri,
            user: at(["stats", "user"], (f) => checkConfigWord(where, f, statsArgs.user ?? sd.user, 64)) ?? sd.user,
            password: statsArgs.password,
            adminSources,
            prometheus,
            bindAddress: address ?? statsBindFromConnection(c, args.connection),
        };
    }
    const peers = peersPlan(c, args.peers, nodeName, [...ports, ...(stats ? [stats.port] : [])]);
    c.throwIfAny();
    // The stats port is never opened to everyone by a port rule: only to `adminSources`, when there are any.
    const restrictedPort = stats && stats.adminSources.length ? { port: stats.port, sources: stats.adminSources } : undefined;
    return {
        ...host,
        // The HTTP-01 answer must be live before the certificate its binds wait for: before `dependsOn`.
        ...(acme ? { installDependsOn: host.installDependsOn ?? [] } : {}),
        nodeName,
        mode,
        timeouts,
        maxconn,
        extra,
        frontends,
        backends,
        certificates,
        maps,
        sections,
        tlsHosts: tlsHosts(frontends),
        logging,
        runtimeApi,
        address,
        stats,
        ports,
        restrictedPort,
        nonlocalBind,
        nonlocalBind6,
        haproxyVersion: oldestHaproxy(os).version,
        ...(dns ? { dns } : {}),
        ...(acme ? { acme } : {}),
        ...(peers ? { peers } : {}),
        userlists,
    };
}

/**
 * Without `address`, the stats page binds the host the node is reached at, which must be an IP
 * address (a name could resolve to several, the VIP included): checked now when known, else once resolved.
 */
function statsBindFromConnection(c: Checks, connection: pulumi.Input<ConnectionArgs>): pulumi.Input<string> {
    const rule = "must be set when `stats` is on and `connection.host` is no IP address (the stats page binds the node's own address)";
    const check = (host: unknown): string => {
        if (typeof host !== "string" || !isIp(host)) throw new ArgumentError(c.where, "address", rule, host);
        return host;
    };
    const known = typeof connection === "object" && connection !== null && !pulumi.Output.isInstance(connection) && !(connection instanceof Promise);
    const host = known ? (connection as ConnectionArgs).host : undefined;
    if (known && typeof host === "string") return c.at(["address"], () => check(host)) ?? host;
    return pulumi.output(connection).apply((conn) => check(conn.host));
}
