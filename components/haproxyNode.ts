import * as pulumi from "@pulumi/pulumi";
import { withSources } from "./script/repositories";
import * as random from "@pulumi/random";
import { certificateWarnings } from "./certificates";
import { warnUnpinnedHostKey, checkDependencies, ConnectionArgs, HostArgs, RenderedView } from "./common";
import { DEFAULTS } from "./defaults";
import { BackendPlan, HaproxyBackendArgs, HaproxyCertificateArgs, HaproxyFrontendArgs, HaproxyHealthCheckArgs, HaproxyMapArgs, HaproxyPlan, HaproxyRawSectionArgs, HaproxyServerArgs, normalizeHaproxyNode } from "./model/haproxy";
import { pathText } from "./model/problems";
import { HaproxyAcmeArgs } from "./model/acme";
import { ACME_RESPONDER_BUNDLE, acmeResponderStep } from "./script/acmeSteps";
import { EDGE_SINCE, HaproxyPeersArgs, HaproxyUserlistArgs } from "./model/edge";
import { versionAtLeast } from "./os";
import { CERT_DIR } from "./model/vocabulary";
import { HaproxyConfigSpec, renderHaproxyConfig } from "./render/haproxy";
import * as command from "@pulumi/command";
import { createSteps, RenderedFile, RenderedScript, renderedScripts } from "./remoteSteps";
import { HAPROXY_BUNDLE, HAPROXY_CONFIG_PATH, haproxyBundle, haproxyLogging, haproxySteps } from "./script/haproxySteps";
import { ManagedServer } from "./script/serverStates";
import { parseHostFacts, pinnedVersions, renderVersions, rendersFromHost } from "./script/hostFacts";
import { mapPath, renderMapFile } from "./render/routing";
import { errorPageFile } from "./render/responses";
import { ERROR_DIR } from "./model/responses";
import { createHash } from "crypto";
import { checkConfigWord, checkUniqueNames } from "./validate";

export type { HaproxyServerArgs } from "./model/haproxy";

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
    /** Host → backend tables a frontend's `hostMap` names: each lands as /etc/haproxy/maps/<name>.map; a change of entries alone is applied through the runtime API without a reload (with `runtimeApi`). */
    maps?: HaproxyMapArgs[];
    /** Raw top-level sections (`userlist`, `resolvers`, `cache`, …), rendered after the backends and validated with the rest. */
    sections?: HaproxyRawSectionArgs[];
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
    /**
     * ACME: every HTTP-mode frontend with a plain-HTTP bind answers the account's HTTP-01
     * challenges (haproxy ≥ 2.2), and `certificates` named here load the account's placeholder
     * until their AcmeCertificate is issued (see docs/acme.md). Default: off.
     */
    acme?: HaproxyAcmeArgs;
    /**
     * A `peers` section with the other balancers: stick tables (`sticky.source`, rate limits) are
     * shared, survive a reload and are on the BACKUP when it takes over. Plain: its port and
     * members decide the firewall rule (the port open to the other members only). Default: none.
     */
    peers?: HaproxyPeersArgs;
    /** Users for basic auth (`auth` on a frontend or route), their password hashes secrets. Default: none. */
    userlists?: HaproxyUserlistArgs[];
    /**
     * Nameservers (IP addresses, port 53) haproxy asks while it runs, for the servers whose
     * address is a DNS name: a `resolvers` section (haproxy ≥ 1.6, refused on centos7 and `auto`),
     * so a record that changes moves the traffic without a reload. Default: none — names are
     * resolved once, with libc, when haproxy starts (or reloads).
     */
    nameservers?: string[];
}

/**
 * Every check of HaproxyNodeArgs, with defaults applied, every problem at once: the node's Plan
 * (model/haproxy.ts), memoized by the args object. Runs before anything is registered.
 */
export function checkHaproxyNodeArgs(name: string, args: HaproxyNodeArgs): HaproxyPlan {
    return normalizeHaproxyNode(name, args);
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
    /**
     * With `acme`: the step after which this node answers the account's HTTP-01 challenges. An
     * AcmeCertificate whose binds are here waits for it (and for the VIP), not for the whole node.
     */
    readonly acmeResponder?: pulumi.Resource;

    constructor(name: string, args: HaproxyNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = normalizeHaproxyNode(name, args);
        super("haproxy-ha:index:HaproxyNode", name, {}, opts);
        warnUnpinnedHostKey(this, args.connection);
        if (plan.peers && !versionAtLeast(plan.haproxyVersion, EDGE_SINCE.localpeer)) {
            // No `localpeer` below 2.2: haproxy drops a peers section none of whose names is the host name.
            void pulumi.log.warn(
                `${plan.where}: peers: haproxy ${plan.haproxyVersion} (${plan.os}) finds its local peer by the host name, not by \`localpeer\` (haproxy 2.2): ` +
                    `the member named "${plan.peers.local}" must be this host's \`hostname\`, or haproxy drops the peers section and the tables stay local`,
                this,
            );
        }
        const { where, os, mode, timeouts, maxconn, extra, frontends, backends, certificates, nonlocalBind, nonlocalBind6, ports, restrictedPort } = plan;
        this.nodeName = plan.nodeName;
        let stats: pulumi.Output<HaproxyConfigSpec["stats"]> = pulumi.output(undefined);
        if (plan.stats) {
            const { port: statsPort, uri, user, prometheus, adminSources } = plan.stats;
            const password =
                plan.stats.password ??
                new random.RandomPassword(`${name}-stats-password`, { length: DEFAULTS.haproxyNode.statsPage.generatedPasswordLength, special: false }, { parent: this }).result;
            this.statsPassword = pulumi.secret(password);
            stats = pulumi.secret(
                pulumi.all([password, plan.stats.bindAddress]).apply(([p, bindAddress]) => ({
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
        const rsyslog = plan.logging === "rsyslog";
        const log = rsyslog ? haproxyLogging(os).target : undefined;

        // Every Input the config needs, resolved together: bind addresses, server names and addresses.
        const bindAddresses = pulumi.all(frontends.map((f) => pulumi.all(f.binds.map((b) => b.address))));
        const serverAddresses = pulumi.all(backends.map((b) => pulumi.all(b.servers.map((s) => s.address))));
        const serverNames = pulumi.all(backends.map((b) => pulumi.all(b.servers.map((s) => s.name))));
        const acme = plan.acme;
        // Each user's hash or password is a secret: so is the config text that holds it.
        const userSecrets = pulumi.all(plan.userlists.map((l) => pulumi.all(l.users.map((u) => u.secret))));
        const withSecrets = plan.userlists.some((l) => l.users.length > 0);
        // The haproxy the config is for: a release's row now, or what the packages step reports (hostFacts.ts).
        const renderConfig = (version: pulumi.Output<string>) => pulumi.all([bindAddresses, serverAddresses, serverNames, stats, userSecrets, acme?.thumbprint, version]).apply(([binds, servers, names, statsSpec, secrets, thumbprint, haproxyVersion]) => {
            // Names that were Outputs at construction are unique only now that they are known.
            names.forEach((n, i) => {
                if (backends[i].servers.some((s) => typeof s.name !== "string")) checkUniqueNames(where, pathText([...backends[i].path, "servers"]), n);
            });
            return renderHaproxyConfig({
                nodeName: this.nodeName,
                haproxyVersion,
                mode,
                timeouts,
                maxconn,
                stats: statsSpec,
                log,
                runtimeApi: plan.runtimeApi || undefined,
                frontends: frontends.map((f, i) => ({
                    ...f,
                    binds: f.binds.map((b, j) => ({ ...b, address: binds[i][j] })),
                    ...(thumbprint !== undefined && acme?.frontends.includes(f.name) ? { acmeThumbprint: thumbprint } : {}),
                })),
                backends: backends.map((b, i) => ({ ...b, servers: b.servers.map((s, j) => ({ ...s, name: names[i][j], address: servers[i][j] })) })),
                extra,
                ...(plan.dns ? { dns: plan.dns } : {}),
                sections: plan.sections,
                peers: plan.peers,
                userlists: plan.userlists.map((l, i) => ({ name: l.name, users: l.users.map((u, j) => ({ name: u.name, insecure: u.insecure, secret: secrets[i][j] })) })),
            });
        });

        // The PEMs were checked once by the plan (now, or as they resolve); here only the warnings.
        // Secret whatever the caller passed: the stack program passes the PEMs plain, as checked.
        const pems = pulumi.secret(pulumi.all(certificates.map((c) => c.pem))).apply((texts) => {
            // Before any step runs (they all wait for the PEMs): soon expiring, or not covering a routed Host.
            const inUse = certificates.map((c, i) => ({ name: c.name, field: `certificates[${i}].pem`, pem: texts[i] }));
            for (const w of certificateWarnings(inUse, plan.tlsHosts)) void pulumi.log.warn(`${where}: ${w}`, this);
            return texts;
        });
        const mapFiles = plan.maps.map((m) => ({ name: m.name, text: renderMapFile(m) }));
        const errorPages = [...frontends, ...backends].flatMap((x) => x.errorPages ?? []);
        const bundled = certificates.length > 0 || mapFiles.length > 0 || errorPages.length > 0;
        const liveMaps = plan.runtimeApi && mapFiles.length > 0;
        // Everything the version decides: the config, the error pages, the bundles that carry them.
        const build = (version: pulumi.Output<string>) => {
            const rendered = renderConfig(version);
            const configText = withSecrets ? pulumi.secret(rendered) : rendered;
            const errorFiles = version.apply((v) => errorPages.map((p) => ({ file: p.file, text: errorPageFile(p, v) })));
            const stdin: Record<string, pulumi.Input<string>> = { [HAPROXY_CONFIG_PATH]: configText };
            // Maps and error pages travel with the config (and any certificates) as one bundle, validated together.
            if (bundled) {
                const bundle = pulumi.all([configText, pems, errorFiles]).apply(([config, texts, errors]) => haproxyBundle(config, certificates.map((c, i) => ({ name: c.name, pem: texts[i] })), { maps: mapFiles, errorPages: errors }));
                stdin[HAPROXY_BUNDLE] = certificates.length ? pulumi.secret(bundle) : bundle;
            }

            // ACME: the same config with the placeholder for certificates not issued yet, put live first.
            if (acme) {
                const placeholder = acme.placeholderPem === undefined ? undefined : pulumi.secret(acme.placeholderPem);
                stdin[ACME_RESPONDER_BUNDLE] = pulumi.secret(
                    pulumi.all([configText, pulumi.all(certificates.map((c) => (acme.certificates.includes(c.name) ? placeholder! : c.pem))), errorFiles]).apply(([config, texts, errors]) =>
                        haproxyBundle(config, certificates.map((c, i) => ({ name: c.name, pem: texts[i] })), { maps: mapFiles, errorPages: errors }),
                    ),
                );
            }
            return { configText, errorFiles, stdin };
        };
        // A release renders now (a preview shows the text); a family or `auto` once the packages step has read the host.
        const pinned = pinnedVersions(plan.sources.pins);
        let built = rendersFromHost(os) && pinned.haproxy === undefined ? undefined : build(pulumi.output(renderVersions(os, undefined, pinned).haproxy));
        const fromHost = (first: command.remote.Command) => {
            built = build(pulumi.unsecret(first.stdout).apply((out) => renderVersions(os, parseHostFacts(out), pinned).haproxy));
            return built.stdin;
        };
        const steps = withSources(os, "haproxy", plan.sources, haproxySteps({
            os,
            ports,
            restrictedPort,
            peersPort: plan.peers ? { port: plan.peers.port, sources: plan.peers.members.filter((m) => m.name !== plan.peers?.local).map((m) => m.address) } : undefined,
            nonlocalBind,
            nonlocalBind6,
            archiveRepos: plan.archiveRepos,
            certificates: bundled,
            maps: liveMaps ? { paths: plan.maps.map((m) => mapPath(m.name)), digest: createHash("sha256").update(JSON.stringify(mapFiles)).digest("hex") } : undefined,
            rsyslog,
            runtimeApi: plan.runtimeApi,
            serverStates: plan.runtimeApi ? managedServerStates(backends) : undefined,
            acmeResponder: acme ? acmeResponderStep(acme.thumbprint) : undefined,
        }));
        // With certificates, every step waits until each PEM is known and checked: a bad one touches no host.
        // Not for an ACME certificate: it is ordered after the responder step, which uses this connection.
        const known = certificates.filter((c) => !acme?.certificates.includes(c.name)).map((c) => c.pem);
        const connection = known.length ? pulumi.all([args.connection, pulumi.all(known)]).apply(([c]) => c) : args.connection;
        const commands = createSteps({ parent: this, prefix: name, connection, become: plan.become, reapply: plan.reapply, stepTimeoutS: plan.stepTimeoutS, stdin: built ? built.stdin : fromHost, dependsOn: [opts?.dependsOn, checkDependencies(where, "dependsOn", args.dependsOn)], installDependsOn: plan.installDependsOn }, steps);
        const certFiles: RenderedFile[] = certificates.map((c) => ({
            node: this.nodeName,
            path: `${CERT_DIR}/${c.name}.pem`,
            mode: "0600",
            owner: "root",
            group: "root",
            content: "# certificate chain and private key (secret): not rendered\n",
        }));
        const otherFiles: RenderedFile[] = [
            ...mapFiles.map((m) => ({ node: this.nodeName, path: mapPath(m.name), mode: "0600", owner: "root", group: "root", content: m.text })),
        ];
        built ??= build(pulumi.output(renderVersions(os, undefined, pinned).haproxy));
        this.configText = built.configText;
        this.files = pulumi.all([this.configText, built.errorFiles]).apply(([content, errors]) => [
            { node: this.nodeName, path: HAPROXY_CONFIG_PATH, mode: "0640", owner: "root", group: "haproxy", content },
            ...certFiles,
            ...otherFiles,
            ...errors.map((e) => ({ node: this.nodeName, path: `${ERROR_DIR}/${e.file}`, mode: "0600", owner: "root", group: "root", content: e.text })),
        ]);
        this.scripts = renderedScripts(this.nodeName, "haproxy", steps);
        this.acmeResponder = acme ? commands[steps.findIndex((s) => s.name === "acme-responder")] : undefined;
        this.registerOutputs({ nodeName: this.nodeName, statsPassword: this.statsPassword });
    }
}

/**
 * The servers whose state the runtime API sets. The step's script is fixed at construction, so a
 * server named by an Output (known only later) takes part only while it is `ready` (the plan
 * refused anything else).
 */
function managedServerStates(backends: BackendPlan[]): ManagedServer[] {
    return backends.flatMap((b) => b.servers.flatMap((s) => (typeof s.name === "string" ? [{ backend: b.name, server: s.name, state: s.state, weight: s.weight }] : [])));
}
