/**
 * The lab from TypeScript: the hosts (lab/hosts.sh), the `lab` stack and the real Pulumi CLI
 * (run in the lab's control namespace), and the checks every lab job shares.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const LAB_STATE = (process.env.LAB_STATE ?? "/var/lib/haproxy-ha-lab").replace(/\/$/, "");
export const HOSTS_SH = path.join(REPO_ROOT, "lab/hosts.sh");
export const STACK = "lab";
export const STACK_FILE = path.join(REPO_ROOT, `Pulumi.${STACK}.yaml`);
export const PULUMI_STATE = path.join(LAB_STATE, "pulumi-state");
/** The lab's stack secrets are encrypted with this passphrase unless PULUMI_CONFIG_PASSPHRASE is set. */
export const LAB_PASSPHRASE = process.env.PULUMI_CONFIG_PASSPHRASE ?? "haproxy-ha-lab-only";

export interface LabInfo {
    sshKeyPath: string;
    knownHostsPath: string;
    ctlNamespace: string;
    /** The control namespace's address (where the engine and the tests' admin requests come from). */
    ctlAddress: string;
    interface: string;
    vip: string;
    /** The lab's apt mirror, the hosts' only package source, and its HTTP request log. */
    mirror: { url: string; log: string };
    hosts: Record<string, LabHost>;
}

/** A lab host as hosts.json lists it: `release` ("11", "12", "13") and its `suite` (bookworm …). */
export interface LabHost {
    address: string;
    mac?: string;
    release?: string;
    suite?: string;
}

/**
 * The Debian releases the lab boots (`hosts.sh up --release R`) and the haproxy and keepalived
 * each one's own repositories ship: what `haproxy -v` / `keepalived -v` print on a host of it.
 * Source: the Packages indexes of the lab's mirrors (deb.debian.org, main, point release of
 * December 2026), `hosts.sh` builds them; `test/lab` checks this table against the mirror.
 */
export const DEBIAN_RELEASES: Record<string, { suite: string; haproxy: string; keepalived: string; haproxyPackage: string; keepalivedPackage: string }> = {
    "11": { suite: "bullseye", haproxy: "2.2.9", keepalived: "2.1.5", haproxyPackage: "2.2.9-2+deb11u6", keepalivedPackage: "1:2.1.5-0.2+deb11u1" },
    "12": { suite: "bookworm", haproxy: "2.6.12", keepalived: "2.2.7", haproxyPackage: "2.6.12-1+deb12u3", keepalivedPackage: "1:2.2.7-1+b2" },
    "13": { suite: "trixie", haproxy: "3.0.11", keepalived: "2.3.3", haproxyPackage: "3.0.11-1+deb13u4", keepalivedPackage: "1:2.3.3-1" },
};
export const DEFAULT_RELEASE = "12";

/** Checks a release number (as `what` names it): one of DEBIAN_RELEASES. */
export function checkRelease(release: string, what = "release"): string {
    if (!Object.hasOwn(DEBIAN_RELEASES, release)) throw new Error(`${what} must be one of ${Object.keys(DEBIAN_RELEASES).join(", ")} (Debian release), got '${release}'`);
    return release;
}

/** The release the lab tests run on: LAB_RELEASE, else 12. */
export function labRelease(env: NodeJS.ProcessEnv = process.env): string {
    return checkRelease(env.LAB_RELEASE || DEFAULT_RELEASE, "LAB_RELEASE");
}

/** The release of a lab host (12 for a hosts.json written before releases). */
export function hostRelease(info: Pick<LabInfo, "hosts">, host: string): string {
    return info.hosts[host]?.release ?? DEFAULT_RELEASE;
}

/** Which release each lab host boots: `release` for all (default LAB_RELEASE, else 12), `hosts` per host (a mixed lab). */
export interface LabReleaseOptions {
    release?: string;
    hosts?: Record<string, string>;
}

/** hosts.sh arguments for `opts` (checked first: an error names the option and the value). */
export function releaseArgs(opts: LabReleaseOptions = {}, env: NodeJS.ProcessEnv = process.env): string[] {
    const args = ["--release", opts.release === undefined ? labRelease(env) : checkRelease(opts.release)];
    for (const [host, release] of Object.entries(opts.hosts ?? {})) {
        if (!/^[a-z][a-z0-9]*$/.test(host)) throw new Error(`hosts: '${host}' is not a lab host name`);
        args.push("--host-release", `${host}=${checkRelease(release, `hosts.${host}`)}`);
    }
    return args;
}

/** The haproxy and keepalived versions `haproxy -v` and `keepalived -v` print (upstream part), or undefined when not installed. */
export function parseVersions(haproxyV: string, keepalivedV: string): { haproxy?: string; keepalived?: string } {
    return {
        haproxy: /^HA-?Proxy version (\d+\.\d+(?:\.\d+)?)/m.exec(haproxyV)?.[1],
        keepalived: /^Keepalived v(\d+\.\d+(?:\.\d+)?)/m.exec(keepalivedV)?.[1],
    };
}

/** What the host really runs: `haproxy -v` and `keepalived -v` on it (undefined for what is not installed). */
export function hostVersions(host: string): { haproxy?: string; keepalived?: string } {
    const h = onHost(host, "command -v haproxy >/dev/null && haproxy -v 2>&1 || true", 30_000).stdout;
    const k = onHost(host, "command -v keepalived >/dev/null && keepalived -v 2>&1 || true", 30_000).stdout;
    return parseVersions(h, k);
}

/**
 * Compares what each balancer runs with its release's versions; throws naming host, release
 * and both versions on a mismatch. Returns what was seen (host → versions) for a report.
 */
export function checkReleaseVersions(info: Pick<LabInfo, "hosts">, hostNames = ["lb1", "lb2"]): Record<string, { release: string; haproxy?: string; keepalived?: string }> {
    const seen: Record<string, { release: string; haproxy?: string; keepalived?: string }> = {};
    for (const host of hostNames) {
        const release = hostRelease(info, host);
        const want = DEBIAN_RELEASES[release];
        const got = hostVersions(host);
        for (const pkg of ["haproxy", "keepalived"] as const) {
            if (got[pkg] !== undefined && got[pkg] !== want[pkg]) throw new Error(`${host} (Debian ${release}) runs ${pkg} ${got[pkg]}, not Debian ${release}'s ${want[pkg]}`);
        }
        seen[host] = { release, ...got };
    }
    return seen;
}

export interface Result {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs lab/hosts.sh with `args`. */
export function hosts(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Result {
    const r = spawnSync("bash", [HOSTS_SH, ...args], { encoding: "utf8", input: opts.input, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 << 20 });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** Runs lab/hosts.sh and returns stdout, or throws with its stderr. */
export function hostsOk(args: string[], opts: { timeoutMs?: number } = {}): string {
    const r = hosts(args, opts);
    if (r.code !== 0) throw new Error(`lab/hosts.sh ${args.join(" ")} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
}

/** Runs a shell command inside a lab host. */
export function onHost(host: string, script: string, timeoutMs = 60_000): Result {
    return hosts(["exec", host, "--", "sh", "-c", script], { timeoutMs });
}

/** A command running in a lab host while the test goes on (a client loop, a long download, a sampler). */
export interface HostProcess {
    child: ChildProcess;
    running(): boolean;
    /** Its stdout so far. */
    output(): string;
    /** Resolves when it ends: exit code and the whole stdout. */
    done: Promise<{ code: number; stdout: string }>;
}

/** Starts a shell command inside a lab host without waiting for it (stderr is dropped). */
export function spawnOnHost(host: string, script: string): HostProcess {
    const child = spawn("bash", [HOSTS_SH, "exec", host, "--", "sh", "-c", script], { stdio: ["ignore", "pipe", "ignore"] });
    let stdout = "";
    let running = true;
    child.stdout!.on("data", (d) => (stdout += d));
    const done = new Promise<{ code: number; stdout: string }>((resolve) =>
        child.on("close", (code) => {
            running = false;
            resolve({ code: code ?? -1, stdout });
        }),
    );
    return { child, running: () => running, output: () => stdout, done };
}

/** `ps -eo args` on a host `count` times, 50 ms apart: every command line seen (to look for secrets). */
export function processLists(host: string, count: number): Promise<string> {
    return spawnOnHost(host, `for i in $(seq ${count}); do ps -eo args; sleep 0.05; done`).done.then((r) => r.stdout);
}

/** Runs `argv` in the lab's control namespace (where the engine runs and the hosts are reachable), from the repository root. */
export function inControl(info: LabInfo, argv: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Result {
    const r = spawnSync("ip", ["netns", "exec", info.ctlNamespace, ...argv], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        input: opts.input,
        env: opts.env,
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 64 << 20,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** `npm run <script> -- lab` as a user runs it (the built dist/scripts/<script>.js), from the control namespace. */
export function labCommand(info: LabInfo, script: "drift" | "hostKeys", timeoutMs = 300_000): Result {
    return inControl(info, [process.execPath, path.join(REPO_ROOT, `dist/scripts/${script}.js`), "lab"], { timeoutMs });
}

/** `npm run drift -- lab`: exit code (0 clean, 1 drift) and the whole report. */
export function driftCheck(info: LabInfo): { code: number; out: string } {
    const r = labCommand(info, "drift");
    return { code: r.code, out: r.stdout + r.stderr };
}

/** The sha256 of a file on a host (to compare before and after). */
export function fileSha(host: string, file: string): string {
    return onHost(host, `sha256sum ${file} | cut -d' ' -f1`).stdout.trim();
}

export function labInfo(): LabInfo {
    return JSON.parse(fs.readFileSync(path.join(LAB_STATE, "hosts.json"), "utf8"));
}

/** authorized_keys-style host keys from the lab's known_hosts, by address. */
export function hostKeys(info: LabInfo): Record<string, string> {
    const keys: Record<string, string> = {};
    for (const line of fs.readFileSync(info.knownHostsPath, "utf8").split("\n")) {
        const [names, type, key] = line.trim().split(/\s+/);
        // known_hosts lists `address,name`: the stack pins keys by address.
        if (names && type === "ssh-ed25519" && key) for (const addr of names.split(",").filter((n) => /^[\d.:]+$/.test(n))) keys[addr] = `${type} ${key}`;
    }
    return keys;
}

/** The lab's web servers (`web1` … `webN`, as many as `hosts.sh up --webs N` made), in number order. */
export function webHosts(info: Pick<LabInfo, "hosts">): string[] {
    return Object.keys(info.hosts)
        .map((name) => ({ name, k: /^web([1-9]\d*)$/.exec(name)?.[1] }))
        .filter((w): w is { name: string; k: string } => w.k !== undefined)
        .sort((a, b) => Number(a.k) - Number(b.k))
        .map((w) => w.name);
}

/** The lab topology as stack config: every web server (web1, web2 by default) behind lb1 (MASTER) and lb2 (BACKUP). */
export function labConfig(info: LabInfo, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const h = info.hosts;
    return {
        os: "debian",
        ssh: { user: "root", privateKeyPath: info.sshKeyPath, hostKeys: hostKeys(info), perDialTimeout: 5, dialErrorLimit: 3 },
        webs: webHosts(info).map((name) => ({ name, host: h[name].address })),
        balancers: [
            { name: "lb1", host: h.lb1.address, priority: 100 },
            { name: "lb2", host: h.lb2.address, priority: 90 },
        ],
        vip: info.vip,
        interface: info.interface,
        virtualRouterId: 77,
        stats: true,
        ...overrides,
    };
}

/** Writes Pulumi.lab.yaml, keeping the encryption salt Pulumi stored there. */
export function writeStackFile(config: Record<string, unknown>): void {
    let salt: string | undefined;
    if (fs.existsSync(STACK_FILE)) {
        salt = (yaml.load(fs.readFileSync(STACK_FILE, "utf8")) as { encryptionsalt?: string } | undefined)?.encryptionsalt;
    }
    const doc: Record<string, unknown> = {};
    if (salt) doc.encryptionsalt = salt;
    doc.config = Object.fromEntries(Object.entries(config).map(([k, v]) => [`haproxy-ha:${k}`, v]));
    fs.writeFileSync(STACK_FILE, "# Written by the lab (lab/lab.ts) for the local lab hosts.\n" + yaml.dump(doc, { lineWidth: 200 }));
}

/**
 * Sets each certificate (name → chain-and-key PEM) as `haproxy-ha:certificates[i]` of the lab
 * stack, the PEM as a secret on stdin (never on a command line).
 */
export function setCertificates(info: LabInfo, pems: Record<string, string>): void {
    for (const [i, [name, pem]] of Object.entries(Object.entries(pems))) {
        for (const [key, value, secret] of [[`haproxy-ha:certificates[${i}].name`, name, false], [`haproxy-ha:certificates[${i}].pem`, pem, true]] as const) {
            const r = inControl(info, ["pulumi", "config", "set", "--path", ...(secret ? ["--secret"] : []), key, "--stack", STACK, "--non-interactive"], { env: pulumiEnv(), input: value });
            if (r.code !== 0) throw new Error(`pulumi config set ${key} failed: ${r.stderr}`);
        }
    }
}

/** Every file of the engine's state (the lab's file backend), as one text: to look for secrets. */
export function pulumiStateText(): string {
    return fs
        .readdirSync(PULUMI_STATE, { recursive: true })
        .map(String)
        .filter((f) => fs.statSync(path.join(PULUMI_STATE, f)).isFile())
        .map((f) => fs.readFileSync(path.join(PULUMI_STATE, f), "utf8"))
        .join("\n");
}

export interface PulumiRun extends Result {
    seconds: number;
}

/** The engine's environment for the lab stack: local file backend, lab passphrase, nothing downloaded. */
export function pulumiEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${PULUMI_STATE}`,
        PULUMI_CONFIG_PASSPHRASE: LAB_PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
        ...extra,
    };
}

/** `cwd`/`stack`: another project and stack than the stack program's `lab` (e.g. lab/vrrp-project). */
export interface PulumiOptions {
    echo?: boolean;
    env?: Record<string, string>;
    cwd?: string;
    stack?: string;
}

/** The real Pulumi CLI on the `lab` stack inside the control namespace, running: `detached` puts it in its own process group. */
export function startPulumi(args: string[], opts: PulumiOptions & { detached?: boolean } = {}): { child: ChildProcess; output(): string; done: Promise<PulumiRun> } {
    fs.mkdirSync(PULUMI_STATE, { recursive: true });
    const info = labInfo();
    const started = process.hrtime.bigint();
    const child = spawn("ip", ["netns", "exec", info.ctlNamespace, "pulumi", ...args, "--stack", opts.stack ?? STACK, "--non-interactive", "--color", "never"], {
        cwd: opts.cwd ?? REPO_ROOT,
        env: pulumiEnv(opts.env),
        stdio: ["ignore", "pipe", "pipe"],
        detached: opts.detached,
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => {
        stdout += d;
        if (opts.echo) process.stdout.write(d);
    });
    child.stderr!.on("data", (d) => {
        stderr += d;
        if (opts.echo) process.stderr.write(d);
    });
    const done = new Promise<PulumiRun>((resolve) =>
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 })),
    );
    return { child, output: () => stdout, done };
}

/** Runs the real Pulumi CLI on the `lab` stack inside the control namespace. */
export function pulumi(args: string[], opts: PulumiOptions = {}): Promise<PulumiRun> {
    return startPulumi(args, opts).done;
}

/** `pulumi up` without a preview (`extra`: e.g. --expect-no-changes). */
export const UP = ["up", "--yes", "--skip-preview"];
export const DESTROY = ["destroy", "--yes", "--skip-preview"];

export async function pulumiOk(args: string[], opts: PulumiOptions = {}): Promise<PulumiRun> {
    const r = await pulumi(args, opts);
    if (r.code !== 0) {
        // The engine's error lines may sit far above the tail, behind other resources' output.
        const errors = (r.stdout + r.stderr).split("\n").filter((l) => /\berror\b/i.test(l) && !/Input\/output error/.test(l));
        throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.code}):\n${errors.slice(0, 40).join("\n")}\n...\n${tail(r.stdout + r.stderr, 60)}`);
    }
    return r;
}

export function tail(text: string, lines: number): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** Creates (or selects) the lab stack. */
export async function selectStack(): Promise<void> {
    await pulumiOk(["stack", "select", "--create"]);
}

/** Forgets the lab stack (the file backend is just files): for hosts that were destroyed or rebuilt. */
export function removeStack(): void {
    fs.rmSync(PULUMI_STATE, { recursive: true, force: true });
}

/** The balancers whose `iface` holds `vip` (an address without its prefix, IPv4 or IPv6). */
export function holdersOf(vip: string, iface = "eth0"): string[] {
    return ["lb1", "lb2"].filter((h) => {
        const r = onHost(h, `ip -${vip.includes(":") ? 6 : 4} -o addr show dev ${iface}`, 15_000);
        return r.code === 0 && r.stdout.includes(` ${vip}/`);
    });
}

/** The lab hosts whose interface holds the VIP. */
export function vipHolders(info: LabInfo): string[] {
    return holdersOf(info.vip.split("/")[0], info.interface);
}

/** `count` sequential requests from the client host to http://`vip`/: the <h1> of each answer, or `error`. */
export function requestsThrough(vip: string, count: number): string[] {
    const url = `http://${vip.includes(":") ? `[${vip}]` : vip}/`;
    const r = onHost(
        "client",
        `i=0; while [ $i -lt ${count} ]; do i=$((i+1)); h=$(curl -s -g --max-time 2 ${url} | sed -n 's:.*<h1>\\(.*\\)</h1>.*:\\1:p'); echo "\${h:-error}"; done`,
        count * 3000 + 10_000,
    );
    return r.stdout.trim().split("\n").filter(Boolean);
}

/** `count` sequential requests from the client host through the VIP: the <h1> of each answer, or an error code. */
export function requestsThroughVip(info: LabInfo, count: number): string[] {
    return requestsThrough(info.vip.split("/")[0], count);
}

export interface LoopResult {
    total: number;
    failed: number;
    /** [epoch seconds when the request ended, HTTP status or 000] per request. */
    samples: [number, string][];
    /** Requests per second over the loop's run. */
    rate: number;
}

/**
 * A client request loop through the VIP, running on the client host until `stop()` (or its own
 * bounds: `maxRequests`, and curl's 1 s limit per request).
 */
export function startClientLoop(info: LabInfo, opts: { intervalS?: number; maxRequests?: number } = {}): { stop(): Promise<LoopResult> } {
    const vip = info.vip.split("/")[0];
    const interval = opts.intervalS ?? 0.05;
    const max = opts.maxRequests ?? 20000;
    onHost("client", "rm -f /tmp/haproxy-ha-loop.stop");
    const script =
        `start=$(date +%s.%N); i=0; while [ ! -e /tmp/haproxy-ha-loop.stop ] && [ $i -lt ${max} ]; do i=$((i+1)); ` +
        `code=$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 0.5 --max-time 1 http://${vip}/) || true; ` +
        `echo "$(date +%s.%N) $code"; sleep ${interval}; done; echo "start $start"`;
    const loop = spawnOnHost("client", script);
    return {
        async stop() {
            onHost("client", "touch /tmp/haproxy-ha-loop.stop");
            const lines = (await loop.done).stdout.trim().split("\n");
            const start = Number((lines.find((l) => l.startsWith("start ")) ?? "start 0").split(" ")[1]);
            const samples = lines
                .filter((l) => !l.startsWith("start "))
                .map((l) => l.split(" "))
                .filter((p) => p.length === 2)
                .map(([t, code]) => [Number(t), code] as [number, string]);
            const span = samples.length ? samples[samples.length - 1][0] - start : 0;
            return { total: samples.length, failed: samples.filter(([, c]) => c !== "200").length, samples, rate: span > 0 ? samples.length / span : 0 };
        },
    };
}

/** systemd state of a unit on a host: `active`/`inactive`…, `enabled`/`disabled`…. */
export function unitState(host: string, unit: string): { active: string; enabled: string } {
    const active = onHost(host, `systemctl is-active ${unit} || true`).stdout.trim();
    const enabled = onHost(host, `systemctl is-enabled ${unit} 2>/dev/null || true`).stdout.trim();
    return { active, enabled };
}

/** The packages installed on a host (dpkg state `ii`), sorted. */
export function installedPackages(host: string): string[] {
    const r = onHost(host, "dpkg-query -W -f '${db:Status-Abbrev}${Package}\\n' | sed -n 's/^ii *//p' | sort");
    if (r.code !== 0) throw new Error(`dpkg-query on ${host} failed: ${r.stderr}`);
    return r.stdout.trim().split("\n").filter(Boolean);
}

/** The packages each lab host downloaded from the lab's mirror so far (from the server's request log), by host. */
export function mirrorDownloads(info: LabInfo): Record<string, Set<string>> {
    const byAddress = Object.fromEntries(Object.entries(info.hosts).map(([name, h]) => [h.address, name]));
    const downloads: Record<string, Set<string>> = {};
    for (const line of fs.readFileSync(info.mirror.log, "utf8").split("\n")) {
        // 10.77.0.21 - - [date] "GET /bookworm/./haproxy_2.6.12-1%2bdeb12u1_amd64.deb HTTP/1.1" 200 -
        const m = /^(\S+) .*"GET \/(?:[a-z]+\/)?(?:\.\/)?([^_/ ]+)_[^ ]*\.deb HTTP\/[\d.]+" 200 /.exec(line);
        const host = m && byAddress[m[1]];
        if (m && host) (downloads[host] ??= new Set()).add(m[2]);
    }
    return downloads;
}

/**
 * Checksums of every file where the library writes, to compare a host before and after. Not
 * nginx's sample page: nginx-common's postinst creates it and Debian's purge leaves it behind.
 */
export function fileSnapshot(host: string): string {
    return onHost(
        host,
        "for d in /etc/haproxy /etc/keepalived /etc/nginx /etc/sysctl.d /var/www /var/lib/haproxy-ha /etc/systemd/system; do " +
            "[ -e $d ] && find $d \\( -type f -o -type l \\) ! -path /var/www/html/index.nginx-debian.html -print; done | sort | while read -r f; do " +
            'if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else echo "$f $(sha256sum < "$f" | cut -c1-16)"; fi; done',
    ).stdout;
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000, everyMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = check();
        if (value !== undefined && value !== false) return value as T;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
}

/**
 * A fresh lab with `webs` web servers (default 2): hosts rebuilt from the cached rootfs of their
 * release (`opts`, default LAB_RELEASE, else 12), no stack state. Returns the lab's description.
 */
export function freshLab(webs?: number, opts: LabReleaseOptions = {}): LabInfo {
    const releases = releaseArgs(opts);
    if (process.getuid?.() !== 0) throw new Error("the lab tests need root (network namespaces, overlay mounts, systemd-nspawn)");
    hostsOk(["down"]);
    removeStack();
    fs.rmSync(STACK_FILE, { force: true });
    // A cold cache build of a release (rootfs and mirror) takes up to ~10 min on a loaded machine.
    hostsOk(["up", ...(webs === undefined ? [] : ["--webs", String(webs)]), ...releases], { timeoutMs: 1_800_000 });
    return labInfo();
}

/**
 * Re-images `host` in place as Debian `release` (`hosts.sh rebuild`): same address and MAC,
 * a fresh disk, the same SSH host keys unless `newHostKey` (then labInfo's known_hosts, and so
 * `hostKeys(info)`, has the new one). Returns the lab's new description.
 */
export function rebuildHost(host: string, release: string, opts: { newHostKey?: boolean } = {}): LabInfo {
    checkRelease(release);
    hostsOk(["rebuild", host, "--release", release, ...(opts.newHostKey ? ["--new-host-key"] : [])], { timeoutMs: 1_800_000 });
    return labInfo();
}

let toolsReady = false;

/** `npm run tools` (the engine and its plugins), once per process. */
export function prepareTools(): void {
    if (toolsReady) return;
    const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts/tools.sh")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm run tools failed:\n${tail(r.stdout + r.stderr, 30)}`);
    process.stdout.write(r.stdout.split("\n").filter((l) => l.startsWith("tools: pulumi") || l.includes("plugin")).map((l) => `      ${l}\n`).join(""));
    toolsReady = true;
}

/** The PID that a reload keeps and a restart replaces (haproxy's master process). */
export function mainPid(host: string, unit: string): string {
    return onHost(host, `systemctl show -p MainPID --value ${unit}`).stdout.trim();
}

/**
 * Watches, from inside `host`, for the VIP to appear on its interface (every 20 ms, for at
 * most `timeoutS`): the epoch second it appeared, or undefined. Polling from outside through
 * nsenter would add its own latency to every figure.
 */
export function watchVipArrival(info: LabInfo, host: string, timeoutS: number): Promise<number | undefined> {
    const vip = info.vip.split("/")[0];
    const script =
        `end=$(( $(date +%s) + ${Math.ceil(timeoutS)} )); while [ "$(date +%s)" -lt "$end" ]; do ` +
        `if ip -4 -o addr show dev ${info.interface} | grep -q ' ${vip}/'; then date +%s.%N; exit 0; fi; sleep 0.02; done; exit 1`;
    return spawnOnHost(host, script).done.then((r) => (r.code === 0 ? Number(r.stdout.trim()) : undefined));
}
