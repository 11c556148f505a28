/**
 * The OS-family adapter: every per-OS difference (package manager, package and service names,
 * web server layout, the process check keepalived can run) lives here and nowhere else.
 * PURE: plain data and shell text, no Pulumi.
 */
import { shQuote, shQuoteAll } from "../script/quote";

export const OS_FAMILIES = ["centos7", "el8", "el9", "debian", "ubuntu"] as const;
export type OsFamily = (typeof OS_FAMILIES)[number];
/** `auto` detects the family on the host from /etc/os-release at run time. */
export const OS_CHOICES = ["auto", ...OS_FAMILIES] as const;
export type OsChoice = (typeof OS_CHOICES)[number];

export interface WebServerLayout {
    packages: string[];
    service: string;
    docRoot: string;
    /** Where the library puts its own site definition (a file it owns and removes on destroy). */
    sitePath: string;
    /** The site definition for `port`, written to `sitePath`. */
    siteConfig(port: number): string;
    /** Shell run before the service starts, e.g. to switch off a distribution default site; undone by `restoreDefaults`. */
    disableDefaults: string;
    restoreDefaults: string;
}

export interface OsAdapter {
    family: OsFamily;
    /** Shell: install `packages` unless all are present (so offline hosts with them preinstalled work). */
    installPackages(packages: string[]): string;
    haproxyPackages: string[];
    /** keepalived, and ping for the optional gateway check. */
    keepalivedPackages: string[];
    web: WebServerLayout;
    /**
     * The vrrp_script check for haproxy. pgrep from procps(-ng) exists on every family; /bin/pidof
     * on Debian is killall5 and breaks under enable_script_security.
     */
    haproxyCheck: string;
    /** ping, for the gateway check (iputils on every family). */
    pingCommand: string;
    /** keepalived ≥ 2.0.4 has `-t`; CentOS 7's 1.3.5 does not. */
    keepalivedHasConfigTest: boolean;
    /** keepalived ≥ 2 accepts sub-second advert_int (VRRPv3). */
    keepalivedMajor: number;
    /** How /etc/os-release identifies this family (used by `auto` and the OS guard). */
    matchesOsRelease: string;
}

const aptInstall = (packages: string[]) =>
    `if ! dpkg -s ${shQuoteAll(packages)} >/dev/null 2>&1; then\n` +
    `  export DEBIAN_FRONTEND=noninteractive\n` +
    `  apt-get update -q && apt-get install -y -q ${shQuoteAll(packages)}\n` +
    `fi`;

const rpmInstall = (tool: "yum" | "dnf") => (packages: string[]) =>
    `if ! rpm -q ${shQuoteAll(packages)} >/dev/null 2>&1; then\n` +
    `  ${tool} install -y -q ${shQuoteAll(packages)}\n` +
    `fi`;

const httpdLayout: WebServerLayout = {
    packages: ["httpd"],
    service: "httpd",
    docRoot: "/var/www/html",
    sitePath: "/etc/httpd/conf.d/haproxy-ha-web.conf",
    // httpd already listens on 80 (httpd.conf); a second Listen 80 would fail to start.
    siteConfig: (port) =>
        `# Managed by haproxy-ha: removed on destroy.\n` + (port === 80 ? "" : `Listen ${port}\n`),
    disableDefaults: "",
    restoreDefaults: "",
};

const nginxLayout: WebServerLayout = {
    packages: ["nginx"],
    service: "nginx",
    docRoot: "/var/www/html",
    sitePath: "/etc/nginx/sites-enabled/haproxy-ha-web",
    siteConfig: (port) =>
        `# Managed by haproxy-ha: removed on destroy.\n` +
        `server {\n` +
        `    listen ${port} default_server;\n` +
        `    root /var/www/html;\n` +
        `    index index.html;\n` +
        `    location / {\n` +
        `        try_files $uri $uri/ =404;\n` +
        `    }\n` +
        `}\n`,
    // Debian's default site also claims default_server on :80; park its link and restore it on destroy.
    disableDefaults:
        `if [ -L /etc/nginx/sites-enabled/default ]; then\n` +
        `  mkdir -p /var/lib/haproxy-ha && mv /etc/nginx/sites-enabled/default /var/lib/haproxy-ha/nginx-default-site.link\n` +
        `fi`,
    restoreDefaults:
        `if [ -L /var/lib/haproxy-ha/nginx-default-site.link ] && [ ! -e /etc/nginx/sites-enabled/default ]; then\n` +
        `  mv /var/lib/haproxy-ha/nginx-default-site.link /etc/nginx/sites-enabled/default\n` +
        `fi`,
};

/** What every family shares: package names, pgrep (procps) for the haproxy check, ping (iputils). */
const common = {
    haproxyPackages: ["haproxy"],
    haproxyCheck: "/usr/bin/pgrep -x haproxy",
    pingCommand: "/usr/bin/ping",
};

/** The EL family: httpd, yum or dnf, iputils. */
const el = (family: OsFamily, tool: "yum" | "dnf", versions: Pick<OsAdapter, "keepalivedHasConfigTest" | "keepalivedMajor">, majorTest: string): OsAdapter => ({
    ...common,
    ...versions,
    family,
    installPackages: rpmInstall(tool),
    keepalivedPackages: ["keepalived", "iputils"],
    web: httpdLayout,
    matchesOsRelease: `[ "$OS_LIKE_EL" = 1 ] && [ "$OS_MAJOR" ${majorTest} ]`,
});

/** Debian and Ubuntu: nginx, apt, iputils-ping. */
const deb = (family: "debian" | "ubuntu"): OsAdapter => ({
    ...common,
    family,
    installPackages: aptInstall,
    keepalivedPackages: ["keepalived", "iputils-ping"],
    web: nginxLayout,
    keepalivedHasConfigTest: true,
    keepalivedMajor: 2,
    matchesOsRelease: `[ "$ID" = ${family} ]`,
});

const ADAPTERS: Record<OsFamily, OsAdapter> = {
    centos7: el("centos7", "yum", { keepalivedHasConfigTest: false, keepalivedMajor: 1 }, "= 7"),
    el8: el("el8", "dnf", { keepalivedHasConfigTest: true, keepalivedMajor: 2 }, "= 8"),
    el9: el("el9", "dnf", { keepalivedHasConfigTest: true, keepalivedMajor: 2 }, "-ge 9"),
    debian: deb("debian"),
    ubuntu: deb("ubuntu"),
};

export function osAdapter(family: OsFamily): OsAdapter {
    return ADAPTERS[family];
}

/**
 * The adapter whose rendering choices are safe on every family: what `auto` renders configs
 * with, since the family is only known on the host. CentOS 7's versions are the oldest.
 */
export function renderingAdapter(choice: OsChoice): OsAdapter {
    return choice === "auto" ? ADAPTERS.centos7 : ADAPTERS[choice];
}

/** Shell that reads /etc/os-release into $ID, $OS_MAJOR and $OS_LIKE_EL. */
export const detectOsScript =
    `. /etc/os-release\n` +
    `OS_MAJOR=\${VERSION_ID%%.*}\n` +
    `case " $ID \${ID_LIKE:-} " in *" rhel "*|*" centos "*|*" fedora "*) OS_LIKE_EL=1 ;; *) OS_LIKE_EL=0 ;; esac`;

/**
 * Shell that runs `body(adapter)` for the host's family. For a fixed family it also refuses a
 * host of another family, so a wrong `os` fails before anything is installed.
 */
export function forOs(choice: OsChoice, body: (os: OsAdapter) => string): string {
    if (choice !== "auto") {
        const os = ADAPTERS[choice];
        return (
            `${detectOsScript}\n` +
            `if ! { ${os.matchesOsRelease}; }; then\n` +
            `  echo ${shQuote(`haproxy-ha: os is set to ${choice} but this host is`)} "$ID $VERSION_ID" >&2; exit 3\n` +
            `fi\n` +
            body(os)
        );
    }
    const branches = OS_FAMILIES.map((family) => {
        const os = ADAPTERS[family];
        // Not indented: a body may hold a here-doc, whose terminator must start its line.
        return `if ${os.matchesOsRelease}; then\n${body(os)}\n`;
    });
    return (
        `${detectOsScript}\n` +
        branches.join("el") +
        `else\n  echo "haproxy-ha: unsupported OS: $ID $VERSION_ID" >&2; exit 3\nfi`
    );
}
