/**
 * Every problem with a component's (or the stack config's) args, each with the path the user
 * wrote, gathered before anything is thrown so one run reports all of them. The path is data
 * (`["backends", 0, "servers", 1, "address"]`), so the stack config can show its own key for it
 * through a declared mapping instead of parsing message text.
 */
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, checkWhenKnown } from "../validate";

export type ArgPath = readonly (string | number)[];

export interface Problem {
    path: ArgPath;
    /** What the value must be, e.g. "must be an integer from 1 to 255". */
    rule: string;
    value: unknown;
}

/** `["backends", 0, "servers"]` → `backends[0].servers`: the arg path as the user writes it. */
export function pathText(path: ArgPath): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** `backends[0].servers` → `["backends", 0, "servers"]`; a field without brackets is one segment per dot. */
export function parsePath(field: string): ArgPath {
    const out: (string | number)[] = [];
    for (const part of field.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
        out.push(part.startsWith("[") ? Number(part.slice(1, -1)) : part);
    }
    return out;
}

/**
 * All of a check's problems at once. Extends ArgumentError with the first problem's field, rule
 * and value, so callers that read one error keep working; the message lists every problem.
 */
export class ArgumentErrors extends ArgumentError {
    constructor(
        where: string,
        readonly problems: readonly (Problem & { field: string })[],
    ) {
        super(where, problems[0].field, problems[0].rule, problems[0].value);
        if (problems.length > 1) {
            this.message = `${where}: ${problems.length} problems:\n` + problems.map((p) => "  - " + new ArgumentError(where, p.field, p.rule, p.value).message.slice(where.length + 2)).join("\n");
        }
        this.name = "ArgumentError";
    }
}

/** Collects problems; `check` runs a single-error check and keeps going past its failure. */
export class Problems {
    readonly list: Problem[] = [];

    add(path: ArgPath, rule: string, value: unknown): void {
        this.list.push({ path, rule, value });
    }

    /** Runs `fn`; an ArgumentError it throws becomes a problem (at its own field when it names one). */
    check<T>(path: ArgPath, fn: () => T): T | undefined {
        try {
            return fn();
        } catch (e) {
            if (!(e instanceof ArgumentError)) throw e;
            const inner = e instanceof ArgumentErrors ? e.problems : [{ path: e.field ? parsePath(e.field) : path, rule: e.rule, value: e.value }];
            for (const p of inner) this.list.push({ path: p.path, rule: p.rule, value: p.value });
            return undefined;
        }
    }

    get ok(): boolean {
        return this.list.length === 0;
    }

    /** Throws every problem at once, each path shown by `show` (the stack config shows its own keys). */
    throwIfAny(where: string, show: (path: ArgPath) => string = pathText): void {
        if (this.ok) return;
        throw new ArgumentErrors(where, this.list.map((p) => ({ ...p, field: show(p.path) })));
    }
}

/**
 * The problems of one component's (or the stack config's) args, with `where` for the single-error
 * checks of validate.ts: `at` runs one at an arg path and keeps going past its failure, so a
 * normalizer reports every problem at once. The path is passed to the check as its field text and
 * read back from the error (parsePath), so `show` decides how the user sees it when thrown.
 */
export class Checks {
    readonly problems = new Problems();

    constructor(
        readonly where: string,
        /** How a path reads to the user: the component's arg path, or a stack key path. */
        readonly show: (path: ArgPath) => string = pathText,
    ) {}

    /** `fn(field)` at `path`; undefined (and a problem) when it refuses the value. */
    at<T>(path: ArgPath, fn: (field: string) => T): T | undefined {
        return this.problems.check(path, () => fn(pathText(path)));
    }

    add(path: ArgPath, rule: string, value: unknown): void {
        this.problems.add(path, rule, value);
    }

    get ok(): boolean {
        return this.problems.ok;
    }

    /** Whether a problem was recorded at `path` or below it (a rule over a refused value would only echo it). */
    has(path: ArgPath): boolean {
        return this.problems.list.some((p) => path.every((seg, i) => p.path[i] === seg));
    }

    /** Throws every problem at once, as `show` names them. */
    throwIfAny(): void {
        this.problems.throwIfAny(this.where, this.show);
    }
}

/**
 * A component's `normalize(name, args)`, once per args object (by identity) and name: the stack
 * program's early check and the component's constructor share one normalization. Args are not to
 * be changed after they were given to a component (they never were).
 */
export interface Normalizer<A extends object, P> {
    (name: string, args: A): P;
    /**
     * Not public (the stack program's): `built` is `checked` plus wiring the plan does not read (the
     * SSH key in the connection, `dependsOn`), so it takes the plan `checked` already has.
     */
    reuse(name: string, checked: A, built: A): A;
    /** Normalizations run (not taken from the cache): what the tests count. */
    readonly runs: number;
}

export function memoizedNormalizer<A extends object, P>(normalize: (name: string, args: A) => P): Normalizer<A, P> {
    // A failed normalization keeps its error: the constructor throws what the early check found.
    const cache = new WeakMap<object, Map<string, { plan: P } | { error: unknown }>>();
    let runs = 0;
    const entryOf = (name: string, args: A) => {
        let byName = cache.get(args);
        if (!byName) cache.set(args, (byName = new Map()));
        let entry = byName.get(name);
        if (entry === undefined) {
            runs++;
            try {
                entry = { plan: normalize(name, args) };
            } catch (error) {
                entry = { error };
            }
            byName.set(name, entry);
        }
        return entry;
    };
    const normalizer = (name: string, args: A): P => {
        if (typeof args !== "object" || args === null) return normalize(name, args);
        const entry = entryOf(name, args);
        if ("error" in entry) throw entry.error;
        return entry.plan;
    };
    const reuse = (name: string, checked: A, built: A): A => {
        const entry = entryOf(name, checked);
        let byName = cache.get(built);
        if (!byName) cache.set(built, (byName = new Map()));
        byName.set(name, entry);
        return built;
    };
    return Object.defineProperties(normalizer, { reuse: { value: reuse }, runs: { get: () => runs } }) as Normalizer<A, P>;
}

/** A list of strings at `path`, each entry through `check` (undefined: refused there, left out). */
export function strings<T>(c: Checks, path: ArgPath, v: unknown, check: (path: ArgPath, s: unknown) => T | undefined): T[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
        c.add(path, "must be a list of strings", v);
        return [];
    }
    return v.flatMap((s, i) => {
        const r = check([...path, i], s);
        return r === undefined ? [] : [r];
    });
}

/** A plain value (not an Output or a Promise): checkable now. */
export function isKnown<T>(v: pulumi.Input<T>): v is T {
    return !pulumi.Output.isInstance(v) && !(v instanceof Promise);
}

/**
 * A value checked once: now when plain (a problem among the others), or when its Output resolves
 * (then the error stops the preview, still before any command runs). Returns it to use in its place.
 */
export function whenKnown<T>(c: Checks, path: ArgPath, value: pulumi.Input<T>, check: (field: string, v: T) => void): pulumi.Input<T> {
    if (isKnown(value)) {
        c.at(path, (f) => check(f, value));
        return value;
    }
    return checkWhenKnown(value, (v) => check(c.show(path), v));
}
