/**
 * The OS-family adapter: the only code that knows OS families. Package manager, service
 * manager, host firewalls, SELinux, web server layout, the tool versions each family ships and
 * how /etc/os-release names it all live here; a new family is one entry in ADAPTERS.
 * PURE: plain data and shell text, no Pulumi.
 */
import { shQuote } from "../shell/quote";
import { apt, dnf, PackageManager, yum } from "./packageManagers";
import { Release, releaseById, RELEASES, releasesOf } from "./releases";
import { ServiceManager, systemd } from "./systemd";
import { httpd, nginxDebian, WebServerLayout } from "./webServers";

export type { PackageManager } from "./packageManagers";
export type { ServiceManager } from "./systemd";
export type { WebServerLayout } from "./webServers";
export type { Release } from "./releases";
export { RELEASES, releaseById, releasesOf, releaseOfOsRelease } from "./releases";

export const OS_FAMILIES = ["centos7", "el8", "el9", "al2023", "debian", "ubuntu"] as const;
export type OsFamily = (typeof OS_FAMILIES)[number];
/** Releases that are not a family of their own (centos7, el8, el9 and al2023 are both). */
export const OS_RELEASES = ["debian11", "debian12", "debian13", "ubuntu2004", "ubuntu2204", "ubuntu2404"] as const;
export type OsRelease = (typeof OS_RELEASES)[number];
/**
 * A family, one of its releases, or `auto` (the family detected on the host from /etc/os-release
 * at run time). A family or `auto` renders for what the host reports; a release for its row.
 */
export const OS_CHOICES = ["auto", ...OS_FAMILIES, ...OS_RELEASES] as const;
export type OsChoice = (typeof OS_CHOICES)[number];

/** haproxy and keepalived versions (x.y or x.y.z). */
export interface ToolVersions {
    haproxy: string;
    keepalived: string;
}

export type FirewallKind = "firewalld" | "ufw";

export interface OsAdapter {
    family: OsFamily;
    /** The oldest the family's releases ship (os/releases.ts). */
    versions: ToolVersions;
    packages: PackageManager;
    services: ServiceManager;
    /** Host firewalls this family may run; a script acts on whichever of them is active. */
    firewalls: FirewallKind[];
    /** The family may run SELinux (enforcing blocks haproxy from connecting to arbitrary ports). */
    selinux: boolean;
    web: WebServerLayout;
    haproxyPackages: string[];
    /** keepalived, and ping for the optional gateway check. */
    keepalivedPackages: string[];
    /**
     * The vrrp_script check for haproxy. pgrep from procps(-ng) exists on every family; /bin/pidof
     * on Debian is killall5 and breaks under enable_script_security.
     */
    haproxyCheck: string;
    /** ping, for the gateway check (iputils on every family). */
    pingCommand: string;
    /**
     * Python interpreters (2.7 or 3) for the VRID collision listen, the first existing one used;
     * none on the host: the check is skipped with a warning. CentOS 7 has only python2 (yum's).
     */
    pythons: string[];
    /**
     * How haproxy's logs reach /var/log/haproxy.log through rsyslog: the `log` target in
     * haproxy.cfg, and the rsyslog drop-in the library installs (none where the haproxy package
     * ships its own rule). Every family's haproxy package ships the logrotate rule for that file.
     */
    haproxyLog: { target: string; rsyslogDropIn?: string };
    /** The client the server-states step talks to the runtime API socket with (haproxy ships none). */
    socketClientPackage: string;
    /** The haproxy package creates /run/haproxy (tmpfiles.d), where the runtime API socket goes. */
    haproxyRunDir: boolean;
    /** Shell over the variables `detectOsScript` sets that succeeds on a host of this family. */
    matchesOsRelease: string;
    /**
     * Repository switch run before installing, with its undo (CentOS 7: the mirrorlist host is
     * gone, so yum is pointed at the vault archive, opt-in).
     */
    archiveRepos?: { enable: string; restore: string };
}

const CENTOS_BASE_REPO = "/etc/yum.repos.d/CentOS-Base.repo";
const VAULT_BACKUP = `/var/lib/haproxy-ha/backup${CENTOS_BASE_REPO}.vault`;

const centos7Vault = {
    enable: [
        `if [ -f ${CENTOS_BASE_REPO} ] && grep -q '^mirrorlist=' ${CENTOS_BASE_REPO}; then`,
        `  mkdir -p "$(dirname ${VAULT_BACKUP})"`,
        `  [ -e ${VAULT_BACKUP} ] || cp -p ${CENTOS_BASE_REPO} ${VAULT_BACKUP}`,
        `  # shellcheck disable=SC2016 # $releasever is yum's variable, kept literally`,
        `  sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\\{0,1\\}baseurl=http://mirror.centos.org/centos/\\$releasever|baseurl=http://vault.centos.org/7.9.2009|' ${CENTOS_BASE_REPO}`,
        `fi`,
    ].join("\n"),
    restore: `if [ -e ${VAULT_BACKUP} ]; then mv -f ${VAULT_BACKUP} ${CENTOS_BASE_REPO}; fi`,
};

/** Where the library's rsyslog drop-in goes (before the distributions' 49-haproxy.conf and 50-default.conf). */
export const RSYSLOG_DROP_IN = "/etc/rsyslog.d/48-haproxy-ha.conf";

/**
 * haproxy logs local2 over UDP to 127.0.0.1 (it runs chrooted where the EL packages put no
 * /dev/log); rsyslog listens there and writes /var/log/haproxy.log.
 */
export const UDP_HAPROXY_LOG = {
    target: "127.0.0.1 local2",
    rsyslogDropIn: [
        "# Managed by haproxy-ha: haproxy's log (local2 over UDP on 127.0.0.1) to /var/log/haproxy.log; removed on destroy.",
        'module(load="imudp")',
        'input(type="imudp" address="127.0.0.1" port="514")',
        "local2.* /var/log/haproxy.log",
        "& stop",
        "",
    ].join("\n"),
};

/** What every family shares: systemd, package names, pgrep (procps) for the haproxy check, ping (iputils). */
const common = {
    services: systemd,
    haproxyPackages: ["haproxy"],
    // In every family's base repositories (CentOS 7 base, EL AppStream, AL2023, Debian/Ubuntu main).
    socketClientPackage: "socat",
    haproxyCheck: "/usr/bin/pgrep -x haproxy",
    pingCommand: "/usr/bin/ping",
    pythons: ["/usr/bin/python3"],
};

/** The RHEL family and its relatives: httpd, firewalld, SELinux. */
const rhelLike = {
    ...common,
    firewalls: ["firewalld"] as FirewallKind[],
    selinux: true,
    web: httpd,
    keepalivedPackages: ["keepalived", "iputils"],
    haproxyLog: UDP_HAPROXY_LOG,
    haproxyRunDir: false,
};

/** Debian and Ubuntu: apt, nginx, ufw (or firewalld), no SELinux. */
const debianLike = {
    ...common,
    packages: apt,
    firewalls: ["ufw", "firewalld"] as FirewallKind[],
    selinux: false,
    web: nginxDebian,
    keepalivedPackages: ["keepalived", "iputils-ping"],
    // The package's /etc/rsyslog.d/49-haproxy.conf adds /dev/log inside the chroot (/var/lib/haproxy/dev/log).
    haproxyLog: { target: "/dev/log local0" },
    haproxyRunDir: true,
};

/** The oldest versions a family's releases ship: what its adapter carries. */
function familyVersions(family: OsFamily): ToolVersions {
    const oldest = releasesOf(family)[0];
    return { haproxy: oldest.haproxy, keepalived: oldest.keepalived };
}

const FAMILY_ADAPTERS: Record<OsFamily, Omit<OsAdapter, "versions">> = {
    centos7: {
        ...rhelLike,
        family: "centos7",
        packages: yum,
        pythons: ["/usr/bin/python2", "/usr/bin/python"],
        matchesOsRelease: `el_major -eq 7`,
        archiveRepos: centos7Vault,
    },
    // dnf's own interpreter is there even where the python3 package is not.
    el8: { ...rhelLike, family: "el8", packages: dnf, pythons: ["/usr/libexec/platform-python", "/usr/bin/python3"], matchesOsRelease: `el_major -eq 8` },
    el9: { ...rhelLike, family: "el9", packages: dnf, matchesOsRelease: `el_major -ge 9` },
    // ID_LIKE="fedora", not rhel: matched by its own ID, never as el9.
    al2023: { ...rhelLike, family: "al2023", packages: dnf, matchesOsRelease: `[ "$ID" = amzn ] && [ "\${VERSION_ID%%.*}" = 2023 ]` },
    debian: { ...debianLike, family: "debian", matchesOsRelease: `[ "$ID" = debian ]` },
    ubuntu: { ...debianLike, family: "ubuntu", matchesOsRelease: `[ "$ID" = ubuntu ]` },
};

const ADAPTERS = Object.fromEntries(OS_FAMILIES.map((f) => [f, { ...FAMILY_ADAPTERS[f], versions: familyVersions(f) }])) as Record<OsFamily, OsAdapter>;

export function osAdapter(family: OsFamily): OsAdapter {
    return ADAPTERS[family];
}

/** The family a choice runs with (undefined for `auto`). */
export function familyOf(choice: OsChoice): OsFamily | undefined {
    if (choice === "auto") return undefined;
    return (releaseById(choice)?.family as OsFamily | undefined) ?? (choice as OsFamily);
}

/** A choice that names exactly one release: a release, or a family that has a single one. */
export function singleRelease(choice: OsChoice): Release | undefined {
    const releases = candidateReleases(choice);
    return releases.length === 1 ? releases[0] : undefined;
}

/** The releases a choice may meet: one release, a family's, or every release for `auto`. */
export function candidateReleases(choice: OsChoice): Release[] {
    if (choice === "auto") return [...RELEASES];
    const release = (OS_RELEASES as readonly string[]).includes(choice) ? releaseById(choice) : undefined;
    return release ? [release] : releasesOf(choice);
}

/** The adapters a choice may run on: one family, or every family for `auto`. */
export function candidateAdapters(choice: OsChoice): OsAdapter[] {
    const family = familyOf(choice);
    return family === undefined ? OS_FAMILIES.map((f) => ADAPTERS[f]) : [ADAPTERS[family]];
}

/** What `pick` gives for every family a choice may run on, when they all agree; otherwise undefined. */
export function sameOnEveryFamily<T>(choice: OsChoice, pick: (os: OsAdapter) => T): T | undefined {
    const values = candidateAdapters(choice).map(pick);
    return values.every((v) => JSON.stringify(v) === JSON.stringify(values[0])) ? values[0] : undefined;
}

/** True when `version` (x.y[.z]) is at least `minimum`. */
export function versionAtLeast(version: string, minimum: string): boolean {
    const a = version.split(".").map(Number);
    const b = minimum.split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const d = (a[i] ?? 0) - (b[i] ?? 0);
        if (d !== 0) return d > 0;
    }
    return true;
}

/**
 * VRRPv3 (IPv6 VIPs, centisecond `advert_int`) is in keepalived since 1.2.17 (its ChangeLog:
 * "Keepalived extension to support VRRP version 3 … Timer changes to support centi-sec", and
 * 1.3.5's vrrp_parser.c reads `advert_int` with atof), so CentOS 7's 1.3.5 has it.
 */
export const KEEPALIVED_VRRP3_SINCE = "1.2.17";

/** keepalived ≥ 2.0.4 has `-t` (config test); CentOS 7's 1.3.5 does not. */
export function keepalivedHasConfigTest(os: OsAdapter): boolean {
    return versionAtLeast(os.versions.keepalived, "2.0.4");
}

/**
 * The oldest tool versions a choice may meet: what configs are rendered for, since with `auto`
 * the family is only known on the host (where `haproxy -c` / `keepalived -t` are the guard).
 */
export function oldestVersions(choice: OsChoice): ToolVersions {
    const oldest = (pick: (v: ToolVersions) => string) =>
        candidateReleases(choice)
            .map(pick)
            .reduce((min, v) => (versionAtLeast(v, min) ? min : v));
    return { haproxy: oldest((v) => v.haproxy), keepalived: oldest((v) => v.keepalived) };
}

/**
 * The release (of those a choice may meet) whose haproxy is the oldest, with that version, and
 * how a refusal names it (`debian11 ships haproxy 2.2.9`, `os debian may meet debian11, …`).
 */
export function oldestHaproxy(choice: OsChoice): { family: string; version: string; who: string } {
    const r = candidateReleases(choice).reduce((min, x) => (versionAtLeast(x.haproxy, min.haproxy) ? min : x));
    const who =
        r.id === choice
            ? `${r.id} ships haproxy ${r.haproxy}`
            : choice === "auto"
              ? `os auto may meet ${r.id}, whose haproxy is ${r.haproxy} (set \`os\` to a release that has it)`
              : `os ${choice} may meet ${r.id}, whose haproxy is ${r.haproxy} (set \`os\` to a release that has it)`;
    return { family: r.id, version: r.haproxy, who };
}

/** Shell over the variables `detectOsScript` sets that succeeds on a host of this release. */
function matchesRelease(r: Release): string {
    const family = ADAPTERS[r.family as OsFamily].matchesOsRelease;
    if (r.id === r.family) return family;
    return r.osReleaseId === "ubuntu" ? `${family} && [ "$VERSION_ID" = ${r.versionId} ]` : `${family} && [ "\${VERSION_ID%%.*}" = ${r.versionId} ]`;
}

/** Shell that reads /etc/os-release into $ID and $VERSION_ID, and defines `el_major OP N` for the RHEL family. */
export const detectOsScript = [
    `# shellcheck disable=SC1091`,
    `. /etc/os-release`,
    `ID=\${ID:-unknown}`,
    `VERSION_ID=\${VERSION_ID:-}`,
    // Rocky, Alma, CentOS and RHEL say rhel or centos in ID/ID_LIKE; Fedora and Amazon Linux do not.
    `el_major() { case " $ID \${ID_LIKE:-} " in *" rhel "*|*" centos "*) test "\${VERSION_ID%%.*}" "$@" ;; *) return 1 ;; esac; }`,
].join("\n");

/**
 * Shell that runs `body(adapter)` for the host's family. For a fixed family that is the body
 * itself; with `auto`, a body that is the same on every family needs no detection either.
 * With `guard`, a host of another family (or, for `auto`, of no supported one) stops the script
 * with exit 3 first: the first step of every component has it, so a wrong `os` fails before
 * anything is installed.
 */
export function forOs(choice: OsChoice, body: (os: OsAdapter) => string, opts: { guard?: boolean } = {}): string {
    const adapters = candidateAdapters(choice);
    const bodies = adapters.map(body);
    if (choice !== "auto") {
        if (!opts.guard) return bodies[0];
        const release = (OS_RELEASES as readonly string[]).includes(choice) ? releaseById(choice) : undefined;
        const matches = release ? matchesRelease(release) : adapters[0].matchesOsRelease;
        const refusal = `echo ${shQuote(`haproxy-ha: os is set to ${choice} but this host is`)} "$ID $VERSION_ID ($(hostname))" >&2; exit 3`;
        return `${detectOsScript}\nif ! { ${matches}; }; then\n  ${refusal}\nfi\n${bodies[0]}`;
    }
    if (!opts.guard && bodies.every((b) => b === bodies[0])) return bodies[0];
    // Not indented: a body may hold a here-doc, whose terminator must start its line.
    const branches = adapters.map((a, i) => `if ${a.matchesOsRelease}; then\n${bodies[i] || ":"}\n`);
    return `${detectOsScript}\n${branches.join("el")}else\n  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3\nfi`;
}
