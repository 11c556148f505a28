/**
 * `npm run bench:profile`: where a first `pulumi up` and a no-op spend their time, at N web
 * servers (BENCH_WEBS, one number, default 16) on fresh bare lab hosts. Per run: engine startup
 * (spawn to the first resource event), the resources phase, shutdown; each Command step's time
 * from the engine's events (`pulumi up --json`, stamped as they arrive); with BENCH_CPU_PROFILE=1,
 * a CPU profile of every Node process the engine starts (NODE_OPTIONS=--cpu-prof: this engine's
 * language host then fails, docs/benchmarks.md); the hosts' SSH-session CPU (the
 * scripts and handshakes, from each host's sshd); SSH handshakes estimated as Commands × one
 * measured `ssh true`; the plugins' start times measured alone. Then (BENCH_YAML, default 1) the
 * YAML example's no-op on a 2-web lab through the component package, with the package's start
 * and its schema inference timed alone. Writes bench/results/profile.jsonl. Not a test.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { freshLab, hostKeys, hostsOk, LabInfo, labConfig, LAB_STATE, prepareTools, pulumiOk, removeStack, REPO_ROOT, selectStack, startPulumi, STACK_FILE, writeStackFile } from "../lab/lab";
import { hardware, load1, median, Results } from "./common";
import { childrenCpuSeconds, sshArgv } from "./floor";
import { CpuProfile, profileSplit, runSplit, RunSplit, splitEvents, StampedEvent } from "./profileSplit";
import { bareLab, sshdCpuSeconds } from "./provision";

const WEBS = Number(process.env.BENCH_WEBS ?? "16");
if (!Number.isInteger(WEBS) || WEBS < 1) throw new Error(`BENCH_WEBS must be one whole number for bench:profile, got ${JSON.stringify(process.env.BENCH_WEBS)}`);
const YAML = (process.env.BENCH_YAML ?? "1") !== "0";
const WORK = path.join(LAB_STATE, "profile");
/** The "alone" measurements (plugin starts, schema inference) first: BENCH_ALONE=0 skips them. */
const ALONE = (process.env.BENCH_ALONE ?? "1") !== "0";

interface ProfiledRun {
    split: RunSplit;
    /** Node processes the engine started (the program; for YAML, the component package), by their main script. */
    node: { script: string; wall_s: number; busy_s: number; by: Record<string, number> }[];
    /** CPU-seconds of this machine's side (engine, program, plugins) and of the hosts' SSH sessions. */
    cpu_s: { local: number; hosts: number };
}

/** A `pulumi` run with its event log tailed and stamped, and every Node process it starts CPU-profiled. */
async function profiledRun(label: string, args: string[], info: LabInfo, opts: { cwd?: string; stack?: string; hosts?: string[] } = {}): Promise<ProfiledRun> {
    const dir = path.join(WORK, label);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const local0 = childrenCpuSeconds();
    const hosts0 = opts.hosts ? hostsCpu(opts.hosts) : sshdCpuSeconds(info);
    const t0 = Date.now();
    // `--json` streams the engine's events on stdout (this engine has no `--event-log`): stamped as they arrive.
    // NODE_OPTIONS=--cpu-prof here makes the Node.js language host report "the Pulumi SDK has not
    // been installed": profiles are taken only when BENCH_CPU_PROFILE=1 asks for them (to try).
    const env: Record<string, string> = process.env.BENCH_CPU_PROFILE === "1" ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` } : {};
    const run = startPulumi([...args, "--json"], { cwd: opts.cwd, stack: opts.stack, env });
    const events: StampedEvent[] = [];
    let rest = "";
    run.child.stdout!.on("data", (d: Buffer) => {
        const r = splitEvents(rest + d.toString("utf8"), Date.now() - t0);
        events.push(...r.events);
        rest = r.rest;
    });
    const result = await run.done;
    const total = Date.now() - t0;
    fs.writeFileSync(path.join(dir, "events.json"), JSON.stringify(events));
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${(result.stdout + result.stderr).split("\n").slice(-30).join("\n")}`);
    const cpu = { local: round(childrenCpuSeconds() - local0), hosts: round((opts.hosts ? hostsCpu(opts.hosts) : sshdCpuSeconds(info)) - hosts0) };
    const node = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".cpuprofile"))
        .map((f) => {
            const p = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as CpuProfile;
            return { script: mainScript(p), ...profileSplit(p) };
        });
    return { split: runSplit(events, total), node, cpu_s: cpu };
}

/** The SSH-session CPU of the named hosts (for the YAML lab, whose webs are web1 and web2). */
function hostsCpu(names: string[]): number {
    return sshdCpuSeconds({ hosts: Object.fromEntries(names.map((n) => [n, { address: "" }])) } as unknown as LabInfo);
}

/** Which program a profile is of: the deepest user script frame in it, shortened. */
function mainScript(p: CpuProfile): string {
    const urls = p.nodes.map((n) => n.callFrame.url).filter((u) => u.includes("/dist/") || u.includes("run-plugin") || u.includes("/cmd/run/"));
    if (urls.some((u) => u.includes("/dist/provider/"))) return "component package (dist/provider)";
    if (urls.some((u) => u.includes("/dist/index.js"))) return "program (dist/index.js)";
    return urls[0] ? path.relative(REPO_ROOT, urls[0].replace(/^file:\/\//, "")) : "node";
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** One `ssh HOST true` from the control namespace, as the engine's Commands each open one: median of 5, seconds. */
function handshakeSeconds(info: LabInfo, host: string): number {
    const argv = sshArgv({ namespace: info.ctlNamespace, key: info.sshKeyPath, knownHosts: info.knownHostsPath }, info.hosts[host].address);
    argv.splice(argv.length - 2, 2, "true");
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
        const t = process.hrtime.bigint();
        const r = spawnSync(argv[0], argv.slice(1), { stdio: "ignore" });
        if (r.status !== 0) throw new Error(`ssh to ${host} failed`);
        times.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    return round(median(times), 3);
}

/** How long a resource plugin takes from exec to printing its gRPC port (what the engine waits for): median of 3. */
async function pluginStartSeconds(argv: string[], cwd?: string): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
        times.push(
            await new Promise<number>((resolve, reject) => {
                const t = process.hrtime.bigint();
                const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"] });
                let err = "";
                child.stderr!.on("data", (d) => (err += d));
                child.stdout!.once("data", () => {
                    resolve(Number(process.hrtime.bigint() - t) / 1e9);
                    child.kill("SIGTERM");
                });
                child.on("close", (code) => reject(new Error(`${argv[0]} exited (${code}) before printing its port: ${err.trim()}`)));
            }).catch((e: Error) => (e.message.includes("exited") ? NaN : Promise.reject(e))),
        );
    }
    return round(median(times), 2);
}

/** The command provider's binary in the tools' PULUMI_HOME. */
function commandPlugin(): string {
    const home = process.env.PULUMI_HOME ?? "/var/cache/haproxy-ha/tools/pulumi-home";
    const dir = fs.readdirSync(path.join(home, "plugins")).find((d) => /^resource-command-v/.test(d) && !d.endsWith(".lock") && !d.endsWith(".partial"));
    if (!dir) throw new Error(`no command plugin under ${home}/plugins`);
    return path.join(home, "plugins", dir, "pulumi-resource-command");
}

/** The component package's schema inference alone: the SDK's Analyzer over provider/ (TypeScript's compiler on the components' source). Median of 3 fresh processes. */
function schemaInferenceSeconds(): { require_s: number; analyze_s: number } {
    const code = `
const t0 = process.hrtime.bigint();
const { Analyzer } = require("@pulumi/pulumi/provider/experimental/analyzer");
const t1 = process.hrtime.bigint();
const dir = ${JSON.stringify(path.join(REPO_ROOT, "provider"))};
const pkg = JSON.parse(require("fs").readFileSync(dir + "/package.json", "utf8"));
new Analyzer(dir, "haproxy-ha", pkg, new Set(["WebBackend", "HaproxyNode", "KeepalivedPair"])).analyze();
const t2 = process.hrtime.bigint();
console.log(JSON.stringify({ require_s: Number(t1 - t0) / 1e9, analyze_s: Number(t2 - t1) / 1e9 }));`;
    const runs = [0, 1, 2].map(() => {
        const r = spawnSync(process.execPath, ["-e", code], { cwd: REPO_ROOT, encoding: "utf8" });
        if (r.status !== 0) throw new Error(`schema inference failed: ${r.stderr}`);
        return JSON.parse(r.stdout) as { require_s: number; analyze_s: number };
    });
    return { require_s: round(median(runs.map((r) => r.require_s)), 2), analyze_s: round(median(runs.map((r) => r.analyze_s)), 2) };
}

/** Loading the components (what the program and the package both do first): median of 3 fresh processes. */
function requireComponentsSeconds(): number {
    const code = `const t = process.hrtime.bigint(); require(${JSON.stringify(path.join(REPO_ROOT, "dist/components"))}); console.log(Number(process.hrtime.bigint() - t) / 1e9);`;
    return round(median([0, 1, 2].map(() => Number(spawnSync(process.execPath, ["-e", code], { encoding: "utf8" }).stdout))), 2);
}

const YAML_PROJECT = path.join(REPO_ROOT, "examples/yaml");
const YAML_STACK_FILE = path.join(YAML_PROJECT, "Pulumi.lab.yaml");

/** The YAML example's stack config for the lab (as test/lab/yaml.test.ts writes it). */
function writeYamlStackFile(info: LabInfo): void {
    const keys = hostKeys(info);
    const config: Record<string, unknown> = { os: "debian", privateKeyPath: info.sshKeyPath, vip: info.vip, vipAddress: info.vip.split("/")[0], interface: info.interface, virtualRouterId: 77 };
    for (const name of ["web1", "web2", "lb1", "lb2"]) {
        config[`${name}Host`] = info.hosts[name].address;
        config[`${name}HostKey`] = keys[info.hosts[name].address];
    }
    const doc = { config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`haproxy-ha-yaml:${k}`, v])) };
    fs.writeFileSync(YAML_STACK_FILE, "# Written by bench/profile.ts for the local lab hosts.\n" + yaml.dump(doc, { lineWidth: 200 }));
}

function tearDown(): void {
    hostsOk(["down"]);
    removeStack();
    fs.rmSync(STACK_FILE, { force: true });
    fs.rmSync(YAML_STACK_FILE, { force: true });
}

async function main(): Promise<void> {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist/provider/index.js"))) throw new Error("dist/provider/index.js is missing: run `npm run build`");
    prepareTools();
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            console.error(`bench:profile: ${signal}, tearing the lab down`);
            tearDown();
            process.exit(130);
        });
    }
    const results = new Results<Record<string, unknown>>("profile");
    const machine = hardware();
    try {
        if (ALONE) {
        const plugins = { command_s: await pluginStartSeconds([commandPlugin()]), component_package_s: await pluginStartSeconds([path.join(REPO_ROOT, "plugin/pulumi-resource-haproxy-ha")]) };
        const alone = { require_components_s: requireComponentsSeconds(), schema: schemaInferenceSeconds() };
        results.add({ bench: "profile", part: "alone", plugin_start_s: plugins, ...alone, machine, loadavg_start: load1() });
        }

        const info = bareLab(WEBS);
        writeStackFile(labConfig(info));
        await selectStack();
        const handshake = handshakeSeconds(info, "web1");
        for (const [label, args] of [
            ["first", ["up", "--yes", "--skip-preview"]],
            ["noop", ["up", "--yes", "--skip-preview", "--expect-no-changes"]],
        ] as const) {
            const l0 = load1();
            const r = await profiledRun(`ts-${label}`, [...args], info);
            results.add({ bench: "profile", part: `typescript ${label}`, webs: WEBS, ...r, ssh_handshake_s: handshake, handshakes_s: round(r.split.commands_run * handshake), machine, loadavg_start: l0 });
        }
        const l0 = load1();
        const destroy = await pulumiOk(["destroy", "--yes", "--skip-preview"]);
        results.add({ bench: "profile", part: "typescript destroy", webs: WEBS, total_s: round(destroy.seconds), machine, loadavg_start: l0 });

        if (YAML) {
            const y = freshLab();
            writeYamlStackFile(y);
            const opts = { cwd: YAML_PROJECT, stack: "lab" };
            await pulumiOk(["stack", "select", "--create"], opts);
            for (const [label, args] of [
                ["first", ["up", "--yes", "--skip-preview"]],
                ["noop", ["up", "--yes", "--skip-preview", "--expect-no-changes"]],
            ] as const) {
                const l0 = load1();
                const r = await profiledRun(`yaml-${label}`, [...args], y, { ...opts, hosts: ["web1", "web2", "lb1", "lb2"] });
                results.add({ bench: "profile", part: `yaml ${label}`, webs: 2, ...r, machine, loadavg_start: l0 });
            }
            await pulumiOk(["destroy", "--yes", "--skip-preview"], opts);
            // The TypeScript stack on the same 2-web lab hosts (bare again), for the YAML/TypeScript ratios.
            writeStackFile(labConfig(y));
            await selectStack();
            for (const [label, args] of [
                ["first", ["up", "--yes", "--skip-preview"]],
                ["noop", ["up", "--yes", "--skip-preview", "--expect-no-changes"]],
            ] as const) {
                const l0 = load1();
                const r = await profiledRun(`ts2-${label}`, [...args], y);
                results.add({ bench: "profile", part: `typescript ${label}`, webs: 2, ...r, machine, loadavg_start: l0 });
            }
            await pulumiOk(["destroy", "--yes", "--skip-preview"]);
        }
    } finally {
        tearDown();
    }
    console.log(`\nwrote ${path.relative(REPO_ROOT, results.file)}`);
}

if (require.main === module) {
    main().catch((e: Error) => {
        console.error(`bench:profile: ${e.message}`);
        process.exitCode = 1;
    });
}
