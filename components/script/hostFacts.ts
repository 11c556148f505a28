/**
 * What the host really runs, read by the packages step after it installs: the release
 * (/etc/os-release) and the installed (else candidate) haproxy and keepalived versions, printed
 * as one `haproxy-ha-facts {json}` line. A config for a family or `auto` is rendered from it; a
 * config names the version it was rendered for (`# Rendered for haproxy X`), and the step that
 * swaps it in first compares that with the installed binary's. PURE.
 */
import { candidateReleases, oldestVersions, OsChoice, releaseOfOsRelease, singleRelease, ToolVersions } from "../os";
import { shQuote } from "../shell/quote";

export const FACTS_MARKER = "haproxy-ha-facts";

export interface PackageFacts {
    /** Upstream version (no epoch, no distribution revision) of the installed package. */
    installed?: string;
    /** What the package manager would install (apt only). */
    candidate?: string;
}

export interface HostFacts {
    host: string;
    /** The release table's id for the host, when the table has it. */
    release?: string;
    osRelease: { id: string; idLike: string; versionId: string };
    haproxy: PackageFacts;
    keepalived: PackageFacts;
}

/** `1:2.2.7-1+b2` → `2.2.7`, `2.6.12-1+deb12u3` → `2.6.12`, `2.4.22` → `2.4.22`. */
export function upstreamVersion(packageVersion: string): string {
    const noEpoch = packageVersion.replace(/^[0-9]+:/, "");
    const m = /^[0-9]+(\.[0-9]+)*/.exec(noEpoch);
    return m ? m[0] : "";
}

/** `2.6.12` → `2.6`: the branch a config must be rendered for. */
export function majorMinor(version: string): string {
    return version.split(".").slice(0, 2).join(".");
}

export function sameBranch(a: string, b: string): boolean {
    return majorMinor(a) === majorMinor(b);
}

/**
 * Shell printing the facts line. Each value keeps only version and host-name characters, so the
 * line is JSON whatever the host prints.
 */
export function hostFactsScript(): string {
    return [
        `facts_clean() { printf '%s' "$1" | tr -cd 'A-Za-z0-9.+~:_ -'; }`,
        `facts_pkg() {`,
        `  if command -v dpkg-query >/dev/null 2>&1; then`,
        `    f_inst=$(dpkg-query -W -f '\${db:Status-Abbrev} \${Version}' "$1" 2>/dev/null | sed -n 's/^ii  *//p')`,
        `    f_cand=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | sed 's/(none)//')`,
        `  else`,
        `    f_inst=$(rpm -q --qf '%{VERSION}' "$1" 2>/dev/null) || f_inst=""`,
        `    f_cand=""`,
        `  fi`,
        `  printf '{"installed":"%s","candidate":"%s"}' "$(facts_clean "$f_inst")" "$(facts_clean "$f_cand")"`,
        `}`,
        `facts_os=$(`,
        `  # shellcheck disable=SC1091`,
        `  . /etc/os-release`,
        `  printf '"id":"%s","idLike":"%s","versionId":"%s"' "$(facts_clean "\${ID:-}")" "$(facts_clean "\${ID_LIKE:-}")" "$(facts_clean "\${VERSION_ID:-}")"`,
        `)`,
        `printf '%s {"host":"%s",%s,"haproxy":%s,"keepalived":%s}\\n' ${shQuote(FACTS_MARKER)} "$(facts_clean "$(hostname)")" "$facts_os" "$(facts_pkg haproxy)" "$(facts_pkg keepalived)"`,
    ].join("\n");
}

function packageFacts(raw: unknown): PackageFacts {
    const o = (raw ?? {}) as Record<string, unknown>;
    const v = (x: unknown) => (typeof x === "string" && upstreamVersion(x) ? upstreamVersion(x) : undefined);
    const installed = v(o.installed);
    const candidate = v(o.candidate);
    return { ...(installed ? { installed } : {}), ...(candidate ? { candidate } : {}) };
}

/** The last facts line of a packages step's output; undefined when there is none (or it is not JSON). */
export function parseHostFacts(stdout: string | undefined): HostFacts | undefined {
    const line = (stdout ?? "")
        .split("\n")
        .filter((l) => l.startsWith(`${FACTS_MARKER} `))
        .pop();
    if (!line) return undefined;
    let o: Record<string, unknown>;
    try {
        o = JSON.parse(line.slice(FACTS_MARKER.length + 1)) as Record<string, unknown>;
    } catch {
        return undefined;
    }
    const s = (x: unknown) => (typeof x === "string" ? x.trim() : "");
    const osRelease = { id: s(o.id), idLike: s(o.idLike), versionId: s(o.versionId) };
    const release = releaseOfOsRelease(osRelease.id, osRelease.idLike, osRelease.versionId)?.id;
    return { host: s(o.host), ...(release ? { release } : {}), osRelease, haproxy: packageFacts(o.haproxy), keepalived: packageFacts(o.keepalived) };
}

/** Versions set by the user (a pin), which win over the table and the host's report. */
export type PinnedVersions = Partial<ToolVersions>;

/**
 * The versions a config is rendered for. A pin is what will be installed; a release (or a family
 * with a single one) renders for its table row, so a preview shows real text; a family or `auto`
 * for what the host reported (installed, else candidate). Without a report (not read yet, or
 * Pulumi's mocks): the oldest the choice may meet, which the static checks used.
 */
export function renderVersions(choice: OsChoice, facts: HostFacts | undefined, pins: PinnedVersions = {}): ToolVersions {
    const release = singleRelease(choice);
    const oldest = oldestVersions(choice);
    const pick = (tool: keyof ToolVersions): string => {
        const pinned = pins[tool] === undefined ? "" : upstreamVersion(pins[tool]!);
        if (pinned) return pinned;
        if (release) return release[tool];
        const reported = facts?.[tool].installed ?? facts?.[tool].candidate;
        return reported ?? oldest[tool];
    };
    return { haproxy: pick("haproxy"), keepalived: pick("keepalived") };
}

/** True when the choice's configs wait for the host's report (a family of several releases, or `auto`). */
export function rendersFromHost(choice: OsChoice): boolean {
    return candidateReleases(choice).length > 1;
}

/**
 * Shell that fails, before a swap, when `file` was rendered for another haproxy or keepalived
 * branch (major.minor) than the installed binary's, naming both versions and the host. A file
 * without the line passes (its version was not recorded).
 */
export function versionCheckScript(tool: "haproxy" | "keepalived", file: string): string {
    const installed =
        tool === "haproxy"
            ? `haproxy -v 2>/dev/null | sed -n '1s/^HA-\\{0,1\\}Proxy version \\([0-9][0-9.]*\\).*/\\1/p'`
            : `keepalived -v 2>&1 | sed -n 's/^Keepalived v\\([0-9][0-9.]*\\).*/\\1/p' | head -n 1`;
    return [
        `vc_want=$(sed -n '1,3s/^# Rendered for ${tool} \\([0-9][0-9.]*\\);.*/\\1/p' ${file})`,
        `if [ -n "$vc_want" ]; then`,
        `  vc_have=$(${installed})`,
        `  if [ "$(echo "$vc_want" | cut -d. -f1,2)" != "$(echo "$vc_have" | cut -d. -f1,2)" ]; then`,
        `    echo "haproxy-ha: on $(hostname): the config was rendered for ${tool} $vc_want but ${tool} \${vc_have:-(none)} is installed (the same major.minor is needed); nothing was swapped." \\`,
        `      "Set os to the host's release, or raise reapply so the packages step reads the host again" >&2`,
        `    exit 1`,
        `  fi`,
        `fi`,
    ].join("\n");
}

/** The haproxy and keepalived pins among a host's package pins (model/packages.ts): a pin is what the config is for. */
export function pinnedVersions(pins: readonly { name: string; version: string }[]): PinnedVersions {
    const of = (name: string) => pins.find((p) => p.name === name)?.version;
    return { haproxy: of("haproxy"), keepalived: of("keepalived") };
}
