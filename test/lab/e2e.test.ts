import { expect } from "chai";
import { DESTROY, installedPackages, labConfig, mainPid, mirrorDownloads, onHost, pulumiOk, startClientLoop, UP, vipHolders, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";
import { expectAsBefore, expectBalancersRunning, expectRoundRobin, hostStates, HostState } from "./verify";

const ALL = ["web1", "web2", "lb1", "lb2"];
/** What the library installs on each bare host (Debian package names). */
const INSTALLS: Record<string, string[]> = {
    web1: ["nginx"],
    web2: ["nginx"],
    lb1: ["haproxy", "keepalived", "iputils-ping"],
    lb2: ["haproxy", "keepalived", "iputils-ping"],
};

/** The real Pulumi engine against five real bare hosts: install, no-op, change, destroy. */
describe("lab: pulumi up / change / destroy against real hosts", function () {
    this.timeout(0);
    let before: Record<string, HostState>;
    // `auto`: the family is detected on each host, the path a user without `os` set takes.
    const config = (overrides: Record<string, unknown> = {}) => labConfig(lab.info, { os: "auto", ...overrides });
    const lab = labScenario({
        prepare: () => {
            before = hostStates(ALL);
        },
        config: () => config(),
    });
    const { timings } = lab;

    it("first pulumi up installs the packages from the lab mirror; the VIP is on lb1 and requests alternate web1/web2", async () => {
        for (const h of ALL) for (const p of INSTALLS[h]) expect(before[h].packages, `${h} starts without ${p}`).to.not.include(p);
        timings.firstUp = (await pulumiOk(UP)).seconds;
        const downloads = mirrorDownloads(lab.info);
        for (const h of ALL) {
            const added = installedPackages(h).filter((p) => !before[h].packages.includes(p));
            expect(added, `packages installed on ${h}`).to.include.members(INSTALLS[h]);
            // Every package that appeared was fetched by this host from the lab's mirror.
            expect([...(downloads[h] ?? [])], `packages ${h} downloaded from the mirror`).to.include.members(added);
        }
        await waitFor("the VIP on lb1", () => vipHolders(lab.info).join() === "lb1");
        expectRoundRobin(lab.info);
        expectBalancersRunning();
    });

    it("a second pulumi up changes nothing", async () => {
        const run = await pulumiOk([...UP, "--expect-no-changes"]);
        timings.noopUp = run.seconds;
        expect(run.stdout).to.match(/unchanged/);
        expect(run.stdout).to.not.match(/[~+-] +command:remote:Command/);
    });

    it("changing the balance algorithm reloads haproxy on both nodes with zero failed requests", async () => {
        const pids = { lb1: mainPid("lb1", "haproxy"), lb2: mainPid("lb2", "haproxy") };
        const loop = startClientLoop(lab.info, { intervalS: 0.05 });
        await new Promise((r) => setTimeout(r, 1000));
        writeStackFile(config({ balance: "static-rr" }));
        timings.change = (await pulumiOk(UP)).seconds;
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

    it("pulumi destroy removes exactly the packages it installed, stops every service and leaves no file the library wrote", async () => {
        timings.destroy = (await pulumiOk(DESTROY)).seconds;
        expectAsBefore(lab.info, before);
    });
});
