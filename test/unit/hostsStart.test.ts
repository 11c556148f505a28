import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./helpers";

const HOSTS_SH = path.join(REPO_ROOT, "lab/hosts.sh");

/** Runs `script` in bash with lab/hosts.sh sourced (its functions, no subcommand), in a scratch LAB_STATE. */
function withHostsSh(script: string): { status: number | null; stdout: string; stderr: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-start-"));
    try {
        const r = spawnSync("bash", ["-c", `source "$HOSTS_SH"\n${script}`], {
            encoding: "utf8",
            env: { ...process.env, HOSTS_SH, LAB_STATE: dir, T: dir },
            timeout: 30_000,
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("lab/hosts.sh: start checks judge a starting process by liveness", () => {
    it("waits through a slow exec (the mirror server's PID still a forked bash) until the server answers", () => {
        // For 1 s $! is a bash that has not exec'd the server: the command-line check calls it dead.
        const r = withHostsSh(`
            ( sleep 1; exec sleep 30 ) & pid=$!
            echo "$pid" >"$MIRROR_PID"
            if mirror_server_pid >/dev/null; then echo "cmdline: alive"; else echo "cmdline: dead"; fi
            ( sleep 1.5; : >"$T/ready" ) &
            rc=0; wait_started "$pid" 10 test -e "$T/ready" || rc=$?
            echo "rc=$rc"; kill "$pid"`);
        expect(r.stdout, r.stderr).to.equal("cmdline: dead\nrc=0\n");
    });

    it("reports a process that exits while starting at once, and one that never answers after the limit", () => {
        const r = withHostsSh(`
            ( sleep 0.3 ) & pid=$!
            t=$SECONDS; rc=0; wait_started "$pid" 20 false || rc=$?
            echo "exited rc=$rc fast=$(( SECONDS - t < 5 ))"
            ( exec sleep 10 ) & pid=$!
            rc=0; wait_started "$pid" 1 false || rc=$?
            echo "silent rc=$rc"; kill "$pid"
            pid_alive 999999999 || echo "no such pid: gone"`);
        expect(r.stdout, r.stderr).to.equal("exited rc=1 fast=1\nsilent rc=2\nno such pid: gone\n");
    });
});
