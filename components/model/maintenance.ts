/**
 * A balancer's state: `ready` (the default) or `maint`. A node in maint hands its VIPs to the peer
 * and stays BACKUP: it is rendered with priority 1 in every instance, so keepalived moves the VIPs
 * by its own election (the peer preempts a lower priority; with `nopreempt` the config step
 * restarts keepalived there, whose stop sends a priority-0 advert). Checked here, before any host
 * is touched: a maint that would leave no node able to hold the VIPs is refused. PURE.
 */
import { ArgPath, Checks, pathText } from "./problems";

export const BALANCER_STATES = ["ready", "maint"] as const;
export type BalancerState = (typeof BALANCER_STATES)[number];

/** The priority of a node in maint: the lowest VRRP has, below every peer's (which must then be above 1). */
export const MAINT_PRIORITY = 1;

/** The first line after the header of a maint node's keepalived.conf: the config step's handover wait looks for it. */
export const MAINT_MARKER = "# haproxy-ha: state maint: priority 1 in every instance, the peer holds the VIPs";

/** The two nodes' states from their `state` args (unset: `ready`); every problem added to `c`. */
export function nodeStates(c: Checks, states: unknown[], priorities: [number, number][], instancePaths: ArgPath[]): [BalancerState, BalancerState] {
    const checked = states.map((s, i) => {
        const v = s ?? "ready";
        if (typeof v !== "string" || !(BALANCER_STATES as readonly string[]).includes(v)) {
            c.add(["nodes", i, "state"], `must be one of ${BALANCER_STATES.join(", ")}`, s);
            return "ready";
        }
        return v as BalancerState;
    }) as [BalancerState, BalancerState];
    if (checked[0] === "maint" && checked[1] === "maint") {
        c.add(["nodes", 1, "state"], "cannot be `maint` while `nodes[0].state` is `maint` too: one node must hold the VIPs (put one balancer in maint at a time)", "maint");
        return checked;
    }
    checked.forEach((s, i) => {
        if (s !== "maint") return;
        priorities.forEach(([p0, p1], k) => {
            const peer = i === 0 ? p1 : p0;
            if (peer <= MAINT_PRIORITY) {
                const where = instancePaths[k].length ? ` in \`${pathText(instancePaths[k])}\`` : "";
                c.add(["nodes", i, "state"], `cannot be \`maint\`: the peer's priority${where} is ${peer}, not above the maint priority ${MAINT_PRIORITY}, so the peer would not take the VIPs`, "maint");
            }
        });
    });
    return checked;
}
