/**
 * The whole two-tier topology from stack config: web servers, two HaproxyNodes, one
 * KeepalivedPair. `buildTopology` wires the components, changing the BACKUP balancer before the
 * MASTER; the config it takes comes from `parseTopologyConfig` (stackConfig.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs } from "./common";
import { checkHaproxyNodeArgs, HaproxyNode, HaproxyNodeArgs, HaproxyServerArgs } from "./haproxyNode";
import { checkKeepalivedPairArgs, KeepalivedPair, KeepalivedPairArgs } from "./keepalivedPair";
import { stackKeyPath, TopologyConfig } from "./stackConfig";
import { ArgumentError } from "./validate";
import { checkWebBackendArgs, WebBackend, WebBackendArgs } from "./webBackend";

export { parseTopologyConfig, SshConfig, TopologyConfig } from "./stackConfig";

export interface Topology {
    webs: WebBackend[];
    balancers: HaproxyNode[];
    pair: KeepalivedPair;
    /** The first VIP, without prefix, and its URL. */
    vip: pulumi.Output<string>;
    url: pulumi.Output<string>;
    /** Every instance's VIPs, without prefix, and their URLs. */
    vips: pulumi.Output<string[]>;
    urls: pulumi.Output<string[]>;
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
    const instances = cfg.instances;
    // The order below matters to the running service only (web servers before the balancers
    // route to them, BACKUP before MASTER): on a first deployment every host installs at once.
    const host = { os: cfg.os, become: cfg.become, centos7Vault: cfg.centos7Vault, reapply: cfg.reapply, stepTimeoutS: cfg.stepTimeoutS, installBeforeDependsOn: true };
    const webArgs = (w: TopologyConfig["webs"][number]): WebBackendArgs => ({ ...host, connection: connection(w.host), address: w.host, port: w.port, content: w.content });
    const collections = cfg.collections;
    const vipAddresses = (instances === undefined ? [cfg.vip as string] : instances.flatMap((inst) => inst.vips as string[])).map((v) => v.split("/")[0]);
    if (collections && instances) checkVipsBound(collections, instances);
    const extraArgs = {
        ...(cfg.logging === undefined ? {} : { logging: { target: cfg.logging } }),
        ...(cfg.runtimeApi ? { runtimeApi: true } : {}),
    };
    // Stack config's `stats: true` is the component's `stats: {}`.
    const stats = cfg.stats === true ? {} : cfg.stats || undefined;
    const haproxyArgs = (b: TopologyConfig["balancers"][number], servers: HaproxyServerArgs[]): HaproxyNodeArgs => collections ? {
        ...host,
        ...extraArgs,
        connection: connection(b.host),
        // The stats page binds the balancer's own address.
        address: b.host,
        frontends: collections.frontends,
        backends: collections.backends,
        certificates: collections.certificates.map((c) => ({ name: c.name, pem: pulumi.secret(c.pem) })),
        stats,
    } : {
        ...host,
        ...extraArgs,
        // The stats page binds the balancer's own address.
        address: b.host,
        connection: connection(b.host),
        servers,
        // Both balancers bind every VIP: each answers on the VIPs it holds, and takes the others over.
        ...(cfg.instances === undefined ? { bindAddress: vipAddresses[0] } : { bindAddresses: vipAddresses }),
        port: cfg.port,
        balance: cfg.balance,
        stats,
        extraConfig: { backend: cfg.extraBackend },
    };
    const single = instances === undefined ? {
        vip: cfg.vip,
        interface: cfg.interface,
        virtualRouterId: cfg.virtualRouterId,
        unicast: cfg.unicast,
        nopreempt: cfg.nopreempt,
        advertInt: cfg.advertInt,
        vrrpVersion: cfg.vrrpVersion,
    } : { instances };
    const pairArgs = (balancers: pulumi.Resource[]): KeepalivedPairArgs => ({
        ...host,
        nodes: cfg.balancers.map((b, i) => ({ name: b.name, connection: connection(b.host), address: b.host, priority: instances ? undefined : b.priority, dependsOn: balancers[i] })),
        ...single,
        gatewayCheck: cfg.gatewayCheck === undefined ? undefined : { address: cfg.gatewayCheck },
        check: cfg.haproxyCheck,
    });

    // Check every component's args before creating the first one: a bad value must fail the
    // deployment before any host is touched, not after the web servers were provisioned.
    const plainServers = cfg.webs.map((w) => ({ name: w.name, address: w.host, port: w.port, ...stateOf(w) }));
    cfg.webs.forEach((w) => checkWebBackendArgs(w.name, webArgs(w)));
    cfg.balancers.forEach((b) => checkHaproxyNodeArgs(b.name, haproxyArgs(b, plainServers)));
    // The pair's MASTER, as KeepalivedPair elects it: the BACKUP balancer is changed first.
    const { masterIndex } = inStackTerms(() => checkKeepalivedPairArgs(PAIR_NAME, pairArgs([])));

    const webs = cfg.webs.map((w) => new WebBackend(w.name, webArgs(w)));
    const servers = webs.map((w, j) => ({ name: w.backendName, address: w.address, port: cfg.webs[j].port, ...stateOf(cfg.webs[j]) }));
    const balancers: HaproxyNode[] = [];
    for (const i of [1 - masterIndex, masterIndex]) {
        const dependsOn = i === masterIndex ? [balancers[1 - masterIndex]] : webs;
        // In the args, not the options: the node's packages must not wait for the component's registration.
        balancers[i] = new HaproxyNode(cfg.balancers[i].name, { ...haproxyArgs(cfg.balancers[i], servers), dependsOn });
    }
    const pair = new KeepalivedPair(PAIR_NAME, pairArgs(balancers));
    const urlOf = (address: string) => `http://${address.includes(":") ? `[${address}]` : address}:${cfg.port}/`;
    return { webs, balancers, pair, vip: pair.vip, url: pair.vip.apply(urlOf), vips: pair.vips, urls: pair.vips.apply((v) => v.map(urlOf)) };
}

/**
 * The stack program fails closed on host keys: every host (web server and balancer) needs a key
 * in `haproxy-ha:ssh.hostKeys`, or the stack says `ssh.insecureSkipHostKeyCheck: true`. Without
 * a check, any machine answering at an address would get the TLS keys and the VRRP and stats
 * passwords. Called before any component exists, so nothing has touched a host.
 */
export function requirePinnedHostKeys(cfg: TopologyConfig, stack = "<stack>"): void {
    if (cfg.ssh.insecureSkipHostKeyCheck) return;
    const hosts = [...cfg.webs, ...cfg.balancers].filter((h) => cfg.ssh.hostKeys?.[h.host] === undefined);
    if (hosts.length === 0) return;
    throw new ArgumentError(
        "stack config",
        stackKeyPath(["ssh", "hostKeys"]),
        `has no key for ${hosts.map((h) => `${h.host} (${h.name})`).join(", ")}: host keys are checked by default. ` +
            `Run \`npm run host-keys -- ${stack}\` once to read each host's key, compare the fingerprints it prints with the hosts' own ` +
            `(\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on each), and pin them; or set ` +
            `\`pulumi config set --path ${stackKeyPath(["ssh", "insecureSkipHostKeyCheck"])} true\` to connect without checking`,
        hosts.map((h) => h.host),
    );
}

/**
 * Runs a KeepalivedPair check, reporting what it refuses under the stack key the user typed
 * (`instances[1].vrrpVersion` → `haproxy-ha:instances[1].vrrpVersion`).
 */
function inStackTerms<T>(check: () => T): T {
    try {
        return check();
    } catch (e) {
        if (!(e instanceof ArgumentError)) throw e;
        const node = /^nodes\[(\d)\]\.(address|name)$/.exec(e.field);
        const field = e.field.startsWith("instances") ? stackKeyPath([e.field]) : node ? stackKeyPath(["balancers", Number(node[1]), node[2] === "address" ? "host" : "name"]) : undefined;
        if (field === undefined) throw e;
        throw new ArgumentError("stack config", field, e.rule, e.value);
    }
}

/** With frontends and instances, every VIP must be bound by some frontend (or a bind on `*`): a VIP nothing answers on is a mistake. */
function checkVipsBound(collections: NonNullable<TopologyConfig["collections"]>, instances: NonNullable<TopologyConfig["instances"]>): void {
    const bound = collections.frontends.flatMap((f) => f.binds.map((b) => b.address ?? "*"));
    if (bound.includes("*")) return;
    instances.forEach((inst, i) =>
        (inst.vips as string[]).forEach((vip, j) => {
            const address = vip.split("/")[0];
            if (!bound.includes(address)) {
                throw new ArgumentError("stack config", stackKeyPath(["instances", i, "vips", j]), `is bound by no frontend: add a bind with \`address: ${address}\` to \`haproxy-ha:frontends\` (both balancers answer on every VIP)`, vip);
            }
        }),
    );
}

/** A web's state for its server entry; ready is left out (the default), so nothing else changes. */
function stateOf(w: TopologyConfig["webs"][number]): { state?: string } {
    return w.state === undefined || w.state === "ready" ? {} : { state: w.state };
}

/** The KeepalivedPair's resource name in the stack. */
export const PAIR_NAME = "vip";
