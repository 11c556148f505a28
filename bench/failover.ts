/**
 * `npm run bench:failover`: failover figures on the lab for the library's defaults and a tuned
 * profile. One JSON object per measurement, then a table. Not a test: it asserts nothing.
 */
import { cause, FailoverEvent, FailoverMeasurement, measureFailover, recover } from "../lab/failover";
import { freshLab, hostsOk, labConfig, prepareTools, pulumiOk, removeStack, selectStack, vipHolders, waitFor, writeStackFile } from "../lab/lab";

const PROFILES: Record<string, Record<string, unknown>> = {
    default: {},
    // VRRPv3 allows sub-second adverts (keepalived ≥ 2; no PASS authentication in v3).
    tuned: { vrrpVersion: 3, advertInt: 0.2, haproxyCheck: { intervalS: 1, fall: 1, rise: 1 } },
};
const EVENTS: FailoverEvent[] = ["master-host-dies", "keepalived-stopped", "haproxy-stopped"];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function main(): Promise<void> {
    prepareTools();
    const rows: (FailoverMeasurement & { profile: string })[] = [];
    try {
        for (const [profile, overrides] of Object.entries(PROFILES)) {
            const info = freshLab();
            writeStackFile(labConfig(info, overrides));
            await selectStack();
            await pulumiOk(["up", "--yes", "--skip-preview"]);
            await waitFor("the VIP on lb1", () => vipHolders(info).join() === "lb1", 20_000);
            for (const event of EVENTS) {
                for (let run = 0; run < RUNS; run++) {
                    const m = await measureFailover(info, event, "lb2", () => cause(event, "lb1"), { intervalS: 0.02 });
                    const row = { profile, ...m };
                    rows.push(row);
                    console.log(JSON.stringify(row));
                    recover(event, "lb1");
                    await waitFor("the VIP back on lb1", () => vipHolders(info).join() === "lb1", 60_000, 250);
                    await new Promise((r) => setTimeout(r, 2000));
                }
            }
        }
    } finally {
        // Leave nothing running, even when a measurement failed.
        hostsOk(["down"]);
        removeStack();
    }
    console.log("\nprofile  event               VIP moved (s)  first OK (s)  failed/total  rate (req/s)   [median of " + RUNS + " runs]");
    for (const profile of Object.keys(PROFILES)) {
        for (const event of EVENTS) {
            const runs = rows.filter((r) => r.profile === profile && r.event === event);
            const med = (f: (r: FailoverMeasurement) => number) => median(runs.map(f));
            console.log(
                `${profile.padEnd(8)} ${event.padEnd(19)} ${med((r) => r.vip_moved_s).toFixed(2).padStart(13)} ${med((r) => r.first_ok_s).toFixed(2).padStart(13)}  ${`${med((r) => r.failed)}/${med((r) => r.total)}`.padStart(12)} ${med((r) => r.rate_rps).toFixed(1).padStart(13)}`,
            );
        }
    }
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

main().catch((e: Error) => {
    console.error(`bench:failover: ${e.message}`);
    process.exitCode = 1;
});
