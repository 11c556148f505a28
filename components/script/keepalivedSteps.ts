/** The remote steps of one KeepalivedPair node, in order: packages → firewall → config → service. PURE. */
import { forOs, keepalivedHasConfigTest, OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import { installFileScript, removeFileScript } from "./files";
import { vrrpFirewallScript } from "./firewall";
import { packagesStep } from "./packages";
import { indent } from "./text";

export const KEEPALIVED_CONFIG_PATH = "/etc/keepalived/keepalived.conf";

/** What in `keepalived -t` output counts as a rejection (it exits 0 on unknown keywords). */
export const KEEPALIVED_TEST_COMPLAINTS = "unknown keyword|invalid|error|not supported";

/** keepalived < 2.0.4 (CentOS 7) has no config test; there the binary is asked whether it has one. */
function keepalivedValidation(os: OsChoice): (tmp: string) => string {
    const test = (tmp: string) =>
        [
            `if ! kt_out=$(keepalived -t -f ${tmp} 2>&1) || printf '%s\\n' "$kt_out" | grep -Eiq '${KEEPALIVED_TEST_COMPLAINTS}'; then`,
            `  printf '%s\\n' "$kt_out" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1`,
            `fi`,
        ].join("\n");
    return (tmp) =>
        forOs(os, (a) => (keepalivedHasConfigTest(a) ? test(tmp) : `if keepalived --help 2>&1 | grep -q -- --config-test; then\n${indent(test(tmp))}\nfi`));
}

const installConfig = (os: OsChoice, reload: boolean) =>
    installFileScript({
        path: KEEPALIVED_CONFIG_PATH,
        // Holds the VRRP password.
        mode: "0600",
        owner: "root",
        group: "root",
        validate: keepalivedValidation(os),
        onChange: reload ? forOs(os, (a) => a.services.reloadOrStart("keepalived")) : undefined,
    });

export function keepalivedSteps(os: OsChoice, archiveRepos: boolean): StepSpec[] {
    return [
        packagesStep(os, "keepalived", (a) => a.keepalivedPackages, archiveRepos),
        {
            name: "firewall",
            create: forOs(os, (a) => vrrpFirewallScript(a.firewalls, "open")),
            delete: forOs(os, (a) => vrrpFirewallScript(a.firewalls, "close")),
        },
        {
            name: "config",
            create: installConfig(os, false),
            update: installConfig(os, true),
            delete: forOs(os, (a) => removeFileScript(KEEPALIVED_CONFIG_PATH, a.services.reloadIfActive("keepalived"))),
            stdinFile: KEEPALIVED_CONFIG_PATH,
        },
        {
            name: "service",
            create: forOs(os, (a) => a.services.enableAndRestart("keepalived")),
            update: forOs(os, (a) => a.services.ensureRunning("keepalived")),
            delete: forOs(os, (a) => a.services.restore("keepalived")),
        },
    ];
}
