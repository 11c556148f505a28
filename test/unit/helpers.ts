import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RenderedScript } from "../../components";
import { SCRIPT_HEADER } from "../../components/remoteSteps";
import { MockedResource, mockedResources } from "../../scripts/renderStack";
import { throwawayCa } from "../../lab/certs";

/** The repository root (tests run from dist/test/unit). */
export const REPO_ROOT = path.resolve(__dirname, "../../..");
export const GOLDEN_DIR = path.join(REPO_ROOT, "test/unit/golden");
/** Golden files of renders the reference topology does not cover (one folder per case). */
export const CASES_GOLDEN_DIR = path.join(REPO_ROOT, "test/unit/golden-cases");

/** Compares `actual` with a golden file; UPDATE_GOLDEN=1 rewrites it on purpose. */
export function matchesGolden(name: string, actual: string, dir = GOLDEN_DIR): void {
    const file = path.join(dir, name);
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    if (!fs.existsSync(file)) throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1 once and review it`);
    const expected = fs.readFileSync(file, "utf8");
    if (actual !== expected) {
        const a = actual.split("\n");
        const e = expected.split("\n");
        const i = a.findIndex((line, n) => line !== e[n]);
        throw new Error(`${name} differs from its golden file at line ${i + 1}:\n  expected: ${e[i]}\n  actual:   ${a[i]}`);
    }
}

/** Every step of one component as one text: what a reviewer reads, and what one golden file holds. */
export function scriptsSnapshot(scripts: RenderedScript[]): string {
    return scripts
        .flatMap((s) => [
            [`${s.step}.create`, s.create],
            ...(s.update === undefined ? [] : [[`${s.step}.update`, s.update]]),
            [`${s.step}.delete`, s.delete],
        ])
        .map(([name, text]) => `#### ${name}\n${text}`)
        .join("\n");
}

export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** A throwaway CA (lab/certs.ts) and leaf certificates made at test time: `pems[host]` is chain + key. */
export function makeCertificates(hosts: string[]): { dir: string; caFile: string; pems: Record<string, string> } {
    const ca = throwawayCa("haproxy-ha test CA");
    return { dir: ca.dir, caFile: ca.caFile, pems: Object.fromEntries(hosts.map((host) => [host, ca.leaf(host)])) };
}

/**
 * One chain-and-key PEM (leaf, CA, key) for `sans` (DNS names), valid from `start` to `end`
 * (openssl's YYYYMMDDHHMMSSZ): `openssl ca` sets both dates, so a certificate can be made
 * expired or not yet valid.
 */
export function makeDatedCertificate(sans: string[], start: string, end: string): string {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { execFileSync } = require("child_process") as typeof import("child_process");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-dated-"));
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    fs.mkdirSync(path.join(dir, "new"));
    fs.writeFileSync(path.join(dir, "index.txt"), "");
    fs.writeFileSync(path.join(dir, "serial"), "01\n");
    fs.writeFileSync(
        path.join(dir, "ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndir = .\ndatabase = index.txt\nnew_certs_dir = new\nserial = serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n[p]\ncommonName = supplied\n",
    );
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=haproxy-ha dated test CA");
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", `/CN=${sans[0]}`, "-addext", `subjectAltName=${sans.map((s) => `DNS:${s}`).join(",")}`);
    ssl("ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key", "-in", "leaf.csr", "-out", "leaf.crt", "-startdate", start, "-enddate", end);
    return ["leaf.crt", "ca.crt", "leaf.key"].map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("");
}

/**
 * Waits until the mocks have seen `count` commands whose names start with `prefix`, among those
 * registered from index `since` on (earlier test files may have registered the same names).
 */
export async function commandsOf(prefix: string, count: number, since = 0): Promise<MockedResource[]> {
    const seen = () => mockedResources.slice(since).filter((r) => r.type === "command:remote:Command" && r.name.startsWith(prefix));
    for (let i = 0; i < 300; i++) {
        const found = seen();
        if (found.length >= count) return found;
        await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`expected ${count} commands named ${prefix}*, saw ${seen().map((r) => r.name).join(", ") || "none"}`);
}

/**
 * A fake host: `systemctl` that acts like haproxy's unit (a reload forks a new worker under the
 * master unless the config holds "bad"; a start fails on it), `journalctl` with haproxy's alert
 * for a taken port, a `sleep` that returns at once (no test waits on the clock), and a proc
 * tree under a directory of its own. `configPath`: the live config the fake reads (default: a file
 * of its own, `cfg`).
 */
export function fakeHaproxyHost(opts: { active: boolean; config: string; transient?: boolean; configPath?: string }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-reload-"));
    const bin = path.join(dir, "bin");
    const proc = path.join(dir, "proc");
    fs.mkdirSync(bin);
    const stat = (pid: number, comm: string, ppid: number) => {
        fs.mkdirSync(path.join(proc, String(pid)), { recursive: true });
        fs.writeFileSync(path.join(proc, String(pid), "stat"), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560\n`);
    };
    stat(1, "systemd", 0);
    stat(100, "haproxy", 1); // the master (MainPID)
    stat(101, "haproxy", 100); // its worker
    stat(102, "x) S 100", 1); // a name with ") S 100" in it: not a child of 100
    if (opts.active) fs.writeFileSync(path.join(dir, "active"), "");
    fs.writeFileSync(path.join(dir, "cfg"), opts.config);
    const cfg = opts.configPath ?? path.join(dir, "cfg");
    if (opts.transient) fs.writeFileSync(path.join(dir, "transient"), "");
    const script = (body: string) => fs.writeFileSync(path.join(bin, body.split("\n")[0]), `#!/bin/sh\n${body.split("\n").slice(1).join("\n")}\n`, { mode: 0o755 });
    script(`systemctl
F=${dir}
echo "$*" >> "$F/log"
case "$1" in
  is-active) [ -e "$F/active" ] ;;
  show) echo "MainPID=100" ;;
  reload)
    if grep -q bad ${cfg}; then exit 0; fi
    n=$(( $(cat "$F/next" 2>/dev/null || echo 200) + 1 )); echo "$n" > "$F/next"
    mkdir -p "$F/proc/$n"; echo "$n (haproxy) S 100 1 1 0" > "$F/proc/$n/stat"
    if [ -e "$F/transient" ]; then echo "$n" >> "$F/dies"; fi ;;
  start) if grep -q bad ${cfg}; then echo "Job for haproxy.service failed" >&2; exit 1; fi; : > "$F/active" ;;
  *) exit 0 ;;
esac`);
    script(`journalctl
echo "$*" >> ${dir}/log
echo "[NOTICE]   (100) : Reloading HAProxy"
echo "[ALERT]    (100) : Starting frontend fe8081: cannot bind socket (Address already in use) [10.77.0.100:8081]"
echo "[WARNING]  (100) : Loading failure!"`);
    // A new worker of a config that cannot run is seen by a poll, then dies within the settle time.
    script(`sleep
F=${dir}
if [ "$1" != 0.2 ] && [ -e "$F/dies" ]; then while read -r p; do rm -rf "$F/proc/$p"; done < "$F/dies"; rm -f "$F/dies"; fi
exit 0`);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, HAPROXY_HA_PROC_ROOT: proc };
    const reloads = () => log().split("\n").filter((l) => l.startsWith("reload")).length;
    const log = () => (fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "");
    const run = (body: string) => {
        const r = spawnSync("sh", ["-c", `${SCRIPT_HEADER}\n${body}\necho reached`], { encoding: "utf8", env });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, log: log(), reloads: reloads() };
    };
    return { dir, env, run, reloads };
}
