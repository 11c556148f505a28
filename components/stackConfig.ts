/**
 * Stack config (namespace `haproxy-ha`): strict decoding by one table of keys (name, zod schema,
 * default, description, secret), which also gives the refusal of unknown keys at every depth
 * (the nearest known key suggested), the README's configuration reference and Pulumi.yaml's
 * declarations. The parsed config's type is inferred from the same schemas (`TopologyConfig`).
 * Rules a component owns are not repeated here: `buildTopology` (topology.ts) builds the
 * components' args through the declared mapping (stackMapping.ts) and shows their errors under
 * the stack keys. What stays here exists only at the stack level (an SSH key to connect with,
 * names unique across webs and balancers, secrets kept secret, shorthand keys vs collections).
 * Every error names the stack key path as the user typed it (`haproxy-ha:balancers[1].priority`)
 * and the value, never a secret's value; all of them at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DEFAULTS } from "./defaults";
import type {
    HaproxyBackendArgs,
    HaproxyBindArgs,
    HaproxyBindTlsArgs,
    HaproxyCertificateArgs,
    HaproxyFrontendArgs,
    HaproxyHealthCheckArgs,
    HaproxyRouteArgs,
    HaproxyServerArgs,
    HaproxyStickyArgs,
} from "./model/haproxy";
import type { HaproxyAuthArgs, HaproxyRateLimitArgs, HaproxyUserArgs } from "./model/edge";
import type { HaproxyNodeArgs } from "./haproxyNode";
import type { KeepalivedPairArgs, VrrpInstanceArgs } from "./keepalivedPair";
import { checkServerAddress } from "./model/dns";
import { ArgPath, ArgumentErrors } from "./model/problems";
import { OS_CHOICES, OsChoice } from "./os";
import { BALANCE_ALGORITHMS, BalanceAlgorithm, SERVER_STATES, ServerState } from "./render/haproxy";
import { BALANCER_STATES } from "./model/maintenance";
import { singleBalancerProblems, unmanagedWebProblems } from "./stackVariants";
import { checkTopology, topologyProblems } from "./topology";
import { ArgumentError, checkCidr, checkHostKey, checkInterface, checkIp, checkName, checkRawLines } from "./validate";

/** The project's config namespace: keys are written `haproxy-ha:<key>`. */
export const CONFIG_NAMESPACE = "haproxy-ha";
/** What an error shows in place of a secret value. */
export const HIDDEN_VALUE = "<hidden>";
const WHERE = "stack config";

/** Which shorthand a default belongs to: unset when `frontends`/`backends` (collections) or `instances` are set, so a key typed beside them reaches the component, which refuses it. */
export type ShorthandOf = "collections" | "instances";

/** One stack-config key, or one member of an object (or of each entry of a list) key: the table's view for the README, errors and tests. */
export interface StackConfigKey {
    /** The name as typed: after `haproxy-ha:` at the top level, after `<parent>.` inside an object. */
    name: string;
    /** Type, range and per-value checks, without the default. */
    schema: z.ZodType;
    /** The value used when the key is unset (from DEFAULTS). Unset and not required: the feature is off. */
    default?: unknown;
    /** A member of list entries whose default depends on the entry's position (balancers' priorities). */
    defaultByPosition?: readonly unknown[];
    /** The default applies to this shorthand only. */
    shorthandOf?: ShorthandOf;
    required?: boolean;
    /** Never shown in an error; the stack must hold it as a secret (`pulumi config set --secret`). */
    secret?: boolean;
    /** One line of markdown for the README. */
    description: string;
    /** A list entry's member whose default is the stack key of this name. */
    defaultFromKey?: string;
    /** The members of an object key, or of each entry of a list-of-objects key. */
    fields?: readonly StackConfigKey[];
}

// ---- Keys: a typed table, so the decoded config's type is inferred from it.

interface KeyInfo {
    required?: boolean;
    default?: unknown;
    /** A default that applies only while the config uses the shorthand `shorthandOf` names. */
    shorthandDefault?: unknown;
    defaultByPosition?: readonly unknown[];
    shorthandOf?: ShorthandOf;
    /** A list entry's member whose default is the stack key of this name (an instance's `interface`). */
    defaultFromKey?: string;
    secret?: boolean;
    description: string;
}

type Mode = "required" | "default" | "optional";
type ModeOf<I> = I extends { required: true } ? "required" : I extends { default: {} | null } ? "default" : "optional";

interface Key<S extends z.ZodType = z.ZodType, M extends Mode = Mode> extends KeyInfo {
    schema: S;
    mode: M;
    fields?: Fields;
}
type Fields = { readonly [name: string]: Key };
/** A member's schema as it sits in its object: required, with its default, or optional. */
type Member<K extends Key> = K["mode"] extends "required" ? K["schema"] : K["mode"] extends "default" ? z.ZodDefault<K["schema"]> : z.ZodOptional<K["schema"]>;
type Shape<F extends Fields> = { -readonly [N in keyof F]: Member<F[N]> };
type StrictObject<F extends Fields> = z.ZodObject<Shape<F>, z.core.$strict>;

function modeOf(info: KeyInfo): Mode {
    return info.required ? "required" : info.default !== undefined ? "default" : "optional";
}

function leaf<S extends z.ZodType, const I extends KeyInfo>(schema: S, info: I): Key<S, ModeOf<I>> {
    return { ...info, schema, mode: modeOf(info) as ModeOf<I> };
}

// ---- Schemas: types and ranges by zod; names, addresses and raw lines by validate.ts's checks,
// here for a key no component checks, and by the component for a value the mapping hands over.

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

function oneOf<const T extends readonly [string, ...string[]]>(choices: T) {
    return z.enum(choices as unknown as { [K in T[number]]: K }, { error: `must be one of ${choices.join(", ")}` });
}

const boolean = () => z.boolean({ error: "must be true or false" });
const text = (error: string) => z.string({ error }).min(1, { error });

function listRule(min: number, max: number, what: string): string {
    return `must be a list of ${min === max ? `exactly ${min}` : `${min} to ${max}`} ${what}`;
}

/** The message for a value that is not an object: names the members the user must give. */
function objectRule(fields: Fields): string {
    const names = Object.entries(fields);
    const required = names.filter(([, f]) => f.required).map(([n]) => `\`${n}\``);
    if (required.length > 0) return `must be an object with ${required.join(" and ")}`;
    return `must be an object with any of ${names.map(([n]) => `\`${n}\``).join(", ")}`;
}

/** The schema of a member as it sits in its object: with its default, optional, or required. */
function member(key: Key): z.ZodType {
    // A function, so no parsed config shares (and could change) the frozen DEFAULTS.
    if (key.mode === "default") return key.schema.default(() => structuredClone(key.default));
    return key.mode === "required" ? key.schema : key.schema.optional();
}

/** An object whose unknown members are refused. */
function objectOf<F extends Fields>(fields: F, rule = objectRule(fields)): StrictObject<F> {
    return z.strictObject(Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, member(f)])), { error: rule }) as unknown as StrictObject<F>;
}

/** The defaults of an object's members, as one object. */
function defaultsOf(fields: Fields): Record<string, unknown> {
    return Object.fromEntries(Object.entries(fields).filter(([, f]) => f.default !== undefined).map(([n, f]) => [n, f.default]));
}

/** An object key: its default, when it is optional, is its members' defaults. */
function object<F extends Fields, const I extends KeyInfo>(fields: F, info: I, rule = objectRule(fields)): Key<StrictObject<F>, I extends { required: true } ? "required" : "default"> {
    const withDefault = info.required ? info : { ...info, default: defaultsOf(fields) };
    return { ...withDefault, schema: objectOf(fields, rule), mode: modeOf(withDefault), fields } as unknown as Key<StrictObject<F>, I extends { required: true } ? "required" : "default">;
}

function listOfObjects<F extends Fields, const I extends KeyInfo>(fields: F, length: { min: number; max: number }, info: I): Key<z.ZodArray<StrictObject<F>>, ModeOf<I>> {
    const error = listRule(length.min, length.max, "entries");
    return { ...info, schema: z.array(objectOf(fields), { error }).min(length.min, { error }).max(length.max, { error }), mode: modeOf(info) as ModeOf<I>, fields };
}

/**
 * A string whose value a component checks with the same rule once the mapping hands it over (a
 * web server's address, a VIP): here only its type, with the rule as the message for a non-string.
 */
function typedString(check: ValueCheck, kind: string) {
    return z.string({ error: (issue) => brokenRule(check, issue.input)?.rule }).meta({ title: kind });
}

const nodeName = () => checkedString(checkName, "name");
const typedAddress = () => typedString(checkIp, "IP address");
const typedName = () => typedString(checkName, "name");
const rawLine = checkedString((where, field, value) => checkRawLines(where, field, [value]), "line");
const vipsRule = "must list 1 to 16 addresses with prefix (`172.20.30.69/24`)";
const hostKeyError = "must map host addresses to authorized_keys-style host keys";

// The collections' shapes: types and known members only. Their rules (names, references,
// ranges, PEMs, versions) are HaproxyNode's, checked once there and shown under these keys.
const words = (what: string, list = `${what}s`) => z.array(z.string({ error: `must be ${what}` }), { error: `must be a list of ${list}` });
const str = (what = "text") => z.string({ error: `must be ${what}` });
const num = () => z.number({ error: "must be a number" });
const bool = boolean;
const strict = <S extends z.core.$ZodLooseShape>(shape: S, error: string) => z.strictObject(shape, { error });
const RATE_LIMIT = strict({ requests: num(), periodS: num(), header: str("a header name").optional() }, "must be an object with `requests` and `periodS`");
const AUTH = strict({ userlist: str("a userlist name"), realm: str().optional() }, "must be an object with `userlist`");
const MATCH_SHAPE = {
    hosts: words("a host name", "host names").optional(),
    pathPrefixes: words("a path", "paths").optional(),
    paths: words("a path", "paths").optional(),
    pathSuffixes: words("a path suffix", "path suffixes").optional(),
    pathRegexes: words("a regex", "regexes").optional(),
    methods: words("a method", "methods").optional(),
    headers: z.array(strict({ name: str("a header name"), values: words("a value", "values").optional(), regex: str("a regex").optional() }, "must be an object with `name`"), { error: "must be a list of header tests" }).optional(),
    sources: words("a CIDR", "CIDRs").optional(),
    queryParams: z.array(strict({ name: str("a parameter name"), values: words("a value", "values").optional() }, "must be an object with `name`"), { error: "must be a list of query parameter tests" }).optional(),
};
const MATCH = strict(MATCH_SHAPE, "must be an object of conditions");
const ROUTE = strict(
    {
        ...MATCH_SHAPE,
        anyOf: z.array(MATCH, { error: "must be a list of conditions" }).optional(),
        not: z.array(MATCH, { error: "must be a list of conditions" }).optional(),
        backend: str("a backend name"),
        rateLimit: RATE_LIMIT.optional(),
        auth: AUTH.optional(),
    },
    "must be an object with `backend`",
);
const ERROR_PAGES = z.array(strict({ status: num(), body: str("the page's text"), contentType: str().optional() }, "must be an object with `status` and `body`"), { error: "must be a list of error pages" });
const HEADER_RULE = strict({ action: str(), name: str(), value: str().optional() }, "must be an object with `action` and `name`");
const FRONTEND = strict(
    {
        name: str("a name"),
        binds: z.array(
            strict(
                {
                    address: str("an address or `*`").optional(),
                    port: num(),
                    tls: strict({ certificates: words("a certificate name", "certificate names"), minVersion: str().optional(), alpn: bool().optional(), http2: bool().optional() }, "must be an object with `certificates`").optional(),
                },
                "must be an object with `port`",
            ),
            { error: "must be a list of binds" },
        ),
        mode: str().optional(),
        routes: z.array(ROUTE, { error: "must be a list of routes" }).optional(),
        defaultBackend: str("a backend name").optional(),
        redirectToHttps: bool().optional(),
        hsts: strict({ maxAgeS: num() }, "must be an object with `maxAgeS`").optional(),
        tlsProfile: str().optional(),
        forwardFor: bool().optional(),
        maxconn: num().optional(),
        rateLimit: RATE_LIMIT.optional(),
        auth: AUTH.optional(),
        timeouts: strict({ clientMs: num().optional(), httpRequestMs: num().optional(), httpKeepAliveMs: num().optional() }, "must be an object of timeouts").optional(),
        requestHeaders: z.array(HEADER_RULE, { error: "must be a list of header rules" }).optional(),
        responseHeaders: z.array(HEADER_RULE, { error: "must be a list of header rules" }).optional(),
        extraConfig: words("a line", "lines").optional(),
        errorPages: ERROR_PAGES.optional(),
        hostMap: str("a map name").optional(),
    },
    "must be an object with `name` and `binds`",
);
const SERVER = strict(
    {
        name: str("a name"),
        address: str("an address"),
        port: num().optional(),
        weight: num().optional(),
        backup: bool().optional(),
        maxconn: num().optional(),
        state: oneOf(SERVER_STATES as unknown as [ServerState, ...ServerState[]]).optional(),
    },
    "must be an object with `name` and `address`",
);
const BACKEND = strict(
    {
        name: str("a name"),
        servers: z.array(SERVER, { error: "must be a list of servers" }),
        balance: str().optional(),
        healthCheck: strict(
            { method: str().optional(), path: str().optional(), host: str().optional(), expectStatus: num().optional(), interMs: num().optional(), rise: num().optional(), fall: num().optional() },
            "must be an object of health-check settings",
        ).optional(),
        sticky: strict({ cookie: str("a cookie name").optional(), source: bool().optional(), expireS: num().optional() }, "must be an object with `cookie` or `source`").optional(),
        timeouts: strict({ connectMs: num().optional(), serverMs: num().optional(), queueMs: num().optional(), httpKeepAliveMs: num().optional() }, "must be an object of timeouts").optional(),
        extraConfig: words("a line", "lines").optional(),
        errorPages: ERROR_PAGES.optional(),
        compression: strict({ algorithms: words("an algorithm", "algorithms").optional(), types: words("a MIME type", "MIME types").optional() }, "must be an object (`{}` for the defaults)").optional(),
    },
    "must be an object with `name` and `servers`",
);
const ACME_SETTINGS = strict(
    {
        directory: str("the ACME directory URL"),
        email: str("an email address").optional(),
        domains: words("a domain name"),
        challenge: str().optional(),
        renewBeforeDays: num().optional(),
        dnsHook: str("a command").optional(),
    },
    "must be an object with `directory` and `domains`",
);
// `acme` instead of `pem`: the topology orders the certificate (components/acme) and feeds both balancers.
const MAP = strict({ name: str("a name"), entries: z.record(z.string(), str("a backend name"), { error: "must map host names to backend names" }) }, "must be an object with `name` and `entries`");
const REPOSITORY = strict(
    {
        name: str("a name"),
        url: str("an http(s) URL"),
        signingKey: str("an ASCII-armored public key"),
        suites: words("a suite", "suites").optional(),
        components: words("a component", "components").optional(),
        priority: num().optional(),
        baseurl: str("an http(s) URL").optional(),
        repoGpgcheck: boolean().optional(),
    },
    "must be an object with `name`, `url`, `signingKey` (and `suites` for apt)",
);
const RAW_SECTION = strict({ type: str("a section keyword"), name: str("a name"), lines: words("a line", "lines") }, "must be an object with `type`, `name` and `lines`");
const USERLIST = strict(
    {
        name: str("a name"),
        users: z.array(strict({ name: str("a name"), passwordHash: str("a crypt(3) hash").optional(), insecurePassword: str("a password").optional() }, "must be an object with `name` and `passwordHash`"), {
            error: "must be a list of users",
        }),
    },
    "must be an object with `name` and `users`",
);
const PEERS_OBJECT = strict({ port: num().optional() }, "must be true, false or an object with `port`");
const STATS_OBJECT = strict(
    { adminSources: words("a CIDR", "CIDRs").optional(), prometheus: boolean().optional() },
    "must be true, false or an object with `adminSources`, `prometheus`",
);

// keepalived's extension points (model/keepalivedHooks.ts checks them; here their shapes).
const instanceNames = () => words("an instance name", "instance names");
const hookScript = (state: string) =>
    leaf(text("must be a whole script (a secret config value)"), { secret: true, description: `script run when an instance becomes ${state} (\`#!\` first; may hold tokens)` });
const KEEPALIVED_HOOK_KEYS = {
    preemptDelayS: leaf(integer(1, 1000), {
        description: "seconds (1–1000) a balancer that should take the VIP back waits first (keepalived `preempt_delay`; both then start BACKUP); not with `nopreempt`; unset: none",
    }),
    trackScripts: listOfObjects(
        {
            name: leaf(typedName(), { required: true, description: "unique; rendered `vrrp_script track_<name>`" }),
            command: leaf(str(), { description: "an absolute command with plain arguments (`/usr/bin/test -f /run/app/ok`), no shell; this or `script`" }),
            script: leaf(text("must be a whole script (a secret config value)"), {
                secret: true,
                description: "a whole script (`#!` first), shipped as a root-owned 0700 file `/etc/keepalived/haproxy-ha-track-<name>`; this or `command`",
            }),
            intervalS: leaf(integer(1, 3600), { description: `seconds between runs; unset: ${DEFAULTS.keepalivedPair.trackScript.intervalS}` }),
            timeoutS: leaf(integer(1, 3600), { description: "seconds before a run counts as failed; unset: keepalived's" }),
            weight: leaf(integer(-253, 253), { description: "-253–253; unset or 0: a failure sends the instances to FAULT; negative: lowers their priority" }),
            fall: leaf(integer(1, 100), { description: `failures before it counts as failed; unset: ${DEFAULTS.keepalivedPair.trackScript.fall}` }),
            rise: leaf(integer(1, 100), { description: `successes before it counts as OK; unset: ${DEFAULTS.keepalivedPair.trackScript.rise}` }),
            instances: leaf(instanceNames(), { description: "instances that track it; unset: every instance" }),
        },
        { min: 1, max: 32 },
        { description: "user track scripts, run as root like the haproxy check (see docs/vrrp.md)" },
    ),
    trackFiles: listOfObjects(
        {
            name: leaf(typedName(), { required: true, description: "unique; rendered `vrrp_track_file file_<name>`" }),
            path: leaf(str(), { required: true, description: "absolute path of the file holding a number" }),
            weight: leaf(integer(-254, 254), { description: "-254–254: the number times it is added to the priority; 0: non-zero means FAULT; unset: 1" }),
            initValue: leaf(integer(-254, 254), { description: "keepalived creates a missing file with this number; unset: not created (missing counts as 0)" }),
            instances: leaf(instanceNames(), { description: "instances that track it; unset: every instance" }),
        },
        { min: 1, max: 32 },
        { description: "files whose number moves the priority (`vrrp_track_file`, keepalived ≥ 2.0.0: not `centos7`)" },
    ),
    trackProcesses: listOfObjects(
        {
            name: leaf(typedName(), { required: true, description: "unique; rendered `vrrp_track_process proc_<name>`" }),
            process: leaf(str(), { required: true, description: "process name as in /proc/PID/comm (≤ 15 characters)" }),
            weight: leaf(integer(-254, 254), { description: "-254–254; unset or 0: too few processes means FAULT" }),
            quorum: leaf(integer(1, 1000), { description: "processes needed; unset: 1" }),
            delayS: leaf(seconds(60), { description: "seconds a change must last before it counts; unset: none" }),
            instances: leaf(instanceNames(), { description: "instances that track it; unset: every instance" }),
        },
        { min: 1, max: 32 },
        { description: "processes that must run (`vrrp_track_process`, keepalived ≥ 2.0.11: not `centos7`)" },
    ),
    syncGroups: listOfObjects(
        {
            name: leaf(typedName(), { required: true, description: "unique; rendered `vrrp_sync_group SG_<name>`" }),
            instances: leaf(instanceNames(), { required: true, description: "two or more instances that move together; each in at most one group" }),
        },
        { min: 1, max: 16 },
        { description: "instances that move together (`vrrp_sync_group`); with `instances`; their trackers unweighted" },
    ),
    garp: object(
        {
            masterDelayS: leaf(integer(1, 3600), { description: "seconds after becoming MASTER before the second burst of gratuitous ARPs (1–3600)" }),
            masterRepeat: leaf(integer(1, 100), { description: "gratuitous ARPs per burst (1–100)" }),
            masterRefreshS: leaf(integer(1, 3600), { description: "seconds between repeated bursts while MASTER (1–3600)" }),
            masterRefreshRepeat: leaf(integer(1, 100), { description: "gratuitous ARPs per refresh (1–100)" }),
        },
        { description: "gratuitous ARP timing of a new MASTER, every instance; unset: keepalived's" },
    ),
    notify: object(
        { master: hookScript("MASTER"), backup: hookScript("BACKUP"), fault: hookScript("FAULT") },
        { description: "hooks run on a VRRP transition after the built-in notify script, with `INSTANCE <name> <STATE> <priority>` (see docs/vrrp.md)" },
    ),
};

/** Every stack-config key, in the README's order (an object's members keep their order). */
const KEYS = {
    os: leaf(oneOf(OS_CHOICES as unknown as [OsChoice, ...OsChoice[]]), {
        default: DEFAULTS.host.os,
        description: "OS release (`debian12`) or family (`debian`) of every host, or `auto` (detected from /etc/os-release); a family or `auto` renders for the versions the host reports (docs/platforms.md)",
    }),
    ssh: object(
        {
            user: leaf(nodeName(), { default: DEFAULTS.ssh.user, description: "SSH user; for a non-root user with passwordless sudo set `become`" }),
            port: leaf(integer(1, 65535), { default: DEFAULTS.ssh.port, description: "SSH port" }),
            privateKeyPath: leaf(text("must be a file path"), {
                description: "private key file on the machine running Pulumi (`~/` allowed); this or `privateKey` is required",
            }),
            privateKey: leaf(text("must be the private key's text"), {
                secret: true,
                description: "the private key itself: `pulumi config set --secret --path 'haproxy-ha:ssh.privateKey' < key`",
            }),
            hostKeys: leaf(z.record(z.string(), checkedString(checkHostKey, "host key"), { error: hostKeyError }), {
                description:
                    'host keys by host address (`"172.20.30.15": "ssh-ed25519 AAAA…"`), each checked when parsed; `npm run host-keys -- <stack>` reads and writes them. Every host needs one: `pulumi up` refuses a host without one unless `insecureSkipHostKeyCheck` is set. Pin ed25519 or ecdsa keys: for an `ssh-rsa` key this project\'s command plugin asks for `rsa-sha2-512`/`rsa-sha2-256` signatures (then SHA-1 `ssh-rsa`), but upstream pulumi-command asks only for SHA-1 `ssh-rsa`, which OpenSSH ≥ 8.8 no longer offers',
            }),
            insecureSkipHostKeyCheck: leaf(boolean(), {
                default: DEFAULTS.ssh.insecureSkipHostKeyCheck,
                description:
                    "`true`: connect to the hosts `hostKeys` leaves out without checking their keys (any machine answering at the address gets the TLS keys and the VRRP and stats passwords); `pulumi up` warns per host. Unset: such a host is refused before any host is touched",
            }),
            perDialTimeout: leaf(integer(1, 600), { default: DEFAULTS.ssh.perDialTimeout, description: "seconds per dial attempt" }),
            dialErrorLimit: leaf(integer(1, 100), { default: DEFAULTS.ssh.dialErrorLimit, description: "dial attempts before giving up on a host" }),
        },
        { required: true, description: "how Pulumi reaches every host over SSH" },
        "must be an object with `privateKeyPath` or a secret `privateKey`",
    ),
    webs: listOfObjects(
        {
            name: leaf(typedName(), { required: true, description: "server name in haproxy.cfg; unique, and no balancer's name" }),
            host: leaf(typedString(checkServerAddress, "IP address or DNS name"), {
                required: true,
                description:
                    "address Pulumi connects to and the balancers send requests to: an IP address or a DNS name (RFC 1123), which haproxy resolves with libc when it starts and, with `nameservers`, again while it runs",
            }),
            port: leaf(integer(1, 65535), { default: DEFAULTS.webBackend.port, description: "port the web server listens on" }),
            managed: leaf(boolean(), {
                default: DEFAULTS.stack.webManaged,
                description:
                    "`false`: a server the library only points to (an existing machine, IIS on Windows…): no SSH to it, nothing installed, no host key needed; only its `host` and `port` in the balancers' backend, health-checked like the others",
            }),
            content: leaf(z.string({ error: "must be the index page's text" }), { description: "the index page; unset: a page that names the backend; not with `managed: false`" }),
            state: leaf(oneOf(SERVER_STATES as unknown as [ServerState, ...ServerState[]]), {
                shorthandDefault: "ready",
                shorthandOf: "collections",
                description:
                    "`drain` (no new requests, open ones finish) or `maint` (none) in the balancers, applied at once through the runtime API without a reload and kept across reloads; needs `runtimeApi: true` (see docs/day2.md)",
            }),
        },
        { min: 1, max: 64 },
        { required: true, description: "the web servers, in backend order" },
    ),
    balancers: listOfObjects(
        {
            name: leaf(typedName(), { required: true, description: "node name (keepalived `router_id`); unique" }),
            host: leaf(typedAddress(), { required: true, description: "the node's address on `interface`" }),
            priority: leaf(integer(1, 254), {
                defaultByPosition: DEFAULTS.keepalivedPair.priorities,
                shorthandOf: "instances",
                description: "VRRP priority; the two must differ, the higher starts as MASTER",
            }),
            state: leaf(oneOf(BALANCER_STATES), {
                default: "ready",
                description:
                    "`maint`: the balancer hands its VIPs to the other one and stays BACKUP (priority 1; `pulumi up` waits until the other holds them), for an upgrade or a rebuild; `ready` takes it back. One balancer at a time, and not with a single balancer (see docs/day2.md)",
            }),
        },
        { min: 1, max: 2 },
        {
            required: true,
            description:
                "the HAProxy nodes: two share the VIP through keepalived; one runs alone, without keepalived and without a VIP (the service's address is its `host`; the VRRP keys are refused)",
        },
    ),
    vip: leaf(typedString(checkCidr, "address/prefix"), {
        description: "the floating address with prefix, e.g. `172.20.30.69/24`; must lie in the balancers' subnet and be none of them. With two balancers this or `instances` is required; with one, unset",
    }),
    instances: listOfObjects(
        {
            name: leaf(typedName(), { required: true, description: "unique; rendered `vrrp_instance VI_<name>`" }),
            vips: leaf(z.array(typedString(checkCidr, "CIDR"), { error: vipsRule }).min(1, { error: vipsRule }).max(16, { error: vipsRule }), {
                required: true,
                description: "floating addresses with prefix, all IPv4 or all IPv6; both balancers bind every one",
            }),
            virtualRouterId: leaf(integer(1, 255), { required: true, description: "VRRP router id, unique per address family among the instances and on the segment" }),
            master: leaf(typedName(), { required: true, description: "the balancer (by name) holding the VIPs while both are healthy" }),
            interface: leaf(typedString(checkInterface, "interface name"), { defaultFromKey: "interface", description: "interface carrying the VIPs; unset: the stack's `interface`" }),
            masterPriority: leaf(integer(1, 254), { default: DEFAULTS.keepalivedPair.priorities[0], description: "the master's priority" }),
            backupPriority: leaf(integer(1, 254), { default: DEFAULTS.keepalivedPair.priorities[1], description: "the other balancer's priority, below `masterPriority`" }),
            advertInt: leaf(seconds(255), { defaultFromKey: "advertInt", description: "seconds between adverts; unset: the stack's `advertInt`" }),
            nopreempt: leaf(boolean(), { defaultFromKey: "nopreempt", description: "unset: the stack's `nopreempt`" }),
            unicast: leaf(boolean(), { defaultFromKey: "unicast", description: "unset: the stack's `unicast`" }),
            vrrpVersion: leaf(integer(2, 3), { defaultFromKey: "vrrpVersion", description: "unset: the stack's `vrrpVersion`; IPv6 VIPs need 3" }),
            trackInterfaces: leaf(z.array(typedString(checkInterface, "interface name"), { error: "must be a list of interface names" }), {
                description: "more interfaces whose link going down sends the instance to FAULT (its own always counts)",
            }),
            authPassword: leaf(text("must be text (a secret config value)"), {
                secret: true,
                description: "VRRPv2 password, at most 8 characters; unset: a generated secret per instance",
            }),
            preemptDelayS: leaf(integer(1, 1000), { defaultFromKey: "preemptDelayS", description: "unset: the stack's `preemptDelayS`" }),
        },
        { min: 1, max: 32 },
        {
            description:
                "VRRP instances instead of `vip`/`virtualRouterId`/balancer priorities: two with different `master`s make the pair active-active (see docs/vrrp.md)",
        },
    ),
    interface: leaf(checkedString(checkInterface, "interface name"), { default: DEFAULTS.stack.interface, description: "interface carrying the VIP and the adverts" }),
    virtualRouterId: leaf(integer(1, 255), { shorthandDefault: DEFAULTS.keepalivedPair.virtualRouterId, shorthandOf: "instances", description: "VRRP router id, unique per network segment" }),
    port: leaf(integer(1, 65535), { shorthandDefault: DEFAULTS.haproxyNode.port, shorthandOf: "collections", description: "frontend port (haproxy binds `VIP:port`)" }),
    balance: leaf(oneOf(BALANCE_ALGORITHMS as unknown as [BalanceAlgorithm, ...BalanceAlgorithm[]]), {
        shorthandDefault: DEFAULTS.haproxyNode.balance,
        shorthandOf: "collections",
        description: "haproxy's load-balancing algorithm",
    }),
    stats: leaf(z.union([boolean(), STATS_OBJECT], { error: "must be true, false or an object with `adminSources`, `prometheus`" }), {
        default: DEFAULTS.haproxyNode.stats,
        description:
            `stats page on each balancer's own address :${DEFAULTS.haproxyNode.statsPage.port} \`${DEFAULTS.haproxyNode.statsPage.uri}\`, user ` +
            `\`${DEFAULTS.haproxyNode.statsPage.user}\`, generated secret password (stack output of the component), answering only the balancer itself; an object ` +
            "`{ adminSources: [CIDR…], prometheus: true }` turns it on open to `adminSources` too (haproxy refuses other sources with 403, an active firewall opens the port to them only; `[0.0.0.0/0, \"::/0\"]` opens it to everyone), with `/metrics` behind the same sources and credentials (haproxy ≥ 2.0)",
    }),
    frontends: leaf(z.array(FRONTEND, { error: "must be a list of frontends" }), {
        description:
            "named frontends (`name`, `binds: [{address, port, tls: {certificates, minVersion, alpn, http2}}]`, `mode`, `routes` (first match wins; each matches on `hosts`, `pathPrefixes`, `paths`, `pathSuffixes`, `pathRegexes`, `methods`, `headers`, `sources`, `queryParams`, all of them, plus `anyOf`/`not`), `hostMap`, `defaultBackend`, `errorPages`, `redirectToHttps`, `hsts`, `tlsProfile`, …): replaces `port`/`balance`/`extraBackend`; with `backends`. `tlsProfile`: Mozilla's `intermediate` (default: TLS 1.2+, forward-secret AEAD suites, no session tickets), `modern` (TLS 1.3 only) or `old` (TLS 1.0+, only for clients that need it; a `tls.minVersion` below TLSv1.2 needs it); `maxconn` caps the frontend's connections (more wait in the backlog); `rateLimit: { requests, periodS, header? }` on a frontend or a route answers 429 over N requests per period per source address (or header value; haproxy ≥ 1.6); `auth: { userlist, realm? }` asks for basic auth (a route's: haproxy ≥ 1.6) (see docs/frontends.md)",
    }),
    backends: leaf(z.array(BACKEND, { error: "must be a list of backends" }), {
        description: "named backends (`name`, `servers` by web name or address with `state` ready/drain/maint, `balance`, `healthCheck`, `sticky: { cookie }` or `sticky: { source: true, expireS? }` (a stick table on the source address, shared through `peers`), `timeouts`, `errorPages: [{status, body, contentType}]`, `compression: {algorithms, types}`); with `frontends` (see docs/frontends.md)",
    }),
    certificates: listOfObjects(
        {
            name: leaf(str("a name"), { required: true, description: "unique; the file /etc/haproxy/certs/<name>.pem the TLS binds name" }),
            pem: leaf(str("the certificate chain and key (PEM)"), {
                secret: true,
                description:
                    "chain and key, set with `pulumi config set --secret --path 'haproxy-ha:certificates[0].pem' < file`; only PEM blocks and whitespace, every certificate of the chain valid now (expired or not yet valid: refused with the dates)",
            }),
            acme: leaf(ACME_SETTINGS, {
                description:
                    "instead of `pem`: `{ directory, email, domains, challenge, renewBeforeDays, dnsHook }`, issued and renewed by `pulumi up` from that ACME directory (challenge `http-01`, the default, answered by the balancers on port 80; `dns-01` through `dnsHook`, for wildcards; `renewBeforeDays` default 30); one account (directory, email) per stack; haproxy ≥ 2.2 (see docs/acme.md)",
            }),
        },
        { min: 0, max: 64 },
        {
            description:
                "TLS certificates, each a `pem` or `acme`; `pulumi preview`/`up` warn when one expires within 14 days or no subjectAltName covers a Host the TLS frontends route",
        },
    ),
    maps: leaf(z.array(MAP, { error: "must be a list of `{ name, entries }`" }), {
        description:
            "Host → backend tables `{ name, entries: { host: backend } }` (thousands of hosts are fine) a frontend's `hostMap` routes by, after its `routes`; each ships as /etc/haproxy/maps/<name>.map with the config and is validated with it; with `runtimeApi` a change of entries alone is applied through the runtime API without a reload (see docs/frontends.md)",
    }),
    sections: leaf(z.array(RAW_SECTION, { error: "must be a list of `{ type, name, lines }`" }), {
        description:
            "raw top-level sections `{ type, name, lines }`: `userlist`, `peers`, `resolvers` (haproxy ≥ 1.6), `mailers` (≥ 1.6), `cache` (≥ 1.8), `http-errors` (≥ 2.2), `ring` (≥ 2.2); rendered after the backends and validated by `haproxy -c` on the host with the rest",
    }),
    peers: leaf(z.union([boolean(), PEERS_OBJECT], { error: "must be true, false or an object with `port`" }), {
        default: false,
        description:
            "`true` (or `{ port }`, default 10000): a haproxy `peers` section between the two balancers on their `host` addresses, so stick tables (`backends[].sticky.source`, rate limits) are shared, survive a reload and a failover; an active firewall opens the port to the other balancer only (see docs/frontends.md)",
    }),
    userlists: leaf(z.array(USERLIST, { error: "must be a list of `{ name, users }`" }), {
        secret: true,
        description:
            "users for basic auth (`frontends[].auth`, `routes[].auth`): `[{ name, users: [{ name, passwordHash }] }]`, each `passwordHash` a SHA-512 `$6$` or SHA-256 `$5$` crypt(3) hash (`openssl passwd -6`); `insecurePassword` instead is the password in clear in haproxy.cfg, an explicit opt-in; set with `pulumi config set --secret --path 'haproxy-ha:userlists[0].users[0].passwordHash'`",
    }),
    logging: leaf(oneOf(["devlog", "rsyslog"] as const), {
        description: "haproxy's logs: `rsyslog` (they arrive in /var/log/haproxy.log on every family; rsyslog installed when missing) or `devlog` (`log /dev/log`, nothing installed); default `rsyslog` with `frontends`, `devlog` with the shorthand keys",
    }),
    nameservers: leaf(z.array(typedString(checkIp, "nameserver IP"), { error: "must be a list of nameserver IP addresses" }), {
        description:
            "nameservers (IP addresses, port 53) haproxy asks while it runs, for the web servers whose `host` is a DNS name: a `resolvers` section (haproxy ≥ 1.6: refused with `os` centos7 or auto), so a changed record moves the traffic without a reload; unset: names are resolved once, with libc, at each start or reload (see docs/variants.md)",
    }),
    runtimeApi: leaf(boolean(), { default: false, description: "haproxy's runtime API socket /run/haproxy/admin.sock (mode 600, level admin)" }),
    unicast: leaf(boolean(), { default: DEFAULTS.keepalivedPair.unicast, description: "VRRP adverts to the peer's address instead of multicast" }),
    nopreempt: leaf(boolean(), {
        default: DEFAULTS.keepalivedPair.nopreempt,
        description: "both nodes start BACKUP; a recovered node does not take the VIP back",
    }),
    advertInt: leaf(seconds(255), { default: DEFAULTS.keepalivedPair.advertInt, description: "seconds between adverts; fractions need `vrrpVersion: 3`" }),
    vrrpVersion: leaf(integer(2, 3), { default: DEFAULTS.keepalivedPair.vrrpVersion, description: "3 for sub-second adverts (no PASS authentication in VRRPv3)" }),
    haproxyCheck: object(
        {
            intervalS: leaf(integer(1, 3600), { default: DEFAULTS.keepalivedPair.haproxyCheck.intervalS, description: "seconds between checks" }),
            fall: leaf(integer(1, 100), { default: DEFAULTS.keepalivedPair.haproxyCheck.fall, description: "failures before the node goes to FAULT" }),
            rise: leaf(integer(1, 100), { default: DEFAULTS.keepalivedPair.haproxyCheck.rise, description: "successes before it is OK again" }),
        },
        { description: "keepalived's check that haproxy runs" },
    ),
    ...KEEPALIVED_HOOK_KEYS,
    gatewayCheck: leaf(typedAddress(), { description: "an address every healthy balancer pings: one that cannot loses priority, so the VIP goes to the one that still reaches it; unset: off" }),
    extraBackend: leaf(z.array(rawLine, { error: "must be a list of lines" }), {
        shorthandDefault: DEFAULTS.haproxyNode.extraBackend,
        shorthandOf: "collections",
        description: "raw haproxy directives appended to the backend (validated by `haproxy -c` on the host)",
    }),
    packages: leaf(z.record(z.string(), str("a version"), { error: 'must map package names to versions (`haproxy: "2.6.12-1+deb12u3"`, or a prefix `"2.6.*"`)' }), {
        description:
            "the balancers' package versions, by package name (`haproxy: 2.6.*`; dnf `haproxy: 2.4.22`): a version the hosts' repositories lack is refused listing the versions they have; a changed pin upgrades or downgrades in place, BACKUP first, never removes (see docs/packages.md)",
    }),
    repositories: leaf(z.array(REPOSITORY, { error: "must be a list of `{ name, url, signingKey, suites, … }`" }), {
        description:
            "signed vendor repositories for the balancers `{ name, url, signingKey, suites, components, priority, baseurl, repoGpgcheck }`: apt a deb822 `.sources` with `Signed-By` (and a pin `priority`), dnf a `.repo` with `gpgcheck=1`; checked before anything is installed (unsigned or wrongly signed: refused naming it), removed on destroy (see docs/packages.md)",
    }),
    become: leaf(boolean(), { default: DEFAULTS.host.become, description: "run the scripts through `sudo -n`" }),
    centos7Vault: leaf(boolean(), {
        default: DEFAULTS.host.centos7Vault,
        description: "CentOS 7: point yum at `vault.centos.org/7.9.2009` first (restored on destroy)",
    }),
    reapply: leaf(integer(0, 1_000_000), {
        default: DEFAULTS.host.reapply,
        description: "raise it (1, 2, …) and `pulumi up` to re-apply every step, validated and reloaded as usual: repairs what `npm run drift` reports",
    }),
    stepTimeoutS: leaf(integer(10, 86_400), {
        default: DEFAULTS.host.stepTimeoutS,
        description: "seconds one remote step may run before the host stops it and `pulumi up` fails naming the step (a host cut off mid-step fails sooner, through TCP keepalive: about 2.5 min)",
    }),
};

/** The table as a list (name, schema, default, …), for the README, the declarations, errors and tests. */
function viewOf(name: string, key: Key): StackConfigKey {
    const { schema, fields, required, secret, description, defaultByPosition, shorthandOf, defaultFromKey } = key;
    const view: StackConfigKey = { name, schema, description };
    if (required) view.required = true;
    if (secret) view.secret = true;
    const shown = key.default ?? key.shorthandDefault;
    if (shown !== undefined) view.default = shown;
    if (defaultByPosition) view.defaultByPosition = defaultByPosition;
    if (shorthandOf) view.shorthandOf = shorthandOf;
    if (defaultFromKey) view.defaultFromKey = defaultFromKey;
    if (fields) view.fields = Object.entries(fields).map(([n, f]) => viewOf(n, f));
    return view;
}

/** Every stack-config key, in the README's order. */
export const STACK_CONFIG_KEYS: readonly StackConfigKey[] = Object.entries(KEYS).map(([name, key]) => viewOf(name, key as Key));

/** The forms a decoded config takes: the shorthand keys, or the collections / instances that replace them. */
function usesShorthand(cfg: { frontends?: unknown; backends?: unknown; instances?: unknown }, of: ShorthandOf): boolean {
    return of === "collections" ? cfg.frontends === undefined && cfg.backends === undefined : cfg.instances === undefined;
}

/**
 * The shorthand's defaults, where the config uses that shorthand: with `frontends`/`backends` or
 * `instances` they stay unset, so a shorthand key the user typed beside them is one the
 * component refuses (`port` is shorthand for one frontend and backend).
 */
function withShorthandDefaults<T extends Record<string, unknown>>(cfg: T): T {
    for (const top of STACK_CONFIG_KEYS) {
        if (top.shorthandOf && cfg[top.name] === undefined && usesShorthand(cfg, top.shorthandOf)) {
            (cfg as Record<string, unknown>)[top.name] = structuredClone(top.default);
        }
        const entries = cfg[top.name];
        if (!Array.isArray(entries)) continue;
        for (const m of top.fields ?? []) {
            if (m.defaultFromKey !== undefined) {
                const key = m.defaultFromKey;
                entries.forEach((entry: Record<string, unknown>) => (entry[m.name] ??= structuredClone(cfg[key])));
            }
            if (!m.shorthandOf || !usesShorthand(cfg, m.shorthandOf)) continue;
            entries.forEach((entry: Record<string, unknown>, i) => {
                entry[m.name] ??= m.defaultByPosition ? m.defaultByPosition[i] : structuredClone(m.default);
            });
        }
    }
    return cfg;
}

const STACK_CONFIG_SCHEMA = objectOf(KEYS).transform(withShorthandDefaults);

/** The checked stack config, namespace stripped, defaults applied: its type is the schema's. */
export type TopologyConfig = z.output<typeof STACK_CONFIG_SCHEMA>;
export type SshConfig = TopologyConfig["ssh"];

// Each collection as decoded is what the component takes (the Args interfaces stay: the
// component package's schema is inferred from them). A change on one side fails the build here.
type Assignable<A extends B, B> = A;
export type StackConfigFitsComponents = [
    Assignable<NonNullable<TopologyConfig["frontends"]>, NonNullable<HaproxyNodeArgs["frontends"]>>,
    Assignable<NonNullable<TopologyConfig["backends"]>, NonNullable<HaproxyNodeArgs["backends"]>>,
    // An `acme` entry's `pem` is the AcmeCertificate's, filled by the topology.
    Assignable<(Omit<Entry<TopologyConfig["certificates"]>, "acme" | "pem"> & { pem: string })[], NonNullable<HaproxyNodeArgs["certificates"]>>,
    Assignable<NonNullable<TopologyConfig["maps"]>, NonNullable<HaproxyNodeArgs["maps"]>>,
    Assignable<NonNullable<TopologyConfig["sections"]>, NonNullable<HaproxyNodeArgs["sections"]>>,
    Assignable<Exclude<TopologyConfig["stats"], boolean>, NonNullable<HaproxyNodeArgs["stats"]>>,
    Assignable<NonNullable<TopologyConfig["userlists"]>, NonNullable<HaproxyNodeArgs["userlists"]>>,
    Assignable<NonNullable<TopologyConfig["repositories"]>, NonNullable<HaproxyNodeArgs["repositories"]>>,
    // `interface` is filled from the stack's `interface` where an entry sets none (when decoded).
    Assignable<NonNullable<TopologyConfig["instances"]>[number] & { interface: string }, VrrpInstanceArgs>,
    Assignable<TopologyConfig["haproxyCheck"], NonNullable<KeepalivedPairArgs["check"]>>,
];
// And no member of the component's is missing from the stack's shapes (a new arg needs its stack key, or a decision not to have one).
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Entry<T> = NonNullable<T> extends readonly (infer E)[] ? NonNullable<E> : never;
type Frontend = Entry<TopologyConfig["frontends"]>;
type Backend = Entry<TopologyConfig["backends"]>;
type Holds<T extends true> = T;
export type StackConfigCoversComponents = [
    Holds<SameKeys<Frontend, HaproxyFrontendArgs>>,
    Holds<SameKeys<Entry<Frontend["binds"]>, HaproxyBindArgs>>,
    Holds<SameKeys<NonNullable<Entry<Frontend["binds"]>["tls"]>, HaproxyBindTlsArgs>>,
    Holds<SameKeys<Entry<Frontend["routes"]>, HaproxyRouteArgs>>,
    Holds<SameKeys<NonNullable<Frontend["rateLimit"]>, HaproxyRateLimitArgs>>,
    Holds<SameKeys<NonNullable<Frontend["auth"]>, HaproxyAuthArgs>>,
    Holds<SameKeys<NonNullable<Backend["sticky"]>, HaproxyStickyArgs>>,
    Holds<SameKeys<Entry<Entry<TopologyConfig["userlists"]>["users"]>, HaproxyUserArgs>>,
    Holds<SameKeys<Backend, HaproxyBackendArgs>>,
    Holds<SameKeys<Entry<Backend["servers"]>, HaproxyServerArgs>>,
    Holds<SameKeys<NonNullable<Backend["healthCheck"]>, HaproxyHealthCheckArgs>>,
    Holds<SameKeys<Omit<Entry<TopologyConfig["certificates"]>, "acme">, HaproxyCertificateArgs>>,
    Holds<SameKeys<Entry<TopologyConfig["instances"]>, VrrpInstanceArgs>>,
];

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

/** The problem of an unknown key at `path`, suggesting the nearest known one. */
function unknownKeyProblem(path: Path, value: unknown, ctx: ErrorContext): ShownProblem {
    const parent = path.slice(0, -1);
    const typed = String(path.at(-1));
    const known = schemaMembersAt(parent);
    let suggestion = nearestName(typed, known);
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
            ? `is unknown (known ${parent.length === 0 ? "keys" : "fields"}: ${known.join(", ")})`
            : `is unknown (did you mean \`${stackKeyPath(suggestedPath)}\`?)`;
    const suggestedSecret = suggestedPath !== undefined && keysAlong(suggestedPath)?.some((k) => k.secret);
    const shownValue = suggestedSecret || SECRET_LOOKING_NAME.test(typed) ? HIDDEN_VALUE : shown(path, value, ctx);
    return { path: path as ArgPath, rule, value: shownValue, unknown: true, suggested: suggestedPath as ArgPath | undefined };
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

/** The members zod knows for an object at `path` (collections' members included), in order. */
function schemaMembersAt(path: Path): string[] {
    let schema: z.ZodType | undefined = STACK_CONFIG_SCHEMA as unknown as z.ZodType;
    const unwrap = (s: z.ZodType): z.ZodType => {
        const def = (s as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
        if (def.type === "optional" || def.type === "default") return unwrap(def.innerType as z.ZodType);
        if (def.type === "pipe") return unwrap(def.in as z.ZodType);
        if (def.type === "union") return unwrap((def.options as z.ZodType[]).find((o) => o instanceof z.ZodObject) ?? s);
        return s;
    };
    for (const part of path) {
        if (!schema) return [];
        const s = unwrap(schema);
        if (typeof part === "number") schema = s instanceof z.ZodArray ? (s.element as z.ZodType) : undefined;
        else schema = s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>)[String(part)] : undefined;
    }
    const s = schema && unwrap(schema);
    return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/**
 * Every zod issue as a problem at the stack key path the user typed: unknown keys first (a
 * misspelling often explains the rest), one problem per unknown key.
 */
function issueProblems(issues: readonly z.core.$ZodIssue[], raw: Record<string, unknown>, ctx: ErrorContext, at: ArgPath = []): ShownProblem[] {
    const unknown: ShownProblem[] = [];
    const other: ShownProblem[] = [];
    for (const issue of issues) {
        const path = [...at, ...issue.path] as (string | number)[];
        if (issue.code === "unrecognized_keys") {
            for (const k of issue.keys) unknown.push(unknownKeyProblem([...path, k], valueAt(raw, [...path, k]), ctx));
        } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
            // The branch of the value's own kind (the object for `stats: {…}`) says what is wrong inside it.
            const value = valueAt(raw, path);
            const branch = issue.errors.find((errs) => !errs.some((e) => e.path.length === 0 && e.code === "invalid_type"));
            if (branch && typeof value === "object" && value !== null) other.push(...issueProblems(branch, raw, ctx, path));
            else other.push({ path, rule: issue.message, value: shown(path, value, ctx) });
        } else {
            const value = issue.code === "custom" && issue.params && "value" in issue.params ? issue.params.value : valueAt(raw, path);
            other.push({ path, rule: issue.message, value: shown(path, value, ctx) });
        }
    }
    return [...unknown, ...other];
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

/** A problem with the value as an error may show it (secrets hidden). */
export interface ShownProblem {
    path: ArgPath;
    rule: string;
    value: unknown;
    unknown?: boolean;
    /** For an unknown key: the known key suggested in its place. */
    suggested?: ArgPath;
    /** How the error names it, when not by its stack key (an arg no stack key feeds). */
    field?: string;
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

/** Throws every problem at once, each under its stack key. */
export function throwStackProblems(problems: readonly ShownProblem[]): void {
    // A member an unknown key was suggested for is missing because it was misspelt: the suggestion says it.
    const suggested = new Set(problems.flatMap((p) => (p.suggested ? [stackKeyPath(p.suggested)] : [])));
    const seen = new Set<string>();
    const kept = problems.filter((p) => {
        const field = p.field ?? stackKeyPath(p.path);
        const id = `${field}\n${p.rule}`;
        if (seen.has(id) || (p.unknown !== true && p.value === undefined && suggested.has(field))) return false;
        seen.add(id);
        return true;
    });
    if (kept.length === 0) return;
    throw new ArgumentErrors(WHERE, kept.map((p) => ({ path: p.path, rule: p.rule, value: p.value, field: p.field ?? stackKeyPath(p.path) })));
}

/**
 * Decodes the `haproxy-ha:*` keys (namespace stripped, values already parsed from YAML/JSON):
 * types, ranges and known keys at every depth, the table's defaults applied. Every problem is
 * reported at once; unknown keys are refused with the nearest known key suggested.
 */
export function decodeTopologyConfig(raw: Record<string, unknown>, options: ParseOptions = {}): TopologyConfig {
    const { data, problems } = decode(raw, secretContext(options));
    throwStackProblems(problems);
    return data as TopologyConfig;
}

/** decodeTopologyConfig's problems (unknown keys first) instead of thrown, and what decoded. */
function decode(raw: Record<string, unknown>, ctx: ErrorContext): { data?: TopologyConfig; problems: ShownProblem[] } {
    const problems: ShownProblem[] = [];
    if (ctx.secretKeys) {
        for (const exposed of secretPathsGiven(raw, STACK_CONFIG_KEYS).filter((p) => !ctx.secretKeys?.has(String(p[0])))) {
            const field = stackKeyPath(exposed);
            problems.push({ path: exposed as ArgPath, rule: `must be a secret: set it with \`pulumi config set --secret --path '${field}'\``, value: HIDDEN_VALUE });
        }
    }
    const result = STACK_CONFIG_SCHEMA.safeParse(raw);
    // Keys a single balancer would ignore: from what was typed, before the defaults fill them in.
    problems.push(...singleBalancerProblems(raw).map((p) => ({ ...p, value: shown(p.path, p.value, ctx) })));
    if (!result.success) problems.push(...issueProblems(result.error.issues, raw, ctx));
    else if (result.data.ssh.privateKeyPath === undefined && result.data.ssh.privateKey === undefined) {
        // One of two keys, with no component arg for either: the stack program reads the file or takes the text.
        problems.push({ path: ["ssh"], rule: "needs `privateKeyPath` or a secret `privateKey`", value: Object.keys(raw.ssh as object) });
    }
    problems.sort((a, b) => Number(b.unknown ?? false) - Number(a.unknown ?? false));
    return { data: result.success ? (result.data as TopologyConfig) : undefined, problems };
}

/** A copy of `raw` without the values at `paths` (an object's key removed, a list's entry left empty). */
function without(raw: Record<string, unknown>, paths: readonly ArgPath[]): Record<string, unknown> {
    const copy = structuredClone(raw);
    for (const path of paths) {
        if (path.length === 0) continue;
        const parent = valueAt(copy, path.slice(0, -1));
        if (typeof parent === "object" && parent !== null) delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]];
    }
    return copy;
}

const isUnder = (path: ArgPath, prefix: ArgPath) => prefix.every((seg, i) => path[i] === seg);

/**
 * Rules that exist only at the stack level: no component arg holds them. Everything else is the
 * components' (see buildTopology).
 */
export function stackOnlyProblems(cfg: TopologyConfig): ShownProblem[] {
    const problems: ShownProblem[] = [...unmanagedWebProblems(cfg)];
    // The web servers and the balancers are separate components, but share one namespace of node names.
    const webNames = new Set(cfg.webs.map((w) => w.name));
    cfg.balancers.forEach((b, i) => {
        if (webNames.has(b.name)) problems.push({ path: ["balancers", i, "name"], rule: "must differ from every web server's name", value: b.name });
    });
    if (!usesShorthand(cfg, "collections")) {
        // `webs[].state` feeds the shorthand's servers; with `backends` no arg takes it.
        cfg.webs.forEach((w, i) => {
            if (w.state !== undefined) problems.push({ path: ["webs", i, "state"], rule: "is for the shorthand keys: with `haproxy-ha:backends`, set `servers[].state` there", value: w.state });
        });
    }
    return problems;
}

/**
 * Reads the `haproxy-ha:*` keys into a checked topology: decoded (decodeTopologyConfig), then
 * every rule of the stack and of the components it builds checked at once (checkTopology in
 * topology.ts, which buildTopology does not repeat for an unchanged config).
 */
export function parseTopologyConfig(raw: Record<string, unknown>, options: ParseOptions = {}): TopologyConfig {
    const ctx = secretContext(options);
    const show: ShowValue = (path, value) => shown(path, value, ctx);
    const decoded = decode(raw, ctx);
    // topology.ts imports this module too; the cycle is only crossed at call time.
    if (decoded.problems.length === 0) {
        checkTopology(decoded.data as TopologyConfig, show);
        return decoded.data as TopologyConfig;
    }
    // Every problem at once: the components also check what decodes with the refused values left
    // out (an optional key then takes its default). When that does not decode (a required key
    // refused), the decoder's problems come alone: the components' would only follow from them.
    const refused = decoded.problems.map((p) => p.path);
    const rest = decoded.data ?? decode(without(raw, refused), {}).data;
    const components = rest ? topologyProblems(rest, show).problems.filter((p) => !refused.some((r) => isUnder(p.path, r))) : [];
    throwStackProblems([...decoded.problems, ...components]);
    return decoded.data as TopologyConfig;
}

function secretContext(options: ParseOptions): ErrorContext {
    const prefix = `${CONFIG_NAMESPACE}:`;
    return { secretKeys: options.secretKeys && new Set(options.secretKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length))) };
}

/** How a value at a stack key path may be shown in an error (secrets hidden). */
export type ShowValue = (path: ArgPath, value: unknown) => unknown;

/** A value shown under a stack key path with only the table's secrets known. */
export function showWithTableSecrets(path: ArgPath, value: unknown): unknown {
    return shown(path, value, {});
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
