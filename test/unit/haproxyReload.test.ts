import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { restorePreviousFileScript } from "../../components/script/files";
import { RELOAD_FAILED_ROLLED_BACK, reloadHaproxyVerifiedScript } from "../../components/script/haproxyReload";
import { SCRIPT_HEADER } from "../../components/remoteSteps";

/**
 * A fake host: `systemctl` that acts like haproxy's unit (a reload forks a new worker under the
 * master unless the config holds "bad"; a start fails on it), `journalctl` with haproxy's alert
 * for a taken port, a `sleep` that returns at once (no test waits on the clock), and a proc
 * tree under a directory of its own.
 */
function fakeHost(opts: { active: boolean; config: string; transient?: boolean }) {
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
    if (opts.transient) fs.writeFileSync(path.join(dir, "transient"), "");
    const script = (body: string) => fs.writeFileSync(path.join(bin, body.split("\n")[0]), `#!/bin/sh\n${body.split("\n").slice(1).join("\n")}\n`, { mode: 0o755 });
    script(`systemctl
F=${dir}
echo "$*" >> "$F/log"
case "$1" in
  is-active) [ -e "$F/active" ] ;;
  show) echo "MainPID=100" ;;
  reload)
    if grep -q bad "$F/cfg"; then exit 0; fi
    n=$(( $(cat "$F/next" 2>/dev/null || echo 200) + 1 )); echo "$n" > "$F/next"
    mkdir -p "$F/proc/$n"; echo "$n (haproxy) S 100 1 1 0" > "$F/proc/$n/stat"
    if [ -e "$F/transient" ]; then echo "$n" >> "$F/dies"; fi ;;
  start) if grep -q bad "$F/cfg"; then echo "Job for haproxy.service failed" >&2; exit 1; fi; : > "$F/active" ;;
  *) exit 0 ;;
esac`);
    script(`journalctl
echo "$*" >> ${dir}/log
echo "[NOTICE]   (100) : Reloading HAProxy"
echo "[ALERT]    (100) : Starting frontend fe8081: cannot bind socket (Address already in use) [10.77.0.100:8081]"
echo "[WARNING]  (100) : Loading failure!"`);
    // A new worker of a config that cannot run dies within the settle time.
    script(`sleep
F=${dir}
if [ -e "$F/dies" ]; then while read -r p; do rm -rf "$F/proc/$p"; done < "$F/dies"; rm -f "$F/dies"; fi
exit 0`);
    const run = (body: string) => {
        const r = spawnSync("sh", ["-c", `${SCRIPT_HEADER}\n${body}\necho reached`], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HAPROXY_HA_PROC_ROOT: proc },
        });
        const log = fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "";
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, log, reloads: log.split("\n").filter((l) => l.startsWith("reload")).length };
    };
    return { dir, run };
}

/** The rollback the config step runs, with the live file and its wanted copy in the fake host's directory. */
function configRollback(dir: string): string {
    fs.mkdirSync(path.join(dir, "prev"));
    fs.writeFileSync(path.join(dir, "prev", "file"), "good config\n");
    fs.writeFileSync(path.join(dir, "prev", "wanted"), "good config\n");
    fs.writeFileSync(path.join(dir, "wanted"), "bad config\n");
    return [`target=${dir}/cfg`, `wanted=${dir}/wanted`, restorePreviousFileScript(`${dir}/prev`)].join("\n");
}

describe("the verified haproxy reload (run against a fake systemctl and proc tree)", () => {
    it("succeeds when a new worker appears under the same master and stays", () => {
        const host = fakeHost({ active: true, config: "good config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.contain("reached");
        expect(r.reloads).to.equal(1);
        expect(fs.readFileSync(path.join(host.dir, "cfg"), "utf8")).to.equal("good config\n");
    });

    it("puts the previous config and its wanted copy back, reloads once more and fails, naming haproxy's alert, when no new worker appears", () => {
        const host = fakeHost({ active: true, config: "bad config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code).to.equal(1);
        expect(r.stdout).to.not.contain("reached");
        expect(r.stderr).to.contain(RELOAD_FAILED_ROLLED_BACK);
        expect(r.stderr).to.contain("cannot bind socket (Address already in use) [10.77.0.100:8081]");
        // Only haproxy's ALERT lines reach the user.
        expect(r.stderr).to.not.contain("Loading failure");
        expect(r.stderr).to.not.contain("NOTICE");
        expect(r.reloads).to.equal(2);
        expect(r.log).to.match(/-u haproxy --since/);
        expect(fs.readFileSync(path.join(host.dir, "cfg"), "utf8")).to.equal("good config\n");
        expect(fs.readFileSync(path.join(host.dir, "wanted"), "utf8")).to.equal("good config\n");
    });

    it("does not take a new worker that dies within the settle time for a loaded config", () => {
        const host = fakeHost({ active: true, config: "good config\n", transient: true });
        const r = host.run(reloadHaproxyVerifiedScript());
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("haproxy-ha: haproxy did not load its config at reload (it kept the old workers)");
        expect(r.reloads).to.equal(1);
    });

    it("starts haproxy when it is not active, and succeeds on systemctl start's status", () => {
        const host = fakeHost({ active: false, config: "good config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code, r.stderr).to.equal(0);
        expect(r.log).to.match(/^start haproxy$/m);
        expect(r.reloads).to.equal(0);
        expect(fs.existsSync(path.join(host.dir, "active"))).to.equal(true);
    });

    it("puts the previous config back and starts haproxy with it when the new one does not start", () => {
        const host = fakeHost({ active: false, config: "bad config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("haproxy-ha: haproxy did not start with the new config; the previous config is back in place");
        expect(r.log.match(/^start haproxy$/gm)).to.have.length(2);
        expect(fs.existsSync(path.join(host.dir, "active"))).to.equal(true);
    });

    it("fails without a rollback (service step) when the config on disk does not load", () => {
        const host = fakeHost({ active: true, config: "bad config\n" });
        const r = host.run(reloadHaproxyVerifiedScript());
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("haproxy-ha: haproxy did not load its config at reload (it kept the old workers)");
        expect(r.stderr).to.contain("cannot bind socket");
        expect(r.reloads).to.equal(1);
    });

    it("says so when there is no previous config to put back", () => {
        const host = fakeHost({ active: true, config: "bad config\n" });
        const rollback = [`target=${host.dir}/cfg`, `wanted=${host.dir}/wanted`, restorePreviousFileScript(`${host.dir}/none`)].join("\n");
        const r = host.run(reloadHaproxyVerifiedScript({ rollback }));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("there is no previous config to put back");
        expect(r.reloads).to.equal(1);
    });
});
