/** The service manager every supported family runs: systemd. PURE. */
import { shQuote } from "../script/quote";

export interface ServiceManager {
    /** Enables the unit and (re)starts it: a first start from a package's default config must restart, not reload. */
    enableAndRestart(unit: string): string;
    /** Reloads the unit if it runs, starts it if not (a reload of a stopped unit fails). */
    reloadOrStart(unit: string): string;
    /** Stops and disables the unit; tolerant of a unit already stopped or removed by hand. */
    stopAndDisable(unit: string): string;
}

export const systemd: ServiceManager = {
    enableAndRestart: (unit) => `systemctl enable ${shQuote(unit)} >/dev/null 2>&1 || systemctl enable ${shQuote(unit)}\nsystemctl restart ${shQuote(unit)}`,
    reloadOrStart: (unit) =>
        `if systemctl is-active --quiet ${shQuote(unit)}; then systemctl reload ${shQuote(unit)}; else systemctl start ${shQuote(unit)}; fi`,
    stopAndDisable: (unit) => `systemctl disable --now ${shQuote(unit)} >/dev/null 2>&1 || systemctl stop ${shQuote(unit)} >/dev/null 2>&1 || true`,
};
