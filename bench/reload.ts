/**
 * `npm run bench:reload`: what clients see while haproxy reloads, at a fixed rate through the VIP
 * (vegeta in the lab's client). Events: `config-change` (a real `pulumi up` switching the
 * backend's `balance`), `cert-rotation` (a real `pulumi up` with a new certificate, load over
 * HTTPS) and `drain` (a real `pulumi up` setting web1's `servers[].state` to drain, which the
 * library applies through the runtime API without a reload, then one setting it back to ready) and
 * `acme-renewal` (a real `pulumi up` renewing app.example's certificate from pebble in the control
 * namespace, load over HTTPS checked against pebble's root; not in the default list) and `maint`
 * (a real `pulumi up` putting lb1, the MASTER, in `balancers[].state: maint`: the VIP moves to lb2
 * by a priority drop; then one setting it ready, lb1 takes the VIP back; not in the default list).
 * One JSON line per run and a timeline SVG per event under bench/results/. Not a test: it
 * asserts nothing.
 *
 * BENCH_RATE (default 2000 requests/s; the rate reached is reported: below it, the lab's maximum), BENCH_RUNS
 * (default 3), BENCH_EVENTS (comma list), BENCH_KEEPALIVE=0 (a new connection per request),
 * BENCH_RESULTS (the JSON lines file's name, default reload / reload-new-conn).
 */
import * as fs from "fs";
import { hostsOk, LabInfo, prepareTools, pulumiOk, removeStack, vipHolders, waitFor } from "../lab/lab";
import { putOnClient } from "../lab/load";
import { Pebble, startPebble } from "../lab/pebble";
import { errorKinds, ok, RequestRecord, startAttack, summarize } from "../lab/load";
import { benchLab, configure, makeCerts, State, vipTargets } from "./benchStack";
import { load1, MACHINE, median, requestTimeline, Results, sleep } from "./common";
import { lineChart, writeResult } from "./svg";

const RATE = Number(process.env.BENCH_RATE ?? 2000);
/** BENCH_KEEPALIVE=0: a new connection per request (where a listener handed over badly shows as refused or reset connections). */
const KEEPALIVE = process.env.BENCH_KEEPALIVE !== "0";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const EVENTS = (process.env.BENCH_EVENTS ?? "config-change,cert-rotation,drain").split(",");
/** Long enough that a slow answer on this shared machine is a latency figure, not a failure; a refused or reset connection still fails at once. */
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 5000);
/** Requests in flight at most: when the lab cannot keep up, the rate drops (reported) instead of connections piling up. */
const MAX_WORKERS = 256;

async function main(): Promise<void> {
    prepareTools();
    const results = new Results<Record<string, unknown>>(process.env.BENCH_RESULTS ?? (KEEPALIVE ? "reload" : "reload-new-conn"));
    const certs = makeCerts();
    const state: State = { balance: "roundrobin", cert: 0 };
    let pebble: Pebble | undefined;
    /** The engine trusts pebble's own HTTPS listener (NODE_EXTRA_CA_CERTS, as docs/acme.md says). */
    let engineEnv: Record<string, string> = {};
    try {
        const lab = await benchLab(state, certs.leaves, certs.ca);
        const targets = vipTargets(lab);
        for (const event of EVENTS) {
            if (event === "acme-renewal" && !pebble) {
                pebble = await switchToAcme(lab, state, certs.leaves);
                engineEnv = { NODE_EXTRA_CA_CERTS: pebble.listenerCa };
            }
            const target = event === "config-change" || event === "drain" || event === "maint" ? targets.http : event === "acme-renewal" ? acmeTarget(targets.https) : targets.https;
            for (let run = 0; run < RUNS; run++) {
                const attack = startAttack(target.url, { rate: RATE, timeoutMs: TIMEOUT_MS, flags: target.flags, keepalive: KEEPALIVE, maxWorkers: MAX_WORKERS, name: "reload" });
                await sleep(2000);
                const t0 = Date.now() / 1000;
                if (event === "config-change") {
                    state.balance = state.balance === "roundrobin" ? "static-rr" : "roundrobin";
                    configure(lab, state, certs.leaves);
                    await pulumiOk(["up", "--yes", "--skip-preview"], { env: engineEnv });
                } else if (event === "cert-rotation") {
                    state.cert = 1 - state.cert;
                    configure(lab, state, certs.leaves);
                    await pulumiOk(["up", "--yes", "--skip-preview"], { env: engineEnv });
                } else if (event === "drain") {
                    for (const wanted of ["drain", "ready"] as const) {
                        state.web1 = wanted;
                        configure(lab, state, certs.leaves);
                        await pulumiOk(["up", "--yes", "--skip-preview"], { env: engineEnv });
                        if (wanted === "drain") await sleep(3000);
                    }
                } else if (event === "maint") {
                    for (const wanted of ["maint", "ready"] as const) {
                        state.lb1 = wanted;
                        configure(lab, state, certs.leaves);
                        await pulumiOk(["up", "--yes", "--skip-preview"], { env: engineEnv });
                        if (wanted === "maint") {
                            const holders = vipHolders(lab).join();
                            if (holders !== "lb2") throw new Error(`maint: the VIP is on ${holders || "no balancer"} after pulumi up, not on lb2`);
                            await sleep(3000);
                        }
                    }
                    await waitFor("the VIP back on lb1", () => vipHolders(lab).join() === "lb1", 15_000);
                } else if (event === "acme-renewal") {
                    // renewBeforeDays beyond pebble's 5-year certificates: every up renews.
                    await pulumiOk(["up", "--yes", "--skip-preview"], { env: engineEnv });
                } else {
                    throw new Error(`BENCH_EVENTS: unknown event ${event} (config-change, cert-rotation, drain, acme-renewal, maint)`);
                }
                const t1 = Date.now() / 1000;
                await sleep(2000);
                const records = await attack.stop();
                const s = summarize(records);
                results.add({ event, run: run + 1, keepalive: KEEPALIVE, ...s, failed_not_timeout: records.filter((r) => !ok(r) && !/Timeout|deadline/.test(r.error)).length, rate_requested: RATE, timeout_ms: TIMEOUT_MS, event_s: Math.round((t1 - t0) * 100) / 100, errors: errorKinds(records), machine: MACHINE });
                if (run === 0) chart(event, records, t0, t1, target.url);
            }
        }
    } finally {
        pebble?.stop();
        hostsOk(["down"]);
        removeStack();
    }
    console.log(`\nevent          rate (req/s)  failed/total   p50 (ms)  p99 (ms)   [median of ${RUNS} runs at ${RATE} req/s requested; ${MACHINE}, load ${load1()}]`);
    for (const event of EVENTS) {
        const rows = results.rows.filter((r) => r.event === event) as unknown as ReturnType<typeof summarize>[];
        if (!rows.length) continue;
        const med = (f: (r: ReturnType<typeof summarize>) => number) => median(rows.map(f));
        console.log(`${event.padEnd(14)} ${String(med((r) => r.rate_rps)).padStart(12)}  ${`${med((r) => r.failed)}/${med((r) => r.total)}`.padStart(12)} ${med((r) => r.p50_ms).toFixed(2).padStart(10)} ${med((r) => r.p99_ms).toFixed(2).padStart(9)}`);
    }
}

/** pebble's root in the client, where vegeta checks the served certificate against it. */
const CLIENT_PEBBLE_ROOT = "/var/tmp/haproxy-ha-load/pebble-root.crt";

function acmeTarget(https: { url: string; flags: string[] }): { url: string; flags: string[] } {
    return { url: https.url, flags: https.flags.map((f) => (f.startsWith("-root-certs=") ? `-root-certs=${CLIENT_PEBBLE_ROOT}` : f)) };
}

/** pebble in the control namespace, and app.example's certificate issued by it (the first, untimed up). */
async function switchToAcme(lab: LabInfo, state: State, leaves: string[]): Promise<Pebble> {
    const pebble = await startPebble(lab, lab.vip.split("/")[0]);
    putOnClient(CLIENT_PEBBLE_ROOT, fs.readFileSync(pebble.rootFile, "utf8"));
    state.acme = { directory: pebble.directory, renewBeforeDays: 2000 };
    configure(lab, state, leaves);
    await pulumiOk(["up", "--yes", "--skip-preview"], { env: { NODE_EXTRA_CA_CERTS: pebble.listenerCa } });
    return pebble;
}

function chart(event: string, records: RequestRecord[], t0: number, t1: number, url: string): void {
    const tl = requestTimeline(records, t0, 0.1);
    const lat = records.map((r) => [Math.round((r.start - t0) * 100) / 100, r.latency * 1000] as [number, number]);
    // Latency per 100 ms slice: its worst request, so a stall shows as a spike.
    const worst = new Map<number, number>();
    for (const [x, l] of lat) worst.set(Math.floor(x * 10) / 10, Math.max(worst.get(Math.floor(x * 10) / 10) ?? 0, l));
    const s = summarize(records);
    const file = writeResult(
        `reload-${event}${KEEPALIVE ? "" : "-new-conn"}.svg`,
        lineChart({
            title: `${event}: ${s.failed} failed of ${s.total} requests at ${s.rate_rps} req/s (${url})`,
            subtitle: `vegeta in the lab client, timeout ${TIMEOUT_MS} ms; p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms; ${MACHINE}, load ${load1()}`,
            xLabel: "seconds since the event started",
            yLabel: "requests/s (per 100 ms)",
            series: [
                { name: "answered", color: "#2a7de1", points: tl.ok },
                { name: "failed", color: "#d62728", points: tl.failed, dots: true },
            ],
            markers: [
                { x: 0, label: event === "drain" ? "pulumi up: drain web1" : event === "maint" ? "pulumi up: lb1 maint" : "pulumi up starts", color: "#444" },
                { x: Math.round((t1 - t0) * 100) / 100, label: event === "drain" ? "pulumi up: web1 ready again, done" : event === "maint" ? "lb1 ready, VIP back on lb1" : "pulumi up done", color: "#2ca02c" },
            ],
        }),
    );
    writeResult(
        `reload-${event}${KEEPALIVE ? "" : "-new-conn"}-latency.svg`,
        lineChart({
            title: `${event}: slowest request per 100 ms (ms)`,
            subtitle: `p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms; ${MACHINE}, load ${load1()}`,
            xLabel: "seconds since the event started",
            yLabel: "latency (ms)",
            series: [{ name: "slowest request", color: "#9467bd", points: [...worst.entries()].sort((a, b) => a[0] - b[0]) }],
            markers: [
                { x: 0, label: "event", color: "#444" },
                { x: Math.round((t1 - t0) * 100) / 100, label: "done", color: "#2ca02c" },
            ],
        }),
    );
    console.log(`      ${file}`);
}

main().catch((e: Error) => {
    console.error(`bench:reload: ${e.message}`);
    process.exitCode = 1;
});
