/**
 * The service scripts, run against a fake `systemctl` that keeps a unit's state and logs each call:
 * they enable only what is not enabled (every `systemctl enable` reloads systemd) and destroy
 * puts back what the first enable found.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { systemd } from "../../components/os/systemd";
import { STATE_DIR } from "../../components/os/stateDir";

/** A host with one unit, `enabled`/`disabled` and active or not. */
function fakeHost(enabled: string, active: boolean) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-systemd-"));
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "enabled"), enabled);
    if (active) fs.writeFileSync(path.join(dir, "active"), "");
    fs.writeFileSync(
        path.join(dir, "bin", "systemctl"),
        `#!/bin/sh
F=${dir}
echo "$*" >> "$F/log"
case "$1" in
  is-enabled) cat "$F/enabled"; echo; [ "$(cat "$F/enabled")" = enabled ] ;;
  is-active) if [ -e "$F/active" ]; then echo active; else echo inactive; exit 3; fi ;;
  enable) echo enabled > "$F/enabled" ;;
  disable) echo disabled > "$F/enabled" ;;
  start|restart) : > "$F/active" ;;
  stop) rm -f "$F/active" ;;
esac
`,
        { mode: 0o755 },
    );
    const run = (script: string) => {
        const r = spawnSync("sh", ["-euc", script.split(STATE_DIR).join(path.join(dir, "state"))], { encoding: "utf8", env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` } });
        expect(r.status, r.stderr).to.equal(0);
    };
    const calls = () => (fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8").trim().split("\n") : []);
    const state = () => `${fs.readFileSync(path.join(dir, "enabled"), "utf8").trim()} ${fs.existsSync(path.join(dir, "active")) ? "active" : "inactive"}`;
    return { run, calls, state, clearLog: () => fs.rmSync(path.join(dir, "log"), { force: true }) };
}

describe("systemd service scripts", () => {
    it("a first restart that fails is tried once more after a pause; a second failure fails the step", () => {
        for (const [failures, code] of [[0, 0], [1, 0], [2, 1]] as const) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-restart-"));
            fs.mkdirSync(path.join(dir, "bin"));
            // A systemctl whose first `failures` restarts fail (the unit's start races the package's own).
            fs.writeFileSync(
                path.join(dir, "bin", "systemctl"),
                `#!/bin/sh\necho "$*" >> ${dir}/log\ncase "$1" in\n  is-enabled) echo enabled ;;\n  is-active) echo inactive ;;\n  restart) n=$(grep -c '^restart' ${dir}/log); [ "$n" -gt ${failures} ] || { echo "Job for $2.service failed" >&2; exit 1; } ;;\nesac\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "bin", "sleep"), "#!/bin/sh\n:\n", { mode: 0o755 });
            const script = systemd.enableAndRestart("nginx").split(STATE_DIR).join(path.join(dir, "state"));
            const r = spawnSync("sh", ["-euc", script], { encoding: "utf8", env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}` } });
            expect(r.status, `${failures} failures: ${r.stderr}`).to.equal(code);
            const restarts = fs.readFileSync(path.join(dir, "log"), "utf8").split("\n").filter((l) => l.startsWith("restart"));
            expect(restarts, `${failures} failures`).to.have.length(failures === 0 ? 1 : 2);
            if (failures > 0) expect(r.stderr).to.match(/haproxy-ha: nginx failed to restart on .+; trying once more in 2 s/);
        }
    });

    it("enable leaves an enabled unit alone and enables a disabled one", () => {
        const on = fakeHost("enabled", true);
        on.run(systemd.enable("nginx"));
        expect(on.calls()).to.deep.equal(["is-enabled nginx"]);
        const off = fakeHost("disabled", false);
        off.run(systemd.enable("nginx"));
        expect(off.calls()).to.deep.equal(["is-enabled nginx", "enable nginx"]);
        expect(off.state()).to.equal("enabled inactive");
    });

    it("counts only `enabled` as enabled (static and generated units exit 0 too)", () => {
        const gen = fakeHost("generated", false);
        gen.run(systemd.enable("nginx"));
        expect(gen.calls()).to.include("enable nginx");
    });

    it("enableAndRestart of a unit the package enabled and started restarts it without enabling it again", () => {
        const h = fakeHost("enabled", true);
        h.run(systemd.enableAndRestart("nginx"));
        expect(h.calls().filter((c) => /^(enable|disable) /.test(c))).to.deep.equal([]);
        expect(h.calls()).to.include("restart nginx");
    });

    for (const [before, active] of [
        ["enabled", true],
        ["disabled", false],
        ["disabled", true],
    ] as const) {
        it(`restore puts a unit found ${before} and ${active ? "active" : "inactive"} back`, () => {
            const h = fakeHost(before, active);
            h.run(systemd.enableAndRestart("haproxy"));
            expect(h.state()).to.equal("enabled active");
            h.clearLog();
            h.run(systemd.restore("haproxy"));
            expect(h.state()).to.equal(`${before} ${active ? "active" : "inactive"}`);
            // Nothing to undo is not undone: an enabled unit found enabled is not enabled again.
            if (before === "enabled") expect(h.calls()).to.not.include("enable haproxy");
        });
    }
});
