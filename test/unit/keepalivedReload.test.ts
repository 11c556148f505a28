import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SCRIPT_HEADER } from "../../components/remoteSteps";
import { restorePreviousFileScript } from "../../components/script/files";
import { KEEPALIVED_REDACT_FUNCTION, KEEPALIVED_RELOAD_FAILED_ROLLED_BACK, REDACTED_LINE, reloadKeepalivedVerifiedScript } from "../../components/script/keepalivedReload";
import { keepalivedSteps } from "../../components/script/keepalivedSteps";

const SECRET = "s3cr3tpw";
const GOOD = `vrrp_instance VI_a {\n    authentication {\n        auth_pass ${SECRET}\n    }\n}\n`;

/**
 * A fake host: `systemctl` that acts like keepalived's unit, its journal cut at each reload or
 * start (what `--since` gives), a proc tree (MainPID 300, its VRRP child 301), `keepalived
 * --version`, and a `sleep` that returns at once. What a reload does depends on the live config:
 * `dies` (keepalived 2.2 refuses it in its VRRP child: the process terminates, quoting the
 * password line), `ignored` (a change it cannot make at a reload), `hangs` (never says complete),
 * `complains` (1.3.5: an unknown keyword, the process stays); anything else loads.
 */
function fakeKeepalivedHost(opts: { active: boolean; config: string; version?: string }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-keepalived-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const version = opts.version ?? "2.2.7";
    const modern = version.startsWith("2.");
    const up = `mkdir -p "$F/proc/300" "$F/proc/301"; echo "300 (keepalived) S 1 1 1" > "$F/proc/300/stat"; echo "301 (keepalived) S 300 1 1" > "$F/proc/301/stat"; echo 300 > "$F/main"; : > "$F/active"`;
    if (opts.active) spawnSync("sh", ["-c", `F=${dir}; ${up}`]);
    fs.writeFileSync(path.join(dir, "cfg"), opts.config);
    const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nF=${dir}\n${body}\n`, { mode: 0o755 });
    script(
        "systemctl",
        `echo "$*" >> "$F/log"
log() { printf '%s\\n' "$@" >> "$F/journal"; }
case "$1" in
  is-active) [ -e "$F/active" ] ;;
  show) echo "MainPID=$(cat "$F/main" 2>/dev/null || echo 0)" ;;
  reload)
    : > "$F/journal"
    ${modern ? `log "Reloading ..." "Reloading"` : ":"}
    if grep -q dies "$F/cfg"; then
      log "(/etc/keepalived/keepalived.conf: Line 3) WARNING - interface eth9 for vrrp_instance VI_a doesn't exist" "Unknown keyword 'auth_pass ${SECRET}'" "password ${SECRET} too long" "Non-existent interface specified in configuration" "pid 301 exited with permanent error CONFIG. Terminating"
      rm -rf "$F/proc/300" "$F/proc/301" "$F/active"; echo 0 > "$F/main"
    elif grep -q ignored "$F/cfg"; then log "Cannot change instance name at a reload - please restart keepalived"
    elif grep -q complains "$F/cfg"; then log "Unknown keyword 'no_such_keyword'"
    elif grep -q hangs "$F/cfg"; then :
    else ${modern ? `log "Reload complete"` : ":"}
    fi ;;
  start)
    : > "$F/journal"
    if grep -q dies "$F/cfg"; then log "Non-existent interface specified in configuration"; exit 1; fi
    ${up}; ${modern ? `log "Startup complete"` : ":"} ;;
  *) exit 0 ;;
esac`,
    );
    script("journalctl", `echo "journalctl $*" >> "$F/log"; cat "$F/journal" 2>/dev/null; exit 0`);
    script("keepalived", `echo "Keepalived v${version} (01/16,2022)" >&2`);
    script("sleep", "exit 0");
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, HAPROXY_HA_PROC_ROOT: path.join(dir, "proc") };
    const log = () => (fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "");
    /** The config step's reload with its rollback, the previous config being GOOD (or none). */
    const run = (previous: string | null = GOOD) => {
        const prev = path.join(dir, "prev");
        fs.mkdirSync(prev, { recursive: true });
        if (previous !== null) {
            fs.writeFileSync(path.join(prev, "file"), previous);
            fs.writeFileSync(path.join(prev, "wanted"), previous);
        }
        fs.writeFileSync(path.join(dir, "wanted"), opts.config);
        const body = [
            KEEPALIVED_REDACT_FUNCTION,
            `target=${dir}/cfg`,
            `wanted=${dir}/wanted`,
            `prev=${prev}`,
            reloadKeepalivedVerifiedScript({ rollback: restorePreviousFileScript(`"$prev"`), secretFiles: [`"$target"`, `"$prev/file"`] }),
        ].join("\n");
        const r = spawnSync("sh", ["-c", `${SCRIPT_HEADER}\n${body}\necho reached`], { encoding: "utf8", env });
        const actions = log().split("\n").filter((l) => /^(reload|start) /.test(l));
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, actions, cfg: fs.readFileSync(path.join(dir, "cfg"), "utf8"), wanted: fs.readFileSync(path.join(dir, "wanted"), "utf8"), alive: fs.existsSync(path.join(dir, "active")) };
    };
    return { dir, run };
}

describe("the verified keepalived reload (run against a fake systemctl, journal and proc tree)", () => {
    it("succeeds when keepalived 2.2 reports the reload complete and its processes live", () => {
        const r = fakeKeepalivedHost({ active: true, config: `${GOOD}# priority changed\n` }).run();
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.contain("reached");
        expect(r.actions).to.deep.equal(["reload keepalived"]);
        expect(r.cfg).to.contain("priority changed");
    });

    it("puts the previous config and its wanted copy back, starts keepalived on it and fails with keepalived's lines when the process died at reload, never showing the password", () => {
        const r = fakeKeepalivedHost({ active: true, config: `${GOOD}# dies\n` }).run();
        expect(r.code).to.equal(1);
        expect(r.stdout).to.not.contain("reached");
        expect(r.stderr).to.contain(`${KEEPALIVED_RELOAD_FAILED_ROLLED_BACK} (the keepalived process exited); the previous config is back in place`);
        expect(r.stderr).to.contain("Non-existent interface specified in configuration");
        expect(r.stderr).to.contain("exited with permanent error CONFIG. Terminating");
        expect(r.stderr).to.contain(REDACTED_LINE);
        expect(r.stderr).to.not.contain(SECRET);
        // The reload, then a start (keepalived had terminated) on the previous config.
        expect(r.actions).to.deep.equal(["reload keepalived", "start keepalived"]);
        expect(r.cfg).to.equal(GOOD);
        expect(r.wanted).to.equal(GOOD);
        expect(r.alive).to.equal(true);
    });

    it("rolls back when keepalived keeps its old config (a change it cannot make at a reload)", () => {
        const r = fakeKeepalivedHost({ active: true, config: `${GOOD}# ignored\n` }).run();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("(keepalived refused it); the previous config is back in place");
        expect(r.stderr).to.contain("Cannot change instance name at a reload - please restart keepalived");
        expect(r.actions).to.deep.equal(["reload keepalived", "reload keepalived"]);
        expect(r.cfg).to.equal(GOOD);
    });

    it("fails when keepalived 2.2 never reports the reload complete", () => {
        const r = fakeKeepalivedHost({ active: true, config: `${GOOD}# hangs\n` }).run();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("keepalived did not report the reload complete within 15 s");
        expect(r.cfg).to.equal(GOOD);
    });

    it("on keepalived 1.3.5 (no 'Reload complete', no -t): succeeds on a live process after the settle, rolls back on a complaint in its log", () => {
        const ok = fakeKeepalivedHost({ active: true, config: `${GOOD}# fine\n`, version: "1.3.5" }).run();
        expect(ok.code, ok.stderr).to.equal(0);
        const bad = fakeKeepalivedHost({ active: true, config: `${GOOD}# complains\n`, version: "1.3.5" }).run();
        expect(bad.code).to.equal(1);
        expect(bad.stderr).to.contain("Unknown keyword 'no_such_keyword'");
        expect(bad.stderr).to.contain("the previous config is back in place");
        expect(bad.actions).to.deep.equal(["reload keepalived", "reload keepalived"]);
        expect(bad.cfg).to.equal(GOOD);
    });

    it("starts keepalived when it is not active; a config it does not start on is replaced by the previous one, started", () => {
        const ok = fakeKeepalivedHost({ active: false, config: `${GOOD}# fine\n` }).run();
        expect(ok.code, ok.stderr).to.equal(0);
        expect(ok.actions).to.deep.equal(["start keepalived"]);
        const bad = fakeKeepalivedHost({ active: false, config: `${GOOD}# dies\n` }).run();
        expect(bad.code).to.equal(1);
        expect(bad.stderr).to.contain("haproxy-ha: keepalived did not start with the new config (systemctl start failed); the previous config is back in place");
        expect(bad.actions).to.deep.equal(["start keepalived", "start keepalived"]);
        expect(bad.alive).to.equal(true);
    });

    it("says so when there is no previous config to put back", () => {
        const r = fakeKeepalivedHost({ active: true, config: `${GOOD}# dies\n` }).run(null);
        expect(r.code).to.equal(1);
        expect(r.stderr, r.stderr).to.contain("there is no previous config to put back");
        expect(r.stderr).to.not.contain(SECRET);
    });
});

describe("keepalived's messages on the config step's stderr", () => {
    it("keepalived_redact replaces every line that holds an auth_pass value of the given files, or the word auth_pass", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-redact-"));
        fs.writeFileSync(path.join(dir, "a.conf"), GOOD);
        fs.writeFileSync(path.join(dir, "b.conf"), "    auth_pass 0ther9w\n");
        const input = ["(Line 3) Unknown keyword 'x'", `value ${SECRET} too long`, "auth_pass: bad", "x 0ther9w y", "ok line"].join("\n") + "\n";
        const r = spawnSync("sh", ["-c", `${KEEPALIVED_REDACT_FUNCTION}\nkeepalived_redact ${dir}/a.conf ${dir}/b.conf ${dir}/missing.conf`], { input, encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout.split("\n")).to.deep.equal(["(Line 3) Unknown keyword 'x'", REDACTED_LINE, REDACTED_LINE, REDACTED_LINE, "ok line", ""]);
    });

    it("the config step's -t check passes keepalived's output through the redaction, and its update reloads through the verified reload", () => {
        const config = keepalivedSteps({ os: "debian", archiveRepos: false, ipv6: false }).find((s) => s.name === "config")!;
        expect(config.create).to.match(/printf '%s\\n' "\$kt_out" \| keepalived_redact "\$tmp" "\$target" >&2/);
        expect(config.update).to.contain("keepalived_reload()");
        expect(config.update).to.contain(`prev=$(mktemp -d`);
        expect(config.update).to.not.match(/systemctl reload 'keepalived'; else systemctl start/);
    });
});
