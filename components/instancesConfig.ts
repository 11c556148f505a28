/**
 * Stack config `haproxy-ha:instances` → KeepalivedPair `instances`. The key table (stackConfig.ts)
 * checks the members' types first; this resolves the references and fills the stack-wide defaults.
 * PURE. Every error names the stack key path as the user typed it and the value.
 */
import type { VrrpInstanceArgs } from "./keepalivedPair";
import { ArgumentError, checkBoolean, checkCidr, checkInteger, checkInterface, checkName, checkUniqueNames, isObject } from "./validate";

const WHERE = "stack config";

/** The members an entry may have, as typed in the stack file. */
export const INSTANCE_KEYS = [
    "name", "vips", "virtualRouterId", "interface", "master", "masterPriority", "backupPriority",
    "advertInt", "nopreempt", "unicast", "vrrpVersion", "trackInterfaces", "authPassword",
] as const;


function optional<T>(entry: Record<string, unknown>, key: string, check: (v: unknown) => T): T | undefined {
    return entry[key] === undefined ? undefined : check(entry[key]);
}

/** The stack-wide keys an entry falls back to where it sets none. */
export interface InstanceDefaults {
    interface: string;
    advertInt?: number;
    nopreempt?: boolean;
    unicast?: boolean;
    vrrpVersion?: number;
}

/**
 * `balancers`: the balancer names (`master` must be one). `defaults`: the stack's `interface`,
 * `advertInt`, `nopreempt`, `unicast`, `vrrpVersion`, used where an entry sets none (a string: the
 * interface only). `authPassword` should be a secret config value.
 */
export function parseInstancesConfig(value: unknown, balancers: string[], defaults: InstanceDefaults | string, keyPath = "haproxy-ha:instances"): VrrpInstanceArgs[] {
    const fallback: InstanceDefaults = typeof defaults === "string" ? { interface: defaults } : defaults;
    if (!Array.isArray(value) || value.length === 0) throw new ArgumentError(WHERE, keyPath, "must be a list of at least one instance", value);
    const instances = value.map((entry, i): VrrpInstanceArgs => {
        const at = (key: string) => `${keyPath}[${i}].${key}`;
        if (!isObject(entry)) throw new ArgumentError(WHERE, `${keyPath}[${i}]`, "must be an object with `name`, `vips`, `virtualRouterId`, `master`", entry);
        for (const key of Object.keys(entry)) {
            if (!(INSTANCE_KEYS as readonly string[]).includes(key)) throw new ArgumentError(WHERE, at(key), `is not a key of an instance; keys are: ${INSTANCE_KEYS.join(", ")}`, entry[key]);
        }
        const vips = entry.vips;
        if (!Array.isArray(vips) || vips.length === 0) throw new ArgumentError(WHERE, at("vips"), "must list at least one address/prefix", vips);
        vips.forEach((v, j) => checkCidr(WHERE, `${at("vips")}[${j}]`, v));
        const master = entry.master;
        if (typeof master !== "string" || !balancers.includes(master)) {
            throw new ArgumentError(WHERE, at("master"), `is not a balancer; balancers are: ${balancers.join(", ")}`, master);
        }
        const bool = (key: string) => optional(entry, key, (v) => checkBoolean(WHERE, at(key), v));
        return {
            name: checkName(WHERE, at("name"), entry.name),
            vips: vips as string[],
            virtualRouterId: checkInteger(WHERE, at("virtualRouterId"), entry.virtualRouterId, 1, 255),
            interface: checkInterface(WHERE, at("interface"), entry.interface ?? fallback.interface),
            master,
            masterPriority: optional(entry, "masterPriority", (v) => checkInteger(WHERE, at("masterPriority"), v, 1, 254)),
            backupPriority: optional(entry, "backupPriority", (v) => checkInteger(WHERE, at("backupPriority"), v, 1, 254)),
            advertInt: optional(entry, "advertInt", (v) => {
                if (typeof v !== "number" || !(v > 0) || v > 255) throw new ArgumentError(WHERE, at("advertInt"), "must be a number of seconds above 0 and at most 255", v);
                return v;
            }) ?? fallback.advertInt,
            nopreempt: bool("nopreempt") ?? fallback.nopreempt,
            unicast: bool("unicast") ?? fallback.unicast,
            vrrpVersion: optional(entry, "vrrpVersion", (v) => checkInteger(WHERE, at("vrrpVersion"), v, 2, 3)) ?? fallback.vrrpVersion,
            trackInterfaces: optional(entry, "trackInterfaces", (v) => {
                if (!Array.isArray(v)) throw new ArgumentError(WHERE, at("trackInterfaces"), "must be a list of interface names", v);
                return v.map((x, j) => checkInterface(WHERE, `${at("trackInterfaces")}[${j}]`, x));
            }),
            authPassword: optional(entry, "authPassword", (v) => {
                if (typeof v !== "string") throw new ArgumentError(WHERE, at("authPassword"), "must be text (a secret config value)", "<hidden>");
                return v;
            }),
        };
    });
    checkUniqueNames(WHERE, keyPath, instances.map((i) => i.name));
    return instances;
}
