/**
 * `npm run bench:provision`: provisioning at scale, the library against an Ansible peer. For each
 * web-server count N (BENCH_WEBS, default 2,8,16; the lab gets web1..webN, lb1, lb2, client), on
 * fresh bare lab hosts each time (packages come from the lab's mirror): the first `pulumi up` of
 * the whole topology, the no-op re-run and `pulumi destroy`; then the equivalent Ansible playbook
 * (bench/ansible), its no-op re-run and its teardown, with Ansible's default forks (5) and with
 * forks = N. BENCH_PULUMI_PARALLEL (e.g. `default,64`) adds runs with `pulumi up --parallel P`.
 * First of all, the floor (bench/floor.ts): the same package installs and files done directly, one
 * SSH connection per host, all hosts at once; every other row carries its ratio to it
 * (`floor_ratio`). BENCH_TOOLS (default `floor,pulumi,ansible`) picks which rows run;
 * BENCH_ANSIBLE_WEBS, at which N the Ansible rows run. CPU-seconds
 * of each first run: this machine's side (children's rusage: engine, program, plugins, ssh) and
 * the hosts' side (their sshd's reaped sessions: the scripts and the SSH handshakes).
 * Writes bench/results/provision.jsonl (one line per measured row, load averages included) and
 * bench/results/provision.svg, prints a table and the ratios. Not a test: it asserts nothing.
 * The lab is torn down at the end, on failure and on SIGINT/SIGTERM.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freshLab, hostsOk, installedPackages, LabInfo, labConfig, LAB_STATE, prepareTools, pulumiOk, REPO_ROOT, removeStack, selectStack, tail, webHosts, writeStackFile } from "../lab/lab";
import { busyShare, cpuTimes, hardware } from "./common";
import { childrenCpuSeconds, FloorHost, floorCheckScript, floorInstallScript, floorRatio, floorRemoveScript, runFloor } from "./floor";
import { provisionChartSvg, ProvisionRow } from "./provisionChart";

const ANSIBLE_DIR = path.join(REPO_ROOT, "bench/ansible");
const RESULTS = path.join(REPO_ROOT, "bench/results");
/** BENCH_LABEL (e.g. `loaded`): figures that must not replace the published ones go to provision-LABEL.jsonl/.svg, each row labelled. */
const LABEL = process.env.BENCH_LABEL ?? "";
if (LABEL && !/^[a-z0-9-]+$/.test(LABEL)) throw new Error(`BENCH_LABEL must be lower-case letters, digits and dashes, got ${JSON.stringify(LABEL)}`);
const JSONL = path.join(RESULTS, `provision${LABEL ? `-${LABEL}` : ""}.jsonl`);
const SVG = path.join(RESULTS, `provision${LABEL ? `-${LABEL}` : ""}.svg`);
/** Ansible's own default (ansible.cfg states it too). */
const DEFAULT_FORKS = 5;

function numberList(name: string, text: string): number[] {
    const list = text.split(",").map((s) => s.trim());
    for (const s of list) if (!/^[1-9]\d*$/.test(s)) throw new Error(`${name} must be a comma-separated list of whole numbers, got ${JSON.stringify(text)}`);
    return list.map(Number);
}

const WEBS = numberList("BENCH_WEBS", process.env.BENCH_WEBS ?? "2,8,16");
const TOOLS = ["floor", "pulumi", "ansible"] as const;
const SELECTED = (process.env.BENCH_TOOLS ?? TOOLS.join(",")).split(",").map((s) => s.trim());
for (const t of SELECTED) if (!(TOOLS as readonly string[]).includes(t)) throw new Error(`BENCH_TOOLS must name some of ${TOOLS.join(", ")}, got ${JSON.stringify(t)}`);
const runs = (t: (typeof TOOLS)[number]) => SELECTED.includes(t);
/** BENCH_ANSIBLE_WEBS (default: every N): the Ansible rows only at these N (at 64 they alone take ~45 min). */
const ANSIBLE_WEBS = process.env.BENCH_ANSIBLE_WEBS === undefined ? WEBS : numberList("BENCH_ANSIBLE_WEBS", process.env.BENCH_ANSIBLE_WEBS);
/** `default` = the engine's own default (4 × CPUs, 8 here); numbers = `--parallel P`. */
const PULUMI_PARALLEL = (process.env.BENCH_PULUMI_PARALLEL ?? "default").split(",").map((s) => s.trim());
for (const p of PULUMI_PARALLEL) if (p !== "default") numberList("BENCH_PULUMI_PARALLEL", p);

export interface Row extends ProvisionRow {
    bench: "provision";
    forks?: number;
    parallel?: number | "default";
    resources?: number;
    /** pulumi (default parallelism) / this row, per run: on the Ansible rows. */
    pulumi_ratio?: { first: number; noop: number; teardown: number };
    /** This row / the floor row of the same N, per run (install, check, removal). */
    floor_ratio?: { first: number; noop: number; teardown: number };
    /** CPU-seconds of the first run: this machine's processes (children's rusage) and the hosts' SSH sessions. */
    cpu_first_s?: { local: number; hosts: number };
    loadavg_start: number[];
    loadavg_end: number[];
    /** Busy share of all the machine's cores during the first run: near 1, the lab is CPU-bound. */
    cpu_busy_first: number;
    machine: string;
    date: string;
    /** BENCH_LABEL: e.g. `loaded` (taken while other work ran on the machine). */
    label?: string;
}

const MACHINE = `${hardware()}, ${osName()}, nspawn lab`;

function osName(): string {
    try {
        return /^PRETTY_NAME="?([^"\n]*)/m.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1] ?? os.type();
    } catch {
        return os.type();
    }
}

function ensureAnsible(): void {
    if (spawnSync("ansible-playbook", ["--version"]).status === 0) return;
    const r = spawnSync("sh", ["-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ansible || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ansible)"], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("cannot install Debian's ansible package");
}

/** The Ansible inventory of the lab: every web server, the two balancers, secrets fresh per run. */
export function inventory(info: LabInfo): string {
    const h = info.hosts;
    const secret = () => crypto.randomBytes(6).toString("base64url").slice(0, 8);
    return [
        "[webs]",
        ...webHosts(info).map((w) => `${w} ansible_host=${h[w].address}`),
        "[balancers]",
        `lb1 ansible_host=${h.lb1.address} vrrp_state=MASTER vrrp_priority=100`,
        `lb2 ansible_host=${h.lb2.address} vrrp_state=BACKUP vrrp_priority=90`,
        "[all:vars]",
        "ansible_user=root",
        `ansible_ssh_private_key_file=${info.sshKeyPath}`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${info.knownHostsPath} -o StrictHostKeyChecking=yes'`,
        `vip_address=${info.vip.split("/")[0]}`,
        `vip_cidr=${info.vip}`,
        `vrrp_interface=${info.interface}`,
        "vrrp_router_id=77",
        `vrrp_auth_pass=${secret()}`,
        `stats_password=${secret()}${secret()}`,
        "",
    ].join("\n");
}

const INVENTORY = path.join(LAB_STATE, "ansible-inventory.ini");

function playbook(info: LabInfo, file: string, forks: number): number {
    const started = process.hrtime.bigint();
    const r = spawnSync("ip", ["netns", "exec", info.ctlNamespace, "ansible-playbook", "--forks", String(forks), "-i", INVENTORY, path.join(ANSIBLE_DIR, file)], {
        cwd: ANSIBLE_DIR,
        encoding: "utf8",
        maxBuffer: 64 << 20,
        env: { ...process.env, ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, "ansible.cfg") },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`ansible-playbook ${file} (forks ${forks}) failed:\n${tail(r.stdout + r.stderr, 40)}`);
    return seconds;
}

/** A fresh lab of `webs` web servers whose hosts lack what the topology installs, so both tools' first runs install it. */
export function bareLab(webs: number): LabInfo {
    const info = freshLab(webs);
    const names = webHosts(info);
    if (names.length !== webs) throw new Error(`the lab has ${names.length} web servers, ${webs} were asked for`);
    for (const [h, p] of [[names[names.length - 1], "nginx"], ["lb1", "haproxy"]]) {
        if (installedPackages(h).includes(p)) throw new Error(`${h} must start without ${p}`);
    }
    return info;
}

const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const round = (x: number) => Math.round(x * 10) / 10;

async function pulumiRow(webs: number, parallel: string): Promise<Row> {
    const info = bareLab(webs);
    writeStackFile(labConfig(info));
    await selectStack();
    const extra = parallel === "default" ? [] : ["--parallel", parallel];
    const loadStart = load();
    const cpuStart = cpuTimes();
    const local0 = childrenCpuSeconds();
    const hosts0 = sshdCpuSeconds(info);
    const first = await pulumiOk(["up", "--yes", "--skip-preview", ...extra]);
    const cpuBusy = busyShare(cpuStart, cpuTimes());
    const cpuFirst = { local: round(childrenCpuSeconds() - local0), hosts: round(sshdCpuSeconds(info) - hosts0) };
    const noop = await pulumiOk(["up", "--yes", "--skip-preview", "--expect-no-changes", ...extra]);
    const teardown = await pulumiOk(["destroy", "--yes", "--skip-preview", ...extra]);
    const created = /(\d+) created/.exec(first.stdout);
    return {
        bench: "provision",
        webs,
        tool: parallel === "default" ? "pulumi" : `pulumi --parallel ${parallel}`,
        parallel: parallel === "default" ? "default" : Number(parallel),
        first_s: round(first.seconds),
        noop_s: round(noop.seconds),
        teardown_s: round(teardown.seconds),
        resources: created ? Number(created[1]) : undefined,
        cpu_first_s: cpuFirst,
        loadavg_start: loadStart,
        loadavg_end: load(),
        cpu_busy_first: cpuBusy,
        machine: MACHINE,
        date: new Date().toISOString(),
    };
}

function ansibleRow(webs: number, forks: number, label: string): Row {
    const info = bareLab(webs);
    fs.writeFileSync(INVENTORY, inventory(info), { mode: 0o600 });
    const loadStart = load();
    const cpuStart = cpuTimes();
    const first = playbook(info, "site.yml", forks);
    const cpuBusy = busyShare(cpuStart, cpuTimes());
    const noop = playbook(info, "site.yml", forks);
    const teardown = playbook(info, "teardown.yml", forks);
    return {
        bench: "provision",
        webs,
        tool: label,
        forks,
        first_s: round(first),
        noop_s: round(noop),
        teardown_s: round(teardown),
        loadavg_start: loadStart,
        loadavg_end: load(),
        cpu_busy_first: cpuBusy,
        machine: MACHINE,
        date: new Date().toISOString(),
    };
}

/**
 * CPU-seconds the hosts' sshd reaped so far (its sessions: handshakes, scripts, package installs;
 * not the services systemd starts), summed over the stack's hosts, read outside SSH (nsenter).
 */
export function sshdCpuSeconds(info: LabInfo): number {
    let sum = 0;
    for (const h of [...webHosts(info), "lb1", "lb2"]) {
        const r = hostsOk(["exec", h, "--", "sh", "-c", `for p in $(pgrep -x sshd); do cat /proc/$p/stat; echo; done`]);
        for (const line of r.split("\n").filter(Boolean)) {
            const f = line.slice(line.lastIndexOf(")") + 2).split(" ");
            // The listener (parent: init) reaps every connection's process tree.
            if (f[1] === "1") sum += (Number(f[13]) + Number(f[14])) / 100;
        }
    }
    return sum;
}

/** The floor hosts of the stack config, rendered by the library in a process of its own (floor.ts). */
function floorHostsOf(config: Record<string, unknown>): FloorHost[] {
    const file = path.join(LAB_STATE, "floor-config.json");
    fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist/bench/floor.js"), file], { encoding: "utf8", maxBuffer: 64 << 20 });
    fs.rmSync(file, { force: true });
    if (r.status !== 0) throw new Error(`rendering the floor failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as FloorHost[];
}

async function floorRow(webs: number): Promise<Row> {
    const info = bareLab(webs);
    const hosts = floorHostsOf(labConfig(info));
    const byNode = new Map(hosts.map((h) => [h.node, h]));
    const targets = hosts.map((h) => ({ node: h.node, address: info.hosts[h.node].address }));
    const ssh = { namespace: info.ctlNamespace, key: info.sshKeyPath, knownHosts: info.knownHostsPath };
    const loadStart = load();
    const cpuStart = cpuTimes();
    const hosts0 = sshdCpuSeconds(info);
    const first = await runFloor(ssh, targets, (n) => floorInstallScript(byNode.get(n)!));
    const cpuBusy = busyShare(cpuStart, cpuTimes());
    const hostsCpu = sshdCpuSeconds(info) - hosts0;
    const noop = await runFloor(ssh, targets, (n) => floorCheckScript(byNode.get(n)!));
    const teardown = await runFloor(ssh, targets, (n) => floorRemoveScript(byNode.get(n)!));
    if (installedPackages("lb1").includes("haproxy")) throw new Error("the floor's removal left haproxy on lb1");
    return {
        bench: "provision",
        webs,
        tool: "floor",
        first_s: round(first.wall_s),
        noop_s: round(noop.wall_s),
        teardown_s: round(teardown.wall_s),
        cpu_first_s: { local: round(first.local_cpu_s), hosts: round(hostsCpu) },
        loadavg_start: loadStart,
        loadavg_end: load(),
        cpu_busy_first: cpuBusy,
        machine: MACHINE,
        date: new Date().toISOString(),
    };
}

/** Sets `floor_ratio` on every row of one N against that N's floor row (none without one). */
export function addFloorRatios(rows: Row[]): void {
    const floor = rows.find((r) => r.tool === "floor");
    if (!floor) return;
    for (const r of rows) {
        if (r === floor) continue;
        r.floor_ratio = { first: floorRatio(r.first_s, floor.first_s), noop: floorRatio(r.noop_s, floor.noop_s), teardown: floorRatio(r.teardown_s, floor.teardown_s) };
    }
}

function writeResults(rows: Row[]): void {
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(JSONL, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const loads = rows.flatMap((r) => [r.loadavg_start[0], r.loadavg_end[0]]);
    const caption = `${MACHINE}; 1-min load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; fresh bare hosts per first run`;
    fs.writeFileSync(SVG, provisionChartSvg(rows, caption));
}

function tearDown(): void {
    // Leave nothing running, even when a measurement failed.
    hostsOk(["down"]);
    removeStack();
    fs.rmSync(INVENTORY, { force: true });
}

async function main(): Promise<void> {
    prepareTools();
    if (runs("ansible")) ensureAnsible();
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            console.error(`bench:provision: ${signal}, tearing the lab down`);
            tearDown();
            process.exit(130);
        });
    }
    const rows: Row[] = [];
    try {
        for (const n of WEBS) {
            const measured: Row[] = [];
            if (runs("floor")) measured.push(await floorRow(n));
            if (runs("pulumi")) for (const p of PULUMI_PARALLEL) measured.push(await pulumiRow(n, p));
            if (runs("ansible") && ANSIBLE_WEBS.includes(n)) {
                measured.push(ansibleRow(n, DEFAULT_FORKS, `ansible forks ${DEFAULT_FORKS}`));
                // The plays have N and 2 hosts: for N from 2 to 5, forks = N runs exactly as forks 5.
                if (n < 2 || n > DEFAULT_FORKS) measured.push(ansibleRow(n, n, "ansible forks = N"));
            }
            const base = measured.find((m) => m.tool === "pulumi");
            if (base) {
                for (const r of measured.filter((m) => m.forks !== undefined)) {
                    r.pulumi_ratio = { first: ratio(base.first_s, r.first_s), noop: ratio(base.noop_s, r.noop_s), teardown: ratio(base.teardown_s, r.teardown_s) };
                }
            }
            addFloorRatios(measured);
            if (LABEL) for (const r of measured) r.label = LABEL;
            for (const r of measured) console.log(JSON.stringify(r));
            rows.push(...measured);
            writeResults(rows);
        }
    } finally {
        tearDown();
    }
    printTable(rows);
    console.log(`\nwrote ${path.relative(REPO_ROOT, JSONL)} and ${path.relative(REPO_ROOT, SVG)}`);
}

function ratio(a: number, b: number): number {
    return Math.round((a / b) * 100) / 100;
}

function printTable(rows: Row[]): void {
    console.log(`\n${MACHINE}`);
    console.log("webs  tool                       first (s)  no-op (s)  teardown (s)  pulumi/this first  no-op  teardown  this/floor first  no-op  teardown  CPU-s first (here+hosts)  load (1 min)");
    const three = (q: { first: number; noop: number; teardown: number } | undefined, w: number) =>
        `${q ? q.first.toFixed(2).padStart(w) : "".padStart(w)}  ${q ? q.noop.toFixed(2).padStart(5) : "     "}  ${q ? q.teardown.toFixed(2).padStart(8) : "        "}`;
    for (const r of rows) {
        const c = r.cpu_first_s;
        console.log(
            `${String(r.webs).padStart(4)}  ${r.tool.padEnd(25)} ${r.first_s.toFixed(1).padStart(10)} ${r.noop_s.toFixed(1).padStart(10)} ${r.teardown_s.toFixed(1).padStart(13)}` +
                `  ${three(r.pulumi_ratio, 17)}  ${three(r.floor_ratio, 16)}  ${(c ? `${c.local.toFixed(1)}+${c.hosts.toFixed(1)}` : "").padStart(24)}` +
                `  ${r.loadavg_start[0].toFixed(1)}→${r.loadavg_end[0].toFixed(1)}`,
        );
    }
}

if (require.main === module) {
    main().catch((e: Error) => {
        console.error(`bench:provision: ${e.message}`);
        process.exitCode = 1;
    });
}
