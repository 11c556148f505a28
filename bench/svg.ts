/**
 * Plain SVG text for the benchmarks' pictures (no dependency): a line chart over time with
 * marked instants and point marks (a failover timeline), and a grouped bar chart (provisioning
 * times per tool). Readable as files, in a browser and on GitHub.
 */
import * as fs from "fs";
import * as path from "path";

export interface LineSeries {
    name: string;
    color: string;
    /** [x, y] in data units, x ascending. */
    points: [number, number][];
    /** Draw as separate dots (e.g. failures), not a line. */
    dots?: boolean;
}

/** A vertical line at `x` (an event, the VIP's move), labelled at the top. */
export interface Marker {
    x: number;
    label: string;
    color: string;
}

export interface LineChart {
    title: string;
    xLabel: string;
    yLabel: string;
    series: LineSeries[];
    markers?: Marker[];
    /** A note under the title (machine, load average). */
    subtitle?: string;
    width?: number;
    height?: number;
}

export interface BarGroup {
    /** The group's label on the x axis (e.g. "N = 16, first"). */
    label: string;
    /** One value per series, in `BarChart.series` order; NaN leaves a gap. */
    values: number[];
}

export interface BarChart {
    title: string;
    yLabel: string;
    /** The bars within a group, with their colours (the legend). */
    series: { name: string; color: string }[];
    groups: BarGroup[];
    subtitle?: string;
    /** Print each bar's value above it with this many decimals (default 1). */
    decimals?: number;
    width?: number;
    height?: number;
}

const FONT = 'font-family="sans-serif"';
const M = { left: 64, right: 20, top: 70, bottom: 48 };

export function escapeXml(s: string): string {
    return s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** About five round steps (1, 2, 5 × 10^k) covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
    if (!(hi > lo)) hi = lo + 1;
    const raw = (hi - lo) / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
    const out: number[] = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number((Math.round(v / step) * step).toPrecision(12)));
    return out;
}

const fmt = (v: number) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : String(Number(v.toPrecision(3))));

function frame(title: string, subtitle: string | undefined, w: number, h: number, body: string[]): string {
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
        `<rect width="${w}" height="${h}" fill="white"/>`,
        `<text x="${w / 2}" y="22" ${FONT} font-size="16" font-weight="bold" text-anchor="middle">${escapeXml(title)}</text>`,
        subtitle ? `<text x="${w / 2}" y="40" ${FONT} font-size="11" fill="#555" text-anchor="middle">${escapeXml(subtitle)}</text>` : "",
        ...body,
        "</svg>",
        "",
    ].join("\n");
}

/** One row of swatches between the subtitle and the plot, so that it never covers data or marker labels. */
function legend(items: { name: string; color: string }[], x: number, y: number): string[] {
    let at = x;
    return items.map((s) => {
        const item = `<rect x="${at}" y="${y - 9}" width="12" height="10" fill="${s.color}"/><text x="${at + 16}" y="${y}" ${FONT} font-size="11">${escapeXml(s.name)}</text>`;
        at += 28 + 7 * s.name.length;
        return item;
    });
}

/** A line chart: axes with round ticks, each series as a line (or dots), markers as dashed verticals. */
export function lineChart(c: LineChart): string {
    const w = c.width ?? 900;
    const h = c.height ?? 380;
    const all = c.series.flatMap((s) => s.points);
    const xs = [...all.map((p) => p[0]), ...(c.markers ?? []).map((m) => m.x)];
    const x0 = xs.length ? Math.min(...xs) : 0;
    const x1 = xs.length ? Math.max(...xs) : 1;
    const y1 = Math.max(1, ...all.map((p) => p[1])) * 1.08;
    const pw = w - M.left - M.right;
    const ph = h - M.top - M.bottom;
    const X = (x: number) => M.left + ((x - x0) / (x1 - x0 || 1)) * pw;
    const Y = (y: number) => M.top + ph - (y / y1) * ph;
    const body: string[] = [];
    for (const t of ticks(0, y1)) {
        if (t > y1) continue;
        body.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" stroke="#e4e4e4"/>`);
        body.push(`<text x="${M.left - 6}" y="${(Y(t) + 4).toFixed(1)}" ${FONT} font-size="11" text-anchor="end">${fmt(t)}</text>`);
    }
    for (const t of ticks(x0, x1, 10)) {
        if (t < x0 || t > x1) continue;
        body.push(`<line x1="${X(t).toFixed(1)}" x2="${X(t).toFixed(1)}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#333"/>`);
        body.push(`<text x="${X(t).toFixed(1)}" y="${M.top + ph + 17}" ${FONT} font-size="11" text-anchor="middle">${fmt(t)}</text>`);
    }
    body.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
    body.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
    body.push(`<text x="${M.left + pw / 2}" y="${h - 10}" ${FONT} font-size="12" text-anchor="middle">${escapeXml(c.xLabel)}</text>`);
    body.push(`<text x="14" y="${M.top + ph / 2}" ${FONT} font-size="12" text-anchor="middle" transform="rotate(-90 14 ${M.top + ph / 2})">${escapeXml(c.yLabel)}</text>`);
    for (const s of c.series) {
        if (s.dots) {
            for (const [x, y] of s.points) body.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
        } else if (s.points.length) {
            const d = s.points.map(([x, y], i) => `${i ? "L" : "M"}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join("");
            body.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
        }
    }
    (c.markers ?? []).forEach((m, i) => {
        const x = X(m.x).toFixed(1);
        body.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + ph}" stroke="${m.color}" stroke-width="1.5" stroke-dasharray="5,3"/>`);
        // Labels step down so that close markers do not overwrite each other; near the right edge they end at their line.
        const right = Number(x) > M.left + pw * 0.7;
        body.push(`<text x="${(Number(x) + (right ? -4 : 4)).toFixed(1)}" y="${M.top + 12 + i * 13}" ${FONT} font-size="11" fill="${m.color}"${right ? ' text-anchor="end"' : ""}>${escapeXml(m.label)}</text>`);
    });
    body.push(...legend(c.series, M.left, M.top - 10));
    return frame(c.title, c.subtitle, w, h, body);
}

/** A grouped bar chart: one cluster per group, one bar per series, values printed on top. */
export function barChart(c: BarChart): string {
    const w = c.width ?? Math.max(760, 90 + c.groups.length * (c.series.length * 26 + 30));
    const h = c.height ?? 380;
    const pw = w - M.left - M.right;
    const ph = h - M.top - M.bottom;
    const vals = c.groups.flatMap((g) => g.values).filter((v) => Number.isFinite(v));
    const y1 = Math.max(1e-9, ...vals) * 1.12;
    const Y = (y: number) => M.top + ph - (y / y1) * ph;
    const slot = pw / Math.max(1, c.groups.length);
    const barW = Math.min(40, (slot * 0.8) / Math.max(1, c.series.length));
    const body: string[] = [];
    for (const t of ticks(0, y1)) {
        if (t > y1) continue;
        body.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" stroke="#e4e4e4"/>`);
        body.push(`<text x="${M.left - 6}" y="${(Y(t) + 4).toFixed(1)}" ${FONT} font-size="11" text-anchor="end">${fmt(t)}</text>`);
    }
    c.groups.forEach((g, gi) => {
        const left = M.left + gi * slot + (slot - barW * c.series.length) / 2;
        g.values.forEach((v, si) => {
            if (!Number.isFinite(v)) return;
            const x = left + si * barW;
            body.push(`<rect x="${x.toFixed(1)}" y="${Y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(M.top + ph - Y(v)).toFixed(1)}" fill="${c.series[si]?.color ?? "#888"}"/>`);
            body.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(Y(v) - 3).toFixed(1)}" ${FONT} font-size="10" text-anchor="middle">${v.toFixed(c.decimals ?? 1)}</text>`);
        });
        body.push(`<text x="${(M.left + gi * slot + slot / 2).toFixed(1)}" y="${M.top + ph + 17}" ${FONT} font-size="11" text-anchor="middle">${escapeXml(g.label)}</text>`);
    });
    body.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
    body.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
    body.push(`<text x="14" y="${M.top + ph / 2}" ${FONT} font-size="12" text-anchor="middle" transform="rotate(-90 14 ${M.top + ph / 2})">${escapeXml(c.yLabel)}</text>`);
    body.push(...legend(c.series, M.left, M.top - 10));
    return frame(c.title, c.subtitle, w, h, body);
}

/** bench/results/ in the repository (not dist/): what the README links to. */
export const RESULTS_DIR = path.resolve(__dirname, "../../bench/results");

/** Writes `name` under bench/results/ and returns its path. */
export function writeResult(name: string, text: string): string {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, name);
    fs.writeFileSync(file, text);
    return file;
}
