/**
 * The VRRP notify script every instance runs on a transition, and the user's hooks it calls. PURE.
 * Hooks may carry tokens: they travel on stdin into root-owned 0700 files, never in a command line.
 */

/** Where keepalived finds the built-in notify script (root-owned, not writable by others: enable_script_security). */
export const NOTIFY_SCRIPT_PATH = "/etc/keepalived/haproxy-ha-notify";
/** Where the built-in script records each instance's state: `<dir>/<instance>.state`. */
export const VRRP_STATE_DIR = "/run/haproxy-ha/vrrp";
/** The transitions a user hook may follow. */
export const NOTIFY_STATES = ["master", "backup", "fault"] as const;
export type NotifyState = (typeof NOTIFY_STATES)[number];

export const hookPath = (state: NotifyState) => `/etc/keepalived/haproxy-ha-hook-${state}`;

/**
 * keepalived calls it as `notify <INSTANCE|GROUP> <name> <MASTER|BACKUP|FAULT|STOP> <priority>`.
 * It writes the state file, logs one syslog line, then runs the hook for the new state (if any)
 * with the same arguments. Instance names are validated words, so they are safe in a path.
 */
export function renderNotifyScript(): string {
    return [
        "#!/bin/sh",
        "# Managed by haproxy-ha: records every VRRP transition, then runs the user's hook for the new state.",
        "# keepalived calls it as: <INSTANCE|GROUP> <name> <MASTER|BACKUP|FAULT|STOP> <priority>",
        'kind=$1 name=$2 state=$3',
        'name=${name#VI_}',
        `dir=${VRRP_STATE_DIR}`,
        'if [ "$kind" = INSTANCE ]; then',
        '  mkdir -p "$dir"',
        '  printf \'%s\\n\' "$state" > "$dir/.$name.state.tmp" && mv -f "$dir/.$name.state.tmp" "$dir/$name.state"',
        "fi",
        'logger -t haproxy-ha -p daemon.notice "vrrp $kind $name is now $state" 2>/dev/null || true',
        'case $state in',
        ...NOTIFY_STATES.map((s) => `  ${s.toUpperCase()}) hook=${hookPath(s)} ;;`),
        "  *) exit 0 ;;",
        "esac",
        'if [ -x "$hook" ]; then exec "$hook" "$@"; fi',
        "",
    ].join("\n");
}
