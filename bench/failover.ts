/**
 * `npm run bench:failover`: failover figures on the lab for the library's defaults and a tuned
 * profile, and per VIP for an active-active pair (BENCH_ACTIVE_ACTIVE=0 skips it; BENCH_PROFILES=none
 * skips the single-VIP profiles). One JSON object per measurement, then a table. Not a test: it asserts nothing.
 */
import { cause, FailoverEvent, FailoverMeasurement, measureFailover, recover } from "../lab/failover";
import { freshLab, hostsOk, LabInfo, labConfig, prepareTools, pulumiOk, removeStack, selectStack, startClientLoop, vipHolders, waitFor, writeStackFile } from "../lab/lab";
import { holders, vrrpPulumi, writeTopology } from "../lab/vrrpLab";

const PROFILES: Record<string, Record<string, unknown>> = {
    default: {},
    // VRRPv3 allows sub-second adverts (keepalived ≥ 2; no PASS authentication in v3).
    tuned: { vrrpVersion: 3, advertInt: 0.2, haproxyCheck: { intervalS: 1, fall: 1, rise: 1 } },
};
const EVENTS: FailoverEvent[] = ["master-host-dies", "keepalived-stopped", "haproxy-stopped"];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Active-active (lab/vrrp-project): lb1 MASTER of A, lb2 MASTER of B; lb1 dies. */
const AA = { A: "10.77.0.100", B: "10.77.0.101" };

/**
 * Per VIP while lb1 dies: A moves to lb2 (vip_moved_s, first_ok_s), B stays on lb2 (its clients
 * should see nothing). Both client loops run at once; the first one's stop ends both.
 */
async function activeActive(info: LabInfo, rows: (FailoverMeasurement & { profile: string })[]): Promise<void> {
    const at = (vip: string): LabInfo => ({ ...info, vip: `${vip}/24` });
    for (let run = 0; run < RUNS; run++) {
        const loopB = startClientLoop(at(AA.B), { intervalS: 0.02 });
        const a = await measureFailover(at(AA.A), "master-host-dies", "lb2", () => cause("master-host-dies", "lb1"), { intervalS: 0.02 });
        const b = await loopB.stop();
        const bFailed = b.samples.filter(([, c]) => c !== "200");
        for (const row of [
            { profile: "active-active", ...a, event: "lb1-dies: VIP A" },
            { profile: "active-active", event: "lb1-dies: VIP B", vip_moved_s: 0, first_ok_s: 0, failed: bFailed.length, total: b.total, rate_rps: Math.round(b.rate * 100) / 100 },
        ]) {
            rows.push(row);
            console.log(JSON.stringify(row));
        }
        recover("master-host-dies", "lb1");
        await waitFor("VIP A back on lb1", () => holders(AA.A).join() === "lb1", 60_000, 250);
        await new Promise((r) => setTimeout(r, 2000));
    }
}

async function main(): Promise<void> {
    prepareTools();
    const rows: (FailoverMeasurement & { profile: string })[] = [];
    try {
        for (const [profile, overrides] of Object.entries(PROFILES)) {
            if (process.env.BENCH_PROFILES === "none") break;
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
        if (process.env.BENCH_ACTIVE_ACTIVE !== "0") {
            const info = freshLab();
            writeTopology(info, {
                instances: [
                    { name: "a", vips: [`${AA.A}/24`], virtualRouterId: 81, interface: info.interface, master: "lb1" },
                    { name: "b", vips: [`${AA.B}/24`], virtualRouterId: 82, interface: info.interface, master: "lb2" },
                ],
            });
            await vrrpPulumi(["stack", "select", "--create"]);
            await vrrpPulumi(["up", "--yes", "--skip-preview"]);
            await waitFor("A on lb1, B on lb2", () => holders(AA.A).join() === "lb1" && holders(AA.B).join() === "lb2", 20_000);
            await activeActive(info, rows);
        }
    } finally {
        // Leave nothing running, even when a measurement failed.
        hostsOk(["down"]);
        removeStack();
    }
    console.log("\nprofile  event               VIP moved (s)  first OK (s)  failed/total  rate (req/s)   [median of " + RUNS + " runs]");
    const cases = [...Object.keys(PROFILES).flatMap((p) => EVENTS.map((e) => [p, e] as const)), ["active-active", "lb1-dies: VIP A"] as const, ["active-active", "lb1-dies: VIP B"] as const];
    for (const [profile, event] of cases) {
        {
            const runs = rows.filter((r) => r.profile === profile && r.event === event);
            const med = (f: (r: FailoverMeasurement) => number) => median(runs.map(f));
            if (runs.length === 0) continue;
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
