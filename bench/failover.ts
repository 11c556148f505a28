/**
 * `npm run bench:failover`: failover figures on the lab under a fixed-rate load (vegeta in the
 * client, BENCH_RATE requests/s, default 500, each with a 100 ms timeout) for the library's
 * defaults and the `tuned` and `fast` profiles, and per VIP for an active-active pair
 * (BENCH_ACTIVE_ACTIVE=0 skips it; BENCH_PROFILES=none or a comma list picks the single-VIP
 * profiles). One JSON line per measurement (bench/results/failover.jsonl, or BENCH_RESULTS.jsonl), a timeline SVG per
 * profile and event (first run), then a table. Not a test: it asserts nothing.
 */
import { AnyFailoverEvent, cause, failureStreaks, LoadFailoverMeasurement, measureFailoverUnderLoad, recover } from "../lab/failover";
import { freshLab, hostsOk, LabInfo, labConfig, prepareTools, pulumiOk, removeStack, selectStack, vipHolders, waitFor, writeStackFile } from "../lab/lab";
import { installLoadGenerator, ok, startAttack } from "../lab/load";
import { holders, vrrpPulumi, writeTopology } from "../lab/vrrpLab";
import { load1, MACHINE, masterDownInterval, median, requestTimeline, Results, sleep } from "./common";
import { lineChart, writeResult } from "./svg";

interface Profile {
    config: Record<string, unknown>;
    /** VRRP advert interval (s): the floor of a MASTER's silence is 3 × it + skew. */
    advertInt: number;
}

const PROFILES: Record<string, Profile> = {
    default: { config: {}, advertInt: 1 },
    // VRRPv3 allows sub-second adverts (keepalived ≥ 2; no PASS authentication in v3).
    tuned: { config: { vrrpVersion: 3, advertInt: 0.2, haproxyCheck: { intervalS: 1, fall: 1, rise: 1 } }, advertInt: 0.2 },
    fast: { config: { vrrpVersion: 3, advertInt: 0.1, haproxyCheck: { intervalS: 1, fall: 1, rise: 1 } }, advertInt: 0.1 },
};
const EVENTS: AnyFailoverEvent[] = ["master-host-dies", "keepalived-stopped", "haproxy-stopped", "master-nic-down"];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const TIMEOUT_MS = 100;
/** lb2, the BACKUP in labConfig. */
const BACKUP_PRIORITY = 90;
const masterDownFloor = (advertInt: number) => masterDownInterval(advertInt, BACKUP_PRIORITY);
/** Active-active (lab/vrrp-project): lb1 MASTER of A, lb2 MASTER of B; lb1 dies. */
const AA = { A: "10.77.0.100", B: "10.77.0.101" };

type Row = Omit<LoadFailoverMeasurement, "records" | "t0" | "movedAt"> & {
    profile: string;
    run: number;
    floor_s: number;
    rate_requested: number;
    timeout_ms: number;
    /** Runs of ≥ 10 consecutive failures: [from, to] seconds since the event and count (the outage, and any stall of the shared machine). */
    streaks?: [number, number, number][];
};

function timeline(name: string, title: string, m: LoadFailoverMeasurement, floor: number): void {
    const tl = requestTimeline(m.records, m.t0, 0.05);
    const file = writeResult(
        `failover-${name}.svg`,
        lineChart({
            title,
            subtitle: `vegeta in the lab client at ${RATE} req/s, timeout ${TIMEOUT_MS} ms: ${m.failed} failed of ${m.total}; ${MACHINE}, load ${load1()}`,
            xLabel: "seconds since the event (by request start)",
            yLabel: "requests/s (per 50 ms)",
            series: [
                { name: "answered", color: "#2a7de1", points: tl.ok },
                { name: "failed", color: "#d62728", points: tl.failed, dots: true },
            ],
            markers: [
                { x: 0, label: "event", color: "#444" },
                { x: floor, label: `floor ${floor} s (3 × advert + skew)`, color: "#999" },
                { x: m.vip_moved_s, label: `VIP on BACKUP ${m.vip_moved_s} s`, color: "#ff7f0e" },
                ...(m.first_ok_s ? [{ x: m.first_ok_s, label: `first OK ${m.first_ok_s} s`, color: "#2ca02c" }] : []),
            ],
        }),
    );
    console.log(`      ${file}`);
}

function strip(m: LoadFailoverMeasurement): Omit<LoadFailoverMeasurement, "records" | "t0" | "movedAt"> {
    const { records: _r, t0: _t, movedAt: _m, ...rest } = m;
    return rest;
}

/**
 * Per VIP while lb1 dies: A moves to lb2 (vip_moved_s, first_ok_s), B stays on lb2 (its clients
 * should see nothing). Both attacks run at once.
 */
async function activeActive(info: LabInfo, results: Results<Row>): Promise<void> {
    const floor = masterDownFloor(1);
    for (let run = 0; run < RUNS; run++) {
        // B stays on lb2: its figures are B's failures only.
        const attackB = startAttack(`http://${AA.B}/`, { rate: RATE, timeoutMs: TIMEOUT_MS, maxDurationS: 90, name: "failover-b" });
        const a = await measureFailoverUnderLoad(info, "lb1-dies: VIP A", "lb2", () => cause("master-host-dies", "lb1"), { rate: RATE, timeoutMs: TIMEOUT_MS, vip: AA.A, name: "failover-a" });
        const b = await attackB.stop();
        const bAfter = b.filter((r) => r.start + r.latency >= a.t0);
        results.add({ profile: "active-active", run: run + 1, ...strip(a), floor_s: floor, rate_requested: RATE, timeout_ms: TIMEOUT_MS, streaks: failureStreaks(a.records, a.t0) });
        const span = bAfter.length > 1 ? bAfter[bAfter.length - 1].start - bAfter[0].start : 0;
        results.add({
            profile: "active-active",
            run: run + 1,
            event: "lb1-dies: VIP B",
            vip_moved_s: 0,
            first_ok_s: 0,
            failed: bAfter.filter((r) => !ok(r)).length,
            total: bAfter.length,
            rate_rps: span > 0 ? Math.round((bAfter.length - 1) / span) : 0,
            floor_s: 0,
            event_lag_s: a.event_lag_s,
            rate_requested: RATE,
            timeout_ms: TIMEOUT_MS,
        });
        if (run === 0) timeline("active-active-A", "active-active, lb1 dies: clients of VIP A", a, floor);
        recover("master-host-dies", "lb1");
        await waitFor("VIP A back on lb1", () => holders(AA.A).join() === "lb1", 60_000, 250);
        await sleep(2000);
    }
}

async function main(): Promise<void> {
    prepareTools();
    const results = new Results<Row>(process.env.BENCH_RESULTS ?? "failover");
    const chosen = process.env.BENCH_PROFILES === "none" ? [] : (process.env.BENCH_PROFILES?.split(",") ?? Object.keys(PROFILES));
    for (const p of chosen) if (!PROFILES[p]) throw new Error(`BENCH_PROFILES: unknown profile ${p} (${Object.keys(PROFILES).join(", ")}, none)`);
    try {
        for (const profile of chosen) {
            const { config, advertInt } = PROFILES[profile];
            const floor = masterDownFloor(advertInt);
            const info = freshLab();
            installLoadGenerator();
            writeStackFile(labConfig(info, config));
            await selectStack();
            await pulumiOk(["up", "--yes", "--skip-preview"]);
            await waitFor("the VIP on lb1", () => vipHolders(info).join() === "lb1", 20_000);
            for (const event of EVENTS) {
                for (let run = 0; run < RUNS; run++) {
                    const m = await measureFailoverUnderLoad(info, event, "lb2", () => cause(event, "lb1"), { rate: RATE, timeoutMs: TIMEOUT_MS });
                    results.add({ profile, run: run + 1, ...strip(m), floor_s: floor, rate_requested: RATE, timeout_ms: TIMEOUT_MS, streaks: failureStreaks(m.records, m.t0) });
                    if (run === 0) timeline(`${profile}-${event}`, `${profile} profile (advert ${advertInt} s): ${event}`, m, floor);
                    recover(event, "lb1");
                    await waitFor("the VIP back on lb1", () => vipHolders(info).join() === "lb1", 60_000, 250);
                    await sleep(2000);
                }
            }
        }
        if (process.env.BENCH_ACTIVE_ACTIVE !== "0") {
            const info = freshLab();
            installLoadGenerator();
            writeTopology(info, {
                instances: [
                    { name: "a", vips: [`${AA.A}/24`], virtualRouterId: 81, interface: info.interface, master: "lb1" },
                    { name: "b", vips: [`${AA.B}/24`], virtualRouterId: 82, interface: info.interface, master: "lb2" },
                ],
            });
            await vrrpPulumi(["stack", "select", "--create"]);
            await vrrpPulumi(["up", "--yes", "--skip-preview"]);
            await waitFor("A on lb1, B on lb2", () => holders(AA.A).join() === "lb1" && holders(AA.B).join() === "lb2", 20_000);
            await activeActive(info, results);
        }
    } finally {
        // Leave nothing running, even when a measurement failed.
        hostsOk(["down"]);
        removeStack();
    }
    console.log(`\nprofile        event               floor (s)  VIP moved (s)  first OK (s)  failed/total  rate (req/s)   [median of ${RUNS} runs; ${MACHINE}, load ${load1()}]`);
    const cases = [...new Set(results.rows.map((r) => `${r.profile}\t${r.event}`))].map((k) => k.split("\t"));
    for (const [profile, event] of cases) {
        const runs = results.rows.filter((r) => r.profile === profile && r.event === event);
        const med = (f: (r: Row) => number) => median(runs.map(f));
        console.log(
            `${profile.padEnd(14)} ${event.padEnd(19)} ${med((r) => r.floor_s).toFixed(2).padStart(9)} ${med((r) => r.vip_moved_s).toFixed(2).padStart(14)} ${med((r) => r.first_ok_s).toFixed(2).padStart(13)}  ${`${med((r) => r.failed)}/${med((r) => r.total)}`.padStart(12)} ${med((r) => r.rate_rps).toFixed(0).padStart(13)}`,
        );
    }
}

main().catch((e: Error) => {
    console.error(`bench:failover: ${e.message}`);
    process.exitCode = 1;
});
