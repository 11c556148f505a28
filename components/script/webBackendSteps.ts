/** The remote steps of a WebBackend, in order: packages → firewall → site → page → service. PURE. */
import { forOs, OsAdapter, OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import { closePortsScript, installFileScript, openPortsScript, removeFileScript } from "./files";
import { enableAndRestartScript, reloadOrStartScript, stopAndDisableScript } from "./service";
import { packagesStep } from "./packages";

export const WEB_INDEX_PATH = "/var/www/html/index.html";

export function webBackendSteps(os: OsChoice, port: number, centos7Vault: boolean): StepSpec[] {
    // The site file is small and fixed per port, so it travels inside the script as a here-doc
    // with a quoted delimiter (no expansion), generated from validated numbers only.
    const installSite = (a: OsAdapter) =>
        [
            `cat <<'HAPROXY_HA_SITE' | {`,
            a.web.siteConfig(port).trimEnd(),
            `HAPROXY_HA_SITE`,
            installFileScript({ path: a.web.sitePath, mode: "0644", owner: "root", group: "root" }),
            `}`,
            a.web.disableDefaults || ":",
        ].join("\n");
    return [
        packagesStep(os, (a) => a.web.packages, centos7Vault),
        {
            name: "firewall",
            create: openPortsScript([port]),
            delete: closePortsScript([port]),
            triggers: [port],
        },
        {
            name: "site",
            create: forOs(os, installSite),
            delete: forOs(os, (a) => `${removeFileScript(a.web.sitePath)}\n${a.web.restoreDefaults || ":"}`),
            triggers: [port],
        },
        {
            name: "page",
            create: installFileScript({ path: WEB_INDEX_PATH, mode: "0644", owner: "root", group: "root" }),
            update: installFileScript({ path: WEB_INDEX_PATH, mode: "0644", owner: "root", group: "root" }),
            delete: removeFileScript(WEB_INDEX_PATH),
            stdinFile: WEB_INDEX_PATH,
        },
        {
            name: "service",
            create: forOs(os, (a) => enableAndRestartScript(a.web.service)),
            update: forOs(os, (a) => reloadOrStartScript(a.web.service)),
            delete: forOs(os, (a) => stopAndDisableScript(a.web.service)),
            triggers: [port],
        },
    ];
}
