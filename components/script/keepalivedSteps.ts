/** The remote steps of one KeepalivedPair node, in order: packages → firewall → config → service. PURE. */
import { forOs, OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import { indent, installFileScript, removeFileScript, vrrpFirewallScript } from "./files";
import { packagesStep } from "./packages";
import { enableAndRestartScript, reloadOrStartScript, stopAndDisableScript } from "./service";

export const KEEPALIVED_CONFIG_PATH = "/etc/keepalived/keepalived.conf";

/**
 * `keepalived -t` exits 0 on unknown keywords (it only prints them), so its output counts too.
 * keepalived < 2.0.4 (CentOS 7) has no config test; there the binary is asked whether it has one.
 */
/** What in `keepalived -t` output counts as a rejection (it exits 0 on unknown keywords). */
export const KEEPALIVED_TEST_COMPLAINTS = "unknown keyword|invalid|error|not supported";

function keepalivedValidation(os: OsChoice): (tmp: string) => string {
    const test = (tmp: string) =>
        [
            `if ! kt_out=$(keepalived -t -f ${tmp} 2>&1) || printf '%s\n' "$kt_out" | grep -Eiq '${KEEPALIVED_TEST_COMPLAINTS}'; then`,
            `  printf '%s\n' "$kt_out" >&2; echo "haproxy-ha: keepalived rejected the new config; the old one stays" >&2; exit 1`,
            `fi`,
        ].join("\n");
    return (tmp) =>
        forOs(os, (a) =>
            a.keepalivedHasConfigTest ? test(tmp) : `if keepalived --help 2>&1 | grep -q -- --config-test; then\n${indent(test(tmp))}\nfi`,
        );
}

const installConfig = (os: OsChoice, reload: boolean) =>
    installFileScript({
        path: KEEPALIVED_CONFIG_PATH,
        // Holds the VRRP password.
        mode: "0600",
        owner: "root",
        group: "root",
        validate: keepalivedValidation(os),
        onChange: reload ? reloadOrStartScript("keepalived") : undefined,
    });

export function keepalivedSteps(os: OsChoice, centos7Vault: boolean): StepSpec[] {
    return [
        packagesStep(os, (a) => a.keepalivedPackages, centos7Vault),
        { name: "firewall", create: vrrpFirewallScript("open"), delete: vrrpFirewallScript("close") },
        {
            name: "config",
            create: installConfig(os, false),
            update: installConfig(os, true),
            delete: removeFileScript(KEEPALIVED_CONFIG_PATH),
            stdinFile: KEEPALIVED_CONFIG_PATH,
        },
        {
            name: "service",
            create: enableAndRestartScript("keepalived"),
            update: reloadOrStartScript("keepalived"),
            delete: stopAndDisableScript("keepalived"),
        },
    ];
}
