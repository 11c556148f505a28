import { expect } from "chai";
import {
    fileSnapshot,
    freshLab,
    hostsOk,
    LabInfo,
    labConfig,
    mainPid,
    onHost,
    prepareTools,
    pulumiOk,
    removeStack,
    requestsThroughVip,
    selectStack,
    startClientLoop,
    unitState,
    vipHolders,
    waitFor,
    writeStackFile,
} from "../../lab/lab";

const ALL = ["web1", "web2", "lb1", "lb2"];

/** Issue 3's end-to-end run: the real Pulumi engine against five real hosts. */
describe("lab: pulumi up / change / destroy against real hosts", function () {
    this.timeout(0);
    const timings: Record<string, number> = {};
    const snapshots: Record<string, string> = {};
    let info: LabInfo;

    before(async () => {
        prepareTools();
        info = freshLab();
        for (const h of ALL) snapshots[h] = fileSnapshot(h);
        writeStackFile(labConfig(info));
        await selectStack();
    });

    after(() => {
        console.log(`      timings (s): ${JSON.stringify(timings)}`);
        hostsOk(["down"]);
        removeStack();
    });

    it("first pulumi up: the VIP is on lb1 and requests from the client alternate web1/web2", async () => {
        timings.firstUp = (await pulumiOk(["up", "--yes", "--skip-preview"])).seconds;
        await waitFor("the VIP on lb1", () => vipHolders(info).join() === "lb1");
        const answers = requestsThroughVip(info, 10);
        expect(answers).to.have.length(10);
        expect(new Set(answers)).to.deep.equal(new Set(["web1", "web2"]));
        for (let i = 1; i < answers.length; i++) expect(answers[i], `request ${i + 1}`).to.not.equal(answers[i - 1]);
        for (const h of ["lb1", "lb2"]) {
            expect(unitState(h, "haproxy")).to.deep.equal({ active: "active", enabled: "enabled" });
            expect(unitState(h, "keepalived")).to.deep.equal({ active: "active", enabled: "enabled" });
        }
    });

    it("a second pulumi up changes nothing", async () => {
        const run = await pulumiOk(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
        timings.noopUp = run.seconds;
        expect(run.stdout).to.match(/unchanged/);
        expect(run.stdout).to.not.match(/[~+-] +command:remote:Command/);
    });

    it("changing the balance algorithm reloads haproxy on both nodes with zero failed requests", async () => {
        const pids = { lb1: mainPid("lb1", "haproxy"), lb2: mainPid("lb2", "haproxy") };
        const loop = startClientLoop(info, { intervalS: 0.05 });
        await new Promise((r) => setTimeout(r, 1000));
        writeStackFile(labConfig(info, { balance: "static-rr" }));
        timings.change = (await pulumiOk(["up", "--yes", "--skip-preview"])).seconds;
        await new Promise((r) => setTimeout(r, 1000));
        const result = await loop.stop();
        console.log(`      client loop during the change: ${result.failed} failed of ${result.total}`);
        expect(result.total).to.be.greaterThan(20);
        expect(result.failed).to.equal(0);
        for (const h of ["lb1", "lb2"] as const) {
            expect(onHost(h, "grep -c 'balance static-rr' /etc/haproxy/haproxy.cfg").stdout.trim()).to.equal("1");
            expect(mainPid(h, "haproxy"), `${h}: haproxy was restarted instead of reloaded`).to.equal(pids[h]);
        }
    });

    it("pulumi destroy stops and disables every service and leaves no file the library wrote", async () => {
        timings.destroy = (await pulumiOk(["destroy", "--yes", "--skip-preview"])).seconds;
        for (const h of ["lb1", "lb2"]) {
            for (const unit of ["haproxy", "keepalived"]) expect(unitState(h, unit), `${h} ${unit}`).to.deep.equal({ active: "inactive", enabled: "disabled" });
        }
        for (const h of ["web1", "web2"]) expect(unitState(h, "nginx"), `${h} nginx`).to.deep.equal({ active: "inactive", enabled: "disabled" });
        for (const h of ALL) expect(fileSnapshot(h), `files on ${h}`).to.equal(snapshots[h]);
        expect(vipHolders(info)).to.deep.equal([]);
    });
});
