/**
 * Argument checks. Every error names the field and the bad value; checks run at construction
 * time on known values, before any remote command exists.
 */
import * as ipaddr from "ipaddr.js";
import * as pulumi from "@pulumi/pulumi";

export class ArgumentError extends Error {
    constructor(
        readonly where: string,
        readonly field: string,
        /** What the value must be, e.g. "must be an integer from 1 to 255". */
        readonly rule: string,
        readonly value: unknown,
    ) {
        super(`${where}: \`${field}\` ${rule}, got ${describe(value)}`);
        this.name = "ArgumentError";
    }
}

function describe(value: unknown): string {
    if (typeof value === "string") return JSON.stringify(value.length > 200 ? value.slice(0, 200) + "…" : value);
    if (value === undefined) return "nothing";
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

/** A plain object (not null, not a list): what a config entry must be. */
export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Names haproxy (proxy and server names) and keepalived both accept, and that are inert in a shell. */
const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
/** Linux interface names: at most 15 characters, no slash or whitespace. */
const INTERFACE_RE = /^[A-Za-z0-9_.:@-]{1,15}$/;
/** URL path for health checks and the stats page: printable, no spaces or haproxy comment marks. */
// No `'`: haproxy ≥ 1.6 reads it as the start of a quoted string (a path may write it as %27).
const HTTP_PATH_RE = /^\/[A-Za-z0-9._~!$&()*+,;=:@%\/?-]{0,200}$/;
/** Credentials written into haproxy.cfg / keepalived.conf as one bare word (1.5's parser has no quoting). */
const CONFIG_WORD_RE = /^[A-Za-z0-9._+=@^*~-]+$/;

export function checkName(where: string, field: string, value: unknown): string {
    if (typeof value !== "string" || !NAME_RE.test(value)) {
        throw new ArgumentError(where, field, "must start with a letter and hold only letters, digits, '.', '_' or '-' (at most 63)", value);
    }
    return value;
}

export function checkUniqueNames(where: string, field: string, names: string[]): void {
    const seen = new Set<string>();
    names.forEach((name, i) => {
        if (seen.has(name)) throw new ArgumentError(where, `${field}[${i}].name`, "must be unique", name);
        seen.add(name);
    });
}

export function checkInterface(where: string, field: string, value: unknown): string {
    if (typeof value !== "string" || !INTERFACE_RE.test(value)) {
        throw new ArgumentError(where, field, "must be a network interface name (1-15 characters: letters, digits, '_', '.', ':', '@', '-')", value);
    }
    return value;
}

export function checkHttpPath(where: string, field: string, value: unknown): string {
    if (typeof value !== "string" || !HTTP_PATH_RE.test(value)) {
        throw new ArgumentError(where, field, "must be a URL path starting with '/' without spaces, quotes or '#' (write a quote as %27)", value);
    }
    return value;
}

export function checkConfigWord(where: string, field: string, value: unknown, maxLength: number): string {
    if (typeof value !== "string" || value.length === 0 || value.length > maxLength || !CONFIG_WORD_RE.test(value)) {
        throw new ArgumentError(where, field, `must be 1-${maxLength} characters from A-Z a-z 0-9 . _ + = @ ^ * ~ -`, "<hidden>");
    }
    return value;
}

export function checkInteger(where: string, field: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new ArgumentError(where, field, `must be an integer from ${min} to ${max}`, value);
    }
    return value;
}

export function checkBoolean(where: string, field: string, value: unknown): boolean {
    if (typeof value !== "boolean") throw new ArgumentError(where, field, "must be true or false", value);
    return value;
}

export function checkPort(where: string, field: string, value: unknown): number {
    return checkInteger(where, field, value, 1, 65535);
}

export function checkPositive(where: string, field: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
        throw new ArgumentError(where, field, "must be a positive number", value);
    }
    return value;
}

export function checkOneOf<T extends string>(where: string, field: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
        throw new ArgumentError(where, field, `must be one of ${allowed.join(", ")}`, value);
    }
    return value as T;
}

/** An IPv4 address in dotted-quad form, or an IPv6 address. */
export function checkIp(where: string, field: string, value: unknown): string {
    if (typeof value !== "string" || !isIp(value)) {
        throw new ArgumentError(where, field, "must be an IPv4 or IPv6 address", value);
    }
    return value;
}

/** An IPv4 address in dotted-quad form, or an IPv6 address. */
export function isIp(value: string): boolean {
    return ipaddr.IPv4.isValidFourPartDecimal(value) || (value.includes(":") && ipaddr.IPv6.isValid(value));
}

export interface Cidr {
    address: string;
    prefix: number;
}

/** An address with its prefix length, e.g. 172.20.30.69/24. */
export function checkCidr(where: string, field: string, value: unknown): Cidr {
    const fail = () => new ArgumentError(where, field, "must be an address with its prefix length, e.g. 172.20.30.69/24", value);
    if (typeof value !== "string") throw fail();
    const slash = value.indexOf("/");
    if (slash < 0) throw fail();
    const address = value.slice(0, slash);
    const prefixText = value.slice(slash + 1);
    if (!isIp(address) || !/^\d{1,3}$/.test(prefixText)) throw fail();
    const prefix = Number(prefixText);
    if (prefix > (address.includes(":") ? 128 : 32)) throw fail();
    return { address, prefix };
}

/** The VIP must share a subnet with each node (keepalived puts it on the node's interface) and be none of them. */
export function checkVipForNodes(where: string, field: string, vip: Cidr, nodes: { field: string; address: string }[]): void {
    const network = ipaddr.parseCIDR(`${vip.address}/${vip.prefix}`);
    for (const node of nodes) {
        const address = ipaddr.parse(node.address);
        if (address.toNormalizedString() === ipaddr.parse(vip.address).toNormalizedString()) {
            throw new ArgumentError(where, field, `must differ from \`${node.field}\` (${node.address})`, `${vip.address}/${vip.prefix}`);
        }
        if (address.kind() !== network[0].kind() || !address.match(network)) {
            throw new ArgumentError(
                where,
                field,
                `must lie in the subnet of \`${node.field}\` (${node.address}) so keepalived can add it to that interface`,
                `${vip.address}/${vip.prefix}`,
            );
        }
    }
}

/** A periodic check's timing: whole seconds between runs, failures before FAULT, successes before OK. */
export function checkScriptTiming(
    where: string,
    field: string,
    value: { intervalS?: unknown; fall?: unknown; rise?: unknown } | undefined,
    defaults: { intervalS: number; fall: number; rise: number },
) {
    return {
        intervalS: checkInteger(where, `${field}.intervalS`, value?.intervalS ?? defaults.intervalS, 1, 3600),
        fall: checkInteger(where, `${field}.fall`, value?.fall ?? defaults.fall, 1, 100),
        rise: checkInteger(where, `${field}.rise`, value?.rise ?? defaults.rise, 1, 100),
    };
}

const HOST_KEY_TYPES = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa)$/;

/**
 * An authorized_keys-style host key (`ssh-ed25519 AAAA… [comment]`) whose base64 blob decodes
 * and names the same type: a blank or mangled pinned key must fail closed, here, not on the host.
 */
export function checkHostKey(where: string, field: string, value: unknown): string {
    const fail = (rule: string) => new ArgumentError(where, field, rule, value);
    if (typeof value !== "string") throw fail("must be a host key such as `ssh-ed25519 AAAA…`");
    const [type, blob] = value.trim().split(/\s+/);
    if (!type || !HOST_KEY_TYPES.test(type)) throw fail("must be an ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa host key (`<type> <base64>`)");
    const bytes = blob && /^[A-Za-z0-9+/]+={0,2}$/.test(blob) ? Buffer.from(blob, "base64") : Buffer.alloc(0);
    const nameLength = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
    if (nameLength <= 0 || bytes.length < 4 + nameLength || bytes.subarray(4, 4 + nameLength).toString("latin1") !== type) {
        throw fail(`must carry a valid base64 ${type} key after its type`);
    }
    return value.trim();
}

/** Raw config lines (the escape hatch): one directive per entry; a newline would smuggle in more. */
export function checkRawLines(where: string, field: string, value: unknown): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ArgumentError(where, field, "must be a list of lines", value);
    value.forEach((line, i) => {
        if (typeof line !== "string" || /[\r\n\0]/.test(line) || line.length > 1000) {
            throw new ArgumentError(where, `${field}[${i}]`, "must be one line of text (no newline, at most 1000 characters)", line);
        }
    });
    return value as string[];
}

/**
 * Runs `check` now on a plain value, or when an Output resolves (then the error stops the
 * preview, still before any command runs). Returns the value to use in its place.
 */
export function checkWhenKnown<T>(value: pulumi.Input<T>, check: (v: T) => void): pulumi.Input<T> {
    if (!pulumi.Output.isInstance(value) && !(value instanceof Promise)) {
        check(value as T);
        return value;
    }
    return pulumi.output(value).apply((v) => {
        check(v as T);
        return v;
    }) as pulumi.Output<T>;
}
