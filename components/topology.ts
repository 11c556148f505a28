/**
 * The whole two-tier topology from stack config: web servers, two HaproxyNodes, one
 * KeepalivedPair. `buildTopology` wires the components, changing the BACKUP balancer before the
 * MASTER; the config it takes comes from `parseTopologyConfig` (stackConfig.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs } from "./common";
import { checkHaproxyNodeArgs, HaproxyNode, HaproxyNodeArgs, HaproxyServerArgs } from "./haproxyNode";
import { checkKeepalivedPairArgs, KeepalivedPair, KeepalivedPairArgs } from "./keepalivedPair";
import { TopologyConfig } from "./stackConfig";
import { checkWebBackendArgs, WebBackend, WebBackendArgs } from "./webBackend";

export { parseTopologyConfig, SshConfig, TopologyConfig } from "./stackConfig";

export interface Topology {
    webs: WebBackend[];
    balancers: HaproxyNode[];
    pair: KeepalivedPair;
    vip: pulumi.Output<string>;
    url: pulumi.Output<string>;
}

/** Builds every component. `privateKey` is the key text (a secret), however the caller got it. */
export function buildTopology(cfg: TopologyConfig, privateKey: pulumi.Input<string>): Topology {
    const connection = (host: string): ConnectionArgs => ({
        host,
        port: cfg.ssh.port,
        user: cfg.ssh.user,
        privateKey: pulumi.secret(privateKey),
        hostKey: cfg.ssh.hostKeys?.[host],
        perDialTimeout: cfg.ssh.perDialTimeout,
        dialErrorLimit: cfg.ssh.dialErrorLimit,
    });
    // The order below matters to the running service only (web servers before the balancers
    // route to them, BACKUP before MASTER): on a first deployment every host installs at once.
    const host = { os: cfg.os, become: cfg.become, centos7Vault: cfg.centos7Vault, reapply: cfg.reapply, installBeforeDependsOn: true };
    const webArgs = (w: TopologyConfig["webs"][number]): WebBackendArgs => ({ ...host, connection: connection(w.host), address: w.host, port: w.port, content: w.content });
    const collections = cfg.collections;
    const extraArgs = {
        ...(cfg.logging === undefined ? {} : { logging: { target: cfg.logging } }),
        ...(cfg.runtimeApi ? { runtimeApi: true } : {}),
    };
    const haproxyArgs = (b: TopologyConfig["balancers"][number], servers: HaproxyServerArgs[]): HaproxyNodeArgs => collections ? {
        ...host,
        ...extraArgs,
        connection: connection(b.host),
        // The stats page binds the balancer's own address.
        address: b.host,
        frontends: collections.frontends,
        backends: collections.backends,
        certificates: collections.certificates.map((c) => ({ name: c.name, pem: pulumi.secret(c.pem) })),
        stats: cfg.stats,
    } : {
        ...host,
        ...extraArgs,
        ...(typeof cfg.stats === "object" ? { address: b.host } : {}),
        connection: connection(b.host),
        servers,
        bindAddress: cfg.vip.split("/")[0],
        port: cfg.port,
        balance: cfg.balance,
        stats: cfg.stats,
        extraConfig: { backend: cfg.extraBackend },
    };
    const pairArgs = (balancers: pulumi.Resource[]): KeepalivedPairArgs => ({
        ...host,
        nodes: cfg.balancers.map((b, i) => ({ name: b.name, connection: connection(b.host), address: b.host, priority: b.priority, dependsOn: balancers[i] })),
        vip: cfg.vip,
        interface: cfg.interface,
        virtualRouterId: cfg.virtualRouterId,
        unicast: cfg.unicast,
        nopreempt: cfg.nopreempt,
        advertInt: cfg.advertInt,
        vrrpVersion: cfg.vrrpVersion,
        gatewayCheck: cfg.gatewayCheck === undefined ? undefined : { address: cfg.gatewayCheck },
        check: cfg.haproxyCheck,
    });

    // Check every component's args before creating the first one: a bad value must fail the
    // deployment before any host is touched, not after the web servers were provisioned.
    const plainServers = cfg.webs.map((w) => ({ name: w.name, address: w.host, port: w.port }));
    cfg.webs.forEach((w) => checkWebBackendArgs(w.name, webArgs(w)));
    cfg.balancers.forEach((b) => checkHaproxyNodeArgs(b.name, haproxyArgs(b, plainServers)));
    // The pair's MASTER, as KeepalivedPair elects it: the BACKUP balancer is changed first.
    const { masterIndex } = checkKeepalivedPairArgs(PAIR_NAME, pairArgs([]));

    const webs = cfg.webs.map((w) => new WebBackend(w.name, webArgs(w)));
    const servers = webs.map((w, j) => ({ name: w.backendName, address: w.address, port: cfg.webs[j].port }));
    const balancers: HaproxyNode[] = [];
    for (const i of [1 - masterIndex, masterIndex]) {
        const dependsOn = i === masterIndex ? [balancers[1 - masterIndex]] : webs;
        // In the args, not the options: the node's packages must not wait for the component's registration.
        balancers[i] = new HaproxyNode(cfg.balancers[i].name, { ...haproxyArgs(cfg.balancers[i], servers), dependsOn });
    }
    const pair = new KeepalivedPair(PAIR_NAME, pairArgs(balancers));
    return { webs, balancers, pair, vip: pair.vip, url: pulumi.interpolate`http://${pair.vip}:${cfg.port}/` };
}

/** The KeepalivedPair's resource name in the stack. */
export const PAIR_NAME = "vip";
