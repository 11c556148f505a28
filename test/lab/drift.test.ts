import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import {
    appliedLab,
    hostsOk,
    LabInfo,
    labConfig,
    onHost,
    pulumiOk,
    REPO_ROOT,
    removeStack,
    startClientLoop,
    vipHolders,
    writeStackFile,
} from "../../lab/lab";

/** `npm run drift -- lab`, from the lab's control namespace (where the hosts are reachable). */
function drift(info: LabInfo): { code: number; out: string } {
    const r = spawnSync("ip", ["netns", "exec", info.ctlNamespace, process.execPath, path.join(REPO_ROOT, "dist/scripts/drift.js"), "lab"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 300_000,
    });
    return { code: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** The report's drift rows, `host kind name: detail`, whitespace collapsed. */
const driftRows = (out: string) =>
    out
        .split("\n")
        .filter((l) => /^\S+\s+(file|service|sysctl|package)\s/.test(l))
        .map((l) => l.replace(/\s+/g, " ").trim());

describe("lab: drift is seen read-only and repaired by reapply", function () {
    this.timeout(0);
    let info: LabInfo;

    before(async () => {
        info = await appliedLab();
    });

    after(async () => {
        await pulumiOk(["destroy", "--yes", "--skip-preview"]).catch((e) => console.log(`      destroy: ${(e as Error).message}`));
        hostsOk(["down"]);
        removeStack();
    });

    it("a freshly applied lab has no drift", () => {
        const r = drift(info);
        expect(r.code, r.out).to.equal(0);
        expect(driftRows(r.out)).to.deep.equal([]);
        expect(r.out).to.match(/drift: 0 of \d+ checks differ on 4 hosts/);
    });

    it("lists exactly a hand-edited haproxy.cfg, a disabled keepalived and a changed sysctl; haproxy.cfg holds the stats password, so its diff says where, not what", () => {
        onHost("lb2", "echo '# edited by hand' >> /etc/haproxy/haproxy.cfg");
        onHost("lb1", "systemctl disable keepalived 2>/dev/null");
        onHost("lb2", "echo 0 > /proc/sys/net/ipv4/ip_nonlocal_bind");
        const password = onHost("lb2", "sed -n 's/.*stats auth admin:\\(.*\\)/\\1/p' /etc/haproxy/haproxy.cfg").stdout.trim();
        expect(password).to.have.length.greaterThan(8);
        const lines = Number(onHost("lb2", "wc -l < /var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg").stdout.trim());
        const r = drift(info);
        expect(r.code, r.out).to.equal(1);
        expect(driftRows(r.out).sort()).to.deep.equal([
            "lb1 service keepalived: disabled/active, want enabled/active",
            `lb2 file /etc/haproxy/haproxy.cfg: content differs (it holds secrets, not shown: wanted ${lines} lines, on host ${lines + 1} lines)`,
            "lb2 sysctl net.ipv4.ip_nonlocal_bind: 0, want 1",
        ]);
        expect(r.out).to.include(`@@ -${lines},0 +${lines + 1} @@`);
        expect(r.out).to.not.include("edited by hand");
        expect(r.out).to.not.include(password);
    });

    it("reapply puts every host back through validate, swap and reload, with zero failed requests; the check is clean again", async () => {
        const loop = startClientLoop(info, { intervalS: 0.05 });
        await new Promise((r) => setTimeout(r, 1000));
        writeStackFile(labConfig(info, { reapply: 1 }));
        await pulumiOk(["up", "--yes", "--skip-preview"]);
        await new Promise((r) => setTimeout(r, 1000));
        const result = await loop.stop();
        console.log(`      client loop during the repair: ${result.failed} failed of ${result.total}`);
        expect(result.total).to.be.greaterThan(20);
        expect(result.failed).to.equal(0);
        const r = drift(info);
        expect(r.code, r.out).to.equal(0);
        expect(onHost("lb2", "grep -c 'edited by hand' /etc/haproxy/haproxy.cfg || true").stdout.trim()).to.equal("0");
        expect(vipHolders(info)).to.deep.equal(["lb1"]);
    });
});
