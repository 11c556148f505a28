import { expect } from "chai";
import { driftCheck, LabInfo, labConfig, LoopResult, mainPid, onHost, pulumiOk, requestsThroughVip, spawnOnHost, startClientLoop, UP, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

/**
 * What web1 serves slowly: 15 MB at nginx's `limit_rate` 300 kB/s (about 50 s, longer than a
 * `pulumi up`). The server side limits: curl's --limit-rate let it through in 20 s here.
 */
const BIG = "/var/www/html/big.bin";
const BIG_BYTES = 15_000_000;

interface WebState {
    state?: string;
    content?: string;
}

/** haproxy's own view of a server, from `show stat` on the runtime API: status, weight, current sessions. */
function runtimeState(lb: string, server: string): { status: string; weight: string; scur: number } {
    const csv = onHost(lb, "echo 'show stat' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock").stdout;
    const header = csv.split("\n")[0].replace(/^# /, "").split(",");
    const row = csv.split("\n").find((l) => l.startsWith(`web,${server},`));
    if (!row) throw new Error(`no row for web/${server} in show stat on ${lb}:\n${csv}`);
    const fields = row.split(",");
    return { status: fields[header.indexOf("status")], weight: fields[header.indexOf("weight")], scur: Number(fields[header.indexOf("scur")]) };
}

/**
 * A long download of BIG through the VIP that landed on web1 (web2 has no such file and answers
 * 404 at once: then it tries again). Resolves with `code bytes` when the download ends.
 */
async function longRequestToWeb1(info: LabInfo): Promise<{ finished: Promise<string>; isRunning: () => boolean; started: number }> {
    const vip = info.vip.split("/")[0];
    for (let attempt = 0; attempt < 10; attempt++) {
        const headers = `/tmp/haproxy-ha-long-${attempt}`;
        const started = Date.now();
        onHost("client", `rm -f ${headers}`);
        const download = spawnOnHost("client", `curl -s -o /dev/null -D ${headers} -w '%{http_code} %{size_download}' http://${vip}/big.bin`);
        const finished = download.done.then((r) => r.stdout.trim());
        const status = await waitFor("the long request's status line", () => onHost("client", `head -n 1 ${headers} 2>/dev/null`).stdout.trim() || undefined, 10_000);
        if (status.includes(" 200")) return { finished, isRunning: download.running, started };
        await finished;
    }
    throw new Error("no long request reached web1 in 10 attempts");
}

describe("lab: drain, maint and a rolling web deploy without a reload or a failed request", function () {
    this.timeout(0);
    let pids: Record<string, string>;
    let loop: { stop(): Promise<LoopResult> } | undefined;

    /** The lab stack with the runtime API on and each web's state/content. */
    const config = (webs: Record<string, WebState>) =>
        labConfig(lab.info, {
            runtimeApi: true,
            webs: ["web1", "web2"].map((name) => ({ name, host: lab.info.hosts[name].address, ...webs[name] })),
        });
    const apply = async (webs: Record<string, WebState>) => {
        writeStackFile(config(webs));
        const r = await pulumiOk(UP);
        const shown = ["web1", "web2"].map((n) => `${n} ${webs[n]?.state ?? "ready"}${webs[n]?.content ? " (new page)" : ""}`);
        console.log(`      pulumi up, ${shown.join(", ")}: ${r.seconds.toFixed(1)} s`);
        return r;
    };
    const answers = (n: number) => requestsThroughVip(lab.info, n);
    const stopLoop = async (what: string) => {
        const result = await loop!.stop();
        loop = undefined;
        console.log(`      client loop ${what}: ${result.failed} failed of ${result.total}`);
        expect(result.total, "requests in the loop").to.be.greaterThan(20);
        expect(result.failed, `failed requests ${what}`).to.equal(0);
    };
    const samePids = () => {
        for (const lb of ["lb1", "lb2"]) expect(mainPid(lb, "haproxy"), `haproxy's master PID on ${lb}`).to.equal(pids[lb]);
    };

    const lab = labScenario({
        config: () => config({}),
        up: () => apply({}),
        vipOnLb1Ms: 20_000,
        ready: () => {
            pids = { lb1: mainPid("lb1", "haproxy"), lb2: mainPid("lb2", "haproxy") };
            expect(pids.lb1).to.match(/^[1-9]\d*$/);
            onHost("web1", `head -c ${BIG_BYTES} /dev/zero > ${BIG} && echo 'limit_rate 300k;' > /etc/nginx/conf.d/haproxy-ha-test-slow.conf && systemctl reload nginx`);
        },
        destroy: true,
    });

    afterEach(async () => {
        if (loop) await loop.stop();
        loop = undefined;
    });

    it("drains web1 at once: new requests go to web2 only, an open long request to web1 completes, nothing fails, haproxy is not reloaded", async () => {
        expect(new Set(answers(6))).to.deep.equal(new Set(["web1", "web2"]));
        loop = startClientLoop(lab.info, { intervalS: 0.05 });
        const long = await longRequestToWeb1(lab.info);
        await apply({ web1: { state: "drain" } });
        const open = long.isRunning();
        const drained = runtimeState("lb1", "web1");
        expect(answers(10)).to.deep.equal(Array(10).fill("web2"));
        const result = await long.finished;
        console.log(`      the long request to web1: ${result} after ${((Date.now() - long.started) / 1000).toFixed(1)} s`);
        expect(open, `the long request to web1 is still open after the drain (it ended with ${result})`).to.equal(true);
        expect(result).to.equal(`200 ${BIG_BYTES}`);
        expect(drained.status, "web1 on lb1 right after the drain").to.equal("DRAIN");
        expect(drained.scur, "sessions lb1 still held to web1 right after the drain").to.be.greaterThan(0);
        await stopLoop("while draining");
        samePids();
        for (const lb of ["lb1", "lb2"]) {
            expect(runtimeState(lb, "web1").status, `web1 on ${lb}`).to.equal("DRAIN");
            expect(onHost(lb, "grep -E '^ +server web1 ' /etc/haproxy/haproxy.cfg").stdout).to.match(/ weight 0\b/);
        }
        const d = driftCheck(lab.info);
        expect(d.code, d.out).to.equal(0);
    });

    it("keeps web1 drained across a reload (haproxy.cfg carries the state)", async () => {
        const workers = () => onHost("lb1", "pgrep -P $(systemctl show -p MainPID --value haproxy) -x haproxy").stdout.trim();
        const before = workers();
        for (const lb of ["lb1", "lb2"]) onHost(lb, "systemctl reload haproxy");
        await waitFor("a new haproxy worker on lb1", () => (workers() !== before && workers() !== "") || undefined, 15_000);
        expect(answers(10)).to.deep.equal(Array(10).fill("web2"));
        samePids();
    });

    it("back to ready: the rotation resumes on both, nothing fails, no reload", async () => {
        loop = startClientLoop(lab.info, { intervalS: 0.05 });
        await apply({});
        await waitFor("web1 back in the rotation", () => new Set(answers(4)).size === 2 || undefined, 15_000);
        expect(runtimeState("lb1", "web1").weight).to.equal("1");
        await stopLoop("back to ready");
        samePids();
    });

    it("maint takes web1 out (MAINT, `disabled` in haproxy.cfg) and back, nothing fails, no reload", async () => {
        loop = startClientLoop(lab.info, { intervalS: 0.05 });
        await apply({ web1: { state: "maint" } });
        expect(answers(10)).to.deep.equal(Array(10).fill("web2"));
        expect(runtimeState("lb1", "web1").status).to.equal("MAINT");
        expect(onHost("lb1", "grep -E '^ +server web1 ' /etc/haproxy/haproxy.cfg").stdout.trim()).to.match(/ disabled$/);
        await apply({});
        await waitFor("web1 back in the rotation", () => new Set(answers(4)).size === 2 || undefined, 15_000);
        await stopLoop("through maint and back");
        samePids();
    });

    it("a rolling web deploy (drain, update, ready; one web at a time) fails no request", async () => {
        loop = startClientLoop(lab.info, { intervalS: 0.05 });
        const started = Date.now();
        const webs: Record<string, WebState> = {};
        for (const name of ["web1", "web2"]) {
            const content = `<!doctype html>\n<html><body><h1>${name} v2</h1></body></html>\n`;
            webs[name] = { state: "drain" };
            await apply(webs);
            webs[name] = { state: "drain", content };
            await apply(webs);
            webs[name] = { content };
            await apply(webs);
        }
        console.log(`      rolling deploy of 2 webs: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        await waitFor("both new pages in the rotation", () => new Set(answers(4)).size === 2 || undefined, 15_000);
        expect(new Set(answers(6))).to.deep.equal(new Set(["web1 v2", "web2 v2"]));
        await stopLoop("over the rolling deploy");
        samePids();
    });
});
