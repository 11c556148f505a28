/**
 * The edge features' text (issue 21, items 1–3): the peers section, userlists, the rate-limit
 * tables and the frontend's track/deny/auth rules. PURE; render/haproxy.ts calls these at fixed
 * places so the section order stays deterministic. The version rules were applied by the model:
 * these take what it let through.
 */
import { versionAtLeast } from "../os";
import { EDGE_DEFAULTS, EDGE_SINCE, PEERS_SECTION, RateLimitPlan, RESERVED_PREFIX, ROUTE_VAR } from "../model/edge";

export interface EdgePeers {
    port: number;
    members: { name: string; address: string }[];
    local: string;
}

export interface EdgeUserlist {
    name: string;
    /** `secret`: a crypt(3) hash, or the password itself when `insecure`. */
    users: { name: string; secret: string; insecure: boolean }[];
}

export interface EdgeAuth {
    userlist: string;
    realm: string;
}

/** What a frontend and each of its routes carry of the edge features. */
export interface EdgeFrontend {
    name: string;
    rateLimit?: RateLimitPlan;
    auth?: EdgeAuth;
    routes?: { rateLimit?: RateLimitPlan; auth?: EdgeAuth }[];
}

/** The table a frontend's (or its route's) rate limit counts in: a backend section of its own (one stick table per section). */
export function rateTableName(frontend: string, route?: number): string {
    return `${RESERVED_PREFIX}_rate_${frontend}${route === undefined ? "" : `_route${route}`}`;
}

/** ` peers haproxy_ha` on every stick table while peers are on. */
function peersSuffix(peers: EdgePeers | undefined): string {
    return peers ? ` peers ${PEERS_SECTION}` : "";
}

/** haproxy identifies its local peer by `localpeer` from 2.2; before, by the host name (see docs/frontends.md). */
export function edgeGlobalLines(peers: EdgePeers | undefined, version: string): string[] {
    return peers && versionAtLeast(version, EDGE_SINCE.localpeer) ? [`localpeer ${peers.local}`] : [];
}

/** The sections before the frontends: peers, then the userlists (auth rules name them). */
export function edgeSections(peers: EdgePeers | undefined, userlists: EdgeUserlist[]): string[][] {
    const sections: string[][] = [];
    if (peers) sections.push([`peers ${PEERS_SECTION}`, ...peers.members.map((m) => `peer ${m.name} ${m.address}:${peers.port}`)]);
    for (const l of userlists) {
        sections.push([`userlist ${l.name}`, ...l.users.map((u) => `user ${u.name} ${u.insecure ? "insecure-password" : "password"} ${u.secret}`)]);
    }
    return sections;
}

/** The stick table of a rate limit: keyed by source address (IPv4 mapped into IPv6) or by a header's value. */
function rateTable(name: string, limit: RateLimitPlan, peers: EdgePeers | undefined): string[] {
    const key = limit.header === undefined ? "type ipv6" : "type string len 128";
    return [`backend ${name}`, `stick-table ${key} size ${EDGE_DEFAULTS.tableSize} expire ${limit.periodS}s store http_req_rate(${limit.periodS}s)${peersSuffix(peers)}`];
}

/** The rate-limit tables, after the backends: one backend section each, holding only the table. */
export function rateTableSections(frontends: EdgeFrontend[], peers: EdgePeers | undefined): string[][] {
    return frontends.flatMap((f) => [
        ...(f.rateLimit ? [rateTable(rateTableName(f.name), f.rateLimit, peers)] : []),
        ...(f.routes ?? []).flatMap((r, i) => (r.rateLimit ? [rateTable(rateTableName(f.name, i), r.rateLimit, peers)] : [])),
    ]);
}

function trackKey(limit: RateLimitPlan): string {
    return limit.header === undefined ? "src" : `req.hdr(${limit.header})`;
}

/**
 * The frontend's own limit and auth, first among its http-request rules: over the limit is 429
 * before credentials are checked (a password guesser is limited too). The limit uses sticky
 * counter 0, a route's counter 1.
 */
export function frontendEdgeLines(f: EdgeFrontend): string[] {
    const lines: string[] = [];
    if (f.rateLimit) {
        lines.push(`http-request track-sc0 ${trackKey(f.rateLimit)} table ${rateTableName(f.name)}`);
        lines.push(`http-request deny deny_status 429 if { sc0_http_req_rate(${rateTableName(f.name)}) gt ${f.rateLimit.requests} }`);
    }
    if (f.auth) lines.push(`http-request auth realm ${f.auth.realm} unless { http_auth(${f.auth.userlist}) }`);
    return lines;
}

/**
 * A route's limit and auth, after the routes' ACLs (`conditions[i]`: route i's alternatives, each its ACL names ANDed):
 * the index of the first route that matches goes into a variable, so a request is counted and
 * asked for credentials by the route that will serve it, as `use_backend` picks it.
 */
export function routeEdgeLines(f: EdgeFrontend, conditions: string[][]): string[] {
    const routes = f.routes ?? [];
    if (!routes.some((r) => r.rateLimit || r.auth)) return [];
    // One line per alternative of a route's condition (render/routing.ts): the guard holds for each.
    const lines = conditions.flatMap((alternatives, i) => alternatives.map((cond) => `http-request set-var(${ROUTE_VAR}) int(${i}) if ${cond} !{ var(${ROUTE_VAR}) -m found }`));
    routes.forEach((r, i) => {
        const matched = `{ var(${ROUTE_VAR}) -m int ${i} }`;
        if (r.rateLimit) {
            const table = rateTableName(f.name, i);
            lines.push(`http-request track-sc1 ${trackKey(r.rateLimit)} table ${table} if ${matched}`);
            lines.push(`http-request deny deny_status 429 if ${matched} { sc1_http_req_rate(${table}) gt ${r.rateLimit.requests} }`);
        }
        if (r.auth) lines.push(`http-request auth realm ${r.auth.realm} if ${matched} !{ http_auth(${r.auth.userlist}) }`);
    });
    return lines;
}

/** A backend's `sticky.source`: its own stick table on the source address, shared through the peers. */
export function stickSourceLines(stick: { expireS: number } | undefined, peers: EdgePeers | undefined): string[] {
    if (!stick) return [];
    return [`stick-table type ipv6 size ${EDGE_DEFAULTS.tableSize} expire ${stick.expireS}s${peersSuffix(peers)}`, "stick on src"];
}
