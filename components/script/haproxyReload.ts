/**
 * A reload of haproxy that checks haproxy really loaded the config. `systemctl reload haproxy`
 * returns 0 even when the new config fails at load time (a `bind` on a port another process
 * holds passes `haproxy -c`): 2.x master-worker re-execs the master, which keeps the old workers;
 * 1.5's haproxy-systemd-wrapper re-execs itself and forks a new haproxy that exits, the old one
 * stays. In both, a config that loaded shows as a new direct child of the unit's MainPID (the
 * master or the wrapper, same PID across the reload) that stays alive. PURE.
 */
import { shQuote } from "../shell/quote";

export const RELOAD_FAILED_ROLLED_BACK =
    "haproxy-ha: haproxy did not load the new config at reload (it kept the old workers); the previous config is back in place";

export interface ReloadVerifyOptions {
    /**
     * Shell that puts the previous files back (exit status 0 when it did): run once when the
     * new config did not load, followed by one more verified reload. Unset: nothing to put back
     * (the service step, the server-states fallback), the step just fails.
     */
    rollback?: string;
}

/** Bounds of the wait for the new child: 75 polls of 0.2 s (~15 s). */
const POLLS = 75;

/**
 * Shell: starts haproxy if it is not active (`systemctl start` fails by itself), else reloads
 * it and waits for a new child of the same MainPID that is still alive 2 s later (1.5 retries a
 * failing bind for up to ~1 s before its new process exits). On failure: the rollback, a second
 * verified reload, a message with haproxy's ALERT lines from the journal, exit 1.
 * `HAPROXY_HA_PROC_ROOT` (default /proc) exists for the unit tests.
 */
export function reloadHaproxyVerifiedScript(opts: ReloadVerifyOptions = {}): string {
    const unit = shQuote("haproxy");
    // /proc/PID/stat: "PID (comm) state PPID ...": read after the last ") ", comm may hold spaces. cat skips vanished PIDs.
    const children = `cat "$proc_root"/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{ s = $0; sub(/^.*\\) /, "", s); split(s, f, " "); if (f[2] == p) print $1 }'`;
    const lines = [
        `proc_root=\${HAPROXY_HA_PROC_ROOT:-/proc}`,
        `haproxy_children() { ${children}; }`,
        `haproxy_main_pid() { systemctl show -p MainPID ${unit} 2>/dev/null | sed -n 's/^MainPID=//p'; }`,
        `haproxy_child_alive() { haproxy_children "$2" | grep -qx "$1"; }`,
        // Called in an `if`, where set -e is off: every failure returns explicitly.
        `haproxy_reload() {`,
        `  haproxy_since=$(date '+%Y-%m-%d %H:%M:%S')`,
        `  if ! systemctl is-active --quiet ${unit}; then haproxy_how=start; systemctl start ${unit} || return 1; return 0; fi`,
        `  haproxy_how=reload`,
        `  main=$(haproxy_main_pid)`,
        `  if [ -z "$main" ] || [ "$main" = 0 ]; then echo "haproxy-ha: haproxy is active without a main PID: its reload cannot be checked" >&2; return 1; fi`,
        `  before=" $(haproxy_children "$main" | tr '\\n' ' ') "`,
        `  systemctl reload ${unit} || return 1`,
        `  i=0`,
        `  while [ "$i" -lt ${POLLS} ]; do`,
        `    sleep 0.2`,
        `    i=$((i + 1))`,
        `    for child in $(haproxy_children "$main"); do`,
        `      case "$before" in *" $child "*) continue ;; esac`,
        `      sleep 2`,
        `      if haproxy_child_alive "$child" "$main" && systemctl is-active --quiet ${unit} && [ "$(haproxy_main_pid)" = "$main" ]; then return 0; fi`,
        `      before="$before$child "`,
        `    done`,
        `  done`,
        `  return 1`,
        `}`,
        // haproxy's alerts name the section, address and line, not values; a few lines are enough.
        `haproxy_alerts() { journalctl -u ${unit} --since "$haproxy_since" --no-pager -o cat 2>/dev/null | grep -F ALERT | head -n 5 || true; }`,
        `if ! haproxy_reload; then`,
        `  alerts=$(haproxy_alerts)`,
    ];
    if (opts.rollback) {
        lines.push(
            `  first=$haproxy_how`,
            `  haproxy_put_back() {`,
            ...opts.rollback.split("\n").map((l) => (l ? `    ${l}` : l)),
            `  }`,
            `  if ! haproxy_put_back; then`,
            `    echo "haproxy-ha: haproxy did not load the new config at $first, and there is no previous config to put back" >&2`,
            `  elif haproxy_reload; then`,
            `    if [ "$first" = start ]; then echo "haproxy-ha: haproxy did not start with the new config; the previous config is back in place" >&2`,
            `    else echo ${shQuote(RELOAD_FAILED_ROLLED_BACK)} >&2; fi`,
            `  else`,
            `    echo "haproxy-ha: haproxy did not load the new config at $first, nor the previous one put back in place after it" >&2`,
            `  fi`,
        );
    } else {
        lines.push(
            `  if [ "$haproxy_how" = start ]; then echo "haproxy-ha: haproxy did not start with its config" >&2`,
            `  else echo "haproxy-ha: haproxy did not load its config at reload (it kept the old workers)" >&2; fi`,
        );
    }
    lines.push(`  if [ -n "$alerts" ]; then printf '%s\\n' "$alerts" >&2; fi`, `  exit 1`, `fi`);
    return lines.join("\n");
}
