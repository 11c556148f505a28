import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { certificateWarnings, checkCertificatePem } from "./certificates";
import { checkConnection, warnUnpinnedHostKey, checkDependencies, ConnectionArgs, HostArgs, RenderedView, resolveInstallDependsOn, resolveOs, resolveReapply, resolveStepTimeout } from "./common";
import { DEFAULTS } from "./defaults";
import {
    checkHaproxyCollections,
    checkHealthCheck,
    checkServers,
    CheckedBackend,
    CheckedFrontend,
    HaproxyBackendArgs,
    HaproxyCertificateArgs,
    HaproxyFrontendArgs,
    HaproxyHealthCheckArgs,
    HaproxyServerArgs,
    requireHaproxy,
    tlsHosts,
} from "./haproxyModel";
import { oldestHaproxy } from "./os";
import { BALANCE_ALGORITHMS, CERT_DIR, HaproxyConfigSpec, renderHaproxyConfig } from "./render/haproxy";
import { createSteps, RenderedFile, RenderedScript, renderedScripts } from "./remoteSteps";
import { HAPROXY_BUNDLE, HAPROXY_CONFIG_PATH, haproxyBundle, haproxyLogging, haproxySteps } from "./script/haproxySteps";
import { ManagedServer } from "./script/serverStates";
import { ArgumentError, checkBoolean, checkCidr, checkConfigWord, checkHttpPath, checkInteger, checkIp, checkName, checkOneOf, checkPort, checkRawLines, checkUniqueNames, checkWhenKnown, isIp } from "./validate";

export type { HaproxyServerArgs } from "./haproxyModel";

/** The stats page. `{}` turns it on with the defaults. */
export interface HaproxyStatsArgs {
    /** Default 8404. */
    port?: number;
    /** Default `/haproxy-stats`. */
    uri?: string;
    /** Default `admin`. */
    user?: string;
    /** Default: a generated 20-character secret (a RandomPassword). */
    password?: pulumi.Input<string>;
    /**
     * CIDRs (IPv4 or IPv6) that may reach the stats page and `/metrics`: haproxy itself answers
     * every other source 403 (`http-request deny`, whether or not a host firewall runs), and an
     * active firewalld/ufw opens the port to these only. Default: none — only the node itself
     * (its own address) reaches the page. Open to everyone only by saying so:
     * `["0.0.0.0/0", "::/0"]`.
     */
    adminSources?: string[];
    /**
     * Prometheus metrics at `/metrics` on the stats port, behind `adminSources` and the stats
     * credentials (HTTP basic auth). Needs haproxy ≥ 2.0 (refused on centos7, el8 and auto). Default false.
     */
    prometheus?: boolean;
}

export interface HaproxyLoggingArgs {
    /**
     * `rsyslog`: logs arrive in /var/log/haproxy.log on every family (rsyslog installed when
     * missing; EL: `log 127.0.0.1 local2` and an rsyslog drop-in; Debian/Ubuntu: the package's
     * chroot socket rule). `devlog`: `log /dev/log local0` as the shorthand args render it,
     * nothing installed (on the EL families nothing receives it). Default: `rsyslog` with
     * `frontends`/`backends`, `devlog` with the shorthand args (their rendering stays as it was).
     */
    target?: string;
}

/** Timeouts of the defaults section, in milliseconds. */
export interface HaproxyTimeoutsArgs {
    /** Default 5000. */
    connectMs?: number;
    /** Default 50000. */
    clientMs?: number;
    /** Default 50000. */
    serverMs?: number;
}

/** Raw directives appended per section (the escape hatch); validated by `haproxy -c` on the host. */
export interface HaproxyExtraConfigArgs {
    global?: string[];
    defaults?: string[];
    /** The shorthand's frontend (with `frontends`, each entry's `extraConfig`). */
    frontend?: string[];
    /** The shorthand's backend (with `backends`, each entry's `extraConfig`). */
    backend?: string[];
}

export interface HaproxyNodeArgs extends HostArgs {
    /** How to reach the host over SSH (the shape of the command provider's remote ConnectionArgs). */
    connection: pulumi.Input<ConnectionArgs>;
    /**
     * This node's steps wait for these, as with `opts.dependsOn`, but the component registers at
     * once (Pulumi creates a component's children only after its own `dependsOn` are done), so
     * with `installBeforeDependsOn` its packages install meanwhile. Default: none. Typed `any`
     * because a schema cannot type a reference to this package's own components; through the
     * package (YAML…) a resource arrives as its URN, which is accepted too.
     */
    dependsOn?: any;
    /** Shorthand: the one backend's servers, in order. Required unless `frontends`/`backends` are given. */
    servers?: HaproxyServerArgs[];
    /** Named frontends (with `backends`): instead of the shorthand `bindAddress`/`port`/`frontendName`. */
    frontends?: HaproxyFrontendArgs[];
    /** Named backends (with `frontends`): instead of the shorthand `servers`/`backendName`/`balance`/`healthCheck`. */
    backends?: HaproxyBackendArgs[];
    /** Certificates the frontends' TLS binds name: each lands as /etc/haproxy/certs/<name>.pem (0600 root). */
    certificates?: HaproxyCertificateArgs[];
    /** Where haproxy's log goes. Default `{ target: "devlog" }`. */
    logging?: HaproxyLoggingArgs;
    /** The runtime API socket /run/haproxy/admin.sock (mode 600, level admin; `expose-fd listeners` on haproxy ≥ 1.8). Default false. */
    runtimeApi?: boolean;
    /** The node's own address: the stats page binds it. Default: `connection.host` (which must then be an IP address when stats are on). */
    address?: pulumi.Input<string>;
    /** `http` (default) or `tcp`. */
    mode?: string;
    /** Address the frontend binds: the VIP (an Output is fine, e.g. a cloud VM's private IP), or `*` (default) for all addresses. */
    bindAddress?: pulumi.Input<string>;
    /** Shorthand: several addresses the frontend binds, one `bind` line each (every VIP of an active-active pair). Instead of `bindAddress`. */
    bindAddresses?: pulumi.Input<string>[];
    /** Frontend port. Default 80. Plain: it decides which firewall ports the steps open. */
    port?: number;
    /** Frontend name. Default `www`. */
    frontendName?: string;
    /** Backend name. Default `web`. */
    backendName?: string;
    /** Load-balancing algorithm: roundrobin (default), static-rr, leastconn, first, source, uri. */
    balance?: string;
    /** Health checks: path (http mode, default `/`), interMs (2000), rise (2), fall (3). */
    healthCheck?: HaproxyHealthCheckArgs;
    /** Timeouts in ms: connect (5000), client (50000), server (50000). */
    timeouts?: HaproxyTimeoutsArgs;
    /** global maxconn. Default 4000. */
    maxconn?: number;
    /** The stats page: `{}` for the defaults (`true` in earlier versions, still accepted from JavaScript). Default off. */
    stats?: HaproxyStatsArgs;
    /** Raw directives appended per section (the escape hatch); validated by `haproxy -c` on the host. */
    extraConfig?: HaproxyExtraConfigArgs;
    /**
     * Set net.ipv4.ip_nonlocal_bind=1 so the frontend can bind an address the node does not hold
     * (the VIP on the BACKUP), and net.ipv6.ip_nonlocal_bind=1 as well when a bind address known at
     * construction is IPv6. Default: on when a bind address is set and not `*`. Plain: it decides
     * whether the sysctl steps exist.
     */
    nonlocalBind?: boolean;
    /** Node name in the rendered files. Default: the resource name. */
    nodeName?: string;
}

const SHORTHAND_ONLY = ["servers", "bindAddress", "bindAddresses", "port", "frontendName", "backendName", "balance", "healthCheck"] as const;

/** Every check of HaproxyNodeArgs, with defaults applied: runs before anything is registered. */
export function checkHaproxyNodeArgs(name: string, args: HaproxyNodeArgs) {
    const where = `HaproxyNode "${name}"`;
    checkConnection(where, "connection", args.connection);
    const os = resolveOs(where, args.os);
    const reapply = resolveReapply(where, args.reapply);
    const stepTimeoutS = resolveStepTimeout(where, args.stepTimeoutS);
    const installDependsOn = resolveInstallDependsOn(where, args.installBeforeDependsOn);
    const nodeName = checkName(where, "nodeName", args.nodeName ?? name);
    const mode = checkOneOf(where, "mode", args.mode ?? DEFAULTS.haproxyNode.mode, ["http", "tcp"] as const);
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

    let frontends: CheckedFrontend[];
    let backends: CheckedBackend[];
    let certificates: { name: string; pem: pulumi.Input<string> }[] = [];
    let shorthand = false;
    if (args.frontends !== undefined || args.backends !== undefined) {
        if (args.frontends === undefined || args.backends === undefined) {
            throw new ArgumentError(where, args.frontends === undefined ? "frontends" : "backends", "must be set together with `frontends` and `backends`", undefined);
        }
        for (const k of SHORTHAND_ONLY) {
            if (args[k] !== undefined) throw new ArgumentError(where, k, "is shorthand for one frontend and backend: set it in `frontends`/`backends` instead", args[k]);
        }
        for (const k of ["frontend", "backend"] as const) {
            if (args.extraConfig?.[k] !== undefined) throw new ArgumentError(where, `extraConfig.${k}`, `must move into each entry's \`extraConfig\` with \`${k}s\``, args.extraConfig[k]);
        }
        ({ frontends, backends, certificates } = checkHaproxyCollections(where, args, { os, defaultMode: mode }));
    } else {
        if (args.certificates !== undefined) throw new ArgumentError(where, "certificates", "need `frontends` whose binds name them", args.certificates.map((c) => c?.name));
        shorthand = true;
        const port = checkPort(where, "port", args.port ?? DEFAULTS.haproxyNode.port);
        const frontendName = checkName(where, "frontendName", args.frontendName ?? DEFAULTS.haproxyNode.frontendName);
        const backendName = checkName(where, "backendName", args.backendName ?? DEFAULTS.haproxyNode.backendName);
        if (args.bindAddresses !== undefined) {
            if (args.bindAddress !== undefined) throw new ArgumentError(where, "bindAddresses", "replaces `bindAddress`: set one of them", args.bindAddresses);
            if (!Array.isArray(args.bindAddresses) || args.bindAddresses.length === 0) throw new ArgumentError(where, "bindAddresses", "must list at least one address", args.bindAddresses);
        }
        const bindAddresses = (args.bindAddresses ?? [args.bindAddress ?? DEFAULTS.haproxyNode.bindAddress]).map((address, i) =>
            checkWhenKnown(address, (a) => {
                const field = args.bindAddresses === undefined ? "bindAddress" : `bindAddresses[${i}]`;
                if (a !== "*" || args.bindAddresses !== undefined) checkIp(where, field, a);
            }),
        );
        frontends = [
            {
                name: frontendName,
                mode,
                binds: bindAddresses.map((address) => ({ address, port })),
                routes: [],
                defaultBackend: backendName,
                redirectToHttps: false,
                forwardFor: false,
                timeouts: {},
                requestHeaders: [],
                responseHeaders: [],
                extra: extra.frontend,
            },
        ];
        backends = [
            {
                name: backendName,
                mode,
                balance: checkOneOf(where, "balance", args.balance ?? DEFAULTS.haproxyNode.balance, BALANCE_ALGORITHMS),
                healthCheck: checkHealthCheck(where, "healthCheck", args.healthCheck),
                servers: checkServers(where, "servers", args.servers),
                timeouts: {},
                extra: extra.backend,
            },
        ];
    }
    const ports = [...new Set(frontends.flatMap((f) => f.binds.map((b) => b.port)))];
    const nonlocalBind = args.nonlocalBind ?? frontends.some((f) => f.binds.some((b) => b.address !== "*"));
    // Known IPv6 bind addresses only: the step list is fixed at construction.
    const nonlocalBind6 = nonlocalBind && frontends.some((f) => f.binds.some((b) => typeof b.address === "string" && b.address.includes(":")));

    const loggingTarget = checkOneOf(where, "logging.target", args.logging?.target ?? (shorthand ? "devlog" : "rsyslog"), ["devlog", "rsyslog"] as const);
    const runtimeApi = args.runtimeApi ?? false;
    checkBoolean(where, "runtimeApi", runtimeApi);
    if (!runtimeApi) {
        // A state is applied through the socket: turning the socket on implicitly would reload on every drain and every return to ready.
        backends.forEach((b, i) =>
            b.servers.forEach((s, j) => {
                if (s.state !== "ready") {
                    const field = shorthand ? `servers[${j}].state` : `backends[${i}].servers[${j}].state`;
                    throw new ArgumentError(where, field, "needs `runtimeApi: true` (the state is applied through haproxy's runtime API socket, without a reload; turning it on once takes one reload)", s.state);
                }
            }),
        );
    }
    const address = args.address === undefined ? undefined : checkWhenKnown(args.address, (a) => checkIp(where, "address", a));

    const rawStats: unknown = args.stats;
    const statsArgs = rawStats === true ? {} : args.stats || undefined;
    let stats: { port: number; uri: string; user: string; password?: pulumi.Input<string>; adminSources: string[]; prometheus: boolean; bindAddress: pulumi.Input<string> } | undefined;
    if (statsArgs) {
        const statsPort = checkPort(where, "stats.port", statsArgs.port ?? DEFAULTS.haproxyNode.statsPage.port);
        if (ports.includes(statsPort)) throw new ArgumentError(where, "stats.port", shorthand ? "must differ from `port`" : "must differ from every frontend bind's port", statsPort);
        // Open to nobody but the node itself until told (API.md principle 7), shorthand or not.
        if (statsArgs.adminSources !== undefined && !Array.isArray(statsArgs.adminSources)) throw new ArgumentError(where, "stats.adminSources", "must be a list of CIDRs", statsArgs.adminSources);
        const adminSources = (statsArgs.adminSources ?? []).map((c, i) => {
            checkCidr(where, `stats.adminSources[${i}]`, c);
            return c;
        });
        const prometheus = statsArgs.prometheus ?? false;
        if (prometheus) requireHaproxy(where, "stats.prometheus", os, "2.0", "the Prometheus exporter (/metrics)", true);
        stats = {
            port: statsPort,
            uri: checkHttpPath(where, "stats.uri", statsArgs.uri ?? DEFAULTS.haproxyNode.statsPage.uri),
            user: checkConfigWord(where, "stats.user", statsArgs.user ?? DEFAULTS.haproxyNode.statsPage.user, 64),
            password: statsArgs.password,
            adminSources,
            prometheus,
            bindAddress: address ?? statsBindFromConnection(where, args.connection),
        };
    }
    // The stats port is never opened to everyone by a port rule: only to `adminSources`, when there are any.
    const restrictedPort = stats && stats.adminSources.length ? { port: stats.port, sources: stats.adminSources } : undefined;
    return {
        where,
        os,
        reapply,
        stepTimeoutS,
        installDependsOn,
        nodeName,
        mode,
        timeouts,
        maxconn,
        extra,
        frontends,
        backends,
        certificates,
        shorthand,
        nonlocalBind,
        nonlocalBind6,
        ports,
        restrictedPort,
        stats,
        rsyslog: loggingTarget === "rsyslog",
        runtimeApi,
        address,
        haproxyVersion: oldestHaproxy(os).version,
    };
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
        warnUnpinnedHostKey(this, args.connection);
        const { where, os, mode, timeouts, maxconn, extra, frontends, backends, certificates, shorthand, nonlocalBind, nonlocalBind6, ports, restrictedPort } = checked;
        this.nodeName = checked.nodeName;
        let stats: pulumi.Output<HaproxyConfigSpec["stats"]> = pulumi.output(undefined);
        if (checked.stats) {
            const { port: statsPort, uri, user, prometheus, adminSources } = checked.stats;
            const password =
                checked.stats.password ??
                new random.RandomPassword(`${name}-stats-password`, { length: DEFAULTS.haproxyNode.statsPage.generatedPasswordLength, special: false }, { parent: this }).result;
            this.statsPassword = pulumi.secret(password);
            stats = pulumi.secret(
                pulumi.all([password, checked.stats.bindAddress]).apply(([p, bindAddress]) => ({
                    bindAddress,
                    port: statsPort,
                    uri,
                    user,
                    password: checkConfigWord(where, "stats.password", p, 64),
                    adminSources,
                    ...(prometheus ? { prometheus } : {}),
                })),
            );
        }
        const log = checked.rsyslog ? haproxyLogging(os).target : undefined;

        // Every Input the config needs, resolved together: bind addresses, server names and addresses.
        const bindAddresses = pulumi.all(frontends.map((f) => pulumi.all(f.binds.map((b) => b.address))));
        const serverAddresses = pulumi.all(backends.map((b) => pulumi.all(b.servers.map((s) => s.address))));
        const serverNames = pulumi.all(backends.map((b) => pulumi.all(b.servers.map((s) => s.name))));
        this.configText = pulumi.all([bindAddresses, serverAddresses, serverNames, stats]).apply(([binds, servers, names, statsSpec]) => {
            // Names that were Outputs at construction are unique only now that they are known.
            names.forEach((n, i) => checkUniqueNames(where, shorthand ? "servers" : `backends[${i}].servers`, n));
            const resolvedFrontends = frontends.map((f, i) => ({ ...f, binds: f.binds.map((b, j) => ({ ...b, address: binds[i][j] })) }));
            const resolvedBackends = backends.map((b, i) => ({ ...b, servers: b.servers.map((s, j) => ({ ...s, name: names[i][j], address: servers[i][j] })) }));
            const common = { nodeName: this.nodeName, haproxyVersion: checked.haproxyVersion, mode, timeouts, maxconn, stats: statsSpec, log, runtimeApi: checked.runtimeApi || undefined };
            if (shorthand) {
                const f = resolvedFrontends[0];
                const b = resolvedBackends[0];
                return renderHaproxyConfig({
                    ...common,
                    frontend: { name: f.name, bindAddress: f.binds[0].address, port: f.binds[0].port, ...(f.binds.length > 1 ? { moreBindAddresses: f.binds.slice(1).map((b) => b.address) } : {}) },
                    backend: { name: b.name, balance: b.balance, servers: b.servers },
                    healthCheck: b.healthCheck,
                    extra,
                });
            }
            return renderHaproxyConfig({ ...common, frontends: resolvedFrontends, backends: resolvedBackends, extra: { global: extra.global, defaults: extra.defaults } });
        });

        const hosts = tlsHosts(frontends);
        const pems = pulumi.all(certificates.map((c, i) => pulumi.output(c.pem).apply((p) => checkCertificatePem(where, `certificates[${i}].pem`, p)))).apply((texts) => {
            // Before any step runs (they all wait for the PEMs): soon expiring, or not covering a routed Host.
            const inUse = certificates.map((c, i) => ({ name: c.name, field: `certificates[${i}].pem`, pem: texts[i] }));
            for (const w of certificateWarnings(inUse, hosts)) void pulumi.log.warn(`${where}: ${w}`, this);
            return texts;
        });
        const stdin: Record<string, pulumi.Input<string>> = { [HAPROXY_CONFIG_PATH]: this.configText };
        if (certificates.length) {
            stdin[HAPROXY_BUNDLE] = pulumi.secret(
                pulumi.all([this.configText, pems]).apply(([config, texts]) => haproxyBundle(config, certificates.map((c, i) => ({ name: c.name, pem: texts[i] })))),
            );
        }

        const steps = haproxySteps({
            os,
            ports,
            restrictedPort,
            nonlocalBind,
            nonlocalBind6,
            archiveRepos: args.centos7Vault ?? DEFAULTS.host.centos7Vault,
            certificates: certificates.length > 0,
            rsyslog: checked.rsyslog,
            runtimeApi: checked.runtimeApi,
            serverStates: checked.runtimeApi ? managedServerStates(where, shorthand, backends) : undefined,
        });
        // With certificates, every step waits until each PEM is known and checked: a bad one touches no host.
        const connection = certificates.length ? pulumi.all([args.connection, pems]).apply(([c]) => c) : args.connection;
        createSteps({ parent: this, prefix: name, connection, become: args.become ?? DEFAULTS.host.become, reapply: checked.reapply, stepTimeoutS: checked.stepTimeoutS, stdin, dependsOn: [opts?.dependsOn, checkDependencies(where, "dependsOn", args.dependsOn)], installDependsOn: checked.installDependsOn }, steps);
        const certFiles: RenderedFile[] = certificates.map((c) => ({
            node: this.nodeName,
            path: `${CERT_DIR}/${c.name}.pem`,
            mode: "0600",
            owner: "root",
            group: "root",
            content: "# certificate chain and private key (secret): not rendered\n",
        }));
        this.files = this.configText.apply((content) => [
            { node: this.nodeName, path: HAPROXY_CONFIG_PATH, mode: "0640", owner: "root", group: "haproxy", content },
            ...certFiles,
        ]);
        this.scripts = renderedScripts(this.nodeName, "haproxy", steps);
        this.registerOutputs({ nodeName: this.nodeName, statsPassword: this.statsPassword });
    }
}

/**
 * Without `address`, the stats page binds the host the node is reached at, which must be an IP
 * address (a name could resolve to several, the VIP included): checked now when known, else once resolved.
 */
function statsBindFromConnection(where: string, connection: pulumi.Input<ConnectionArgs>): pulumi.Input<string> {
    const check = (host: unknown): string => {
        if (typeof host !== "string" || !isIp(host)) {
            throw new ArgumentError(where, "address", "must be set when `stats` is on and `connection.host` is no IP address (the stats page binds the node's own address)", host);
        }
        return host;
    };
    const known = typeof connection === "object" && connection !== null && !pulumi.Output.isInstance(connection) && !(connection instanceof Promise);
    const host = known ? (connection as ConnectionArgs).host : undefined;
    if (known && typeof host === "string") return check(host);
    return pulumi.output(connection).apply((c) => check(c.host));
}

/**
 * The servers whose state the runtime API sets. The step's script is fixed at construction, so a
 * server named by an Output (known only later) can take part only while it is `ready`: draining
 * it needs a plain name.
 */
function managedServerStates(where: string, shorthand: boolean, backends: CheckedBackend[]): ManagedServer[] {
    return backends.flatMap((b, i) =>
        b.servers.flatMap((s, j) => {
            if (typeof s.name === "string") return [{ backend: b.name, server: s.name, state: s.state, weight: s.weight }];
            if (s.state !== "ready") {
                const field = shorthand ? `servers[${j}]` : `backends[${i}].servers[${j}]`;
                throw new ArgumentError(where, `${field}.state`, "needs a plain `name` (not an output of another resource) to be applied through the runtime API", s.state);
            }
            return [];
        }),
    );
}
