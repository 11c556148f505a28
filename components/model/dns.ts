/**
 * Server addresses given as DNS names, and haproxy's run-time resolution of them. A server's
 * address is an IP address or an RFC 1123 host name; haproxy resolves a name with libc when it
 * starts (every version; `init-addr libc` semantics, haproxy ≥ 1.7's default `last,libc`), so a
 * name the balancer cannot resolve fails `haproxy -c` on the host and never replaces a working
 * config. With `nameservers`, a `resolvers` section (haproxy ≥ 1.6) re-resolves the names while
 * haproxy runs: a record that moves moves the traffic, without a reload. PURE: no resources.
 */
import { OsChoice } from "../os";
import { ArgumentError, isIp } from "../validate";
import { ArgPath, Checks } from "./problems";
import { requireHaproxy } from "./haproxy";

/** The one `resolvers` section's name, named on every server line whose address is a DNS name. */
export const RESOLVERS_NAME = "haproxy_ha_dns";

/** haproxy's run-time resolution, checked: the nameservers it asks (port 53). */
export interface DnsPlan {
    nameservers: string[];
}

const LABEL_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * An RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1–63
 * characters each, 253 in all; the last label not all digits (RFC 1123 §2.1: a name must not
 * read as a dotted-decimal address, so `10.0.0.256` is a bad address, not a name).
 */
export function isDnsName(value: string): boolean {
    if (value.length === 0 || value.length > 253) return false;
    const labels = value.split(".");
    return labels.every((l) => LABEL_RE.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

export const SERVER_ADDRESS_RULE = "must be an IPv4 or IPv6 address or a DNS name (RFC 1123: letters, digits, inner '-', dot-separated labels of at most 63, 253 in all)";

/** A server's address: an IP address or a DNS name haproxy resolves. */
export function checkServerAddress(where: string, field: string, value: unknown): string {
    if (typeof value !== "string" || !(isIp(value) || isDnsName(value))) throw new ArgumentError(where, field, SERVER_ADDRESS_RULE, value);
    return value;
}

/** True when the address is a name haproxy must resolve (not an IP address). */
export function isName(address: string): boolean {
    return !isIp(address);
}

/**
 * `nameservers` → DnsPlan, or undefined when unset (names resolved at start only). Refused where
 * the oldest haproxy the node may meet has no `resolvers` section (1.5, CentOS 7).
 */
export function normalizeDns(c: Checks, os: OsChoice, nameservers: unknown): DnsPlan | undefined {
    if (nameservers === undefined) return undefined;
    const path: ArgPath = ["nameservers"];
    if (!Array.isArray(nameservers) || nameservers.length === 0 || nameservers.length > 8) {
        c.add(path, "must list 1 to 8 nameserver IP addresses", nameservers);
        return undefined;
    }
    const list = nameservers.filter((ns, i): ns is string => {
        if (typeof ns === "string" && isIp(ns)) return true;
        c.add([...path, i], "must be a nameserver's IPv4 or IPv6 address (port 53)", ns);
        return false;
    });
    if (new Set(list).size !== list.length) c.add(path, "must not repeat an address", nameservers);
    c.at(path, (f) => requireHaproxy(c.where, f, os, "1.6", "run-time DNS resolution (a `resolvers` section)", nameservers));
    return { nameservers: list };
}
