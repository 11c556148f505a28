/**
 * The stack's variants beside the reference pair: one balancer without keepalived (no VIP: the
 * balancer's own address is the service's), and web servers the library only points to
 * (`webs[].managed: false`: no SSH, no install, only their address and port in the backends).
 * Rules only the stack holds (no component arg does), hooked into stackConfig.ts. PURE.
 */
import type { ArgPath } from "./model/problems";

/** The keys that configure the keepalived pair: with one balancer there is none, so each is refused when typed. */
export const PAIR_ONLY_KEYS = [
    "vip",
    "instances",
    "virtualRouterId",
    "interface",
    "advertInt",
    "nopreempt",
    "unicast",
    "vrrpVersion",
    "haproxyCheck",
    "gatewayCheck",
    "preemptDelayS",
    "trackScripts",
    "trackFiles",
    "trackProcesses",
    "syncGroups",
    "garp",
    "notify",
] as const;

interface Problem {
    path: ArgPath;
    rule: string;
    value: unknown;
}

/** The stack has one balancer: no KeepalivedPair, no VIP. */
export function isSingleBalancer(cfg: { balancers: readonly unknown[] }): boolean {
    return cfg.balancers.length === 1;
}

/**
 * Keys typed for a pair that a single balancer would silently ignore, from the raw config (the
 * decoded one has the defaults filled in): each refused naming the key and its value.
 */
export function singleBalancerProblems(raw: Record<string, unknown>): Problem[] {
    const balancers = raw.balancers;
    if (!Array.isArray(balancers) || balancers.length !== 1) return [];
    const rule = "configures the keepalived pair, and one balancer has none: remove it, or add a second balancer to `haproxy-ha:balancers`";
    const problems: Problem[] = PAIR_ONLY_KEYS.filter((k) => raw[k] !== undefined).map((k) => ({ path: [k], rule, value: raw[k] }));
    const only = balancers[0] as Record<string, unknown> | undefined;
    if (only && typeof only === "object" && only.priority !== undefined) problems.push({ path: ["balancers", 0, "priority"], rule, value: only.priority });
    if (only && typeof only === "object" && only.state === "maint") {
        problems.push({ path: ["balancers", 0, "state"], rule: "hands the VIPs to the other balancer, and one balancer has no other: it would take the service down (add a second balancer first)", value: only.state });
    }
    return problems;
}

/** A web the library does not manage takes no key only a managed one uses. */
export function unmanagedWebProblems(cfg: { webs: readonly { managed?: boolean; content?: string }[] }): Problem[] {
    return cfg.webs.flatMap((w, i) =>
        w.managed === false && w.content !== undefined
            ? [{ path: ["webs", i, "content"], rule: "is the page the library installs, and with `managed: false` it installs nothing (the server serves its own)", value: w.content }]
            : [],
    );
}
