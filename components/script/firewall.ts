/** Host firewall rules the library adds to whichever firewall is active, each removed on destroy. PURE. */
import type { FirewallKind } from "../os";
import { shQuote } from "./quote";

const FIREWALLD_ACTIVE = `command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1`;
const UFW_ACTIVE = `command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'`;

/** Opens (or closes) TCP ports in the active ones of `firewalls`; none active: nothing to do. */
export function portsFirewallScript(firewalls: FirewallKind[], ports: number[], action: "open" | "close"): string {
    const lines: string[] = [];
    for (const port of ports) {
        const spec = shQuote(`${port}/tcp`);
        if (firewalls.includes("firewalld")) {
            const fw = action === "open" ? "--add-port" : "--remove-port";
            lines.push(`if ${FIREWALLD_ACTIVE}; then`, `  firewall-cmd -q ${fw}=${spec} || true; firewall-cmd -q --permanent ${fw}=${spec} || true`, `fi`);
        }
        if (firewalls.includes("ufw")) {
            lines.push(`if ${UFW_ACTIVE}; then`, action === "open" ? `  ufw allow ${spec}` : `  ufw delete allow ${spec} || true`, `fi`);
        }
    }
    return lines.length ? lines.join("\n") : ":";
}

/**
 * Lets VRRP (IP protocol 112) through firewalld: without it both nodes see no adverts and both
 * become MASTER. ufw has no rule for protocol 112; an active ufw must allow it by hand.
 */
export function vrrpFirewallScript(firewalls: FirewallKind[], action: "open" | "close"): string {
    if (!firewalls.includes("firewalld")) return ":";
    const rule = shQuote(`rule protocol value="vrrp" accept`);
    const flag = action === "open" ? "--add-rich-rule" : "--remove-rich-rule";
    return [`if ${FIREWALLD_ACTIVE}; then`, `  firewall-cmd -q ${flag}=${rule} || true; firewall-cmd -q --permanent ${flag}=${rule} || true`, `fi`].join("\n");
}

/** Opens (or closes) one TCP port to `sources` (CIDRs) only, in the active ones of `firewalls`. */
export function sourcePortFirewallScript(firewalls: FirewallKind[], port: number, sources: string[], action: "open" | "close"): string {
    const lines: string[] = [];
    for (const source of sources) {
        if (firewalls.includes("firewalld")) {
            const family = source.includes(":") ? "ipv6" : "ipv4";
            const rule = shQuote(`rule family="${family}" source address="${source}" port port="${port}" protocol="tcp" accept`);
            const flag = action === "open" ? "--add-rich-rule" : "--remove-rich-rule";
            lines.push(`if ${FIREWALLD_ACTIVE}; then`, `  firewall-cmd -q ${flag}=${rule} || true; firewall-cmd -q --permanent ${flag}=${rule} || true`, `fi`);
        }
        if (firewalls.includes("ufw")) {
            const spec = `from ${shQuote(source)} to any port ${shQuote(String(port))} proto tcp`;
            lines.push(`if ${UFW_ACTIVE}; then`, action === "open" ? `  ufw allow ${spec}` : `  ufw delete allow ${spec} || true`, `fi`);
        }
    }
    return lines.length ? lines.join("\n") : ":";
}
