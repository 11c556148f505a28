/**
 * Stack config (namespace `haproxy-ha`) -> a checked TopologyConfig. Pure: every error names
 * the stack key and the value.
 */
import { OS_CHOICES, OsChoice } from "./os";
import { BALANCE_ALGORITHMS, BalanceAlgorithm } from "./render/haproxy";
import { ArgumentError, checkCidr, checkInteger, checkInterface, checkIp, checkName, checkOneOf, checkPort, checkPositive, checkScriptTiming, checkUniqueNames } from "./validate";

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
    stats: boolean;
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
        stats: bool("stats", raw.stats, false),
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
