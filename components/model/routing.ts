/**
 * Routing beyond Host and path prefix: a route's conditions (exact path, suffix, regex, method,
 * header, source, query parameter; `anyOf` and `not`), and the Host→backend map files a frontend
 * may route by. Checked here once; render/routing.ts turns the plans into ACLs and `use_backend`
 * lines. Every value that lands in haproxy.cfg is either a word haproxy reads as-is on every
 * version or (regexes) escaped by `configArg`; what neither can say is refused. PURE.
 */
import { checkCidr, checkHttpPath, checkName } from "../validate";
import { ArgPath, Checks, strings } from "./problems";

/** One header test: `values` (any of them, exact), or `regex`, or neither (the header is present). */
export interface HaproxyHeaderMatchArgs {
    /** Header name (letters, digits, '-'). */
    name: string;
    /** Exact values, any of them (case-sensitive, the whole header line's value). */
    values?: string[];
    /** A PCRE the value matches (instead of `values`). */
    regex?: string;
}

/** One query-string test: `values` (any of them, exact), or none (the parameter is present). */
export interface HaproxyQueryParamMatchArgs {
    /** Parameter name (letters, digits, '.', '_', '~', '-'). */
    name: string;
    values?: string[];
}

/**
 * A set of tests that must all hold (each list matches when any of its values does). Used in a
 * route's `anyOf` and `not`; a route itself carries the same fields at its top level.
 */
export interface HaproxyRouteMatchArgs {
    /** Host header values, e.g. `api.example.com` (case-insensitive). */
    hosts?: string[];
    /** Path prefixes, e.g. `/api/`. */
    pathPrefixes?: string[];
    /** Exact paths (without the query string), e.g. `/login`. */
    paths?: string[];
    /** Path suffixes, e.g. `.js`. */
    pathSuffixes?: string[];
    /** PCREs the path matches. */
    pathRegexes?: string[];
    /** Request methods, e.g. `GET`, `POST`. */
    methods?: string[];
    /** Header tests; all must hold. */
    headers?: HaproxyHeaderMatchArgs[];
    /** Client source networks (CIDRs or addresses), any of them. */
    sources?: string[];
    /** Query-string parameter tests; all must hold. */
    queryParams?: HaproxyQueryParamMatchArgs[];
}

export interface HeaderMatchPlan {
    name: string;
    values: string[];
    regex?: string;
}
export interface QueryParamMatchPlan {
    name: string;
    values: string[];
}
/** A checked match: every list may be empty (then that test is absent). */
export interface MatchPlan {
    hosts: string[];
    pathPrefixes: string[];
    paths: string[];
    pathSuffixes: string[];
    pathRegexes: string[];
    methods: string[];
    headers: HeaderMatchPlan[];
    sources: string[];
    queryParams: QueryParamMatchPlan[];
}
/** A checked route: its own tests, at least one `anyOf` entry when there are any, none of `not`. */
export interface RoutePlan extends MatchPlan {
    anyOf: MatchPlan[];
    not: MatchPlan[];
    backend: string;
}

export const MATCH_KEYS = ["hosts", "pathPrefixes", "paths", "pathSuffixes", "pathRegexes", "methods", "headers", "sources", "queryParams"] as const;
export const ROUTE_CONDITION_KEYS = [...MATCH_KEYS, "anyOf", "not"] as const;
/** haproxy reads a condition as an OR of ANDs; `anyOf` × `not` expand to at most this many terms. */
export const MAX_ROUTE_TERMS = 16;

const HOST_RE = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
const HEADER_NAME_RE = /^[A-Za-z0-9-]{1,64}$/;
const PARAM_NAME_RE = /^[A-Za-z0-9._~-]{1,64}$/;
const METHOD_RE = /^[A-Z]{1,20}$/;
/**
 * A value haproxy reads as one word on every version: printable ASCII without space, quotes,
 * backslash or '#' (1.5 reads quotes literally, 1.6+ as quoting: the same text would mean two
 * things). A leading '-' is rendered after `--`, the end of haproxy's pattern flags.
 */
const PLAIN_WORD_RE = /^[A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~-]{1,512}$/;
const PLAIN_RULE = "must be 1-512 printable characters without spaces, quotes, backslash or '#' (haproxy.cfg cannot hold it the same way on every version)";

export function isPlainWord(v: unknown): v is string {
    return typeof v === "string" && PLAIN_WORD_RE.test(v);
}

/**
 * A regex as one haproxy.cfg argument with the same meaning on every version: backslash, space,
 * '#' and quotes escaped with a backslash (1.5 keeps an unknown escape such as `\"` as is, which a
 * regex reads as the character itself). Control characters cannot be written: refused by the model.
 */
export function configArg(v: string): string {
    return v.replace(/[\\ #"']/g, (ch) => `\\${ch}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function regexProblem(v: unknown): string | undefined {
    if (typeof v !== "string" || v.length === 0 || v.length > 512) return "must be a regex of 1-512 characters";
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(v)) return "must hold no control characters (haproxy.cfg cannot hold them)";
    try {
        new RegExp(v);
    } catch (e) {
        return `must be a valid regex (${(e as Error).message})`;
    }
    return undefined;
}

function objects(c: Checks, path: ArgPath, v: unknown, what: string, keys: readonly string[]): { e: Record<string, unknown>; i: number }[] {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length === 0) {
        c.add(path, `must be a non-empty list of ${what}`, v);
        return [];
    }
    return v.flatMap((e, i) => {
        if (!isObject(e)) {
            c.add([...path, i], `must be an object (${what})`, e);
            return [];
        }
        for (const k of Object.keys(e)) if (!keys.includes(k) && e[k] !== undefined) c.add([...path, i, k], `is not a known key; keys are: ${keys.join(", ")}`, e[k]);
        return [{ e, i }];
    });
}

const plain = (c: Checks) => (p: ArgPath, s: unknown) => {
    if (!isPlainWord(s)) {
        c.add(p, PLAIN_RULE, s);
        return undefined;
    }
    return s;
};

/** The tests of one match object; `keys` says which condition keys the object may hold. */
export function matchPlan(c: Checks, path: ArgPath, m: Record<string, unknown>): MatchPlan {
    const where = c.where;
    const at = (k: string) => [...path, k];
    const hosts = strings(c, at("hosts"), m.hosts, (p, s) => {
        if (typeof s !== "string" || s.length > 253 || !HOST_RE.test(s)) {
            c.add(p, "must be a host name such as app.example.com", s);
            return undefined;
        }
        return s.toLowerCase();
    });
    const pathPrefixes = strings(c, at("pathPrefixes"), m.pathPrefixes, (p, s) => c.at(p, (f) => checkHttpPath(where, f, s)));
    const pathLike = (p: ArgPath, s: unknown) => {
        if (typeof s !== "string" || !s.startsWith("/") || !isPlainWord(s)) {
            c.add(p, `must be a path starting with '/' (${PLAIN_RULE.slice(5)})`, s);
            return undefined;
        }
        return s;
    };
    const paths = strings(c, at("paths"), m.paths, pathLike);
    const pathSuffixes = strings(c, at("pathSuffixes"), m.pathSuffixes, plain(c));
    const regex = (p: ArgPath, s: unknown) => {
        const problem = regexProblem(s);
        if (problem) {
            c.add(p, problem, s);
            return undefined;
        }
        return s as string;
    };
    const pathRegexes = strings(c, at("pathRegexes"), m.pathRegexes, regex);
    const methods = strings(c, at("methods"), m.methods, (p, s) => {
        if (typeof s !== "string" || !METHOD_RE.test(s)) {
            c.add(p, "must be an HTTP method in capitals, e.g. GET", s);
            return undefined;
        }
        return s;
    });
    const headers = objects(c, at("headers"), m.headers, "header tests with `name`", ["name", "values", "regex"]).flatMap(({ e, i }): HeaderMatchPlan[] => {
        const hp = [...path, "headers", i];
        if (typeof e.name !== "string" || !HEADER_NAME_RE.test(e.name)) c.add([...hp, "name"], "must be a header name (letters, digits, '-')", e.name);
        const values = strings(c, [...hp, "values"], e.values, plain(c));
        const rx = e.regex === undefined ? undefined : regex([...hp, "regex"], e.regex);
        if (e.values !== undefined && e.regex !== undefined) c.add([...hp, "regex"], "is an alternative to `values`: set one of them (or neither: the header is present)", e.regex);
        return typeof e.name === "string" ? [{ name: e.name, values, ...(rx === undefined ? {} : { regex: rx }) }] : [];
    });
    const sources = strings(c, at("sources"), m.sources, (p, s) => {
        if (typeof s === "string" && !s.includes("/")) return c.at(p, (f) => checkCidr(where, f, `${s}/${s.includes(":") ? 128 : 32}`)) === undefined ? undefined : s;
        return c.at(p, (f) => checkCidr(where, f, s)) === undefined ? undefined : (s as string);
    });
    const queryParams = objects(c, at("queryParams"), m.queryParams, "query parameter tests with `name`", ["name", "values"]).flatMap(({ e, i }): QueryParamMatchPlan[] => {
        const qp = [...path, "queryParams", i];
        if (typeof e.name !== "string" || !PARAM_NAME_RE.test(e.name)) c.add([...qp, "name"], "must be a parameter name (letters, digits, '.', '_', '~', '-')", e.name);
        const values = strings(c, [...qp, "values"], e.values, plain(c));
        return typeof e.name === "string" ? [{ name: e.name, values }] : [];
    });
    return { hosts, pathPrefixes, paths, pathSuffixes, pathRegexes, methods, headers, sources, queryParams };
}

/** How many tests (ACLs) a match has: each list is one test, each header and query parameter one. */
export function testCount(m: MatchPlan): number {
    const lists = [m.hosts, m.pathPrefixes, m.paths, m.pathSuffixes, m.pathRegexes, m.methods, m.sources].filter((l) => l.length > 0).length;
    return lists + m.headers.length + m.queryParams.length;
}

/**
 * A route's conditions: its own tests, `anyOf` (at least one holds) and `not` (none holds).
 * Returns undefined for the parts only when the route has a problem already recorded.
 */
export function routeConditions(c: Checks, path: ArgPath, r: Record<string, unknown>): Omit<RoutePlan, "backend"> {
    const own = matchPlan(c, path, r);
    const nested = (k: "anyOf" | "not") =>
        objects(c, [...path, k], r[k], "match objects", MATCH_KEYS).map(({ e, i }) => {
            const m = matchPlan(c, [...path, k, i], e);
            // On the raw keys: a match whose only test was refused is not also "empty".
            if (!MATCH_KEYS.some((key) => e[key] !== undefined && !(Array.isArray(e[key]) && (e[key] as unknown[]).length === 0))) c.add([...path, k, i], `needs at least one of ${MATCH_KEYS.join(", ")}`, e);
            return m;
        });
    const anyOf = nested("anyOf");
    const not = nested("not");
    const terms = Math.max(1, anyOf.length) * not.reduce((n, m) => n * Math.max(1, testCount(m)), 1);
    if (terms > MAX_ROUTE_TERMS) {
        c.add(path, `expands to ${terms} alternatives in haproxy's condition language (an OR of ANDs, no parentheses; at most ${MAX_ROUTE_TERMS}): split it into several routes to the same backend`, `anyOf: ${anyOf.length}, not: ${not.length}`);
    }
    const set = (key: string) => r[key] !== undefined && !(Array.isArray(r[key]) && (r[key] as unknown[]).length === 0);
    if (!ROUTE_CONDITION_KEYS.some(set)) c.add(path, `needs a condition: one of ${ROUTE_CONDITION_KEYS.join(", ")}`, r);
    return { ...own, anyOf, not };
}

// ---- Maps: Host → backend tables, shipped as files and changed through the runtime API.

export interface HaproxyMapArgs {
    /** Lands as /etc/haproxy/maps/<name>.map: letters, digits, '.', '_', '-'. */
    name: string;
    /** Host → backend name, e.g. `{ "shop1.example.com": "shops" }`; thousands are fine. */
    entries: { [host: string]: string };
}

export interface MapPlan {
    name: string;
    /** Sorted by key: the file is byte-identical for the same entries. */
    entries: [string, string][];
}

export function mapPlans(c: Checks, raw: unknown, backendNames: (string | undefined)[]): MapPlan[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
        c.add(["maps"], "must be a list of maps with `name` and `entries`", raw);
        return [];
    }
    const seen = new Set<string>();
    return raw.flatMap((m, i): MapPlan[] => {
        if (!isObject(m)) {
            c.add(["maps", i], "must be an object with `name` and `entries`", m);
            return [];
        }
        for (const k of Object.keys(m)) if (!["name", "entries"].includes(k) && m[k] !== undefined) c.add(["maps", i, k], "is not a known key; keys are: name, entries", m[k]);
        const name = c.at(["maps", i, "name"], (f) => checkName(c.where, f, m.name));
        if (name?.includes("..")) c.add(["maps", i, "name"], "must not hold '..'", name);
        if (name !== undefined && seen.has(name)) c.add(["maps", i, "name"], "is used by another map", name);
        if (name !== undefined) seen.add(name);
        if (!isObject(m.entries)) {
            c.add(["maps", i, "entries"], "must map host names to backend names", m.entries);
            return [];
        }
        const known = backendNames.filter((n): n is string => n !== undefined);
        const entries: [string, string][] = [];
        const keys = new Set<string>();
        for (const [host, backend] of Object.entries(m.entries)) {
            const p = ["maps", i, "entries", host];
            if (host.length > 253 || !HOST_RE.test(host) || host.startsWith("*.")) {
                c.add(p, "must be keyed by a host name such as app.example.com (no wildcard: a map matches exact keys)", host);
                continue;
            }
            const key = host.toLowerCase();
            if (keys.has(key)) c.add(p, "is another entry's host in other capitals (Host is matched in lower case)", host);
            keys.add(key);
            if (typeof backend !== "string" || !known.includes(backend)) {
                c.add(p, `is not a backend; backends are: ${known.join(", ")}`, backend);
                continue;
            }
            entries.push([key, backend]);
        }
        entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return name === undefined ? [] : [{ name, entries }];
    });
}
