/**
 * `npm run host-keys -- <stack> [--replace]`: reads each host's SSH key once (ssh-keyscan,
 * ed25519 preferred, then ecdsa), prints its SHA256 fingerprint to compare with the host's own
 * (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on its console), and pins the keys in
 * Pulumi.<stack>.yaml as `haproxy-ha:ssh.hostKeys`. A key already pinned that differs is not
 * replaced without `--replace`: that is what a machine in the middle would look like.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CONFIG_NAMESPACE, parseTopologyConfig } from "../components";
import { checkHostKey } from "../components/validate";
import { readStackConfig } from "./renderStack";

/** Key types in order of preference; DSA is never pinned, RSA only by hand (see the README). */
export const PREFERRED_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"] as const;

/** Runs ssh-keyscan on `hosts`; returns its stdout (`host type base64` lines). */
export type Scanner = (hosts: string[], port: number, timeoutS: number) => string;

export const sshKeyscan: Scanner = (hosts, port, timeoutS) => {
    const r = spawnSync("ssh-keyscan", ["-T", String(timeoutS), "-p", String(port), "-t", "ed25519,ecdsa", "--", ...hosts], { encoding: "utf8", timeout: (timeoutS + 5) * 1000 * hosts.length });
    if (r.error) throw new Error(`host-keys: ssh-keyscan could not run: ${r.error.message}`);
    return r.stdout;
};

/** The preferred key per host from ssh-keyscan's output (`[host]:port` names for a port other than 22). */
export function preferredKeys(scanOutput: string): Record<string, string> {
    const found: Record<string, string[]> = {};
    for (const line of scanOutput.split("\n")) {
        const [name, type, blob] = line.trim().split(/\s+/);
        if (!name || name.startsWith("#") || !type || !blob) continue;
        const host = /^\[(.*)\]:\d+$/.exec(name)?.[1] ?? name;
        (found[host] ??= []).push(`${type} ${blob}`);
    }
    const keys: Record<string, string> = {};
    for (const [host, lines] of Object.entries(found)) {
        const best = PREFERRED_TYPES.map((t) => lines.find((l) => l.startsWith(`${t} `))).find((l) => l !== undefined);
        if (best) keys[host] = best;
    }
    return keys;
}

/** OpenSSH's fingerprint of a key (`SHA256:…`, as `ssh-keygen -lf` prints it). */
export function fingerprint(key: string): string {
    const blob = Buffer.from(key.trim().split(/\s+/)[1] ?? "", "base64");
    return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

export interface PinResult {
    /** One line per host: name, address, fingerprint, and what happened. */
    report: string[];
    written: boolean;
}

/**
 * Scans every host of the stack file and writes the keys into it. Throws, writing nothing, when a
 * host sends no usable key or a pinned key differs (unless `replace`).
 */
export function pinHostKeys(stackFile: string, options: { replace?: boolean; scan?: Scanner } = {}): PinResult {
    const cfg = parseTopologyConfig(readStackConfig(stackFile));
    // A web the library only points to (`managed: false`) is never connected to: no key to pin.
    const hosts = [...cfg.webs.filter((w) => w.managed), ...cfg.balancers].map((h) => ({ name: h.name, address: h.host }));
    const scanned = preferredKeys((options.scan ?? sshKeyscan)([...new Set(hosts.map((h) => h.address))], cfg.ssh.port, cfg.ssh.perDialTimeout));
    const missing = hosts.filter((h) => scanned[h.address] === undefined);
    if (missing.length) {
        throw new Error(`host-keys: no ed25519 or ecdsa host key from ${missing.map((h) => `${h.address} (${h.name})`).join(", ")} on port ${cfg.ssh.port}: is sshd up and reachable from here?`);
    }
    const pinned = cfg.ssh.hostKeys ?? {};
    const report: string[] = [];
    const conflicts: string[] = [];
    const keys: Record<string, string> = {};
    for (const h of hosts) {
        const key = checkHostKey("host-keys", h.address, scanned[h.address]);
        const old = pinned[h.address];
        const same = old !== undefined && old.split(/\s+/).slice(0, 2).join(" ") === key;
        if (old !== undefined && !same) conflicts.push(`${h.address} (${h.name}): pinned ${fingerprint(old)}, the host now sends ${fingerprint(key)}`);
        keys[h.address] = key;
        report.push(`${h.name.padEnd(10)} ${h.address.padEnd(15)} ${fingerprint(key)} ${key.split(" ")[0]}  ${old === undefined ? "pinned" : same ? "unchanged" : "replaced"}`);
    }
    if (conflicts.length && !options.replace) {
        throw new Error(
            `host-keys: a pinned key differs, nothing written:\n  ${conflicts.join("\n  ")}\n` +
                "If the host was reinstalled, check the new fingerprint on its console and run again with --replace; otherwise something else answers at that address.",
        );
    }
    const changed = hosts.some((h) => pinned[h.address] === undefined || conflicts.length > 0);
    if (changed) writeHostKeys(stackFile, { ...pinned, ...keys });
    return { report, written: changed };
}

/** Sets `haproxy-ha:ssh.hostKeys` in the stack file, keeping every other value and the header comment. */
export function writeHostKeys(stackFile: string, keys: Record<string, string>): void {
    const text = fs.readFileSync(stackFile, "utf8");
    const doc = (yaml.load(text) ?? {}) as { config?: Record<string, unknown> };
    const sshKey = `${CONFIG_NAMESPACE}:ssh`;
    const ssh = doc.config?.[sshKey];
    if (typeof ssh !== "object" || ssh === null || Array.isArray(ssh) || "secure" in ssh) {
        throw new Error(`host-keys: \`${sshKey}\` in ${stackFile} is not a plain object (a whole secret?): set the keys with \`pulumi config set --path '${sshKey}.hostKeys["<address>"]' '<key>'\``);
    }
    (ssh as Record<string, unknown>).hostKeys = Object.fromEntries(Object.entries(keys).sort(([a], [b]) => a.localeCompare(b)));
    const header = text.match(/^(#[^\n]*\n)*/)?.[0] ?? "";
    fs.writeFileSync(stackFile, header + yaml.dump(doc, { lineWidth: -1 }));
}

function main(argv: string[]): number {
    const stack = argv.find((a) => !a.startsWith("--"));
    const unknown = argv.find((a) => a.startsWith("--") && a !== "--replace");
    if (!stack || unknown) {
        console.error("usage: npm run host-keys -- <stack> [--replace]   (scans every host of Pulumi.<stack>.yaml and pins its key in haproxy-ha:ssh.hostKeys)");
        return 2;
    }
    const file = path.resolve(`Pulumi.${stack}.yaml`);
    const { report, written } = pinHostKeys(file, { replace: argv.includes("--replace") });
    console.log(report.join("\n"));
    console.log(
        written
            ? `\nwrote haproxy-ha:ssh.hostKeys to ${file}. Compare each fingerprint with the host's own (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on its console) before \`pulumi up\`.`
            : `\n${file} already pins these keys.`,
    );
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 1;
    }
}
