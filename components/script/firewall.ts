/** Host firewall rules the library adds to whichever firewall is active, each removed on destroy. PURE. */
import type { FirewallKind } from "../os";
import { shQuote } from "./quote";
import { cleanupStateDirScript, STATE_DIR } from "./stateDir";

/** One empty file per rule the library added (and so removes on destroy). */
const MARKERS = `${STATE_DIR}/firewall`;

const FIREWALLD_ACTIVE = `command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1`;
const UFW_ACTIVE = `command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'`;

/**
 * Opens TCP ports in the active ones of `firewalls` (none active: nothing to do), remembering
 * each port it opened; `close` removes only those, so a port the host had open stays open.
 */
export function portsFirewallScript(firewalls: FirewallKind[], ports: number[], action: "open" | "close"): string {
    const lines: string[] = [];
    for (const port of ports) {
        const spec = shQuote(`${port}/tcp`);
        if (firewalls.includes("firewalld")) {
            const marker = shQuote(`${MARKERS}/firewalld-${port}-tcp`);
            lines.push(
                ...(action === "open"
                    ? [
                          `if ${FIREWALLD_ACTIVE} && ! firewall-cmd -q --query-port=${spec}; then`,
                          `  firewall-cmd -q --add-port=${spec} && firewall-cmd -q --permanent --add-port=${spec}`,
                          `  mkdir -p ${shQuote(MARKERS)} && : > ${marker}`,
                          `fi`,
                      ]
                    : [
                          `if [ -e ${marker} ]; then`,
                          `  if ${FIREWALLD_ACTIVE}; then firewall-cmd -q --remove-port=${spec} && firewall-cmd -q --permanent --remove-port=${spec}`,
                          `  else echo "haproxy-ha: firewalld is not running; remove ${port}/tcp from its permanent config by hand" >&2; fi`,
                          `  rm -f ${marker}`,
                          `fi`,
                      ]),
            );
        }
        if (firewalls.includes("ufw")) {
            const marker = shQuote(`${MARKERS}/ufw-${port}-tcp`);
            lines.push(
                ...(action === "open"
                    ? [
                          `if ${UFW_ACTIVE} && ! ufw status | grep -Eq '^${port}/tcp[[:space:]]+ALLOW'; then`,
                          `  ufw allow ${spec} >/dev/null`,
                          `  mkdir -p ${shQuote(MARKERS)} && : > ${marker}`,
                          `fi`,
                      ]
                    : [`if [ -e ${marker} ]; then`, `  ufw delete allow ${spec} >/dev/null`, `  rm -f ${marker}`, `fi`]),
            );
        }
    }
    if (action === "close" && lines.length) lines.push(cleanupStateDirScript());
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
