import { expect } from "chai";
import * as fs from "fs";
import * as yaml from "js-yaml";
import { driftCheck, hostKeys, labCommand, labConfig, onHost, pulumi, pulumiOk, STACK_FILE, startClientLoop, UP, vipHolders, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

/** The report's drift rows, `host kind name: detail`, whitespace collapsed. */
const driftRows = (out: string) =>
    out
        .split("\n")
        .filter((l) => /^\S+\s+(file|service|sysctl|package)\s/.test(l))
        .map((l) => l.replace(/\s+/g, " ").trim());

describe("lab: drift is seen read-only and repaired by reapply", function () {
    this.timeout(0);
    const lab = labScenario({ config: (info) => labConfig(info), up: true, vipOnLb1Ms: 20_000, destroy: true });

    it("a freshly applied lab has no drift", () => {
        const r = driftCheck(lab.info);
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
        const r = driftCheck(lab.info);
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
        const loop = startClientLoop(lab.info, { intervalS: 0.05 });
        await new Promise((r) => setTimeout(r, 1000));
        writeStackFile(labConfig(lab.info, { reapply: 1 }));
        await pulumiOk(UP);
        await new Promise((r) => setTimeout(r, 1000));
        const result = await loop.stop();
        console.log(`      client loop during the repair: ${result.failed} failed of ${result.total}`);
        expect(result.total).to.be.greaterThan(20);
        expect(result.failed).to.equal(0);
        const r = driftCheck(lab.info);
        expect(r.code, r.out).to.equal(0);
        expect(onHost("lb2", "grep -c 'edited by hand' /etc/haproxy/haproxy.cfg || true").stdout.trim()).to.equal("0");
        expect(vipHolders(lab.info)).to.deep.equal(["lb1"]);
    });

    it("without pinned keys pulumi refuses the stack naming every host; npm run host-keys then pins exactly the keys the hosts have, and preview works", async () => {
        const unpinned = labConfig(lab.info, { reapply: 1, ssh: { user: "root", privateKeyPath: lab.info.sshKeyPath, perDialTimeout: 5, dialErrorLimit: 3 } });
        writeStackFile(unpinned);
        const refused = await pulumi(["preview"]);
        const out = refused.stdout + refused.stderr;
        expect(refused.code, out).to.not.equal(0);
        for (const h of ["web1", "web2", "lb1", "lb2"]) expect(out).to.include(`${lab.info.hosts[h].address} (${h})`);
        expect(out).to.include("npm run host-keys -- lab").and.include("haproxy-ha:ssh.insecureSkipHostKeyCheck");
        // The command as a user runs it, from where the hosts are reachable (the control namespace).
        const r = labCommand(lab.info, "hostKeys", 120_000);
        expect(r.code, r.stdout + r.stderr).to.equal(0);
        expect(r.stdout).to.match(/lb2\s+\S+\s+SHA256:\S+ ssh-ed25519\s+pinned/);
        const written = (yaml.load(fs.readFileSync(STACK_FILE, "utf8")) as { config: Record<string, { hostKeys: Record<string, string> }> }).config["haproxy-ha:ssh"].hostKeys;
        const known = hostKeys(lab.info);
        expect(written).to.deep.equal(Object.fromEntries(["web1", "web2", "lb1", "lb2"].map((h) => [lab.info.hosts[h].address, known[lab.info.hosts[h].address]])));
        await pulumiOk(["preview"]);
    });

    it("a wrong pinned key fails pulumi up naming the host, without touching it; the next up with the right key converges", async () => {
        const keys = hostKeys(lab.info);
        const lb2 = lab.info.hosts.lb2.address;
        // lb2 pinned with web1's key: what a different machine at lb2's address would present.
        writeStackFile(labConfig(lab.info, { reapply: 2, ssh: { user: "root", privateKeyPath: lab.info.sshKeyPath, perDialTimeout: 5, dialErrorLimit: 3, hostKeys: { ...keys, [lb2]: keys[lab.info.hosts.web1.address] } } }));
        const before = onHost("lb2", "stat -c %Y /etc/haproxy/haproxy.cfg").stdout.trim();
        const r = await pulumi(UP);
        const out = r.stdout + r.stderr;
        expect(r.code, out).to.not.equal(0);
        expect(out).to.match(new RegExp(`host key mismatch: ${lb2.replace(/\./g, "\\.")}:22 presented ssh-ed25519`));
        expect(onHost("lb2", "stat -c %Y /etc/haproxy/haproxy.cfg").stdout.trim()).to.equal(before);
        writeStackFile(labConfig(lab.info, { reapply: 2 }));
        await pulumiOk(UP);
        expect(driftCheck(lab.info).code).to.equal(0);
    });
});
