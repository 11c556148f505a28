/**
 * `npm run drift -- <stack>`: the read-only drift check. For every host of Pulumi.<stack>.yaml it
 * runs components/script/drift.ts over SSH and prints what differs from what the stack last
 * applied; exits 1 on drift, 2 when a host cannot be checked, 0 when every host is as wanted.
 *
 * Why not `pulumi refresh` / `pulumi preview --refresh`: a @pulumi/command Command has no read
 * of the host (its refresh returns the state it recorded), so drift on the host is invisible to
 * Pulumi's own commands. The repair is Pulumi's: raise `haproxy-ha:reapply` and `pulumi up`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseTopologyConfig } from "../components";
import { driftCheckScript } from "../components/script/drift";
import { readStackConfig } from "./renderStack";

export interface DriftLine {
    host: string;
    status: "ok" | "drift";
    kind: string;
    name: string;
    detail: string;
}

export interface HostDrift {
    host: string;
    lines: DriftLine[];
    diff: string[];
    /** Set when the host could not be checked. */
    error?: string;
    /** Set when drift recorded the host's key on first contact. */
    note?: string;
}

/** Parses the check's output on one host. */
export function parseDriftOutput(host: string, stdout: string): Pick<HostDrift, "lines" | "diff"> {
    const lines: DriftLine[] = [];
    const diff: string[] = [];
    for (const line of stdout.split("\n")) {
        const [status, ...rest] = line.split("\t");
        if (status === "diff") diff.push(rest.join("\t"));
        else if (status === "ok" || status === "drift") lines.push({ host, status, kind: rest[0], name: rest[1], detail: rest.slice(2).join("\t") });
    }
    return { lines, diff };
}

/**
 * The ssh options for one host: its pinned key (a temporary known_hosts, strict), or else the
 * known_hosts file recorded on first contact (`accept-new`: a key that changed later is refused).
 * Never `StrictHostKeyChecking=no`.
 */
export function hostKeyOptions(address: string, pinned: Record<string, string> | undefined, files: { pinned: string; recorded: string }): string[] {
    // Quoted: ssh splits UserKnownHostsFile at whitespace.
    const known = (file: string) => `UserKnownHostsFile="${file}"`;
    return pinned?.[address] !== undefined
        ? ["-o", "StrictHostKeyChecking=yes", "-o", known(files.pinned), "-o", "GlobalKnownHostsFile=/dev/null"]
        : ["-o", "StrictHostKeyChecking=accept-new", "-o", known(files.recorded), "-o", "GlobalKnownHostsFile=/dev/null"];
}

/** Where drift records the keys of hosts the stack does not pin, on first contact. */
export function recordedKnownHostsPath(stackFile: string): string {
    return path.join(path.dirname(stackFile), ".haproxy-ha", `${path.basename(stackFile, ".yaml").replace(/^Pulumi\./, "")}.known_hosts`);
}

/** The name known_hosts files use for a host: `[addr]:port` unless the port is 22. */
function knownHostsName(address: string, port: number): string {
    return port === 22 ? address : `[${address}]:${port}`;
}

/**
 * Checks every host of a stack's config over SSH (the `ssh` client on PATH). Hosts without a
 * pinned key are checked against `recordedKnownHosts`, which records them on first contact.
 */
export function checkStack(raw: Record<string, unknown>, recordedKnownHosts: string): HostDrift[] {
    const cfg = parseTopologyConfig(raw);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-drift-"));
    try {
        const sshArgs = ["-o", "BatchMode=yes", "-o", `ConnectTimeout=${cfg.ssh.perDialTimeout}`, "-p", String(cfg.ssh.port)];
        if (cfg.ssh.privateKeyPath) sshArgs.push("-i", cfg.ssh.privateKeyPath.replace(/^~\//, `${os.homedir()}/`), "-o", "IdentitiesOnly=yes");
        else if (!process.env.SSH_AUTH_SOCK) throw new Error("drift: the stack's key is a secret (`ssh.privateKey`): set `ssh.privateKeyPath`, or load the key into an ssh-agent");
        const files = { pinned: path.join(home, "known_hosts"), recorded: recordedKnownHosts };
        fs.writeFileSync(files.pinned, Object.entries(cfg.ssh.hostKeys ?? {}).map(([h, k]) => `${knownHostsName(h, cfg.ssh.port)} ${k}\n`).join(""));
        // A web the library only points to (`managed: false`) has nothing of the library's to drift.
        const hosts = [...cfg.webs.filter((w) => w.managed).map((w) => ({ name: w.name, address: w.host })), ...cfg.balancers.map((b) => ({ name: b.name, address: b.host }))];
        if (hosts.some((h) => cfg.ssh.hostKeys?.[h.address] === undefined)) fs.mkdirSync(path.dirname(recordedKnownHosts), { recursive: true });
        return hosts.map(({ name, address }) => {
            const pinned = cfg.ssh.hostKeys?.[address] !== undefined;
            const knownBefore = pinned || isKnown(recordedKnownHosts, knownHostsName(address, cfg.ssh.port));
            const r = spawnSync("ssh", [...sshArgs, ...hostKeyOptions(address, cfg.ssh.hostKeys, files), "-o", "LogLevel=ERROR", `${cfg.ssh.user}@${address}`, cfg.become ? "sudo -n sh -s" : "sh -s"], {
                input: driftCheckScript(),
                encoding: "utf8",
                timeout: 120_000,
            });
            if (r.error || r.status !== 0) {
                const stderr = r.stderr ?? "";
                const keyError = /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(stderr)
                    ? `host key verification failed: the host's key is not the one ${pinned ? "pinned in `haproxy-ha:ssh.hostKeys`" : `recorded in ${recordedKnownHosts}`}`
                    : undefined;
                return { host: name, lines: [], diff: [], error: keyError ?? (stderr || String(r.error ?? `exit ${r.status}`)).trim() };
            }
            const note = knownBefore ? undefined : `recorded its host key in ${recordedKnownHosts} on first contact (pin it: npm run host-keys)`;
            return { host: name, ...parseDriftOutput(name, r.stdout), ...(note ? { note } : {}) };
        });
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

/** Whether a known_hosts file holds a key for `name` (ssh-keygen -F, hashed entries too). */
function isKnown(file: string, name: string): boolean {
    return fs.existsSync(file) && spawnSync("ssh-keygen", ["-F", name, "-f", file], { encoding: "utf8" }).status === 0;
}

/** The report a person reads: drift first, one line each, then the diffs, then a count. */
export function formatReport(results: HostDrift[]): string {
    const out: string[] = [];
    const drift = results.flatMap((r) => r.lines.filter((l) => l.status === "drift"));
    const width = Math.max(4, ...results.map((r) => r.host.length));
    for (const r of results) if (r.error) out.push(`${r.host.padEnd(width)}  unreachable  ${r.error.split("\n")[0]}`);
    for (const r of results) if (r.note) out.push(`${r.host.padEnd(width)}  ${r.note}`);
    for (const l of drift) out.push(`${l.host.padEnd(width)}  ${l.kind.padEnd(8)} ${l.name}: ${l.detail}`);
    for (const r of results.filter((x) => x.diff.length)) out.push("", `--- ${r.host}`, ...r.diff);
    const checked = results.reduce((n, r) => n + r.lines.length, 0);
    out.push("", `drift: ${drift.length} of ${checked} checks differ on ${results.length} hosts${results.some((r) => r.error) ? " (some hosts not checked)" : ""}`);
    return out.join("\n");
}

function main(argv: string[]): number {
    const [stack] = argv;
    if (!stack) {
        console.error("usage: npm run drift -- <stack>   (reads Pulumi.<stack>.yaml; repair: raise haproxy-ha:reapply, then pulumi up)");
        return 2;
    }
    const stackFile = path.resolve(`Pulumi.${stack}.yaml`);
    const results = checkStack(readStackConfig(stackFile), recordedKnownHostsPath(stackFile));
    console.log(formatReport(results));
    if (results.some((r) => r.error)) return 2;
    return results.some((r) => r.lines.some((l) => l.status === "drift")) ? 1 : 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 2;
    }
}
