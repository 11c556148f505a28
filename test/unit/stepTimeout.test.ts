import { expect } from "chai";
import { spawnSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { WebBackend } from "../../components";
import { engineTimeout, remoteScript } from "../../components/remoteSteps";
import { setRenderMocks } from "../../scripts/renderStack";
import { commandsOf } from "./helpers";

setRenderMocks();

/** Runs a step's command as the host's login shell would (`sh -c COMMAND`), with `stdin`. */
function runOnHost(command: string, stdin = "") {
    const started = Date.now();
    const r = spawnSync("sh", ["-c", command], { input: stdin, encoding: "utf8", timeout: 30_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
}

describe("the per-step limit (stepTimeoutS)", () => {
    it("a step within its limit runs as before: stdin reaches the script, its output and exit code come back", () => {
        const r = runOnHost(remoteScript(`read -r line\necho "got $line"\nexit 3`, false, 30), "hello\n");
        expect(r.stdout).to.equal("got hello\n");
        expect(r.code).to.equal(3);
        expect(r.stderr).to.equal("");
    });

    it("stops at the first failing command (set -eu) inside the limit wrapper", () => {
        const r = runOnHost(remoteScript(`false\necho "not reached"`, false, 30));
        expect(r.code).to.equal(1);
        expect(r.stdout).to.equal("");
    });

    it("a step that outlives its limit is stopped by the host and fails naming the limit", () => {
        const r = runOnHost(remoteScript(`echo started\nsleep 20\necho "not reached"`, false, 1));
        expect(r.code).to.equal(124);
        expect(r.seconds).to.be.below(10);
        expect(r.stdout).to.equal("started\n");
        expect(r.stderr).to.match(/^haproxy-ha: the step ran longer than 1 s \(stepTimeoutS\) on \S+ and was stopped\n$/);
    });

    it("the script text travels quoted once: quotes, $() and backticks in it are not run by the wrapper", () => {
        const body = "cat <<'END'\nit's `x` $(y) \"q\" ; exit 9\nEND";
        const r = runOnHost(remoteScript(body, false, 30));
        expect(r.code).to.equal(0);
        expect(r.stdout).to.equal("it's `x` $(y) \"q\" ; exit 9\n");
    });

    it("become runs the whole wrapper through sudo -n", () => {
        expect(remoteScript("true", true, 30)).to.match(/^sudo -n sh -c '/);
        expect(engineTimeout(1800)).to.equal("1860s");
    });

    it("components take the limit from stepTimeoutS (default 1800 s) and refuse a bad one naming it", async () => {
        new WebBackend("t-limit-default", { os: "debian", connection: { host: "10.77.0.11", privateKey: pulumi.secret("K") } });
        new WebBackend("t-limit-60", { os: "debian", connection: { host: "10.77.0.12", privateKey: pulumi.secret("K") }, stepTimeoutS: 60 });
        const byDefault = await commandsOf("t-limit-default-", 5);
        const sixty = await commandsOf("t-limit-60-", 5);
        for (const c of byDefault) expect(c.inputs.create).to.include("timeout -k 10 1800 sh -c");
        for (const c of sixty) {
            expect(c.inputs.create).to.include("timeout -k 10 60 sh -c");
            expect(c.inputs.delete).to.include("timeout -k 10 60 sh -c");
        }
        expect(() => new WebBackend("t-limit-bad", { os: "debian", connection: { host: "10.77.0.13" }, stepTimeoutS: 0 })).to.throw(
            'WebBackend "t-limit-bad": `stepTimeoutS` must be an integer from 10 to 86400, got 0',
        );
    });
});
