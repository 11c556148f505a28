import { expect } from "chai";
import { DESTROY, fileSnapshot, installedPackages, LabInfo, labConfig, hostsOk, onHost, pulumiOk, requestsThroughVip, startClientLoop, UP, unitState, vipHolders, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";
import { hostStates, HostState } from "./verify";

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
    let prior: Record<string, HostState>;
    let web1Rules = "";
    const lab = labScenario({
        prepare: () => {
            hostsOk(["stage", "web1", "nginx"]);
            prior = hostStates(ALL);
            web1Rules = ufwRules("web1");
            expect(web1Rules).to.match(/^Status: active\n(.*\n)*80\/tcp +ALLOW/);
            expect(unitState("web1", "nginx")).to.deep.equal({ active: "active", enabled: "enabled" });
        },
        config: (info) => labConfig(info),
    });

    it("pulumi up serves through the VIP from both web servers, web1 behind its active firewall", async () => {
        await pulumiOk(UP);
        await waitFor("the VIP on lb1", () => vipHolders(lab.info).join() === "lb1", 20_000);
        expect(new Set(requestsThroughVip(lab.info, 6))).to.deep.equal(new Set(["web1", "web2"]));
    });

    it("pulumi destroy keeps web1's nginx installed, enabled and serving, port 80 open, its files as they were; the other hosts lose what was installed", async () => {
        await pulumiOk(DESTROY);
        for (const h of ALL) {
            expect(installedPackages(h), `packages on ${h}`).to.deep.equal(prior[h].packages);
            expect(fileSnapshot(h), `files on ${h}`).to.equal(prior[h].files);
        }
        expect(unitState("web1", "nginx")).to.deep.equal({ active: "active", enabled: "enabled" });
        expect(ufwRules("web1")).to.equal(web1Rules);
        expect(webAnswers(lab.info, "web1")).to.equal("200");
    });

    it("changing what the packages step runs (os debian → auto, then centos7Vault) keeps every service installed, enabled and active, with zero failed requests", async () => {
        await pulumiOk(UP);
        await waitFor("the VIP on lb1", () => vipHolders(lab.info).join() === "lb1", 20_000);
        const loop = startClientLoop(lab.info, { intervalS: 0.05 });
        await new Promise((r) => setTimeout(r, 1000));
        // `auto` carries every family's branch, so centos7Vault changes the script even on Debian.
        for (const change of [{ os: "auto" }, { os: "auto", centos7Vault: true }]) {
            writeStackFile(labConfig(lab.info, change));
            const run = await pulumiOk(UP);
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
        await pulumiOk(DESTROY);
        for (const h of ALL) expect(installedPackages(h), `packages on ${h}`).to.deep.equal(prior[h].packages);
        expect(unitState("web1", "nginx")).to.deep.equal({ active: "active", enabled: "enabled" });
    });
});
