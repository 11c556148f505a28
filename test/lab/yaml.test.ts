import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { DESTROY, hostKeys, hostsOk, LabInfo, pulumiOk, PulumiOptions, REPO_ROOT, UP, vipHolders, waitFor } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";
import { expectAsBefore, expectBalancersRunning, expectRoundRobin, hostStates, HostState } from "./verify";

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
    let before: Record<string, HostState>;
    const lab = labScenario({
        prepare: () => {
            if (!fs.existsSync(path.join(REPO_ROOT, "dist/provider/index.js"))) throw new Error("dist/provider/index.js is missing: run `npm run build`");
            before = hostStates(ALL);
        },
        program: { write: writeYamlStackFile, pulumi: opts, files: [STACK_FILE] },
    });
    const { timings } = lab;

    it("pulumi up builds web1, web2, lb1, lb2 and the pair; the VIP on lb1 serves both backends in turn", async () => {
        timings.up = (await pulumiOk(UP, opts)).seconds;
        await waitFor("the VIP on lb1", () => vipHolders(lab.info).join() === "lb1", 20_000);
        expectRoundRobin(lab.info);
        expectBalancersRunning();
        for (const h of ["lb1", "lb2"]) {
            // The servers' names came from the WebBackends' outputs (Inputs through the package).
            const servers = hostsOk(["exec", h, "--", "sh", "-c", "grep -E '^ +server ' /etc/haproxy/haproxy.cfg | awk '{print $2}'"]).trim().split("\n");
            expect(servers, `${h} servers`).to.deep.equal(["web1", "web2"]);
        }
    });

    it("the stack's outputs: the VIP in clear, the stats password a secret", async () => {
        const out = JSON.parse((await pulumiOk(["stack", "output", "--json"], opts)).stdout);
        expect(out.vip).to.equal(lab.info.vip.split("/")[0]);
        expect(out.statsPassword).to.equal("[secret]");
        const shown = JSON.parse((await pulumiOk(["stack", "output", "--json", "--show-secrets"], opts)).stdout);
        expect(shown.statsPassword).to.match(/^[A-Za-z0-9]{20}$/);
    });

    it("a second pulumi up changes nothing", async () => {
        const run = await pulumiOk([...UP, "--expect-no-changes"], opts);
        timings.noopUp = run.seconds;
        expect(run.stdout).to.match(/unchanged/);
        expect(run.stdout).to.not.match(/[~+-] +command:remote:Command/);
    });

    it("pulumi destroy removes what it installed, stops every service and leaves no file the library wrote", async () => {
        timings.destroy = (await pulumiOk(DESTROY, opts)).seconds;
        expectAsBefore(lab.info, before);
    });
});
