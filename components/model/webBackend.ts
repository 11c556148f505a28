/**
 * WebBackend's model: `normalizeWebBackend(name, args) → WebBackendPlan`, its checks and defaults
 * in one place, every problem at once. PURE: no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../defaults";
import { checkIp, checkName, checkPort } from "../validate";
import type { WebBackendArgs } from "../webBackend";
import { checkConnection, HostPlan, hostPlan } from "./host";
import { Checks, memoizedNormalizer, whenKnown } from "./problems";

export interface WebBackendPlan extends HostPlan {
    backendName: string;
    port: number;
    /** Checked now, or when it resolves. */
    address: pulumi.Input<string>;
}

/** WebBackendArgs → WebBackendPlan, memoized by the args object (and the name). */
export const normalizeWebBackend = memoizedNormalizer(normalize);

function normalize(name: string, args: WebBackendArgs): WebBackendPlan {
    const where = `WebBackend "${name}"`;
    const c = new Checks(where);
    c.at(["connection"], (f) => checkConnection(where, f, args.connection));
    const plan: WebBackendPlan = {
        ...hostPlan(c, args),
        backendName: c.at(["backendName"], (f) => checkName(where, f, args.backendName ?? name)) ?? name,
        port: c.at(["port"], (f) => checkPort(where, f, args.port ?? DEFAULTS.webBackend.port)) ?? DEFAULTS.webBackend.port,
        address: whenKnown(c, ["address"], args.address ?? pulumi.output(args.connection).apply((conn) => conn.host), (f, a) => checkIp(where, f, a)),
    };
    c.throwIfAny();
    return plan;
}
