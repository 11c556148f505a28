/**
 * The packages step every component starts with. It installs what is missing and records which
 * packages that brought onto the host (dependencies included), so destroy removes exactly
 * those and nothing that was there before. PURE.
 */
import { hostFactsScript } from "./hostFacts";
import { forOs, OsAdapter, OsChoice } from "../os";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";
import type { StepSpec } from "../remoteSteps";
import { shQuote } from "../shell/quote";

/** Where a component's install records the packages it added, one empty file per package name. */
export const installedRecordDir = (component: string) => `${STATE_DIR}/installed/${component}`;
/** The packages a component wants, one name a line: what the drift check looks for. */
export const wantedPackagesFile = (component: string) => `${STATE_DIR}/wanted-packages/${component}`;

function installScript(a: OsAdapter, component: string, packages: string[]): string {
    const missing = packages.map((p) => `${a.packages.query(p)} || missing=1`);
    return [
        `installed=${shQuote(installedRecordDir(component))}`,
        `missing=0`,
        ...missing,
        `if [ "$missing" = 1 ]; then`,
        `  mkdir -p "$installed"`,
        `  before=$(mktemp)`,
        `  trap 'rm -f "$before"' EXIT`,
        `  ${a.packages.listInstalled} | sort > "$before"`,
        a.packages.install(packages).replace(/^/gm, "  "),
        `  ${a.packages.listInstalled} | sort | comm -13 "$before" - | while read -r p; do : > "$installed/$p"; done`,
        `fi`,
        `mkdir -p ${shQuote(`${STATE_DIR}/wanted-packages`)}`,
        `printf '%s\\n' ${packages.map(shQuote).join(" ")} > ${shQuote(wantedPackagesFile(component))}`,
    ].join("\n");
}

function removeScript(a: OsAdapter, component: string): string {
    return [
        `installed=${shQuote(installedRecordDir(component))}`,
        `if [ -d "$installed" ]; then`,
        `  pkgs=""`,
        `  for f in "$installed"/*; do if [ -e "$f" ]; then pkgs="$pkgs \${f##*/}"; fi; done`,
        `  if [ -n "$pkgs" ]; then`,
        `    # shellcheck disable=SC2086 # package names, one word each, as the package manager printed them`,
        `    ${a.packages.removeListed}`,
        `  fi`,
        `  rm -rf "$installed"`,
        `fi`,
        `rm -f ${shQuote(wantedPackagesFile(component))}`,
        cleanupStateDirScript(),
    ].join("\n");
}

/**
 * The packages steps of several components on one host take turns (a web server and a balancer
 * share a host, or a HaproxyNode and a KeepalivedPair node install at the same time): apt and
 * yum fail on each other's lock instead of waiting, and each step's record of what it installed
 * must see its own installation only. A flock on a directory that always exists leaves no file
 * behind; the lock goes with the script's shell.
 */
export const PACKAGES_LOCK = "/var/lib";
export const packagesLockScript = (): string => `exec 9<${shQuote(PACKAGES_LOCK)}\nflock -w 900 9`;

/**
 * Installs what `pick` names for the host's family. A changed input updates the step in place
 * (installing what is missing): an update never removes a package a later step still needs.
 * @param component names the record of what this step installed (`haproxy`, `keepalived`, `web`)
 * @param archiveRepos switch to the family's archive repositories first (CentOS 7: the vault)
 */
export function packagesStep(os: OsChoice, component: string, pick: (a: OsAdapter) => string[], archiveRepos: boolean): StepSpec {
    const repos = (a: OsAdapter) => (a.archiveRepos === undefined ? "" : archiveRepos ? a.archiveRepos.enable : a.archiveRepos.restore);
    // The facts line last: what the configs of a family or `auto` are rendered for (hostFacts.ts).
    const install = `${packagesLockScript()}\n${forOs(os, (a) => [repos(a), installScript(a, component, pick(a))].filter(Boolean).join("\n"), { guard: true })}\n${hostFactsScript()}`;
    return {
        name: "packages",
        create: install,
        update: install,
        delete: `${packagesLockScript()}\n${forOs(os, (a) => [removeScript(a, component), a.archiveRepos?.restore ?? ""].filter(Boolean).join("\n"))}`,
    };
}
