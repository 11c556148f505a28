/**
 * The named collections of an HaproxyNode (frontends, backends, certificates) and their checks.
 * `checkHaproxyCollections` is the one place that validates them: the component calls it with
 * field paths as the user wrote them (`frontends[1].routes[0].backend`), stack config with its
 * key paths (`haproxy-ha:frontends[1]...`). Every reference is resolved here; a dangling one
 * names both ends. Features the oldest haproxy the node may meet lacks are refused naming the
 * feature, the family and its version.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkCertificatePem, TlsHost } from "./certificates";
import { OsChoice, oldestHaproxy, versionAtLeast } from "./os";
import {
    BALANCE_ALGORITHMS,
    BalanceAlgorithm,
    CHECK_METHODS,
    HaproxyHealthCheck,
    HaproxyHeaderRule,
    SERVER_STATES,
    ServerState,
    TLS_PROFILE_SETTINGS,
    TLS_PROFILES,
    TLS_VERSIONS,
    TlsProfile,
    TlsVersion,
} from "./render/haproxy";
import { DEFAULTS } from "./defaults";
import { ArgumentError, checkBoolean, checkHttpPath, checkInteger, checkIp, checkName, checkOneOf, checkPort, checkRawLines, checkUniqueNames, checkWhenKnown, isObject } from "./validate";

export interface HaproxyServerArgs {
    /** Server name in haproxy.cfg (letters, digits, `.`, `_`, `-`), e.g. a WebBackend's `backendName`. An Output is fine. */
    name: pulumi.Input<string>;
    /** Address haproxy connects to, e.g. a WebBackend's `address`. An Output is fine. */
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
    /** Cookie that pins a client to a server (inserted by haproxy). */
    cookie: string;
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
}

export interface HaproxyBindArgs {
    /** The VIP (an Output is fine), or `*` (default) for all addresses. */
    address?: pulumi.Input<string>;
    port: number;
    tls?: HaproxyBindTlsArgs;
}

export interface HaproxyRouteArgs {
    /** Host header values (any of them), e.g. `api.example.com`. */
    hosts?: string[];
    /** Path prefixes (any of them), e.g. `/api/`. With `hosts`, both must match. */
    pathPrefixes?: string[];
    /** Name of a backend in `backends`. */
    backend: string;
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
    /** Connections this frontend accepts at once. Default: haproxy's. */
    maxconn?: number;
    timeouts?: HaproxyFrontendTimeoutsArgs;
    requestHeaders?: HaproxyHeaderRuleArgs[];
    responseHeaders?: HaproxyHeaderRuleArgs[];
    /** Raw directives appended to this frontend (validated by `haproxy -c` on the host). */
    extraConfig?: string[];
}

export interface HaproxyCertificateArgs {
    /** Lands as /etc/haproxy/certs/<name>.pem. */
    name: string;
    /** The certificate chain and its private key, PEM (keep it a secret). */
    pem: pulumi.Input<string>;
}

/** A checked bind: its address may still be an Output. */
export interface CheckedBind {
    address: pulumi.Input<string>;
    port: number;
    tls?: { certificates: string[]; minVersion: TlsVersion; alpn: boolean; profile: TlsProfile };
}

export interface CheckedServer {
    /** May still be an Output: checked, and its uniqueness too, when it resolves. */
    name: pulumi.Input<string>;
    address: pulumi.Input<string>;
    port: number;
    weight?: number;
    backup: boolean;
    maxconn?: number;
    state: ServerState;
}

export interface CheckedBackend {
    name: string;
    mode: "http" | "tcp";
    balance: BalanceAlgorithm;
    healthCheck: HaproxyHealthCheck;
    servers: CheckedServer[];
    sticky?: { cookie: string };
    timeouts: { connectMs?: number; serverMs?: number; queueMs?: number; httpKeepAliveMs?: number };
    extra: string[];
}

export interface CheckedFrontend {
    name: string;
    mode: "http" | "tcp";
    binds: CheckedBind[];
    routes: { hosts: string[]; pathPrefixes: string[]; backend: string }[];
    defaultBackend?: string;
    redirectToHttps: boolean;
    hstsMaxAgeS?: number;
    forwardFor: boolean;
    maxconn?: number;
    timeouts: { clientMs?: number; httpRequestMs?: number; httpKeepAliveMs?: number };
    requestHeaders: HaproxyHeaderRule[];
    responseHeaders: HaproxyHeaderRule[];
    extra: string[];
}

export interface CollectionsInput {
    frontends?: unknown;
    backends?: unknown;
    certificates?: unknown;
}

const FRONTEND_KEYS = ["name", "binds", "mode", "routes", "defaultBackend", "redirectToHttps", "hsts", "tlsProfile", "forwardFor", "maxconn", "timeouts", "requestHeaders", "responseHeaders", "extraConfig"] as const;
const BACKEND_KEYS = ["name", "servers", "balance", "healthCheck", "sticky", "timeouts", "extraConfig"] as const;

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
function checkKeys(where: string, field: string, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const k of Object.keys(obj)) {
        if (known.includes(k) || obj[k] === undefined) continue;
        const nearest = [...known].sort((a, b) => distance(k, a) - distance(k, b))[0];
        throw new ArgumentError(where, `${field}.${k}`, `is not a known key${distance(k, nearest) <= 3 ? ` (did you mean \`${nearest}\`?)` : ""}; keys are: ${known.join(", ")}`, obj[k]);
    }
}

function list(where: string, field: string, v: unknown, what: string, min = 0, known?: readonly string[]): Record<string, unknown>[] {
    if (v === undefined && min === 0) return [];
    if (!Array.isArray(v) || v.length < min) throw new ArgumentError(where, field, `must be a list of ${what}${min ? ` (at least ${min})` : ""}`, v);
    v.forEach((e, i) => {
        if (!isObject(e)) throw new ArgumentError(where, `${field}[${i}]`, `must be an object (${what})`, e);
        if (known) checkKeys(where, `${field}[${i}]`, e, known);
    });
    return v as Record<string, unknown>[];
}

function strings(where: string, field: string, v: unknown, check: (f: string, s: unknown) => string): string[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new ArgumentError(where, field, "must be a list of strings", v);
    return v.map((s, i) => check(`${field}[${i}]`, s));
}

function optional<T>(v: unknown, check: (v: unknown) => T): T | undefined {
    return v === undefined ? undefined : check(v);
}

function bool(where: string, field: string, v: unknown, dflt: boolean): boolean {
    return v === undefined ? dflt : checkBoolean(where, field, v);
}

/** A feature the oldest haproxy the node may meet lacks: refused naming the feature, family and version. */
export function requireHaproxy(where: string, field: string, os: OsChoice, minimum: string, feature: string, value: unknown): void {
    const { family, version } = oldestHaproxy(os);
    if (versionAtLeast(version, minimum)) return;
    const who = os === "auto" ? `os auto may meet ${family}, whose haproxy is ${version} (set \`os\` to a family that has it)` : `${family} ships haproxy ${version}`;
    throw new ArgumentError(where, field, `needs ${feature}, which haproxy ${minimum} brought; ${who}`, value);
}

export function checkHealthCheck(where: string, field: string, raw: unknown): HaproxyHealthCheck {
    const hc = (raw ?? {}) as HaproxyHealthCheckArgs;
    if (!isObject(hc)) throw new ArgumentError(where, field, "must be an object", raw);
    checkKeys(where, field, hc as Record<string, unknown>, ["method", "path", "host", "expectStatus", "interMs", "rise", "fall"]);
    return {
        ...(hc.method === undefined ? {} : { method: checkOneOf(where, `${field}.method`, hc.method, CHECK_METHODS) }),
        path: checkHttpPath(where, `${field}.path`, hc.path ?? "/"),
        ...(hc.host === undefined ? {} : { host: checkHost(where, `${field}.host`, hc.host) }),
        ...(hc.expectStatus === undefined ? {} : { expectStatus: checkInteger(where, `${field}.expectStatus`, hc.expectStatus, 100, 599) }),
        interMs: checkInteger(where, `${field}.interMs`, hc.interMs ?? 2000, 100, 3_600_000),
        rise: checkInteger(where, `${field}.rise`, hc.rise ?? 2, 1, 100),
        fall: checkInteger(where, `${field}.fall`, hc.fall ?? 3, 1, 100),
    };
}

function checkHost(where: string, field: string, v: unknown): string {
    if (typeof v !== "string" || v.length > 253 || !HOST_RE.test(v)) throw new ArgumentError(where, field, "must be a host name such as app.example.com", v);
    return v.toLowerCase();
}

export function checkServers(where: string, field: string, raw: unknown): CheckedServer[] {
    const servers = list(where, field, raw, "servers with `name` and `address`", 1, ["name", "address", "port", "weight", "backup", "maxconn", "state"]).map((s, i) => ({
        name: checkWhenKnown(s.name as pulumi.Input<string>, (n) => checkName(where, `${field}[${i}].name`, n)),
        address: checkWhenKnown(s.address as pulumi.Input<string>, (a) => checkIp(where, `${field}[${i}].address`, a)),
        port: checkPort(where, `${field}[${i}].port`, s.port ?? 80),
        weight: optional(s.weight, (w) => checkInteger(where, `${field}[${i}].weight`, w, 0, 256)),
        backup: bool(where, `${field}[${i}].backup`, s.backup, false),
        maxconn: optional(s.maxconn, (m) => checkInteger(where, `${field}[${i}].maxconn`, m, 1, 1_000_000)),
        state: checkOneOf(where, `${field}[${i}].state`, s.state ?? "ready", SERVER_STATES),
    }));
    const names = servers.map((s) => s.name);
    const shown = names.map((n) => (typeof n === "string" ? n : "(output)"));
    if (names.every((n): n is string => typeof n === "string")) checkUniqueNames(where, field, names);
    if (servers.every((s) => s.backup)) throw new ArgumentError(where, field, "needs at least one server that is not a backup", shown);
    // Draining the last server is an outage `pulumi up` would report as a success.
    if (servers.every((s) => s.state !== "ready")) {
        throw new ArgumentError(where, field, "would take every server out of rotation: keep at least one `state: ready`", servers.map((s, i) => `${shown[i]}: ${s.state}`));
    }
    return servers;
}

function headerRules(where: string, field: string, raw: unknown): HaproxyHeaderRule[] {
    return list(where, field, raw, "header rules with `action` and `name`", 0, ["action", "name", "value"]).map((r, i) => {
        const action = checkOneOf(where, `${field}[${i}].action`, r.action, ["set", "delete"] as const);
        const name = r.name;
        if (typeof name !== "string" || !HEADER_NAME_RE.test(name)) throw new ArgumentError(where, `${field}[${i}].name`, "must be a header name (letters, digits, '-')", name);
        if (action === "delete") {
            if (r.value !== undefined) throw new ArgumentError(where, `${field}[${i}].value`, "must be unset with `action: delete`", r.value);
            return { action, name };
        }
        if (typeof r.value !== "string" || !HEADER_VALUE_RE.test(r.value)) {
            throw new ArgumentError(where, `${field}[${i}].value`, "must be one word of printable characters without quotes, backslash or '#'", r.value);
        }
        return { action, name, value: r.value };
    });
}

/** Known plain bind address, or undefined while an Output. */
function knownAddress(a: pulumi.Input<string>): string | undefined {
    return typeof a === "string" ? a : undefined;
}

/**
 * Checks the collections. `key` maps a field path to what the user typed (identity for
 * component args, `haproxy-ha:<path>` for stack config). Returns them resolved, with defaults.
 */
export function checkHaproxyCollections(
    where: string,
    input: CollectionsInput,
    opts: { os: OsChoice; defaultMode: "http" | "tcp"; key?: (path: string) => string },
): { frontends: CheckedFrontend[]; backends: CheckedBackend[]; certificates: { name: string; pem: pulumi.Input<string> }[] } {
    const key = opts.key ?? ((p: string) => p);
    const { os } = opts;

    const certificates = list(where, key("certificates"), input.certificates, "certificates with `name` and `pem`", 0, ["name", "pem"]).map((c, i) => {
        const name = checkName(where, key(`certificates[${i}].name`), c.name);
        // It names a file on the host (certs/<name>.pem), and the bundle refuses `..` in any entry.
        if (name.includes("..")) throw new ArgumentError(where, key(`certificates[${i}].name`), "must not hold '..'", name);
        return { name, pem: c.pem as pulumi.Input<string> };
    });
    checkUniqueNames(where, key("certificates"), certificates.map((c) => c.name));
    certificates.forEach((c, i) => {
        if (c.pem === undefined || c.pem === null) throw new ArgumentError(where, key(`certificates[${i}].pem`), "must be the certificate chain and key (PEM)", "<hidden>");
        // A plain PEM is checked now; a secret Output when it resolves (every step waits for that).
        c.pem = checkWhenKnown(c.pem, (p) => checkCertificatePem(where, key(`certificates[${i}].pem`), p));
    });
    const certNames = certificates.map((c) => c.name);

    const rawBackends = list(where, key("backends"), input.backends, "backends with `name` and `servers`", 1, BACKEND_KEYS);
    const backendNames = rawBackends.map((b, i) => checkName(where, key(`backends[${i}].name`), b.name));
    checkUniqueNames(where, key("backends"), backendNames);
    const backendRef = (field: string, v: unknown): string => {
        if (typeof v !== "string" || !backendNames.includes(v)) {
            throw new ArgumentError(where, field, `is not a backend; backends are: ${backendNames.join(", ")}`, v);
        }
        return v;
    };

    const seenBinds = new Map<string, string>();
    const frontends: CheckedFrontend[] = list(where, key("frontends"), input.frontends, "frontends with `name` and `binds`", 1, FRONTEND_KEYS).map((f, i) => {
        const at = (p: string) => key(`frontends[${i}].${p}`);
        const name = checkName(where, at("name"), f.name);
        const mode = checkOneOf(where, at("mode"), f.mode ?? opts.defaultMode, ["http", "tcp"] as const);
        const tlsProfile = checkOneOf(where, at("tlsProfile"), f.tlsProfile ?? DEFAULTS.haproxyNode.tlsProfile, TLS_PROFILES);
        if (tlsProfile === "modern") requireHaproxy(where, at("tlsProfile"), os, "1.8", "TLS 1.3", tlsProfile);
        const binds: CheckedBind[] = list(where, at("binds"), f.binds, "binds with `port`", 1, ["address", "port", "tls"]).map((b, j) => {
            const bat = (p: string) => at(`binds[${j}].${p}`);
            const address = checkWhenKnown((b.address ?? "*") as pulumi.Input<string>, (a) => {
                if (a !== "*") checkIp(where, bat("address"), a);
            });
            const port = checkPort(where, bat("port"), b.port);
            const plain = knownAddress(address);
            if (plain !== undefined) {
                // `*` overlaps every address on the same port.
                for (const [other, owner] of seenBinds) {
                    const [oa, op] = [other.slice(0, other.lastIndexOf("|")), Number(other.slice(other.lastIndexOf("|") + 1))];
                    if (op === port && (oa === plain || oa === "*" || plain === "*")) {
                        throw new ArgumentError(where, bat("port"), `binds ${plain}:${port}, which ${owner} already binds`, port);
                    }
                }
                seenBinds.set(`${plain}|${port}`, at(`binds[${j}]`));
            }
            let tls: CheckedBind["tls"];
            if (b.tls !== undefined) {
                const t = b.tls as Record<string, unknown>;
                if (!isObject(t)) throw new ArgumentError(where, bat("tls"), "must be an object with `certificates`", t);
                checkKeys(where, bat("tls"), t, ["certificates", "minVersion", "alpn"]);
                const certs = strings(where, bat("tls.certificates"), t.certificates, (field, s) => {
                    if (typeof s !== "string" || !certNames.includes(s)) {
                        throw new ArgumentError(where, field, `is not a certificate; certificates are: ${certNames.join(", ") || "(none)"}`, s);
                    }
                    return s;
                });
                if (certs.length === 0) throw new ArgumentError(where, bat("tls.certificates"), "must name at least one certificate", t.certificates);
                const floor = TLS_PROFILE_SETTINGS[tlsProfile].minVersion;
                const minVersion = checkOneOf(where, bat("tls.minVersion"), t.minVersion ?? floor, TLS_VERSIONS);
                if (minVersion === "TLSv1.3") requireHaproxy(where, bat("tls.minVersion"), os, "1.8", "TLS 1.3", minVersion);
                // Below the profile's floor only on explicit request: the profile says so, not a stray minVersion.
                if (TLS_VERSIONS.indexOf(minVersion) < TLS_VERSIONS.indexOf(floor)) {
                    const hint = tlsProfile === "modern" ? "modern is TLS 1.3 only; use `tlsProfile: intermediate` for TLS 1.2" : "set the frontend's `tlsProfile: old` to allow TLS below 1.2 (clients that need it)";
                    throw new ArgumentError(where, bat("tls.minVersion"), `is below the ${tlsProfile} TLS profile's ${floor}: ${hint}`, minVersion);
                }
                tls = { certificates: certs, minVersion, alpn: bool(where, bat("tls.alpn"), t.alpn, mode === "http"), profile: tlsProfile };
            }
            return { address, port, tls };
        });
        if (f.tlsProfile !== undefined && !binds.some((b) => b.tls)) {
            throw new ArgumentError(where, at("tlsProfile"), "applies to TLS binds, and this frontend has none (add `tls` to a bind or remove `tlsProfile`)", f.tlsProfile);
        }
        const routes = list(where, at("routes"), f.routes, "routes with `backend`", 0, ["hosts", "pathPrefixes", "backend"]).map((r, j) => {
            const rat = (p: string) => at(`routes[${j}].${p}`);
            const route = {
                hosts: strings(where, rat("hosts"), r.hosts, (field, s) => checkHost(where, field, s)),
                pathPrefixes: strings(where, rat("pathPrefixes"), r.pathPrefixes, (field, s) => checkHttpPath(where, field, s)),
                backend: backendRef(rat("backend"), r.backend),
            };
            if (route.hosts.length + route.pathPrefixes.length === 0) throw new ArgumentError(where, at(`routes[${j}]`), "needs `hosts` or `pathPrefixes`", r);
            if (mode === "tcp") throw new ArgumentError(where, at(`routes[${j}]`), "routes by Host header and path need `mode: http`", r);
            return route;
        });
        const defaultBackend = f.defaultBackend === undefined ? undefined : backendRef(at("defaultBackend"), f.defaultBackend);
        const redirectToHttps = bool(where, at("redirectToHttps"), f.redirectToHttps, false);
        if (!redirectToHttps && defaultBackend === undefined && routes.length === 0) {
            throw new ArgumentError(where, at("defaultBackend"), "must be set (or `routes`, or `redirectToHttps`): the frontend sends requests nowhere", undefined);
        }
        const httpOnly = (field: string, v: unknown) => {
            if (mode !== "http") throw new ArgumentError(where, at(field), "needs `mode: http`", v);
        };
        if (redirectToHttps) httpOnly("redirectToHttps", true);
        let hstsMaxAgeS: number | undefined;
        if (f.hsts !== undefined) {
            httpOnly("hsts", f.hsts);
            if (!isObject(f.hsts)) throw new ArgumentError(where, at("hsts"), "must be an object with `maxAgeS`", f.hsts);
            hstsMaxAgeS = checkInteger(where, at("hsts.maxAgeS"), f.hsts.maxAgeS, 0, 1_000_000_000);
        }
        const forwardFor = bool(where, at("forwardFor"), f.forwardFor, mode === "http");
        if (forwardFor) httpOnly("forwardFor", true);
        const t = (f.timeouts ?? {}) as Record<string, unknown>;
        if (!isObject(t)) throw new ArgumentError(where, at("timeouts"), "must be an object", t);
        checkKeys(where, at("timeouts"), t, ["clientMs", "httpRequestMs", "httpKeepAliveMs"]);
        const timeouts = {
            clientMs: optional(t.clientMs, (v) => checkInteger(where, at("timeouts.clientMs"), v, 1, MS_MAX)),
            httpRequestMs: optional(t.httpRequestMs ?? (mode === "http" ? 10_000 : undefined), (v) => checkInteger(where, at("timeouts.httpRequestMs"), v, 1, MS_MAX)),
            httpKeepAliveMs: optional(t.httpKeepAliveMs, (v) => checkInteger(where, at("timeouts.httpKeepAliveMs"), v, 1, MS_MAX)),
        };
        if (mode === "tcp" && (t.httpRequestMs !== undefined || t.httpKeepAliveMs !== undefined)) httpOnly("timeouts", t);
        const requestHeaders = headerRules(where, at("requestHeaders"), f.requestHeaders);
        const responseHeaders = headerRules(where, at("responseHeaders"), f.responseHeaders);
        if (requestHeaders.length) httpOnly("requestHeaders", f.requestHeaders);
        if (responseHeaders.length) httpOnly("responseHeaders", f.responseHeaders);
        return {
            name,
            mode,
            binds,
            routes,
            defaultBackend,
            redirectToHttps,
            hstsMaxAgeS,
            forwardFor,
            maxconn: optional(f.maxconn, (v) => checkInteger(where, at("maxconn"), v, 1, 1_000_000)),
            timeouts,
            requestHeaders,
            responseHeaders,
            extra: checkRawLines(where, at("extraConfig"), f.extraConfig),
        };
    });
    checkUniqueNames(where, key("frontends"), frontends.map((f) => f.name));

    // A backend's mode is the mode of the frontends that send to it; they must agree.
    const modeOf = new Map<string, { mode: "http" | "tcp"; by: string }>();
    frontends.forEach((f, i) => {
        for (const b of [f.defaultBackend, ...f.routes.map((r) => r.backend)]) {
            if (b === undefined) continue;
            const seen = modeOf.get(b);
            if (seen && seen.mode !== f.mode) {
                throw new ArgumentError(where, key(`frontends[${i}].mode`), `is ${f.mode}, but ${seen.by} (${seen.mode}) also sends to backend "${b}"`, f.mode);
            }
            modeOf.set(b, { mode: f.mode, by: key(`frontends[${i}]`) });
        }
    });

    const backends: CheckedBackend[] = rawBackends.map((b, i) => {
        const at = (p: string) => key(`backends[${i}].${p}`);
        const mode = modeOf.get(backendNames[i])?.mode ?? opts.defaultMode;
        const t = (b.timeouts ?? {}) as Record<string, unknown>;
        if (!isObject(t)) throw new ArgumentError(where, at("timeouts"), "must be an object", t);
        checkKeys(where, at("timeouts"), t, ["connectMs", "serverMs", "queueMs", "httpKeepAliveMs"]);
        let sticky: CheckedBackend["sticky"];
        if (b.sticky !== undefined) {
            const s = b.sticky as Record<string, unknown>;
            if (!isObject(s) || typeof s.cookie !== "string" || !COOKIE_RE.test(s.cookie)) {
                throw new ArgumentError(where, at("sticky.cookie"), "must be a cookie name (letters, digits, '_', '-')", isObject(s) ? s.cookie : s);
            }
            if (mode !== "http") throw new ArgumentError(where, at("sticky"), "needs the backend's frontends in `mode: http`", s);
            sticky = { cookie: s.cookie };
        }
        return {
            name: backendNames[i],
            mode,
            balance: checkOneOf(where, at("balance"), b.balance ?? "roundrobin", BALANCE_ALGORITHMS),
            healthCheck: checkHealthCheck(where, at("healthCheck"), b.healthCheck),
            servers: checkServers(where, at("servers"), b.servers),
            sticky,
            timeouts: {
                connectMs: optional(t.connectMs, (v) => checkInteger(where, at("timeouts.connectMs"), v, 1, MS_MAX)),
                serverMs: optional(t.serverMs, (v) => checkInteger(where, at("timeouts.serverMs"), v, 1, MS_MAX)),
                queueMs: optional(t.queueMs, (v) => checkInteger(where, at("timeouts.queueMs"), v, 1, MS_MAX)),
                httpKeepAliveMs: optional(t.httpKeepAliveMs, (v) => checkInteger(where, at("timeouts.httpKeepAliveMs"), v, 1, MS_MAX)),
            },
            extra: checkRawLines(where, at("extraConfig"), b.extraConfig),
        };
    });
    return { frontends, backends, certificates };
}

/** The Hosts each TLS frontend routes, with the certificates its TLS binds offer (see certificateWarnings). */
export function tlsHosts(frontends: CheckedFrontend[], key: (path: string) => string = (p) => p): TlsHost[] {
    return frontends.flatMap((f, i) => {
        const certificates = [...new Set(f.binds.flatMap((b) => b.tls?.certificates ?? []))];
        if (certificates.length === 0) return [];
        return f.routes.flatMap((r, j) => r.hosts.map((host, k) => ({ field: key(`frontends[${i}].routes[${j}].hosts[${k}]`), host, certificates })));
    });
}
