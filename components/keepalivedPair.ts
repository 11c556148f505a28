import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "./defaults";
import * as random from "@pulumi/random";
import { checkConnection, ConnectionArgs, HostArgs, RenderedView, resolveOs, resolveReapply } from "./common";
import { oldestVersions, OsAdapter, OsChoice, sameOnEveryFamily, versionAtLeast } from "./os";
import { renderKeepalivedConfig } from "./render/keepalived";
import { createSteps, Dependencies, RenderedFile, RenderedScript, renderedScripts } from "./remoteSteps";
import { KEEPALIVED_CONFIG_PATH, keepalivedSteps } from "./script/keepalivedSteps";
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
} from "./validate";

export interface KeepalivedNodeArgs {
    /** Node name (router_id). */
    name: string;
    connection: pulumi.Input<ConnectionArgs>;
    /** The node's own address on `interface` (unicast source, subnet check). An Output is fine. */
    address: pulumi.Input<string>;
    /** VRRP priority 1–254. Defaults: 100 for the first node, 90 for the second. Plain: it decides which node is changed first. */
    priority?: number;
    /** This node's steps wait for these, e.g. the node's own HaproxyNode. The pair's `dependsOn` applies to both nodes. */
    dependsOn?: Dependencies;
}

export interface KeepalivedPairArgs extends HostArgs {
    /** Exactly two nodes; the higher priority starts as MASTER. */
    nodes: KeepalivedNodeArgs[];
    /** The floating address with its prefix, e.g. `172.20.30.69/24`. An Output is fine. */
    vip: pulumi.Input<string>;
    /** Interface that carries the VIP and the adverts, e.g. `eth0`. An Output is fine. */
    interface: pulumi.Input<string>;
    /** 1–255, unique per network segment. Default 51. */
    virtualRouterId?: number;
    /** Seconds between adverts. Default 1. Below 1 needs `vrrpVersion: 3` (keepalived ≥ 2). */
    advertInt?: number;
    /** Both nodes start as BACKUP and a recovered node does not take the VIP back. Default false. */
    nopreempt?: boolean;
    /** Send adverts to the peer's address instead of multicast (clouds, switches without multicast). Default false. */
    unicast?: boolean;
    /** VRRP PASS password, at most 8 characters. Default: a generated secret (@pulumi/random). Unused with VRRPv3. */
    authPassword?: pulumi.Input<string>;
    /** VRRP version. Default 2 (authentication; keepalived 1.3 compatible). */
    vrrpVersion?: 2 | 3;
    /** The haproxy check: interval seconds (2), fall (2), rise (2). A failing check puts the node in FAULT. */
    check?: { intervalS?: number; fall?: number; rise?: number };
    /**
     * Split-brain guard: a node that cannot ping this address (the gateway, or another host both
     * nodes must reach) goes to FAULT and releases the VIP, so an isolated node does not keep a
     * second copy of it. Default off.
     */
    gatewayCheck?: { address: string; intervalS?: number; fall?: number; rise?: number };
    /** Seconds between repeated gratuitous ARPs while MASTER (refreshes stale caches after a split). Default off. */
    garpMasterRefreshS?: number;
}

/** keepalived.conf is rendered before the family is known (`auto`): its commands must not differ per family. */
function commandOnEveryFamily(os: OsChoice, pick: (a: OsAdapter) => string): string {
    const command = sameOnEveryFamily(os, pick);
    if (command === undefined) throw new Error(`keepalived check commands differ between the families of os ${os}: the OS adapter must agree on them`);
    return command;
}

/** The VIP must lie in the nodes' subnet and differ from them; the nodes' addresses must differ. */
function checkPlacement(where: string, vipText: string, addresses: string[]): void {
    if (addresses[0] === addresses[1]) throw new ArgumentError(where, "nodes[1].address", "must differ from `nodes[0].address`", addresses[1]);
    checkVipForNodes(where, "vip", checkCidr(where, "vip", vipText), addresses.map((address, i) => ({ field: `nodes[${i}].address`, address })));
}

/**
 * Every check of KeepalivedPairArgs, with defaults applied: runs before anything is registered.
 * Inputs not yet known are checked when they resolve, still before any command runs.
 */
export function checkKeepalivedPairArgs(name: string, args: KeepalivedPairArgs) {
    const where = `KeepalivedPair "${name}"`;
    const os = resolveOs(where, args.os);
    const reapply = resolveReapply(where, args.reapply);
    if (!Array.isArray(args.nodes) || args.nodes.length !== 2) {
        throw new ArgumentError(where, "nodes", "must list exactly two nodes", Array.isArray(args.nodes) ? args.nodes.map((n) => n?.name) : args.nodes);
    }
    const nodes = args.nodes.map((n, i) => ({
        ...n,
        name: checkName(where, `nodes[${i}].name`, n.name),
        address: checkWhenKnown(n.address, (a) => checkIp(where, `nodes[${i}].address`, a)),
        priority: checkInteger(where, `nodes[${i}].priority`, n.priority ?? DEFAULTS.keepalivedPair.priorities[i], 1, 254),
    }));
    checkUniqueNames(where, "nodes", nodes.map((n) => n.name));
    nodes.forEach((n, i) => checkConnection(where, `nodes[${i}].connection`, n.connection));
    if (nodes[0].priority === nodes[1].priority) {
        throw new ArgumentError(where, "nodes[1].priority", "must differ from `nodes[0].priority` (equal priorities make the election arbitrary)", nodes[1].priority);
    }
    const vip = checkWhenKnown(args.vip, (v) => checkCidr(where, "vip", v));
    const placement = [vip, ...nodes.map((n) => n.address)];
    if (placement.every((v) => typeof v === "string")) checkPlacement(where, vip as string, [nodes[0].address, nodes[1].address] as string[]);
    const iface = checkWhenKnown(args.interface, (v) => checkInterface(where, "interface", v));
    const virtualRouterId = checkInteger(where, "virtualRouterId", args.virtualRouterId ?? DEFAULTS.keepalivedPair.virtualRouterId, 1, 255);
    const vrrpVersion = checkInteger(where, "vrrpVersion", args.vrrpVersion ?? DEFAULTS.keepalivedPair.vrrpVersion, 2, 3) as 2 | 3;
    const advertInt = checkPositive(where, "advertInt", args.advertInt ?? DEFAULTS.keepalivedPair.advertInt);
    if (!Number.isInteger(advertInt) && (vrrpVersion !== 3 || !versionAtLeast(oldestVersions(os).keepalived, "2"))) {
        throw new ArgumentError(where, "advertInt", `may be a fraction only with \`vrrpVersion: 3\` on keepalived ≥ 2 (not ${os}: keepalived ${oldestVersions(os).keepalived})`, advertInt);
    }
    if (advertInt > 255) throw new ArgumentError(where, "advertInt", "must be at most 255 seconds", advertInt);
    const check = checkScriptTiming(where, "check", args.check, DEFAULTS.keepalivedPair.haproxyCheck);
    const garp = args.garpMasterRefreshS === undefined ? undefined : checkInteger(where, "garpMasterRefreshS", args.garpMasterRefreshS, 1, 3600);
    const nopreempt = args.nopreempt ?? DEFAULTS.keepalivedPair.nopreempt;
    const gw = args.gatewayCheck;
    const gatewayCheck =
        gw === undefined ? undefined : { address: checkIp(where, "gatewayCheck.address", gw.address), ...checkScriptTiming(where, "gatewayCheck", gw, DEFAULTS.keepalivedPair.gatewayCheck) };
    /** The node that starts as MASTER: the higher priority. */
    const masterIndex = nodes[0].priority > nodes[1].priority ? 0 : 1;

    return { where, os, reapply, nodes, vip, iface, virtualRouterId, vrrpVersion, advertInt, check, garp, nopreempt, gatewayCheck, masterIndex };
}

/**
 * keepalived on two nodes sharing one VIP; the VIP leaves a node whose haproxy is dead. The
 * BACKUP node is changed first and the MASTER waits for it, so a bad change stops at the BACKUP.
 */
export class KeepalivedPair extends pulumi.ComponentResource implements RenderedView {
    readonly vip: pulumi.Output<string>;
    readonly nodeNames: pulumi.Output<string[]>;
    /** The node that starts as MASTER (highest priority). */
    readonly masterName: string;
    readonly files: pulumi.Output<RenderedFile[]>;
    readonly scripts: RenderedScript[];

    constructor(name: string, args: KeepalivedPairArgs, opts?: pulumi.ComponentResourceOptions) {
        const checked = checkKeepalivedPairArgs(name, args);
        super("haproxy-ha:index:KeepalivedPair", name, {}, opts);
        const { where, os, nodes, vip, iface, virtualRouterId, vrrpVersion, advertInt, check, garp, nopreempt, gatewayCheck, masterIndex } = checked;
        const tracks = [{ name: "chk_haproxy", command: commandOnEveryFamily(os, (a) => a.haproxyCheck), ...check }];
        if (gatewayCheck) {
            const { address, ...timing } = gatewayCheck;
            tracks.push({ name: "chk_gateway", command: `${commandOnEveryFamily(os, (a) => a.pingCommand)} -c 1 -W 1 ${address}`, ...timing });
        }
        const authPassword: pulumi.Output<string | undefined> =
            vrrpVersion === 3
                ? pulumi.output(undefined)
                : pulumi.secret(
                      pulumi
                          .output(args.authPassword ?? new random.RandomPassword(`${name}-vrrp-auth`, { length: DEFAULTS.keepalivedPair.generatedAuthPasswordLength, special: false }, { parent: this }).result)
                          .apply((p) => checkConfigWord(where, "authPassword", p, 8)),
                  );

        this.masterName = nodes[masterIndex].name;
        const steps = keepalivedSteps(os, args.centos7Vault ?? DEFAULTS.host.centos7Vault);
        const files: pulumi.Output<RenderedFile>[] = [];
        const backupIndex = 1 - masterIndex;
        const lastStepOf: pulumi.Resource[] = [];
        for (const i of [backupIndex, masterIndex]) {
            const node = nodes[i];
            const config = pulumi.secret(
                pulumi.all([authPassword, vip, iface, nodes[0].address, nodes[1].address]).apply(([authPass, vipText, ifaceName, a0, a1]) => {
                    checkPlacement(where, vipText, [a0, a1]);
                    const addresses = [a0, a1];
                    return renderKeepalivedConfig({
                        nodeName: node.name,
                        instanceName: `VI_${name.replace(/[^A-Za-z0-9_]/g, "_")}`,
                        state: !nopreempt && i === masterIndex ? "MASTER" : "BACKUP",
                        priority: node.priority,
                        virtualRouterId,
                        advertInt,
                        nopreempt,
                        interface: ifaceName,
                        vip: checkCidr(where, "vip", vipText),
                        authPass,
                        vrrpVersion,
                        unicast: args.unicast ? { sourceIp: addresses[i], peers: [addresses[1 - i]] } : undefined,
                        track: tracks,
                        garpMasterRefreshS: garp,
                    });
                }),
            );
            const created = createSteps(
                {
                    parent: this,
                    prefix: `${name}-${node.name}`,
                    connection: node.connection,
                    become: args.become ?? DEFAULTS.host.become,
                    reapply: checked.reapply,
                    stdin: { [KEEPALIVED_CONFIG_PATH]: config },
                    dependsOn: [opts?.dependsOn, node.dependsOn, ...(i === masterIndex ? [lastStepOf[backupIndex]] : [])],
                },
                steps,
            );
            lastStepOf[i] = created[created.length - 1];
            files[i] = config.apply((content) => ({ node: node.name, path: KEEPALIVED_CONFIG_PATH, mode: "0600", owner: "root", group: "root", content }));
        }
        this.scripts = nodes.flatMap((n) => renderedScripts(n.name, "keepalived", steps));
        this.files = pulumi.all(files);
        this.vip = pulumi.output(vip).apply((v) => v.split("/")[0]);
        this.nodeNames = pulumi.output(nodes.map((n) => n.name));
        this.registerOutputs({ vip: this.vip, nodeNames: this.nodeNames });
    }
}
