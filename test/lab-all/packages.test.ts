/**
 * Pinned versions and a signed vendor repository on real hosts (docs/packages.md): the lab's
 * vendor repository (lab/vendorRepo.sh: a key made now, Debian's haproxy repacked as
 * <version>+vendor1 and signed with it) served beside the mirror. Not in CI (several `pulumi
 * up`s: over 3 minutes): `npm run test:lab:all`.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DESTROY, LAB_STATE, labConfig, onHost, pulumi, pulumiOk, REPO_ROOT, requestsThroughVip, UP, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

interface VendorRepo {
    url: string;
    key: string;
    otherKey: string;
    version: string;
    releaseVersion: string;
}

const VENDOR_SH = path.join(REPO_ROOT, "lab/vendorRepo.sh");
const BALANCERS = ["lb1", "lb2"];
const FILES = ["/etc/apt/sources.list.d/haproxy-ha-haproxy-vendor.sources", "/etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc", "/etc/apt/preferences.d/haproxy-ha-haproxy.pref"];

function vendorRepo(action: "up" | "down"): VendorRepo | undefined {
    const r = spawnSync("bash", [VENDOR_SH, action], { encoding: "utf8", env: { ...process.env, LAB_STATE } });
    if (r.status !== 0) throw new Error(`lab/vendorRepo.sh ${action} failed: ${r.stderr}`);
    return action === "up" ? (JSON.parse(r.stdout.trim().split("\n").pop()!) as VendorRepo) : undefined;
}

const installed = (host: string) => onHost(host, "dpkg-query -W -f '${Version}' haproxy").stdout.trim();
/** haproxy runs, and its master runs the installed binary (not one a package change replaced under it). */
function runsInstalled(host: string): string {
    const r = onHost(host, `systemctl is-active haproxy && readlink /proc/"$(systemctl show -p MainPID --value haproxy)"/exe`);
    return r.stdout.trim().replace(/\n/g, " ");
}
/** dpkg.log's lines on haproxy changing version or going away, on `host`. */
function dpkgChanges(host: string): string[] {
    return onHost(host, "grep -E ' (upgrade|remove|purge) haproxy:' /var/log/dpkg.log || true").stdout.trim().split("\n").filter(Boolean);
}

describe("lab: pinned versions and a signed vendor repository (apt)", function () {
    this.timeout(0);
    let repo: VendorRepo;
    const key = (file: string) => fs.readFileSync(file, "utf8");
    const config = (over: { sub?: string; keyFile?: string; pin?: string } = {}) =>
        labConfig(lab.info, {
            packages: { haproxy: over.pin ?? repo.version },
            repositories: [{ name: "vendor", url: `${repo.url}${over.sub ?? "signed"}/`, signingKey: key(over.keyFile ?? repo.key), suites: ["./"] }],
        });
    const failingUp = async (cfg: Record<string, unknown>) => {
        writeStackFile(cfg);
        const r = await pulumi(UP);
        expect(r.code, "pulumi up").to.not.equal(0);
        return r.stdout + r.stderr;
    };
    const stillServing = () => {
        for (const lb of BALANCERS) {
            expect(installed(lb), `${lb}: haproxy's version`).to.equal(repo.version);
            expect(runsInstalled(lb), `${lb}: haproxy`).to.match(/^active \/usr\/sbin\/haproxy$/);
        }
        expect(requestsThroughVip(lab.info, 4).filter((s) => s === "error"), "requests through the VIP").to.deep.equal([]);
    };

    const lab = labScenario({
        prepare: () => {
            repo = vendorRepo("up")!;
        },
        config: () => config(),
        up: true,
        vipOnLb1Ms: 30_000,
        cleanup: () => {
            vendorRepo("down");
        },
    });

    it("installs the pinned vendor version from the signed repository, and haproxy runs it", () => {
        expect(repo.version).to.match(/\+vendor1$/);
        for (const lb of BALANCERS) {
            expect(installed(lb), lb).to.equal(repo.version);
            expect(runsInstalled(lb), lb).to.equal("active /usr/sbin/haproxy");
            const files = onHost(lb, `cat ${FILES.join(" ")}`).stdout;
            expect(files).to.contain(`Signed-By: ${FILES[1]}`).and.contain("-----BEGIN PGP PUBLIC KEY BLOCK-----").and.contain(`Pin: version ${repo.version}`);
        }
        stillServing();
    });

    it("refuses a pin the repositories lack, listing the versions they have, with nothing changed", async () => {
        const out = await failingUp(config({ pin: "9.9.*" }));
        expect(out).to.contain(`packages.haproxy "9.9.*" is not in the repositories of lb`);
        expect(out).to.contain(`they have: ${repo.releaseVersion} ${repo.version}`);
        stillServing();
    });

    it("refuses a repository signed with another key, naming it, with nothing changed", async () => {
        const out = await failingUp(config({ keyFile: repo.otherKey }));
        expect(out).to.contain(`haproxy-ha: repositories vendor (${repo.url}signed/) was refused by apt on lb`);
        expect(out).to.match(/NO_PUBKEY|not signed/);
        for (const lb of BALANCERS) expect(onHost(lb, `cat ${FILES[1]}`).stdout).to.equal(key(repo.key).trim() + "\n");
        stillServing();
    });

    it("refuses an unsigned repository, naming it, with nothing changed", async () => {
        const out = await failingUp(config({ sub: "unsigned" }));
        expect(out).to.contain(`haproxy-ha: repositories vendor (${repo.url}unsigned/) was refused by apt on lb`);
        for (const lb of BALANCERS) expect(onHost(lb, `cat ${FILES[0]}`).stdout).to.contain(`URIs: ${repo.url}signed/`);
        stillServing();
    });

    it("downgrades in place to a changed pin, BACKUP (lb2) first, each checked, never a remove", async () => {
        writeStackFile(config({ pin: repo.releaseVersion }));
        const r = await pulumiOk(UP);
        const changed: Record<string, string> = {};
        for (const lb of BALANCERS) {
            expect(installed(lb), lb).to.equal(repo.releaseVersion);
            expect(runsInstalled(lb), lb).to.equal("active /usr/sbin/haproxy");
            const lines = dpkgChanges(lb);
            expect(lines.filter((l) => / (remove|purge) /.test(l)), `${lb}: dpkg removed haproxy`).to.deep.equal([]);
            // dpkg.log says "upgrade" for a downgrade too: `upgrade haproxy:amd64 <from> <to>`.
            const down = lines.filter((l) => l.includes(" upgrade haproxy:") && l.endsWith(` ${repo.version} ${repo.releaseVersion}`));
            expect(down, `${lb}: dpkg.log`).to.have.length(1);
            changed[lb] = down[0].slice(0, 19);
            expect(r.stdout + r.stderr).to.contain(`haproxy-ha: haproxy ${repo.version} -> ${repo.releaseVersion} on ${lb}`);
        }
        console.log(`      downgraded: lb2 at ${changed.lb2}, lb1 at ${changed.lb1} (${r.seconds.toFixed(0)} s up)`);
        expect(changed.lb2 <= changed.lb1, "lb2 (BACKUP) downgraded before lb1").to.equal(true);
        expect(requestsThroughVip(lab.info, 4).filter((s) => s === "error")).to.deep.equal([]);
    });

    it("destroy removes the source, the keyring and the preferences, and what the library installed", async () => {
        await pulumiOk(DESTROY);
        for (const lb of BALANCERS) {
            expect(onHost(lb, `ls ${FILES.join(" ")} 2>/dev/null; ls /etc/apt/sources.list.d`).stdout.trim(), lb).to.equal("haproxy-ha-lab.list");
            expect(onHost(lb, "apt-cache policy haproxy").stdout, lb).to.not.contain(":8081");
            expect(onHost(lb, "dpkg-query -W -f '${db:Status-Abbrev}' haproxy 2>/dev/null; test -e /var/lib/haproxy-ha && echo state-left").stdout.trim(), lb).to.not.match(/ii|state-left/);
        }
    });
});
