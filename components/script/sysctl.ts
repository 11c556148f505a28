/** Kernel settings the library changes, each undone on destroy. PURE. */
import { shQuote } from "../shell/quote";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";

const procPath = (key: string) => shQuote(`/proc/sys/${key.replace(/\./g, "/")}`);
const savedPath = (key: string) => shQuote(`${STATE_DIR}/sysctl/${key}`);
const dropInPath = (key: string) => shQuote(`/etc/sysctl.d/90-haproxy-ha-${key}.conf`);

/** Sets a sysctl now and at boot (a drop-in), remembering the value it replaces. */
export function setSysctlScript(key: string, value: string): string {
    const proc = procPath(key);
    const orig = savedPath(key);
    return [
        `mkdir -p ${shQuote(`${STATE_DIR}/sysctl`)}`,
        `[ -e ${orig} ] || cat ${proc} > ${orig}`,
        `printf '%s = %s\\n' ${shQuote(key)} ${shQuote(value)} > ${dropInPath(key)}`,
        // Containers may mount /proc/sys read-only: only write when the value differs.
        `[ "$(cat ${proc})" = ${shQuote(value)} ] || printf '%s\\n' ${shQuote(value)} > ${proc}`,
    ].join("\n");
}

/** Removes the drop-in and restores the sysctl's previous value. */
export function restoreSysctlScript(key: string): string {
    const proc = procPath(key);
    const orig = savedPath(key);
    return [
        `rm -f ${dropInPath(key)}`,
        `if [ -e ${orig} ]; then [ "$(cat ${proc})" = "$(cat ${orig})" ] || cat ${orig} > ${proc}; rm -f ${orig}; fi`,
        cleanupStateDirScript(),
    ].join("\n");
}
