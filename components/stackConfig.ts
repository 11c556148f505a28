/**
 * Stack config (namespace `haproxy-ha`): one table of keys (name, schema, default, description,
 * secret) drives parsing, the refusal of unknown keys, the README's configuration reference and
 * Pulumi.yaml's declarations. `parseTopologyConfig` is pure: every error is an ArgumentError naming
 * the stack key path as the user typed it (`haproxy-ha:balancers[1].priority`) and the value,
 * never a secret's value.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DEFAULTS } from "./defaults";
import { FrontendsConfig, parseFrontendsConfig, parseStatsConfig, StatsConfig } from "./frontendsConfig";
import { parseInstancesConfig } from "./instancesConfig";
import type { VrrpInstanceArgs } from "./keepalivedPair";
import { OS_CHOICES, OsChoice } from "./os";
import { BALANCE_ALGORITHMS, BalanceAlgorithm, SERVER_STATES, ServerState } from "./render/haproxy";
import { ArgumentError, checkCidr, checkHostKey, checkInterface, checkIp, checkName, checkRawLines, checkUniqueNames, checkVipForNodes } from "./validate";

export interface SshConfig {
    user: string;
    port: number;
    /** Path of a private key file on the machine running Pulumi. */
    privateKeyPath?: string;
    /** The private key itself (keep it a secret config value). */
    privateKey?: string;
    /** authorized_keys-style host keys by host address; the stack program refuses a host without one (see requirePinnedHostKeys). */
    hostKeys?: Record<string, string>;
    /** Connect to hosts without a pinned key without checking theirs: an explicit, named opt-in. */
    insecureSkipHostKeyCheck: boolean;
    /** Seconds per dial attempt and attempts before giving up on a host. */
    perDialTimeout: number;
    dialErrorLimit: number;
}

export interface TopologyConfig {
    os: OsChoice;
    ssh: SshConfig;
    webs: { name: string; host: string; port: number; content?: string; state: ServerState }[];
    balancers: { name: string; host: string; priority?: number }[];
    /** The single-VIP shorthand; unset when `instances` is set. */
    vip?: string;
    /** VRRP instances (components/instancesConfig.ts), with the stack-wide defaults filled in; unset: `vip`. */
    instances?: VrrpInstanceArgs[];
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
    /** Raised to re-apply every step (repairs drift). */
    reapply: number;
    /** Seconds a remote step may run. */
    stepTimeoutS: number;
    /** Raw haproxy directives appended to the backend section (escape hatch). */
    extraBackend: string[];
    /** Split-brain guard: an address both balancers must reach to hold the VIP. */
    gatewayCheck?: string;
    /** keepalived's haproxy check: seconds between checks and failures before FAULT. */
    haproxyCheck: { intervalS: number; fall: number; rise: number };
}

/** The project's config namespace: keys are written `haproxy-ha:<key>`. */
export const CONFIG_NAMESPACE = "haproxy-ha";
/** What an error shows in place of a secret value. */
export const HIDDEN_VALUE = "<hidden>";
const WHERE = "stack config";

/** One stack-config key, or one member of an object (or of each entry of a list) key. */
export interface StackConfigKey {
    /** The name as typed: after `haproxy-ha:` at the top level, after `<parent>.` inside an object. */
    name: string;
    /** Type, range and per-value checks, without the default. */
    schema: z.ZodType;
    /** The value used when the key is unset (from DEFAULTS). Unset and not required: the feature is off. */
    default?: unknown;
    /** A member of list entries whose default depends on the entry's position (balancers' priorities). */
    defaultByPosition?: readonly unknown[];
    required?: boolean;
    /** Never shown in an error; the stack must hold it as a secret (`pulumi config set --secret`). */
    secret?: boolean;
    /** One line of markdown for the README. */
    description: string;
    /** The members of an object key, or of each entry of a list-of-objects key. */
    fields?: readonly StackConfigKey[];
}

// ---- Schemas: types and ranges by zod; names, addresses and raw lines by validate.ts's checks.

type ValueCheck = (where: string, field: string, value: unknown) => unknown;

/** The ArgumentError a validate.ts check raises for `value`, or undefined when the value passes. */
function brokenRule(check: ValueCheck, value: unknown): ArgumentError | undefined {
    try {
        check(WHERE, "", value);
        return undefined;
    } catch (e) {
        if (e instanceof ArgumentError) return e;
        throw e;
    }
}

/**
 * A string passed through a validate.ts check, whose rule is also the message for a non-string.
 * `kind` names what it holds in the README's type column.
 */
function checkedString(check: ValueCheck, kind: string) {
    return z
        .string({ error: (issue) => brokenRule(check, issue.input)?.rule })
        .superRefine((value, ctx) => {
            const broken = brokenRule(check, value);
            // The check's own value: some checks show a stand-in for what they were given.
            if (broken) ctx.addIssue({ code: "custom", message: broken.rule, params: { value: broken.value } });
        })
        .meta({ title: kind });
}

function integer(min: number, max: number) {
    const error = `must be an integer from ${min} to ${max}`;
    return z.int({ error }).min(min, { error }).max(max, { error });
}

function seconds(max: number) {
    const error = `must be a number of seconds above 0 and at most ${max}`;
    return z.number({ error }).positive({ error }).max(max, { error });
}

function oneOf<T extends string>(choices: readonly [T, ...T[]]) {
    return z.enum(choices, { error: `must be one of ${choices.join(", ")}` });
}

const boolean = () => z.boolean({ error: "must be true or false" });
const text = (error: string) => z.string({ error }).min(1, { error });

function listRule(min: number, max: number, what: string): string {
    return `must be a list of ${min === max ? `exactly ${min}` : `${min} to ${max}`} ${what}`;
}

/** The message for a value that is not an object: names the members the user must give. */
function objectRule(fields: readonly StackConfigKey[]): string {
    const required = fields.filter((f) => f.required).map((f) => `\`${f.name}\``);
    if (required.length > 0) return `must be an object with ${required.join(" and ")}`;
    return `must be an object with any of ${fields.map((f) => `\`${f.name}\``).join(", ")}`;
}

/** The schema of a member as it sits in its object: with its default, optional, or required. */
function withDefault(key: StackConfigKey): z.ZodType {
    // A function, so no parsed config shares (and could change) the frozen DEFAULTS.
    if (key.default !== undefined) return key.schema.default(() => structuredClone(key.default));
    return key.required ? key.schema : key.schema.optional();
}

/** An object whose unknown members are refused. */
function objectOf(fields: readonly StackConfigKey[], rule = objectRule(fields)) {
    return z.strictObject(Object.fromEntries(fields.map((f) => [f.name, withDefault(f)])), { error: rule });
}

/** The defaults of an object's members, as one object. */
function defaultsOf(fields: readonly StackConfigKey[]): Record<string, unknown> {
    return Object.fromEntries(fields.filter((f) => f.default !== undefined).map((f) => [f.name, f.default]));
}

type KeyInfo = Omit<StackConfigKey, "name" | "schema" | "fields">;

function leaf(name: string, schema: z.ZodType, info: KeyInfo): StackConfigKey {
    return { name, schema, ...info };
}

/** An object key: its default, when it is optional, is its members' defaults. */
function object(name: string, fields: StackConfigKey[], info: KeyInfo, rule = objectRule(fields)): StackConfigKey {
    return { name, schema: objectOf(fields, rule), fields, ...info, default: info.required ? undefined : defaultsOf(fields) };
}

function listOfObjects(name: string, fields: StackConfigKey[], length: { min: number; max: number }, info: KeyInfo): StackConfigKey {
    const error = listRule(length.min, length.max, "entries");
    return { name, schema: z.array(objectOf(fields), { error }).min(length.min, { error }).max(length.max, { error }), fields, ...info };
}

const hostAddress = () => checkedString(checkIp, "IP address");
const nodeName = () => checkedString(checkName, "name");
const rawLine = checkedString((where, field, value) => checkRawLines(where, field, [value]), "line");
const vipsRule = "must list 1 to 16 addresses with prefix (`172.20.30.69/24`)";
const hostKeyError = "must map host addresses to authorized_keys-style host keys";

/** Every stack-config key, in the README's order. */
export const STACK_CONFIG_KEYS: readonly StackConfigKey[] = [
    leaf("os", oneOf(OS_CHOICES as unknown as [OsChoice, ...OsChoice[]]), {
        default: DEFAULTS.host.os,
        description: "OS family of every host; `auto` detects it from /etc/os-release on the host",
    }),
    object(
        "ssh",
        [
            leaf("user", nodeName(), { default: DEFAULTS.ssh.user, description: "SSH user; for a non-root user with passwordless sudo set `become`" }),
            leaf("port", integer(1, 65535), { default: DEFAULTS.ssh.port, description: "SSH port" }),
            leaf("privateKeyPath", text("must be a file path"), {
                description: "private key file on the machine running Pulumi (`~/` allowed); this or `privateKey` is required",
            }),
            leaf("privateKey", text("must be the private key's text"), {
                secret: true,
                description: "the private key itself: `pulumi config set --secret --path 'haproxy-ha:ssh.privateKey' < key`",
            }),
            leaf("hostKeys", z.record(z.string(), checkedString(checkHostKey, "host key"), { error: hostKeyError }), {
                description:
                    'host keys by host address (`"172.20.30.15": "ssh-ed25519 AAAA…"`), each checked when parsed; `npm run host-keys -- <stack>` reads and writes them. Every host needs one: `pulumi up` refuses a host without one unless `insecureSkipHostKeyCheck` is set. Pin ed25519 or ecdsa keys: for an `ssh-rsa` key this project\'s command plugin asks for `rsa-sha2-512`/`rsa-sha2-256` signatures (then SHA-1 `ssh-rsa`), but upstream pulumi-command asks only for SHA-1 `ssh-rsa`, which OpenSSH ≥ 8.8 no longer offers',
            }),
            leaf("insecureSkipHostKeyCheck", boolean(), {
                default: DEFAULTS.ssh.insecureSkipHostKeyCheck,
                description:
                    "`true`: connect to the hosts `hostKeys` leaves out without checking their keys (any machine answering at the address gets the TLS keys and the VRRP and stats passwords); `pulumi up` warns per host. Unset: such a host is refused before any host is touched",
            }),
            leaf("perDialTimeout", integer(1, 600), { default: DEFAULTS.ssh.perDialTimeout, description: "seconds per dial attempt" }),
            leaf("dialErrorLimit", integer(1, 100), { default: DEFAULTS.ssh.dialErrorLimit, description: "dial attempts before giving up on a host" }),
        ],
        { required: true, description: "how Pulumi reaches every host over SSH" },
        "must be an object with `privateKeyPath` or a secret `privateKey`",
    ),
    listOfObjects(
        "webs",
        [
            leaf("name", nodeName(), { required: true, description: "server name in haproxy.cfg; unique, and no balancer's name" }),
            leaf("host", hostAddress(), { required: true, description: "address Pulumi connects to and the balancers send requests to" }),
            leaf("port", integer(1, 65535), { default: DEFAULTS.webBackend.port, description: "port the web server listens on" }),
            leaf("content", z.string({ error: "must be the index page's text" }), { description: "the index page; unset: a page that names the backend" }),
            leaf("state", oneOf(SERVER_STATES as unknown as [ServerState, ...ServerState[]]), {
                default: "ready",
                description:
                    "`drain` (no new requests, open ones finish) or `maint` (none) in the balancers, applied at once through the runtime API without a reload and kept across reloads; needs `runtimeApi: true` (see docs/day2.md)",
            }),
        ],
        { min: 1, max: 64 },
        { required: true, description: "the web servers, in backend order" },
    ),
    listOfObjects(
        "balancers",
        [
            leaf("name", nodeName(), { required: true, description: "node name (keepalived `router_id`); unique" }),
            leaf("host", hostAddress(), { required: true, description: "the node's address on `interface`" }),
            leaf("priority", integer(1, 254), {
                defaultByPosition: DEFAULTS.keepalivedPair.priorities,
                description: "VRRP priority; the two must differ, the higher starts as MASTER",
            }),
        ],
        { min: 2, max: 2 },
        { required: true, description: "the two HAProxy nodes sharing the VIP" },
    ),
    leaf("vip", checkedString(checkCidr, "address/prefix"), {
        description: "the floating address with prefix, e.g. `172.20.30.69/24`; must lie in the balancers' subnet and be none of them. This or `instances` is required",
    }),
    listOfObjects(
        "instances",
        [
            leaf("name", nodeName(), { required: true, description: "unique; rendered `vrrp_instance VI_<name>`" }),
            leaf("vips", z.array(checkedString(checkCidr, "CIDR"), { error: vipsRule }).min(1, { error: vipsRule }).max(16, { error: vipsRule }), {
                required: true,
                description: "floating addresses with prefix, all IPv4 or all IPv6; both balancers bind every one",
            }),
            leaf("virtualRouterId", integer(1, 255), { required: true, description: "VRRP router id, unique per address family among the instances and on the segment" }),
            leaf("master", nodeName(), { required: true, description: "the balancer (by name) holding the VIPs while both are healthy" }),
            leaf("interface", checkedString(checkInterface, "interface name"), { description: "interface carrying the VIPs; unset: the stack's `interface`" }),
            leaf("masterPriority", integer(1, 254), { default: DEFAULTS.keepalivedPair.priorities[0], description: "the master's priority" }),
            leaf("backupPriority", integer(1, 254), { default: DEFAULTS.keepalivedPair.priorities[1], description: "the other balancer's priority, below `masterPriority`" }),
            leaf("advertInt", seconds(255), { description: "seconds between adverts; unset: the stack's `advertInt`" }),
            leaf("nopreempt", boolean(), { description: "unset: the stack's `nopreempt`" }),
            leaf("unicast", boolean(), { description: "unset: the stack's `unicast`" }),
            leaf("vrrpVersion", integer(2, 3), { description: "unset: the stack's `vrrpVersion`; IPv6 VIPs need 3" }),
            leaf("trackInterfaces", z.array(checkedString(checkInterface, "interface name"), { error: "must be a list of interface names" }), {
                description: "more interfaces whose link going down sends the instance to FAULT (its own always counts)",
            }),
            leaf("authPassword", text("must be text (a secret config value)"), {
                secret: true,
                description: "VRRPv2 password, at most 8 characters; unset: a generated secret per instance",
            }),
        ],
        { min: 1, max: 32 },
        {
            description:
                "VRRP instances instead of `vip`/`virtualRouterId`/balancer priorities: two with different `master`s make the pair active-active (see docs/vrrp.md)",
        },
    ),
    leaf("interface", checkedString(checkInterface, "interface name"), { default: DEFAULTS.stack.interface, description: "interface carrying the VIP and the adverts" }),
    leaf("virtualRouterId", integer(1, 255), { default: DEFAULTS.keepalivedPair.virtualRouterId, description: "VRRP router id, unique per network segment" }),
    leaf("port", integer(1, 65535), { default: DEFAULTS.haproxyNode.port, description: "frontend port (haproxy binds `VIP:port`)" }),
    leaf("balance", oneOf(BALANCE_ALGORITHMS as unknown as [BalanceAlgorithm, ...BalanceAlgorithm[]]), {
        default: DEFAULTS.haproxyNode.balance,
        description: "haproxy's load-balancing algorithm",
    }),
    leaf("stats", z.union([boolean(), z.record(z.string(), z.unknown())], { error: "must be true, false or an object with `adminSources`, `prometheus`" }), {
        default: DEFAULTS.haproxyNode.stats,
        description:
            `stats page on each balancer's own address :${DEFAULTS.haproxyNode.statsPage.port} \`${DEFAULTS.haproxyNode.statsPage.uri}\`, user ` +
            `\`${DEFAULTS.haproxyNode.statsPage.user}\`, generated secret password (stack output of the component), answering only the balancer itself; an object ` +
            "`{ adminSources: [CIDR…], prometheus: true }` turns it on open to `adminSources` too (haproxy refuses other sources with 403, an active firewall opens the port to them only; `[0.0.0.0/0, \"::/0\"]` opens it to everyone), with `/metrics` behind the same sources and credentials (haproxy ≥ 2.0)",
    }),
    leaf("frontends", z.array(z.record(z.string(), z.unknown()), { error: "must be a list of frontends" }), {
        description:
            "named frontends (`name`, `binds: [{address, port, tls}]`, `mode`, `routes`, `defaultBackend`, `redirectToHttps`, `hsts`, `tlsProfile`, …): replaces `port`/`balance`/`extraBackend`; with `backends`. `tlsProfile`: Mozilla's `intermediate` (default: TLS 1.2+, forward-secret AEAD suites, no session tickets), `modern` (TLS 1.3 only) or `old` (TLS 1.0+, only for clients that need it; a `tls.minVersion` below TLSv1.2 needs it) (see docs/frontends.md)",
    }),
    leaf("backends", z.array(z.record(z.string(), z.unknown()), { error: "must be a list of backends" }), {
        description: "named backends (`name`, `servers` by web name or address with `state` ready/drain/maint, `balance`, `healthCheck`, `sticky`, `timeouts`); with `frontends`",
    }),
    leaf("certificates", z.array(z.record(z.string(), z.unknown()), { error: "must be a list of `{ name, pem }`" }), {
        secret: true,
        description:
            "TLS certificates `{ name, pem }` (chain and key), set with `pulumi config set --secret --path 'haproxy-ha:certificates[0].pem'`; " +
            "the PEM holds only PEM blocks and whitespace, every certificate of the chain valid now (expired or not yet valid: refused with the dates); " +
            "`pulumi preview`/`up` warn when one expires within 14 days or no subjectAltName covers a Host the TLS frontends route",
    }),
    leaf("logging", oneOf(["devlog", "rsyslog"] as [string, ...string[]]), {
        description: "haproxy's logs: `rsyslog` (they arrive in /var/log/haproxy.log on every family; rsyslog installed when missing) or `devlog` (`log /dev/log`, nothing installed); default `rsyslog` with `frontends`, `devlog` with the shorthand keys",
    }),
    leaf("runtimeApi", boolean(), { default: false, description: "haproxy's runtime API socket /run/haproxy/admin.sock (mode 600, level admin)" }),
    leaf("unicast", boolean(), { default: DEFAULTS.keepalivedPair.unicast, description: "VRRP adverts to the peer's address instead of multicast" }),
    leaf("nopreempt", boolean(), {
        default: DEFAULTS.keepalivedPair.nopreempt,
        description: "both nodes start BACKUP; a recovered node does not take the VIP back",
    }),
    leaf("advertInt", seconds(255), { default: DEFAULTS.keepalivedPair.advertInt, description: "seconds between adverts; fractions need `vrrpVersion: 3`" }),
    leaf("vrrpVersion", integer(2, 3), { default: DEFAULTS.keepalivedPair.vrrpVersion, description: "3 for sub-second adverts (no PASS authentication in VRRPv3)" }),
    object(
        "haproxyCheck",
        [
            leaf("intervalS", integer(1, 3600), { default: DEFAULTS.keepalivedPair.haproxyCheck.intervalS, description: "seconds between checks" }),
            leaf("fall", integer(1, 100), { default: DEFAULTS.keepalivedPair.haproxyCheck.fall, description: "failures before the node goes to FAULT" }),
            leaf("rise", integer(1, 100), { default: DEFAULTS.keepalivedPair.haproxyCheck.rise, description: "successes before it is OK again" }),
        ],
        { description: "keepalived's check that haproxy runs" },
    ),
    leaf("gatewayCheck", hostAddress(), { description: "an address every healthy balancer pings: one that cannot loses priority, so the VIP goes to the one that still reaches it; unset: off" }),
    {
        name: "extraBackend",
        schema: z.array(rawLine, { error: "must be a list of lines" }),
        default: DEFAULTS.haproxyNode.extraBackend,
        description: "raw haproxy directives appended to the backend (validated by `haproxy -c` on the host)",
    },
    leaf("become", boolean(), { default: DEFAULTS.host.become, description: "run the scripts through `sudo -n`" }),
    leaf("centos7Vault", boolean(), {
        default: DEFAULTS.host.centos7Vault,
        description: "CentOS 7: point yum at `vault.centos.org/7.9.2009` first (restored on destroy)",
    }),
    leaf("reapply", integer(0, 1_000_000), {
        default: DEFAULTS.host.reapply,
        description: "raise it (1, 2, …) and `pulumi up` to re-apply every step, validated and reloaded as usual: repairs what `npm run drift` reports",
    }),
    leaf("stepTimeoutS", integer(10, 86_400), {
        default: DEFAULTS.host.stepTimeoutS,
        description: "seconds one remote step may run before the host stops it and `pulumi up` fails naming the step (a host cut off mid-step fails sooner, through TCP keepalive: about 2.5 min)",
    }),
];

const STACK_CONFIG_SCHEMA = objectOf(STACK_CONFIG_KEYS);

// ---- Paths, suggestions and secrets in error messages.

type Path = readonly PropertyKey[];

/** `haproxy-ha:balancers[1].priority`: the key path as the user typed it. */
export function stackKeyPath(path: Path): string {
    return `${CONFIG_NAMESPACE}:${path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("")}`;
}

/** The table's keys along `path` (list indices skipped); undefined where the path leaves the table. */
function keysAlong(path: Path): StackConfigKey[] | undefined {
    const found: StackConfigKey[] = [];
    let members: readonly StackConfigKey[] | undefined = STACK_CONFIG_KEYS;
    for (const part of path) {
        if (typeof part === "number") continue;
        const key: StackConfigKey | undefined = members?.find((k) => k.name === part);
        if (!key) return undefined;
        found.push(key);
        members = key.fields;
    }
    return found;
}

/** The members an object at `path` may have. */
function membersAt(path: Path): readonly StackConfigKey[] {
    if (path.length === 0) return STACK_CONFIG_KEYS;
    return keysAlong(path)?.at(-1)?.fields ?? [];
}

function valueAt(raw: unknown, path: Path): unknown {
    let value = raw;
    for (const part of path) {
        if (typeof value !== "object" || value === null) return undefined;
        value = (value as Record<PropertyKey, unknown>)[part];
    }
    return value;
}

const normalized = (name: string) => name.toLowerCase().replace(/[-_\s]/g, "");

/** Edit distance counting a swap of two neighbours as one edit (`prot` -> `port`). */
function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/**
 * The known name `typed` most likely means: the same ignoring case, `-` and `_`, or a few edits
 * away (about one per three letters); undefined when none is that close.
 */
export function nearestName(typed: string, known: readonly string[]): string | undefined {
    const t = normalized(typed);
    const exact = known.find((k) => normalized(k) === t);
    if (exact !== undefined) return exact;
    let best: { name: string; distance: number } | undefined;
    for (const name of known) {
        const distance = editDistance(t, normalized(name));
        if (distance <= Math.min(3, Math.max(1, Math.floor(name.length / 3))) && (!best || distance < best.distance)) best = { name, distance };
    }
    return best?.name;
}

/** Names that look like they hold a secret, so an unknown key's value is not shown either. */
const SECRET_LOOKING_NAME = /private|secret|passw|token/i;

/** The ArgumentError for an unknown key at `path`, suggesting the nearest known one. */
function unknownKeyError(path: Path, value: unknown, ctx: ErrorContext): ArgumentError {
    const parent = path.slice(0, -1);
    const typed = String(path.at(-1));
    const members = membersAt(parent);
    let suggestion = nearestName(
        typed,
        members.map((m) => m.name),
    );
    let suggestedPath: Path | undefined = suggestion === undefined ? undefined : [...parent, suggestion];
    if (suggestion === undefined && parent.length === 0) {
        // `haproxy-ha:privateKeyPath` for `haproxy-ha:ssh.privateKeyPath`: a member typed as a key.
        for (const key of STACK_CONFIG_KEYS) {
            const member = key.fields?.find((f) => normalized(f.name) === normalized(typed));
            if (member) {
                suggestion = member.name;
                suggestedPath = [key.name, member.name];
                break;
            }
        }
    }
    const rule =
        suggestedPath === undefined
            ? `is unknown (known ${parent.length === 0 ? "keys" : "fields"}: ${members.map((m) => m.name).join(", ")})`
            : `is unknown (did you mean \`${stackKeyPath(suggestedPath)}\`?)`;
    const suggestedSecret = suggestedPath !== undefined && keysAlong(suggestedPath)?.some((k) => k.secret);
    const shownValue = suggestedSecret || SECRET_LOOKING_NAME.test(typed) ? HIDDEN_VALUE : shown(path, value, ctx);
    return new ArgumentError(WHERE, stackKeyPath(path), rule, shownValue);
}

interface ErrorContext {
    /** Top-level key names (namespace stripped) the stack holds as secrets; undefined: not known. */
    secretKeys?: ReadonlySet<string>;
}

/** Strings inside a stack secret: the engine encrypts strings, so any of them may be the secret one. */
function hideStrings(value: unknown): unknown {
    if (typeof value === "string") return HIDDEN_VALUE;
    if (Array.isArray(value)) return value.map(hideStrings);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideStrings(v)]));
    return value;
}

/** `value` with the table's secret members (at any depth below `members`) replaced. */
function hideSecretMembers(value: unknown, members: readonly StackConfigKey[]): unknown {
    if (Array.isArray(value)) return value.map((v) => hideSecretMembers(v, members));
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(
        Object.entries(value).map(([k, v]) => {
            const member = members.find((m) => m.name === k);
            return [k, member?.secret ? HIDDEN_VALUE : hideSecretMembers(v, member?.fields ?? [])];
        }),
    );
}

/** The value as an error may show it: secrets (the table's, and the stack's own) hidden. */
function shown(path: Path, value: unknown, ctx: ErrorContext): unknown {
    const along = keysAlong(path);
    if (along?.some((k) => k.secret)) return HIDDEN_VALUE;
    // Text where an object with a secret member belongs (`ssh: <the key>`) may well be that secret.
    if (typeof value === "string" && along?.at(-1)?.fields?.some((f) => f.secret)) return HIDDEN_VALUE;
    if (ctx.secretKeys?.has(String(path[0]))) {
        const scalar = typeof value !== "object" || value === null;
        // A scalar secret key is encrypted whole, whatever its type.
        if (path.length === 1 && scalar) return HIDDEN_VALUE;
        value = hideStrings(value);
    }
    return hideSecretMembers(value, path.length === 0 ? STACK_CONFIG_KEYS : (along?.at(-1)?.fields ?? []));
}

/** The first issue zod found, as an ArgumentError; unknown keys first, as they often explain the rest. */
function issueError(issues: readonly z.core.$ZodIssue[], raw: Record<string, unknown>, ctx: ErrorContext): ArgumentError {
    const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
    if (issue.code === "unrecognized_keys") {
        const path = [...issue.path, issue.keys[0]];
        return unknownKeyError(path, valueAt(raw, path), ctx);
    }
    const value = issue.code === "custom" && issue.params && "value" in issue.params ? issue.params.value : valueAt(raw, issue.path);
    return new ArgumentError(WHERE, stackKeyPath(issue.path), issue.message, shown(issue.path, value, ctx));
}

// ---- Parsing.

export interface ParseOptions {
    /**
     * Full keys (`haproxy-ha:ssh`) the stack holds as secrets: their text never appears in an
     * error, and a secret member of the table (`ssh.privateKey`) outside them is refused.
     * Unset: not known (the dry run, whose secrets are placeholders already), nothing refused for it.
     */
    secretKeys?: readonly string[];
}

/** Paths of the table's secret members that `raw` holds. */
function secretPathsGiven(raw: unknown, members: readonly StackConfigKey[], path: PropertyKey[] = []): PropertyKey[][] {
    if (Array.isArray(raw)) return raw.flatMap((entry, i) => secretPathsGiven(entry, members, [...path, i]));
    if (typeof raw !== "object" || raw === null) return [];
    return members.flatMap((m) => {
        const value = (raw as Record<string, unknown>)[m.name];
        if (value === undefined) return [];
        return m.secret ? [[...path, m.name]] : secretPathsGiven(value, m.fields ?? [], [...path, m.name]);
    });
}

/** Defaults that depend on a list entry's position (the first balancer's priority is 100). */
function applyPositionDefaults(parsed: Record<string, unknown>): void {
    for (const key of STACK_CONFIG_KEYS) {
        const entries = parsed[key.name];
        if (!Array.isArray(entries)) continue;
        for (const member of key.fields ?? []) {
            if (!member.defaultByPosition) continue;
            entries.forEach((entry: Record<string, unknown>, i) => {
                entry[member.name] ??= member.defaultByPosition?.[i];
            });
        }
    }
}

/**
 * Reads the `haproxy-ha:*` keys (namespace stripped, values already parsed from YAML/JSON) into a
 * checked topology, with the table's defaults applied. Unknown keys, at any depth, are refused
 * with the nearest known key suggested.
 */
export function parseTopologyConfig(raw: Record<string, unknown>, options: ParseOptions = {}): TopologyConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const ctx: ErrorContext = {
        secretKeys: options.secretKeys && new Set(options.secretKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length))),
    };
    const unknown = Object.keys(raw).find((k) => !STACK_CONFIG_KEYS.some((key) => key.name === k));
    if (unknown !== undefined) throw unknownKeyError([unknown], raw[unknown], ctx);
    if (ctx.secretKeys) {
        const exposed = secretPathsGiven(raw, STACK_CONFIG_KEYS).find((p) => !ctx.secretKeys?.has(String(p[0])));
        if (exposed) {
            const field = stackKeyPath(exposed);
            throw new ArgumentError(WHERE, field, `must be a secret: set it with \`pulumi config set --secret --path '${field}'\``, HIDDEN_VALUE);
        }
    }
    const result = STACK_CONFIG_SCHEMA.safeParse(raw);
    if (!result.success) throw issueError(result.error.issues, raw, ctx);
    applyPositionDefaults(result.data);
    // The schema's output is built from the table, so its static type is loose; the unit tests pin the shape.
    const cfg = result.data as unknown as TopologyConfig;
    checkAcrossKeys(cfg, raw);
    // The collections are checked by the component's own rules, with the stack key paths.
    cfg.stats = parseStatsConfig(raw, cfg.os);
    cfg.collections = parseFrontendsConfig(raw, cfg.os);
    checkServerStates(cfg, raw);
    return cfg;
}

/** A server state other than ready needs the runtime API; with `backends`, states live there. */
function checkServerStates(cfg: TopologyConfig, raw: Record<string, unknown>): void {
    const rawWebs = raw.webs as Record<string, unknown>[];
    const states: { path: PropertyKey[]; state: unknown }[] = cfg.collections
        ? cfg.collections.backends.flatMap((b, i) => (b.servers ?? []).map((s, j) => ({ path: ["backends", i, "servers", j, "state"], state: s.state ?? "ready" })))
        : cfg.webs.map((w, i) => ({ path: ["webs", i, "state"], state: w.state }));
    if (cfg.collections) {
        const i = rawWebs.findIndex((w) => w.state !== undefined);
        if (i >= 0) {
            throw new ArgumentError(WHERE, stackKeyPath(["webs", i, "state"]), "is for the shorthand keys: with `haproxy-ha:backends`, set `servers[].state` there", rawWebs[i].state);
        }
    } else if (cfg.webs.every((w) => w.state !== "ready")) {
        throw new ArgumentError(WHERE, stackKeyPath(["webs"]), "would take every web server out of rotation: keep at least one `state: ready`", cfg.webs.map((w) => `${w.name}: ${w.state}`));
    }
    const notReady = states.find((s) => s.state !== "ready");
    if (notReady && !cfg.runtimeApi) {
        throw new ArgumentError(WHERE, stackKeyPath(notReady.path), "needs `haproxy-ha:runtimeApi: true` (the state is applied through haproxy's runtime API socket, without a reload; turning it on once takes one reload)", notReady.state);
    }
}

/** Rules that involve more than one value. */
function checkAcrossKeys(cfg: TopologyConfig, raw: Record<string, unknown>): void {
    const ssh = cfg.ssh;
    if (ssh.privateKeyPath === undefined && ssh.privateKey === undefined) {
        throw new ArgumentError(WHERE, stackKeyPath(["ssh"]), "needs `privateKeyPath` or a secret `privateKey`", Object.keys(raw.ssh as object));
    }
    checkUniqueNames(WHERE, stackKeyPath(["webs"]), cfg.webs.map((w) => w.name));
    checkUniqueNames(WHERE, stackKeyPath(["balancers"]), cfg.balancers.map((b) => b.name));
    const webNames = new Set(cfg.webs.map((w) => w.name));
    cfg.balancers.forEach((b, i) => {
        if (webNames.has(b.name)) throw new ArgumentError(WHERE, stackKeyPath(["balancers", i, "name"]), "must differ from every web server's name", b.name);
    });
    const [first, second] = cfg.balancers;
    const firstHost = stackKeyPath(["balancers", 0, "host"]);
    if (first.host === second.host) throw new ArgumentError(WHERE, stackKeyPath(["balancers", 1, "host"]), `must differ from \`${firstHost}\``, second.host);
    if (cfg.instances !== undefined) {
        checkInstancesAcrossKeys(cfg, raw);
        return;
    }
    if (cfg.vip === undefined) throw new ArgumentError(WHERE, stackKeyPath(["vip"]), "is required (or `haproxy-ha:instances`, one entry per VRRP instance)", undefined);
    if (first.priority === second.priority) {
        throw new ArgumentError(
            WHERE,
            stackKeyPath(["balancers", 1, "priority"]),
            `must differ from \`${stackKeyPath(["balancers", 0, "priority"])}\` (equal priorities make the election arbitrary)`,
            second.priority,
        );
    }
    checkVipForNodes(
        WHERE,
        stackKeyPath(["vip"]),
        checkCidr(WHERE, stackKeyPath(["vip"]), cfg.vip),
        cfg.balancers.map((b, i) => ({ field: stackKeyPath(["balancers", i, "host"]), address: b.host })),
    );
}

/** Keys that describe the single instance `vip` stands for: with `instances` they belong in each entry. */
const SINGLE_INSTANCE_KEYS = ["vip", "virtualRouterId"] as const;

/**
 * `instances` replaces `vip`, `virtualRouterId` and the balancers' priorities; the stack's
 * `interface`, `advertInt`, `nopreempt`, `unicast` and `vrrpVersion` are the entries' defaults.
 */
function checkInstancesAcrossKeys(cfg: TopologyConfig, raw: Record<string, unknown>): void {
    const where = stackKeyPath(["instances"]);
    for (const key of SINGLE_INSTANCE_KEYS) {
        if (raw[key] !== undefined) throw new ArgumentError(WHERE, stackKeyPath([key]), `describes the single VIP: with \`${where}\` set it in each entry instead`, raw[key]);
    }
    (raw.balancers as Record<string, unknown>[]).forEach((b, i) => {
        if (b.priority !== undefined) {
            throw new ArgumentError(WHERE, stackKeyPath(["balancers", i, "priority"]), `applies to the single \`vip\`: with \`${where}\` set \`masterPriority\`/\`backupPriority\` per entry`, b.priority);
        }
    });
    cfg.instances = parseInstancesConfig(
        cfg.instances,
        cfg.balancers.map((b) => b.name),
        { interface: cfg.interface, advertInt: cfg.advertInt, nopreempt: cfg.nopreempt, unicast: cfg.unicast, vrrpVersion: cfg.vrrpVersion },
        where,
    );
    cfg.instances.forEach((inst, i) => {
        inst.vips.forEach((vip, j) => {
            const field = stackKeyPath(["instances", i, "vips", j]);
            const cidr = checkCidr(WHERE, field, vip);
            // An IPv6 VIP beside IPv4 balancers is checked by the pair (no subnet to compare with).
            if (cidr.address.includes(":") === cfg.balancers[0].host.includes(":")) {
                checkVipForNodes(WHERE, field, cidr, cfg.balancers.map((b, k) => ({ field: stackKeyPath(["balancers", k, "host"]), address: b.host })));
            }
        });
    });
}

// ---- Reading a stack's config: the program (Pulumi hands it text) and the dry run (YAML).

const SAME_NAMESPACE = normalized(CONFIG_NAMESPACE);

/**
 * This project's keys (namespace stripped) out of a stack's config of every namespace. A key in a
 * misspelt namespace (`haproxy_ha:vip`) would be ignored silently, so it is refused.
 */
export function selectProjectKeys<T>(all: Record<string, T>, secretKeys?: readonly string[]): Record<string, T> {
    const selected: Record<string, T> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        const colon = fullKey.indexOf(":");
        if (colon < 0) continue; // Pulumi namespaces every key; nothing of ours
        const namespace = fullKey.slice(0, colon);
        const name = fullKey.slice(colon + 1);
        if (namespace === CONFIG_NAMESPACE) {
            selected[name] = value;
        } else if (normalized(namespace) === SAME_NAMESPACE) {
            const ctx = { secretKeys: new Set(secretKeys?.includes(fullKey) ? [name] : []) };
            const shownValue = SECRET_LOOKING_NAME.test(name) ? HIDDEN_VALUE : shown([name], value, ctx);
            throw new ArgumentError(WHERE, fullKey, `is in namespace \`${namespace}\` (did you mean \`${CONFIG_NAMESPACE}:${name}\`?)`, shownValue);
        }
    }
    return selected;
}

/** The JSON Schema of a key's schema (input side): its type, range, members. */
function jsonSchemaOf(key: StackConfigKey): Record<string, unknown> {
    return z.toJSONSchema(key.schema, { io: "input" }) as Record<string, unknown>;
}

/**
 * A value as the Node SDK hands it to a program: text, with lists and objects (and numbers and
 * booleans) as JSON. A key the table types as a string stays text.
 */
export function decodeConfigText(name: string, text: string): unknown {
    const key = STACK_CONFIG_KEYS.find((k) => k.name === name);
    if (key && jsonSchemaOf(key).type === "string") return text;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/**
 * Every `haproxy-ha:` key the running program's stack holds, decoded, and the full keys the stack
 * holds as secrets (undefined if this SDK cannot tell).
 */
export function readProgramStackConfig(): { raw: Record<string, unknown>; secretKeys?: string[] } {
    const all = pulumi.runtime.allConfig();
    // Internal in @pulumi/pulumi 3.248 (runtime/config.js), and the only way to learn which keys
    // are secrets without turning their values into Outputs.
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    const secretKeys = isConfigSecret ? Object.keys(all).filter((k) => isConfigSecret(k)) : undefined;
    const texts = selectProjectKeys(all, secretKeys);
    const raw = Object.fromEntries(Object.entries(texts).map(([name, value]) => [name, decodeConfigText(name, value)]));
    return { raw, secretKeys };
}

// ---- The README's configuration reference and Pulumi.yaml's declarations, from the table.

/** The default of a key as the table applies it (an object key: its members' defaults). */
export function defaultOf(key: StackConfigKey): unknown {
    return key.defaultByPosition ?? key.default;
}

function typeText(key: StackConfigKey): string {
    const s = jsonSchemaOf(key);
    const range = (lo: unknown, hi: unknown) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
    let type: string;
    if (Array.isArray(s.enum)) type = `one of ${s.enum.map((v) => `\`${v}\``).join(", ")}`;
    else if (s.type === "integer") type = `integer ${range(s.minimum, s.maximum)}`;
    else if (s.type === "number") type = `number > ${s.exclusiveMinimum}, ≤ ${s.maximum}`;
    else if (s.type === "array") {
        const items = s.items as Record<string, unknown>;
        const count = s.minItems === undefined ? "" : `${range(s.minItems, s.maxItems)} `;
        type = `list of ${count}${items.type === "object" ? "objects" : `${items.title ?? items.type}s`}`;
    } else if (s.type === "object" && s.properties === undefined) type = "map of strings";
    else type = String(s.title ?? s.type);
    return key.secret ? `${type}, secret` : type;
}

function defaultText(key: StackConfigKey): string {
    if (key.required) return "required";
    if (key.defaultByPosition) return `${key.defaultByPosition.join(" / ")} by position`;
    const value = key.default;
    if (value === undefined) return "—";
    if (typeof value === "string") return `\`${value}\``;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        return `\`{${Object.entries(value).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")}}\``;
    }
    return typeof value === "object" ? `\`${JSON.stringify(value)}\`` : String(value);
}

/** Every key and member with the name the README shows: `ssh.user`, `webs[].port`. */
export function flattenedKeys(): { name: string; key: StackConfigKey }[] {
    return STACK_CONFIG_KEYS.flatMap((key) => {
        const isList = jsonSchemaOf(key).type === "array";
        const members = (key.fields ?? []).map((member) => ({ name: `${key.name}${isList ? "[]" : ""}.${member.name}`, key: member }));
        return [{ name: key.name, key }, ...members];
    });
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The README's configuration reference: a markdown table, one row per key and member. */
export function renderConfigReference(): string {
    const rows = flattenedKeys().map(({ name, key }) => `| \`${name}\` | ${cell(typeText(key))} | ${cell(defaultText(key))} | ${cell(key.description)} |`);
    return ["| key | type | default | description |", "|---|---|---|---|", ...rows].join("\n") + "\n";
}

/** A Pulumi project config declaration (Pulumi.yaml `config:`), as @pulumi 3.248 supports it. */
export interface PulumiConfigDeclaration {
    type: "string" | "integer" | "boolean" | "array" | "object";
    items?: { type: string };
    description: string;
}

/** The type Pulumi.yaml can declare for a key; undefined where Pulumi has none (a number such as advertInt 0.2). */
export function pulumiTypeOf(key: StackConfigKey): Pick<PulumiConfigDeclaration, "type" | "items"> | undefined {
    const s = jsonSchemaOf(key);
    switch (s.type) {
        case "string":
        case "integer":
        case "boolean":
        case "object":
            return { type: s.type };
        case "array":
            return { type: "array", items: { type: String((s.items as Record<string, unknown>).type) } };
        default:
            return undefined;
    }
}

/** Plain text for Pulumi.yaml: the description without markdown. */
const plainText = (markdown: string) => markdown.replace(/`/g, "");

/**
 * Pulumi.yaml's `config:` declarations: the required keys only. Pulumi treats a declared key
 * without a default as required (stacks missing it are refused), and the defaults live in the
 * table, so optional keys are not declared.
 */
export function pulumiConfigDeclarations(): Record<string, PulumiConfigDeclaration> {
    const declarations: Record<string, PulumiConfigDeclaration> = {};
    for (const key of STACK_CONFIG_KEYS.filter((k) => k.required)) {
        const type = pulumiTypeOf(key);
        if (type) declarations[`${CONFIG_NAMESPACE}:${key.name}`] = { ...type, description: plainText(key.description) };
    }
    return declarations;
}
