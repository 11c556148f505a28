/**
 * `npm run bench:report`: the README's figure tables, in Markdown, from the JSON lines the last
 * `npm run bench` wrote under bench/results/ (so the published figures are that run's, medians
 * over its runs). Prints to stdout; a benchmark whose file is missing is left out.
 */
import * as fs from "fs";
import * as path from "path";
import { median } from "./common";
import { RESULTS_DIR } from "./svg";

type Row = Record<string, unknown>;

export function readRows(file: string): Row[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Row);
}

const num = (r: Row, k: string) => Number(r[k]);
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "—");
const thousands = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—");
/** The range of a figure over rows, as "a–b" (or "a" when equal). */
function range(xs: number[], digits = 1): string {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo === hi ? fmt(lo, digits) : `${fmt(lo, digits)}–${fmt(hi, digits)}`;
}
const loadsOf = (rows: Row[]) => rows.flatMap((r) => (Array.isArray(r.loadavg_start) ? [(r.loadavg_start as number[])[0], (r.loadavg_end as number[])[0]] : [num(r, "loadavg")])).filter(Number.isFinite);

/** Provision: per web count, Pulumi and each Ansible row, with the ratio. */
export function provisionTable(rows: Row[]): string {
    if (!rows.length) return "";
    // Rows from before the CPU and floor columns have none: a column shows only when some row has it.
    const cpu = rows.some((r) => r.cpu_busy_first !== undefined);
    const floor = rows.some((r) => r.floor_ratio !== undefined);
    const three = (q: { first: number; noop: number; teardown: number } | undefined) => (q ? `${fmt(q.first)} · ${fmt(q.noop)} · ${fmt(q.teardown)}` : "—");
    const lines = [
        `| web servers | tool | first (s) | no-op (s) | teardown (s) | haproxy-ha / this: first · no-op · teardown |${floor ? " this / floor: first · no-op · teardown | CPU-s first (here + hosts) |" : ""}${cpu ? " CPU busy, first run |" : ""}`,
        `|---|---|---|---|---|---|${floor ? "---|---|" : ""}${cpu ? "---|" : ""}`,
    ];
    for (const r of rows) {
        const q = r.pulumi_ratio as { first: number; noop: number; teardown: number } | undefined;
        const busy = r.cpu_busy_first === undefined ? "—" : `${fmt(num(r, "cpu_busy_first") * 100, 0)} %`;
        const c = r.cpu_first_s as { local: number; hosts: number } | undefined;
        const floorCells = floor ? ` ${three(r.floor_ratio as { first: number; noop: number; teardown: number } | undefined)} | ${c ? `${fmt(c.local, 1)} + ${fmt(c.hosts, 1)}` : "—"} |` : "";
        const tool = r.tool === "pulumi" ? "haproxy-ha (pulumi)" : r.tool === "floor" ? "floor (direct, 1 SSH per host)" : r.tool;
        lines.push(`| ${r.webs} | ${tool} | ${fmt(num(r, "first_s"), 1)} | ${fmt(num(r, "noop_s"), 1)} | ${fmt(num(r, "teardown_s"), 1)} | ${three(q)} |${floorCells}${cpu ? ` ${busy} |` : ""}`);
    }
    return lines.join("\n") + `\n\n1-minute load ${range(loadsOf(rows))}; ${rows[0].machine}; ${String(rows[0].date ?? "").slice(0, 10)}.`;
}

/** Failover: first OK (median) per event and profile, each profile's floor in its heading. */
export function failoverTable(rows: Row[]): string {
    const single = rows.filter((r) => r.profile !== "active-active");
    if (!single.length) return "";
    const profiles = [...new Set(single.map((r) => String(r.profile)))];
    const events = [...new Set(single.map((r) => String(r.event)))];
    const floor = (p: string) => num(single.find((r) => r.profile === p)!, "floor_s");
    const runs = Math.max(...single.map((r) => num(r, "run")));
    const lines = [
        `| event on the MASTER | ${profiles.map((p) => `${p} (floor ${fmt(floor(p), 3)})`).join(" | ")} |`,
        `|---|${profiles.map(() => "---").join("|")}|`,
    ];
    for (const e of events) {
        const cells = profiles.map((p) => {
            const of = single.filter((r) => r.profile === p && r.event === e);
            if (!of.length) return "—";
            return `${fmt(median(of.map((r) => num(r, "first_ok_s"))))} (${thousands(median(of.map((r) => num(r, "failed"))))} failed)`;
        });
        lines.push(`| ${e} | ${cells.join(" | ")} |`);
    }
    const aa = rows.filter((r) => r.profile === "active-active");
    const aaLines = [...new Set(aa.map((r) => String(r.event)))].map((e) => {
        const of = aa.filter((r) => r.event === e);
        return `- active-active, ${e}: first OK ${fmt(median(of.map((r) => num(r, "first_ok_s"))))} s, ${thousands(median(of.map((r) => num(r, "failed"))))} failed of ${thousands(median(of.map((r) => num(r, "total"))))}`;
    });
    return (
        lines.join("\n") +
        `\n\nSeconds from the event to the first successful request (median of ${runs} runs), failed requests in brackets; ` +
        `${num(single[0], "rate_requested")} requests/s, ${num(single[0], "timeout_ms")} ms timeout; 1-minute load ${range(loadsOf(single))}.` +
        (aaLines.length ? `\n\n${aaLines.join("\n")}` : "")
    );
}

/** Reload: per event, medians over runs. */
export function reloadTable(rows: Row[]): string {
    if (!rows.length) return "";
    const events = [...new Set(rows.map((r) => String(r.event)))];
    const lines = ["| event | requested (req/s) | reached (req/s) | failed / total | p50 (ms) | p99 (ms) | event took (s) |", "|---|---|---|---|---|---|---|"];
    for (const e of events) {
        const of = rows.filter((r) => r.event === e);
        const m = (k: string) => median(of.map((r) => num(r, k)));
        const failed = of.map((r) => num(r, "failed"));
        lines.push(`| ${e} | ${thousands(m("rate_requested"))} | ${thousands(m("rate_rps"))} | **${failed.join(", ")}** / ${of.map((r) => thousands(num(r, "total"))).join(", ")} | ${fmt(m("p50_ms"))} | ${fmt(m("p99_ms"), 0)} | ${fmt(m("event_s"), 1)} |`);
    }
    return lines.join("\n") + `\n\nFailed and total per run (${Math.max(...rows.map((r) => num(r, "run")))} runs), the rest medians; 1-minute load ${range(loadsOf(rows))}.`;
}

/** Throughput: per target, medians over runs, each against one backend over HTTP. */
export function throughputTable(rows: Row[]): string {
    if (!rows.length) return "";
    const targets = [...new Set(rows.map((r) => String(r.target)))];
    const rate = (t: string) => median(rows.filter((r) => r.target === t).map((r) => num(r, "rate_rps")));
    const base = rate("backend-http");
    const lines = ["| target | requests/s | p50 (ms) | p99 (ms) | vs one backend |", "|---|---|---|---|---|"];
    for (const t of targets) {
        const of = rows.filter((r) => r.target === t);
        const m = (k: string) => median(of.map((r) => num(r, k)));
        lines.push(`| ${t} | ${thousands(m("rate_rps"))} | ${fmt(m("p50_ms"))} | ${fmt(m("p99_ms"))} | ${fmt(rate(t) / base)} |`);
    }
    return lines.join("\n") + `\n\nMedian of ${Math.max(...rows.map((r) => num(r, "run")))} runs; 1-minute load ${range(loadsOf(rows))}.`;
}

function main(): void {
    const read = (name: string) => readRows(path.join(RESULTS_DIR, `${name}.jsonl`));
    const sections: [string, string][] = [
        ["Provisioning (bench:provision)", provisionTable(read("provision"))],
        ["Failover (bench:failover)", failoverTable(read("failover"))],
        ["Reloads (bench:reload)", reloadTable(read("reload"))],
        ["Throughput (bench:throughput)", throughputTable(read("throughput"))],
    ];
    for (const [title, body] of sections) if (body) console.log(`### ${title}\n\n${body}\n`);
}

if (require.main === module) main();
