/**
 * Stack config for the named collections: `haproxy-ha:frontends`, `haproxy-ha:backends`,
 * `haproxy-ha:certificates` (secret PEMs) and `haproxy-ha:stats` as an object (the key table in
 * stackConfig.ts types them and calls these). PURE: the same checks as the component
 * (`checkHaproxyCollections`), with errors naming the stack key path
 * (`haproxy-ha:frontends[1].routes[0].backend`). One function per key group so the stack-config
 * key table can take them over as they are.
 */
import { checkHaproxyCollections, HaproxyBackendArgs, HaproxyCertificateArgs, HaproxyFrontendArgs, requireHaproxy } from "./haproxyModel";
import { OsChoice } from "./os";
import { ArgumentError, checkBoolean, checkCidr } from "./validate";

const WHERE = "stack config";
const KEY = (k: string) => `haproxy-ha:${k}`;

export interface FrontendsConfig {
    frontends: HaproxyFrontendArgs[];
    backends: HaproxyBackendArgs[];
    certificates: HaproxyCertificateArgs[];
}

/** `haproxy-ha:frontends`/`backends`/`certificates`, or undefined when none is set (the shorthand keys apply). */
export function parseFrontendsConfig(raw: Record<string, unknown>, os: OsChoice): FrontendsConfig | undefined {
    if (raw.frontends === undefined && raw.backends === undefined && raw.certificates === undefined) return undefined;
    for (const k of ["frontends", "backends"]) {
        if (raw[k] === undefined) throw new ArgumentError(WHERE, KEY(k), "must be set together with `haproxy-ha:frontends` and `haproxy-ha:backends`", undefined);
    }
    for (const k of ["port", "balance", "extraBackend"]) {
        if (raw[k] !== undefined) throw new ArgumentError(WHERE, KEY(k), "is shorthand for one frontend and backend: set it in `haproxy-ha:frontends`/`haproxy-ha:backends` instead", raw[k]);
    }
    // Validated here for the key paths; the plain values (PEMs as given) go to each HaproxyNode.
    checkHaproxyCollections(WHERE, { frontends: raw.frontends, backends: raw.backends, certificates: raw.certificates }, { os, defaultMode: "http", key: KEY });
    return {
        frontends: raw.frontends as HaproxyFrontendArgs[],
        backends: raw.backends as HaproxyBackendArgs[],
        certificates: (raw.certificates ?? []) as HaproxyCertificateArgs[],
    };
}

export interface StatsConfig {
    adminSources?: string[];
    prometheus?: boolean;
}

/** `haproxy-ha:stats`: true/false as before, or `{ adminSources: [CIDR...], prometheus: bool }` (on). */
export function parseStatsConfig(raw: Record<string, unknown>, os: OsChoice): boolean | StatsConfig {
    const v = raw.stats;
    if (v === undefined) return false;
    if (typeof v === "boolean") return v;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ArgumentError(WHERE, KEY("stats"), "must be true, false or an object with `adminSources`, `prometheus`", v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
        if (!["adminSources", "prometheus"].includes(k)) throw new ArgumentError(WHERE, KEY(`stats.${k}`), "is not a stats key; keys are: adminSources, prometheus", o[k]);
    }
    let adminSources: string[] | undefined;
    if (o.adminSources !== undefined) {
        if (!Array.isArray(o.adminSources)) throw new ArgumentError(WHERE, KEY("stats.adminSources"), "must be a list of CIDRs", o.adminSources);
        adminSources = o.adminSources.map((c, i) => {
            checkCidr(WHERE, KEY(`stats.adminSources[${i}]`), c);
            return c as string;
        });
    }
    const prometheus = o.prometheus === undefined ? undefined : checkBoolean(WHERE, KEY("stats.prometheus"), o.prometheus);
    if (prometheus) requireHaproxy(WHERE, KEY("stats.prometheus"), os, "2.0", "the Prometheus exporter (/metrics)", true);
    return { adminSources, prometheus };
}
