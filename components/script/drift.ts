/**
 * The read-only drift check, run on a host as it is (no stack input needed): it compares what
 * the library recorded when it last applied the stack with the host now. Files (content, mode,
 * owner), services (enabled and active), sysctls and packages. One tab-separated line a check:
 * `ok|drift <kind> <name> <detail>`, and `diff <line>` lines after a changed file. A file the
 * library did not mark `plain` when it installed it (configs with passwords, notify hooks that
 * may hold tokens, keys; and any file recorded before the mark existed) is never shown: only
 * that it differs, its line counts and the numbers of the changed lines. PURE.
 */
import { shQuote } from "../shell/quote";
import { STATE_DIR } from "../os/stateDir";
import { WANTED_DIR } from "./files";

/** Lines whose value is a secret (the userlists' passwords and hashes too), redacted even in a `plain` file's diff (a second guard). */
const REDACT = `s/^([[:space:]]*(auth_pass|stats auth|user [^[:space:]]+ (insecure-)?password)[[:space:]]+).*/\\1REDACTED/`;

export function driftCheckScript(): string {
    return [
        `set -u`,
        `state=${shQuote(STATE_DIR)}`,
        `wanted_dir=${shQuote(WANTED_DIR)}`,
        `say() { printf '%s\\t%s\\t%s\\t%s\\n' "$1" "$2" "$3" "$4"; }`,
        `tmp=$(mktemp -d)`,
        `trap 'rm -rf "$tmp"' EXIT`,
        `if [ -d "$wanted_dir" ]; then`,
        `  find "$wanted_dir" -type f ! -name '*.meta' | sort | while IFS= read -r wanted; do`,
        `    target=\${wanted#"$wanted_dir"}`,
        `    if [ ! -e "$target" ]; then say drift file "$target" missing; continue; fi`,
        `    ok=1`,
        `    mode=""; owner=""; group=""; content=""`,
        `    if [ -e "$wanted.meta" ]; then read -r mode owner group content < "$wanted.meta"; fi`,
        `    if ! cmp -s "$wanted" "$target"; then`,
        `      ok=0`,
        `      if [ "$content" = plain ]; then`,
        `        say drift file "$target" "content differs"`,
        `        sed -E ${shQuote(REDACT)} "$wanted" > "$tmp/wanted"; sed -E ${shQuote(REDACT)} "$target" > "$tmp/have"`,
        `        diff -u --label "wanted $target" --label "on host $target" "$tmp/wanted" "$tmp/have" | sed 's/^/diff\t/'`,
        `      else`,
        // Counts and line numbers only: diff -U0's hunk headers, kept only in their all-digits form.
        `        say drift file "$target" "content differs (it holds secrets, not shown: wanted $(($(wc -l < "$wanted"))) lines, on host $(($(wc -l < "$target"))) lines)"`,
        `        printf 'diff\\t%s\\n' "--- $target: holds secrets, content not shown; changed lines (wanted, on host):"`,
        `        diff -U0 "$wanted" "$target" | grep -E '^@@ -[0-9]+(,[0-9]+)? [+][0-9]+(,[0-9]+)? @@$' | sed 's/^/diff\t/'`,
        `      fi`,
        `    fi`,
        `    if [ -n "$mode" ]; then`,
        `      want="\${mode#0} $owner $group"; have=$(stat -c '%a %U %G' "$target")`,
        `      if [ "$have" != "$want" ]; then ok=0; say drift file "$target" "mode/owner $have, want $want"; fi`,
        `    fi`,
        `    if [ "$ok" = 1 ]; then say ok file "$target" ""; fi`,
        `  done`,
        `fi`,
        `for f in "$state"/services/*; do`,
        `  [ -e "$f" ] || continue`,
        `  unit=\${f##*/}`,
        `  have="$(systemctl is-enabled "$unit" 2>/dev/null || true)/$(systemctl is-active "$unit" 2>/dev/null || true)"`,
        `  if [ "$have" = enabled/active ]; then say ok service "$unit" ""; else say drift service "$unit" "$have, want enabled/active"; fi`,
        `done`,
        `for f in /etc/sysctl.d/90-haproxy-ha-*.conf; do`,
        `  [ -e "$f" ] || continue`,
        `  read -r key _ value < "$f"`,
        `  have=$(cat "/proc/sys/$(printf '%s' "$key" | tr . /)")`,
        `  if [ "$have" = "$value" ]; then say ok sysctl "$key" ""; else say drift sysctl "$key" "$have, want $value"; fi`,
        `done`,
        `for f in "$state"/wanted-packages/*; do`,
        `  [ -e "$f" ] || continue`,
        `  while read -r pkg; do`,
        `    present=0`,
        `    if command -v dpkg-query >/dev/null 2>&1; then`,
        `      if [ "$(dpkg-query -W -f '\${db:Status-Abbrev}' "$pkg" 2>/dev/null)" = "ii " ]; then present=1; fi`,
        `    elif rpm -q "$pkg" >/dev/null 2>&1; then present=1`,
        `    fi`,
        `    if [ "$present" = 1 ]; then say ok package "$pkg" ""; else say drift package "$pkg" "not installed"; fi`,
        `  done < "$f"`,
        `done`,
    ].join("\n");
}
