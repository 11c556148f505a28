/**
 * A frontend's routes as haproxy reads them: one named ACL per test, then `use_backend … if`
 * with the route's condition as an OR of ANDs (haproxy's conditions have no parentheses, so
 * `anyOf` and `not` are expanded: the model caps the expansion). Then the Host map's
 * `use_backend`, after every route. Routes with only `hosts`/`pathPrefixes` render exactly as
 * they always did (`routeN_host`, `routeN_path`). PURE.
 */
import { configArg, MapPlan, MatchPlan, RoutePlan } from "../model/routing";

export const MAP_DIR = "/etc/haproxy/maps";

/** A route as the renderer takes it: the new condition kinds may be absent (older callers). */
export type RoutingRoute = Pick<RoutePlan, "hosts" | "pathPrefixes" | "backend"> & Partial<Omit<RoutePlan, "hosts" | "pathPrefixes" | "backend">>;
type HaproxyRoute = RoutingRoute;

export function mapPath(name: string): string {
    return `${MAP_DIR}/${name}.map`;
}

/** `--` ends haproxy's pattern flags: needed only when a pattern could read as one. */
function patterns(values: string[]): string {
    return (values.some((v) => v.startsWith("-")) ? ["--", ...values] : values).join(" ");
}

/** The ACL lines of one match (`name` prefixes its ACL names) and the names, ANDed. */
function matchAcls(m: Partial<MatchPlan>, name: string): { acls: string[]; tests: string[] } {
    const acls: string[] = [];
    const tests: string[] = [];
    const acl = (suffix: string, body: string) => {
        acls.push(`acl ${name}_${suffix} ${body}`);
        tests.push(`${name}_${suffix}`);
    };
    if (m.hosts?.length) acl("host", `hdr(host) -i ${m.hosts.join(" ")}`);
    if (m.pathPrefixes?.length) acl("path", `path_beg ${m.pathPrefixes.join(" ")}`);
    if (m.paths?.length) acl("exact", `path ${patterns(m.paths)}`);
    if (m.pathSuffixes?.length) acl("suffix", `path_end ${patterns(m.pathSuffixes)}`);
    if (m.pathRegexes?.length) acl("regex", `path_reg ${patterns(m.pathRegexes.map(configArg))}`);
    if (m.methods?.length) acl("method", `method ${m.methods.join(" ")}`);
    (m.headers ?? []).forEach((h, k) => {
        // req.fhdr: the whole value, not split at commas as hdr() would.
        const fetch = `req.fhdr(${h.name})`;
        if (h.regex !== undefined) acl(`hdr${k}`, `${fetch} -m reg ${patterns([configArg(h.regex)])}`);
        else if (h.values.length) acl(`hdr${k}`, `${fetch} -m str ${patterns(h.values)}`);
        else acl(`hdr${k}`, `${fetch} -m found`);
    });
    if (m.sources?.length) acl("src", `src ${m.sources.join(" ")}`);
    (m.queryParams ?? []).forEach((q, k) => {
        if (q.values.length) acl(`query${k}`, `urlp(${q.name}) -m str ${patterns(q.values)}`);
        else acl(`query${k}`, `urlp(${q.name}) -m found`);
    });
    return { acls, tests };
}

/** The condition as haproxy's OR of ANDs: own tests × one of anyOf × one negated test of each `not`. */
export function routeCondition(r: HaproxyRoute, i: number): { acls: string[]; terms: string[][] } {
    const own = matchAcls(r, `route${i}`);
    const acls = [...own.acls];
    let terms: string[][] = [own.tests];
    const any = (r.anyOf ?? []).map((m, j) => matchAcls(m, `route${i}_any${j}`));
    if (any.length) terms = terms.flatMap((t) => any.map((a) => [...t, ...a.tests]));
    any.forEach((a) => acls.push(...a.acls));
    (r.not ?? []).forEach((m, j) => {
        const n = matchAcls(m, `route${i}_not${j}`);
        acls.push(...n.acls);
        terms = terms.flatMap((t) => n.tests.map((x) => [...t, `!${x}`]));
    });
    return { acls, terms };
}

/** The ACLs (first) and `use_backend` lines of the routes, then the Host map's. */
export function routeLines(routes: HaproxyRoute[], hostMap?: string): string[] {
    const { acls, uses } = routeParts(routes, hostMap);
    return [...acls, ...uses];
}

/** The routes' ACLs, each route's alternatives (`terms[i]`, each an AND of ACL names), the `use_backend` lines. */
export function routeParts(routes: HaproxyRoute[], hostMap?: string): { acls: string[]; terms: string[][]; uses: string[] } {
    const acls: string[] = [];
    const uses: string[] = [];
    const terms: string[][] = [];
    routes.forEach((r, i) => {
        const cond = routeCondition(r, i);
        acls.push(...cond.acls);
        terms.push(cond.terms.map((t) => t.join(" ")));
        uses.push(`use_backend ${r.backend} if ${cond.terms.map((t) => t.join(" ")).join(" || ")}`);
    });
    if (hostMap !== undefined) {
        const lookup = `req.hdr(host),lower,map(${mapPath(hostMap)})`;
        // The condition keeps an unmapped Host on to `default_backend` (an empty name would be an error per request).
        uses.push(`use_backend %[${lookup}] if { ${lookup} -m found }`);
    }
    return { acls, terms, uses };
}

/** The map file: `host backend` per line, sorted; haproxy reads `#` lines as comments. */
export function renderMapFile(m: MapPlan): string {
    return [`# Managed by haproxy-ha: map ${m.name} (Host -> backend); changed through the runtime API and rewritten by each deployment.`, ...m.entries.map(([k, v]) => `${k} ${v}`)].join("\n") + "\n";
}
