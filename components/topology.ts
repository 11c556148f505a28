/**
 * The whole two-tier topology from stack config: web servers, two HaproxyNodes, one
 * KeepalivedPair. `parseTopologyConfig` is pure (every error names the config key and value);
 * `buildTopology` wires the components, changing the BACKUP balancer before the MASTER.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs } from "./common";
import { checkHaproxyNodeArgs, HaproxyNode, HaproxyNodeArgs, HaproxyServerArgs } from "./haproxyNode";
import { checkKeepalivedPairArgs, KeepalivedPair, KeepalivedPairArgs } from "./keepalivedPair";
import { OS_CHOICES, OsChoice } from "./os";
import { BALANCE_ALGORITHMS, BalanceAlgorithm } from "./render/haproxy";
import { ArgumentError, checkCidr, checkInteger, checkInterface, checkIp, checkName, checkOneOf, checkPort, checkPositive, checkScriptTiming, checkUniqueNames } from "./validate";
import { FrontendsConfig, parseFrontendsConfig, parseLoggingConfig, parseRuntimeApiConfig, parseStatsConfig, StatsConfig } from "./frontendsConfig";
import { checkWebBackendArgs, WebBackend, WebBackendArgs } from "./webBackend";

export interface SshConfig {
    user: string;
    port: number;
    /** Path of a private key file on the machine running Pulumi. */
    privateKeyPath?: string;
    /** The private key itself (keep it a secret config value). */
    privateKey?: string;
    /** authorized_keys-style host keys by host address; unset: host keys are not checked. */
    hostKeys?: Record<string, string>;
    /** Seconds per dial attempt and attempts before giving up on a host. */
    perDialTimeout: number;
    dialErrorLimit: number;
}

export interface TopologyConfig {
    os: OsChoice;
    ssh: SshConfig;
    webs: { name: string; host: string; port: number; content?: string }[];
    balancers: { name: string; host: string; priority?: number }[];
    vip: string;
    interface: string;
    virtualRouterId: number;
    port: number;
    balance: BalanceAlgorithm;
    stats: boolean | StatsConfig;
    /** Named frontends, backends and certificates (components/frontendsConfig.ts); unset: the shorthand keys. */
    collections?: FrontendsConfig;
    logging?: string;
    runtimeApi: boolean;
    unicast: boolean;
    nopreempt: boolean;
    advertInt: number;
    vrrpVersion: 2 | 3;
    become: boolean;
    centos7Vault: boolean;
    /** Raw haproxy directives appended to the backend section (escape hatch). */
    extraBackend: string[];
    /** Split-brain guard: an address both balancers must reach to hold the VIP. */
    gatewayCheck?: string;
    /** keepalived's haproxy check: seconds between checks and failures before FAULT. */
    haproxyCheck: { intervalS: number; fall: number; rise: number };
}

const WHERE = "stack config";
const KEY = (k: string) => `haproxy-ha:${k}`;

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bool(key: string, v: unknown, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== "boolean") throw new ArgumentError(WHERE, KEY(key), "must be true or false", v);
    return v;
}

/** Reads the `haproxy-ha:*` keys (already parsed from YAML/JSON) into a checked topology. */
export function parseTopologyConfig(raw: Record<string, unknown>): TopologyConfig {
    const os = checkOneOf(WHERE, KEY("os"), raw.os ?? "auto", OS_CHOICES);
    const ssh = raw.ssh ?? {};
    if (!isObject(ssh)) throw new ArgumentError(WHERE, KEY("ssh"), "must be an object with `user` and `privateKeyPath` or `privateKey`", ssh);
    if (ssh.privateKeyPath === undefined && ssh.privateKey === undefined) {
        throw new ArgumentError(WHERE, KEY("ssh"), "needs `privateKeyPath` or a secret `privateKey`", Object.keys(ssh));
    }
    if (ssh.privateKeyPath !== undefined && (typeof ssh.privateKeyPath !== "string" || ssh.privateKeyPath === "")) {
        throw new ArgumentError(WHERE, KEY("ssh.privateKeyPath"), "must be a file path", ssh.privateKeyPath);
    }
    if (ssh.hostKeys !== undefined && !isObject(ssh.hostKeys)) {
        throw new ArgumentError(WHERE, KEY("ssh.hostKeys"), "must map host addresses to host keys", ssh.hostKeys);
    }
    const sshConfig: SshConfig = {
        user: checkName(WHERE, KEY("ssh.user"), ssh.user ?? "root"),
        port: checkPort(WHERE, KEY("ssh.port"), ssh.port ?? 22),
        privateKeyPath: ssh.privateKeyPath as string | undefined,
        privateKey: ssh.privateKey === undefined ? undefined : String(ssh.privateKey),
        hostKeys: ssh.hostKeys as Record<string, string> | undefined,
        perDialTimeout: checkInteger(WHERE, KEY("ssh.perDialTimeout"), ssh.perDialTimeout ?? 5, 1, 600),
        dialErrorLimit: checkInteger(WHERE, KEY("ssh.dialErrorLimit"), ssh.dialErrorLimit ?? 3, 1, 100),
    };

    const list = (key: string, min: number, max: number): Record<string, unknown>[] => {
        const v = raw[key];
        if (!Array.isArray(v) || v.length < min || v.length > max) {
            const count = min === max ? `exactly ${min}` : `${min} to ${max}`;
            throw new ArgumentError(WHERE, KEY(key), `must be a list of ${count} entries`, v);
        }
        v.forEach((e, i) => {
            if (!isObject(e)) throw new ArgumentError(WHERE, `${KEY(key)}[${i}]`, "must be an object with `name` and `host`", e);
        });
        return v as Record<string, unknown>[];
    };
    const webs = list("webs", 1, 64).map((w, i) => ({
        name: checkName(WHERE, `${KEY("webs")}[${i}].name`, w.name),
        host: checkIp(WHERE, `${KEY("webs")}[${i}].host`, w.host),
        port: checkPort(WHERE, `${KEY("webs")}[${i}].port`, w.port ?? 80),
        content: w.content === undefined ? undefined : String(w.content),
    }));
    checkUniqueNames(WHERE, KEY("webs"), webs.map((w) => w.name));
    const balancers = list("balancers", 2, 2).map((b, i) => ({
        name: checkName(WHERE, `${KEY("balancers")}[${i}].name`, b.name),
        host: checkIp(WHERE, `${KEY("balancers")}[${i}].host`, b.host),
        priority: b.priority === undefined ? undefined : checkInteger(WHERE, `${KEY("balancers")}[${i}].priority`, b.priority, 1, 254),
    }));
    checkUniqueNames(WHERE, KEY("balancers"), balancers.map((b) => b.name));
    const webNames = new Set(webs.map((w) => w.name));
    balancers.forEach((b, i) => {
        if (webNames.has(b.name)) throw new ArgumentError(WHERE, `${KEY("balancers")}[${i}].name`, "must differ from every web server's name", b.name);
    });
    checkCidr(WHERE, KEY("vip"), raw.vip);
    const extraBackend = raw.extraBackend ?? [];
    const hc = raw.haproxyCheck ?? {};
    if (!isObject(hc)) throw new ArgumentError(WHERE, KEY("haproxyCheck"), "must be an object with `intervalS`, `fall`, `rise`", hc);
    if (!Array.isArray(extraBackend)) throw new ArgumentError(WHERE, KEY("extraBackend"), "must be a list of lines", extraBackend);

    return {
        os,
        ssh: sshConfig,
        webs,
        balancers,
        vip: raw.vip as string,
        interface: checkInterface(WHERE, KEY("interface"), raw.interface ?? "eth0"),
        virtualRouterId: checkInteger(WHERE, KEY("virtualRouterId"), raw.virtualRouterId ?? 51, 1, 255),
        port: checkPort(WHERE, KEY("port"), raw.port ?? 80),
        balance: checkOneOf(WHERE, KEY("balance"), raw.balance ?? "roundrobin", BALANCE_ALGORITHMS),
        stats: parseStatsConfig(raw, os),
        collections: parseFrontendsConfig(raw, os),
        logging: parseLoggingConfig(raw),
        runtimeApi: parseRuntimeApiConfig(raw),
        unicast: bool("unicast", raw.unicast, false),
        nopreempt: bool("nopreempt", raw.nopreempt, false),
        advertInt: checkPositive(WHERE, KEY("advertInt"), raw.advertInt ?? 1),
        vrrpVersion: checkInteger(WHERE, KEY("vrrpVersion"), raw.vrrpVersion ?? 2, 2, 3) as 2 | 3,
        become: bool("become", raw.become, false),
        centos7Vault: bool("centos7Vault", raw.centos7Vault, false),
        extraBackend: extraBackend as string[],
        gatewayCheck: raw.gatewayCheck === undefined ? undefined : checkIp(WHERE, KEY("gatewayCheck"), raw.gatewayCheck),
        haproxyCheck: checkScriptTiming(WHERE, KEY("haproxyCheck"), hc, 2),
    };
}

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
    const host = { os: cfg.os, become: cfg.become, centos7Vault: cfg.centos7Vault };
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
        balancers[i] = new HaproxyNode(cfg.balancers[i].name, haproxyArgs(cfg.balancers[i], servers), { dependsOn });
    }
    const pair = new KeepalivedPair(PAIR_NAME, pairArgs(balancers));
    return { webs, balancers, pair, vip: pair.vip, url: pulumi.interpolate`http://${pair.vip}:${cfg.port}/` };
}

/** The KeepalivedPair's resource name in the stack. */
export const PAIR_NAME = "vip";
