/**
 * keepalived's own extension points on a KeepalivedPair: user track scripts, track files and
 * processes, sync groups, GARP timing, `preempt_delay`. Checked and defaulted here, every problem
 * at once with its arg path; refused where the version the host will run lacks them (naming it).
 * PURE: no resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../defaults";
import { oldestVersions, OsChoice, versionAtLeast } from "../os";
import { ArgumentError, checkInteger, checkName, checkPositive } from "../validate";
import { ArgPath, Checks, pathText, whenKnown } from "./problems";

/** A user `vrrp_script`: exactly one of `command` and `script`. */
export interface VrrpTrackScriptArgs {
    /** Unique among `trackScripts`; rendered `vrrp_script track_<name>`. */
    name: string;
    /**
     * An absolute command with plain arguments (`/usr/bin/test -f /run/app/ok`); keepalived splits it
     * on spaces, no shell. Its program must not be writable by non-root users (enable_script_security).
     */
    command?: string;
    /**
     * A whole script (`#!` first), shipped as the root-owned 0700 file
     * `/etc/keepalived/haproxy-ha-track-<name>` on stdin. It may hold tokens: a secret, never logged.
     */
    script?: pulumi.Input<string>;
    /** Seconds between runs. Default 2. */
    intervalS?: number;
    /** Seconds before a run counts as failed. Default: keepalived's (the interval). */
    timeoutS?: number;
    /**
     * -253–253. Unset or 0: a failing script puts the instances that track it in FAULT (the VIPs
     * leave the node). Negative: a failing script lowers their priority by that much; positive:
     * a succeeding one raises it. Not on a sync group member (keepalived ignores it there).
     */
    weight?: number;
    /** Failures before it counts as failed. Default 2. */
    fall?: number;
    /** Successes before it counts as OK again. Default 2. */
    rise?: number;
    /** Names of the instances that track it. Default: every instance. */
    instances?: string[];
}

/** A `vrrp_track_file`: the number in the file, times `weight`, is added to the priority (keepalived ≥ 2.0.0). */
export interface VrrpTrackFileArgs {
    /** Unique among `trackFiles`; rendered `vrrp_track_file file_<name>`. */
    name: string;
    /** Absolute path of the file (letters, digits, `._-/`), written by whatever decides the priority. */
    path: string;
    /** -254–254. 0: any non-zero number puts the instances in FAULT. Default 1; must be 0 on a sync group member. */
    weight?: number;
    /** keepalived creates the file with this number (-254–254) when it is missing at start. Default: it is not created (a missing file counts as 0). */
    initValue?: number;
    /** Names of the instances that track it. Default: every instance. */
    instances?: string[];
}

/** A `vrrp_track_process`: a process that must be running (keepalived ≥ 2.0.11). */
export interface VrrpTrackProcessArgs {
    /** Unique among `trackProcesses`; rendered `vrrp_track_process proc_<name>`. */
    name: string;
    /** The process name as in /proc/PID/comm (at most 15 characters, e.g. `haproxy`). */
    process: string;
    /** -254–254. 0: too few processes puts the instances in FAULT; negative: lowers the priority. Default 0. */
    weight?: number;
    /** Processes needed, 1–1000. Default 1. */
    quorum?: number;
    /** Seconds a change must last before it counts (a restart, a reload), above 0 and at most 60. Default none. */
    delayS?: number;
    /** Names of the instances that track it. Default: every instance. */
    instances?: string[];
}

/** Instances that move together (`vrrp_sync_group`): when one leaves MASTER, all do. */
export interface VrrpSyncGroupArgs {
    /** Unique among `syncGroups`; rendered `vrrp_sync_group SG_<name>`. */
    name: string;
    /** Two or more instance names; an instance is in at most one group. */
    instances: string[];
}

/** Gratuitous ARPs a new MASTER sends (keepalived's defaults: 5 at once, 5 more after 5 s, no refresh). */
export interface VrrpGarpArgs {
    /** Seconds after becoming MASTER before the second burst, 1–3600 (`garp_master_delay`). */
    masterDelayS?: number;
    /** Gratuitous ARPs per burst, 1–100 (`garp_master_repeat`). */
    masterRepeat?: number;
    /** Seconds between repeated bursts while MASTER, 1–3600 (`garp_master_refresh`); same as the pair's `garpMasterRefreshS`. */
    masterRefreshS?: number;
    /** Gratuitous ARPs per refresh, 1–100 (`garp_master_refresh_repeat`). */
    masterRefreshRepeat?: number;
}

/** track_file appeared in keepalived 2.0.0 and track_process in 2.0.11 (keepalived's ChangeLog and vrrp_parser.c). */
export const KEEPALIVED_TRACK_FILE_SINCE = "2.0.0";
export const KEEPALIVED_TRACK_PROCESS_SINCE = "2.0.11";

export const trackScriptPath = (name: string) => `/etc/keepalived/haproxy-ha-track-${name}`;

export interface TrackScriptPlan {
    /** Where the user wrote it. */
    path: ArgPath;
    renderedName: string;
    /** What keepalived runs: the user's command, or the shipped script's path. */
    command: string;
    /** The shipped script: its path and (secret) content. */
    file?: { path: string; content: pulumi.Input<string> };
    intervalS: number;
    timeoutS?: number;
    weight?: number;
    fall: number;
    rise: number;
    /** Instance names that track it. */
    instances: string[];
}

export interface TrackFilePlan {
    /** Where the user wrote it. */
    path: ArgPath;
    renderedName: string;
    file: string;
    weight: number;
    initValue?: number;
    instances: string[];
}

export interface TrackProcessPlan {
    /** Where the user wrote it. */
    path: ArgPath;
    renderedName: string;
    process: string;
    weight: number;
    quorum: number;
    delayS?: number;
    instances: string[];
}

export interface GarpPlan {
    masterDelayS?: number;
    masterRepeat?: number;
    masterRefreshRepeat?: number;
}

export interface KeepalivedHooksPlan {
    trackScripts: TrackScriptPlan[];
    trackFiles: TrackFilePlan[];
    trackProcesses: TrackProcessPlan[];
    syncGroups: { renderedName: string; instances: string[] }[];
    garp: GarpPlan;
    /** `garp.masterRefreshS`, when set there (the pair's `garpMasterRefreshS` is the other spelling). */
    garpRefreshS?: number;
}

/** What the hooks need of the pair's args (KeepalivedPairArgs's members, kept loose: the args are user input). */
export interface HooksArgs {
    trackScripts?: VrrpTrackScriptArgs[];
    trackFiles?: VrrpTrackFileArgs[];
    trackProcesses?: VrrpTrackProcessArgs[];
    syncGroups?: VrrpSyncGroupArgs[];
    garp?: VrrpGarpArgs;
    garpMasterRefreshS?: number;
    instances?: unknown;
    gatewayCheck?: unknown;
}

/** An instance's `preempt_delay`: only where the node preempts (keepalived ignores it with nopreempt). */
export function preemptDelay(c: Checks, path: ArgPath, value: unknown, nopreempt: boolean): number | undefined {
    if (value === undefined) return undefined;
    const at = [...path, "preemptDelayS"];
    const s = c.at(at, (f) => checkInteger(c.where, f, value, 1, 1000));
    if (s !== undefined && nopreempt) c.add(at, `has no effect with \`${pathText([...path, "nopreempt"])}\` (a node that does not preempt has nothing to delay)`, s);
    return s;
}

// keepalived's parser ends a word at a space and a comment at `#` or `!`, even inside quotes.
const COMMAND_RE = /^\/[A-Za-z0-9._+/-]*[A-Za-z0-9._+-]( [A-Za-z0-9._+/=:,@%-]+)*$/;
const PATH_RE = /^\/[A-Za-z0-9._/-]+$/;
const PROCESS_RE = /^[A-Za-z0-9._+@:-]{1,15}$/;

function checkCommand(where: string, field: string, value: unknown): string {
    if (typeof value !== "string" || value.length > 512 || !COMMAND_RE.test(value)) {
        throw new ArgumentError(where, field, "must be an absolute program path with plain arguments separated by single spaces (letters, digits, `._+/=:,@%-`; no quotes, `#`, `!` or shell syntax: use `script` for more)", value);
    }
    return value;
}

function checkFilePath(where: string, field: string, value: unknown): string {
    if (typeof value !== "string" || value.length > 256 || !PATH_RE.test(value) || value.split("/").includes("..")) {
        throw new ArgumentError(where, field, "must be an absolute path of letters, digits, `._-/` without `..`", value);
    }
    return value;
}

/** A whole script (`#!` first); its text is never echoed in an error. */
function checkScript(where: string, field: string, value: unknown): void {
    if (typeof value !== "string" || !value.startsWith("#!") || value.includes("\0")) {
        throw new ArgumentError(where, field, "must be a whole script starting with `#!` (no NUL bytes)", "<hidden>");
    }
}

function list<T>(c: Checks, key: string, value: T[] | undefined): T[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
        c.add([key], "must be a list", value);
        return [];
    }
    return value;
}

/** The entry's name, checked and unique in its list. */
function names(c: Checks, key: string, entries: { name?: unknown }[]): (string | undefined)[] {
    const seen = new Set<string>();
    return entries.map((e, i) => {
        if (typeof e !== "object" || e === null) {
            c.add([key, i], "must be an object with `name`", e);
            return undefined;
        }
        const name = c.at([key, i, "name"], (f) => checkName(c.where, f, e.name));
        if (name !== undefined && seen.has(name)) c.add([key, i, "name"], "must be unique", name);
        if (name !== undefined) seen.add(name);
        return name;
    });
}

/** The instances an entry names (checked against the pair's), or every instance. */
function tracked(c: Checks, path: ArgPath, value: unknown, instanceNames: string[]): string[] {
    if (value === undefined) return instanceNames;
    if (!Array.isArray(value) || value.length === 0) {
        c.add(path, "must list at least one instance name", value);
        return [];
    }
    value.forEach((n, j) => {
        if (!instanceNames.includes(n)) c.add([...path, j], `is not an instance; instances are: ${instanceNames.join(", ")}`, n);
    });
    return value.filter((n) => instanceNames.includes(n));
}

function optionalInteger(c: Checks, path: ArgPath, value: unknown, min: number, max: number): number | undefined {
    return value === undefined ? undefined : c.at(path, (f) => checkInteger(c.where, f, value, min, max));
}

function needsVersion(c: Checks, path: ArgPath, what: string, since: string, os: OsChoice, value: unknown): void {
    const keepalived = oldestVersions(os).keepalived;
    if (!versionAtLeast(keepalived, since)) c.add(path, `needs keepalived ≥ ${since} (${what}); ${os} has ${keepalived}`, value);
}

/**
 * The hooks' plan. `instanceNames` are the pair's instances (the shorthand's one is the pair's
 * name); `renderedOf` maps a name to its `vrrp_instance` name.
 */
export function normalizeKeepalivedHooks(c: Checks, os: OsChoice, args: HooksArgs, instanceNames: string[], renderedOf: (name: string) => string): KeepalivedHooksPlan {
    const scriptsIn = list(c, "trackScripts", args.trackScripts);
    const scriptNames = names(c, "trackScripts", scriptsIn);
    const trackScripts = scriptsIn.flatMap((raw, i): TrackScriptPlan[] => {
        const name = scriptNames[i];
        if (name === undefined) return [];
        const p = (...rest: (string | number)[]): ArgPath => ["trackScripts", i, ...rest];
        const timing = {
            intervalS: c.at(p("intervalS"), (f) => checkInteger(c.where, f, raw.intervalS ?? DEFAULTS.keepalivedPair.trackScript.intervalS, 1, 3600)) ?? 1,
            fall: c.at(p("fall"), (f) => checkInteger(c.where, f, raw.fall ?? DEFAULTS.keepalivedPair.trackScript.fall, 1, 100)) ?? 1,
            rise: c.at(p("rise"), (f) => checkInteger(c.where, f, raw.rise ?? DEFAULTS.keepalivedPair.trackScript.rise, 1, 100)) ?? 1,
        };
        const timeoutS = optionalInteger(c, p("timeoutS"), raw.timeoutS, 1, 3600);
        const weight = optionalInteger(c, p("weight"), raw.weight, -253, 253);
        const instances = tracked(c, p("instances"), raw.instances, instanceNames);
        const plan = { path: p(), renderedName: `track_${name}`, ...timing, timeoutS, weight: weight || undefined, instances };
        if ((raw.command === undefined) === (raw.script === undefined)) {
            c.add(p(), "needs exactly one of `command` and `script`", raw.script === undefined ? undefined : "<hidden>");
            return [];
        }
        if (raw.command !== undefined) {
            const command = c.at(p("command"), (f) => checkCommand(c.where, f, raw.command));
            return command === undefined ? [] : [{ ...plan, command }];
        }
        const path = trackScriptPath(name);
        const content = whenKnown(c, p("script"), raw.script as pulumi.Input<string>, (f, v) => checkScript(c.where, f, v));
        return [{ ...plan, command: path, file: { path, content } }];
    });

    const filesIn = list(c, "trackFiles", args.trackFiles);
    const fileNames = names(c, "trackFiles", filesIn);
    const trackFiles = filesIn.flatMap((raw, i): TrackFilePlan[] => {
        const name = fileNames[i];
        if (name === undefined) return [];
        const p = (...rest: (string | number)[]): ArgPath => ["trackFiles", i, ...rest];
        needsVersion(c, p(), "vrrp_track_file", KEEPALIVED_TRACK_FILE_SINCE, os, name);
        const path = c.at(p("path"), (f) => checkFilePath(c.where, f, raw.path));
        const weight = c.at(p("weight"), (f) => checkInteger(c.where, f, raw.weight ?? 1, -254, 254)) ?? 1;
        const initValue = optionalInteger(c, p("initValue"), raw.initValue, -254, 254);
        const instances = tracked(c, p("instances"), raw.instances, instanceNames);
        return path === undefined ? [] : [{ path: p(), renderedName: `file_${name}`, file: path, weight, initValue, instances }];
    });

    const procsIn = list(c, "trackProcesses", args.trackProcesses);
    const procNames = names(c, "trackProcesses", procsIn);
    const trackProcesses = procsIn.flatMap((raw, i): TrackProcessPlan[] => {
        const name = procNames[i];
        if (name === undefined) return [];
        const p = (...rest: (string | number)[]): ArgPath => ["trackProcesses", i, ...rest];
        needsVersion(c, p(), "vrrp_track_process", KEEPALIVED_TRACK_PROCESS_SINCE, os, name);
        const process = c.at(p("process"), (f) => {
            if (typeof raw.process !== "string" || !PROCESS_RE.test(raw.process)) throw new ArgumentError(c.where, f, "must be a process name as in /proc/PID/comm (1–15 letters, digits, `._+@:-`)", raw.process);
            return raw.process;
        });
        const weight = c.at(p("weight"), (f) => checkInteger(c.where, f, raw.weight ?? 0, -254, 254)) ?? 0;
        const quorum = c.at(p("quorum"), (f) => checkInteger(c.where, f, raw.quorum ?? 1, 1, 1000)) ?? 1;
        let delayS: number | undefined;
        if (raw.delayS !== undefined) {
            delayS = c.at(p("delayS"), (f) => checkPositive(c.where, f, raw.delayS));
            if (delayS !== undefined && delayS > 60) c.add(p("delayS"), "must be at most 60 seconds", delayS);
        }
        const instances = tracked(c, p("instances"), raw.instances, instanceNames);
        return process === undefined ? [] : [{ path: p(), renderedName: `proc_${name}`, process, weight, quorum, delayS, instances }];
    });

    const groupsIn = list(c, "syncGroups", args.syncGroups);
    if (groupsIn.length > 0 && args.instances === undefined) c.add(["syncGroups"], "needs `instances` (a group moves two or more of them together)", groupsIn.map((g) => g?.name));
    const groupNames = names(c, "syncGroups", groupsIn);
    const grouped = new Map<string, number>();
    const syncGroups = groupsIn.flatMap((raw, i) => {
        const name = groupNames[i];
        if (name === undefined || args.instances === undefined) return [];
        const p: ArgPath = ["syncGroups", i, "instances"];
        if (!Array.isArray(raw.instances) || raw.instances.length < 2) {
            c.add(p, "must list at least two instance names", raw.instances);
            return [];
        }
        const members = tracked(c, p, raw.instances, instanceNames);
        // Members that start on different nodes would pull each other back and forth.
        const masterOf = (n: string) => (args.instances as { name?: unknown; master?: unknown }[]).find((x) => x?.name === n)?.master;
        const differs = members.findIndex((n) => masterOf(n) !== masterOf(members[0]));
        if (differs > 0) {
            c.add([...p, raw.instances.indexOf(members[differs])], `must have the same \`master\` as "${members[0]}" (${String(masterOf(members[0]))}): a group moves together`, members[differs]);
        }
        raw.instances.forEach((n, j) => {
            const other = grouped.get(n);
            if (other !== undefined && instanceNames.includes(n)) c.add([...p, j], `is already in \`syncGroups[${other}]\` (an instance is in at most one group)`, n);
            grouped.set(n, i);
        });
        return [{ renderedName: `SG_${name}`, instances: members.map(renderedOf) }];
    });
    // keepalived ignores a weighted tracker on a sync group member (see keepalived.conf(5), vrrp_sync_group).
    if (grouped.size > 0) {
        for (const e of [...trackScripts, ...trackFiles, ...trackProcesses]) {
            const member = e.instances.find((n) => grouped.has(n));
            if (e.weight && member !== undefined) {
                c.add([...e.path, "weight"], `must be 0 or unset: instance "${member}" of a sync group tracks it, and keepalived ignores weights there (a failure must send the whole group to FAULT)`, e.weight);
            }
        }
        if (args.gatewayCheck !== undefined) c.add(["gatewayCheck"], "is a weighted check, which keepalived ignores on sync group members: not with `syncGroups`", "<set>");
    }

    const g = args.garp ?? {};
    if (typeof g !== "object" || g === null) c.add(["garp"], "must be an object with any of `masterDelayS`, `masterRepeat`, `masterRefreshS`, `masterRefreshRepeat`", g);
    const garp: GarpPlan = {
        masterDelayS: optionalInteger(c, ["garp", "masterDelayS"], g.masterDelayS, 1, 3600),
        masterRepeat: optionalInteger(c, ["garp", "masterRepeat"], g.masterRepeat, 1, 100),
        masterRefreshRepeat: optionalInteger(c, ["garp", "masterRefreshRepeat"], g.masterRefreshRepeat, 1, 100),
    };
    const garpRefreshS = optionalInteger(c, ["garp", "masterRefreshS"], g.masterRefreshS, 1, 3600);
    if (g.masterRefreshS !== undefined && args.garpMasterRefreshS !== undefined) {
        c.add(["garp", "masterRefreshS"], "is `garpMasterRefreshS` spelled another way: set only one", g.masterRefreshS);
    }
    if (garp.masterRefreshRepeat !== undefined && garpRefreshS === undefined && args.garpMasterRefreshS === undefined) {
        c.add(["garp", "masterRefreshRepeat"], "needs `garp.masterRefreshS` (there is no refresh to repeat)", garp.masterRefreshRepeat);
    }
    return { trackScripts, trackFiles, trackProcesses, syncGroups, garp, garpRefreshS };
}
