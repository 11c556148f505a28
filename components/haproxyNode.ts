import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "./defaults";
import * as random from "@pulumi/random";
import { checkConnection, ConnectionArgs, HostArgs, RenderedView, resolveOs, resolveReapply } from "./common";
import { BALANCE_ALGORITHMS, BalanceAlgorithm, HaproxyConfigSpec, renderHaproxyConfig } from "./render/haproxy";
import { createSteps, RenderedFile, RenderedScript, renderedScripts } from "./remoteSteps";
import { HAPROXY_CONFIG_PATH, haproxySteps } from "./script/haproxySteps";
import {
    ArgumentError,
    checkConfigWord,
    checkHttpPath,
    checkInteger,
    checkIp,
    checkName,
    checkOneOf,
    checkPort,
    checkRawLines,
    checkUniqueNames,
    checkWhenKnown,
} from "./validate";

export interface HaproxyServerArgs {
    /** Server name in haproxy.cfg (letters, digits, `.`, `_`, `-`). */
    name: string;
    address: pulumi.Input<string>;
    /** Default 80. */
    port?: number;
    /** haproxy weight 0–256. Default: haproxy's (1). */
    weight?: number;
    /** Serve only when all non-backup servers are down. Default false. */
    backup?: boolean;
}

export interface HaproxyStatsArgs {
    /** Default 8404. */
    port?: number;
    /** Default `/haproxy-stats`. */
    uri?: string;
    /** Default `admin`. */
    user?: string;
    /** Default: a generated 20-character secret (@pulumi/random). */
    password?: pulumi.Input<string>;
}

export interface HaproxyNodeArgs extends HostArgs {
    connection: pulumi.Input<ConnectionArgs>;
    /** Backend servers, in order. */
    servers: HaproxyServerArgs[];
    /** `http` (default) or `tcp`. */
    mode?: "http" | "tcp";
    /** Address the frontend binds: the VIP (an Output is fine, e.g. a cloud VM's private IP), or `*` (default) for all addresses. */
    bindAddress?: pulumi.Input<string>;
    /** Frontend port. Default 80. Plain: it decides which firewall ports the steps open. */
    port?: number;
    /** Frontend name. Default `www`. */
    frontendName?: string;
    /** Backend name. Default `web`. */
    backendName?: string;
    /** Load-balancing algorithm. Default `roundrobin`. */
    balance?: BalanceAlgorithm;
    /** Health checks: path (http mode, default `/`), interMs (2000), rise (2), fall (3). */
    healthCheck?: { path?: string; interMs?: number; rise?: number; fall?: number };
    /** Timeouts in ms: connect (5000), client (50000), server (50000). */
    timeouts?: { connectMs?: number; clientMs?: number; serverMs?: number };
    /** global maxconn. Default 4000. */
    maxconn?: number;
    /** The stats page; `true` for the defaults. Default off. */
    stats?: boolean | HaproxyStatsArgs;
    /** Raw directives appended per section (the escape hatch); validated by `haproxy -c` on the host. */
    extraConfig?: { global?: string[]; defaults?: string[]; frontend?: string[]; backend?: string[] };
    /**
     * Set net.ipv4.ip_nonlocal_bind=1 so the frontend can bind an address the node does not hold
     * (the VIP on the BACKUP). Default: on when `bindAddress` is set and not `*`. Plain: it decides
     * whether the sysctl step exists.
     */
    nonlocalBind?: boolean;
    /** Node name in the rendered files. Default: the resource name. */
    nodeName?: string;
}

/** Every check of HaproxyNodeArgs, with defaults applied: runs before anything is registered. */
export function checkHaproxyNodeArgs(name: string, args: HaproxyNodeArgs) {
    const where = `HaproxyNode "${name}"`;
    checkConnection(where, "connection", args.connection);
    const os = resolveOs(where, args.os);
    const reapply = resolveReapply(where, args.reapply);
    const nodeName = checkName(where, "nodeName", args.nodeName ?? name);
    const mode = checkOneOf(where, "mode", args.mode ?? DEFAULTS.haproxyNode.mode, ["http", "tcp"] as const);
    const port = checkPort(where, "port", args.port ?? DEFAULTS.haproxyNode.port);
    const frontendName = checkName(where, "frontendName", args.frontendName ?? DEFAULTS.haproxyNode.frontendName);
    const backendName = checkName(where, "backendName", args.backendName ?? DEFAULTS.haproxyNode.backendName);
    const balance = checkOneOf(where, "balance", args.balance ?? DEFAULTS.haproxyNode.balance, BALANCE_ALGORITHMS);
    const hc = args.healthCheck ?? {};
    const healthCheck = {
        path: checkHttpPath(where, "healthCheck.path", hc.path ?? DEFAULTS.haproxyNode.healthCheck.path),
        interMs: checkInteger(where, "healthCheck.interMs", hc.interMs ?? DEFAULTS.haproxyNode.healthCheck.interMs, 100, 3_600_000),
        rise: checkInteger(where, "healthCheck.rise", hc.rise ?? DEFAULTS.haproxyNode.healthCheck.rise, 1, 100),
        fall: checkInteger(where, "healthCheck.fall", hc.fall ?? DEFAULTS.haproxyNode.healthCheck.fall, 1, 100),
    };
    const t = args.timeouts ?? {};
    const timeouts = {
        connectMs: checkInteger(where, "timeouts.connectMs", t.connectMs ?? DEFAULTS.haproxyNode.timeouts.connectMs, 1, 86_400_000),
        clientMs: checkInteger(where, "timeouts.clientMs", t.clientMs ?? DEFAULTS.haproxyNode.timeouts.clientMs, 1, 86_400_000),
        serverMs: checkInteger(where, "timeouts.serverMs", t.serverMs ?? DEFAULTS.haproxyNode.timeouts.serverMs, 1, 86_400_000),
    };
    const maxconn = checkInteger(where, "maxconn", args.maxconn ?? DEFAULTS.haproxyNode.maxconn, 1, 1_000_000);
    const extra = {
        global: checkRawLines(where, "extraConfig.global", args.extraConfig?.global),
        defaults: checkRawLines(where, "extraConfig.defaults", args.extraConfig?.defaults),
        frontend: checkRawLines(where, "extraConfig.frontend", args.extraConfig?.frontend),
        backend: checkRawLines(where, "extraConfig.backend", args.extraConfig?.backend),
    };

    if (!Array.isArray(args.servers) || args.servers.length === 0) {
        throw new ArgumentError(where, "servers", "must list at least one backend server", args.servers);
    }
    const servers = args.servers.map((s, i) => ({
        name: checkName(where, `servers[${i}].name`, s.name),
        address: checkWhenKnown(s.address, (a) => checkIp(where, `servers[${i}].address`, a)),
        port: checkPort(where, `servers[${i}].port`, s.port ?? DEFAULTS.haproxyNode.server.port),
        weight: s.weight === undefined ? undefined : checkInteger(where, `servers[${i}].weight`, s.weight, 0, 256),
        backup: s.backup ?? DEFAULTS.haproxyNode.server.backup,
    }));
    checkUniqueNames(where, "servers", servers.map((s) => s.name));
    if (servers.every((s) => s.backup)) {
        throw new ArgumentError(where, "servers", "needs at least one server that is not a backup", args.servers.map((s) => s.name));
    }

    const bindAddress = checkWhenKnown(args.bindAddress ?? DEFAULTS.haproxyNode.bindAddress, (a) => {
        if (a !== "*") checkIp(where, "bindAddress", a);
    });
    const nonlocalBind = args.nonlocalBind ?? (args.bindAddress !== undefined && args.bindAddress !== "*");

    const statsArgs = args.stats === true ? {} : args.stats || undefined;
    const ports = [port];
    let stats: { port: number; uri: string; user: string; password?: pulumi.Input<string> } | undefined;
    if (statsArgs) {
        const statsPort = checkPort(where, "stats.port", statsArgs.port ?? DEFAULTS.haproxyNode.statsPage.port);
        if (statsPort === port) throw new ArgumentError(where, "stats.port", "must differ from `port`", statsPort);
        ports.push(statsPort);
        stats = {
            port: statsPort,
            uri: checkHttpPath(where, "stats.uri", statsArgs.uri ?? DEFAULTS.haproxyNode.statsPage.uri),
            user: checkConfigWord(where, "stats.user", statsArgs.user ?? DEFAULTS.haproxyNode.statsPage.user, 64),
            password: statsArgs.password,
        };
    }
    return { where, os, reapply, nodeName, mode, port, frontendName, backendName, balance, healthCheck, timeouts, maxconn, extra, servers, bindAddress, nonlocalBind, ports, stats };
}

/**
 * haproxy on one host: package, config validated on the host before it replaces the old one,
 * reload on change. Its steps wait for `opts.dependsOn`: `{ dependsOn: [backupNode] }` rolls a
 * change out to the BACKUP first, and a bad change stops there.
 */
export class HaproxyNode extends pulumi.ComponentResource implements RenderedView {
    readonly nodeName: string;
    readonly configText: pulumi.Output<string>;
    /** The stats password (secret), if stats are on. */
    readonly statsPassword?: pulumi.Output<string>;
    readonly files: pulumi.Output<RenderedFile[]>;
    readonly scripts: RenderedScript[];

    constructor(name: string, args: HaproxyNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        const checked = checkHaproxyNodeArgs(name, args);
        super("haproxy-ha:index:HaproxyNode", name, {}, opts);
        const { where, os, mode, port, frontendName, backendName, balance, healthCheck, timeouts, maxconn, extra, servers, bindAddress, nonlocalBind, ports } = checked;
        this.nodeName = checked.nodeName;
        let stats: pulumi.Output<HaproxyConfigSpec["stats"]> = pulumi.output(undefined);
        if (checked.stats) {
            const { port: statsPort, uri, user } = checked.stats;
            const password =
                checked.stats.password ??
                new random.RandomPassword(`${name}-stats-password`, { length: DEFAULTS.haproxyNode.statsPage.generatedPasswordLength, special: false }, { parent: this }).result;
            this.statsPassword = pulumi.secret(password);
            stats = pulumi.secret(
                pulumi.output(password).apply((p) => ({
                    bindAddress: "*",
                    port: statsPort,
                    uri,
                    user,
                    password: checkConfigWord(where, "stats.password", p, 64),
                })),
            );
        }

        this.configText = pulumi
            .all([bindAddress, pulumi.all(servers.map((s) => s.address)), stats])
            .apply(([bind, addresses, statsSpec]) =>
                renderHaproxyConfig({
                    nodeName: this.nodeName,
                    mode,
                    frontend: { name: frontendName, bindAddress: bind, port },
                    backend: { name: backendName, balance, servers: servers.map((s, i) => ({ ...s, address: addresses[i] })) },
                    healthCheck,
                    timeouts,
                    maxconn,
                    stats: statsSpec,
                    extra,
                }),
            );

        const steps = haproxySteps({ os, ports, nonlocalBind, archiveRepos: args.centos7Vault ?? DEFAULTS.host.centos7Vault });
        createSteps(
            {
                parent: this,
                prefix: name,
                connection: args.connection,
                become: args.become ?? DEFAULTS.host.become,
                    reapply: checked.reapply,
                stdin: { [HAPROXY_CONFIG_PATH]: this.configText },
                dependsOn: [opts?.dependsOn],
            },
            steps,
        );
        this.files = this.configText.apply((content) => [
            { node: this.nodeName, path: HAPROXY_CONFIG_PATH, mode: "0640", owner: "root", group: "haproxy", content },
        ]);
        this.scripts = renderedScripts(this.nodeName, "haproxy", steps);
        this.registerOutputs({ nodeName: this.nodeName, statsPassword: this.statsPassword });
    }
}
