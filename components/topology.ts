/**
 * The whole two-tier topology from stack config: web servers (a WebBackend each, unless
 * `managed: false`), two HaproxyNodes and one KeepalivedPair, or one HaproxyNode alone (no pair,
 * no VIP: see stackVariants.ts). The mapping tables below declare which stack key feeds which component arg;
 * `buildTopology` builds every component's args from them, and `checkTopology` runs every
 * component's check on those args before any component exists, showing each problem under the
 * stack key the same rows name. The BACKUP balancer is changed before the MASTER.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs } from "./common";
import { DEFAULTS } from "./defaults";
import { checkHaproxyNodeArgs, HaproxyNode, HaproxyNodeArgs } from "./haproxyNode";
import { checkKeepalivedPairArgs, KeepalivedPair, KeepalivedPairArgs } from "./keepalivedPair";
import { ArgPath, ArgumentErrors, pathText, Problems } from "./model/problems";
import { ShowValue, showWithTableSecrets, ShownProblem, stackKeyPath, stackOnlyProblems, TopologyConfig } from "./stackConfig";
import { argsFromStack, ConfigForm, KeyMapping, ruleInStackTerms, stackPathOf } from "./stackMapping";
import { normalizeHaproxyNode } from "./model/haproxy";
import { normalizeKeepalivedPair } from "./model/keepalived";
import { normalizeWebBackend } from "./model/webBackend";
import { isSingleBalancer } from "./stackVariants";
import { ArgumentError } from "./validate";
import { SECRET_PLACEHOLDER } from "./certificates";
import { acmeNodeArgs, acmeStackProblems, buildAcme } from "./acmeTopology";
import { checkWebBackendArgs, WebBackend, WebBackendArgs } from "./webBackend";

export { parseTopologyConfig, SshConfig, TopologyConfig } from "./stackConfig";

type Row = KeyMapping<TopologyConfig>;

/** The connection to a host, from `haproxy-ha:ssh` and the host's address (the SSH key is added by buildTopology). */
function connectionTo(host: string, { cfg }: { cfg: TopologyConfig }): ConnectionArgs {
    return {
        host,
        port: cfg.ssh.port,
        user: cfg.ssh.user,
        hostKey: cfg.ssh.hostKeys?.[host],
        perDialTimeout: cfg.ssh.perDialTimeout,
        dialErrorLimit: cfg.ssh.dialErrorLimit,
    };
}

const withoutPrefix = (cidr: string) => cidr.split("/")[0];

/** HostArgs, the same key in every component. */
const HOST_ROWS: Row[] = ["os", "become", "centos7Vault", "reapply", "stepTimeoutS"].map((k) => ({ stack: [k], arg: [k] }));

/** `haproxy-ha:webs[i]` → WebBackend i (`$self`). */
export const WEB_BACKEND_ROWS: readonly Row[] = [
    ...HOST_ROWS,
    { stack: ["ssh", "hostKeys"], arg: ["connection", "hostKey"], errorsOnly: true },
    // The resource name is the web's name, and the backend name defaults to it.
    { stack: ["webs", "$self", "name"], arg: ["backendName"], errorsOnly: true },
    { stack: ["webs", "$self", "host"], arg: ["connection"], value: connectionTo },
    { stack: ["webs", "$self", "host"], arg: ["address"] },
    { stack: ["webs", "$self", "port"], arg: ["port"] },
    { stack: ["webs", "$self", "content"], arg: ["content"] },
];

/** Every balancer (`$self`) → HaproxyNode; the web servers are its shorthand `servers`. */
export const HAPROXY_NODE_ROWS: readonly Row[] = [
    ...HOST_ROWS,
    { stack: ["ssh", "hostKeys"], arg: ["connection", "hostKey"], errorsOnly: true },
    // The resource name is the balancer's name, and the node name defaults to it.
    { stack: ["balancers", "$self", "name"], arg: ["nodeName"], errorsOnly: true },
    { stack: ["balancers", "$self", "host"], arg: ["connection"], value: connectionTo },
    // The stats page binds the balancer's own address.
    { stack: ["balancers", "$self", "host"], arg: ["address"] },
    // The web servers' own names and addresses (as their WebBackends take them): plain, so checked now.
    { stack: ["webs", "$i", "name"], arg: ["servers", "$i", "name"], when: ["shorthand"] },
    { stack: ["webs", "$i", "host"], arg: ["servers", "$i", "address"], when: ["shorthand"] },
    { stack: ["webs", "$i", "port"], arg: ["servers", "$i", "port"], when: ["shorthand"] },
    // Ready is the default: left out, so the args are what they were before states existed.
    { stack: ["webs", "$i", "state"], arg: ["servers", "$i", "state"], when: ["shorthand"], value: (v) => (v === "ready" ? undefined : v) },
    { stack: ["webs"], arg: ["servers"], when: ["shorthand"], errorsOnly: true },
    // Both balancers bind every VIP: each answers on the VIPs it holds, and takes the others over.
    { stack: ["vip"], arg: ["bindAddress"], when: ["shorthand", "singleVip"], value: (v?: string) => v && withoutPrefix(v) },
    {
        stack: ["instances"],
        arg: ["bindAddresses"],
        when: ["shorthand", "instances"],
        value: (list: TopologyConfig["instances"]) => list?.flatMap((inst) => inst.vips.map(withoutPrefix)),
    },
    { stack: ["port"], arg: ["port"] },
    { stack: ["balance"], arg: ["balance"] },
    { stack: ["extraBackend"], arg: ["extraConfig", "backend"] },
    // Stack config's `stats: true` is the component's `stats: {}`.
    { stack: ["stats", "**"], arg: ["stats", "**"], value: (v) => (v === true ? {} : v || undefined) },
    { stack: ["logging"], arg: ["logging", "target"] },
    { stack: ["runtimeApi"], arg: ["runtimeApi"], value: (v) => v || undefined },
    { stack: ["nameservers", "**"], arg: ["nameservers", "**"] },
    // Both balancers, by their own addresses; each node finds its own entry by its name.
    {
        stack: ["peers", "**"],
        arg: ["peers", "**"],
        value: (v: TopologyConfig["peers"], { cfg }) => (v ? { ...(v === true ? {} : v), members: cfg.balancers.map((b) => ({ name: b.name, address: b.host })) } : undefined),
    },
    // Plain, so checked now; HaproxyNode keeps the config that holds them secret.
    { stack: ["userlists", "**"], arg: ["userlists", "**"] },
    { stack: ["frontends", "**"], arg: ["frontends", "**"] },
    { stack: ["backends", "**"], arg: ["backends", "**"] },
    { stack: ["maps", "**"], arg: ["maps", "**"] },
    { stack: ["sections", "**"], arg: ["sections", "**"] },
    // Plain, so checked now; HaproxyNode keeps every PEM secret from there on.
    {
        stack: ["certificates", "**"],
        arg: ["certificates", "**"],
        // An `acme` entry is checked with the dry run's placeholder; buildTopology puts its AcmeCertificate's PEM there.
        // (Neither `pem` nor `acme`: the stack's own problem, acmeStackProblems.)
        value: (list: TopologyConfig["certificates"]) => list?.map((c) => (c.acme || c.pem === undefined ? { name: c.name, pem: SECRET_PLACEHOLDER } : c)),
    },
    { stack: ["certificates"], arg: ["acme"], value: (list: TopologyConfig["certificates"]) => acmeNodeArgs(list, {}) },
    // The balancers' packages: on the HaproxyNode only (one host, one owner of a repository's files); its pins step moves keepalived too.
    { stack: ["packages", "**"], arg: ["packages", "**"] },
    { stack: ["repositories", "**"], arg: ["repositories", "**"] },
];

/** The two balancers → KeepalivedPair `nodes`; the single VIP or the instances. */
export const KEEPALIVED_PAIR_ROWS: readonly Row[] = [
    ...HOST_ROWS,
    { stack: ["ssh", "hostKeys"], arg: ["nodes", "$i", "connection", "hostKey"], errorsOnly: true },
    { stack: ["balancers", "$i", "name"], arg: ["nodes", "$i", "name"] },
    { stack: ["balancers", "$i", "host"], arg: ["nodes", "$i", "connection"], value: connectionTo },
    { stack: ["balancers", "$i", "host"], arg: ["nodes", "$i", "address"] },
    { stack: ["balancers", "$i", "priority"], arg: ["nodes", "$i", "priority"] },
    { stack: ["balancers", "$i", "state"], arg: ["nodes", "$i", "state"] },
    { stack: ["balancers"], arg: ["nodes"], errorsOnly: true },
    { stack: ["vip"], arg: ["vip"] },
    { stack: ["virtualRouterId"], arg: ["virtualRouterId"] },
    // With `instances` these are the entries' defaults (filled when decoded), not the pair's shorthand.
    ...["interface", "advertInt", "nopreempt", "unicast", "vrrpVersion", "preemptDelayS"].map((k): Row => ({ stack: [k], arg: [k], when: ["singleVip"] })),
    // Each entry's unset `interface`, `advertInt`, … are the stack's, filled when decoded.
    { stack: ["instances", "**"], arg: ["instances", "**"] },
    { stack: ["gatewayCheck"], arg: ["gatewayCheck", "address"] },
    { stack: ["haproxyCheck", "**"], arg: ["check", "**"] },
    // keepalived's extension points. Scripts and hooks are plain here, so checked now; KeepalivedPair keeps them secret.
    ...["trackFiles", "trackProcesses", "syncGroups", "trackScripts"].map((k): Row => ({ stack: [k, "**"], arg: [k, "**"] })),
    // Both are objects of optional members: an empty one is unset (no notify step where there was none).
    { stack: ["garp", "**"], arg: ["garp", "**"], value: (v?: object) => (v && Object.keys(v).length ? v : undefined) },
    { stack: ["notify", "**"], arg: ["notify", "**"], value: (v?: object) => (v && Object.keys(v).length ? v : undefined) },
];

/** The forms the config takes: which rows apply. */
function formsOf(cfg: TopologyConfig): Set<ConfigForm> {
    return new Set<ConfigForm>([cfg.frontends === undefined && cfg.backends === undefined ? "shorthand" : "collections", cfg.instances === undefined ? "singleVip" : "instances"]);
}

/** Every component's args, built once from the rows: what checkTopology checks and buildTopology builds on. */
interface TopologyArgs {
    webs: WebBackendArgs[];
    balancers: HaproxyNodeArgs[];
    pair: KeepalivedPairArgs;
}

/**
 * Args the stack program sets on every component itself, from no stack key. The order it builds
 * (web servers before the balancers route to them, BACKUP before MASTER) matters to the running
 * service only: on a first deployment every host installs at once.
 */
export const STACK_PROGRAM_ARGS = { installBeforeDependsOn: true } as const;

function componentArgs(cfg: TopologyConfig, forms: ReadonlySet<ConfigForm>): TopologyArgs {
    return {
        webs: cfg.webs.map((_, i) => ({ ...(argsFromStack(WEB_BACKEND_ROWS, cfg, forms, i) as unknown as WebBackendArgs), ...STACK_PROGRAM_ARGS })),
        balancers: cfg.balancers.map((_, i) => ({ ...(argsFromStack(HAPROXY_NODE_ROWS, cfg, forms, i) as unknown as HaproxyNodeArgs), ...STACK_PROGRAM_ARGS })),
        pair: { ...(argsFromStack(KEEPALIVED_PAIR_ROWS, cfg, forms) as unknown as KeepalivedPairArgs), ...STACK_PROGRAM_ARGS },
    };
}

/** The KeepalivedPair's resource name in the stack. */
export const PAIR_NAME = "vip";

/** A stack config checked whole: the args its components are built from, each already normalized once. */
export interface TopologyPlan {
    args: TopologyArgs;
    /** Balancer indexes in the order they are changed: BACKUP first, so a bad change stops there (one balancer: `[0]`). */
    updateOrder: readonly number[];
}

/** Configs already checked whole, with what they looked like then: buildTopology does not check them again. */
const checked = new WeakMap<TopologyConfig, { shape: string; plan: TopologyPlan }>();

/**
 * Every rule the stack config has to meet, at once: the stack's own (stackOnlyProblems), and each
 * component's check run once on the args the rows build, its problems shown under the stack keys.
 */
export function checkTopology(cfg: TopologyConfig, show: ShowValue = showWithTableSecrets): TopologyPlan {
    const { plan, problems } = topologyProblems(cfg, show);
    if (problems.length > 0) throw new ArgumentErrors("stack config", problems);
    return plan as TopologyPlan;
}

/** checkTopology's problems, each with the field it is shown under, instead of thrown (parseTopologyConfig adds the decoder's). */
export function topologyProblems(cfg: TopologyConfig, show: ShowValue = showWithTableSecrets): { plan?: TopologyPlan; problems: (ShownProblem & { field: string })[] } {
    const shape = JSON.stringify(cfg);
    const known = checked.get(cfg);
    if (known && known.shape === shape) return { plan: known.plan, problems: [] };

    const shown: ShownProblem[] = stackOnlyProblems(cfg);
    const fields = new Map<ShownProblem, string>();
    const forms = formsOf(cfg);
    const args = componentArgs(cfg, forms);
    const inStackTerms = (rows: readonly Row[], where: string, self: number | undefined, problems: Problems) => {
        for (const p of problems.list) {
            const stackPath = stackPathOf(rows, forms, p.path, self);
            const toStack = (argPath: ArgPath) => {
                const at = stackPathOf(rows, forms, argPath, self);
                return at && stackKeyPath(at);
            };
            const rule = ruleInStackTerms(p.rule, toStack);
            // A wiring arg no stack key feeds: named in the component's terms.
            const problem = { path: stackPath ?? p.path, rule, value: stackPath ? show(stackPath, p.value) : p.value };
            if (!stackPath) fields.set(problem, `${where}: ${pathText(p.path)}`);
            shown.push(problem);
        }
    };
    cfg.webs.forEach((w, i) => {
        // A web the library only points to is no WebBackend: its address is the balancers' to check.
        if (!w.managed) return;
        const problems = new Problems();
        problems.check([], () => checkWebBackendArgs(w.name, args.webs[i]));
        inStackTerms(WEB_BACKEND_ROWS, `WebBackend "${w.name}"`, i, problems);
    });
    cfg.balancers.forEach((b, i) => {
        const problems = new Problems();
        problems.check([], () => checkHaproxyNodeArgs(b.name, args.balancers[i]));
        inStackTerms(HAPROXY_NODE_ROWS, `HaproxyNode "${b.name}"`, i, problems);
    });
    // One balancer runs alone: no pair to check (the keys that would configure one are refused when decoded).
    let pair: { updateOrder: readonly number[] } | undefined = { updateOrder: [0] };
    if (!isSingleBalancer(cfg)) {
        const pairProblems = new Problems();
        pair = pairProblems.check([], () => checkKeepalivedPairArgs(PAIR_NAME, args.pair));
        inStackTerms(KEEPALIVED_PAIR_ROWS, `KeepalivedPair "${PAIR_NAME}"`, undefined, pairProblems);
    }
    shown.push(...vipsBoundProblems(cfg), ...acmeStackProblems(cfg));

    // Both balancers take the same frontends: one problem, shown once.
    const seen = new Set<string>();
    const problems = shown
        .map((p) => ({ ...p, field: fields.get(p) ?? stackKeyPath(p.path) }))
        .filter((p) => {
            const id = `${p.field}\n${p.rule}`;
            return seen.has(id) ? false : (seen.add(id), true);
        });
    if (problems.length > 0 || pair === undefined) return { problems };
    const plan: TopologyPlan = { args, updateOrder: pair.updateOrder };
    checked.set(cfg, { shape, plan });
    return { plan, problems };
}

export interface Topology {
    /** The web servers the library manages (`managed: false` ones are not components). */
    webs: WebBackend[];
    /** Every web server's URL, in `webs` order, managed or not. */
    webUrls: pulumi.Output<string>[];
    balancers: HaproxyNode[];
    /** Unset with one balancer: it runs without keepalived. */
    pair?: KeepalivedPair;
    /** The first VIP, without prefix, and its URL; with one balancer, that balancer's own address. */
    vip: pulumi.Output<string>;
    url: pulumi.Output<string>;
    /** Every instance's VIPs, without prefix, and their URLs; with one balancer, its address. */
    vips: pulumi.Output<string[]>;
    urls: pulumi.Output<string[]>;
    /** The balancers' node names. */
    balancerNames: pulumi.Output<string[]>;
    /** The balancer that starts as MASTER; with one balancer, that one. */
    masterName: pulumi.Output<string>;
    /** Per instance, the balancer that starts as its MASTER; with one balancer, none. */
    masters: pulumi.Output<Record<string, string>>;
}

/** Builds every component. `privateKey` is the key text (a secret), however the caller got it. */
export function buildTopology(cfg: TopologyConfig, privateKey: pulumi.Input<string>): Topology {
    // Every rule checked before the first component exists (already done when parseTopologyConfig made cfg).
    const { args, updateOrder } = checkTopology(cfg);
    // What the checked args lack is wiring only (the SSH key, dependsOn): each component takes the plan already made.
    const withKey = (connection: pulumi.Input<ConnectionArgs>) => ({ ...(connection as ConnectionArgs), privateKey: pulumi.secret(privateKey) });
    // The balancers and the pair are built first: the engine starts steps in the order they are
    // registered (8 at once by default), and their chain (haproxy BACKUP then MASTER, keepalived
    // likewise) is the longest, so their packages must not queue behind every web server's. The
    // first balancer's steps after its packages still wait for the web servers (below).
    let websBuilt!: (webs: WebBackend[]) => void;
    const webComponents = new Promise<WebBackend[]>((resolve) => (websBuilt = resolve));
    const balancers: HaproxyNode[] = [];
    const [first] = updateOrder;
    // ACME: the account and certificates first; each balancer takes their outputs (so its plan is made again, with them).
    const acme = buildAcme(cfg);
    for (const i of updateOrder) {
        const { name } = cfg.balancers[i];
        const checked = args.balancers[i];
        // In the args, not the options: the node's packages must not wait for the component's registration.
        const dependsOn = i === first ? webComponents : [balancers[first]];
        const built = { ...checked, connection: withKey(checked.connection), dependsOn };
        balancers[i] = acme
            ? new HaproxyNode(name, { ...built, certificates: checked.certificates?.map((c) => ({ name: c.name, pem: acme.pems[c.name] ?? c.pem })), acme: acme.node })
            : new HaproxyNode(name, normalizeHaproxyNode.reuse(name, checked, built));
    }
    // With ACME the VIP comes up once the balancers answer the challenge, before their certificate exists.
    const pair = isSingleBalancer(cfg)
        ? undefined
        : new KeepalivedPair(
              PAIR_NAME,
              normalizeKeepalivedPair.reuse(PAIR_NAME, args.pair, {
                  ...args.pair,
                  nodes: args.pair.nodes.map((n, i) => ({ ...n, connection: withKey(n.connection), dependsOn: acme ? balancers[i].acmeResponder : balancers[i] })),
              }),
          );
    // A web the library only points to gets no component: no SSH, no install.
    const byIndex = cfg.webs.map((w, i) => {
        if (!w.managed) return undefined;
        const checked = args.webs[i];
        return new WebBackend(w.name, normalizeWebBackend.reuse(w.name, checked, { ...checked, connection: withKey(checked.connection) }));
    });
    const webs = byIndex.filter((w): w is WebBackend => w !== undefined);
    websBuilt(webs);
    const port = cfg.port ?? DEFAULTS.haproxyNode.port;
    const urlOf = (address: string) => `http://${address.includes(":") ? `[${address}]` : address}:${port}/`;
    const webUrls = cfg.webs.map((w, i) => byIndex[i]?.url ?? pulumi.output(`http://${w.host.includes(":") ? `[${w.host}]` : w.host}:${w.port}/`));
    const balancerNames = pulumi.output(balancers.map((b) => b.nodeName));
    if (pair === undefined) {
        // No VIP: the service answers on the balancer's own address (its frontend binds `*`), the challenge too.
        acme?.ready(balancers.map((b) => b.acmeResponder!));
        const own = pulumi.output(cfg.balancers[0].host);
        return {
            webs,
            webUrls,
            balancers,
            vip: own,
            url: own.apply(urlOf),
            vips: own.apply((a) => [a]),
            urls: own.apply((a) => [urlOf(a)]),
            balancerNames,
            masterName: pulumi.output(balancers[0].nodeName),
            masters: pulumi.output({} as Record<string, string>),
        };
    }
    acme?.ready([pair, ...balancers.map((b) => b.acmeResponder!)]);
    return {
        webs,
        webUrls,
        balancers,
        pair,
        vip: pair.vip,
        url: pair.vip.apply(urlOf),
        vips: pair.vips,
        urls: pair.vips.apply((v) => v.map(urlOf)),
        balancerNames: pulumi.output(pair.nodeNames),
        masterName: pulumi.output(pair.masterName),
        masters: pulumi.output(pair.masters),
    };
}

/**
 * The stack program fails closed on host keys: every host (web server and balancer) needs a key
 * in `haproxy-ha:ssh.hostKeys`, or the stack says `ssh.insecureSkipHostKeyCheck: true`. Without
 * a check, any machine answering at an address would get the TLS keys and the VRRP and stats
 * passwords. Called before any component exists, so nothing has touched a host.
 */
export function requirePinnedHostKeys(cfg: TopologyConfig, stack = "<stack>"): void {
    if (cfg.ssh.insecureSkipHostKeyCheck) return;
    // A web the library only points to is never connected to: it needs no key.
    const hosts = [...cfg.webs.filter((w) => w.managed), ...cfg.balancers].filter((h) => cfg.ssh.hostKeys?.[h.host] === undefined);
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
 * With frontends and instances, every VIP must be bound by some frontend (or a bind on `*`): a
 * VIP nothing answers on is a mistake. A rule across two components (HaproxyNode's frontends,
 * KeepalivedPair's instances), so the stack's.
 */
function vipsBoundProblems(cfg: TopologyConfig): ShownProblem[] {
    if (cfg.frontends === undefined || cfg.instances === undefined) return [];
    const bound = cfg.frontends.flatMap((f) => f.binds.map((b) => b.address ?? "*"));
    if (bound.includes("*")) return [];
    return cfg.instances.flatMap((inst, i) =>
        inst.vips
            .map((vip, j) => ({ vip, j, address: withoutPrefix(vip) }))
            .filter(({ address }) => !bound.includes(address))
            .map(({ vip, j, address }) => ({
                path: ["instances", i, "vips", j],
                rule: `is bound by no frontend: add a bind with \`address: ${address}\` to \`haproxy-ha:frontends\` (both balancers answer on every VIP)`,
                value: vip,
            })),
    );
}

/** The args the rows build for every component (no SSH key, no wiring): what the checks see. */
export function topologyArgs(cfg: TopologyConfig): TopologyArgs {
    return componentArgs(cfg, formsOf(cfg));
}
