/**
 * The remote steps of one KeepalivedPair node, in order: packages → firewall → vrid-check →
 * [sysctl] → [notify, hook-*] → [track-*] → config → service. PURE.
 */
import { versionCheckScript } from "./hostFacts";
import { forOs, keepalivedHasConfigTest, OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import { shQuote } from "../shell/quote";
import { installFileScript, removeFileScript, restorePreviousFileScript } from "./files";
import { KEEPALIVED_REDACT_FUNCTION, reloadKeepalivedVerifiedScript } from "./keepalivedReload";
import { vrrpFirewallScript } from "./firewall";
import { vridCollisionCheckScript } from "./vrrpListen";
import { maintHandoverScript, maintHandoverTimeoutS } from "./maintenance";
import { packagesStep } from "./packages";
import { restoreSysctlScript, setSysctlScript } from "./sysctl";
import { indent } from "./text";
import { hookPath, NOTIFY_SCRIPT_PATH, NotifyState, VRRP_STATE_DIR } from "./vrrpNotify";

export const KEEPALIVED_CONFIG_PATH = "/etc/keepalived/keepalived.conf";

/** What in `keepalived -t` output counts as a rejection (it exits 0 on unknown keywords). */
export const KEEPALIVED_TEST_COMPLAINTS = "unknown keyword|invalid|error|not supported";

/** keepalived < 2.0.4 (CentOS 7) has no config test; there the binary is asked whether it has one. */
function keepalivedValidation(os: OsChoice): (tmp: string) => string {
    const test = (tmp: string) =>
        [
            `if ! kt_out=$(keepalived -t -f ${tmp} 2>&1) || printf '%s\\n' "$kt_out" | grep -Eiq '${KEEPALIVED_TEST_COMPLAINTS}'; then`,
            // Its messages may quote a config line: the auth_pass values never reach the step's stderr.
            `  printf '%s\\n' "$kt_out" | keepalived_redact ${tmp} "$target" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1`,
            `fi`,
        ].join("\n");
    return (tmp) =>
        versionCheckScript("keepalived", tmp) +
        "\n" +
        forOs(os, (a) => (keepalivedHasConfigTest(a) ? test(tmp) : `if keepalived --help 2>&1 | grep -q -- --config-test; then\n${indent(test(tmp))}\nfi`));
}

/**
 * What `keepalived -t` cannot tell on keepalived 1.3.5, checked on every family before the swap:
 * each interface the candidate names exists on this host, each IPv4 VIP lies in a subnet of
 * an address its interface already holds (the node's own), and each track script's program is an
 * executable file (shipped scripts are installed by the steps before). A config that could never start does
 * not go live while \`pulumi up\` reports success. Interface names are validated words. `NF > 1`
 * first: mawk aborts on `$(NF-1)` at a blank line, and the rest of the file would go unchecked.
 */
export function keepalivedHostChecks(tmp: string): string {
    return [
        `awk '$1 == "interface" { print $2 } NF > 1 && $(NF-1) == "dev" { print $NF } /^ *track_interface [{]/ { t = 1; next } t && /[}]/ { t = 0 } t { print $1 }' ${tmp} | sort -u | while read -r kif; do`,
        `  if [ ! -e "/sys/class/net/$kif" ]; then`,
        `    echo "haproxy-ha: interface $kif does not exist on this host (it has: $(cd /sys/class/net && echo *)); the old config stays" >&2; exit 1`,
        `  fi`,
        `done`,
        `awk 'NF > 1 && $(NF-1) == "dev" && $1 ~ /^[0-9.]+[/][0-9]+$/ { print $1, $NF }' ${tmp} | while read -r kvip kif; do`,
        `  ip -o -4 addr show dev "$kif" | awk -v vip="$kvip" 'function n(a, x) { split(a, x, "."); return ((x[1] * 256 + x[2]) * 256 + x[3]) * 256 + x[4] }`,
        `    BEGIN { split(vip, v, "/"); m = 2 ^ (32 - v[2]) } { split($4, s, "/"); if (int(n(s[1]) / m) == int(n(v[1]) / m)) ok = 1 } END { exit !ok }' ||`,
        `    { echo "haproxy-ha: VIP $kvip is in no subnet of interface $kif on this host; the old config stays" >&2; exit 1; }`,
        `done`,
        // keepalived drops a vrrp_script it cannot run and carries on without it (1.3.5 silently, having no -t).
        `awk '$1 == "script" && $2 ~ /^"[/]/ { sub(/^"/, "", $2); sub(/"$/, "", $2); print $2 }' ${tmp} | sort -u | while read -r kprog; do`,
        `  if [ -d "$kprog" ] || [ ! -x "$kprog" ]; then`,
        `    echo "haproxy-ha: track script program $kprog is not an executable file on this host; the old config stays" >&2; exit 1`,
        `  fi`,
        `done`,
    ].join("\n");
}

/**
 * The config step's reload: keepalived must run the new config afterwards (see keepalivedReload.ts),
 * else the previous file and its wanted copy are put back and keepalived reloaded on them.
 */
const RELOAD_CONFIG = reloadKeepalivedVerifiedScript({ rollback: restorePreviousFileScript(`"$prev"`), secretFiles: [`"$target"`, `"$prev/file"`] });

const installConfig = (os: OsChoice, reload: boolean) =>
    KEEPALIVED_REDACT_FUNCTION +
    "\n" +
    installFileScript({
        path: KEEPALIVED_CONFIG_PATH,
        // Holds the VRRP password.
        mode: "0600",
        owner: "root",
        group: "root",
        validate: (tmp) => `${keepalivedHostChecks(tmp)}\n${keepalivedValidation(os)(tmp)}`,
        keepPrevious: reload,
        onChange: reload ? RELOAD_CONFIG : undefined,
    });

/**
 * The VRID collision check (vrrpListen.ts) on the candidate config, in a step of its own: the
 * listen takes 3.5–10 s, and before the gate (`beforeDependsOn`) it runs while the balancers'
 * haproxy steps do, instead of twice in a row in the pair's chain (BACKUP, then MASTER). After
 * the firewall step: a host firewall that drops VRRP would hide a foreign router's adverts from
 * the raw socket. A collision fails the step, so the config step never runs and nothing is swapped.
 */
function vridCheckStep(os: OsChoice): StepSpec {
    const check = [
        `umask 077`,
        `candidate=$(mktemp)`,
        `trap 'rm -f "$candidate"' EXIT`,
        `cat > "$candidate"`,
        forOs(os, (a) => vridCollisionCheckScript(`"$candidate"`, KEEPALIVED_CONFIG_PATH, a.pythons)),
    ].join("\n");
    return { name: "vrid-check", create: check, update: check, delete: ":", stdinFile: KEEPALIVED_CONFIG_PATH, beforeDependsOn: true };
}

export interface KeepalivedStepOptions {
    os: OsChoice;
    /** Switch to the family's archive repositories first (CentOS 7: the vault). */
    archiveRepos: boolean;
    /** An instance floats an IPv6 VIP: net.ipv6.ip_nonlocal_bind lets haproxy bind it on the BACKUP. */
    ipv6: boolean;
    /** Install the built-in notify script (and these user hooks, from stdin). Unset: no notify step. */
    notify?: { hooks: NotifyState[] };
    /** User track scripts shipped as files (from stdin), by step name → path; before the config that runs them. */
    trackScripts?: { step: string; path: string }[];
    /** Seconds a node in maint waits for its peer to take the VIPs (script/maintenance.ts). Default: for adverts every second. */
    maintHandoverTimeoutS?: number;
}

const IPV6_NONLOCAL_BIND = "net.ipv6.ip_nonlocal_bind";

/** A root-owned 0700 executable from stdin, removed (or put back) on destroy. A user hook may hold tokens: not `plain`. */
function executableStep(name: string, path: string, plainContent: boolean): StepSpec {
    const install = installFileScript({ path, mode: "0700", owner: "root", group: "root", plainContent });
    return { name, create: install, delete: removeFileScript(path), stdinFile: path };
}

export function keepalivedSteps(opts: KeepalivedStepOptions): StepSpec[] {
    const { os } = opts;
    const steps: StepSpec[] = [
        packagesStep(os, "keepalived", (a) => a.keepalivedPackages, opts.archiveRepos),
        {
            name: "firewall",
            create: forOs(os, (a) => vrrpFirewallScript(a.firewalls, "open")),
            delete: forOs(os, (a) => vrrpFirewallScript(a.firewalls, "close")),
        },
        vridCheckStep(os),
    ];
    if (opts.ipv6) steps.push({ name: "sysctl", create: setSysctlScript(IPV6_NONLOCAL_BIND, "1"), delete: restoreSysctlScript(IPV6_NONLOCAL_BIND) });
    if (opts.notify) {
        const notify = executableStep("notify", NOTIFY_SCRIPT_PATH, true);
        // The state files live on tmpfs; destroy takes them too.
        notify.delete = `${notify.delete}\nrm -rf ${shQuote(VRRP_STATE_DIR)}`;
        steps.push(notify, ...opts.notify.hooks.map((s) => executableStep(`hook-${s}`, hookPath(s), false)));
    }
    // A user script may hold tokens: not `plain`, like the hooks.
    for (const t of opts.trackScripts ?? []) steps.push(executableStep(t.step, t.path, false));
    // A node in maint (a marker in its config) waits until the peer holds the VIPs, at every (re)start of keepalived.
    const handover = maintHandoverScript(KEEPALIVED_CONFIG_PATH, opts.maintHandoverTimeoutS ?? maintHandoverTimeoutS(1));
    steps.push(
        {
            name: "config",
            create: installConfig(os, false),
            update: `${installConfig(os, true)}\n${handover}`,
            delete: forOs(os, (a) => removeFileScript(KEEPALIVED_CONFIG_PATH, a.services.reloadIfActive("keepalived"))),
            stdinFile: KEEPALIVED_CONFIG_PATH,
        },
        {
            name: "service",
            create: `${forOs(os, (a) => a.services.enableAndRestart("keepalived"))}\n${handover}`,
            update: forOs(os, (a) => a.services.ensureRunning("keepalived")),
            delete: forOs(os, (a) => a.services.restore("keepalived")),
        },
    );
    return steps;
}
