/**
 * KeepalivedPair's model: `normalizeKeepalivedPair(name, args) → KeepalivedPlan`, the one place its
 * values are checked and defaulted. The single-VIP shorthand (`vip`, `interface`, node priorities)
 * ends here as one instance; the plan says which node starts as MASTER and which node is changed
 * first (BACKUP before MASTER), so the component and the stack program read it instead of working
 * it out again. Every problem known at construction is thrown at once; VIPs and addresses that are
 * Outputs are checked once, when they resolve. PURE: no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkDependencies } from "../common";
import { DEFAULTS } from "../defaults";
import type { KeepalivedPairArgs, VrrpInstanceArgs } from "../keepalivedPair";
import { KEEPALIVED_VRRP3_SINCE, oldestVersions, OsChoice, versionAtLeast } from "../os";
import { NOTIFY_STATES, NotifyState } from "../script/vrrpNotify";
import { KeepalivedHooksPlan, normalizeKeepalivedHooks, preemptDelay } from "./keepalivedHooks";
import {
    ArgumentError,
    checkCidr,
    checkInteger,
    checkInterface,
    checkIp,
    checkName,
    checkPositive,
    checkScriptTiming,
    checkUniqueNames,
    checkVipForNodes,
    Cidr,
} from "../validate";
import { checkConnection, HostPlan, hostPlan } from "./host";
import { BalancerState, nodeStates } from "./maintenance";
import { ArgPath, Checks, isKnown, memoizedNormalizer, pathText, whenKnown } from "./problems";

/** Checked values only: the wiring (`connection`, `dependsOn`) is read from the args where it is used. */
export interface KeepalivedNodePlan {
    name: string;
    address: pulumi.Input<string>;
    /** `maint`: rendered BACKUP with priority 1 in every instance, so the peer holds the VIPs (model/maintenance.ts). */
    state: BalancerState;
}

export interface VrrpInstancePlan {
    /** Where the user wrote it: `[]` for the shorthand, `instances[i]`. */
    path: ArgPath;
    name: string;
    /** `vrrp_instance <renderedName>`. */
    renderedName: string;
    /** The resource name of its generated VRRP password (the shorthand's has always been `<pair>-vrrp-auth`). */
    authPasswordName: string;
    vipPaths: ArgPath[];
    /** Plain ones checked; Outputs are parsed by the placement check when they resolve. */
    vips: pulumi.Input<string>[];
    /** The VIPs parsed, when every VIP and node address was known at construction (and placed then). */
    cidrs?: Cidr[];
    iface: pulumi.Input<string>;
    virtualRouterId: number;
    masterIndex: number;
    /** By node position. */
    priorities: [number, number];
    advertInt: number;
    nopreempt: boolean;
    unicast: boolean;
    vrrpVersion: 2 | 3;
    trackInterfaces: string[];
    /** `preempt_delay` (both nodes then start as BACKUP). */
    preemptDelayS?: number;
    authPassword?: pulumi.Input<string>;
    /** Known at construction: some VIP is IPv6 (decides the sysctl step). */
    ipv6: boolean;
}

export interface KeepalivedPlan extends HostPlan {
    nodes: [KeepalivedNodePlan, KeepalivedNodePlan];
    instances: VrrpInstancePlan[];
    check: { intervalS: number; fall: number; rise: number };
    garp?: number;
    gatewayCheck?: { address: string; intervalS: number; fall: number; rise: number };
    /** The built-in notify script is installed. */
    notify: boolean;
    hooks: { state: NotifyState; body: pulumi.Input<string> }[];
    /** keepalived's extension points: user trackers, sync groups, GARP (model/keepalivedHooks.ts). */
    extensions: KeepalivedHooksPlan;
    /** The node that starts as MASTER of the first instance. */
    masterIndex: number;
    /** Node indexes in the order they are changed: the BACKUP of the first instance first, so a bad change stops there. */
    updateOrder: [number, number];
}

const SHORTHAND_ONLY = ["vip", "interface", "virtualRouterId", "advertInt", "nopreempt", "unicast", "authPassword", "vrrpVersion", "trackInterfaces", "preemptDelayS"] as const;

/** The one place a priority defaults: by role (0 the master, 1 the backup), which is the shorthand's node position. */
function defaultPriority(role: number): number {
    return DEFAULTS.keepalivedPair.priorities[role];
}

const isIpv6 = (c: Cidr) => c.address.includes(":");

/**
 * The VIPs must differ from the nodes and, where they share the nodes' address family, lie in
 * their subnet; the nodes' addresses must differ. One instance carries one address family.
 * Throws the first problem (a VIP's placement follows from the one before). Returns the VIPs parsed.
 */
export function checkPlacement(where: string, vips: string[], addresses: string[], inst: Pick<VrrpInstancePlan, "path" | "vipPaths" | "unicast" | "vrrpVersion">): Cidr[] {
    const fields = inst.vipPaths.map(pathText);
    if (addresses[0] === addresses[1]) throw new ArgumentError(where, "nodes[1].address", "must differ from `nodes[0].address`", addresses[1]);
    const cidrs = vips.map((v, j) => checkCidr(where, fields[j], v));
    const nodeV6 = addresses[0].includes(":");
    cidrs.forEach((c, j) => {
        if (isIpv6(c) !== isIpv6(cidrs[0])) {
            throw new ArgumentError(where, fields[j], `must be of the same address family as \`${fields[0]}\` (one instance carries IPv4 or IPv6 VIPs; put the others in their own instance)`, vips[j]);
        }
        if (isIpv6(c) === nodeV6) checkVipForNodes(where, fields[j], c, addresses.map((address, i) => ({ field: `nodes[${i}].address`, address })));
        else if (inst.unicast) {
            throw new ArgumentError(where, pathText([...inst.path, "unicast"]), `needs node addresses of the VIPs' address family (unicast adverts go between them; \`${fields[j]}\` is ${vips[j]}, \`nodes[0].address\` is ${addresses[0]})`, true);
        }
    });
    if (isIpv6(cidrs[0])) checkIpv6Instance(where, inst);
    return cidrs;
}

/** IPv6 VIPs need VRRPv3 (VRRPv2 is IPv4-only: keepalived 2 rejects the config, 1.3.5 runs without the VIP). */
function checkIpv6Instance(where: string, inst: Pick<VrrpInstancePlan, "path" | "vrrpVersion">): void {
    if (inst.vrrpVersion !== 3) throw new ArgumentError(where, pathText([...inst.path, "vrrpVersion"]), "must be 3 for IPv6 VIPs (VRRPv2 carries only IPv4)", inst.vrrpVersion);
}

function trackInterfaces(c: Checks, path: ArgPath, value: unknown): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        c.add(path, "must be a list of interface names", value);
        return [];
    }
    return value.flatMap((v, i) => c.at([...path, i], (f) => [checkInterface(c.where, f, v)]) ?? []);
}

function timing(c: Checks, path: ArgPath, os: OsChoice, advertIntArg: unknown, vrrpVersion: number): number {
    const at = [...path, "advertInt"];
    const advertInt = c.at(at, (f) => checkPositive(c.where, f, advertIntArg ?? DEFAULTS.keepalivedPair.advertInt));
    if (advertInt === undefined) return DEFAULTS.keepalivedPair.advertInt;
    const keepalived = oldestVersions(os).keepalived;
    // VRRPv2 carries whole seconds: keepalived would advertise 0.
    if (!Number.isInteger(advertInt) && vrrpVersion !== 3) c.add(at, "may be a fraction only with `vrrpVersion: 3` (VRRPv2 adverts carry whole seconds)", advertInt);
    else if (!Number.isInteger(advertInt) && !versionAtLeast(keepalived, KEEPALIVED_VRRP3_SINCE)) {
        c.add(at, `may be a fraction only on keepalived ≥ ${KEEPALIVED_VRRP3_SINCE} (VRRPv3 centisecond timers; ${os} has ${keepalived})`, advertInt);
    } else if (advertInt > 255) c.add(at, "must be at most 255 seconds", advertInt);
    return advertInt;
}

/** The VIPs' family where every VIP is already known; refuses IPv6 with VRRPv2 now. */
function knownIpv6(c: Checks, inst: VrrpInstancePlan): boolean {
    const v6 = inst.vips.some((v) => typeof v === "string" && v.includes(":"));
    if (v6) c.at(inst.path, () => checkIpv6Instance(c.where, inst));
    return v6;
}

/** A plain VIP is parsed now; an Output one by the placement check once it resolves (checkPlacement parses every VIP). */
function vipNow(c: Checks, path: ArgPath, vip: pulumi.Input<string>): pulumi.Input<string> {
    if (isKnown(vip)) c.at(path, (f) => checkCidr(c.where, f, vip));
    return vip;
}

function vrrpVersionOf(c: Checks, path: ArgPath, value: unknown): 2 | 3 {
    return (c.at([...path, "vrrpVersion"], (f) => checkInteger(c.where, f, value ?? DEFAULTS.keepalivedPair.vrrpVersion, 2, 3)) ?? DEFAULTS.keepalivedPair.vrrpVersion) as 2 | 3;
}

function shorthandInstance(c: Checks, name: string, os: OsChoice, args: KeepalivedPairArgs): VrrpInstancePlan | undefined {
    const priorities = args.nodes.map((n, i) => c.at(["nodes", i, "priority"], (f) => checkInteger(c.where, f, n?.priority ?? defaultPriority(i), 1, 254)));
    if (priorities[0] !== undefined && priorities[0] === priorities[1]) {
        c.add(["nodes", 1, "priority"], "must differ from `nodes[0].priority` (equal priorities make the election arbitrary)", priorities[1]);
    }
    if (args.vip === undefined) c.add(["vip"], "is needed (or `instances`)", args.vip);
    if (args.interface === undefined) c.add(["interface"], "is needed with `vip`", args.interface);
    const vrrpVersion = vrrpVersionOf(c, [], args.vrrpVersion);
    if (args.vip === undefined || args.interface === undefined) return undefined;
    const [p0, p1] = [priorities[0] ?? defaultPriority(0), priorities[1] ?? defaultPriority(1)];
    const inst: VrrpInstancePlan = {
        path: [],
        name,
        renderedName: `VI_${name.replace(/[^A-Za-z0-9_]/g, "_")}`,
        authPasswordName: `${name}-vrrp-auth`,
        vipPaths: [["vip"]],
        vips: [vipNow(c, ["vip"], args.vip)],
        iface: whenKnown(c, ["interface"], args.interface, (f, v) => checkInterface(c.where, f, v)),
        virtualRouterId: c.at(["virtualRouterId"], (f) => checkInteger(c.where, f, args.virtualRouterId ?? DEFAULTS.keepalivedPair.virtualRouterId, 1, 255)) ?? 0,
        masterIndex: p0 > p1 ? 0 : 1,
        priorities: [p0, p1],
        advertInt: timing(c, [], os, args.advertInt, vrrpVersion),
        nopreempt: args.nopreempt ?? DEFAULTS.keepalivedPair.nopreempt,
        unicast: args.unicast ?? DEFAULTS.keepalivedPair.unicast,
        vrrpVersion,
        trackInterfaces: trackInterfaces(c, ["trackInterfaces"], args.trackInterfaces),
        preemptDelayS: preemptDelay(c, [], args.preemptDelayS, args.nopreempt ?? DEFAULTS.keepalivedPair.nopreempt),
        authPassword: args.authPassword,
        ipv6: false,
    };
    inst.ipv6 = knownIpv6(c, inst);
    return inst;
}

function instance(c: Checks, pairName: string, os: OsChoice, raw: VrrpInstanceArgs, i: number, nodeNames: string[]): VrrpInstancePlan | undefined {
    const path: ArgPath = ["instances", i];
    const p = (...rest: (string | number)[]): ArgPath => [...path, ...rest];
    if (typeof raw !== "object" || raw === null) {
        c.add(path, "must be an object with `name`, `vips`, `virtualRouterId`, `interface`, `master`", raw);
        return undefined;
    }
    const name = c.at(p("name"), (f) => checkName(c.where, f, raw.name));
    const vipsOk = Array.isArray(raw.vips) && raw.vips.length > 0;
    if (!vipsOk) c.add(p("vips"), "must list at least one VIP", raw.vips);
    const masterIndex = nodeNames.indexOf(raw.master);
    if (masterIndex < 0) c.add(p("master"), `is not a node; nodes are: ${nodeNames.join(", ")}`, raw.master);
    const masterPriority = c.at(p("masterPriority"), (f) => checkInteger(c.where, f, raw.masterPriority ?? defaultPriority(0), 1, 254));
    const backupPriority = c.at(p("backupPriority"), (f) => checkInteger(c.where, f, raw.backupPriority ?? defaultPriority(1), 1, 254));
    if (masterPriority !== undefined && backupPriority !== undefined && backupPriority >= masterPriority) {
        c.add(p("backupPriority"), `must be below \`${pathText(p("masterPriority"))}\` (${masterPriority})`, backupPriority);
    }
    const vrrpVersion = vrrpVersionOf(c, path, raw.vrrpVersion);
    const vipPaths = vipsOk ? raw.vips.map((_, j) => p("vips", j)) : [];
    const [mp, bp] = [masterPriority ?? defaultPriority(0), backupPriority ?? defaultPriority(1)];
    const inst: VrrpInstancePlan = {
        path,
        name: name ?? String(raw.name),
        renderedName: `VI_${name}`,
        authPasswordName: `${pairName}-${name}-vrrp-auth`,
        vipPaths,
        vips: vipsOk ? raw.vips.map((v, j) => vipNow(c, vipPaths[j], v)) : [],
        iface: whenKnown(c, p("interface"), raw.interface, (f, v) => checkInterface(c.where, f, v)),
        virtualRouterId: c.at(p("virtualRouterId"), (f) => checkInteger(c.where, f, raw.virtualRouterId, 1, 255)) ?? 0,
        masterIndex: Math.max(masterIndex, 0),
        priorities: masterIndex === 1 ? [bp, mp] : [mp, bp],
        advertInt: timing(c, path, os, raw.advertInt, vrrpVersion),
        nopreempt: raw.nopreempt ?? DEFAULTS.keepalivedPair.nopreempt,
        unicast: raw.unicast ?? DEFAULTS.keepalivedPair.unicast,
        vrrpVersion,
        trackInterfaces: trackInterfaces(c, p("trackInterfaces"), raw.trackInterfaces),
        preemptDelayS: preemptDelay(c, path, raw.preemptDelayS, raw.nopreempt ?? DEFAULTS.keepalivedPair.nopreempt),
        authPassword: raw.authPassword,
        ipv6: false,
    };
    inst.ipv6 = knownIpv6(c, inst);
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
 * KeepalivedPairArgs → KeepalivedPlan: every check and default of the pair, before anything is
 * registered; every problem known then, at once. Memoized by the args object (and the name).
 */
export const normalizeKeepalivedPair = memoizedNormalizer(normalize);

function normalize(name: string, args: KeepalivedPairArgs): KeepalivedPlan {
    const where = `KeepalivedPair "${name}"`;
    const c = new Checks(where);
    const host = hostPlan(c, args);
    const os = host.os;
    if (!Array.isArray(args.nodes) || args.nodes.length !== 2) {
        // Everything else is about two nodes: nothing more to say.
        c.add(["nodes"], "must list exactly two nodes", Array.isArray(args.nodes) ? args.nodes.map((n) => n?.name) : args.nodes);
        c.throwIfAny();
    }
    const nodes = args.nodes.map((n, i) => {
        c.at(["nodes", i, "connection"], (f) => checkConnection(where, f, n?.connection));
        c.at(["nodes", i, "dependsOn"], (f) => checkDependencies(where, f, n?.dependsOn));
        return {
            name: c.at(["nodes", i, "name"], (f) => checkName(where, f, n?.name)) ?? String(n?.name),
            address: whenKnown(c, ["nodes", i, "address"], n?.address, (f, a) => checkIp(where, f, a)),
            state: "ready" as BalancerState,
        };
    }) as [KeepalivedNodePlan, KeepalivedNodePlan];
    if (!nodes.some((_, i) => c.has(["nodes", i, "name"]))) c.at(["nodes"], (f) => checkUniqueNames(where, f, nodes.map((n) => n.name)));

    let instances: VrrpInstancePlan[] = [];
    if (args.instances !== undefined) {
        for (const key of SHORTHAND_ONLY) {
            if (args[key] !== undefined) c.add([key], "is shorthand for one instance: with `instances` set it per instance", key === "authPassword" ? "<hidden>" : args[key]);
        }
        args.nodes.forEach((n, i) => {
            if (n?.priority !== undefined) c.add(["nodes", i, "priority"], "applies to the single-VIP shorthand: with `instances` set `masterPriority`/`backupPriority` per instance", n.priority);
        });
        if (!Array.isArray(args.instances) || args.instances.length === 0) c.add(["instances"], "must list at least one instance", args.instances);
        else {
            instances = args.instances.flatMap((inst, i) => instance(c, name, os, inst, i, nodes.map((n) => n.name)) ?? []);
            if (!args.instances.some((_, i) => c.has(["instances", i, "name"]))) c.at(["instances"], (f) => checkUniqueNames(where, f, instances.map((i) => i.name)));
            // keepalived keeps IPv4 and IPv6 routers apart: a VRID may repeat across address families.
            const vrids = new Set<string>();
            instances.forEach((inst) => {
                const key = `${inst.virtualRouterId}/${inst.ipv6 ? 6 : 4}`;
                if (vrids.has(key)) c.add([...inst.path, "virtualRouterId"], `must be unique among the instances of one address family (IPv${inst.ipv6 ? 6 : 4})`, inst.virtualRouterId);
                vrids.add(key);
            });
        }
    } else {
        const inst = shorthandInstance(c, name, os, args);
        if (inst) instances = [inst];
    }
    nodeStates(
        c,
        args.nodes.map((n) => n?.state),
        instances.map((x) => x.priorities),
        instances.map((x) => x.path),
    ).forEach((s, i) => (nodes[i].state = s));
    const keepalived = oldestVersions(os).keepalived;
    const mixed = instances.findIndex((x) => x.vrrpVersion !== instances[0].vrrpVersion);
    if (mixed >= 0 && !versionAtLeast(keepalived, "2")) {
        c.add([...instances[mixed].path, "vrrpVersion"], `must equal the other instances' on ${os} (per-instance VRRP versions need keepalived ≥ 2, ${os} has ${keepalived})`, instances[mixed].vrrpVersion);
    }
    const addresses = nodes.map((n) => n.address);
    instances.forEach((inst) => {
        // Placed once: now when every value is known, else when they resolve (the component does it then).
        // A refused node address is reported already: placing VIPs against it would only repeat that.
        const addressesOk = nodes.every((_, i) => !c.has(["nodes", i, "address"]));
        if (addressesOk && [...inst.vips, ...addresses].every((v) => typeof v === "string") && inst.vips.length) {
            inst.cidrs = c.at(inst.path, () => checkPlacement(where, inst.vips as string[], addresses as string[], inst));
        }
    });

    const check = c.at(["check"], () => checkScriptTiming(where, "check", args.check, DEFAULTS.keepalivedPair.haproxyCheck)) ?? DEFAULTS.keepalivedPair.haproxyCheck;
    const garp = args.garpMasterRefreshS === undefined ? undefined : c.at(["garpMasterRefreshS"], (f) => checkInteger(where, f, args.garpMasterRefreshS, 1, 3600));
    const gw = args.gatewayCheck;
    let gatewayCheck: KeepalivedPlan["gatewayCheck"];
    if (gw !== undefined) {
        const address = c.at(["gatewayCheck", "address"], (f) => checkIp(where, f, gw.address));
        const t = c.at(["gatewayCheck"], () => checkScriptTiming(where, "gatewayCheck", gw, DEFAULTS.keepalivedPair.gatewayCheck));
        if (address !== undefined && t !== undefined) gatewayCheck = { address, ...t };
    }
    const notifyArgs = args.notify ?? {};
    const hooks = NOTIFY_STATES.filter((s) => notifyArgs[s] !== undefined).map((s) => ({
        state: s,
        body: whenKnown(c, ["notify", s], notifyArgs[s] as pulumi.Input<string>, (f, v) => checkHook(where, f, v)),
    }));
    // Entries name instances as the user wrote them (the shorthand's one is the pair's name).
    const instanceNames = Array.isArray(args.instances) ? args.instances.map((x) => String(x?.name)) : [name];
    const renderedOf = (n: string) => instances.find((x) => x.name === n)?.renderedName ?? `VI_${n}`;
    const extensions = normalizeKeepalivedHooks(c, os, args, instanceNames, renderedOf);
    c.throwIfAny();
    const masterIndex = instances[0].masterIndex;
    return {
        ...host,
        nodes,
        instances,
        check,
        garp,
        gatewayCheck,
        notify: args.instances !== undefined || args.notify !== undefined,
        hooks,
        extensions,
        masterIndex,
        updateOrder: [1 - masterIndex, masterIndex],
    };
}
