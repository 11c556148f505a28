/**
 * The floor of provisioning: the work no tool can avoid. For the stack the library would build,
 * the same package installs and the same files (rendered by the library's own renderers, so the
 * lists cannot drift from it), done directly on every host at once: one SSH connection per host,
 * all hosts in parallel, one script each, no engine. Three runs as the tools have: install
 * (packages, files, services restarted), check (the no-op: packages present, files unchanged) and
 * removal (what the install added purged, the files removed). Rendering is PURE; `runFloor` runs.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import type { RenderedFile } from "../components/remoteSteps";
import type { RenderedStack } from "../scripts/renderStack";
import { shQuote } from "../components/shell/quote";

/** What one host gets: its packages, files and services, in the order the library's steps have them. */
export interface FloorHost {
    node: string;
    packages: string[];
    files: RenderedFile[];
    services: string[];
    /**
     * Shell run before the services restart: the library's own sysctl steps (haproxy binds the VIP
     * the BACKUP lacks), nginx's default site out of the way (as the site step does).
     */
    before: string[];
    /** The sysctl steps' delete scripts, run by the removal. */
    undo: string[];
}

/** Where the floor records the packages its install added (its removal purges exactly those). */
export const FLOOR_RECORD = "/var/tmp/haproxy-ha-floor-installed";

/**
 * The package names of a packages step's create script: the words after `apt-get install … --no-install-recommends`
 * (Debian/Ubuntu, what the lab runs), each single-quoted by shQuote.
 */
export function packagesOfScript(script: string): string[] {
    const m = /apt-get install -y -q --no-install-recommends (.+)$/m.exec(script);
    if (!m) throw new Error("no apt-get install line in the packages step");
    return m[1]
        .trim()
        .split(/\s+/)
        .map((w) => {
            const q = /^'([^']*)'$/.exec(w);
            if (!q && !/^[a-z0-9][a-z0-9+.-]*$/.test(w)) throw new Error(`unexpected package word ${JSON.stringify(w)}`);
            return q ? q[1] : w;
        });
}

/** The service each component's service step (re)starts on Debian. */
const SERVICE: Record<string, string> = { web: "nginx", haproxy: "haproxy", keepalived: "keepalived" };

/** Per host, from what the library renders for the stack: packages (one install for all), files, services. */
export function floorHosts(rendered: RenderedStack): FloorHost[] {
    const byNode = new Map<string, FloorHost>();
    const host = (node: string) => {
        let h = byNode.get(node);
        if (!h) byNode.set(node, (h = { node, packages: [], files: [], services: [], before: [], undo: [] }));
        return h;
    };
    for (const s of rendered.scripts) {
        const h = host(s.node);
        if (s.step === "packages") for (const p of packagesOfScript(s.create)) if (!h.packages.includes(p)) h.packages.push(p);
        if (s.step === "service") {
            const unit = SERVICE[s.component];
            if (!unit) throw new Error(`no service known for component ${s.component}`);
            if (!h.services.includes(unit)) h.services.push(unit);
        }
        if (s.component === "web" && s.step === "site") h.before.push("rm -f /etc/nginx/sites-enabled/default");
        if (s.step.startsWith("sysctl")) {
            h.before.push(s.create);
            h.undo.push(s.delete);
        }
    }
    for (const f of rendered.files) host(f.node).files.push(f);
    return [...byNode.values()];
}

/** A file written as the library writes one: temporary file, mode and owner set, renamed into place. Content as base64 (any bytes, no quoting). */
function writeFile(f: RenderedFile): string {
    const b64 = Buffer.from(f.content).toString("base64");
    const dir = f.path.replace(/\/[^/]*$/, "") || "/";
    return [
        `mkdir -p ${shQuote(dir)}`,
        `printf '%s' ${shQuote(b64)} | base64 -d > ${shQuote(`${f.path}.floor-tmp`)}`,
        `chmod ${shQuote(f.mode)} ${shQuote(`${f.path}.floor-tmp`)}`,
        `chown ${shQuote(`${f.owner}:${f.group}`)} ${shQuote(`${f.path}.floor-tmp`)}`,
        `mv -f ${shQuote(`${f.path}.floor-tmp`)} ${shQuote(f.path)}`,
    ].join("\n");
}

const LIST_INSTALLED = `dpkg-query -W -f '\${db:Status-Abbrev}\${Package}\\n' | sed -n 's/^ii *//p' | sort`;

/** Install: one `apt-get update` and one install of every package the host's steps name, the files, the services restarted. */
export function floorInstallScript(h: FloorHost): string {
    return [
        "set -eu",
        "export DEBIAN_FRONTEND=noninteractive",
        `before=$(mktemp)`,
        `${LIST_INSTALLED} > "$before"`,
        `apt-get update -q >/dev/null`,
        `apt-get install -y -q --no-install-recommends ${h.packages.map(shQuote).join(" ")} >/dev/null`,
        `${LIST_INSTALLED} | comm -13 "$before" - > ${shQuote(FLOOR_RECORD)}`,
        `rm -f "$before"`,
        ...h.files.map(writeFile),
        ...h.before,
        ...h.services.map((u) => `systemctl enable --quiet ${shQuote(u)} && systemctl restart ${shQuote(u)}`),
    ].join("\n");
}

/** The no-op: every package installed, every file as rendered (sha256), every service active. Exits 1 on a difference. */
export function floorCheckScript(h: FloorHost): string {
    const sums = h.files.map((f) => `${sha256(f.content)}  ${f.path}`).join("\n");
    return [
        "set -eu",
        ...h.packages.map((p) => `[ "$(dpkg-query -W -f '\${db:Status-Abbrev}' ${shQuote(p)} 2>/dev/null)" = "ii " ]`),
        ...(h.files.length ? [`printf '%s\\n' ${shQuote(sums)} | sha256sum --quiet -c -`] : []),
        ...h.services.map((u) => `systemctl is-active --quiet ${shQuote(u)}`),
    ].join("\n");
}

/** The removal: services stopped, files removed, exactly the packages the install added purged. */
export function floorRemoveScript(h: FloorHost): string {
    return [
        "set -eu",
        "export DEBIAN_FRONTEND=noninteractive",
        ...h.services.map((u) => `systemctl disable --quiet --now ${shQuote(u)} 2>/dev/null || true`),
        ...h.files.map((f) => `rm -f ${shQuote(f.path)}`),
        ...h.undo,
        `pkgs=$(cat ${shQuote(FLOOR_RECORD)})`,
        `# shellcheck disable=SC2086 # package names, one word each`,
        `if [ -n "$pkgs" ]; then apt-get purge -y -q $pkgs >/dev/null; fi`,
        `rm -f ${shQuote(FLOOR_RECORD)}`,
    ].join("\n");
}

function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** Children's CPU time so far (user + system of waited-for children, /proc/self/stat fields 16–17), in seconds. */
export function childrenCpuSeconds(stat = fs.readFileSync("/proc/self/stat", "utf8")): number {
    // The command name (field 2) may hold spaces and parentheses: count fields after its last `)`.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state): cutime is field 16, cstime field 17.
    return (Number(rest[13]) + Number(rest[14])) / 100;
}

export interface FloorTarget {
    node: string;
    address: string;
}

export interface SshSetup {
    namespace: string;
    key: string;
    knownHosts: string;
}

/** The ssh argv that runs stdin as a shell script on `address` as root, from the control namespace. */
export function sshArgv(s: SshSetup, address: string): string[] {
    return [
        "ip", "netns", "exec", s.namespace,
        "ssh", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${s.knownHosts}`, "-i", s.key,
        `root@${address}`, "sh", "-s",
    ];
}

export interface FloorRun {
    wall_s: number;
    /** The ssh clients' CPU on this machine (children's rusage). */
    local_cpu_s: number;
}

/** Runs each host's script over one SSH connection, all hosts at once; fails naming the hosts whose script failed. */
export async function runFloor(s: SshSetup, targets: FloorTarget[], script: (node: string) => string): Promise<FloorRun> {
    const cpu0 = childrenCpuSeconds();
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(
        targets.map(
            (t) =>
                new Promise<{ node: string; code: number; err: string }>((resolve) => {
                    const [cmd, ...args] = sshArgv(s, t.address);
                    const child = spawn(cmd, args, { stdio: ["pipe", "ignore", "pipe"] });
                    let err = "";
                    child.stderr!.on("data", (d) => (err += d));
                    child.on("close", (code) => resolve({ node: t.node, code: code ?? -1, err }));
                    child.stdin!.end(script(t.node));
                }),
        ),
    );
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const failed = results.filter((r) => r.code !== 0);
    if (failed.length) throw new Error(`floor: ${failed.map((r) => `${r.node} (exit ${r.code}): ${r.err.trim().split("\n").slice(-3).join(" / ")}`).join("; ")}`);
    return { wall_s: wall, local_cpu_s: childrenCpuSeconds() - cpu0 };
}

/** Tool time over floor time, two decimals. */
export function floorRatio(tool: number, floor: number): number {
    return Math.round((tool / floor) * 100) / 100;
}

/** `node dist/bench/floor.js CONFIG.json`: the floor hosts of that stack config as JSON (rendered in a process of its own: the mocks register each stack once). */
async function main(): Promise<void> {
    const file = process.argv[2];
    if (!file) throw new Error("usage: floor.js STACK-CONFIG.json");
    const { renderStack } = require("../scripts/renderStack") as typeof import("../scripts/renderStack");
    const rendered = await renderStack(JSON.parse(fs.readFileSync(file, "utf8")));
    process.stdout.write(JSON.stringify(floorHosts(rendered)));
}

if (require.main === module) {
    main().catch((e: Error) => {
        console.error(`floor: ${e.message}`);
        process.exitCode = 1;
    });
}
