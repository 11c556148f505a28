/**
 * What teams put at the edge (issue 21, items 1–3): a `peers` section between the balancers so
 * stick tables are shared, rate limits on stick tables answered 429, and basic auth against
 * userlists. Public args and their checks; model/haproxy.ts calls these and keeps the results in
 * the Plan, render/edge.ts turns them into text. Every version rule refuses naming the feature,
 * the family and its haproxy (requireHaproxy). PURE: no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { OsChoice, oldestHaproxy, versionAtLeast } from "../os";
import { ArgumentError, checkInteger, checkIp, checkName, checkPort, checkUniqueNames, isObject } from "../validate";
import { ArgPath, Checks, isKnown } from "./problems";

/** The one peers section's name; every stick table the library renders names it when peers are on. */
export const PEERS_SECTION = "haproxy_ha";
/** Prefix of the library's own sections (rate-limit tables); refused as a user's backend or userlist name. */
export const RESERVED_PREFIX = "haproxy_ha";
/** The transaction variable holding the index of the route that matched (first match wins). */
export const ROUTE_VAR = "txn.haproxy_ha_route";

export const EDGE_DEFAULTS = {
    peersPort: 10000,
    /** A rate limit's table: entries per table, and how long a key is kept after its last request (the period). */
    tableSize: 100_000,
    /** `sticky.source`: how long a client stays pinned after its last request. */
    stickExpireS: 1800,
} as const;

/** haproxy brought these; below them the feature is refused before any host is touched. */
export const EDGE_SINCE = {
    /** `http-request deny deny_status` (1.6-dev2, "configurable http result codes for http-request deny"), `http-request track-sc*`, and every stick-table data type synchronized by peers (1.5 pushes only `server_id`). */
    rateLimit: "1.6",
    /** `set-var` and `var()`: the route a request matched, first match wins, for a route's auth or limit. */
    routeVar: "1.6",
    /** The global `localpeer`: the local peer by name instead of the host name. */
    localpeer: "2.2",
} as const;

export interface HaproxyPeerArgs {
    /** Peer name: the balancer's node name (`nodeName`). One entry must be this node's own. */
    name: string;
    /** Its own address (not the VIP), where the other balancers reach its peers port. Plain: it decides the firewall rules. */
    address: string;
}

/**
 * A `peers` section between the balancers: every stick table the library renders (`sticky.source`,
 * rate limits) is shared with the other members, pushed to the new process on a reload (through the
 * local peer) and present on the BACKUP when it takes the VIP over.
 */
export interface HaproxyPeersArgs {
    /** TCP port the peers talk on, on each member's address; opened in an active host firewall to the other members only. Default 10000. */
    port?: number;
    /** Every balancer, this one included (its entry is the local peer). */
    members: HaproxyPeerArgs[];
}

/** N requests per period per key; over it, 429. */
export interface HaproxyRateLimitArgs {
    /** Requests a key may make per period; the next ones get 429 until its rate falls below again. */
    requests: number;
    /** The sliding period in seconds (1–86400). */
    periodS: number;
    /**
     * Count per the value of this request header (an API key, a tenant id) instead of per source
     * address; requests without the header are not counted. Default: per source address.
     */
    header?: string;
}

/** Basic auth: requests without valid credentials of the userlist get 401. */
export interface HaproxyAuthArgs {
    /** A name from `userlists`. */
    userlist: string;
    /** The realm the browser shows (letters, digits, `.`, `_`, `-`). Default: the userlist's name. */
    realm?: string;
}

export interface HaproxyUserArgs {
    name: string;
    /**
     * The password's crypt(3) hash, checked by haproxy with the host's libc `crypt()`: SHA-512
     * `$6$…` or SHA-256 `$5$…` (every family's libc has them; e.g. `mkpasswd -m sha-512`,
     * `openssl passwd -6`). Keep it a secret. One of this or `insecurePassword`.
     */
    passwordHash?: pulumi.Input<string>;
    /**
     * The password itself, in clear in haproxy.cfg (0640 root:haproxy): an explicit opt-in that saves
     * the crypt() per request. Keep it a secret. One of this or `passwordHash`.
     */
    insecurePassword?: pulumi.Input<string>;
}

export interface HaproxyUserlistArgs {
    /** `userlist <name>`: letters, digits, `.`, `_`, `-`. */
    name: string;
    users: HaproxyUserArgs[];
}

export interface PeersPlan {
    port: number;
    members: { name: string; address: string }[];
    /** This node's member name. */
    local: string;
}

export interface RateLimitPlan {
    requests: number;
    periodS: number;
    header?: string;
}

export interface AuthPlan {
    userlist: string;
    realm: string;
}

export interface UserPlan {
    name: string;
    /** Checked now when plain, else when it resolves; a secret from then on. */
    secret: pulumi.Input<string>;
    insecure: boolean;
}

export interface UserlistPlan {
    name: string;
    users: UserPlan[];
}

const HEADER_NAME_RE = /^[A-Za-z0-9-]{1,64}$/;
const REALM_RE = /^[A-Za-z0-9._-]{1,64}$/;
/** glibc and libxcrypt both: SHA-256 (`$5$`, 43 characters of hash) and SHA-512 (`$6$`, 86), with optional rounds. */
const CRYPT_RE = /^\$(5|6)\$(rounds=[0-9]{4,9}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]+$/;
const CRYPT_LENGTH = { "5": 43, "6": 86 } as const;
/** A password haproxy reads as one word: printable, no space, quote, backslash or `#`. */
const INSECURE_PASSWORD_RE = /^[A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~-]{1,128}$/;

/** A feature the oldest haproxy the node may meet lacks: refused naming the feature, family and version. */
function needs(c: Checks, path: ArgPath, os: OsChoice, minimum: string, feature: string, value: unknown): boolean {
    const { version, who } = oldestHaproxy(os);
    if (versionAtLeast(version, minimum)) return true;
    c.add(path, `needs ${feature}, which haproxy ${minimum} brought; ${who}`, value);
    return false;
}

function checkKnownKeys(c: Checks, path: ArgPath, obj: Record<string, unknown>, known: readonly string[]): void {
    for (const k of Object.keys(obj)) {
        if (!known.includes(k) && obj[k] !== undefined) c.add([...path, k], `is not a known key; keys are: ${known.join(", ")}`, obj[k]);
    }
}

/** The peers section: this node must be a member, names and addresses plain and unique, the port free. */
export function peersPlan(c: Checks, raw: unknown, nodeName: string, usedPorts: number[]): PeersPlan | undefined {
    if (raw === undefined) return undefined;
    if (!isObject(raw)) {
        c.add(["peers"], "must be an object with `members`", raw);
        return undefined;
    }
    checkKnownKeys(c, ["peers"], raw, ["port", "members"]);
    const port = c.at(["peers", "port"], (f) => checkPort(c.where, f, raw.port ?? EDGE_DEFAULTS.peersPort)) ?? EDGE_DEFAULTS.peersPort;
    if (usedPorts.includes(port)) c.add(["peers", "port"], "must differ from every frontend bind's port and the stats port", port);
    if (!Array.isArray(raw.members) || raw.members.length < 2) {
        c.add(["peers", "members"], "must list every balancer (at least 2), this node included", raw.members);
        return undefined;
    }
    const members = raw.members.flatMap((m: unknown, i: number) => {
        const path = ["peers", "members", i];
        if (!isObject(m)) {
            c.add(path, "must be an object with `name` and `address`", m);
            return [];
        }
        checkKnownKeys(c, path, m, ["name", "address"]);
        const name = c.at([...path, "name"], (f) => checkName(c.where, f, m.name));
        // Plain: the firewall rule opening the port to the other members is fixed at construction.
        if (!isKnown(m.address as pulumi.Input<string>)) c.add([...path, "address"], "must be a plain address (it decides the firewall rule of the peers port), not an output of another resource", "(output)");
        const address = isKnown(m.address as pulumi.Input<string>) ? c.at([...path, "address"], (f) => checkIp(c.where, f, m.address)) : undefined;
        return name === undefined || address === undefined ? [] : [{ name, address }];
    });
    const names = raw.members.map((m: unknown) => (isObject(m) ? m.name : undefined));
    if (!names.includes(nodeName)) {
        c.add(["peers", "members"], `must hold this node's own entry, named \`${nodeName}\` (its nodeName): it is the local peer`, names);
    }
    if (members.length !== raw.members.length) return undefined;
    c.at(["peers", "members"], (f) => checkUniqueNames(c.where, f, members.map((m) => m.name)));
    const addresses = members.map((m) => m.address);
    addresses.forEach((a, i) => {
        if (addresses.indexOf(a) !== i) c.add(["peers", "members", i, "address"], "must be unique", a);
    });
    if (!names.includes(nodeName)) return undefined;
    return { port, members, local: nodeName };
}

/** A rate limit: http mode, haproxy ≥ 1.6, sane numbers. */
export function rateLimitPlan(c: Checks, path: ArgPath, raw: unknown, os: OsChoice, mode: string): RateLimitPlan | undefined {
    if (raw === undefined) return undefined;
    if (!isObject(raw)) {
        c.add(path, "must be an object with `requests` and `periodS`", raw);
        return undefined;
    }
    checkKnownKeys(c, path, raw, ["requests", "periodS", "header"]);
    const requests = c.at([...path, "requests"], (f) => checkInteger(c.where, f, raw.requests, 1, 1_000_000_000));
    const periodS = c.at([...path, "periodS"], (f) => checkInteger(c.where, f, raw.periodS, 1, 86_400));
    let header: string | undefined;
    if (raw.header !== undefined) {
        if (typeof raw.header !== "string" || !HEADER_NAME_RE.test(raw.header)) c.add([...path, "header"], "must be a header name (letters, digits, '-')", raw.header);
        else header = raw.header;
    }
    if (mode !== "http") c.add(path, "counts HTTP requests: needs `mode: http`", raw);
    const supported = needs(c, path, os, EDGE_SINCE.rateLimit, "rate limits (`http-request track-sc`, `deny_status 429`, peers sharing the request rates)", raw);
    if (requests === undefined || periodS === undefined || !supported) return undefined;
    return { requests, periodS, ...(header === undefined ? {} : { header }) };
}

/** Basic auth naming a userlist of the node. */
export function authPlan(c: Checks, path: ArgPath, raw: unknown, userlists: string[], mode: string): AuthPlan | undefined {
    if (raw === undefined) return undefined;
    if (!isObject(raw)) {
        c.add(path, "must be an object with `userlist`", raw);
        return undefined;
    }
    checkKnownKeys(c, path, raw, ["userlist", "realm"]);
    if (typeof raw.userlist !== "string" || !userlists.includes(raw.userlist)) {
        c.add([...path, "userlist"], `is not a userlist; userlists are: ${userlists.join(", ") || "(none: add `userlists`)"}`, raw.userlist);
        return undefined;
    }
    if (raw.realm !== undefined && (typeof raw.realm !== "string" || !REALM_RE.test(raw.realm))) {
        c.add([...path, "realm"], "must be 1-64 characters from A-Z a-z 0-9 . _ -", raw.realm);
        return undefined;
    }
    if (mode !== "http") {
        c.add(path, "is HTTP basic auth: needs `mode: http`", raw);
        return undefined;
    }
    return { userlist: raw.userlist, realm: (raw.realm as string | undefined) ?? raw.userlist };
}

/** A route's auth or limit needs to know which route matched (a variable): haproxy ≥ 1.6. */
export function requireRouteVar(c: Checks, path: ArgPath, os: OsChoice, value: unknown): boolean {
    return needs(c, path, os, EDGE_SINCE.routeVar, "a route's own auth or rate limit (`set-var`: the route that matched, first match wins)", value);
}

/** A password hash or an insecure password, checked; never shown in an error. */
export function checkUserSecret(where: string, field: string, value: unknown, insecure: boolean): string {
    if (insecure) {
        if (typeof value !== "string" || !INSECURE_PASSWORD_RE.test(value)) {
            throw new ArgumentError(where, field, "must be 1-128 printable characters without spaces, quotes, backslash or '#'", "<hidden>");
        }
        return value;
    }
    const m = typeof value === "string" ? CRYPT_RE.exec(value) : null;
    const hash = m && typeof value === "string" ? value.slice(value.lastIndexOf("$") + 1) : "";
    if (!m || hash.length !== CRYPT_LENGTH[m[1] as "5" | "6"]) {
        throw new ArgumentError(
            where,
            field,
            "must be a SHA-512 (`$6$…`) or SHA-256 (`$5$…`) crypt(3) hash, which every family's libc checks (e.g. `openssl passwd -6`); a password in clear goes in `insecurePassword`",
            "<hidden>",
        );
    }
    return value as string;
}

/** The userlists, names unique and not the library's own; each user with exactly one of hash or password. */
export function userlistsPlan(c: Checks, raw: unknown): UserlistPlan[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
        c.add(["userlists"], "must be a list of userlists with `name` and `users`", raw);
        return [];
    }
    const out = raw.flatMap((l: unknown, i: number): UserlistPlan[] => {
        const path = ["userlists", i];
        if (!isObject(l)) {
            c.add(path, "must be an object with `name` and `users`", l);
            return [];
        }
        checkKnownKeys(c, path, l, ["name", "users"]);
        const name = c.at([...path, "name"], (f) => checkName(c.where, f, l.name));
        if (name?.startsWith(RESERVED_PREFIX)) c.add([...path, "name"], `must not start with \`${RESERVED_PREFIX}\` (the library's own)`, name);
        if (!Array.isArray(l.users) || l.users.length === 0) {
            c.add([...path, "users"], "must list at least one user with `name` and `passwordHash` (or `insecurePassword`)", l.users);
            return [];
        }
        const users = l.users.flatMap((u: unknown, j: number): UserPlan[] => {
            const up = [...path, "users", j];
            if (!isObject(u)) {
                c.add(up, "must be an object with `name` and `passwordHash`", "<hidden>");
                return [];
            }
            checkKnownKeys(c, up, u, ["name", "passwordHash", "insecurePassword"]);
            const userName = c.at([...up, "name"], (f) => checkName(c.where, f, u.name));
            const insecure = u.insecurePassword !== undefined;
            if (insecure === (u.passwordHash !== undefined)) {
                c.add(up, "needs exactly one of `passwordHash` and `insecurePassword`", "<hidden>");
                return [];
            }
            const key = insecure ? "insecurePassword" : "passwordHash";
            const value = (insecure ? u.insecurePassword : u.passwordHash) as pulumi.Input<string>;
            let secret: pulumi.Input<string>;
            if (isKnown(value)) {
                secret = c.at([...up, key], (f) => checkUserSecret(c.where, f, value, insecure)) ?? value;
            } else {
                secret = pulumi.output(value).apply((v) => checkUserSecret(c.where, c.show([...up, key]), v, insecure));
            }
            return userName === undefined ? [] : [{ name: userName, secret: pulumi.secret(secret), insecure }];
        });
        if (users.length === l.users.length) c.at([...path, "users"], (f) => checkUniqueNames(c.where, f, users.map((u) => u.name)));
        return name === undefined ? [] : [{ name, users }];
    });
    if (out.length === raw.length) c.at(["userlists"], (f) => checkUniqueNames(c.where, f, out.map((l) => l.name)));
    return out;
}

/** `sticky.source`: how long and how many; the sticky object's other members stay model/haproxy.ts's. */
export function stickSourcePlan(c: Checks, path: ArgPath, s: Record<string, unknown>, mode: string): { expireS: number } | undefined {
    if (s.source === undefined || s.source === false) {
        if (s.expireS !== undefined) c.add([...path, "expireS"], "applies to `source: true` only", s.expireS);
        return undefined;
    }
    if (s.source !== true) {
        c.add([...path, "source"], "must be true or false", s.source);
        return undefined;
    }
    if (s.cookie !== undefined) c.add([...path, "source"], "pins by source address; `cookie` pins by a cookie: set one of them", s.source);
    void mode;
    const expireS = c.at([...path, "expireS"], (f) => checkInteger(c.where, f, s.expireS ?? EDGE_DEFAULTS.stickExpireS, 1, 86_400 * 30));
    return { expireS: expireS ?? EDGE_DEFAULTS.stickExpireS };
}
