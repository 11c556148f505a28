/**
 * Failure events on the lab and what a client sees through the VIP: shared by the failover
 * tests (which assert bounds derived from the VRRP timers) and `npm run bench:failover`.
 */
import { hostsOk, LabInfo, onHost, startClientLoop, vipHolders, watchVipArrival } from "./lab";

export type FailoverEvent = "master-host-dies" | "keepalived-stopped" | "haproxy-stopped";

export interface FailoverMeasurement {
    event: string;
    /** Seconds from the event until the BACKUP holds the VIP. */
    vip_moved_s: number;
    /** Seconds from the event until the first successful request after the outage (0: none failed). */
    first_ok_s: number;
    failed: number;
    total: number;
    rate_rps: number;
}

/** Causes `event` on `master`. */
export function cause(event: FailoverEvent, master: string): void {
    switch (event) {
        case "master-host-dies":
            hostsOk(["kill", master]);
            return;
        case "keepalived-stopped":
            onHost(master, "systemctl stop keepalived");
            return;
        case "haproxy-stopped":
            onHost(master, "systemctl stop haproxy");
            return;
        default: {
            const unknown: never = event;
            throw new Error(`unknown event ${unknown}`);
        }
    }
}

/** Undoes `event` on `master` (reboots a killed host). */
export function recover(event: FailoverEvent, master: string): void {
    switch (event) {
        case "master-host-dies":
            hostsOk(["start", master]);
            return;
        case "keepalived-stopped":
            onHost(master, "systemctl start keepalived");
            return;
        case "haproxy-stopped":
            onHost(master, "systemctl start haproxy");
            return;
        default: {
            const unknown: never = event;
            throw new Error(`unknown event ${unknown}`);
        }
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a client loop through the VIP, triggers `trigger` and measures until `backup` holds the
 * VIP and requests succeed again; the loop goes on `settleS` seconds more.
 */
export async function measureFailover(info: LabInfo, event: string, backup: string, trigger: () => void, opts: { intervalS?: number; timeoutS?: number; settleS?: number } = {}): Promise<FailoverMeasurement> {
    if (vipHolders(info).includes(backup)) throw new Error(`${event}: ${backup} already holds the VIP before the event`);
    const loop = startClientLoop(info, { intervalS: opts.intervalS ?? 0.05 });
    const arrival = watchVipArrival(info, backup, opts.timeoutS ?? 30);
    await sleep(1000);
    const t0 = Date.now() / 1000;
    trigger();
    const movedAt = await arrival;
    if (movedAt === undefined) {
        await loop.stop();
        throw new Error(`${event}: the VIP did not reach ${backup} within ${opts.timeoutS ?? 30} s`);
    }
    await sleep((opts.settleS ?? 3) * 1000);
    const result = await loop.stop();
    const after = result.samples.filter(([t]) => t >= t0);
    const firstFailure = after.findIndex(([, code]) => code !== "200");
    const recovered = firstFailure < 0 ? undefined : after.slice(firstFailure).find(([, code]) => code === "200");
    if (firstFailure >= 0 && recovered === undefined) throw new Error(`${event}: no request succeeded after the outage`);
    return {
        event,
        vip_moved_s: round(movedAt - t0),
        first_ok_s: recovered === undefined ? 0 : round(recovered[0] - t0),
        failed: after.filter(([, code]) => code !== "200").length,
        total: after.length,
        rate_rps: round(result.rate),
    };
}

function round(x: number): number {
    return Math.round(x * 100) / 100;
}
