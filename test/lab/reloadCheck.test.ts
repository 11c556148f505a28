import { expect } from "chai";
import { RELOAD_FAILED_ROLLED_BACK } from "../../components/script/haproxyReload";
import { fileSha as sha, labConfig, mainPid, onHost, pulumi, pulumiOk, requestsThroughVip, UP, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

const CFG = "/etc/haproxy/haproxy.cfg";
const WANTED = "/var/lib/haproxy-ha/wanted/etc/haproxy/haproxy.cfg";
const PORT = 8081;
const listens = (host: string, address: string) => onHost(host, `ss -Hltn 'sport = :${PORT}'`).stdout.includes(`${address}:${PORT}`);

/**
 * A config that passes `haproxy -c` but cannot run (a port another process holds): `systemctl
 * reload` returns 0 and haproxy keeps its old workers, so only a check of the reload notices.
 */
describe("lab: a reload haproxy does not take fails pulumi up and leaves the previous config", function () {
    this.timeout(0);
    let vip: string;
    let listener = "";
    const config = (extraPort: boolean) =>
        labConfig(lab.info, {
            frontends: [
                { name: "web", binds: [{ address: vip, port: 80 }], defaultBackend: "pool" },
                ...(extraPort ? [{ name: "extra", binds: [{ address: vip, port: PORT }], defaultBackend: "pool" }] : []),
            ],
            backends: [{ name: "pool", servers: [{ name: "web1", address: lab.info.hosts.web1.address }, { name: "web2", address: lab.info.hosts.web2.address }] }],
        });

    const lab = labScenario({
        prepare: (info) => {
            vip = info.vip.split("/")[0];
        },
        config: () => config(false),
        up: true,
        vipOnLb1Ms: 30_000,
        cleanup: () => {
            if (listener) onHost("lb2", `kill ${listener} 2>/dev/null || true`);
        },
    });

    it("a frontend on a port taken on the BACKUP fails at lb2 naming the bind failure; lb2 keeps its config, PID and wanted copy; lb1 is untouched", async () => {
        // lb2 is the BACKUP, changed first. The listener holds 0.0.0.0:PORT, so haproxy cannot bind VIP:PORT.
        listener = onHost("lb2", `setsid python3 -m http.server ${PORT} --bind 0.0.0.0 >/dev/null 2>&1 </dev/null & echo $!`).stdout.trim();
        expect(listener).to.match(/^\d+$/);
        await waitFor("the listener on lb2", () => listens("lb2", "0.0.0.0"), 15_000);
        const before = { lb1: sha("lb1", CFG), lb2: sha("lb2", CFG), pid: mainPid("lb2", "haproxy") };

        writeStackFile(config(true));
        const started = Date.now();
        const r = await pulumi(UP);
        console.log(`      failed pulumi up took ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const out = r.stdout + r.stderr;
        console.log(out.split("\n").filter((l) => /haproxy-ha: haproxy|ALERT/.test(l)).map((l) => `      | ${l.trim()}`).join("\n"));
        expect(r.code, out.slice(-3000)).to.not.equal(0);
        expect(out).to.include(RELOAD_FAILED_ROLLED_BACK);
        expect(out).to.match(new RegExp(`cannot bind socket[^\\n]*\\[${vip.replace(/\./g, "\\.")}:${PORT}\\]`));
        expect(out).to.match(/lb2-config/);
        expect(out).to.not.match(/lb1-config +updat/);

        expect(sha("lb2", CFG)).to.equal(before.lb2);
        expect(onHost("lb2", `cmp ${WANTED} ${CFG} && echo same`).stdout.trim(), "the drift check's wanted copy").to.equal("same");
        expect(onHost("lb2", "ls -a /etc/haproxy | grep -c '^.haproxy-ha' || true").stdout.trim(), "leftover temporary files").to.equal("0");
        expect(onHost("lb2", "systemctl is-active haproxy").stdout.trim()).to.equal("active");
        expect(mainPid("lb2", "haproxy")).to.equal(before.pid);
        expect(sha("lb1", CFG)).to.equal(before.lb1);
        expect(new Set(requestsThroughVip(lab.info, 4))).to.deep.equal(new Set(["web1", "web2"]));
    });

    it("once the port is free the same change applies on both balancers, and the next up changes nothing", async () => {
        onHost("lb2", `kill ${listener}`);
        await waitFor("the listener gone", () => !listens("lb2", "0.0.0.0"), 15_000);
        listener = "";
        await pulumiOk(UP);
        for (const h of ["lb1", "lb2"]) expect(listens(h, vip), `haproxy on ${h} listens on ${vip}:${PORT}`).to.equal(true);
        expect(onHost("client", `curl -s --max-time 5 http://${vip}:${PORT}/`).stdout).to.match(/<h1>web[12]<\/h1>/);
        await pulumiOk([...UP, "--expect-no-changes"]);
    });

    it("back to the config without the port", async () => {
        writeStackFile(config(false));
        await pulumiOk(UP);
        for (const h of ["lb1", "lb2"]) expect(listens(h, vip)).to.equal(false);
    });
});
