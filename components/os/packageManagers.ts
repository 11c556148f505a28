/** Package managers: the shell each family uses to query, install, list and remove packages. PURE. */
import { shQuote, shQuoteAll } from "../shell/quote";

export interface PackageManager {
    /** Shell that succeeds when `pkg` is installed (and not merely remembered, like dpkg's `rc`). */
    query(pkg: string): string;
    /** Shell that installs `packages` from the configured repositories. */
    install(packages: string[]): string;
    /** Shell that prints the name of every installed package, one per line. */
    listInstalled: string;
    /** Shell that removes the packages whose names are in the unquoted variable `$pkgs`. */
    removeListed: string;
}

// Only what the services need: recommended (weak) packages are left out, as a minimal image
// would have them. Debian's keepalived would otherwise bring ipvsadm, libicu and shared-mime-info
// (24 packages instead of 15), and a host installs faster.
export const apt: PackageManager = {
    query: (pkg) => `[ "$(dpkg-query -W -f '\${db:Status-Abbrev}' ${shQuote(pkg)} 2>/dev/null)" = "ii " ]`,
    install: (packages) =>
        `export DEBIAN_FRONTEND=noninteractive\napt-get update -q && apt-get install -y -q --no-install-recommends ${shQuoteAll(packages)}`,
    listInstalled: `dpkg-query -W -f '\${db:Status-Abbrev}\${Package}\\n' | sed -n 's/^ii *//p'`,
    // Purged, not removed: a package the library installed leaves no config files behind.
    removeListed: `DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $pkgs`,
};

const rpm = (tool: "yum" | "dnf"): PackageManager => ({
    query: (pkg) => `rpm -q ${shQuote(pkg)} >/dev/null 2>&1`,
    // yum (CentOS 7) knows no weak dependencies; dnf installs them unless told not to.
    install: (packages) => `${tool} install -y -q${tool === "dnf" ? " --setopt=install_weak_deps=False" : ""} ${shQuoteAll(packages)}`,
    listInstalled: `rpm -qa --qf '%{NAME}\\n'`,
    removeListed: `${tool} remove -y -q $pkgs`,
});

export const yum = rpm("yum");
export const dnf = rpm("dnf");
