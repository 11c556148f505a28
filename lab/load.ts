/**
 * The benchmarks' load generator: vegeta (built by `scripts/tools.sh --bench`), run in the lab's
 * client host at a fixed rate, one record per request (start, latency, status or error).
 * See docs/benchmarks.md for why vegeta and why the client host.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { hosts, HOSTS_SH, onHost, REPO_ROOT, tail } from "./lab";

const TOOLS_BIN = path.join(process.env.HAPROXY_HA_TOOLS ?? "/var/cache/haproxy-ha/tools", "bin");
/** The load generator on this machine (results are decoded here) and in the client host. */
export const VEGETA = path.join(TOOLS_BIN, "vegeta");
const CLIENT_VEGETA = "/usr/local/bin/vegeta";
const WORK = "/var/tmp/haproxy-ha-load";

/** Builds vegeta if needed (cached) and copies it into the client host. */
export function installLoadGenerator(): void {
    const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts/tools.sh"), "--bench"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`scripts/tools.sh --bench failed:\n${tail(r.stdout + r.stderr, 30)}`);
    // A static binary on stdin: the client's root is an overlay in its own mount namespace.
    const copy = spawnSync("sh", ["-c", `bash "$1" exec client -- sh -c 'cat > ${CLIENT_VEGETA}.tmp && chmod 755 ${CLIENT_VEGETA}.tmp && mv ${CLIENT_VEGETA}.tmp ${CLIENT_VEGETA} && mkdir -p ${WORK}' < "$2"`, "sh", HOSTS_SH, VEGETA], {
        encoding: "utf8",
    });
    if (copy.status !== 0) throw new Error(`copying vegeta into the client failed: ${copy.stderr}`);
    // Without keep-alive every request leaves a TIME_WAIT port in the client: thousands per second
    // would exhaust the default range within seconds.
    const tune = onHost("client", "sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range='1024 65000'");
    if (tune.code !== 0) throw new Error(`tuning the client's ports failed: ${tune.stderr}`);
}

/** Copies a file's text (a CA certificate) into the client host. */
export function putOnClient(file: string, text: string): void {
    const r = hosts(["exec", "client", "--", "sh", "-c", `cat > ${file}`], { input: text });
    if (r.code !== 0) throw new Error(`writing ${file} in the client failed: ${r.stderr}`);
}

export interface AttackOptions {
    /** Requests per second, fixed; 0: as fast as `maxWorkers` concurrent requests go (a throughput run). */
    rate: number;
    /** vegeta's `-max-workers`: the bound on requests in flight (needed with rate 0). */
    maxWorkers?: number;
    /** Per-request timeout in ms (connect and answer). */
    timeoutMs: number;
    /** An upper bound on the attack's length; `stop()` usually ends it earlier. */
    maxDurationS?: number;
    /** Extra vegeta flags (e.g. `-root-certs`, `-connect-to`); fixed strings written by the benchmarks. */
    flags?: string[];
    /** vegeta's `-keepalive` (default true: a browser's persistent connections). */
    keepalive?: boolean;
    /** Attack name: the results file in the client. */
    name?: string;
}

/** One request: start (epoch s), latency (s), HTTP status (0 when none) and vegeta's error text. */
export interface RequestRecord {
    start: number;
    latency: number;
    code: number;
    error: string;
}

export interface Attack {
    /** Ends the attack (SIGINT: vegeta writes every result so far) and returns the records by start time. */
    stop(): Promise<RequestRecord[]>;
}

/** Starts vegeta in the client against `url` at a fixed rate. */
export function startAttack(url: string, opts: AttackOptions): Attack {
    const name = opts.name ?? "attack";
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`attack name ${JSON.stringify(name)}: use [a-z0-9-]`);
    const out = `${WORK}/${name}.gob`;
    const pid = `${WORK}/${name}.pid`;
    const args = [
        opts.rate > 0 ? `-rate=${opts.rate}/1s` : "-rate=0",
        ...(opts.maxWorkers ? [`-workers=${Math.min(opts.maxWorkers, opts.rate > 0 ? 10 : opts.maxWorkers)}`, `-max-workers=${opts.maxWorkers}`] : []),
        `-duration=${opts.maxDurationS ?? 120}s`,
        `-timeout=${opts.timeoutMs}ms`,
        `-keepalive=${opts.keepalive ?? true}`,
        // HTTP/1.1 over TLS too, so HTTP and HTTPS compare like for like; bodies are not kept.
        "-http2=false",
        "-max-body=0",
        "-redirects=-1",
        `-output=${out}`,
        ...(opts.flags ?? []),
    ];
    const script = `rm -f ${out}; echo 'GET ${url}' | ${CLIENT_VEGETA} attack ${args.join(" ")} & echo $! > ${pid}; wait $!`;
    const child = spawn("bash", [HOSTS_SH, "exec", "client", "--", "sh", "-c", script], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const done = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    return {
        async stop() {
            onHost("client", `kill -INT $(cat ${pid}) 2>/dev/null || true`);
            const code = await done;
            if (code !== 0 && code !== 130) throw new Error(`vegeta attack ${url} exited ${code}: ${stderr.trim()}`);
            return readResults(out);
        },
    };
}

/** Runs an attack for `durationS` seconds and returns its records. */
export async function attackFor(url: string, durationS: number, opts: AttackOptions): Promise<RequestRecord[]> {
    const a = startAttack(url, { ...opts, maxDurationS: durationS });
    await new Promise((r) => setTimeout(r, durationS * 1000 + 500));
    return a.stop();
}

/** Decodes the client's results file on this machine (vegeta encode --to csv). */
function readResults(file: string): RequestRecord[] {
    const r = spawnSync("sh", ["-c", `bash "$1" exec client -- cat ${file} | "$2" encode --to csv`, "sh", HOSTS_SH, VEGETA], { encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`decoding ${file} failed: ${r.stderr}`);
    const records: RequestRecord[] = [];
    for (const line of r.stdout.split("\n")) {
        if (!line) continue;
        // timestamp ns, code, latency ns, bytes out, bytes in, error, body, name, seq, method, url, headers
        const f = parseCsvLine(line);
        records.push({ start: Number(BigInt(f[0]) / 1000n) / 1e6, code: Number(f[1]), latency: Number(f[2]) / 1e9, error: f[5] ?? "" });
    }
    return records.sort((a, b) => a.start - b.start);
}

/** One RFC 4180 line (vegeta quotes a field with commas or quotes, such as an error text). */
export function parseCsvLine(line: string): string[] {
    const fields: string[] = [];
    let i = 0;
    for (;;) {
        if (line[i] === '"') {
            let v = "";
            i++;
            for (;;) {
                const q = line.indexOf('"', i);
                if (q < 0) throw new Error(`unterminated quoted field in ${line.slice(0, 200)}`);
                v += line.slice(i, q);
                if (line[q + 1] === '"') {
                    v += '"';
                    i = q + 2;
                } else {
                    i = q + 1;
                    break;
                }
            }
            fields.push(v);
        } else {
            const c = line.indexOf(",", i);
            fields.push(line.slice(i, c < 0 ? undefined : c));
            i = c < 0 ? line.length : c;
        }
        if (i >= line.length) return fields;
        i++; // the comma
    }
}

export const ok = (r: RequestRecord) => r.code >= 200 && r.code < 400 && !r.error;

export interface LoadSummary {
    rate_rps: number;
    total: number;
    failed: number;
    p50_ms: number;
    p99_ms: number;
}

/** Achieved rate (requests started per second), failures, and latency percentiles over every request. */
export function summarize(records: RequestRecord[]): LoadSummary {
    const span = records.length > 1 ? records[records.length - 1].start - records[0].start : 0;
    const lat = records.map((r) => r.latency).sort((a, b) => a - b);
    return {
        rate_rps: span > 0 ? Math.round((records.length - 1) / span) : 0,
        total: records.length,
        failed: records.filter((r) => !ok(r)).length,
        p50_ms: round(percentile(lat, 0.5) * 1000),
        p99_ms: round(percentile(lat, 0.99) * 1000),
    };
}

/** The failures' causes, most frequent first (for a benchmark's explanation, not its figures). */
export function errorKinds(records: RequestRecord[]): Record<string, number> {
    const kinds: Record<string, number> = {};
    for (const r of records.filter((x) => !ok(x))) {
        // Strip the address parts so that "connection refused" to each port counts as one kind.
        const kind = r.error ? r.error.replace(/^.*?: /, "").replace(/[\d.]+:\d+/g, "ADDR") : `HTTP ${r.code}`;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(kinds).sort((a, b) => b[1] - a[1]));
}

export function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return 0;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function round(x: number): number {
    return Math.round(x * 100) / 100;
}
