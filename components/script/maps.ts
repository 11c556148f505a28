/**
 * Map entries without a reload: the config step installs each map file (validated with the
 * config) and, when only map files changed, does not reload; the `maps` step then makes the
 * running haproxy's maps equal to the files through the runtime API (`add map`, `set map`,
 * `del map`, every version from 1.5). The file on disk is what a later reload or cold start
 * reads, so both agree. PURE.
 */
import { RUNTIME_SOCKET } from "../model/vocabulary";
import { shQuote } from "../shell/quote";
import { reloadHaproxyVerifiedScript } from "./haproxyReload";
import { indent } from "./text";

/**
 * The `maps` step's script for the map files at `paths`. It compares `show map` with the file and
 * sends the differences in one interactive session; an answer other than the prompt is a refusal,
 * and then haproxy is reloaded instead (the files already hold every wanted entry).
 */
export function mapsSyncScript(paths: string[]): string {
    // want: the file's `key value` lines; run: `show map`'s `0xID key value` lines.
    const diff = [
        `FNR == NR { if ($0 !~ /^#/ && NF >= 2) want[$1] = $2; next }`,
        `NF >= 3 { run[$2] = $3 }`,
        `END {`,
        `  for (k in want) { if (!(k in run)) print "add map " file " " k " " want[k]; else if (run[k] != want[k]) print "set map " file " " k " " want[k] }`,
        `  for (k in run) if (!(k in want)) print "del map " file " " k`,
        `}`,
    ].join("\n");
    return [
        `sock=${shQuote(RUNTIME_SOCKET)}`,
        `i=0`,
        `while [ ! -S "$sock" ] && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done`,
        `[ -S "$sock" ] || { echo "haproxy-ha: the runtime API socket $sock is missing: is haproxy running with runtimeApi on?" >&2; exit 1; }`,
        `work=$(mktemp -d)`,
        `trap 'rm -rf "$work"' EXIT`,
        `refused=0`,
        `set -- ${paths.map(shQuote).join(" ")}`,
        `for file in "$@"; do`,
        `  printf 'show map %s\\n' "$file" | socat -t 5 stdio "UNIX-CONNECT:$sock" > "$work/run" || { echo "haproxy-ha: cannot talk to $sock" >&2; exit 1; }`,
        `  awk -v file="$file" ${shQuote(diff)} "$file" "$work/run" > "$work/cmds"`,
        `  n=$(wc -l < "$work/cmds")`,
        `  if [ "$n" -eq 0 ]; then echo "map $file: the running haproxy has every entry"; continue; fi`,
        `  { echo prompt; cat "$work/cmds"; } | socat -t 10 stdio "UNIX-CONNECT:$sock" > "$work/answer" || { echo "haproxy-ha: cannot talk to $sock" >&2; exit 1; }`,
        `  if sed 's/^> //' "$work/answer" | grep -q '[^[:space:]>]'; then`,
        `    echo "haproxy-ha: haproxy refused a change of $file: $(sed 's/^> //' "$work/answer" | grep '[^[:space:]>]' | head -3 | tr '\\n' ' ')" >&2`,
        `    refused=1`,
        `  else`,
        `    echo "map $file: $n change(s) applied through the runtime API, no reload"`,
        `  fi`,
        `done`,
        `if [ "$refused" = 1 ]; then`,
        `  echo "haproxy-ha: reloading haproxy instead: the map files carry every wanted entry" >&2`,
        indent(reloadHaproxyVerifiedScript()),
        `fi`,
    ].join("\n");
}
