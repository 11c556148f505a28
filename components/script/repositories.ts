/**
 * The repositories step: vendor repositories and the pins' preferences, before the packages step.
 * It first tries everything in a scratch copy of the package manager's state (the host's sources
 * plus the new ones, its own index lists), so a repository apt or dnf refuses (unsigned, signed
 * by another key, unreachable) or a pinned version no repository has fails the step naming it
 * with nothing on the host changed. Only then are the files installed (recorded so destroy puts
 * back what was there) and the indexes refreshed. PURE.
 */
import { forOs, OsAdapter, OsChoice } from "../os";
import { apt } from "../os/packageManagers";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";
import type { PackagePin, PackageRepository, SourcesPlan } from "../model/packages";
import type { StepSpec } from "../remoteSteps";
import { shQuote } from "../shell/quote";
import { BACKUP_DIR, installFileScript, WANTED_DIR } from "./files";
import { packagesLockScript } from "./packages";
import { pinsStep } from "./pins";

/** The files one component's repositories put on an apt host. */
export const aptPaths = (component: string, repo?: string) => ({
    sources: `/etc/apt/sources.list.d/haproxy-ha-${component}-${repo}.sources`,
    keyring: `/etc/apt/keyrings/haproxy-ha-${component}-${repo}.asc`,
    preferences: `/etc/apt/preferences.d/haproxy-ha-${component}.pref`,
});
/** The files one component's repositories put on a dnf host. */
export const dnfPaths = (component: string, repo: string) => ({
    repo: `/etc/yum.repos.d/haproxy-ha-${component}-${repo}.repo`,
    key: `/etc/pki/rpm-gpg/haproxy-ha-${component}-${repo}.asc`,
});
/** The paths this step installed, one a line: what the next update and destroy remove. */
export const sourcesManifest = (component: string) => `${STATE_DIR}/sources/${component}`;
/** The rpm keys (`gpg-pubkey-…`) a repository's import added, one a line, per component and repository. */
const rpmKeysDir = (component: string) => `${STATE_DIR}/rpm-keys/${component}`;

/** rpm's versions: a pin is the version, or version-release (`2.4.22` matches `2.4.22-1.el9`). */
export const rpmPinPatterns = (version: string) => (version.endsWith("*") ? pinPattern(version) : `${pinPattern(version)}|${pinPattern(version)}-*`);

/** A case pattern for a pin: the version quoted, a trailing `*` left to match. */
export function pinPattern(version: string): string {
    return version.endsWith("*") ? `${shQuote(version.slice(0, -1))}*` : shQuote(version);
}

/** deb822: Signed-By names the armored key file (apt ≥ 1.4 reads `.asc` keyrings). */
export function debSources(r: PackageRepository, keyring: string): string {
    return [
        `# Managed by haproxy-ha: repository ${r.name}; removed on destroy.`,
        `Types: deb`,
        `URIs: ${r.url}`,
        `Suites: ${r.suites.join(" ")}`,
        ...(r.components.length > 0 ? [`Components: ${r.components.join(" ")}`] : []),
        `Signed-By: ${keyring}`,
        ``,
    ].join("\n");
}

/** apt preferences: each pin above 1000 (installs, and downgrades to, that version), each repository's priority. */
export function aptPreferences(sources: SourcesPlan): string | undefined {
    const stanzas = [
        ...sources.pins.map((p) => [`Package: ${p.name}`, `Pin: version ${p.version}`, `Pin-Priority: 1001`]),
        ...sources.repositories.flatMap((r) => (r.priority === undefined ? [] : [[`Package: *`, `Pin: origin "${r.origin}"`, `Pin-Priority: ${r.priority}`]])),
    ];
    if (stanzas.length === 0) return undefined;
    return `# Managed by haproxy-ha; removed on destroy.\n${stanzas.map((s) => s.join("\n")).join("\n\n")}\n`;
}

export function dnfRepo(r: PackageRepository, keyFile: string): string {
    return [
        `# Managed by haproxy-ha: repository ${r.name}; removed on destroy.`,
        `[haproxy-ha-${r.name}]`,
        `name=haproxy-ha ${r.name}`,
        `baseurl=${r.baseurl}`,
        `enabled=1`,
        `gpgcheck=1`,
        `repo_gpgcheck=${r.repoGpgcheck ? 1 : 0}`,
        `gpgkey=file://${keyFile}`,
        ``,
    ].join("\n");
}

/** Writes `text` to `path` as a managed, plain file (backup of what was there, wanted copy for drift). */
function writeFile(path: string, text: string): string {
    return [`printf '%s' ${shQuote(text)} | {`, installFileScript({ path, mode: "0644", owner: "root", group: "root", plainContent: true }), `}`].join("\n");
}

/** Shell function: puts back (or removes) one managed file named by "$1", as removeFileScript does for a fixed path. */
const UNFILE = [
    `unfile() {`,
    `  if [ -e ${shQuote(BACKUP_DIR)}"$1" ]; then mv -f ${shQuote(BACKUP_DIR)}"$1" "$1"; echo "restored: $1"`,
    `  else rm -f "$1" ${shQuote(BACKUP_DIR)}"$1.absent"; echo "removed: $1"; fi`,
    `  rm -f ${shQuote(WANTED_DIR)}"$1" ${shQuote(WANTED_DIR)}"$1.meta"`,
    `}`,
].join("\n");

/** Installs the files, then removes those the manifest lists that are no longer wanted, and writes the new manifest. */
function applyFiles(component: string, files: { path: string; text: string }[]): string {
    const manifest = shQuote(sourcesManifest(component));
    return [
        UNFILE,
        ...files.map((f) => writeFile(f.path, f.text)),
        `if [ -e ${manifest} ]; then`,
        `  while IFS= read -r old; do`,
        `    case "$old" in ${files.length > 0 ? files.map((f) => shQuote(f.path)).join("|") : "''"}) ;; *) unfile "$old" ;; esac`,
        `  done < ${manifest}`,
        `fi`,
        `mkdir -p ${shQuote(`${STATE_DIR}/sources`)}`,
        files.length > 0 ? `printf '%s\\n' ${files.map((f) => shQuote(f.path)).join(" ")} > ${manifest}` : `rm -f ${manifest}`,
    ].join("\n");
}

/** Refuses a pin whose pattern does not match "$cand", listing "$have" (the versions the repositories have). */
function refusePin(p: PackagePin, patterns = pinPattern(p.version)): string {
    return [
        `case "$cand" in`,
        `  ${patterns}) ;;`,
        `  *) echo ${shQuote(`haproxy-ha: packages.${p.name} "${p.version}" is not in the repositories of `)}"$(hostname)"'; they have: '"\${have:-no version of it}" >&2; exit 1 ;;`,
        `esac`,
    ].join("\n");
}

function aptCreate(component: string, s: SourcesPlan): string {
    const own = `haproxy-ha-${component}-`;
    const prefs = aptPreferences(s);
    const scratchFiles = s.repositories.map((r) => ({ r, key: `"$scratch/keys/${r.name}.asc"`, sources: `"$scratch/parts/${own}${r.name}.sources"` }));
    const files = [
        ...s.repositories.flatMap((r) => {
            const p = aptPaths(component, r.name);
            return [
                { path: p.keyring, text: r.signingKey },
                { path: p.sources, text: debSources(r, p.keyring) },
            ];
        }),
        ...(prefs === undefined ? [] : [{ path: aptPaths(component).preferences, text: prefs }]),
    ];
    return [
        `export DEBIAN_FRONTEND=noninteractive`,
        `scratch=$(mktemp -d)`,
        `trap 'rm -rf "$scratch"' EXIT`,
        `mkdir -p "$scratch/lists/partial" "$scratch/parts" "$scratch/prefs" "$scratch/keys" "$scratch/none"`,
        // apt downloads as _apt: a scratch it cannot write is a warning, an error under Error-Mode=any.
        `chmod 0755 "$scratch"`,
        `# The host's sources and preferences as they are, but this component's own (replaced below); its index lists, so the dry run fetches only what changed.`,
        `for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do`,
        `  [ -e "$f" ] || continue`,
        `  case "\${f##*/}" in ${own}*) ;; *) cp -p "$f" "$scratch/parts/" ;; esac`,
        `done`,
        `for f in /etc/apt/preferences.d/*; do`,
        `  [ -f "$f" ] || continue`,
        `  case "\${f##*/}" in haproxy-ha-${component}.pref) ;; *) cp -p "$f" "$scratch/prefs/" ;; esac`,
        `done`,
        `cp -a /var/lib/apt/lists/. "$scratch/lists/" 2>/dev/null || true`,
        `rm -f "$scratch/lists/lock"`,
        `if id _apt >/dev/null 2>&1; then chown -R _apt:root "$scratch/lists/partial"; chmod 0700 "$scratch/lists/partial"; fi`,
        `scratch_apt() { "$@" -o Dir::State::Lists="$scratch/lists" -o Dir::Etc::sourceparts="$scratch/parts" -o Dir::Etc::preferencesparts="$scratch/prefs" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=; }`,
        ...scratchFiles.flatMap(({ r, key, sources }) => [
            `printf '%s' ${shQuote(r.signingKey)} > ${key}`,
            `printf '%s' ${shQuote(debSources(r, "@KEY@"))} | sed "s|@KEY@|$scratch/keys/${r.name}.asc|" > ${sources}`,
            `# This repository alone first: a refusal names it.`,
            `if ! out=$(apt-get update -q -o APT::Update::Error-Mode=any -o Dir::State::Lists="$scratch/lists" -o Dir::Etc::sourcelist=${sources} -o Dir::Etc::sourceparts="$scratch/none" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= 2>&1); then`,
            `  printf '%s\\n' "$out" | grep -E '^(E|W|Err):' >&2 || printf '%s\\n' "$out" >&2`,
            `  echo ${shQuote(`haproxy-ha: repositories ${r.name} (${r.url}) was refused by apt on `)}"$(hostname)"${shQuote(": not signed by its signingKey, or not reachable (see above); nothing was changed")} >&2`,
            `  exit 1`,
            `fi`,
        ]),
        ...(prefs === undefined ? [] : [`printf '%s' ${shQuote(prefs)} > "$scratch/prefs/haproxy-ha-${component}.pref"`]),
        ...(s.pins.length === 0
            ? []
            : [
                  `scratch_apt apt-get update -q >/dev/null`,
                  ...s.pins.flatMap((p) => [
                      `cand=$(scratch_apt apt-cache policy ${shQuote(p.name)} | sed -n 's/^ *Candidate: //p')`,
                      `have=$(scratch_apt apt-cache madison ${shQuote(p.name)} | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u | paste -sd ' ' -)`,
                      refusePin(p),
                  ]),
              ]),
        `# Checked: now the host.`,
        applyFiles(component, files),
        `apt-get update -q`,
        cleanupStateDirScript(),
    ].join("\n");
}

function aptDelete(component: string): string {
    const manifest = shQuote(sourcesManifest(component));
    return [
        UNFILE,
        `if [ -e ${manifest} ]; then`,
        `  while IFS= read -r old; do unfile "$old"; done < ${manifest}`,
        `  rm -f ${manifest}`,
        // The vendor's indexes go with it; a failed refresh (a source of the host's own gone bad) does not keep the files.
        `  apt-get update -q || echo "haproxy-ha: apt-get update failed after removing the repositories on $(hostname)" >&2`,
        `fi`,
        cleanupStateDirScript(),
    ].join("\n");
}

function dnfCreate(component: string, s: SourcesPlan, tool: string): string {
    const files = s.repositories.flatMap((r) => {
        const p = dnfPaths(component, r.name);
        return [
            { path: p.key, text: r.signingKey },
            { path: p.repo, text: dnfRepo(r, p.key) },
        ];
    });
    const keys = rpmKeysDir(component);
    const scratchDnf = `${tool} -q -y --setopt=reposdir="/etc/yum.repos.d,$scratch/repos" --setopt=cachedir="$scratch/cache"`;
    return [
        `scratch=$(mktemp -d)`,
        `trap 'rm -rf "$scratch"' EXIT`,
        `mkdir -p "$scratch/repos" "$scratch/cache" "$scratch/keys"`,
        `# Each repository alone first, in a scratch cache: a refusal names it, and nothing is changed.`,
        ...s.repositories.flatMap((r) => [
            `printf '%s' ${shQuote(r.signingKey)} > "$scratch/keys/${r.name}.asc"`,
            `printf '%s' ${shQuote(dnfRepo(r, "@KEY@"))} | sed "s|@KEY@|$scratch/keys/${r.name}.asc|" > "$scratch/repos/haproxy-ha-${component}-${r.name}.repo"`,
            `if ! ${tool} -q -y --setopt=reposdir="$scratch/repos" --setopt=cachedir="$scratch/cache" --repo=${shQuote(`haproxy-ha-${r.name}`)} makecache >"$scratch/out" 2>&1; then`,
            `  cat "$scratch/out" >&2`,
            `  echo ${shQuote(`haproxy-ha: repositories ${r.name} (${r.baseurl}) was refused by ${tool} on `)}"$(hostname)"${shQuote(": see above; nothing was changed")} >&2`,
            `  exit 1`,
            `fi`,
        ]),
        ...s.pins.flatMap((p) => [
            `have=$(${scratchDnf} repoquery --qf '%{version}-%{release}' ${shQuote(p.name)} 2>/dev/null | sort -u | paste -sd ' ' -)`,
            `cand=""`,
            `for v in $have; do case "$v" in ${rpmPinPatterns(p.version)}) cand=$v ;; esac; done`,
            refusePin(p, `?*`),
        ]),
        `# Checked: now the host.`,
        applyFiles(component, files),
        ...s.repositories.flatMap((r) => {
            const dir = shQuote(`${keys}/${r.name}`);
            return [
                `if [ ! -s ${dir} ]; then`,
                `  mkdir -p ${shQuote(keys)}`,
                `  rpm -q gpg-pubkey --qf '%{NAME}-%{VERSION}-%{RELEASE}\\n' 2>/dev/null | sort > "$scratch/keys-before" || true`,
                `  rpm --import ${shQuote(dnfPaths(component, r.name).key)}`,
                `  rpm -q gpg-pubkey --qf '%{NAME}-%{VERSION}-%{RELEASE}\\n' | sort | comm -13 "$scratch/keys-before" - > ${dir}`,
                `fi`,
            ];
        }),
        `${tool} -q -y makecache`,
        cleanupStateDirScript(),
    ].join("\n");
}

function dnfDelete(component: string): string {
    const manifest = shQuote(sourcesManifest(component));
    const keys = shQuote(rpmKeysDir(component));
    return [
        UNFILE,
        `if [ -d ${keys} ]; then`,
        `  # Only the keys the import added: one the host trusted before stays.`,
        `  cat ${keys}/* 2>/dev/null | while IFS= read -r k; do [ -z "$k" ] || rpm -e "$k" || true; done`,
        `  rm -rf ${keys}`,
        `fi`,
        `if [ -e ${manifest} ]; then`,
        `  while IFS= read -r old; do unfile "$old"; done < ${manifest}`,
        `  rm -f ${manifest}`,
        `fi`,
        cleanupStateDirScript(),
    ].join("\n");
}

const isApt = (a: OsAdapter) => a.packages === apt;
/** yum (CentOS 7) has no `--repo` nor `repoquery` built in: refused on the host, before anything changes. */
const YUM_REFUSAL = `echo "haproxy-ha: packages and repositories are not supported on CentOS 7 (yum); $(hostname) is CentOS 7" >&2; exit 1`;

/**
 * The repositories step (before the packages step): see the module's comment.
 * @param component names the files (`haproxy-ha-<component>-<repository>`) and the records
 */
export function repositoriesStep(os: OsChoice, component: string, sources: SourcesPlan): StepSpec {
    const create = `${packagesLockScript()}\n${forOs(os, (a) => (isApt(a) ? aptCreate(component, sources) : a.family === "centos7" ? YUM_REFUSAL : dnfCreate(component, sources, "dnf")), { guard: true })}`;
    return {
        name: "repositories",
        create,
        update: create,
        delete: `${packagesLockScript()}\n${forOs(os, (a) => (isApt(a) ? aptDelete(component) : a.family === "centos7" ? ":" : dnfDelete(component)))}`,
        beforeDependsOn: true,
    };
}

/**
 * A component's steps with its `packages` and `repositories`: the repositories step first (the
 * packages step after it, both before the `dependsOn` gate), the pins step just before the step
 * that installs the config (after the gate: one host at a time, in the stack's order). Without
 * either, the steps are returned as they are.
 */
export function withSources(os: OsChoice, component: string, sources: SourcesPlan, steps: StepSpec[]): StepSpec[] {
    if (sources.pins.length === 0 && sources.repositories.length === 0) return steps;
    const [packages, ...rest] = steps;
    const out = [repositoriesStep(os, component, sources), { ...packages, beforeDependsOn: true }, ...rest];
    if (sources.pins.length > 0) {
        const at = out.findIndex((s) => s.name === "config" || s.name === "site");
        out.splice(at < 0 ? 2 : at, 0, pinsStep(os, component, sources));
    }
    return out;
}
