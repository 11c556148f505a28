/**
 * A reload of keepalived that checks keepalived really runs the new config, and keepalived's
 * messages with every secret taken out. PURE.
 *
 * `systemctl reload keepalived` is `kill -HUP $MAINPID`: it returns 0 whatever keepalived then
 * does. keepalived ≥ 2 re-reads the file in its VRRP child; a config the child refuses there
 * (e.g. "Non-existent interface specified in configuration") makes it exit with CONFIG and the
 * parent terminates ("exited with permanent error CONFIG. Terminating"): the node drops out of
 * VRRP. A change keepalived cannot make at a reload ("Cannot change instance name at a reload -
 * please restart keepalived") keeps the old config. keepalived ≥ 2.2.2 logs "Reload complete"
 * once every child runs the new config (core/config_notify.c); 1.3.5 (CentOS 7, no `-t`) logs
 * nothing on success, only its errors. So: the same MainPID alive with a child (the VRRP
 * process), the unit active, "Reload complete" or a 3 s settle, and none of keepalived's
 * complaints in its log since the reload (the journal takes 1.3.5's syslog lines too).
 */
import { shQuote } from "../shell/quote";

/** The start of the failure message after a rollback; the reason and keepalived's lines follow. */
export const KEEPALIVED_RELOAD_FAILED_ROLLED_BACK = "haproxy-ha: keepalived did not load the new config at reload";

/** What in keepalived's log since a reload (or start) means it did not take the config. */
export const KEEPALIVED_RELOAD_COMPLAINTS =
    "unknown keyword|invalid|not supported|non-existent|doesn't exist|does not exist|permanent error|terminating|died|cannot change|please restart|security violation|not found/accessible";

/** Printed in place of a keepalived line that quotes a secret. */
export const REDACTED_LINE = "(a line of keepalived's that quotes a secret: not shown)";

/**
 * Shell: `keepalived_redact FILES...` copies stdin to stdout, each line that holds an `auth_pass`
 * value of the given config files (those that exist), or the word auth_pass, replaced by
 * REDACTED_LINE. keepalived quotes config lines in its messages; the values are read from the
 * files inside awk, never put on a command line (`ps` shows those).
 */
export const KEEPALIVED_REDACT_FUNCTION = [
    `keepalived_redact() {`,
    `  awk -v files="$*" -v hidden=${shQuote(REDACTED_LINE)} 'BEGIN { n = split(files, f, " "); for (i = 1; i <= n; i++) while ((getline l < f[i]) > 0) { split(l, w, " "); if (w[1] == "auth_pass" && w[2] != "") s[w[2]] = 1 } }`,
    `    { for (k in s) if (index($0, k)) { print hidden; next } } /auth_pass/ { print hidden; next } { print }'`,
    `}`,
].join("\n");

export interface KeepalivedReloadOptions {
    /** Shell that puts the previous config back (exit 0 when it did); followed by one more verified reload. */
    rollback: string;
    /** Config files whose auth_pass values never reach the output (quoted shell words, no spaces in the paths). */
    secretFiles: string[];
}

/** Polls of 0.2 s: at most 75 (~15 s) waiting for "Reload complete"; 15 (3 s) settle where none comes. */
const POLLS = 75;
const SETTLE_POLLS = 15;
/** The first keepalived that logs "Reload complete" / "Startup complete". */
const COMPLETE_SINCE = "2.2.2";

/**
 * Shell: reloads keepalived (starts it if it is not active) and checks it took the config; on
 * failure puts the previous config back, reloads (or starts) once more, checked too, and exits
 * 1 naming keepalived's own lines, redacted. `HAPROXY_HA_PROC_ROOT` (default /proc) exists for
 * the unit tests. Needs KEEPALIVED_REDACT_FUNCTION defined before it.
 */
export function reloadKeepalivedVerifiedScript(opts: KeepalivedReloadOptions): string {
    const unit = shQuote("keepalived");
    const children = `cat "$proc_root"/[0-9]*/stat 2>/dev/null | awk -v p="$1" '{ s = $0; sub(/^.*\\) /, "", s); split(s, f, " "); if (f[2] == p) print $1 }'`;
    const files = opts.secretFiles.join(" ");
    return [
        `proc_root=\${HAPROXY_HA_PROC_ROOT:-/proc}`,
        `keepalived_children() { ${children}; }`,
        `keepalived_main_pid() { systemctl show -p MainPID ${unit} 2>/dev/null | sed -n 's/^MainPID=//p'; }`,
        `keepalived_log() { journalctl -u ${unit} --since "$keepalived_since" --no-pager -o cat 2>/dev/null || true; }`,
        // sort -c: succeeds when 2.2.2 sorts before (or equals) the host's version; no version, no line.
        `keepalived_v=$(keepalived --version 2>&1 | sed -n 's/^Keepalived v\\([0-9][0-9.]*\\).*/\\1/p' | head -n 1)`,
        `keepalived_says_complete=0`,
        `if printf '%s\\n' ${COMPLETE_SINCE} "$keepalived_v" | sort -t. -k1,1n -k2,2n -k3,3n -c 2>/dev/null; then keepalived_says_complete=1; fi`,
        // Called in an `if`, where set -e is off: every failure returns explicitly, with why in $keepalived_why.
        `keepalived_reload() {`,
        // The journal is read from a whole second on (--since): wait for the next one, so that no
        // line of the reload before (the failed one a rollback follows) counts for this one.
        `  keepalived_t=$(date +%s)`,
        `  while [ "$(date +%s)" = "$keepalived_t" ]; do sleep 0.1; done`,
        `  keepalived_since=$(date '+%Y-%m-%d %H:%M:%S')`,
        `  if systemctl is-active --quiet ${unit}; then`,
        `    keepalived_how=reload`,
        `    main=$(keepalived_main_pid)`,
        `    if [ -z "$main" ] || [ "$main" = 0 ]; then keepalived_why="active without a main PID: its reload cannot be checked"; return 1; fi`,
        `    systemctl reload ${unit} || { keepalived_why="systemctl reload failed"; return 1; }`,
        `  else`,
        `    keepalived_how=start`,
        `    systemctl start ${unit} || { keepalived_why="systemctl start failed"; return 1; }`,
        `    main=$(keepalived_main_pid)`,
        `  fi`,
        `  i=0`,
        `  while [ "$i" -lt ${POLLS} ]; do`,
        `    sleep 0.2`,
        `    i=$((i + 1))`,
        `    if ! systemctl is-active --quiet ${unit} || [ "$(keepalived_main_pid)" != "$main" ] || [ ! -e "$proc_root/$main" ]; then keepalived_why="the keepalived process exited"; return 1; fi`,
        `    if keepalived_log | grep -Eq '^(Reload|Startup) complete$' || keepalived_log | grep -Eiq ${shQuote(KEEPALIVED_RELOAD_COMPLAINTS)}; then break; fi`,
        `    if [ "$keepalived_says_complete" = 0 ] && [ "$i" -ge ${SETTLE_POLLS} ]; then break; fi`,
        `  done`,
        `  if [ -z "$(keepalived_children "$main")" ]; then keepalived_why="keepalived runs without its VRRP process"; return 1; fi`,
        `  if keepalived_log | grep -Eiq ${shQuote(KEEPALIVED_RELOAD_COMPLAINTS)}; then keepalived_why="keepalived refused it"; return 1; fi`,
        `  if [ "$keepalived_says_complete" = 1 ] && ! keepalived_log | grep -Eq '^(Reload|Startup) complete$'; then keepalived_why="keepalived did not report the $keepalived_how complete within ${(POLLS * 0.2).toFixed(0)} s"; return 1; fi`,
        `  return 0`,
        `}`,
        // keepalived's complaints, else its last lines; secrets replaced.
        `keepalived_lines() {`,
        `  { keepalived_log | grep -Ei ${shQuote(KEEPALIVED_RELOAD_COMPLAINTS)} || keepalived_log | tail -n 5; } | head -n 8 | keepalived_redact ${files}`,
        `}`,
        `if ! keepalived_reload; then`,
        `  lines=$(keepalived_lines)`,
        `  first=$keepalived_how; why=$keepalived_why`,
        `  keepalived_put_back() {`,
        ...opts.rollback.split("\n").map((l) => (l ? `    ${l}` : l)),
        `  }`,
        `  if ! keepalived_put_back; then`,
        `    echo "haproxy-ha: keepalived did not load the new config at $first ($why), and there is no previous config to put back" >&2`,
        `  elif keepalived_reload; then`,
        `    if [ "$first" = start ]; then echo "haproxy-ha: keepalived did not start with the new config ($why); the previous config is back in place" >&2`,
        `    else echo "haproxy-ha: keepalived did not load the new config at reload ($why); the previous config is back in place" >&2; fi`,
        `  else`,
        `    echo "haproxy-ha: keepalived did not load the new config at $first ($why), nor the previous one put back in place after it ($keepalived_why)" >&2`,
        `  fi`,
        `  if [ -n "$lines" ]; then printf '%s\\n' "$lines" >&2; fi`,
        `  exit 1`,
        `fi`,
    ].join("\n");
}
