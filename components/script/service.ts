/** systemd service operations. PURE. */
import { shQuote } from "./quote";

/** Enables the unit and (re)starts it: a first start from a package's default config must restart, not reload. */
export function enableAndRestartScript(service: string): string {
    const unit = shQuote(service);
    return `systemctl enable ${unit} >/dev/null 2>&1 || systemctl enable ${unit}\nsystemctl restart ${unit}`;
}

/** Reloads the unit if it runs, starts it if not (a reload of a stopped unit fails). */
export function reloadOrStartScript(service: string): string {
    const unit = shQuote(service);
    return `if systemctl is-active --quiet ${unit}; then systemctl reload ${unit}; else systemctl start ${unit}; fi`;
}

/** Stops and disables the unit; tolerant of a unit already stopped or removed by hand. */
export function stopAndDisableScript(service: string): string {
    const unit = shQuote(service);
    return `systemctl disable --now ${unit} >/dev/null 2>&1 || systemctl stop ${unit} >/dev/null 2>&1 || true`;
}
