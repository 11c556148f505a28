/**
 * haproxy.cfg from a typed spec. PURE and deterministic: fixed section order, no timestamps,
 * trailing newline, so an unchanged spec renders byte-identical text and triggers nothing.
 * Version-dependent directives follow `haproxyVersion` (the oldest haproxy the config may meet);
 * what the shorthand args render uses only directives haproxy 1.5 (CentOS 7) accepts. It takes
 * collections only: the shorthand args become collections in model/haproxy.ts.
 */
import { acmeChallengeRule } from "./acme";
import { versionAtLeast } from "../os";
import { renderedForLine } from "./renderedFor";
import { HaproxyDns, resolversSection, serverResolverOptions } from "./dns";
import type { CompressionPlan, ErrorPagePlan, RawSectionPlan } from "../model/responses";
import { compressionLines, errorPageLines, rawSections } from "./responses";
import { RoutingRoute, routeParts } from "./routing";
import { EdgeAuth, edgeGlobalLines, EdgePeers, edgeSections, EdgeUserlist, frontendEdgeLines, rateTableSections, routeEdgeLines, stickSourceLines } from "./edge";
import type { RateLimitPlan } from "../model/edge";
import { BalanceAlgorithm, CERT_DIR, Mode, RUNTIME_SOCKET, ServerState, TLS_DH_BITS, TLS_PROFILE_SETTINGS, TLS_VERSIONS, TlsProfile, TlsVersion } from "../model/vocabulary";

/** The vocabulary lives in model/vocabulary.ts; re-exported for the renderer's existing importers. */
export { BALANCE_ALGORITHMS, BalanceAlgorithm, CERT_DIR, CHECK_METHODS, RUNTIME_SOCKET, SERVER_STATES, ServerState, TLS_DH_BITS, TLS_PROFILE_SETTINGS, TLS_PROFILES, TLS_VERSIONS, TlsProfile, TlsVersion } from "../model/vocabulary";


export interface HaproxyServer {
    name: string;
    address: string;
    port: number;
    /** haproxy's default weight is 1. */
    weight?: number;
    /** Takes traffic only when every non-backup server is down. */
    backup?: boolean;
    maxconn?: number;
    /** Default ready. Persisted in the line itself: drain as `weight 0`, maint as `disabled` (every version). */
    state?: ServerState;
}

export interface HaproxyHealthCheck {
    /** Default GET. */
    method?: string;
    /** HTTP path checked in http mode; tcp mode checks the connection only. */
    path: string;
    /** Host header sent with the check (vhost-based backends need one). */
    host?: string;
    /** Default 200. */
    expectStatus?: number;
    /** Milliseconds between checks. */
    interMs: number;
    rise: number;
    fall: number;
}

export interface HaproxyStats {
    /** The node's own address (`*` only from the pure renderer's callers: then the page answers loopback besides `adminSources`). */
    bindAddress: string;
    port: number;
    uri: string;
    user: string;
    password: string;
    /**
     * Sources (CIDRs) haproxy itself lets in besides the node's own address; every other source
     * gets 403 before the stats page or `/metrics` run. Default: none (the node itself only).
     */
    adminSources?: string[];
    /** `/metrics` (haproxy ≥ 2.0 built with the Prometheus exporter), behind the sources and the stats credentials. */
    prometheus?: boolean;
}

/** The ACL of the sources the stats listener answers, and the userlist `/metrics` checks credentials against. */
export const STATS_ADMIN_ACL = "haproxy_ha_admin";
export const STATS_USERLIST = "haproxy_ha_stats";

export interface HaproxyBind {
    address: string;
    port: number;
    /** `profile`: the frontend's Mozilla profile (ciphers, tickets); `minVersion` within what it allows. */
    /** `http2: false` offers http/1.1 only in ALPN. */
    tls?: { certificates: string[]; minVersion: TlsVersion; alpn: boolean; profile: TlsProfile; http2?: boolean };
}

/** A route: its conditions (render/routing.ts), and its limit and auth (render/edge.ts). */
export type HaproxyRoute = RoutingRoute & { rateLimit?: RateLimitPlan; auth?: EdgeAuth };

export interface HaproxyHeaderRule {
    /** `set` or `delete`. */
    action: "set" | "delete";
    name: string;
    value?: string;
}

export interface HaproxyFrontend {
    name: string;
    /** Rendered only when it differs from the defaults' mode. */
    mode: "http" | "tcp";
    binds: HaproxyBind[];
    routes?: HaproxyRoute[];
    defaultBackend?: string;
    redirectToHttps?: boolean;
    hstsMaxAgeS?: number;
    forwardFor?: boolean;
    maxconn?: number;
    timeouts?: { clientMs?: number; httpRequestMs?: number; httpKeepAliveMs?: number };
    requestHeaders?: HaproxyHeaderRule[];
    responseHeaders?: HaproxyHeaderRule[];
    rateLimit?: RateLimitPlan;
    auth?: EdgeAuth;
    extra?: string[];
    /** ACME: answer HTTP-01 challenges for this account (render/acme.ts). */
    acmeThumbprint?: string;
    errorPages?: ErrorPagePlan[];
    /** A map's name: `use_backend` by Host after the routes. */
    hostMap?: string;
}

export interface HaproxyBackend {
    name: string;
    mode: "http" | "tcp";
    balance: BalanceAlgorithm;
    healthCheck: HaproxyHealthCheck;
    servers: HaproxyServer[];
    sticky?: { cookie: string };
    stickSource?: { expireS: number };
    timeouts?: { connectMs?: number; serverMs?: number; queueMs?: number; httpKeepAliveMs?: number };
    extra?: string[];
    errorPages?: ErrorPagePlan[];
    compression?: CompressionPlan;
}

export interface HaproxyConfigSpec {
    nodeName: string;
    /** The oldest haproxy the config may meet (x.y[.z]). Default 1.5. */
    haproxyVersion?: string;
    /** The defaults section's mode. */
    mode: Mode;
    frontends: HaproxyFrontend[];
    backends: HaproxyBackend[];
    timeouts: { connectMs: number; clientMs: number; serverMs: number };
    maxconn: number;
    stats?: HaproxyStats;
    /** The global `log` target. Default `/dev/log local0`. */
    log?: string;
    /** The runtime API socket (admin level, root only). */
    runtimeApi?: boolean;
    /** Raw lines appended to each section: the escape hatch for directives the args do not model. */
    extra?: { global?: string[]; defaults?: string[] };
    /** Run-time DNS resolution of server names (render/dns.ts). */
    dns?: HaproxyDns;
    /** Raw top-level sections, after the backends. */
    sections?: RawSectionPlan[];
    /** The peers section every rendered stick table names. */
    peers?: EdgePeers;
    /** Userlists for basic auth (their secrets in clear here: the text is a secret). */
    userlists?: EdgeUserlist[];
}

export function renderHaproxyConfig(spec: HaproxyConfigSpec): string {
    const extra = spec.extra ?? {};
    const version = spec.haproxyVersion ?? "1.5";
    const { frontends, backends } = spec;
    const tls = frontends.some((f) => f.binds.some((b) => b.tls));
    const global = [
        "global",
        `log ${spec.log ?? "/dev/log local0"}`,
        "chroot /var/lib/haproxy",
        "user haproxy",
        "group haproxy",
        "daemon",
        `maxconn ${spec.maxconn}`,
    ];
    if (spec.runtimeApi) {
        // expose-fd hands the listening sockets to the new process on reload (1.8+): no refused connection.
        global.push(`stats socket ${RUNTIME_SOCKET} mode 600 level admin${versionAtLeast(version, "1.8") ? " expose-fd listeners" : ""}`);
    }
    if (tls) global.push(`crt-base ${CERT_DIR}`, ...tlsGlobalLines(frontends, version));
    global.push(...edgeGlobalLines(spec.peers, version));
    global.push(...(extra.global ?? []));
    const sections: string[][] = [
        global,
        [
            "defaults",
            `mode ${spec.mode}`,
            "log global",
            spec.mode === "http" ? "option httplog" : "option tcplog",
            "option dontlognull",
            "option redispatch",
            "retries 3",
            `timeout connect ${spec.timeouts.connectMs}ms`,
            `timeout client ${spec.timeouts.clientMs}ms`,
            `timeout server ${spec.timeouts.serverMs}ms`,
            ...(extra.defaults ?? []),
        ],
        ...(spec.dns ? [resolversSection(spec.dns)] : []),
        ...edgeSections(spec.peers, spec.userlists ?? []),
        ...frontends.map((f) => frontendSection(f, spec.mode, version)),
        ...backends.map((b) => backendSection(b, spec.mode, version, spec.peers, spec.dns)),
        ...rateTableSections(frontends, spec.peers),
        ...rawSections(spec.sections),
    ];
    if (spec.stats) sections.push(...statsSections(spec.stats));
    const managed = `# Managed by haproxy-ha for node ${spec.nodeName}; local edits are overwritten.`;
    const header = spec.haproxyVersion === undefined ? managed : `${managed}\n${renderedForLine("haproxy", spec.haproxyVersion)}`;
    return [header, ...sections.map(([head, ...body]) => [head, ...body.map((l) => `    ${l}`)].join("\n"))].join("\n\n") + "\n";
}

/**
 * The TLS defaults every ssl bind gets (also one in raw `extraConfig`), in Mozilla's haproxy form:
 * intermediate's ciphers, the TLS 1.3 suites, the lowest protocol any rendered bind allows, no
 * session tickets, the DH size; the same for `server ... ssl` lines. A bind of another profile
 * states its own ciphers and minimum on its line. Per version: `ssl-min-ver` from 1.8 (1.5 switches
 * protocols off one by one, and a bind cannot switch one back on, hence the lowest floor here);
 * `ssl-default-*-ciphersuites` from 1.9 (1.8 with OpenSSL 1.1.1 uses OpenSSL's TLS 1.3 suites,
 * the same three; 1.5's OpenSSL 1.0.2 has no TLS 1.3).
 */
function tlsGlobalLines(frontends: HaproxyFrontend[], version: string): string[] {
    const tlsBinds = frontends.flatMap((f) => f.binds.flatMap((b) => (b.tls ? [b.tls] : [])));
    const floor = tlsBinds.map((t) => t.minVersion).reduce((a, b) => (TLS_VERSIONS.indexOf(b) < TLS_VERSIONS.indexOf(a) ? b : a));
    const base = TLS_PROFILE_SETTINGS.intermediate;
    const options = `${minVersionOptions(floor, version)} no-tls-tickets`;
    const lines: string[] = [];
    for (const side of ["bind", "server"]) {
        lines.push(`ssl-default-${side}-ciphers ${base.ciphers.join(":")}`);
        if (versionAtLeast(version, "1.9")) lines.push(`ssl-default-${side}-ciphersuites ${base.ciphersuites.join(":")}`);
        lines.push(`ssl-default-${side}-options ${options}`);
    }
    lines.push(`tune.ssl.default-dh-param ${TLS_DH_BITS}`);
    return lines;
}

/**
 * A bind's cipher list when its profile is not the global one. `old` on haproxy >= 1.8 (OpenSSL
 * 1.1.1 or 3) adds `@SECLEVEL=0`: OpenSSL 3's default level refuses the SHA-1 signatures TLS 1.0
 * and 1.1 need, so without it `old` would serve TLS 1.2 only; OpenSSL 1.0.2 (1.5) knows no
 * `@SECLEVEL` and refuses the whole list.
 */
function bindCiphers(profile: TlsProfile, version: string): string[] {
    if (profile !== "old") return [];
    const list = TLS_PROFILE_SETTINGS.old.ciphers.join(":");
    return [`ciphers ${list}${versionAtLeast(version, "1.8") ? ":@SECLEVEL=0" : ""}`];
}

/**
 * The stats listener. The source check is haproxy's own (a host firewall may be off or absent):
 * `http-request` rules run before the stats page on every version (1.5 included) and, in order,
 * before the exporter's `use-service`, so a source outside the list gets 403 for both. The
 * exporter bypasses `stats auth`, hence the userlist with the same credentials in front of it.
 */
function statsSections(stats: HaproxyStats): string[][] {
    const own = stats.bindAddress === "*" ? ["127.0.0.1", "::1"] : [stats.bindAddress];
    const sources = [...new Set([...own, ...(stats.adminSources ?? [])])];
    const sections: string[][] = [];
    if (stats.prometheus) sections.push([`userlist ${STATS_USERLIST}`, `user ${stats.user} insecure-password ${stats.password}`]);
    sections.push([
        "listen stats",
        `bind ${hostPort(stats.bindAddress, stats.port)}`,
        "mode http",
        `acl ${STATS_ADMIN_ACL} src ${sources.join(" ")}`,
        `http-request deny if !${STATS_ADMIN_ACL}`,
        ...(stats.prometheus
            ? [`http-request auth realm haproxy-ha if { path /metrics } !{ http_auth(${STATS_USERLIST}) }`, "http-request use-service prometheus-exporter if { path /metrics }"]
            : []),
        "stats enable",
        `stats uri ${stats.uri}`,
        "stats refresh 10s",
        `stats auth ${stats.user}:${stats.password}`,
    ]);
    return sections;
}

function bindLine(bind: HaproxyBind, version: string): string {
    const parts = [`bind ${hostPort(bind.address, bind.port)}`];
    if (bind.tls) {
        parts.push("ssl", ...bind.tls.certificates.map((c) => `crt ${c}.pem`));
        // h2 needs haproxy 1.8; older versions get no ALPN (clients fall back to HTTP/1.1).
        if (bind.tls.alpn && versionAtLeast(version, "1.8")) parts.push(bind.tls.http2 === false ? "alpn http/1.1" : "alpn h2,http/1.1");
        parts.push(minVersionOptions(bind.tls.minVersion, version), ...bindCiphers(bind.tls.profile, version));
    }
    return parts.join(" ");
}

/** `ssl-min-ver` exists from 1.8; before it, the older protocols are switched off one by one. */
function minVersionOptions(min: TlsVersion, version: string): string {
    if (versionAtLeast(version, "1.8")) return `ssl-min-ver ${min}`;
    const off = { "TLSv1.0": ["no-sslv3"], "TLSv1.1": ["no-sslv3", "no-tlsv10"], "TLSv1.2": ["no-sslv3", "no-tlsv10", "no-tlsv11"], "TLSv1.3": ["no-sslv3", "no-tlsv10", "no-tlsv11", "no-tlsv12"] }[min];
    return off.join(" ");
}

function headerRule(phase: "http-request" | "http-response", rule: HaproxyHeaderRule): string {
    return rule.action === "set" ? `${phase} set-header ${rule.name} ${rule.value}` : `${phase} del-header ${rule.name}`;
}

const REDIRECT_TO_HTTPS = "redirect scheme https code 301 if !{ ssl_fc }";

function frontendSection(f: HaproxyFrontend, defaultMode: string, version: string): string[] {
    const lines = [`frontend ${f.name}`];
    if (f.mode !== defaultMode) lines.push(`mode ${f.mode}`, f.mode === "http" ? "option httplog" : "option tcplog");
    lines.push(...f.binds.map((b) => bindLine(b, version)));
    if (f.maxconn !== undefined) lines.push(`maxconn ${f.maxconn}`);
    const t = f.timeouts ?? {};
    if (t.clientMs !== undefined) lines.push(`timeout client ${t.clientMs}ms`);
    if (t.httpRequestMs !== undefined) lines.push(`timeout http-request ${t.httpRequestMs}ms`);
    if (t.httpKeepAliveMs !== undefined) lines.push(`timeout http-keep-alive ${t.httpKeepAliveMs}ms`);
    if (f.forwardFor) lines.push("option forwardfor");
    if (f.acmeThumbprint !== undefined) lines.push(acmeChallengeRule(f.acmeThumbprint));
    lines.push(...frontendEdgeLines(f));
    lines.push(...(f.requestHeaders ?? []).map((r) => headerRule("http-request", r)));
    lines.push(...(f.responseHeaders ?? []).map((r) => headerRule("http-response", r)));
    if (f.hstsMaxAgeS !== undefined) lines.push(`http-response set-header Strict-Transport-Security max-age=${f.hstsMaxAgeS} if { ssl_fc }`);
    // After the http-request rules: haproxy runs those first whatever the order, and warns otherwise.
    if (f.redirectToHttps) lines.push(REDIRECT_TO_HTTPS);
    lines.push(...errorPageLines(f.errorPages, version));
    const routing = routeParts(f.routes ?? [], f.hostMap);
    lines.push(...routing.acls);
    // Each route's condition as its alternatives (an OR of ANDs): the edge rules set the route's variable per alternative.
    const routeRules = routeEdgeLines(f, routing.terms);
    if (routeRules.length && f.redirectToHttps) {
        // http-request rules after the redirect: haproxy would run them first anyway, and warn.
        lines.splice(lines.indexOf(REDIRECT_TO_HTTPS), 1);
        routeRules.push(REDIRECT_TO_HTTPS);
    }
    lines.push(...routeRules);
    lines.push(...routing.uses);
    if (f.defaultBackend !== undefined) lines.push(`default_backend ${f.defaultBackend}`);
    lines.push(...(f.extra ?? []));
    return lines;
}

function backendSection(b: HaproxyBackend, defaultMode: string, version: string, peers?: EdgePeers, dns?: HaproxyDns): string[] {
    const lines = [`backend ${b.name}`];
    if (b.mode !== defaultMode) lines.push(`mode ${b.mode}`);
    lines.push(`balance ${b.balance}`);
    if (b.mode === "http") lines.push(...httpCheckLines(b.healthCheck, version));
    const t = b.timeouts ?? {};
    if (t.connectMs !== undefined) lines.push(`timeout connect ${t.connectMs}ms`);
    if (t.serverMs !== undefined) lines.push(`timeout server ${t.serverMs}ms`);
    if (t.queueMs !== undefined) lines.push(`timeout queue ${t.queueMs}ms`);
    if (t.httpKeepAliveMs !== undefined) lines.push(`timeout http-keep-alive ${t.httpKeepAliveMs}ms`);
    if (b.sticky) lines.push(`cookie ${b.sticky.cookie} insert indirect nocache`);
    lines.push(...stickSourceLines(b.stickSource, peers));
    const hc = b.healthCheck;
    lines.push(`default-server inter ${hc.interMs}ms rise ${hc.rise} fall ${hc.fall}`);
    lines.push(...b.servers.map((s) => serverLine(s, b.sticky !== undefined, dns)));
    lines.push(...compressionLines(b.compression), ...errorPageLines(b.errorPages, version));
    lines.push(...(b.extra ?? []));
    return lines;
}

/**
 * The HTTP check. With a Host header: haproxy < 2.2 only knows the header hidden in the version
 * string of `option httpchk`; 2.2 and later deprecate that for `http-check send`.
 */
function httpCheckLines(hc: HaproxyHealthCheck, version: string): string[] {
    const method = hc.method ?? "GET";
    const expect = `http-check expect status ${hc.expectStatus ?? 200}`;
    if (hc.host === undefined) return [`option httpchk ${method} ${hc.path}`, expect];
    if (versionAtLeast(version, "2.2")) return ["option httpchk", `http-check send meth ${method} uri ${hc.path} ver HTTP/1.1 hdr Host ${hc.host}`, expect];
    return [`option httpchk ${method} ${hc.path} HTTP/1.1\\r\\nHost:\\ ${hc.host}`, expect];
}

/**
 * `server NAME ADDR check [weight W] [maxconn M] [cookie C] [backup] [disabled]`. The state is
 * persisted here so that a reload or a cold start keeps it: drain as `weight 0` (what the runtime
 * DRAIN state does to the weight; no keyword for it before haproxy 3.x), maint as `disabled`
 * (last, so the config step can tell a change of state alone; see script/serverStates.ts).
 */
function serverLine(server: HaproxyServer, cookie: boolean, dns?: HaproxyDns): string {
    const parts = [`server ${server.name} ${hostPort(server.address, server.port)} check`, ...serverResolverOptions(server.address, dns)];
    const weight = server.state === "drain" ? 0 : server.weight;
    if (weight !== undefined) parts.push(`weight ${weight}`);
    if (server.maxconn !== undefined) parts.push(`maxconn ${server.maxconn}`);
    if (cookie) parts.push(`cookie ${server.name}`);
    if (server.backup) parts.push("backup");
    if (server.state === "maint") parts.push("disabled");
    return parts.join(" ");
}

/** haproxy reads the port after the last colon, so IPv6 needs no brackets; `*` means all addresses. */
function hostPort(address: string, port: number): string {
    return `${address === "*" ? "" : address}:${port}`;
}
