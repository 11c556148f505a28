/** Package installation per package manager, and the packages step every component starts with. PURE. */
import { forOs, OsAdapter, OsChoice } from "../os";
import type { StepSpec } from "../remoteSteps";
import { installPackagesScript, removePackagesScript, STATE_DIR } from "./files";

/** Shell that succeeds when the package `pkg` (a fixed name from the adapter) is installed. */
export function packageQuery(os: OsAdapter): (pkg: string) => string {
    return os.family === "debian" || os.family === "ubuntu"
        ? (pkg) => `dpkg -s '${pkg}' >/dev/null 2>&1`
        : (pkg) => `rpm -q '${pkg}' >/dev/null 2>&1`;
}

/** Shell that removes the package named by the quoted word. */
export function packageRemoval(os: OsAdapter): (quotedPkg: string) => string {
    switch (os.family) {
        case "debian":
        case "ubuntu":
            return (pkg) => `DEBIAN_FRONTEND=noninteractive apt-get remove -y -q ${pkg}`;
        case "centos7":
            return (pkg) => `yum remove -y -q ${pkg}`;
        case "el8":
        case "el9":
            return (pkg) => `dnf remove -y -q ${pkg}`;
        default: {
            const unknown: never = os.family;
            throw new Error(`unknown OS family ${unknown}`);
        }
    }
}

const CENTOS_BASE_REPO = "/etc/yum.repos.d/CentOS-Base.repo";
const VAULT_BACKUP = `${STATE_DIR}/backup${CENTOS_BASE_REPO}.vault`;

/**
 * CentOS 7 is end-of-life and mirrorlist.centos.org is gone: point the base repos at the vault
 * archive (opt-in). The original repo file is kept and put back on destroy.
 */
export const centos7VaultScript = [
    `if [ -f ${CENTOS_BASE_REPO} ] && grep -q '^mirrorlist=' ${CENTOS_BASE_REPO}; then`,
    `  mkdir -p "$(dirname ${VAULT_BACKUP})"`,
    `  [ -e ${VAULT_BACKUP} ] || cp -p ${CENTOS_BASE_REPO} ${VAULT_BACKUP}`,
    `  sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\\{0,1\\}baseurl=http://mirror.centos.org/centos/\\$releasever|baseurl=http://vault.centos.org/7.9.2009|' ${CENTOS_BASE_REPO}`,
    `fi`,
].join("\n");

export const centos7VaultRestoreScript = `if [ -e ${VAULT_BACKUP} ]; then mv -f ${VAULT_BACKUP} ${CENTOS_BASE_REPO}; fi`;

/** Installs what `pick` names for the host's family; destroy removes only what it installed. */
export function packagesStep(os: OsChoice, pick: (a: OsAdapter) => string[], centos7Vault: boolean): StepSpec {
    const useVault = (a: OsAdapter) => centos7Vault && a.family === "centos7";
    return {
        name: "packages",
        create: forOs(os, (a) =>
            [useVault(a) ? centos7VaultScript : "", installPackagesScript(a.installPackages(pick(a)), pick(a), packageQuery(a))]
                .filter(Boolean)
                .join("\n"),
        ),
        delete: forOs(os, (a) =>
            [removePackagesScript(packageRemoval(a), pick(a)), useVault(a) ? centos7VaultRestoreScript : ""].filter(Boolean).join("\n"),
        ),
        triggers: [os, centos7Vault],
    };
}
