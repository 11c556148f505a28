/**
 * Failure events on the lab and what a client sees through the VIP: shared by the failover
 * tests (which assert bounds derived from the VRRP timers) and `npm run bench:failover`.
 */
import { hostsOk, LabInfo, onHost, startClientLoop, vipHolders, watchVipArrival } from "./lab";
import { ok, RequestRecord, startAttack } from "./load";

export type FailoverEvent = "master-host-dies" | "keepalived-stopped" | "haproxy-stopped";
/** Events the benchmark adds: the MASTER's NIC loses carrier (keepalived sees its interface go down). */
export type AnyFailoverEvent = FailoverEvent | "master-nic-down";

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
/** The `event-at <epoch seconds>` a command printed: when its event took effect. */
export function eventAt(output: string): number | undefined {
    const m = /event-at (\d+(?:\.\d+)?)/.exec(output);
    return m ? Number(m[1]) : undefined;
}

/**
 * Causes `event` on `master`. Returns the epoch second at which it took effect there (the host's
 * init killed, the link down, the stop command starting on the host), as the command reported
 * it: the lab's own tooling (a bash script, nsenter, a lock) takes a while to get there, longer
 * on a busy machine, and a real host dies without that delay.
 */
export function cause(event: AnyFailoverEvent, master: string): number | undefined {
    const stamped = (unit: string) => eventAt(onHost(master, `echo "event-at $(date +%s.%N)"; systemctl stop ${unit}`).stdout);
    switch (event) {
        case "master-host-dies":
            return eventAt(hostsOk(["kill", master]));
        case "keepalived-stopped":
            return stamped("keepalived");
        case "haproxy-stopped":
            return stamped("haproxy");
        case "master-nic-down":
            return eventAt(hostsOk(["link", master, "down"]));
        default: {
            const unknown: never = event;
            throw new Error(`unknown event ${unknown}`);
        }
    }
}

/** Undoes `event` on `master` (reboots a killed host). */
export function recover(event: AnyFailoverEvent, master: string): void {
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
        case "master-nic-down":
            hostsOk(["link", master, "up"]);
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
    const called = Date.now() / 1000;
    // From when the event took effect, if the trigger knows; else from the call.
    const t0 = trigger() ?? called;
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

export interface LoadFailoverMeasurement extends FailoverMeasurement {
    /** How long the lab's tooling took from the call to the event taking effect (not in the figures). */
    event_lag_s: number;
    /** Every request of the attack, for the timeline; not printed. */
    records: RequestRecord[];
    /** Epoch seconds of the event and of the VIP's arrival on the BACKUP. */
    t0: number;
    movedAt: number;
}

/**
 * `measureFailover` with the load generator: a fixed-rate attack through the VIP (one record per
 * request, each with its own timeout), `trigger` after 1 s, until the BACKUP holds the VIP, then
 * `settleS` more. Counted: requests that ended after the event; a failure is an error or a status
 * outside 2xx/3xx; `first_ok_s` is the end of the first successful request started after the
 * first failed one (0 when none failed).
 */
export async function measureFailoverUnderLoad(
    info: LabInfo,
    event: string,
    backup: string,
    trigger: () => number | undefined | void,
    opts: { rate: number; timeoutMs: number; settleS?: number; vip?: string; name?: string },
): Promise<LoadFailoverMeasurement> {
    const vip = opts.vip ?? info.vip.split("/")[0];
    const at: LabInfo = { ...info, vip: `${vip}/32` };
    if (vipHolders(at).includes(backup)) throw new Error(`${event}: ${backup} already holds the VIP before the event`);
    const attack = startAttack(`http://${vip}/`, { rate: opts.rate, timeoutMs: opts.timeoutMs, maxDurationS: 90, name: opts.name ?? "failover" });
    const arrival = watchVipArrival(at, backup, 30);
    await sleep(1000);
    const called = Date.now() / 1000;
    // From when the event took effect, if the trigger knows; else from the call.
    const t0 = trigger() ?? called;
    const movedAt = await arrival;
    if (movedAt === undefined) {
        await attack.stop();
        throw new Error(`${event}: the VIP did not reach ${backup} within 30 s`);
    }
    await sleep((opts.settleS ?? 3) * 1000);
    const records = await attack.stop();
    return { ...failoverFigures(event, records, t0, movedAt), event_lag_s: round(t0 - called), records, t0, movedAt };
}

/**
 * The failover figures from per-request records (see `measureFailoverUnderLoad`). The outage is
 * the longest run of consecutive failed requests (by start time) after the event: a stray slow
 * request before the event took effect does not count as its start.
 */
export function failoverFigures(event: string, records: RequestRecord[], t0: number, movedAt: number): FailoverMeasurement {
    const after = records.filter((r) => r.start + r.latency >= t0).sort((a, b) => a.start - b.start);
    let best: [number, number] | undefined;
    for (let i = 0; i < after.length; ) {
        if (ok(after[i])) {
            i++;
            continue;
        }
        let j = i;
        while (j < after.length && !ok(after[j])) j++;
        if (!best || j - i > best[1] - best[0]) best = [i, j];
        i = j;
    }
    const recovered = best && after.slice(best[1]).find(ok);
    if (best && !recovered) throw new Error(`${event}: no request succeeded after the outage`);
    const span = after.length > 1 ? after[after.length - 1].start - after[0].start : 0;
    return {
        event,
        vip_moved_s: round(movedAt - t0),
        first_ok_s: recovered ? round(recovered.start + recovered.latency - t0) : 0,
        failed: after.filter((r) => !ok(r)).length,
        total: after.length,
        rate_rps: span > 0 ? Math.round((after.length - 1) / span) : 0,
    };
}

/** Runs of at least `min` consecutive failed requests (by start): [start, end] seconds since `t0` and their count. */
export function failureStreaks(records: RequestRecord[], t0: number, min = 10): [number, number, number][] {
    const sorted = [...records].sort((a, b) => a.start - b.start);
    const out: [number, number, number][] = [];
    for (let i = 0; i < sorted.length; ) {
        if (ok(sorted[i])) {
            i++;
            continue;
        }
        let j = i;
        while (j < sorted.length && !ok(sorted[j])) j++;
        if (j - i >= min) out.push([round(sorted[i].start - t0), round(sorted[j - 1].start - t0), j - i]);
        i = j;
    }
    return out;
}
