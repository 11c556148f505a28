/**
 * The remote steps of an HaproxyNode, in order: packages → sysctl → selinux → firewall →
 * config → service. A config change runs only the config step's update: validate, swap, reload.
 */
import { candidateAdapters, forOs, OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import { installFileScript, removeFileScript } from "./files";
import { portsFirewallScript } from "./firewall";
import { packagesStep } from "./packages";
import { restoreSeBoolScript, setSeBoolScript } from "./selinux";
import { restoreSysctlScript, setSysctlScript } from "./sysctl";

export const HAPROXY_CONFIG_PATH = "/etc/haproxy/haproxy.cfg";
const NONLOCAL_BIND = "net.ipv4.ip_nonlocal_bind";
// With SELinux enforcing, haproxy may not connect to backends on arbitrary ports.
const SE_BOOL = "haproxy_connect_any";

export interface HaproxyStepOptions {
    os: OsChoice;
    /** Ports to open in the host firewall (frontend, stats). */
    ports: number[];
    /** The frontend binds an address the node may not hold (the VIP on the BACKUP). */
    nonlocalBind: boolean;
    /** Switch to the family's archive repositories first (CentOS 7: the vault). */
    archiveRepos: boolean;
}

const installConfig = (os: OsChoice, reload: boolean) =>
    installFileScript({
        path: HAPROXY_CONFIG_PATH,
        mode: "0640",
        owner: "root",
        group: "haproxy",
        // Its alerts (stderr) name the line and keyword, not values: they reach the user; -q would hide them.
        validate: (tmp) => `haproxy -c -f ${tmp} >/dev/null || { echo "haproxy-ha: haproxy rejected the new config; the old one stays" >&2; exit 1; }`,
        onChange: reload ? forOs(os, (a) => a.services.reloadOrStart("haproxy")) : undefined,
    });

export function haproxySteps(opts: HaproxyStepOptions): StepSpec[] {
    const { os } = opts;
    const steps: StepSpec[] = [packagesStep(os, "haproxy", (a) => a.haproxyPackages, opts.archiveRepos)];
    if (opts.nonlocalBind) {
        steps.push({ name: "sysctl", create: setSysctlScript(NONLOCAL_BIND, "1"), delete: restoreSysctlScript(NONLOCAL_BIND) });
    }
    if (candidateAdapters(os).some((a) => a.selinux)) {
        steps.push({
            name: "selinux",
            create: forOs(os, (a) => (a.selinux ? setSeBoolScript(SE_BOOL) : ":")),
            delete: forOs(os, (a) => (a.selinux ? restoreSeBoolScript(SE_BOOL) : ":")),
        });
    }
    steps.push(
        {
            name: "firewall",
            create: forOs(os, (a) => portsFirewallScript(a.firewalls, opts.ports, "open")),
            delete: forOs(os, (a) => portsFirewallScript(a.firewalls, opts.ports, "close")),
            triggers: [opts.ports],
        },
        {
            name: "config",
            create: installConfig(os, false),
            update: installConfig(os, true),
            delete: forOs(os, (a) => removeFileScript(HAPROXY_CONFIG_PATH, a.services.reloadIfActive("haproxy"))),
            stdinFile: HAPROXY_CONFIG_PATH,
        },
        {
            name: "service",
            create: forOs(os, (a) => a.services.enableAndRestart("haproxy")),
            update: forOs(os, (a) => a.services.ensureRunning("haproxy")),
            delete: forOs(os, (a) => a.services.restore("haproxy")),
        },
    );
    return steps;
}
