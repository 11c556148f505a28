import * as pulumi from "@pulumi/pulumi";
import { withSources } from "./script/repositories";
import * as random from "@pulumi/random";
import * as command from "@pulumi/command";
import { DEFAULTS } from "./defaults";
import { checkDependencies, warnUnpinnedHostKey, ConnectionArgs, HostArgs, RenderedView } from "./common";
import { checkPlacement, KeepalivedPlan, normalizeKeepalivedPair } from "./model/keepalived";
import type { VrrpGarpArgs, VrrpSyncGroupArgs, VrrpTrackFileArgs, VrrpTrackProcessArgs, VrrpTrackScriptArgs } from "./model/keepalivedHooks";
import { pathText } from "./model/problems";
import { OsAdapter, OsChoice, sameOnEveryFamily } from "./os";
import { renderKeepalivedConfig, VrrpTrackScript } from "./render/keepalived";
import { createSteps, RenderedFile, RenderedScript, renderedScripts } from "./remoteSteps";
import { KEEPALIVED_CONFIG_PATH, keepalivedSteps } from "./script/keepalivedSteps";
import { maintHandoverTimeoutS } from "./script/maintenance";
import { hookPath, NOTIFY_SCRIPT_PATH, renderNotifyScript } from "./script/vrrpNotify";
import { parseHostFacts, pinnedVersions, renderVersions, rendersFromHost } from "./script/hostFacts";
import { ArgumentError, checkConfigWord } from "./validate";

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
     * `ready` (default) or `maint`: a node in maint hands the VIPs to its peer and stays BACKUP
     * (rendered with priority 1 in every instance; with `nopreempt` keepalived is restarted there,
     * whose stop sends a priority-0 advert), and its config step waits until it holds none of
     * them. `ready` puts the node's own priorities back. Not both nodes; the peer's priorities
     * must be above 1. See docs/day2.md.
     */
    state?: string;
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
    /**
     * Seconds (1–1000) a node that should preempt waits first (keepalived `preempt_delay`); both
     * nodes then start as BACKUP, as keepalived needs. Not with `nopreempt`. Default none.
     */
    preemptDelayS?: number;
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
    /** Shorthand: seconds a node that should preempt waits first (`preempt_delay`, 1–1000); not with `nopreempt`. Default none. */
    preemptDelayS?: number;
    /** User `vrrp_script`s: a command or a whole script, run as root like the haproxy check. Default none. See docs/vrrp.md. */
    trackScripts?: VrrpTrackScriptArgs[];
    /** Files holding a number that moves the priority (`vrrp_track_file`, keepalived ≥ 2.0.0: not centos7). Default none. */
    trackFiles?: VrrpTrackFileArgs[];
    /** Processes that must run (`vrrp_track_process`, keepalived ≥ 2.0.11: not centos7). Default none. */
    trackProcesses?: VrrpTrackProcessArgs[];
    /** Instances that move together (`vrrp_sync_group`); needs `instances`. Default none. */
    syncGroups?: VrrpSyncGroupArgs[];
    /** Gratuitous ARP timing after a node becomes MASTER, for every instance. Default keepalived's. */
    garp?: VrrpGarpArgs;
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

/**
 * Every check of KeepalivedPairArgs, with defaults applied, every problem at once: the pair's Plan
 * (model/keepalived.ts; `masterIndex`, `updateOrder`), memoized by the args object. Inputs not yet
 * known are checked when they resolve, still before any command runs.
 */
export function checkKeepalivedPairArgs(name: string, args: KeepalivedPairArgs): KeepalivedPlan {
    return normalizeKeepalivedPair(name, args);
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
        const plan = normalizeKeepalivedPair(name, args);
        super("haproxy-ha:index:KeepalivedPair", name, {}, opts);
        args.nodes.forEach((n) => warnUnpinnedHostKey(this, n.connection));
        const { where, os, nodes, instances, check, garp, gatewayCheck, notify, hooks, masterIndex, extensions } = plan;
        const scripts: VrrpTrackScript[] = [{ name: "chk_haproxy", command: commandOnEveryFamily(os, (a) => a.haproxyCheck), ...check }];
        // Which vrrp_scripts an instance tracks: the built-in ones always, the user's where they name it.
        const builtIn = new Set(["chk_haproxy", "chk_gateway"]);
        const userScripts = extensions.trackScripts.map((t): VrrpTrackScript & { instances: string[] } => ({
            name: t.renderedName,
            command: t.command,
            intervalS: t.intervalS,
            timeoutS: t.timeoutS,
            fall: t.fall,
            rise: t.rise,
            weight: t.weight,
            instances: t.instances,
        }));
        if (gatewayCheck) {
            const { address, ...timing } = gatewayCheck;
            // Weighted, not FAULT: an unreachable gateway (rebooting, rate-limiting ICMP) must not take the
            // VIPs off both nodes. Losing it costs more than any instance's priority gap, so the VIPs go
            // to a node that still sees it, and stay where they are when neither does.
            const gap = Math.max(...instances.map((inst) => Math.abs(inst.priorities[0] - inst.priorities[1])));
            const weight = -Math.min(gap + 1, 253);
            scripts.push({ name: "chk_gateway", command: `${commandOnEveryFamily(os, (a) => a.pingCommand)} -c 1 -W 1 ${address}`, ...timing, weight });
        }
        const authPasswords = instances.map((inst) =>
            inst.vrrpVersion === 3
                ? pulumi.output(undefined)
                : pulumi.secret(
                      pulumi
                          .output(
                              inst.authPassword ??
                                  new random.RandomPassword(inst.authPasswordName, { length: DEFAULTS.keepalivedPair.generatedAuthPasswordLength, special: false }, { parent: this }).result,
                          )
                          .apply((p) => checkConfigWord(where, pathText([...inst.path, "authPassword"]), p, 8)),
                  ),
        );
        const allV3 = instances.every((i) => i.vrrpVersion === 3);
        const ipv6 = instances.some((i) => i.ipv6);

        this.masterName = nodes[masterIndex].name;
        this.masters = Object.fromEntries(instances.map((i) => [i.name, nodes[i.masterIndex].name]));
        const shipped = extensions.trackScripts.flatMap((t) => (t.file ? [{ step: t.renderedName.replace(/^track_/, "track-"), path: t.file.path, content: t.file.content }] : []));
        const steps = withSources(os, "keepalived", plan.sources, keepalivedSteps({ os, archiveRepos: plan.archiveRepos, ipv6, notify: notify ? { hooks: hooks.map((h) => h.state) } : undefined, trackScripts: shipped, maintHandoverTimeoutS: maintHandoverTimeoutS(Math.max(...instances.map((x) => x.advertInt))) }));
        const pinned = pinnedVersions(plan.sources.pins);
        const hookBodies: Record<string, pulumi.Output<string>> = Object.fromEntries([
            ...hooks.map((h) => [hookPath(h.state), pulumi.secret(pulumi.output(h.body))]),
            // A user track script may hold tokens like a hook: a secret, on stdin, in a 0700 file.
            ...shipped.map((t) => [t.path, pulumi.secret(pulumi.output(t.content))]),
        ]);
        const notifyScript = renderNotifyScript();
        const files: pulumi.Output<RenderedFile[]>[] = [];
        const [first, second] = plan.updateOrder;
        const lastStepOf: pulumi.Resource[] = [];
        const resolvedInstances = pulumi.all(
            instances.map((inst, k) =>
                pulumi.all([authPasswords[k], pulumi.all(inst.vips), inst.iface, nodes[0].address, nodes[1].address]).apply(([authPass, vipTexts, ifaceName, a0, a1]) => {
                    // Placed by the plan when all was known then; otherwise now, once.
                    const cidrs = inst.cidrs ?? checkPlacement(where, vipTexts, [a0, a1], inst);
                    if (cidrs.some((c) => c.address.includes(":")) && !ipv6) {
                        throw new ArgumentError(where, pathText(inst.vipPaths[0]), "is IPv6 but was unknown when the pair was constructed: pass IPv6 VIPs as plain values (they decide the net.ipv6.ip_nonlocal_bind step)", vipTexts[0]);
                    }
                    return { inst, authPass, cidrs, ifaceName, addresses: [a0, a1] };
                }),
            ),
        );
        for (const i of [first, second]) {
            const node = nodes[i];
            // The keepalived the config is for: a release's row now, or what the packages step reports (hostFacts.ts).
            const renderConfig = (version: pulumi.Output<string>) => pulumi.secret(
                pulumi.all([resolvedInstances, version]).apply(([resolved, keepalivedVersion]) =>
                    renderKeepalivedConfig({
                        nodeName: node.name,
                        maint: node.state === "maint",
                        keepalivedVersion,
                        vrrpVersion: allV3 ? 3 : 2,
                        scripts: [...scripts, ...userScripts.map(({ instances: _, ...s }) => s)],
                        trackFiles: extensions.trackFiles.map((f) => ({ name: f.renderedName, file: f.file, weight: f.weight, initValue: f.initValue })),
                        trackProcesses: extensions.trackProcesses.map((p) => ({ name: p.renderedName, process: p.process, weight: p.weight, quorum: p.quorum, delayS: p.delayS })),
                        syncGroups: extensions.syncGroups.map((g) => ({ name: g.renderedName, instances: g.instances })),
                        instances: resolved.map(({ inst, authPass, cidrs, ifaceName, addresses }) => ({
                            name: inst.renderedName,
                            // keepalived delays preemption only for a node that starts as BACKUP.
                            state: !inst.nopreempt && inst.preemptDelayS === undefined && i === inst.masterIndex ? "MASTER" : "BACKUP",
                            priority: inst.priorities[i],
                            virtualRouterId: inst.virtualRouterId,
                            advertInt: inst.advertInt,
                            version: !allV3 && inst.vrrpVersion === 3 ? 3 : undefined,
                            nopreempt: inst.nopreempt,
                            interface: ifaceName,
                            vips: cidrs,
                            authPass: authPass ?? undefined,
                            unicast: inst.unicast ? { sourceIp: addresses[i], peers: [addresses[1 - i]] } : undefined,
                            trackScripts: [...scripts.filter((s) => builtIn.has(s.name)), ...userScripts.filter((s) => s.instances.includes(inst.name))].map((s) => s.name),
                            trackInterfaces: inst.trackInterfaces,
                            garpMasterRefreshS: garp ?? extensions.garpRefreshS,
                            notify: notify ? NOTIFY_SCRIPT_PATH : undefined,
                            preemptDelayS: inst.preemptDelayS,
                            garp: extensions.garp,
                            trackFiles: extensions.trackFiles.filter((f) => f.instances.includes(inst.name)).map((f) => f.renderedName),
                            trackProcesses: extensions.trackProcesses.filter((p) => p.instances.includes(inst.name)).map((p) => p.renderedName),
                        })),
                    }),
                ),
            );
            let config = rendersFromHost(os) && pinned.keepalived === undefined ? undefined : renderConfig(pulumi.output(renderVersions(os, undefined, pinned).keepalived));
            const stdinWith = (c: pulumi.Output<string>): Record<string, pulumi.Input<string>> => ({ [KEEPALIVED_CONFIG_PATH]: c, [NOTIFY_SCRIPT_PATH]: notifyScript, ...hookBodies });
            const fromHost = (packages: command.remote.Command) => {
                config = renderConfig(pulumi.unsecret(packages.stdout).apply((out) => renderVersions(os, parseHostFacts(out), pinned).keepalived));
                return stdinWith(config);
            };
            const created = createSteps(
                {
                    parent: this,
                    prefix: `${name}-${node.name}`,
                    connection: args.nodes[i].connection,
                    become: plan.become,
                    reapply: plan.reapply,
                    stepTimeoutS: plan.stepTimeoutS,
                    stdin: config ? stdinWith(config) : fromHost,
                    dependsOn: [opts?.dependsOn, checkDependencies(where, `nodes[${i}].dependsOn`, args.nodes[i].dependsOn), ...(i === second ? [lastStepOf[first]] : [])],
                    installDependsOn: plan.installDependsOn,
                },
                steps,
            );
            lastStepOf[i] = created[created.length - 1];
            const rendered = config ?? renderConfig(pulumi.output(renderVersions(os, undefined, pinned).keepalived));
            const nodeFiles: pulumi.Output<RenderedFile>[] = [
                rendered.apply((content) => ({ node: node.name, path: KEEPALIVED_CONFIG_PATH, mode: "0600", owner: "root", group: "root", content })),
            ];
            if (notify) nodeFiles.push(pulumi.output({ node: node.name, path: NOTIFY_SCRIPT_PATH, mode: "0700", owner: "root", group: "root", content: notifyScript }));
            for (const [path, body] of Object.entries(hookBodies)) {
                nodeFiles.push(body.apply((content) => ({ node: node.name, path, mode: "0700", owner: "root", group: "root", content })));
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
