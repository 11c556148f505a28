/**
 * The library's own folder on the host: where the service manager (systemd.ts) and the scripts
 * record how a host was before the library changed it, so that destroy can put it back. PURE.
 */
import { shQuote } from "../shell/quote";

export const STATE_DIR = "/var/lib/haproxy-ha";

/** Removes the state directory's empty folders, so a destroyed host keeps no trace of the library. */
export function cleanupStateDirScript(): string {
    return `find ${shQuote(STATE_DIR)} -depth -type d -empty -delete 2>/dev/null || true`;
}
