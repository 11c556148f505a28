/**
 * Where a `pulumi up` spends its time, from the engine's events (`pulumi up --json` streams them;
 * this engine has no `--event-log`) stamped as they arrive (their own timestamps are whole seconds) and from a Node CPU profile of the
 * program. PURE: stamped events and profiles in, figures out.
 */

/** One event-log line and when this process read it (ms since the run started). */
export interface StampedEvent {
    at_ms: number;
    event: Record<string, unknown>;
}

interface Metadata {
    urn?: string;
    type?: string;
    op?: string;
}

/**
 * Split the text read so far into complete top-level JSON objects (one per line or indented over
 * several, as `pulumi up --json` streams engine events), keeping an unfinished object for the next read.
 */
export function splitEvents(buffer: string, at_ms: number): { events: StampedEvent[]; rest: string } {
    const events: StampedEvent[] = [];
    let depth = 0;
    let inString = false;
    let escaped = false;
    let start = -1;
    let consumed = 0;
    for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i];
        if (inString) {
            if (escaped) escaped = false;
            else if (c === "\\") escaped = true;
            else if (c === '"') inString = false;
            continue;
        }
        if (c === '"' && depth > 0) inString = true;
        else if (c === "{") {
            if (depth === 0) start = i;
            depth++;
        } else if (c === "}" && depth > 0) {
            depth--;
            if (depth === 0) {
                events.push({ at_ms, event: JSON.parse(buffer.slice(start, i + 1)) as Record<string, unknown> });
                consumed = i + 1;
            }
        }
    }
    return { events, rest: depth > 0 ? buffer.slice(start) : buffer.slice(consumed).replace(/^[^{]*$/, "") };
}

export interface StepTiming {
    urn: string;
    type: string;
    op: string;
    /** From the engine's pre-event to its outputs event (ms, stamped on arrival). */
    ms: number;
    start_ms: number;
}

const meta = (e: Record<string, unknown>, key: string): Metadata | undefined => ((e[key] as { metadata?: Metadata } | undefined)?.metadata);

/** Each resource step the engine ran: pre-event to outputs event. */
export function stepTimings(events: StampedEvent[]): StepTiming[] {
    const started = new Map<string, { at: number; type: string; op: string }>();
    const out: StepTiming[] = [];
    for (const { at_ms, event } of events) {
        const pre = meta(event, "resourcePreEvent");
        if (pre?.urn) started.set(pre.urn, { at: at_ms, type: pre.type ?? "", op: pre.op ?? "" });
        const done = meta(event, "resOutputsEvent");
        if (done?.urn && started.has(done.urn)) {
            const s = started.get(done.urn)!;
            out.push({ urn: done.urn, type: s.type, op: s.op, ms: at_ms - s.at, start_ms: s.at });
            started.delete(done.urn);
        }
    }
    return out;
}

export interface RunSplit {
    total_s: number;
    /** Spawn to the first resource event: engine start, language host, program start, plugin loads. */
    startup_s: number;
    /** First to last resource event: the program registering and the steps running. */
    resources_s: number;
    /** Last resource event to exit: the program's end, plugin shutdown, the checkpoint. */
    shutdown_s: number;
    /** Steps with an operation other than `same`, by type and op: count and summed seconds. */
    steps: Record<string, { count: number; sum_s: number }>;
    /** Commands that ran (create/update/replace/delete of command:remote:Command). */
    commands_run: number;
    /** Summed seconds of those commands (they overlap: this is work, not wall). */
    commands_sum_s: number;
    /** Per component and step (`WebBackend packages`, `HaproxyNode config`…): count, summed and longest seconds. */
    by_step: Record<string, { count: number; sum_s: number; max_s: number }>;
}

const COMMAND = "command:remote:Command";
const RUN_OPS = new Set(["create", "update", "replace", "create-replacement", "delete", "delete-replaced"]);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const STEPS = new Set(["acme-responder", "config", "firewall", "logging", "maps", "packages", "page", "runtime-dir", "selinux", "server-states", "service", "site", "sysctl", "sysctl-ipv6", "notify", "vrid-check"]);

/**
 * The step name of a Command's URN, its component's name taken off: `...::web3-packages` →
 * `packages`, `...::pair-lb1-config` → `config` (names may hold dashes: the longest known step wins).
 */
export function stepName(urn: string): string {
    const parts = urn.slice(urn.lastIndexOf("::") + 2).split("-");
    for (let i = 1; i < parts.length; i++) {
        const rest = parts.slice(i).join("-");
        if (STEPS.has(rest) || /^(hook|track)-/.test(rest)) return rest;
    }
    return parts[parts.length - 1];
}

/** The component a Command belongs to, from its URN's type chain: `WebBackend`, `HaproxyNode`, `KeepalivedPair`. */
export function componentOf(urn: string): string {
    return /:([A-Za-z0-9]+)\$command:remote:Command::/.exec(urn)?.[1] ?? "?";
}

export function runSplit(events: StampedEvent[], total_ms: number): RunSplit {
    const timings = stepTimings(events);
    const resourceEvents = events.filter((e) => meta(e.event, "resourcePreEvent") || meta(e.event, "resOutputsEvent"));
    const first = resourceEvents.length ? resourceEvents[0].at_ms : total_ms;
    const last = resourceEvents.length ? resourceEvents[resourceEvents.length - 1].at_ms : total_ms;
    const steps: RunSplit["steps"] = {};
    const byStep: RunSplit["by_step"] = {};
    let commands = 0;
    let commandMs = 0;
    for (const t of timings) {
        if (t.op === "same" || t.op === "read") continue;
        const key = `${t.type} ${t.op}`;
        steps[key] ??= { count: 0, sum_s: 0 };
        steps[key].count++;
        steps[key].sum_s = round(steps[key].sum_s + t.ms / 1000);
        if (t.type === COMMAND && RUN_OPS.has(t.op)) {
            commands++;
            commandMs += t.ms;
            const s = `${componentOf(t.urn)} ${stepName(t.urn)}`;
            byStep[s] ??= { count: 0, sum_s: 0, max_s: 0 };
            byStep[s].count++;
            byStep[s].sum_s = round(byStep[s].sum_s + t.ms / 1000);
            byStep[s].max_s = Math.max(byStep[s].max_s, round(t.ms / 1000));
        }
    }
    return {
        total_s: round(total_ms / 1000),
        startup_s: round(first / 1000),
        resources_s: round((last - first) / 1000),
        shutdown_s: round((total_ms - last) / 1000),
        steps,
        commands_run: commands,
        commands_sum_s: round(commandMs / 1000),
        by_step: byStep,
    };
}

/** A V8 `.cpuprofile` (what `node --cpu-prof` writes). */
export interface CpuProfile {
    nodes: { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }[];
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
}

/** Where a script's self time is counted: which package or part of the process. */
export function category(url: string, functionName: string): string {
    if (!url) return functionName === "(idle)" ? "idle (waiting: gRPC, timers)" : functionName === "(garbage collector)" ? "garbage collector" : "V8/native";
    if (url.startsWith("node:")) return "node internals (module loading, streams)";
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (nm) return nm[1] === "typescript" || url.includes("typescript-shim") ? "typescript (schema inference)" : nm[1];
    if (/\/dist\/components\//.test(url)) return "haproxy-ha components";
    return "haproxy-ha program";
}

/** Self time per category (seconds) and the process's lifetime in the profile. */
export function profileSplit(p: CpuProfile): { wall_s: number; busy_s: number; by: Record<string, number> } {
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const by: Record<string, number> = {};
    let busy = 0;
    p.samples.forEach((id, i) => {
        const n = byId.get(id);
        const us = p.timeDeltas[i] ?? 0;
        const c = n ? category(n.callFrame.url, n.callFrame.functionName) : "unknown";
        by[c] = (by[c] ?? 0) + us;
        if (!c.startsWith("idle")) busy += us;
    });
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(by).sort((a, b) => b[1] - a[1])) out[k] = round(v / 1e6, 2);
    return { wall_s: round((p.endTime - p.startTime) / 1e6, 2), busy_s: round(busy / 1e6, 2), by: out };
}
