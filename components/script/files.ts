/**
 * Shell-script builders for files and host settings the library owns. PURE.
 * Contents arrive on stdin, never in the script text; paths are validated then quoted.
 * Whatever a script changes, it first records how the host was, under STATE_DIR, so that the
 * matching removal script puts the host back as it found it.
 */
import { shQuote } from "./quote";

export const STATE_DIR = "/var/lib/haproxy-ha";
const BACKUP_DIR = `${STATE_DIR}/backup`;

export interface FileTarget {
    path: string;
    /** Octal mode, e.g. "0640". */
    mode: string;
    owner: string;
    group: string;
}

export interface InstallFileOptions extends FileTarget {
    /** Shell that validates the candidate file, given the quoted path of the temporary copy. */
    validate?: (quotedTmpPath: string) => string;
    /** Shell run only when the file content changed. */
    onChange?: string;
}

/** The header every generated script starts with. */
export const SCRIPT_HEADER = "set -eu";

/**
 * Installs stdin as `path`: written to a temporary file beside it, validated, then moved into
 * place atomically, so an invalid candidate never replaces a working file.
 */
export function installFileScript(opts: InstallFileOptions): string {
    const target = shQuote(opts.path);
    const backup = shQuote(BACKUP_DIR + opts.path);
    const lines = [
        `target=${target}`,
        `backup=${backup}`,
        `mkdir -p "$(dirname "$target")" "$(dirname "$backup")"`,
        `tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")`,
        `trap 'rm -f "$tmp"' EXIT`,
        `cat > "$tmp"`,
        `chown ${shQuote(`${opts.owner}:${opts.group}`)} "$tmp"`,
        `chmod ${shQuote(opts.mode)} "$tmp"`,
    ];
    if (opts.validate) {
        lines.push(opts.validate(`"$tmp"`));
    }
    lines.push(
        `if [ -e "$target" ] && cmp -s "$tmp" "$target"; then`,
        `  echo "unchanged: $target"`,
        `  changed=0`,
        `else`,
        `  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then`,
        `    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi`,
        `  fi`,
        `  mv -f "$tmp" "$target"`,
        `  echo "installed: $target"`,
        `  changed=1`,
        `fi`,
    );
    if (opts.onChange) {
        lines.push(`if [ "$changed" = 1 ]; then`, indent(opts.onChange), `fi`);
    }
    return lines.join("\n");
}

/** Puts back the file that was at `path` before the library wrote it (or removes it if there was none). */
export function removeFileScript(path: string): string {
    return [
        `target=${shQuote(path)}`,
        `backup=${shQuote(BACKUP_DIR + path)}`,
        `if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"`,
        `else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi`,
        cleanupStateDirScript(),
    ].join("\n");
}

/** Removes the state directory's empty folders, so a destroyed host keeps no trace of the library. */
export function cleanupStateDirScript(): string {
    return `find ${shQuote(STATE_DIR)} -depth -type d -empty -delete 2>/dev/null || true`;
}

/**
 * Installs the packages that are missing and records which ones it installed, so destroy
 * removes only those (a package that was already there stays).
 */
export function installPackagesScript(installCommand: string, packages: string[], queryInstalled: (pkg: string) => string): string {
    const lines = [`mkdir -p ${shQuote(`${STATE_DIR}/packages`)}`, `missing=""`];
    for (const pkg of packages) {
        lines.push(`${queryInstalled(pkg)} || missing="$missing ${pkg}"`);
    }
    lines.push(installCommand);
    lines.push(`for p in $missing; do : > ${shQuote(`${STATE_DIR}/packages/`)}"$p"; done`);
    return lines.join("\n");
}

/** Removes the packages that `installPackagesScript` installed. */
export function removePackagesScript(removeCommand: (quotedPkgVar: string) => string, packages: string[]): string {
    const lines: string[] = [];
    for (const pkg of packages) {
        const marker = shQuote(`${STATE_DIR}/packages/${pkg}`);
        lines.push(`if [ -e ${marker} ]; then`, `  ${removeCommand(shQuote(pkg))}`, `  rm -f ${marker}`, `fi`);
    }
    lines.push(cleanupStateDirScript());
    return lines.join("\n");
}

/** Sets a sysctl now and at boot (a drop-in), remembering the value it replaces. */
export function setSysctlScript(key: string, value: string): string {
    const proc = shQuote(`/proc/sys/${key.replace(/\./g, "/")}`);
    const orig = shQuote(`${STATE_DIR}/sysctl/${key}`);
    const dropIn = shQuote(`/etc/sysctl.d/90-haproxy-ha-${key}.conf`);
    return [
        `mkdir -p ${shQuote(`${STATE_DIR}/sysctl`)}`,
        `[ -e ${orig} ] || cat ${proc} > ${orig}`,
        `printf '%s = %s\\n' ${shQuote(key)} ${shQuote(value)} > ${dropIn}`,
        // Containers may mount /proc/sys read-only: only write when the value differs.
        `[ "$(cat ${proc})" = ${shQuote(value)} ] || printf '%s\\n' ${shQuote(value)} > ${proc}`,
    ].join("\n");
}

/** Removes the drop-in and restores the sysctl's previous value. */
export function restoreSysctlScript(key: string): string {
    const proc = shQuote(`/proc/sys/${key.replace(/\./g, "/")}`);
    const orig = shQuote(`${STATE_DIR}/sysctl/${key}`);
    const dropIn = shQuote(`/etc/sysctl.d/90-haproxy-ha-${key}.conf`);
    return [
        `rm -f ${dropIn}`,
        `if [ -e ${orig} ]; then [ "$(cat ${proc})" = "$(cat ${orig})" ] || cat ${orig} > ${proc}; rm -f ${orig}; fi`,
        cleanupStateDirScript(),
    ].join("\n");
}

/** Opens TCP ports in whichever host firewall is active (firewalld or ufw); none active: nothing to do. */
export function openPortsScript(ports: number[]): string {
    return firewallScript(ports, "open");
}

export function closePortsScript(ports: number[]): string {
    return firewallScript(ports, "close");
}

function firewallScript(ports: number[], action: "open" | "close"): string {
    const lines: string[] = [];
    for (const port of ports) {
        const spec = shQuote(`${port}/tcp`);
        const fw = action === "open" ? "--add-port" : "--remove-port";
        lines.push(
            `if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then`,
            `  firewall-cmd -q ${fw}=${spec} || true; firewall-cmd -q --permanent ${fw}=${spec} || true`,
            `fi`,
            `if command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then`,
            action === "open" ? `  ufw allow ${spec}` : `  ufw delete allow ${spec} || true`,
            `fi`,
        );
    }
    if (lines.length === 0) lines.push(":");
    return lines.join("\n");
}

/**
 * Lets VRRP (IP protocol 112) through firewalld: without it both nodes see no adverts and both
 * become MASTER. ufw has no rule for protocol 112; an active ufw must allow it by hand.
 */
export function vrrpFirewallScript(action: "open" | "close"): string {
    const rule = shQuote(`rule protocol value="vrrp" accept`);
    const flag = action === "open" ? "--add-rich-rule" : "--remove-rich-rule";
    return [
        `if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then`,
        `  firewall-cmd -q ${flag}=${rule} || true; firewall-cmd -q --permanent ${flag}=${rule} || true`,
        `fi`,
    ].join("\n");
}

/** Sets an SELinux boolean persistently when SELinux is enabled, remembering its old value. */
export function setSeBoolScript(name: string): string {
    const orig = shQuote(`${STATE_DIR}/sebool/${name}`);
    return [
        `if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then`,
        `  mkdir -p ${shQuote(`${STATE_DIR}/sebool`)}`,
        `  [ -e ${orig} ] || getsebool ${shQuote(name)} | awk '{print $3}' > ${orig}`,
        `  setsebool -P ${shQuote(name)} 1`,
        `fi`,
    ].join("\n");
}

export function restoreSeBoolScript(name: string): string {
    const orig = shQuote(`${STATE_DIR}/sebool/${name}`);
    return [
        `if [ -e ${orig} ]; then`,
        `  if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then setsebool -P ${shQuote(name)} "$(cat ${orig})"; fi`,
        `  rm -f ${orig}`,
        `fi`,
        cleanupStateDirScript(),
    ].join("\n");
}

export function indent(text: string): string {
    return text
        .split("\n")
        .map((line) => (line ? "  " + line : line))
        .join("\n");
}
