/** The remote steps of a WebBackend, in order: packages → firewall → site → page → service. PURE. */
import { forOs, OsAdapter, OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import { installFileScript, removeFileScript } from "./files";
import { portsFirewallScript } from "./firewall";
import { packagesStep } from "./packages";

/** The index page's path on a host of this family. */
export const webIndexPath = (a: OsAdapter) => `${a.web.docRoot}/index.html`;
/** Key of the rendered index page (its path differs per family, its content does not). */
export const WEB_PAGE = "index.html";

export function webBackendSteps(os: OsChoice, port: number, archiveRepos: boolean): StepSpec[] {
    // The site file is small and fixed per port, so it travels inside the script as a here-doc
    // with a quoted delimiter (no expansion), generated from validated numbers only.
    const installSite = (a: OsAdapter) =>
        [
            `cat <<'HAPROXY_HA_SITE' | {`,
            a.web.siteConfig(port).trimEnd(),
            `HAPROXY_HA_SITE`,
            installFileScript({ path: a.web.sitePath, mode: "0644", owner: "root", group: "root", plainContent: true }),
            `}`,
            a.web.disableDefaults ?? ":",
        ].join("\n");
    const installPage = forOs(os, (a) => installFileScript({ path: webIndexPath(a), mode: "0644", owner: "root", group: "root", plainContent: true }));
    return [
        packagesStep(os, "web", (a) => a.web.packages, archiveRepos),
        {
            name: "firewall",
            create: forOs(os, (a) => portsFirewallScript(a.firewalls, [port], "open")),
            delete: forOs(os, (a) => portsFirewallScript(a.firewalls, [port], "close")),
            triggers: [port],
        },
        {
            name: "site",
            create: forOs(os, installSite),
            delete: forOs(os, (a) => [removeFileScript(a.web.sitePath), a.web.restoreDefaults ?? "", a.services.reloadIfActive(a.web.service)].filter(Boolean).join("\n")),
            triggers: [port],
        },
        {
            name: "page",
            create: installPage,
            update: installPage,
            delete: forOs(os, (a) => removeFileScript(webIndexPath(a))),
            stdinFile: WEB_PAGE,
        },
        {
            name: "service",
            create: forOs(os, (a) => a.services.enableAndRestart(a.web.service)),
            update: forOs(os, (a) => a.services.ensureRunning(a.web.service)),
            delete: forOs(os, (a) => a.services.restore(a.web.service)),
            triggers: [port],
        },
    ];
}
