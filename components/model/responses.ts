/**
 * What haproxy answers besides the servers' responses, and the top-level escape hatch: per-status
 * error pages (shipped as files with the bundle), `compression` per backend, and raw top-level
 * sections (`userlist`, `resolvers`, `cache`, …). Checked here once, per haproxy version. PURE.
 */
import { OsChoice, oldestHaproxy, versionAtLeast } from "../os";
import { checkName, checkRawLines } from "../validate";
import { ArgPath, Checks } from "./problems";

export interface HaproxyErrorPageArgs {
    /**
     * The status haproxy answers with this page: 200, 400, 403, 408, 500, 502, 503, 504 on every
     * version; 405 and 429 from haproxy 1.6; 401, 404, 407, 410, 413, 425, 501 from 2.2.
     */
    status: number;
    /** The page's body (at most 8000 bytes). */
    body: string;
    /** Default `text/html; charset=utf-8`. */
    contentType?: string;
}

export interface HaproxyCompressionArgs {
    /** `gzip` (default), `deflate`, `raw-deflate`: the first the client accepts is used. */
    algorithms?: string[];
    /** MIME types compressed. Default: text/html, text/plain, text/css, text/javascript, application/javascript, application/json, image/svg+xml. */
    types?: string[];
}

export interface HaproxyRawSectionArgs {
    /** The section keyword: userlist, peers, resolvers (haproxy ≥ 1.6), mailers (≥ 1.6), cache (≥ 1.8), http-errors (≥ 2.2), ring (≥ 2.2). */
    type: string;
    /** The section's name (letters, digits, '.', '_', '-'). */
    name: string;
    /** Its lines, as haproxy reads them (validated by `haproxy -c` on the host with the rest). */
    lines: string[];
}

export interface ErrorPagePlan {
    status: number;
    body: string;
    contentType: string;
    /** The file under /etc/haproxy/errors: `<fe|be>-<section name>-<status>.http`. */
    file: string;
}

export interface CompressionPlan {
    algorithms: string[];
    types: string[];
}

export interface RawSectionPlan {
    type: string;
    name: string;
    lines: string[];
}

export const ERROR_DIR = "/etc/haproxy/errors";
export const DEFAULT_ERROR_CONTENT_TYPE = "text/html; charset=utf-8";
export const COMPRESSION_ALGORITHMS = ["gzip", "deflate", "raw-deflate"] as const;
export const DEFAULT_COMPRESSION_TYPES = ["text/html", "text/plain", "text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml"];
/** The status codes each haproxy may serve a custom page for, with the version that brought them. */
const ERROR_STATUSES: [string, number[]][] = [
    ["1.5", [200, 400, 403, 408, 500, 502, 503, 504]],
    ["1.6", [405, 429]],
    ["2.2", [401, 404, 407, 410, 413, 425, 501]],
];
/** The top-level sections the escape hatch may add, with the haproxy version that brought them. */
export const RAW_SECTION_TYPES: Record<string, string> = { userlist: "1.5", peers: "1.5", resolvers: "1.6", mailers: "1.6", cache: "1.8", "http-errors": "2.2", ring: "2.2" };
/** Names the library renders itself (the stats page's userlist). */
const RESERVED_SECTION_NAMES = ["haproxy_ha_stats", "haproxy_ha"];
/** A MIME type haproxy reads as one word (and inside double quotes): no space, quote, '$', '\', '#'. */
const MIME_RE = /^[A-Za-z0-9!&^_.+-]{1,64}\/[A-Za-z0-9!&^_.+*-]{1,64}$/;
/** A Content-Type haproxy ≥ 2.2 reads inside double quotes, and the 1.5 errorfile carries verbatim. */
const CONTENT_TYPE_RE = /^[A-Za-z0-9!&^_.+-]{1,64}\/[A-Za-z0-9!&^_.+-]{1,64}(; ?[A-Za-z0-9_-]{1,32}=[A-Za-z0-9_.-]{1,64}){0,4}$/;
const MAX_BODY = 8000;

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownKeys(c: Checks, path: ArgPath, o: Record<string, unknown>, keys: readonly string[]): void {
    for (const k of Object.keys(o)) if (!keys.includes(k) && o[k] !== undefined) c.add([...path, k], `is not a known key; keys are: ${keys.join(", ")}`, o[k]);
}

/** `needs …, which haproxy M brought; <family> ships haproxy V`: the refusal of a version's missing feature. */
function versionRule(os: OsChoice, minimum: string, feature: string): string | undefined {
    const { version, who } = oldestHaproxy(os);
    if (versionAtLeast(version, minimum)) return undefined;
    return `needs ${feature}, which haproxy ${minimum} brought; ${who}`;
}

/** A frontend's or backend's `errorPages`; `prefix` is `fe` or `be`, `section` its name. */
export function errorPagePlans(c: Checks, path: ArgPath, raw: unknown, os: OsChoice, prefix: "fe" | "be", section: string, mode: string): ErrorPagePlan[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
        c.add(path, "must be a list of error pages with `status` and `body`", raw);
        return [];
    }
    if (raw.length && mode !== "http") c.add(path, "needs `mode: http`", raw.map((e) => (isObject(e) ? e.status : e)));
    if (raw.length && section.includes("..")) c.add(path, "needs a section name without '..' (it names the page's file)", section);
    const seen = new Set<number>();
    return raw.flatMap((e, i): ErrorPagePlan[] => {
        const p = [...path, i];
        if (!isObject(e)) {
            c.add(p, "must be an object with `status` and `body`", e);
            return [];
        }
        unknownKeys(c, p, e, ["status", "body", "contentType"]);
        const status = e.status;
        const since = ERROR_STATUSES.find(([, codes]) => codes.includes(status as number))?.[0];
        if (typeof status !== "number" || since === undefined) {
            c.add([...p, "status"], `must be a status haproxy answers itself: ${ERROR_STATUSES.map(([v, codes]) => `${codes.join(", ")}${v === "1.5" ? "" : ` (haproxy ≥ ${v})`}`).join("; ")}`, status);
            return [];
        }
        const tooOld = versionRule(os, since, `a custom ${status} page`);
        if (tooOld) c.add([...p, "status"], tooOld, status);
        if (seen.has(status)) c.add([...p, "status"], "has a page already in this section", status);
        seen.add(status);
        if (typeof e.body !== "string" || Buffer.byteLength(e.body, "utf8") > MAX_BODY) {
            c.add([...p, "body"], `must be text of at most ${MAX_BODY} bytes (haproxy holds the page in one buffer)`, typeof e.body === "string" ? `${Buffer.byteLength(e.body, "utf8")} bytes` : e.body);
            return [];
        }
        const contentType = e.contentType ?? DEFAULT_ERROR_CONTENT_TYPE;
        if (typeof contentType !== "string" || !CONTENT_TYPE_RE.test(contentType)) {
            c.add([...p, "contentType"], "must be a media type such as `text/html; charset=utf-8` (no quotes, '$', '\\' or '#')", contentType);
            return [];
        }
        return [{ status, body: e.body, contentType, file: `${prefix}-${section}-${status}.http` }];
    });
}

export function compressionPlan(c: Checks, path: ArgPath, raw: unknown, mode: string): CompressionPlan | undefined {
    if (raw === undefined) return undefined;
    if (!isObject(raw)) {
        c.add(path, "must be an object (`{}` for the defaults)", raw);
        return undefined;
    }
    unknownKeys(c, path, raw, ["algorithms", "types"]);
    if (mode !== "http") c.add(path, "needs `mode: http`", raw);
    const list = (k: string, dflt: string[], ok: (s: string) => boolean, rule: string): string[] => {
        const v = raw[k];
        if (v === undefined) return dflt;
        if (!Array.isArray(v) || v.length === 0) {
            c.add([...path, k], "must be a non-empty list", v);
            return dflt;
        }
        v.forEach((s, i) => {
            if (typeof s !== "string" || !ok(s)) c.add([...path, k, i], rule, s);
        });
        return v.filter((s): s is string => typeof s === "string" && ok(s));
    };
    return {
        algorithms: list("algorithms", ["gzip"], (s) => (COMPRESSION_ALGORITHMS as readonly string[]).includes(s), `must be one of ${COMPRESSION_ALGORITHMS.join(", ")}`),
        types: list("types", DEFAULT_COMPRESSION_TYPES, (s) => MIME_RE.test(s), "must be a MIME type such as text/html"),
    };
}

export function rawSectionPlans(c: Checks, raw: unknown, os: OsChoice): RawSectionPlan[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
        c.add(["sections"], "must be a list of sections with `type`, `name` and `lines`", raw);
        return [];
    }
    const seen = new Set<string>();
    return raw.flatMap((s, i): RawSectionPlan[] => {
        const p = ["sections", i];
        if (!isObject(s)) {
            c.add(p, "must be an object with `type`, `name` and `lines`", s);
            return [];
        }
        unknownKeys(c, p, s, ["type", "name", "lines"]);
        const type = s.type;
        if (typeof type !== "string" || !(type in RAW_SECTION_TYPES)) {
            c.add([...p, "type"], `must be one of ${Object.keys(RAW_SECTION_TYPES).join(", ")} (frontends, backends, global and defaults have their own args and \`extraConfig\`)`, type);
            return [];
        }
        const tooOld = versionRule(os, RAW_SECTION_TYPES[type], `a \`${type}\` section`);
        if (tooOld) c.add([...p, "type"], tooOld, type);
        const name = c.at([...p, "name"], (f) => checkName(c.where, f, s.name));
        if (name !== undefined && RESERVED_SECTION_NAMES.includes(name)) c.add([...p, "name"], "is the name of a section the library renders (the stats page's userlist, the peers section)", name);
        if (name !== undefined && seen.has(`${type} ${name}`)) c.add([...p, "name"], `names another \`${type}\` section`, name);
        if (name !== undefined) seen.add(`${type} ${name}`);
        const lines = c.at([...p, "lines"], (f) => checkRawLines(c.where, f, s.lines ?? []));
        return name === undefined || lines === undefined ? [] : [{ type, name, lines }];
    });
}

/** A bind's HTTP/2 switch: on by default where ALPN is offered; off offers http/1.1 only. */
export function http2Refusal(os: OsChoice): string | undefined {
    return versionRule(os, "1.8", "HTTP/2");
}
