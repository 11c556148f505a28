/**
 * The pins step: after `dependsOn` (the stack program's BACKUP before MASTER), each pinned package
 * that is installed is moved to its pin in place (apt `install pkg=ver --allow-downgrades
 * --no-remove`, dnf `install pkg-ver`), never removed, and checked afterwards. A version the
 * library moved away from is recorded and put back on destroy, when the package was on the host
 * before the library (one the library installed is purged by the packages step instead). PURE.
 */
import { forOs, OsAdapter, OsChoice } from "../os";
import { apt } from "../os/packageManagers";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";
import type { PackagePin, SourcesPlan } from "../model/packages";
import type { StepSpec } from "../remoteSteps";
import { shQuote } from "../shell/quote";
import { packagesLockScript } from "./packages";
import { pinPattern, rpmPinPatterns } from "./repositories";

/** The version each pinned package had before the library moved it, one file per package. */
export const pinsRecordDir = (component: string) => `${STATE_DIR}/pins/${component}`;

const APT_INSTALL = `apt-get install -y -q --no-install-recommends --no-remove --allow-downgrades -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold`;

function aptPin(component: string, p: PackagePin): string {
    const name = shQuote(p.name);
    const record = shQuote(`${pinsRecordDir(component)}/${p.name}`);
    return [
        `if [ "$(dpkg-query -W -f '\${db:Status-Abbrev}' ${name} 2>/dev/null)" = "ii " ]; then`,
        `  cur=$(dpkg-query -W -f '\${Version}' ${name})`,
        `  case "$cur" in`,
        `    ${pinPattern(p.version)}) echo "pinned: ${p.name} $cur" ;;`,
        `    *)`,
        // The preferences file (repositories step) makes the pin the candidate: a prefix resolves to its newest version.
        `      cand=$(apt-cache policy ${name} | sed -n 's/^ *Candidate: //p')`,
        `      case "$cand" in`,
        `        ${pinPattern(p.version)}) ;;`,
        `        *) echo ${shQuote(`haproxy-ha: packages.${p.name} "${p.version}" is not in the repositories of `)}"$(hostname)"'; they have: '"$(apt-cache madison ${name} | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u | paste -sd ' ' -)" >&2; exit 1 ;;`,
        `      esac`,
        `      if ! ls ${shQuote(STATE_DIR)}/installed/*/${name} >/dev/null 2>&1 && [ ! -e ${record} ]; then`,
        `        mkdir -p ${shQuote(pinsRecordDir(component))}`,
        `        printf '%s\\n' "$cur" > ${record}`,
        `      fi`,
        `      ${APT_INSTALL} ${name}="$cand"`,
        `      now=$(dpkg-query -W -f '\${Version}' ${name})`,
        `      if [ "$now" != "$cand" ]; then echo "haproxy-ha: ${p.name} is $now on $(hostname) after installing $cand" >&2; exit 1; fi`,
        `      echo "haproxy-ha: ${p.name} $cur -> $now on $(hostname)"`,
        `      ;;`,
        `  esac`,
        `fi`,
    ].join("\n");
}

function dnfPin(component: string, p: PackagePin): string {
    const name = shQuote(p.name);
    const record = shQuote(`${pinsRecordDir(component)}/${p.name}`);
    const matches = rpmPinPatterns(p.version);
    return [
        `if rpm -q ${name} >/dev/null 2>&1; then`,
        `  cur=$(rpm -q --qf '%{VERSION}-%{RELEASE}' ${name})`,
        `  case "$cur" in`,
        `    ${matches}) echo "pinned: ${p.name} $cur" ;;`,
        `    *)`,
        `      if ! ls ${shQuote(STATE_DIR)}/installed/*/${name} >/dev/null 2>&1 && [ ! -e ${record} ]; then`,
        `        mkdir -p ${shQuote(pinsRecordDir(component))}`,
        `        printf '%s\\n' "$cur" > ${record}`,
        `      fi`,
        // dnf install of a name-version up- or downgrades an installed package; it removes nothing without --allowerasing.
        `      dnf install -y -q ${shQuote(`${p.name}-${p.version}`)}`,
        `      now=$(rpm -q --qf '%{VERSION}-%{RELEASE}' ${name})`,
        `      case "$now" in ${matches}) ;; *) echo "haproxy-ha: ${p.name} is $now on $(hostname) after installing ${p.name}-${p.version}" >&2; exit 1 ;; esac`,
        `      echo "haproxy-ha: ${p.name} $cur -> $now on $(hostname)"`,
        `      ;;`,
        `  esac`,
        `fi`,
    ].join("\n");
}

function aptRestore(component: string): string {
    const dir = shQuote(pinsRecordDir(component));
    return [
        `if [ -d ${dir} ]; then`,
        `  export DEBIAN_FRONTEND=noninteractive`,
        `  for f in ${dir}/*; do`,
        `    [ -e "$f" ] || continue`,
        `    p=\${f##*/}; v=$(cat "$f")`,
        `    if [ "$(dpkg-query -W -f '\${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] && [ "$(dpkg-query -W -f '\${Version}' "$p")" != "$v" ]; then`,
        `      ${APT_INSTALL} "$p=$v" || echo "haproxy-ha: could not put $p $v back on $(hostname) (no repository has it any more); left as it is" >&2`,
        `    fi`,
        `  done`,
        `  rm -rf ${dir}`,
        `fi`,
        cleanupStateDirScript(),
    ].join("\n");
}

function dnfRestore(component: string): string {
    const dir = shQuote(pinsRecordDir(component));
    return [
        `if [ -d ${dir} ]; then`,
        `  for f in ${dir}/*; do`,
        `    [ -e "$f" ] || continue`,
        `    p=\${f##*/}; v=$(cat "$f")`,
        `    if rpm -q "$p" >/dev/null 2>&1 && [ "$(rpm -q --qf '%{VERSION}-%{RELEASE}' "$p")" != "$v" ]; then`,
        `      dnf install -y -q "$p-$v" || echo "haproxy-ha: could not put $p $v back on $(hostname) (no repository has it any more); left as it is" >&2`,
        `    fi`,
        `  done`,
        `  rm -rf ${dir}`,
        `fi`,
        cleanupStateDirScript(),
    ].join("\n");
}

const isApt = (a: OsAdapter) => a.packages === apt;

/** The pins step (after the gate; see the module's comment). Only with pins. */
export function pinsStep(os: OsChoice, component: string, sources: SourcesPlan): StepSpec {
    const body = (a: OsAdapter) =>
        isApt(a)
            ? [`export DEBIAN_FRONTEND=noninteractive`, ...sources.pins.map((p) => aptPin(component, p))].join("\n")
            : a.family === "centos7"
              ? ":"
              : sources.pins.map((p) => dnfPin(component, p)).join("\n");
    const create = `${packagesLockScript()}\n${forOs(os, body)}`;
    return {
        name: "pins",
        create,
        update: create,
        delete: `${packagesLockScript()}\n${forOs(os, (a) => (isApt(a) ? aptRestore(component) : a.family === "centos7" ? ":" : dnfRestore(component)))}`,
    };
}
