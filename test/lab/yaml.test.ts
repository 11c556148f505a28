import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import {
    fileSnapshot,
    freshLab,
    hostKeys,
    hostsOk,
    installedPackages,
    LabInfo,
    prepareTools,
    pulumiOk,
    PulumiOptions,
    REPO_ROOT,
    removeStack,
    requestsThroughVip,
    unitState,
    vipHolders,
    waitFor,
} from "../../lab/lab";

const PROJECT = path.join(REPO_ROOT, "examples/yaml");
const STACK = "lab";
const STACK_FILE = path.join(PROJECT, `Pulumi.${STACK}.yaml`);
const ALL = ["web1", "web2", "lb1", "lb2"];

/** The YAML program's stack config for the lab hosts (host keys pinned, as the TypeScript stack does). */
function writeYamlStackFile(info: LabInfo): void {
    const keys = hostKeys(info);
    const h = info.hosts;
    const config: Record<string, unknown> = {
        os: "debian",
        privateKeyPath: info.sshKeyPath,
        vip: info.vip,
        vipAddress: info.vip.split("/")[0],
        interface: info.interface,
        virtualRouterId: 77,
    };
    for (const name of ALL) {
        config[`${name}Host`] = h[name].address;
        config[`${name}HostKey`] = keys[h[name].address];
    }
    const doc = { config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`haproxy-ha-yaml:${k}`, v])) };
    fs.writeFileSync(STACK_FILE, "# Written by test/lab/yaml.test.ts for the local lab hosts.\n" + yaml.dump(doc, { lineWidth: 200 }));
}

/**
 * examples/yaml, a Pulumi YAML program, builds the seed's topology from the component package
 * (through plugin/'s launcher) on real bare hosts: up, no-op up, destroy.
 */
describe("lab: the YAML program (examples/yaml) through the component package", function () {
    this.timeout(0);
    const opts: PulumiOptions = { cwd: PROJECT, stack: STACK };
    const timings: Record<string, number> = {};
    const snapshots: Record<string, string> = {};
    const packages: Record<string, string[]> = {};
    let info: LabInfo;

    before(async () => {
        prepareTools();
        if (!fs.existsSync(path.join(REPO_ROOT, "dist/provider/index.js"))) throw new Error("dist/provider/index.js is missing: run `npm run build`");
        info = freshLab();
        for (const h of ALL) {
            snapshots[h] = fileSnapshot(h);
            packages[h] = installedPackages(h);
        }
        writeYamlStackFile(info);
        await pulumiOk(["stack", "select", "--create"], opts);
    });

    after(() => {
        console.log(`      timings (s): ${JSON.stringify(timings)}`);
        hostsOk(["down"]);
        removeStack();
        fs.rmSync(STACK_FILE, { force: true });
    });

    it("pulumi up builds web1, web2, lb1, lb2 and the pair; the VIP on lb1 serves both backends in turn", async () => {
        timings.up = (await pulumiOk(["up", "--yes", "--skip-preview"], opts)).seconds;
        await waitFor("the VIP on lb1", () => vipHolders(info).join() === "lb1", 20_000);
        const answers = requestsThroughVip(info, 10);
        expect(answers).to.have.length(10);
        expect(new Set(answers)).to.deep.equal(new Set(["web1", "web2"]));
        for (let i = 1; i < answers.length; i++) expect(answers[i], `request ${i + 1}`).to.not.equal(answers[i - 1]);
        for (const h of ["lb1", "lb2"]) {
            expect(unitState(h, "haproxy")).to.deep.equal({ active: "active", enabled: "enabled" });
            expect(unitState(h, "keepalived")).to.deep.equal({ active: "active", enabled: "enabled" });
            // The servers' names came from the WebBackends' outputs (Inputs through the package).
            const servers = hostsOk(["exec", h, "--", "sh", "-c", "grep -E '^ +server ' /etc/haproxy/haproxy.cfg | awk '{print $2}'"]).trim().split("\n");
            expect(servers, `${h} servers`).to.deep.equal(["web1", "web2"]);
        }
    });

    it("the stack's outputs: the VIP in clear, the stats password a secret", async () => {
        const out = JSON.parse((await pulumiOk(["stack", "output", "--json"], opts)).stdout);
        expect(out.vip).to.equal(info.vip.split("/")[0]);
        expect(out.statsPassword).to.equal("[secret]");
        const shown = JSON.parse((await pulumiOk(["stack", "output", "--json", "--show-secrets"], opts)).stdout);
        expect(shown.statsPassword).to.match(/^[A-Za-z0-9]{20}$/);
    });

    it("a second pulumi up changes nothing", async () => {
        const run = await pulumiOk(["up", "--yes", "--skip-preview", "--expect-no-changes"], opts);
        timings.noopUp = run.seconds;
        expect(run.stdout).to.match(/unchanged/);
        expect(run.stdout).to.not.match(/[~+-] +command:remote:Command/);
    });

    it("pulumi destroy removes what it installed, stops every service and leaves no file the library wrote", async () => {
        timings.destroy = (await pulumiOk(["destroy", "--yes", "--skip-preview"], opts)).seconds;
        for (const h of ALL) {
            expect(installedPackages(h), `packages on ${h}`).to.deep.equal(packages[h]);
            for (const unit of ["haproxy", "keepalived", "nginx"]) expect(unitState(h, unit).active, `${h} ${unit}`).to.equal("inactive");
            expect(fileSnapshot(h), `files on ${h}`).to.equal(snapshots[h]);
        }
        expect(vipHolders(info)).to.deep.equal([]);
    });
});
