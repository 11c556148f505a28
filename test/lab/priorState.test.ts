import { expect } from "chai";
import {
    fileSnapshot,
    freshLab,
    hostsOk,
    installedPackages,
    LabInfo,
    labConfig,
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
const SERVICES: Record<string, string[]> = { web1: ["nginx"], web2: ["nginx"], lb1: ["haproxy", "keepalived"], lb2: ["haproxy", "keepalived"] };
/** The rules of an active ufw, or its status line when it is not active. */
const ufwRules = (host: string) => onHost(host, "ufw status | sed -n '/^Status:/p; /ALLOW/p'").stdout.trim();
const webAnswers = (info: LabInfo, host: string) => onHost("client", `curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://${info.hosts[host].address}/`).stdout;

/**
 * Hosts that had something before the library came: web1 already runs its own nginx (enabled,
 * port 80 open in an active ufw). The library must use it and leave it as it found it.
 */
describe("lab: a host's own nginx and firewall before and after the library", function () {
    this.timeout(0);
    let info: LabInfo;
    const prior: Record<string, { packages: string[]; files: string }> = {};
    let web1Rules = "";

    before(async () => {
        prepareTools();
        info = freshLab();
        hostsOk(["stage", "web1", "nginx"]);
        for (const h of ALL) prior[h] = { packages: installedPackages(h), files: fileSnapshot(h) };
        web1Rules = ufwRules("web1");
        expect(web1Rules).to.match(/^Status: active\n(.*\n)*80\/tcp +ALLOW/);
        expect(unitState("web1", "nginx")).to.deep.equal({ active: "active", enabled: "enabled" });
        writeStackFile(labConfig(info));
        await selectStack();
    });

    after(() => {
        hostsOk(["down"]);
        removeStack();
    });

    it("pulumi up serves through the VIP from both web servers, web1 behind its active firewall", async () => {
        await pulumiOk(["up", "--yes", "--skip-preview"]);
        await waitFor("the VIP on lb1", () => vipHolders(info).join() === "lb1", 20_000);
        expect(new Set(requestsThroughVip(info, 6))).to.deep.equal(new Set(["web1", "web2"]));
    });

    it("pulumi destroy keeps web1's nginx installed, enabled and serving, port 80 open, its files as they were; the other hosts lose what was installed", async () => {
        await pulumiOk(["destroy", "--yes", "--skip-preview"]);
        for (const h of ALL) {
            expect(installedPackages(h), `packages on ${h}`).to.deep.equal(prior[h].packages);
            expect(fileSnapshot(h), `files on ${h}`).to.equal(prior[h].files);
        }
        expect(unitState("web1", "nginx")).to.deep.equal({ active: "active", enabled: "enabled" });
        expect(ufwRules("web1")).to.equal(web1Rules);
        expect(webAnswers(info, "web1")).to.equal("200");
    });

    it("changing what the packages step depends on (centos7Vault, then os) keeps every service installed, enabled and active, with zero failed requests", async () => {
        await pulumiOk(["up", "--yes", "--skip-preview"]);
        await waitFor("the VIP on lb1", () => vipHolders(info).join() === "lb1", 20_000);
        const loop = startClientLoop(info, { intervalS: 0.05 });
        await new Promise((r) => setTimeout(r, 1000));
        for (const change of [{ centos7Vault: true }, { centos7Vault: true, os: "auto" }]) {
            writeStackFile(labConfig(info, change));
            const run = await pulumiOk(["up", "--yes", "--skip-preview"]);
            expect(run.stdout, `${JSON.stringify(change)} reaches the packages steps`).to.match(/-packages +(updated|replaced)/);
        }
        await new Promise((r) => setTimeout(r, 1000));
        const result = await loop.stop();
        console.log(`      client loop during the packages-step changes: ${result.failed} failed of ${result.total}`);
        expect(result.total).to.be.greaterThan(20);
        expect(result.failed).to.equal(0);
        for (const h of ALL) {
            for (const unit of SERVICES[h]) {
                expect(installedPackages(h), `${h}: ${unit} installed`).to.include(unit);
                expect(unitState(h, unit), `${h} ${unit}`).to.deep.equal({ active: "active", enabled: "enabled" });
            }
        }
    });

    it("pulumi destroy after those changes still removes exactly what the library installed", async () => {
        await pulumiOk(["destroy", "--yes", "--skip-preview"]);
        for (const h of ALL) expect(installedPackages(h), `packages on ${h}`).to.deep.equal(prior[h].packages);
        expect(unitState("web1", "nginx")).to.deep.equal({ active: "active", enabled: "enabled" });
    });
});
