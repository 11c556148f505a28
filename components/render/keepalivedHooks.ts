/**
 * keepalived.conf's extension blocks: track files and processes, sync groups, and the per-instance
 * lines that use them (with GARP timing and preempt_delay). PURE and deterministic; only what the
 * plan allowed for the host's version (track_file ≥ 2.0.0, track_process ≥ 2.0.11).
 */

export interface TrackFileSpec {
    name: string;
    file: string;
    weight: number;
    initValue?: number;
}

export interface TrackProcessSpec {
    name: string;
    process: string;
    weight: number;
    quorum: number;
    delayS?: number;
}

export interface SyncGroupSpec {
    name: string;
    /** Rendered `vrrp_instance` names. */
    instances: string[];
}

/** What an instance adds to its block; all optional, so an instance without them renders as before. */
export interface InstanceHooksSpec {
    preemptDelayS?: number;
    garp?: { masterDelayS?: number; masterRepeat?: number; masterRefreshRepeat?: number };
    /** Names of the track files / processes this instance tracks. */
    trackFiles?: string[];
    trackProcesses?: string[];
}

export interface ConfigHooksSpec {
    trackFiles?: TrackFileSpec[];
    trackProcesses?: TrackProcessSpec[];
    syncGroups?: SyncGroupSpec[];
}

/** Top-level blocks before the instances (a sync group names instances defined after it, as keepalived's docs order them). */
export function renderHookSections(spec: ConfigHooksSpec): string[] {
    const lines: string[] = [];
    for (const f of spec.trackFiles ?? []) {
        lines.push(`vrrp_track_file ${f.name} {`, `    file "${f.file}"`, `    weight ${f.weight}`);
        if (f.initValue !== undefined) lines.push(`    init_file ${f.initValue}`);
        lines.push("}", "");
    }
    for (const p of spec.trackProcesses ?? []) {
        lines.push(`vrrp_track_process ${p.name} {`, `    process ${p.process}`, `    weight ${p.weight}`, `    quorum ${p.quorum}`);
        if (p.delayS !== undefined) lines.push(`    delay ${p.delayS}`);
        lines.push("}", "");
    }
    for (const g of spec.syncGroups ?? []) {
        lines.push(`vrrp_sync_group ${g.name} {`, "    group {", ...g.instances.map((i) => `        ${i}`), "    }", "}", "");
    }
    return lines;
}

/** Lines inside a `vrrp_instance` block (before its closing brace). */
export function renderInstanceHooks(spec: InstanceHooksSpec): string[] {
    const lines: string[] = [];
    if (spec.preemptDelayS !== undefined) lines.push(`    preempt_delay ${spec.preemptDelayS}`);
    if (spec.garp?.masterDelayS !== undefined) lines.push(`    garp_master_delay ${spec.garp.masterDelayS}`);
    if (spec.garp?.masterRepeat !== undefined) lines.push(`    garp_master_repeat ${spec.garp.masterRepeat}`);
    if (spec.garp?.masterRefreshRepeat !== undefined) lines.push(`    garp_master_refresh_repeat ${spec.garp.masterRefreshRepeat}`);
    if (spec.trackFiles?.length) lines.push("    track_file {", ...spec.trackFiles.map((t) => `        ${t}`), "    }");
    if (spec.trackProcesses?.length) lines.push("    track_process {", ...spec.trackProcesses.map((t) => `        ${t}`), "    }");
    return lines;
}
