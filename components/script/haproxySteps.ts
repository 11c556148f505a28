/**
 * The remote steps of an HaproxyNode, in order: packages → sysctl → selinux → firewall →
 * config → service. A config change runs only the config step's update: validate, swap, reload.
 */
import type { OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import {
    closePortsScript,
    installFileScript,
    openPortsScript,
    removeFileScript,
    restoreSeBoolScript,
    restoreSysctlScript,
    setSeBoolScript,
    setSysctlScript,
} from "./files";
import { packagesStep } from "./packages";
import { enableAndRestartScript, reloadOrStartScript, stopAndDisableScript } from "./service";

export const HAPROXY_CONFIG_PATH = "/etc/haproxy/haproxy.cfg";
const NONLOCAL_BIND = "net.ipv4.ip_nonlocal_bind";

export interface HaproxyStepOptions {
    os: OsChoice;
    /** Ports to open in the host firewall (frontend, stats). */
    ports: number[];
    /** The frontend binds an address the node may not hold (the VIP on the BACKUP). */
    nonlocalBind: boolean;
    /** CentOS 7: point yum at vault.centos.org first. */
    centos7Vault: boolean;
}

const installConfig = (reload: boolean) =>
    installFileScript({
        path: HAPROXY_CONFIG_PATH,
        mode: "0640",
        owner: "root",
        group: "haproxy",
        // Its alerts (stderr) name the line and keyword, not values: they reach the user; -q would hide them.
        validate: (tmp) => `haproxy -c -f ${tmp} >/dev/null || { echo "haproxy-ha: haproxy rejected the new config; the old one stays" >&2; exit 1; }`,
        onChange: reload ? reloadOrStartScript("haproxy") : undefined,
    });

export function haproxySteps(opts: HaproxyStepOptions): StepSpec[] {
    const steps: StepSpec[] = [
        packagesStep(opts.os, (a) => a.haproxyPackages, opts.centos7Vault),
    ];
    if (opts.nonlocalBind) {
        steps.push({ name: "sysctl", create: setSysctlScript(NONLOCAL_BIND, "1"), delete: restoreSysctlScript(NONLOCAL_BIND) });
    }
    if (opts.os !== "debian" && opts.os !== "ubuntu") {
        // EL with SELinux enforcing blocks haproxy from connecting to backends on arbitrary ports.
        steps.push({ name: "selinux", create: setSeBoolScript("haproxy_connect_any"), delete: restoreSeBoolScript("haproxy_connect_any") });
    }
    steps.push(
        {
            name: "firewall",
            create: openPortsScript(opts.ports),
            delete: closePortsScript(opts.ports),
            triggers: [opts.ports],
        },
        {
            name: "config",
            create: installConfig(false),
            update: installConfig(true),
            delete: removeFileScript(HAPROXY_CONFIG_PATH),
            stdinFile: HAPROXY_CONFIG_PATH,
        },
        {
            name: "service",
            create: enableAndRestartScript("haproxy"),
            update: reloadOrStartScript("haproxy"),
            delete: stopAndDisableScript("haproxy"),
        },
    );
    return steps;
}
