/**
 * Server states (ready, drain, maint) without a reload: the config step tells a change of states
 * alone from any other change (then it swaps the file and does not reload), and the
 * `server-states` step applies the wanted states through the runtime API socket. haproxy.cfg
 * carries the states too (drain as `weight 0`, maint as `disabled`), so a later reload or a cold
 * start keeps them on every version; no server-state-file is needed for that. PURE.
 */
import { forOs, OsAdapter, OsChoice, versionAtLeast } from "../os";
import { RUNTIME_SOCKET, ServerState } from "../model/vocabulary";
import { shQuote } from "../shell/quote";
import { reloadHaproxyVerifiedScript } from "./haproxyReload";
import { indent } from "./text";

export interface ManagedServer {
    backend: string;
    server: string;
    state: ServerState;
    /** The configured weight (haproxy's default is 1). */
    weight?: number;
}

/** The shell function the config step defines: the name it is called by. */
export const SAME_BUT_STATES = "same_but_states";

/**
 * `same_but_states OLD NEW` succeeds when two haproxy.cfg files differ at most in the state
 * tokens of the servers the library renders (`weight N` and a trailing `disabled` of the
 * `server` lines of `backends`): what the runtime API applies without a reload. A raw
 * `extraConfig` server line is not one of them: its change still reloads.
 */
export function sameButStatesFunction(servers: ManagedServer[]): string {
    const managed = ` ${servers.map((s) => `${s.backend}/${s.server}`).join(" ")} `;
    // Fields of our server lines: server NAME ADDR check [options]; only weight and disabled are dropped.
    const awk = [
        `/^[^ #]/ { b = ($1 == "backend") ? $2 : "" }`,
        `/^    server / && index(managed, " " b "/" $2 " ") {`,
        `  out = "    " $1 " " $2 " " $3`,
        `  for (i = 4; i <= NF; i++) { if ($i == "weight") { i++; continue } if ($i == "disabled" && i == NF) continue; out = out " " $i }`,
        `  print out; next`,
        `}`,
        `{ print }`,
    ].join("\n");
    return [
        `${SAME_BUT_STATES}() {`,
        `  norm() { awk -v managed=${shQuote(managed)} ${shQuote(awk)} "$1"; }`,
        `  [ "$(norm "$1")" = "$(norm "$2")" ]`,
        `}`,
    ].join("\n");
}

/** The runtime API commands that put one server in its wanted state, for the adapter's haproxy. */
function commands(a: OsAdapter, s: ManagedServer): string[] {
    const id = `${s.backend}/${s.server}`;
    const weight = `set weight ${id} ${s.weight ?? 1}`;
    // `set server ... state` came with 1.6; 1.5 has enable/disable server and weights.
    if (versionAtLeast(a.versions.haproxy, "1.6")) {
        return s.state === "ready" ? [`set server ${id} state ready`, weight] : [`set server ${id} state ${s.state}`];
    }
    if (s.state === "maint") return [`disable server ${id}`];
    return [`enable server ${id}`, s.state === "drain" ? `set weight ${id} 0` : weight];
}

/**
 * The `server-states` step's script: waits for the socket (a reload in the same run recreates it),
 * sends each command and checks haproxy's answer (empty on success). A command the running
 * process refuses (a static algorithm accepts no weight but the initial one, e.g. back to ready
 * after a reload while drained) falls back to one reload: the config on disk already carries
 * every wanted state.
 */
export function serverStatesScript(os: OsChoice, servers: ManagedServer[]): string {
    const body = (a: OsAdapter) =>
        [
            `sock=${shQuote(RUNTIME_SOCKET)}`,
            `i=0`,
            `while [ ! -S "$sock" ] && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done`,
            `[ -S "$sock" ] || { echo "haproxy-ha: the runtime API socket $sock is missing: is haproxy running with runtimeApi on?" >&2; exit 1; }`,
            `refused=0`,
            `cmd() {`,
            `  answer=$(printf '%s\\n' "$1" | socat -t 2 stdio "UNIX-CONNECT:$sock") || { echo "haproxy-ha: cannot talk to $sock" >&2; exit 1; }`,
            `  if [ -n "$answer" ]; then echo "haproxy-ha: haproxy refused '$1': $answer" >&2; refused=1; else echo "applied: $1"; fi`,
            `}`,
            ...servers.flatMap((s) => commands(a, s).map((c) => `cmd ${shQuote(c)}`)),
            `if [ "$refused" = 1 ]; then`,
            `  echo "haproxy-ha: reloading haproxy instead: haproxy.cfg carries every wanted state" >&2`,
            indent(reloadHaproxyVerifiedScript()),
            `fi`,
        ].join("\n");
    return forOs(os, body);
}
