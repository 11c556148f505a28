/** What every benchmark shares: the machine it ran on, its load, and its JSON lines under bench/results/. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ok as isOk, RequestRecord } from "../lab/load";
import { RESULTS_DIR } from "./svg";

/** Cores (with their model) and memory: the part of the machine every benchmark's label names. */
export const hardware = (): string => `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown CPU"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`;

/** The machine the published figures come from (the lab's hosts are containers on it). */
export const MACHINE = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${debianRelease()}, nspawn lab`;

function debianRelease(): string {
    try {
        const v = fs.readFileSync("/etc/debian_version", "utf8").trim();
        return `Debian ${v.split(".")[0]}`;
    } catch {
        return os.type();
    }
}

/** The 1-minute load average now: the machine is shared, so every figure carries it. */
export const load1 = (): number => Math.round(os.loadavg()[0] * 100) / 100;

/** A benchmark's JSON lines: printed as they come and written to bench/results/<name>.jsonl (replaced per run). */
export class Results<T extends object> {
    readonly rows: (T & { loadavg: number })[] = [];
    readonly file: string;
    constructor(name: string) {
        fs.mkdirSync(RESULTS_DIR, { recursive: true });
        this.file = path.join(RESULTS_DIR, `${name}.jsonl`);
        fs.writeFileSync(this.file, "");
    }
    add(row: T): T & { loadavg: number } {
        const full = { ...row, loadavg: load1() };
        this.rows.push(full);
        const line = JSON.stringify(full);
        console.log(line);
        fs.appendFileSync(this.file, line + "\n");
        return full;
    }
}

/** The machine's CPU time so far, from /proc/stat's first line: all and idle (idle + iowait), in ticks. */
export function cpuTimes(stat = fs.readFileSync("/proc/stat", "utf8")): { total: number; idle: number } {
    const f = /^cpu\s+([\d\s]+)/.exec(stat);
    if (!f) throw new Error("/proc/stat has no cpu line");
    const v = f[1].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
    return { total: v.slice(0, 8).reduce((a, b) => a + b, 0), idle: v[3] + (v[4] ?? 0) };
}

/** Share of the machine's CPU time that was busy between two `cpuTimes` readings (0–1, two decimals). */
export function busyShare(a: { total: number; idle: number }, b: { total: number; idle: number }): number {
    const total = b.total - a.total;
    if (total <= 0) return NaN;
    return Math.round((1 - (b.idle - a.idle) / total) * 100) / 100;
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    if (s.length === 0) return NaN;
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * VRRP's Master_Down_Interval (RFC 5798): how long a BACKUP of `priority` waits without adverts
 * before it takes over, 3 × advert_int + skew, skew = (256 − priority) / 256 × advert_int. The
 * floor of a failover after the MASTER dies.
 */
export function masterDownInterval(advertInt: number, priority: number): number {
    return Math.round((3 + (256 - priority) / 256) * advertInt * 1000) / 1000;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Requests over time for a timeline chart: per `bucketS` slice of start times (seconds since
 * `t0`), successful and failed requests as rates (requests/s), failures only where there were some.
 */
export function requestTimeline(records: RequestRecord[], t0: number, bucketS = 0.1): { ok: [number, number][]; failed: [number, number][] } {
    const okCount = new Map<number, number>();
    const failCount = new Map<number, number>();
    for (const r of records) {
        const b = Math.floor((r.start - t0) / bucketS);
        const m = isOk(r) ? okCount : failCount;
        m.set(b, (m.get(b) ?? 0) + 1);
    }
    const keys = [...new Set([...okCount.keys(), ...failCount.keys()])].sort((a, b) => a - b);
    if (keys.length === 0) return { ok: [], failed: [] };
    const ok: [number, number][] = [];
    for (let b = keys[0]; b <= keys[keys.length - 1]; b++) ok.push([round2(b * bucketS), (okCount.get(b) ?? 0) / bucketS]);
    const failed = keys.filter((b) => failCount.has(b)).map((b) => [round2(b * bucketS), failCount.get(b)! / bucketS] as [number, number]);
    return { ok, failed };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
