import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DEFAULTS } from "./defaults";
import { checkConnection, warnUnpinnedHostKey, checkDependencies, ConnectionArgs, HostArgs, RenderedView, resolveInstallDependsOn, resolveOs, resolveReapply, resolveStepTimeout } from "./common";
import { KEEPALIVED_VRRP3_SINCE, oldestVersions, OsAdapter, OsChoice, sameOnEveryFamily, versionAtLeast } from "./os";
import { renderKeepalivedConfig, VrrpTrackScript } from "./render/keepalived";
import { createSteps, RenderedFile, RenderedScript, renderedScripts } from "./remoteSteps";
import { KEEPALIVED_CONFIG_PATH, keepalivedSteps } from "./script/keepalivedSteps";
import { hookPath, NOTIFY_SCRIPT_PATH, NOTIFY_STATES, renderNotifyScript } from "./script/vrrpNotify";
import {
    ArgumentError,
    checkCidr,
    checkConfigWord,
    checkInteger,
    checkInterface,
    checkIp,
    checkName,
    checkPositive,
    checkScriptTiming,
    checkUniqueNames,
    checkVipForNodes,
    checkWhenKnown,
    Cidr,
} from "./validate";

export interface KeepalivedNodeArgs {
    /** Node name (router_id). */
    name: string;
    /** How to reach the host over SSH (the shape of the command provider's remote ConnectionArgs). */
    connection: pulumi.Input<ConnectionArgs>;
    /** The node's own address on `interface` (unicast source, subnet check). An Output is fine. */
    address: pulumi.Input<string>;
    /**
     * VRRP priority 1–254 for the single-VIP shorthand. Defaults: 100 for the first node, 90 for
     * the second. Plain: it decides which node is changed first. With `instances`, set
     * `masterPriority`/`backupPriority` there instead.
     */
    priority?: number;
    /**
     * This node's steps wait for these (a resource or a list of them, as in `dependsOn` of the
     * resource options), e.g. the node's own HaproxyNode. The pair's `dependsOn` applies to both
     * nodes. Typed `any` because a schema cannot type a reference to this package's own components;
     * through the package (YAML…) a resource arrives as its URN, which is accepted too.
     */
    dependsOn?: any;
}

/** One VRRP instance: a set of VIPs that move together between the two nodes. */
export interface VrrpInstanceArgs {
    /** Unique among the pair's instances; rendered as `vrrp_instance VI_<name>` and the state file `<name>.state`. */
    name: string;
    /** Floating addresses with their prefix, e.g. `203.0.113.10/24`, all IPv4 or all IPv6. Outputs are fine. */
    vips: pulumi.Input<string>[];
    /** 1–255, unique among the instances and on the network segment. */
    virtualRouterId: number;
    /** Interface that carries the VIPs and the adverts, e.g. `ens192`; keepalived tracks its link. An Output is fine. */
    interface: pulumi.Input<string>;
    /** Name of the node that holds the VIPs while both are healthy (one of `nodes[].name`). */
    master: string;
    /** Priority of `master` for this instance, 1–254. Default 100. */
    masterPriority?: number;
    /** Priority of the other node, below `masterPriority`. Default 90. */
    backupPriority?: number;
    /** Seconds between adverts. Default 1. Below 1 needs `vrrpVersion: 3` (VRRPv3 centisecond timers, keepalived ≥ 1.2.17: every family). */
    advertInt?: number;
    /** Both nodes start as BACKUP and a recovered master does not take the VIPs back. Default false. */
    nopreempt?: boolean;
    /** Adverts to the peer's address instead of multicast. Default false. */
    unicast?: boolean;
    /** VRRP version, 2 or 3. Default 2; IPv6 VIPs need 3. */
    vrrpVersion?: number;
    /** More interfaces whose link going down sends the node to FAULT (the VIPs' own interface always counts). */
    trackInterfaces?: string[];
    /** VRRPv2 PASS password, at most 8 characters. Default: a generated secret per instance. */
    authPassword?: pulumi.Input<string>;
}

/**
 * User hooks run on a transition (after the built-in notify script recorded it), with keepalived's
 * arguments `INSTANCE <name> <STATE> <priority>`. Each is a whole script starting with `#!`; it may
 * hold tokens: it travels on stdin into a root-owned 0700 file and is never logged.
 */
export interface VrrpNotifyArgs {
    master?: pulumi.Input<string>;
    backup?: pulumi.Input<string>;
    fault?: pulumi.Input<string>;
}

/** The vrrp_script that tracks haproxy. */
export interface KeepalivedCheckArgs {
    /** Seconds between checks. Default 2. */
    intervalS?: number;
    /** Failures before the node goes to FAULT. Default 2. */
    fall?: number;
    /** Successes before it recovers. Default 2. */
    rise?: number;
}

/** A weighted vrrp_script that pings an address both nodes must reach. */
export interface KeepalivedGatewayCheckArgs {
    /** The gateway (or another host both nodes must reach). */
    address: string;
    /** Seconds between pings. Default 1. */
    intervalS?: number;
    /** Failed pings before the node loses priority. Default 2. */
    fall?: number;
    /** Answered pings before it gets it back. Default 2. */
    rise?: number;
}

export interface KeepalivedPairArgs extends HostArgs {
    /** Exactly two nodes. */
    nodes: KeepalivedNodeArgs[];
    /**
     * VRRP instances, e.g. two for active-active (each node MASTER of one). Unset: the single-VIP
     * shorthand (`vip`, `interface`, `virtualRouterId`, …) describes one instance.
     */
    instances?: VrrpInstanceArgs[];
    /** Shorthand: the floating address with its prefix, e.g. `172.20.30.69/24`. An Output is fine. */
    vip?: pulumi.Input<string>;
    /** Shorthand: interface that carries the VIP and the adverts, e.g. `eth0`. An Output is fine. */
    interface?: pulumi.Input<string>;
    /** Shorthand: 1–255, unique per network segment. Default 51. */
    virtualRouterId?: number;
    /** Shorthand: seconds between adverts. Default 1. Below 1 needs `vrrpVersion: 3` (VRRPv3 centisecond timers, keepalived ≥ 1.2.17: every family). */
    advertInt?: number;
    /** Shorthand: both nodes start as BACKUP and a recovered node does not take the VIP back. Default false. */
    nopreempt?: boolean;
    /** Shorthand: send adverts to the peer's address instead of multicast (clouds, switches without multicast). Default false. */
    unicast?: boolean;
    /** Shorthand: VRRP PASS password, at most 8 characters. Default: a generated secret (a RandomPassword). Unused with VRRPv3. */
    authPassword?: pulumi.Input<string>;
    /** Shorthand: VRRP version. Default 2 (authentication; keepalived 1.3 compatible). IPv6 VIPs need 3. */
    vrrpVersion?: number;
    /** Shorthand: more interfaces to track (the VIP's own interface always counts). Default none. */
    trackInterfaces?: string[];
    /**
     * Every transition is recorded by a built-in notify script (a syslog line and
     * `/run/haproxy-ha/vrrp/<instance>.state`); these hooks run after it. The built-in script is
     * installed whenever `instances` or `notify` is set. Default: no hooks.
     */
    notify?: VrrpNotifyArgs;
    /** The haproxy check: interval seconds (2), fall (2), rise (2). A failing check puts the node in FAULT. */
    check?: KeepalivedCheckArgs;
    /**
     * A node that cannot ping this address (the gateway, or another host both nodes must reach)
     * loses more priority than the gap between the nodes (`weight -(gap+1)`), so the VIPs move to
     * the node that still reaches it; when neither does, they stay on one node (no FAULT, which
     * would take them off both). With `nopreempt` a backup does not take over on a lower priority:
     * there the check only decides elections. Default off.
     */
    gatewayCheck?: KeepalivedGatewayCheckArgs;
    /** Seconds between repeated gratuitous ARPs while MASTER (refreshes stale caches after a split). Default off. */
    garpMasterRefreshS?: number;
}

/** keepalived.conf is rendered before the family is known (`auto`): its commands must not differ per family. */
function commandOnEveryFamily(os: OsChoice, pick: (a: OsAdapter) => string): string {
    const command = sameOnEveryFamily(os, pick);
    if (command === undefined) throw new Error(`keepalived check commands differ between the families of os ${os}: the OS adapter must agree on them`);
    return command;
}

const isIpv6 = (c: Cidr) => c.address.includes(":");

/**
 * The VIPs must differ from the nodes and, where they share the nodes' address family, lie in
 * their subnet; the nodes' addresses must differ. One instance carries one address family.
 */
function checkPlacement(where: string, fields: string[], vips: string[], addresses: string[], instance: CheckedInstance): void {
    if (addresses[0] === addresses[1]) throw new ArgumentError(where, "nodes[1].address", "must differ from `nodes[0].address`", addresses[1]);
    const cidrs = vips.map((v, j) => checkCidr(where, fields[j], v));
    const nodeV6 = addresses[0].includes(":");
    cidrs.forEach((c, j) => {
        if (isIpv6(c) !== isIpv6(cidrs[0])) {
            throw new ArgumentError(where, fields[j], `must be of the same address family as \`${fields[0]}\` (one instance carries IPv4 or IPv6 VIPs; put the others in their own instance)`, vips[j]);
        }
        if (isIpv6(c) === nodeV6) checkVipForNodes(where, fields[j], c, addresses.map((address, i) => ({ field: `nodes[${i}].address`, address })));
        else if (instance.unicast) {
            throw new ArgumentError(where, `${instance.field}unicast`, `needs node addresses of the VIPs' address family (unicast adverts go between them; \`${fields[j]}\` is ${vips[j]}, \`nodes[0].address\` is ${addresses[0]})`, true);
        }
    });
    if (isIpv6(cidrs[0])) checkIpv6Instance(where, instance);
}

/** IPv6 VIPs need VRRPv3 (VRRPv2 is IPv4-only: keepalived 2 rejects the config, 1.3.5 runs without the VIP). */
function checkIpv6Instance(where: string, instance: CheckedInstance): void {
    if (instance.vrrpVersion !== 3) {
        throw new ArgumentError(where, `${instance.field}vrrpVersion`, "must be 3 for IPv6 VIPs (VRRPv2 carries only IPv4)", instance.vrrpVersion);
    }
}

interface CheckedInstance {
    /** Prefix of this instance's fields in errors: "" for the shorthand, `instances[1].` otherwise. */
    field: string;
    name: string;
    renderedName: string;
    vipFields: string[];
    vips: pulumi.Input<string>[];
    iface: pulumi.Input<string>;
    virtualRouterId: number;
    masterIndex: number;
    priorities: number[];
    advertInt: number;
    nopreempt: boolean;
    unicast: boolean;
    vrrpVersion: 2 | 3;
    trackInterfaces: string[];
    authPassword?: pulumi.Input<string>;
    /** Known at construction: some VIP is IPv6 (decides the sysctl step). */
    ipv6: boolean;
}

const SHORTHAND_ONLY = ["vip", "interface", "virtualRouterId", "advertInt", "nopreempt", "unicast", "authPassword", "vrrpVersion", "trackInterfaces"] as const;

function checkTrackInterfaces(where: string, field: string, value: unknown): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ArgumentError(where, field, "must be a list of interface names", value);
    return value.map((v, i) => checkInterface(where, `${field}[${i}]`, v));
}

function checkTiming(where: string, field: string, os: OsChoice, advertIntArg: unknown, vrrpVersion: number): number {
    const advertInt = checkPositive(where, `${field}advertInt`, advertIntArg ?? DEFAULTS.keepalivedPair.advertInt);
    if (!Number.isInteger(advertInt) && vrrpVersion !== 3) {
        // VRRPv2 carries whole seconds: keepalived would advertise 0.
        throw new ArgumentError(where, `${field}advertInt`, "may be a fraction only with `vrrpVersion: 3` (VRRPv2 adverts carry whole seconds)", advertInt);
    }
    if (!Number.isInteger(advertInt) && !versionAtLeast(oldestVersions(os).keepalived, KEEPALIVED_VRRP3_SINCE)) {
        throw new ArgumentError(where, `${field}advertInt`, `may be a fraction only on keepalived ≥ ${KEEPALIVED_VRRP3_SINCE} (VRRPv3 centisecond timers; ${os} has ${oldestVersions(os).keepalived})`, advertInt);
    }
    if (advertInt > 255) throw new ArgumentError(where, `${field}advertInt`, "must be at most 255 seconds", advertInt);
    return advertInt;
}

/** The VIPs' family where every VIP is already known; refuses IPv6 with VRRPv2 now. */
function knownIpv6(where: string, inst: CheckedInstance): boolean {
    const known = inst.vips.filter((v): v is string => typeof v === "string");
    const v6 = known.some((v) => v.includes(":"));
    if (v6) checkIpv6Instance(where, inst);
    return v6;
}

function shorthandInstance(where: string, name: string, os: OsChoice, args: KeepalivedPairArgs, priorities: number[]): CheckedInstance {
    if (args.vip === undefined) throw new ArgumentError(where, "vip", "is needed (or `instances`)", args.vip);
    if (args.interface === undefined) throw new ArgumentError(where, "interface", "is needed with `vip`", args.interface);
    const vrrpVersion = checkInteger(where, "vrrpVersion", args.vrrpVersion ?? DEFAULTS.keepalivedPair.vrrpVersion, 2, 3) as 2 | 3;
    const inst: CheckedInstance = {
        field: "",
        name,
        renderedName: `VI_${name.replace(/[^A-Za-z0-9_]/g, "_")}`,
        vipFields: ["vip"],
        vips: [checkWhenKnown(args.vip, (v) => checkCidr(where, "vip", v))],
        iface: checkWhenKnown(args.interface, (v) => checkInterface(where, "interface", v)),
        virtualRouterId: checkInteger(where, "virtualRouterId", args.virtualRouterId ?? DEFAULTS.keepalivedPair.virtualRouterId, 1, 255),
        masterIndex: priorities[0] > priorities[1] ? 0 : 1,
        priorities,
        advertInt: checkTiming(where, "", os, args.advertInt, vrrpVersion),
        nopreempt: args.nopreempt ?? DEFAULTS.keepalivedPair.nopreempt,
        unicast: args.unicast ?? DEFAULTS.keepalivedPair.unicast,
        vrrpVersion,
        trackInterfaces: checkTrackInterfaces(where, "trackInterfaces", args.trackInterfaces),
        authPassword: args.authPassword,
        ipv6: false,
    };
    inst.ipv6 = knownIpv6(where, inst);
    return inst;
}

function checkInstance(where: string, os: OsChoice, raw: VrrpInstanceArgs, i: number, nodeNames: string[]): CheckedInstance {
    const field = `instances[${i}].`;
    if (typeof raw !== "object" || raw === null) throw new ArgumentError(where, `instances[${i}]`, "must be an object with `name`, `vips`, `virtualRouterId`, `interface`, `master`", raw);
    const name = checkName(where, `${field}name`, raw.name);
    if (!Array.isArray(raw.vips) || raw.vips.length === 0) throw new ArgumentError(where, `${field}vips`, "must list at least one VIP", raw.vips);
    const vipFields = raw.vips.map((_, j) => `${field}vips[${j}]`);
    const masterIndex = nodeNames.indexOf(raw.master);
    if (masterIndex < 0) throw new ArgumentError(where, `${field}master`, `is not a node; nodes are: ${nodeNames.join(", ")}`, raw.master);
    const masterPriority = checkInteger(where, `${field}masterPriority`, raw.masterPriority ?? DEFAULTS.keepalivedPair.priorities[0], 1, 254);
    const backupPriority = checkInteger(where, `${field}backupPriority`, raw.backupPriority ?? DEFAULTS.keepalivedPair.priorities[1], 1, 254);
    if (backupPriority >= masterPriority) {
        throw new ArgumentError(where, `${field}backupPriority`, `must be below \`${field}masterPriority\` (${masterPriority})`, backupPriority);
    }
    const vrrpVersion = checkInteger(where, `${field}vrrpVersion`, raw.vrrpVersion ?? DEFAULTS.keepalivedPair.vrrpVersion, 2, 3) as 2 | 3;
    const inst: CheckedInstance = {
        field,
        name,
        renderedName: `VI_${name}`,
        vipFields,
        vips: raw.vips.map((v, j) => checkWhenKnown(v, (x) => checkCidr(where, vipFields[j], x))),
        iface: checkWhenKnown(raw.interface, (v) => checkInterface(where, `${field}interface`, v)),
        virtualRouterId: checkInteger(where, `${field}virtualRouterId`, raw.virtualRouterId, 1, 255),
        masterIndex,
        priorities: masterIndex === 0 ? [masterPriority, backupPriority] : [backupPriority, masterPriority],
        advertInt: checkTiming(where, field, os, raw.advertInt, vrrpVersion),
        nopreempt: raw.nopreempt ?? DEFAULTS.keepalivedPair.nopreempt,
        unicast: raw.unicast ?? DEFAULTS.keepalivedPair.unicast,
        vrrpVersion,
        trackInterfaces: checkTrackInterfaces(where, `${field}trackInterfaces`, raw.trackInterfaces),
        authPassword: raw.authPassword,
        ipv6: false,
    };
    inst.ipv6 = knownIpv6(where, inst);
    return inst;
}

/** A hook is a whole script (`#!` first); its text is never echoed in an error. */
function checkHook(where: string, field: string, value: string): string {
    if (typeof value !== "string" || !value.startsWith("#!") || value.includes("\0")) {
        throw new ArgumentError(where, field, "must be a whole script starting with `#!` (no NUL bytes)", "<hidden>");
    }
    return value;
}

/**
 * Every check of KeepalivedPairArgs, with defaults applied: runs before anything is registered.
 * Inputs not yet known are checked when they resolve, still before any command runs.
 */
export function checkKeepalivedPairArgs(name: string, args: KeepalivedPairArgs) {
    const where = `KeepalivedPair "${name}"`;
    const os = resolveOs(where, args.os);
    const reapply = resolveReapply(where, args.reapply);
    const stepTimeoutS = resolveStepTimeout(where, args.stepTimeoutS);
    const installDependsOn = resolveInstallDependsOn(where, args.installBeforeDependsOn);
    if (!Array.isArray(args.nodes) || args.nodes.length !== 2) {
        throw new ArgumentError(where, "nodes", "must list exactly two nodes", Array.isArray(args.nodes) ? args.nodes.map((n) => n?.name) : args.nodes);
    }
    const nodes = args.nodes.map((n, i) => ({
        ...n,
        name: checkName(where, `nodes[${i}].name`, n.name),
        address: checkWhenKnown(n.address, (a) => checkIp(where, `nodes[${i}].address`, a)),
        priority: checkInteger(where, `nodes[${i}].priority`, n.priority ?? DEFAULTS.keepalivedPair.priorities[i], 1, 254),
        dependsOn: checkDependencies(where, `nodes[${i}].dependsOn`, n.dependsOn),
    }));
    checkUniqueNames(where, "nodes", nodes.map((n) => n.name));
    nodes.forEach((n, i) => checkConnection(where, `nodes[${i}].connection`, n.connection));

    let instances: CheckedInstance[];
    if (args.instances !== undefined) {
        for (const key of SHORTHAND_ONLY) {
            if (args[key] !== undefined) throw new ArgumentError(where, key, "is shorthand for one instance: with `instances` set it per instance", args[key] === args.authPassword ? "<hidden>" : args[key]);
        }
        args.nodes.forEach((n, i) => {
            if (n.priority !== undefined) throw new ArgumentError(where, `nodes[${i}].priority`, "applies to the single-VIP shorthand: with `instances` set `masterPriority`/`backupPriority` per instance", n.priority);
        });
        if (!Array.isArray(args.instances) || args.instances.length === 0) throw new ArgumentError(where, "instances", "must list at least one instance", args.instances);
        instances = args.instances.map((inst, i) => checkInstance(where, os, inst, i, nodes.map((n) => n.name)));
        checkUniqueNames(where, "instances", instances.map((i) => i.name));
        // keepalived keeps IPv4 and IPv6 routers apart: a VRID may repeat across address families.
        const vrids = new Set<string>();
        instances.forEach((inst, i) => {
            const key = `${inst.virtualRouterId}/${inst.ipv6 ? 6 : 4}`;
            if (vrids.has(key)) throw new ArgumentError(where, `instances[${i}].virtualRouterId`, `must be unique among the instances of one address family (IPv${inst.ipv6 ? 6 : 4})`, inst.virtualRouterId);
            vrids.add(key);
        });
    } else {
        if (nodes[0].priority === nodes[1].priority) {
            throw new ArgumentError(where, "nodes[1].priority", "must differ from `nodes[0].priority` (equal priorities make the election arbitrary)", nodes[1].priority);
        }
        instances = [shorthandInstance(where, name, os, args, nodes.map((n) => n.priority))];
    }
    const versions = new Set(instances.map((i) => i.vrrpVersion));
    const keepalived = oldestVersions(os).keepalived;
    if (versions.size > 1 && !versionAtLeast(keepalived, "2")) {
        const i = instances.findIndex((x) => x.vrrpVersion !== instances[0].vrrpVersion);
        throw new ArgumentError(where, `instances[${i}].vrrpVersion`, `must equal the other instances' on ${os} (per-instance VRRP versions need keepalived ≥ 2, ${os} has ${keepalived})`, instances[i].vrrpVersion);
    }
    instances.forEach((inst) => {
        const known = [...inst.vips, ...nodes.map((n) => n.address)];
        if (known.every((v) => typeof v === "string")) checkPlacement(where, inst.vipFields, inst.vips as string[], nodes.map((n) => n.address) as string[], inst);
    });

    const check = checkScriptTiming(where, "check", args.check, DEFAULTS.keepalivedPair.haproxyCheck);
    const garp = args.garpMasterRefreshS === undefined ? undefined : checkInteger(where, "garpMasterRefreshS", args.garpMasterRefreshS, 1, 3600);
    const gw = args.gatewayCheck;
    const gatewayCheck =
        gw === undefined ? undefined : { address: checkIp(where, "gatewayCheck.address", gw.address), ...checkScriptTiming(where, "gatewayCheck", gw, DEFAULTS.keepalivedPair.gatewayCheck) };
    const notifyArgs = args.notify ?? {};
    const hooks = NOTIFY_STATES.filter((s) => notifyArgs[s] !== undefined).map((s) => ({
        state: s,
        body: checkWhenKnown(notifyArgs[s] as pulumi.Input<string>, (v) => checkHook(where, `notify.${s}`, v)),
    }));
    const notify = args.instances !== undefined || args.notify !== undefined;
    /** The node that starts as MASTER of the first instance. */
    const masterIndex = instances[0].masterIndex;

    return { where, os, reapply, stepTimeoutS, installDependsOn, nodes, instances, check, garp, gatewayCheck, notify, hooks, masterIndex };
}

/**
 * keepalived on two nodes sharing VIPs; the VIPs leave a node whose haproxy is dead. The node
 * that is BACKUP of the first instance is changed first and the other waits for it, so a bad
 * change stops there.
 */
export class KeepalivedPair extends pulumi.ComponentResource implements RenderedView {
    /** The first instance's first VIP (the shorthand's `vip`), without prefix. */
    readonly vip: pulumi.Output<string>;
    /** Every VIP of every instance, without prefix, in order. */
    readonly vips: pulumi.Output<string[]>;
    readonly nodeNames: pulumi.Output<string[]>;
    /** The node that starts as MASTER of the first instance. */
    readonly masterName: string;
    /** Per instance name, the node that starts as its MASTER. */
    readonly masters: Record<string, string>;
    readonly files: pulumi.Output<RenderedFile[]>;
    readonly scripts: RenderedScript[];

    constructor(name: string, args: KeepalivedPairArgs, opts?: pulumi.ComponentResourceOptions) {
        const checked = checkKeepalivedPairArgs(name, args);
        super("haproxy-ha:index:KeepalivedPair", name, {}, opts);
        args.nodes.forEach((n) => warnUnpinnedHostKey(this, n.connection));
        const { where, os, nodes, instances, check, garp, gatewayCheck, notify, hooks, masterIndex } = checked;
        const scripts: VrrpTrackScript[] = [{ name: "chk_haproxy", command: commandOnEveryFamily(os, (a) => a.haproxyCheck), ...check }];
        if (gatewayCheck) {
            const { address, ...timing } = gatewayCheck;
            // Weighted, not FAULT: an unreachable gateway (rebooting, rate-limiting ICMP) must not take the
            // VIPs off both nodes. Losing it costs more than any instance's priority gap, so the VIPs go
            // to a node that still sees it, and stay where they are when neither does.
            const gap = Math.max(...instances.map((inst) => Math.abs(inst.priorities[0] - inst.priorities[1])));
            const weight = -Math.min(gap + 1, 253);
            scripts.push({ name: "chk_gateway", command: `${commandOnEveryFamily(os, (a) => a.pingCommand)} -c 1 -W 1 ${address}`, ...timing, weight });
        }
        const shorthand = args.instances === undefined;
        const authPasswords = instances.map((inst) =>
            inst.vrrpVersion === 3
                ? pulumi.output(undefined)
                : pulumi.secret(
                      pulumi
                          .output(
                              inst.authPassword ??
                                  new random.RandomPassword(shorthand ? `${name}-vrrp-auth` : `${name}-${inst.name}-vrrp-auth`, { length: DEFAULTS.keepalivedPair.generatedAuthPasswordLength, special: false }, { parent: this }).result,
                          )
                          .apply((p) => checkConfigWord(where, `${inst.field}authPassword`, p, 8)),
                  ),
        );
        const allV3 = instances.every((i) => i.vrrpVersion === 3);
        const ipv6 = instances.some((i) => i.ipv6);

        this.masterName = nodes[masterIndex].name;
        this.masters = Object.fromEntries(instances.map((i) => [i.name, nodes[i.masterIndex].name]));
        const steps = keepalivedSteps({ os, archiveRepos: args.centos7Vault ?? DEFAULTS.host.centos7Vault, ipv6, notify: notify ? { hooks: hooks.map((h) => h.state) } : undefined });
        const hookBodies: Record<string, pulumi.Output<string>> = Object.fromEntries(hooks.map((h) => [hookPath(h.state), pulumi.secret(pulumi.output(h.body))]));
        const notifyScript = renderNotifyScript();
        const files: pulumi.Output<RenderedFile[]>[] = [];
        const backupIndex = 1 - masterIndex;
        const lastStepOf: pulumi.Resource[] = [];
        const resolvedInstances = pulumi.all(
            instances.map((inst, k) =>
                pulumi.all([authPasswords[k], pulumi.all(inst.vips), inst.iface, nodes[0].address, nodes[1].address]).apply(([authPass, vipTexts, ifaceName, a0, a1]) => {
                    checkPlacement(where, inst.vipFields, vipTexts, [a0, a1], inst);
                    const cidrs = vipTexts.map((v, j) => checkCidr(where, inst.vipFields[j], v));
                    if (cidrs.some(isIpv6) && !ipv6) {
                        throw new ArgumentError(where, inst.vipFields[0], "is IPv6 but was unknown when the pair was constructed: pass IPv6 VIPs as plain values (they decide the net.ipv6.ip_nonlocal_bind step)", vipTexts[0]);
                    }
                    return { inst, authPass, cidrs, ifaceName: checkInterface(where, `${inst.field}interface`, ifaceName), addresses: [a0, a1] };
                }),
            ),
        );
        for (const i of [backupIndex, masterIndex]) {
            const node = nodes[i];
            const config = pulumi.secret(
                resolvedInstances.apply((resolved) =>
                    renderKeepalivedConfig({
                        nodeName: node.name,
                        vrrpVersion: allV3 ? 3 : 2,
                        scripts,
                        instances: resolved.map(({ inst, authPass, cidrs, ifaceName, addresses }) => ({
                            name: inst.renderedName,
                            state: !inst.nopreempt && i === inst.masterIndex ? "MASTER" : "BACKUP",
                            priority: inst.priorities[i],
                            virtualRouterId: inst.virtualRouterId,
                            advertInt: inst.advertInt,
                            version: !allV3 && inst.vrrpVersion === 3 ? 3 : undefined,
                            nopreempt: inst.nopreempt,
                            interface: ifaceName,
                            vips: cidrs,
                            authPass: authPass ?? undefined,
                            unicast: inst.unicast ? { sourceIp: addresses[i], peers: [addresses[1 - i]] } : undefined,
                            trackScripts: scripts.map((s) => s.name),
                            trackInterfaces: inst.trackInterfaces,
                            garpMasterRefreshS: garp,
                            notify: notify ? NOTIFY_SCRIPT_PATH : undefined,
                        })),
                    }),
                ),
            );
            const stdin: Record<string, pulumi.Input<string>> = { [KEEPALIVED_CONFIG_PATH]: config, [NOTIFY_SCRIPT_PATH]: notifyScript, ...hookBodies };
            const created = createSteps(
                {
                    parent: this,
                    prefix: `${name}-${node.name}`,
                    connection: node.connection,
                    become: args.become ?? DEFAULTS.host.become,
                    reapply: checked.reapply,
                    stepTimeoutS: checked.stepTimeoutS,
                    stdin,
                    dependsOn: [opts?.dependsOn, node.dependsOn, ...(i === masterIndex ? [lastStepOf[backupIndex]] : [])],
                    installDependsOn: checked.installDependsOn,
                },
                steps,
            );
            lastStepOf[i] = created[created.length - 1];
            const nodeFiles: pulumi.Output<RenderedFile>[] = [
                config.apply((content) => ({ node: node.name, path: KEEPALIVED_CONFIG_PATH, mode: "0600", owner: "root", group: "root", content })),
            ];
            if (notify) {
                nodeFiles.push(pulumi.output({ node: node.name, path: NOTIFY_SCRIPT_PATH, mode: "0700", owner: "root", group: "root", content: notifyScript }));
                for (const [path, body] of Object.entries(hookBodies)) {
                    nodeFiles.push(body.apply((content) => ({ node: node.name, path, mode: "0700", owner: "root", group: "root", content })));
                }
            }
            files[i] = pulumi.all(nodeFiles);
        }
        this.scripts = nodes.flatMap((n) => renderedScripts(n.name, "keepalived", steps));
        this.files = pulumi.all(files).apply((perNode) => perNode.flat());
        // From the VIPs alone: the resolved instances carry the (secret) VRRP passwords.
        this.vips = pulumi.all(instances.flatMap((inst) => inst.vips)).apply((v) => v.map((x) => x.split("/")[0]));
        this.vip = this.vips.apply((v) => v[0]);
        this.nodeNames = pulumi.output(nodes.map((n) => n.name));
        this.registerOutputs({ vip: this.vip, vips: this.vips, nodeNames: this.nodeNames });
    }
}
