/** Host firewall rules the library adds to whichever firewall is active, each removed on destroy. PURE. */
import type { FirewallKind } from "../os";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";
import { shQuote } from "../shell/quote";

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

/** Marks the lines the library adds to ufw's before*.rules: the line after it is ours. */
export const UFW_VRRP_MARKER = "# haproxy-ha: VRRP";
/** ufw's rule files and the input chain each defines (before6.rules names its chains ufw6-…). */
const UFW_RULE_FILES: [string, string][] = [
    ["/etc/ufw/before.rules", "ufw-before-input"],
    ["/etc/ufw/before6.rules", "ufw6-before-input"],
];
const FIREWALLD_VRRP_RULE = `rule protocol value="vrrp" accept`;
const FIREWALLD_MARK = `${MARKERS}/firewalld-vrrp`;

function firewalldVrrp(action: "open" | "close"): string[] {
    const rule = shQuote(FIREWALLD_VRRP_RULE);
    const lines = [`if ${FIREWALLD_ACTIVE}; then`];
    // Each of the runtime and permanent rules is recorded when this script added it, so destroy
    // removes exactly those and leaves a rule the host already had.
    for (const [flag, mark] of [["", FIREWALLD_MARK], [" --permanent", `${FIREWALLD_MARK}.permanent`]]) {
        if (action === "open") {
            lines.push(
                `  if ! firewall-cmd -q${flag} --query-rich-rule=${rule}; then`,
                `    firewall-cmd -q${flag} --add-rich-rule=${rule}`,
                `    mkdir -p ${shQuote(MARKERS)} && : > ${shQuote(mark)}`,
                `  fi`,
            );
        } else {
            lines.push(`  if [ -e ${shQuote(mark)} ]; then firewall-cmd -q${flag} --remove-rich-rule=${rule} || true; rm -f ${shQuote(mark)}; fi`);
        }
    }
    lines.push(`fi`);
    return lines;
}

/**
 * ufw's CLI has no rule for IP protocol 112, so one ACCEPT line goes into before.rules and
 * before6.rules (before the table's last COMMIT), under a marker that destroy looks for. It is
 * written whenever ufw is installed (a ufw enabled later lets VRRP through too); an active ufw reloads.
 */
function ufwVrrp(action: "open" | "close"): string[] {
    const marker = shQuote(UFW_VRRP_MARKER);
    const lines = [`ufw_changed=0`, `for entry in ${UFW_RULE_FILES.map(([file, chain]) => shQuote(`${file}:${chain}`)).join(" ")}; do`, `  rules=\${entry%%:*}${action === "open" ? " chain=\${entry#*:}" : ""}`];
    if (action === "open") {
        lines.push(
            `  if [ -f "$rules" ] && ! grep -qxF ${marker} "$rules"; then`,
            `    awk -v m=${marker} -v c="$chain" 'NR == FNR { if ($0 == "COMMIT") last = FNR; next } FNR == last { print m; print "-A " c " -p 112 -j ACCEPT" } { print }' "$rules" "$rules" > "$rules.haproxy-ha"`,
        );
    } else {
        lines.push(
            `  if [ -f "$rules" ] && grep -qxF ${marker} "$rules"; then`,
            `    awk -v m=${marker} 'skip { skip = 0; next } $0 == m { skip = 1; next } { print }' "$rules" > "$rules.haproxy-ha"`,
        );
    }
    lines.push(
        // cat into the file keeps its owner and mode.
        `    cat "$rules.haproxy-ha" > "$rules"; rm -f "$rules.haproxy-ha"; ufw_changed=1`,
        `  fi`,
        `done`,
        `if [ "$ufw_changed" = 1 ] && ${UFW_ACTIVE}; then ufw reload >/dev/null; fi`,
    );
    return lines;
}

/**
 * Lets VRRP (IP protocol 112, multicast or unicast, IPv4 and IPv6) through the host firewalls
 * this family may run: without it neither node sees the other's adverts and both become MASTER.
 */
export function vrrpFirewallScript(firewalls: FirewallKind[], action: "open" | "close"): string {
    const lines: string[] = [];
    if (firewalls.includes("firewalld")) lines.push(...firewalldVrrp(action));
    if (firewalls.includes("ufw")) lines.push(...ufwVrrp(action));
    if (action === "close" && lines.length) lines.push(cleanupStateDirScript());
    return lines.length ? lines.join("\n") : ":";
}

/**
 * Opens (or closes) one TCP port to `sources` (IPv4 or IPv6 CIDRs) only, in the active ones of
 * `firewalls`. Like the port rules, each rule is recorded when this script added it, so closing
 * removes exactly those and a rule the host already had stays. With a firewall active, a rule
 * the firewall refuses fails the step (the port would stay shut to the admins, or a stale rule
 * stay open) with the firewall's own message; closing only warns, so destroy still finishes.
 */
export function sourcePortFirewallScript(firewalls: FirewallKind[], port: number, sources: string[], action: "open" | "close"): string {
    const lines: string[] = [];
    const fail = (what: string) => `{ echo ${shQuote(`haproxy-ha: ${what}`)} >&2; exit 1; }`;
    const warn = (what: string) => `echo ${shQuote(`haproxy-ha: ${what}`)} >&2`;
    for (const source of sources) {
        // The marker's name: the source without `/` and `:` (both CIDR families), the port.
        const id = `${source.replace(/[/:]/g, "_")}-${port}-tcp`;
        if (firewalls.includes("firewalld")) {
            const family = source.includes(":") ? "ipv6" : "ipv4";
            const rule = shQuote(`rule family="${family}" source address="${source}" port port="${port}" protocol="tcp" accept`);
            const what = `rule for ${port}/tcp from ${source}`;
            for (const [flag, kind, mark] of [["", "runtime", `${MARKERS}/firewalld-src-${id}`], [" --permanent", "permanent", `${MARKERS}/firewalld-src-${id}.permanent`]]) {
                lines.push(
                    ...(action === "open"
                        ? [
                              `if ${FIREWALLD_ACTIVE} && ! firewall-cmd -q${flag} --query-rich-rule=${rule}; then`,
                              `  firewall-cmd -q${flag} --add-rich-rule=${rule} || ${fail(`firewalld refused the ${kind} ${what}`)}`,
                              `  mkdir -p ${shQuote(MARKERS)} && : > ${shQuote(mark)}`,
                              `fi`,
                          ]
                        : [
                              `if [ -e ${shQuote(mark)} ]; then`,
                              `  if ${FIREWALLD_ACTIVE}; then firewall-cmd -q${flag} --remove-rich-rule=${rule} || ${warn(`could not remove the firewalld ${kind} ${what}`)}`,
                              `  else ${warn(`firewalld is not running; remove its ${kind} ${what} by hand`)}; fi`,
                              `  rm -f ${shQuote(mark)}`,
                              `fi`,
                          ]),
                );
            }
        }
        if (firewalls.includes("ufw")) {
            const spec = `from ${shQuote(source)} to any port ${shQuote(String(port))} proto tcp`;
            const mark = shQuote(`${MARKERS}/ufw-src-${id}`);
            const what = `rule for ${port}/tcp from ${source}`;
            lines.push(
                ...(action === "open"
                    ? [
                          // ufw says "Skipping adding existing rule" for a rule the host had: not ours to remove later.
                          `if ${UFW_ACTIVE}; then`,
                          `  out=$(ufw allow ${spec} 2>&1) || { echo "$out" >&2; ${fail(`ufw refused the ${what}`)}; }`,
                          `  case $out in *Skipping*) ;; *) mkdir -p ${shQuote(MARKERS)} && : > ${mark} ;; esac`,
                          `fi`,
                      ]
                    : [
                          `if [ -e ${mark} ]; then`,
                          `  if ${UFW_ACTIVE}; then ufw delete allow ${spec} >/dev/null || ${warn(`could not remove the ufw ${what}`)}`,
                          `  else ufw delete allow ${spec} >/dev/null 2>&1 || ${warn(`ufw is not active; remove the ${what} by hand`)}; fi`,
                          `  rm -f ${mark}`,
                          `fi`,
                      ]),
            );
        }
    }
    if (action === "close" && lines.length) lines.push(cleanupStateDirScript());
    return lines.length ? lines.join("\n") : ":";
}
