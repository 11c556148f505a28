/** SELinux booleans the library sets where SELinux is enabled, each restored on destroy. PURE. */
import { shQuote } from "../shell/quote";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";

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
