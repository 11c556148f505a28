/**
 * `npm run bench:throughput`: the lab's maximum request rate and its latency through the VIP
 * (haproxy on lb1) versus straight to one backend (nginx on web1), over HTTP and HTTPS (TLS ends
 * at haproxy; the backends speak HTTP), so the balancer's cost is a ratio. vegeta in the client
 * runs closed-loop (`-rate=0`, BENCH_WORKERS requests in flight) for BENCH_SECONDS per target.
 * JSON lines and a bar chart under bench/results/. Not a test: it asserts nothing.
 */
import { hostsOk, prepareTools, removeStack } from "../lab/lab";
import { attackFor, errorKinds, summarize } from "../lab/load";
import { benchLab, makeCerts, vipTargets } from "./benchStack";
import { load1, MACHINE, median, Results } from "./common";
import { barChart, writeResult } from "./svg";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 32);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Row {
    target: string;
    url: string;
    keepalive: boolean;
    rate_rps: number;
    total: number;
    failed: number;
    p50_ms: number;
    p99_ms: number;
}

async function main(): Promise<void> {
    prepareTools();
    const results = new Results<Row & { run: number; errors: Record<string, number> }>("throughput");
    const certs = makeCerts();
    try {
        const info = await benchLab({ balance: "roundrobin", cert: 0 }, certs.leaves, certs.ca);
        const t = vipTargets(info);
        const cases = [
            { target: "backend-http", url: `http://${info.hosts.web1.address}/`, flags: [] as string[], keepalive: true },
            { target: "vip-http", url: t.http.url, flags: t.http.flags, keepalive: true },
            { target: "vip-https", url: t.https.url, flags: t.https.flags, keepalive: true },
            // A TLS handshake per request: what haproxy's CPU pays for clients without keep-alive.
            { target: "vip-https-new-conn", url: t.https.url, flags: t.https.flags, keepalive: false },
        ];
        for (let run = 0; run < RUNS; run++) {
            for (const c of cases) {
                const records = await attackFor(c.url, SECONDS, { rate: 0, maxWorkers: WORKERS, timeoutMs: 5000, flags: c.flags, keepalive: c.keepalive, name: "throughput" });
                results.add({ target: c.target, url: c.url, keepalive: c.keepalive, ...summarize(records), run: run + 1, errors: errorKinds(records) });
            }
        }
    } finally {
        hostsOk(["down"]);
        removeStack();
    }
    const targets = [...new Set(results.rows.map((r) => r.target))];
    const med = (target: string, f: (r: Row) => number) => median(results.rows.filter((r) => r.target === target).map(f));
    console.log(`\ntarget               req/s    p50 (ms)  p99 (ms)  vs backend   [median of ${RUNS} × ${SECONDS} s, ${WORKERS} in flight; ${MACHINE}, load ${load1()}]`);
    for (const target of targets) {
        const ratio = med(target, (r) => r.rate_rps) / med("backend-http", (r) => r.rate_rps);
        console.log(`${target.padEnd(19)} ${String(med(target, (r) => r.rate_rps)).padStart(6)} ${med(target, (r) => r.p50_ms).toFixed(2).padStart(11)} ${med(target, (r) => r.p99_ms).toFixed(2).padStart(9)} ${ratio.toFixed(2).padStart(11)}`);
    }
    const file = writeResult(
        "throughput.svg",
        barChart({
            title: "Requests/s: straight to one backend vs through the VIP",
            subtitle: `vegeta in the lab client, ${WORKERS} requests in flight, median of ${RUNS} × ${SECONDS} s; ${MACHINE}, load ${load1()}`,
            yLabel: "requests/s",
            series: [{ name: "requests/s", color: "#2a7de1" }],
            groups: targets.map((target) => ({ label: target, values: [med(target, (r) => r.rate_rps)] })),
            decimals: 0,
        }),
    );
    console.log(`      ${file}`);
}

main().catch((e: Error) => {
    console.error(`bench:throughput: ${e.message}`);
    process.exitCode = 1;
});
