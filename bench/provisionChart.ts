/**
 * The provision-at-scale figures as a grouped bar chart (SVG text). PURE: rows in, text out.
 * One panel per run (first, no-op, teardown); in each, one group of bars per web-server count,
 * one bar per tool. No dependencies, deterministic output (same rows, same bytes).
 */

/** One measured row of bench/results/provision.jsonl. */
export interface ProvisionRow {
    webs: number;
    /** `pulumi`, `ansible forks 5`, `ansible forks 16`…: the bar's legend entry. */
    tool: string;
    first_s: number;
    noop_s: number;
    teardown_s: number;
}

export interface ChartBar {
    panel: string;
    webs: number;
    tool: string;
    seconds: number;
    x: number;
    y: number;
    width: number;
    height: number;
    color: string;
}

export const RUNS: { key: "first_s" | "noop_s" | "teardown_s"; title: string }[] = [
    { key: "first_s", title: "first run" },
    { key: "noop_s", title: "no-op run" },
    { key: "teardown_s", title: "teardown" },
];

const PALETTE = ["#4c72b0", "#dd8452", "#c44e52", "#55a868", "#8172b3", "#937860"];
const PANEL_W = 300;
const PLOT_H = 220;
const TOP = 40;
const LEFT = 50;
const BAR_GAP = 2;
const GROUP_GAP = 18;

/** Tools in first-seen order, web counts ascending: the legend's and the groups' order. */
export function chartLayout(rows: ProvisionRow[]): { tools: string[]; webs: number[]; bars: ChartBar[]; width: number; height: number } {
    const tools = [...new Set(rows.map((r) => r.tool))];
    const webs = [...new Set(rows.map((r) => r.webs))].sort((a, b) => a - b);
    for (const r of rows) {
        for (const { key } of RUNS) {
            if (!Number.isFinite(r[key]) || r[key] < 0) throw new Error(`provision chart: ${key} of ${r.tool} at ${r.webs} webs must be a number ≥ 0, got ${r[key]}`);
        }
    }
    const groupW = (PANEL_W - LEFT - GROUP_GAP * webs.length) / Math.max(webs.length, 1);
    const barW = Math.max((groupW - BAR_GAP * (tools.length - 1)) / Math.max(tools.length, 1), 1);
    const bars: ChartBar[] = [];
    RUNS.forEach(({ key, title }, p) => {
        // Each panel has its own scale: a no-op run is a fraction of a first run.
        const max = Math.max(...rows.map((r) => r[key]), 1e-9);
        webs.forEach((n, g) => {
            tools.forEach((tool, t) => {
                const row = rows.find((r) => r.webs === n && r.tool === tool);
                if (!row) return;
                const height = (row[key] / max) * PLOT_H;
                bars.push({
                    panel: title,
                    webs: n,
                    tool,
                    seconds: row[key],
                    x: p * PANEL_W + LEFT + g * (groupW + GROUP_GAP) + t * (barW + BAR_GAP),
                    y: TOP + PLOT_H - height,
                    width: barW,
                    height,
                    color: PALETTE[t % PALETTE.length],
                });
            });
        });
    });
    return { tools, webs, bars, width: RUNS.length * PANEL_W + 10, height: TOP + PLOT_H + 70 };
}

function esc(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

/** The chart as a standalone SVG document; `caption` goes under the plots (machine, load). */
export function provisionChartSvg(rows: ProvisionRow[], caption = ""): string {
    const { tools, webs, bars, width, height } = chartLayout(rows);
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
        `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ];
    RUNS.forEach(({ title }, p) => {
        const x0 = p * PANEL_W + LEFT;
        out.push(`<text x="${x0}" y="${TOP - 22}" font-size="13" font-weight="bold">${esc(title)} (s)</text>`);
        out.push(`<line x1="${x0}" y1="${TOP + PLOT_H}" x2="${(p + 1) * PANEL_W - 5}" y2="${TOP + PLOT_H}" stroke="#333"/>`);
        const panelBars = bars.filter((b) => b.panel === title);
        for (const n of webs) {
            const group = panelBars.filter((b) => b.webs === n);
            if (!group.length) continue;
            const mid = (group[0].x + group[group.length - 1].x + group[group.length - 1].width) / 2;
            out.push(`<text x="${mid.toFixed(1)}" y="${TOP + PLOT_H + 14}" text-anchor="middle">${n} webs</text>`);
        }
        for (const b of panelBars) {
            out.push(
                `<rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.width.toFixed(1)}" height="${b.height.toFixed(1)}" fill="${b.color}">` +
                    `<title>${esc(`${b.tool}, ${b.webs} webs, ${b.panel}: ${f1(b.seconds)} s`)}</title></rect>`,
            );
            out.push(`<text x="${(b.x + b.width / 2).toFixed(1)}" y="${(b.y - 3).toFixed(1)}" text-anchor="middle" font-size="8">${f1(b.seconds)}</text>`);
        }
    });
    tools.forEach((tool, t) => {
        const x = LEFT + t * 170;
        const y = TOP + PLOT_H + 32;
        out.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${PALETTE[t % PALETTE.length]}"/>`);
        out.push(`<text x="${x + 14}" y="${y}">${esc(tool)}</text>`);
    });
    if (caption) out.push(`<text x="${LEFT}" y="${TOP + PLOT_H + 56}" fill="#555">${esc(caption)}</text>`);
    out.push("</svg>");
    return out.join("\n") + "\n";
}
