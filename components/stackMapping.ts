/**
 * Stack keys ↔ component args, declared as data. One table per component: each row says which
 * stack key path (after `haproxy-ha:`) feeds which arg path. `buildTopology` builds every
 * component's args from these rows, and an error a component raises at an arg path is shown under
 * the stack key the user typed by reading the same rows backwards. PURE: no Pulumi resources.
 *
 * Pattern segments: a name or index as is; `$self` the entry of the list the component comes from
 * (the balancer a HaproxyNode stands for); `$i` any entry, the same one on both sides; `**`
 * everything below, the same on both sides (only last).
 */
import { ArgPath, parsePath, pathText } from "./model/problems";

export type ComponentKind = "WebBackend" | "HaproxyNode" | "KeepalivedPair";
export type Segment = string | number;
export type Pattern = readonly Segment[];

/** What a value function sees: the whole decoded config, the entry the component stands for, the bound indices. */
export interface MappingContext<C> {
    cfg: C;
    self?: number;
    bound: Record<string, number>;
}

/** Which form of the config a row belongs to; a row of the other form neither builds nor translates. */
export type ConfigForm = "shorthand" | "collections" | "singleVip" | "instances";

export interface KeyMapping<C = any> {
    stack: Pattern;
    arg: Pattern;
    /** Only with these forms of the stack config (all of them). */
    when?: readonly ConfigForm[];
    /** The arg's value from the stack key's (default: as is); undefined leaves the arg unset. */
    value?: (v: any, ctx: MappingContext<C>) => unknown;
    /** A row that only names the stack key for errors at `arg` (the value is built by other rows). */
    errorsOnly?: boolean;
}

const applies = (row: KeyMapping, forms: ReadonlySet<ConfigForm>) => (row.when ?? []).every((f) => forms.has(f));
const isVar = (s: Segment): boolean => typeof s === "string" && s.startsWith("$");

function valueAt(value: unknown, path: ArgPath): unknown {
    let v = value;
    for (const p of path) {
        if (typeof v !== "object" || v === null) return undefined;
        v = (v as Record<PropertyKey, unknown>)[p];
    }
    return v;
}

function setAt(target: Record<PropertyKey, unknown>, path: ArgPath, value: unknown): void {
    let parent: Record<PropertyKey, unknown> = target;
    path.slice(0, -1).forEach((p, k) => {
        parent[p] ??= typeof path[k + 1] === "number" ? [] : {};
        parent = parent[p] as Record<PropertyKey, unknown>;
    });
    parent[path[path.length - 1]] = value;
}

/** Every concrete path `pattern` takes in `value`, with the indices it bound (`**` stops the walk). */
function expand(pattern: Pattern, value: unknown, bound: Record<string, number>): { path: Segment[]; bound: Record<string, number> }[] {
    const head = pattern.findIndex((s) => isVar(s) || s === "**");
    if (head < 0 || pattern[head] === "**") return [{ path: pattern.filter((s) => s !== "**"), bound }];
    const variable = pattern[head] as string;
    const before = pattern.slice(0, head);
    if (bound[variable] !== undefined) return expand([...before, bound[variable], ...pattern.slice(head + 1)], value, bound);
    const list = valueAt(value, before);
    if (!Array.isArray(list)) return [];
    return list.flatMap((_, i) => expand([...before, i, ...pattern.slice(head + 1)], value, { ...bound, [variable]: i }));
}

const substitute = (pattern: Pattern, bound: Record<string, number>): Segment[] => pattern.filter((s) => s !== "**").map((s) => (isVar(s) ? bound[s as string] : s));

/**
 * A component's args from the stack config: each row that applies to the config's forms, in
 * order (a later row may fill a member inside an earlier row's value).
 */
export function argsFromStack<C>(rows: readonly KeyMapping<C>[], cfg: C, forms: ReadonlySet<ConfigForm>, self?: number): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const row of rows) {
        if (row.errorsOnly || !applies(row, forms)) continue;
        const start: Record<string, number> = self === undefined ? {} : { $self: self };
        for (const { path, bound } of expand(row.stack, cfg, start)) {
            const given = valueAt(cfg, path);
            const value = row.value ? row.value(given, { cfg, self, bound }) : given;
            if (value !== undefined) setAt(args, substitute(row.arg, bound), value);
        }
    }
    return args;
}

/** The bound indices (and the rest, below `**`) when `path` lies at or below `pattern`; undefined otherwise. */
function match(pattern: Pattern, path: ArgPath): { bound: Record<string, number>; rest: Segment[] } | undefined {
    const bound: Record<string, number> = {};
    for (let k = 0; k < pattern.length; k++) {
        const s = pattern[k];
        if (s === "**") return { bound, rest: path.slice(k) };
        if (k >= path.length) return undefined;
        if (isVar(s)) {
            if (typeof path[k] !== "number") return undefined;
            bound[s as string] = path[k] as number;
        } else if (s !== path[k]) return undefined;
    }
    // Below a plain row: the row's key holds the whole value.
    return { bound, rest: [] };
}

/**
 * The stack key path an arg path comes from: the first row (of the config's forms) at or above
 * it; the part below a row's `**` is kept, below a plain row it is dropped (the row's key holds
 * the whole value). Undefined: no stack key feeds it (a wiring arg).
 */
export function stackPathOf(rows: readonly KeyMapping[], forms: ReadonlySet<ConfigForm>, argPath: ArgPath, self?: number): Segment[] | undefined {
    for (const row of rows) {
        if (!applies(row, forms)) continue;
        const m = match(row.arg, argPath);
        if (!m) continue;
        const bound = self === undefined ? m.bound : { ...m.bound, $self: self };
        if (row.stack.some((s) => isVar(s) && bound[s as string] === undefined)) continue;
        return [...substitute(row.stack, bound), ...(row.stack.at(-1) === "**" ? m.rest : [])];
    }
    return undefined;
}

/**
 * A component's rule text in stack terms: the arg paths it names — in backticks (`nodes[0].priority`,
 * `runtimeApi: true`) or bare with an index (frontends[0].binds[0]) — become the stack keys they
 * come from. Names no row maps (`state: ready`, a member of the entry at hand) stay as they are;
 * a member's name that is also a top-level arg (`interface` inside an instance) would read as that
 * arg's key, so component rules name members with their full path.
 */
export function ruleInStackTerms(rule: string, toStack: (argPath: ArgPath) => string | undefined): string {
    const quoted = rule.replace(/`([A-Za-z][\w]*(?:\[\d+\]|\.[A-Za-z]\w*)*)(: [^`]*)?`/g, (whole, path: string, suffix = "") => {
        const key = toStack(parsePath(path));
        return key === undefined ? whole : `\`${key}${suffix}\``;
    });
    // Bare paths with an index, outside backticks: a frontend another one collides with.
    return quoted.replace(/(^|[\s(,])([A-Za-z]\w*\[\d+\](?:\[\d+\]|\.[A-Za-z]\w*)*)/g, (whole, lead: string, path: string) => {
        const key = toStack(parsePath(path));
        return key === undefined ? whole : `${lead}${key}`;
    });
}

export { pathText };
