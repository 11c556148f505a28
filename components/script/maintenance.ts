/**
 * The handover wait of a balancer in maint, run by its keepalived config step after the verified
 * reload. It reads the installed config: without the maint marker it does nothing (the same text
 * on every node and state, so toggling `state` changes only the config). In maint the node waits,
 * bounded, until it holds none of the config's VIPs: its priority is 1, so the peer preempts it.
 * A peer with `nopreempt` never takes over from a lower priority: there keepalived is restarted
 * (its stop sends a priority-0 advert, the peer takes over at once; it comes back BACKUP).
 * The node released the VIPs only on hearing a higher-priority advert, i.e. the peer is MASTER.
 * PURE.
 */
import { MAINT_MARKER } from "../model/maintenance";
import { shQuote } from "../shell/quote";

/** The start of the failure message when the peer did not take the VIPs in time. */
export const MAINT_HANDOVER_FAILED = "haproxy-ha: in state maint, but this node still holds";

/**
 * Shell: the wait. `timeoutS` bounds it (a few advert intervals: keepalived preempts on the first
 * lower-priority advert). `HAPROXY_HA_POLL_S` (default 0.2) exists for the unit tests.
 */
export function maintHandoverScript(configPath: string, timeoutS: number): string {
    const conf = shQuote(configPath);
    const polls = Math.ceil(timeoutS / 0.2);
    return [
        `if grep -qxF ${shQuote(MAINT_MARKER)} ${conf}; then`,
        // "ADDR/PREFIX dev IFACE" lines of virtual_ipaddress; names are validated words.
        `  maint_vips=$(awk 'NF == 3 && $2 == "dev" && $1 ~ /[/][0-9]+$/ { print $1, $3 }' ${conf})`,
        `  maint_held() {`,
        `    printf '%s\\n' "$maint_vips" | while read -r mv mif; do`,
        `      [ -n "$mv" ] || continue`,
        `      if ip -o addr show dev "$mif" 2>/dev/null | awk -v a="\${mv%/*}" '{ split($4, x, "/"); if (x[1] == a) f = 1 } END { exit !f }'; then echo "\${mv%/*}"; fi`,
        `    done`,
        `  }`,
        `  if [ -n "$(maint_held)" ] && grep -Eq '^[[:space:]]*nopreempt[[:space:]]*$' ${conf}; then`,
        `    echo "haproxy-ha: state maint with nopreempt: restarting keepalived (its stop sends a priority-0 advert) to hand the VIPs over" >&2`,
        `    systemctl restart keepalived`,
        `  fi`,
        `  maint_i=0`,
        `  while held=$(maint_held) && [ -n "$held" ]; do`,
        `    if [ "$maint_i" -ge ${polls} ]; then`,
        `      echo "${MAINT_HANDOVER_FAILED} $(printf '%s' "$held" | tr '\\n' ' ') after ${timeoutS} s: the peer did not take them (is keepalived running on the peer, and its priority above 1?)" >&2`,
        `      exit 1`,
        `    fi`,
        `    sleep "\${HAPROXY_HA_POLL_S:-0.2}"`,
        `    maint_i=$((maint_i + 1))`,
        `  done`,
        `fi`,
    ].join("\n");
}

/** The bound of the wait: keepalived's backup preempts on the first advert; three missed ones declare the master dead. */
export function maintHandoverTimeoutS(maxAdvertIntS: number): number {
    return Math.ceil(10 + 4 * maxAdvertIntS);
}
