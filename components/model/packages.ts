/**
 * Pinned package versions and vendor repositories (HostArgs `packages`, `repositories`): checked
 * here, before any host is touched, into a SourcesPlan the repositories and pins steps render.
 * PURE: no resources.
 */
import { isObject } from "../validate";
import { ArgPath, Checks } from "./problems";

/** A package held at a version: exact, or a prefix ending in `*` (apt `2.6.*`, dnf `2.4.*`). */
export interface PackagePin {
    name: string;
    version: string;
}

export interface PackageRepository {
    name: string;
    /** apt: the repository's URI. */
    url: string;
    /** The URL's host: what an apt origin pin names. */
    origin: string;
    /** ASCII-armored OpenPGP public key(s), as given. */
    signingKey: string;
    suites: string[];
    components: string[];
    /** apt pin priority for everything from `origin`; undefined: apt's default (500). */
    priority?: number;
    /** dnf: the `.repo` baseurl (default `url`; may hold `$releasever`, `$basearch`). */
    baseurl: string;
    /** dnf: also check the signature on the repository's metadata (repomd.xml.asc). */
    repoGpgcheck: boolean;
}

export interface SourcesPlan {
    pins: PackagePin[];
    repositories: PackageRepository[];
}

/** Debian and RPM package names alike. */
const PACKAGE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,99}$/;
/** apt (epoch:upstream-revision, ~ + .) and rpm (version-release, ^ _) version characters; `*` only last. */
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9.+~:_^-]{0,99}\*?$/;
const REPO_NAME_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** http(s), a host, an optional port and path: nothing a sources or .repo file or a shell would read otherwise. */
const URL_RE = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(\/[A-Za-z0-9._~%\/+-]*)?$/;
/** dnf's baseurl may also hold its variables ($releasever, $basearch). */
const BASEURL_RE = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(\/[A-Za-z0-9._~%\/+$-]*)?$/;
/** A suite (`bookworm-backports-2.8`, `jammy`, a flat repository's `./`) or a component (`main`). */
const SUITE_RE = /^(\.\/|[A-Za-z0-9][A-Za-z0-9._+\/-]{0,99})$/;
const COMPONENT_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
const ARMOR_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const ARMOR_END = "-----END PGP PUBLIC KEY BLOCK-----";
const KEY_FIELDS = ["name", "url", "signingKey", "suites", "components", "priority", "baseurl", "repoGpgcheck"];

/**
 * True when `key` reads as an ASCII-armored public key block (or several): armor lines, `Key:
 * value` headers, base64 and the checksum only. Not a proof it verifies anything: apt or dnf
 * does that on the host, and the step fails naming the repository when it does not.
 */
export function looksLikeArmoredKey(key: string): boolean {
    const lines = key.replace(/\r\n/g, "\n").trim().split("\n");
    if (lines[0] !== ARMOR_BEGIN || lines[lines.length - 1] !== ARMOR_END) return false;
    let inBlock = false;
    let base64 = 0;
    for (const line of lines) {
        if (line === ARMOR_BEGIN) {
            if (inBlock) return false;
            inBlock = true;
        } else if (line === ARMOR_END) {
            if (!inBlock) return false;
            inBlock = false;
        } else if (!inBlock) {
            if (line.trim() !== "") return false;
        } else if (/^[A-Za-z0-9+\/]+=*$/.test(line) || /^=[A-Za-z0-9+\/]{4}$/.test(line)) {
            base64 += line.length;
        } else if (!/^([A-Za-z]+: [ -~]*)?$/.test(line)) {
            return false;
        }
    }
    // A real public key is hundreds of bytes of base64.
    return !inBlock && base64 >= 100;
}

function text(c: Checks, path: ArgPath, v: unknown, re: RegExp, rule: string): string | undefined {
    if (typeof v === "string" && re.test(v)) return v;
    c.add(path, rule, v);
    return undefined;
}

function list(c: Checks, path: ArgPath, v: unknown, re: RegExp, rule: string): string[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
        c.add(path, "must be a list of strings", v);
        return [];
    }
    return v.flatMap((s, i) => text(c, [...path, i], s, re, rule) ?? []);
}

function repository(c: Checks, path: ArgPath, r: unknown, apt: boolean): PackageRepository | undefined {
    if (!isObject(r)) {
        c.add(path, "must be an object with name, url and signingKey", r);
        return undefined;
    }
    for (const k of Object.keys(r)) if (!KEY_FIELDS.includes(k)) c.add([...path, k], `is not a repository field (fields: ${KEY_FIELDS.join(", ")})`, r[k]);
    const name = text(c, [...path, "name"], r.name, REPO_NAME_RE, "must be lower-case letters, digits and '-' (at most 40), starting with a letter or digit");
    const url = text(c, [...path, "url"], r.url, URL_RE, "must be an http:// or https:// URL (host, port, path; no spaces, quotes, query or credentials)");
    const baseurl = r.baseurl === undefined ? url : text(c, [...path, "baseurl"], r.baseurl, BASEURL_RE, "must be an http:// or https:// URL (dnf's $releasever and $basearch allowed)");
    let signingKey: string | undefined;
    if (typeof r.signingKey === "string" && looksLikeArmoredKey(r.signingKey)) signingKey = r.signingKey.replace(/\r\n/g, "\n").trim() + "\n";
    else c.add([...path, "signingKey"], `must be an ASCII-armored OpenPGP public key (${ARMOR_BEGIN} … ${ARMOR_END}, as \`gpg --export --armor\` writes it)`, r.signingKey);
    const suites = list(c, [...path, "suites"], r.suites, SUITE_RE, "must be a suite name (`bookworm-backports-2.8`, `jammy`) or `./` for a flat repository");
    if (apt && (suites === undefined || (suites.length === 0 && !c.has([...path, "suites"])))) {
        c.add([...path, "suites"], "must list the repository's suites for apt (`bookworm-backports-2.8`, `jammy`, or `./` for a flat repository)", r.suites);
    }
    const flat = (suites ?? []).some((s) => s.endsWith("/"));
    const components = list(c, [...path, "components"], r.components, COMPONENT_RE, "must be a component name (`main`)") ?? (flat ? [] : ["main"]);
    if (flat && components.length > 0) c.add([...path, "components"], "must be empty for a flat repository (a suite ending in `/`)", r.components);
    let priority: number | undefined;
    if (r.priority !== undefined) {
        if (typeof r.priority === "number" && Number.isInteger(r.priority) && r.priority >= -1000 && r.priority <= 1000) priority = r.priority;
        else c.add([...path, "priority"], "must be an integer from -1000 to 1000 (apt pin priority: 500 is apt's default, 100 installs only when asked, above 500 wins over the release)", r.priority);
    }
    let repoGpgcheck = false;
    if (r.repoGpgcheck !== undefined) {
        if (typeof r.repoGpgcheck === "boolean") repoGpgcheck = r.repoGpgcheck;
        else c.add([...path, "repoGpgcheck"], "must be true or false", r.repoGpgcheck);
    }
    if (name === undefined || url === undefined || baseurl === undefined || signingKey === undefined) return undefined;
    const origin = url.replace(/^https?:\/\/(\[[^\]]+\]|[^:/]+).*$/, "$1");
    return { name, url, origin, signingKey, suites: suites ?? [], components, priority, baseurl, repoGpgcheck };
}

/**
 * `packages` and `repositories` checked, every problem into `c` at its arg path.
 * @param apt the host may use apt (its suites are then required)
 */
export function sourcesPlan(c: Checks, args: { packages?: unknown; repositories?: unknown }, apt: boolean): SourcesPlan {
    const pins: PackagePin[] = [];
    if (args.packages !== undefined) {
        if (!isObject(args.packages)) c.add(["packages"], 'must be a map of package name to version (`{ haproxy: "2.6.12-1+deb12u3" }`, or a prefix: `"2.6.*"`)', args.packages);
        else
            for (const [name, version] of Object.entries(args.packages)) {
                if (!PACKAGE_NAME_RE.test(name)) c.add(["packages", name], "is not a package name (letters, digits, '+', '.', '_', '-')", name);
                const v = text(c, ["packages", name], version, VERSION_RE, "must be a version as the package manager writes it (apt `2.6.12-1+deb12u3`, dnf `2.4.22-1.el9`), or a prefix ending in `*` (`2.6.*`)");
                if (v !== undefined && PACKAGE_NAME_RE.test(name)) pins.push({ name, version: v });
            }
    }
    const repositories: PackageRepository[] = [];
    if (args.repositories !== undefined) {
        if (!Array.isArray(args.repositories)) c.add(["repositories"], "must be a list of repositories ({ name, url, signingKey, suites, … })", args.repositories);
        else {
            const seen = new Set<string>();
            args.repositories.forEach((r, i) => {
                const repo = repository(c, ["repositories", i], r, apt);
                if (repo === undefined) return;
                if (seen.has(repo.name)) c.add(["repositories", i, "name"], "must be unique", repo.name);
                seen.add(repo.name);
                repositories.push(repo);
            });
        }
    }
    return { pins, repositories };
}

/** True when a plan asks for nothing: no step is added, and existing stacks' steps stay as they were. */
export const noSources = (p: SourcesPlan): boolean => p.pins.length === 0 && p.repositories.length === 0;
