/**
 * WebBackend's model: `normalizeWebBackend(name, args) → WebBackendPlan`, its checks and defaults
 * in one place, every problem at once. PURE: no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkConnection, resolveInstallDependsOn, resolveOs, resolveReapply, resolveStepTimeout } from "../common";
import { DEFAULTS } from "../defaults";
import { OsChoice } from "../os";
import { checkName, checkPort } from "../validate";
import { checkServerAddress } from "./dns";
import type { WebBackendArgs } from "../webBackend";
import { Checks, memoized, PlanCache, whenKnown } from "./problems";

export interface WebBackendPlan {
    where: string;
    os: OsChoice;
    reapply: number;
    stepTimeoutS: number;
    installDependsOn: [] | undefined;
    become: boolean;
    archiveRepos: boolean;
    backendName: string;
    port: number;
    /** Checked now, or when it resolves. */
    address: pulumi.Input<string>;
}

const plans: PlanCache<WebBackendPlan> = new WeakMap();

/** WebBackendArgs → WebBackendPlan, memoized by the args object (and the name). */
export function normalizeWebBackend(name: string, args: WebBackendArgs): WebBackendPlan {
    return memoized(plans, name, args, normalize);
}

function normalize(name: string, args: WebBackendArgs): WebBackendPlan {
    const where = `WebBackend "${name}"`;
    const c = new Checks(where);
    c.at(["connection"], (f) => checkConnection(where, f, args.connection));
    const plan: WebBackendPlan = {
        where,
        os: c.at(["os"], () => resolveOs(where, args.os)) ?? "auto",
        reapply: c.at(["reapply"], () => resolveReapply(where, args.reapply)) ?? 0,
        stepTimeoutS: c.at(["stepTimeoutS"], () => resolveStepTimeout(where, args.stepTimeoutS)) ?? DEFAULTS.host.stepTimeoutS,
        installDependsOn: c.at(["installBeforeDependsOn"], () => resolveInstallDependsOn(where, args.installBeforeDependsOn)),
        become: args.become ?? DEFAULTS.host.become,
        archiveRepos: args.centos7Vault ?? DEFAULTS.host.centos7Vault,
        backendName: c.at(["backendName"], (f) => checkName(where, f, args.backendName ?? name)) ?? name,
        port: c.at(["port"], (f) => checkPort(where, f, args.port ?? DEFAULTS.webBackend.port)) ?? DEFAULTS.webBackend.port,
        address: whenKnown(c, ["address"], args.address ?? pulumi.output(args.connection).apply((conn) => conn.host), (f, a) => checkServerAddress(where, f, a)),
    };
    c.throwIfAny();
    return plan;
}
