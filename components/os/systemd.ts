/**
 * The service manager every supported family runs: systemd. The first enable records how the
 * unit was (enabled? active?) so that destroy puts exactly that back. PURE.
 */
import { shQuote } from "../shell/quote";
import { cleanupStateDirScript, STATE_DIR } from "./stateDir";

export interface ServiceManager {
    /**
     * Records the unit's state once (for `restore`), enables it and (re)starts it: a first start
     * from a package's default config must restart, not reload.
     */
    enableAndRestart(unit: string): string;
    /** Reloads the unit if it runs, starts it if not (a reload of a stopped unit fails). */
    reloadOrStart(unit: string): string;
    /** Enables the unit (quietly when it works). */
    enable(unit: string): string;
    /** Enables the unit and reloads or starts it: a service step's update, which also repairs a unit disabled or stopped by hand. */
    ensureRunning(unit: string): string;
    /** Reloads the unit only if it runs (after a file it reads was put back on destroy). */
    reloadIfActive(unit: string): string;
    /** Puts the unit back as `enableAndRestart` found it: enabled or not, running or not. */
    restore(unit: string): string;
}

/** True only for `enabled`: `is-enabled` also exits 0 for `static`, `generated`, `indirect`... */
const isEnabled = (unit: string) => `[ "$(systemctl is-enabled ${shQuote(unit)} 2>/dev/null)" = enabled ]`;

const savedState = (unit: string) => shQuote(`${STATE_DIR}/services/${unit}`);

export const systemd: ServiceManager = {
    enableAndRestart: (unit) => {
        const u = shQuote(unit);
        return [
            `saved=${savedState(unit)}`,
            `if [ ! -e "$saved" ]; then`,
            `  mkdir -p "$(dirname "$saved")"`,
            `  printf '%s %s\\n' "$(systemctl is-enabled ${u} 2>/dev/null || true)" "$(systemctl is-active ${u} 2>/dev/null || true)" > "$saved"`,
            `fi`,
            systemd.enable(unit),
            // Once more after a pause: a first start can race the package's own (Debian's nginx
            // postinst swaps its binary with USR2 right after installing), seen as a failed restart.
            `if ! systemctl restart ${u}; then`,
            `  echo ${shQuote(`haproxy-ha: ${unit} failed to restart on `)}"$(hostname)"'; trying once more in 2 s' >&2`,
            `  sleep 2`,
            `  systemctl restart ${u}`,
            `fi`,
        ].join("\n");
    },
    reloadOrStart: (unit) => `if systemctl is-active --quiet ${shQuote(unit)}; then systemctl reload ${shQuote(unit)}; else systemctl start ${shQuote(unit)}; fi`,
    // `systemctl enable` reloads systemd even when nothing changes, three times for a unit with a
    // SysV script beside it (Debian's nginx, haproxy, keepalived): ~1 CPU-second a host.
    enable: (unit) => `${isEnabled(unit)} || systemctl enable ${shQuote(unit)} >/dev/null 2>&1 || systemctl enable ${shQuote(unit)}`,
    ensureRunning: (unit) => `${systemd.enable(unit)}\n${systemd.reloadOrStart(unit)}`,
    reloadIfActive: (unit) => `if systemctl is-active --quiet ${shQuote(unit)}; then systemctl reload ${shQuote(unit)}; fi`,
    restore: (unit) => {
        const u = shQuote(unit);
        // Tolerant: the unit may be gone or stopped by hand; a unit the library found running keeps running.
        return [
            `saved=${savedState(unit)}`,
            `was_enabled=""; was_active=""`,
            `if [ -e "$saved" ]; then read -r was_enabled was_active < "$saved" || true; fi`,
            `if [ "$was_enabled" = enabled ]; then ${isEnabled(unit)} || systemctl enable ${u} >/dev/null 2>&1 || true`,
            `elif ${isEnabled(unit)}; then systemctl disable ${u} >/dev/null 2>&1 || true; fi`,
            `if [ "$was_active" = active ]; then systemctl start ${u} >/dev/null 2>&1 || true; else systemctl stop ${u} >/dev/null 2>&1 || true; fi`,
            `rm -f "$saved"`,
            cleanupStateDirScript(),
        ].join("\n");
    },
};
