/**
 * The args every component shares (HostArgs: os, become, centos7Vault, installBeforeDependsOn,
 * reapply, stepTimeoutS) and its connection, checked and defaulted in one place for the three
 * normalizers. PURE: no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HostArgs } from "../common";
import { DEFAULTS } from "../defaults";
import { candidateAdapters, OS_CHOICES, OsChoice } from "../os";
import { apt } from "../os/packageManagers";
import { SourcesPlan, sourcesPlan } from "./packages";
import type { ConnectionArgs } from "../remoteSteps";
import { checkBoolean, checkHostKey, checkInteger, checkOneOf } from "../validate";
import { Checks } from "./problems";

export interface HostPlan {
    /** `HaproxyNode "lb1"`: how errors name the component. */
    where: string;
    os: OsChoice;
    reapply: number;
    stepTimeoutS: number;
    /** For createSteps: what the packages step waits for when it does not wait for `dependsOn`. */
    installDependsOn: [] | undefined;
    become: boolean;
    /** CentOS 7's vault repositories (`centos7Vault`). */
    archiveRepos: boolean;
    /** Pinned versions and vendor repositories (`packages`, `repositories`). */
    sources: SourcesPlan;
}

/** HostArgs checked (each problem into `c`) and defaulted from DEFAULTS.host. */
export function hostPlan(c: Checks, args: HostArgs): HostPlan {
    const where = c.where;
    const h = DEFAULTS.host;
    const os = c.at(["os"], (f) => checkOneOf(where, f, args.os ?? h.os, OS_CHOICES)) ?? "auto";
    return {
        where,
        os,
        reapply: c.at(["reapply"], (f) => checkInteger(where, f, args.reapply ?? h.reapply, 0, 1_000_000)) ?? h.reapply,
        stepTimeoutS: c.at(["stepTimeoutS"], (f) => checkInteger(where, f, args.stepTimeoutS ?? h.stepTimeoutS, 10, 86_400)) ?? h.stepTimeoutS,
        installDependsOn: c.at(["installBeforeDependsOn"], (f) => checkBoolean(where, f, args.installBeforeDependsOn ?? h.installBeforeDependsOn)) ? [] : undefined,
        become: c.at(["become"], (f) => checkBoolean(where, f, args.become ?? h.become)) ?? h.become,
        archiveRepos: c.at(["centos7Vault"], (f) => checkBoolean(where, f, args.centos7Vault ?? h.centos7Vault)) ?? h.centos7Vault,
        sources: sourcesPlan(c, args, candidateAdapters(os).some((a) => a.packages === apt)),
    };
}

/** A pinned host key given as a plain string is checked now: a mangled one must fail closed, before any host is touched. */
export function checkConnection(where: string, field: string, connection: pulumi.Input<ConnectionArgs>): void {
    if (typeof connection !== "object" || connection === null || pulumi.Output.isInstance(connection) || connection instanceof Promise) return;
    const hostKey = (connection as ConnectionArgs).hostKey;
    if (typeof hostKey === "string") checkHostKey(where, `${field}.hostKey`, hostKey);
}
