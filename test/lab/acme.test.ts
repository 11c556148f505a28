import { expect } from "chai";
import { fileSha, inControl, labConfig, LabInfo, onHost, pulumi, UP, writeStackFile } from "../../lab/lab";
import { startHttpsLoad } from "../../lab/httpsLoad";
import { Pebble, startPebble } from "../../lab/pebble";
import { labScenario } from "../../lab/scenario";

/** Issue 22 on real hosts: a certificate issued, renewed and kept by `pulumi up`, from a real ACME server (pebble) in the lab. */
describe("lab: ACME certificates issued and renewed by pulumi up (pebble)", function () {
    this.timeout(0);
    let vip: string;
    let pebble: Pebble | undefined;
    const DOMAINS = ["app.example", "api.example"];
    const RATE = 250;

    const stack = (info: LabInfo, renewBeforeDays: number) =>
        labConfig(info, {
            frontends: [
                { name: "https", binds: [{ address: vip, port: 443, tls: { certificates: ["site"] } }], defaultBackend: "app" },
                // The CA asks here (port 80): the challenge answer comes before the redirect.
                { name: "http", binds: [{ address: vip, port: 80 }], redirectToHttps: true },
            ],
            backends: [{ name: "app", servers: [{ name: "web1", address: info.hosts.web1.address }, { name: "web2", address: info.hosts.web2.address }] }],
            certificates: [{ name: "site", acme: { directory: pebble!.directory, email: "ops@example.com", domains: DOMAINS, renewBeforeDays } }],
        });
    /** The engine trusts pebble's own HTTPS listener (a private CA: NODE_EXTRA_CA_CERTS, as docs/acme.md says). */
    const env = () => ({ NODE_EXTRA_CA_CERTS: pebble!.listenerCa });
    const up = (info: LabInfo, renewBeforeDays: number) => {
        writeStackFile(stack(info, renewBeforeDays));
        return pulumi(UP, { env: env() });
    };
    /** The serial of the leaf the VIP serves for `name`, and whether it verifies against pebble's root. */
    const served = (info: LabInfo, name: string) => {
        const r = inControl(info, ["sh", "-c", `openssl s_client -connect "$1:443" -servername "$2" -CAfile "$3" -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial`, "sh", vip, name, pebble!.rootFile], { timeoutMs: 30_000 });
        return r.stdout.trim().replace(/^serial=/, "").toUpperCase();
    };
    const curl = (info: LabInfo, name: string) =>
        inControl(info, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--cacert", pebble!.rootFile, "--resolve", `${name}:443:${vip}`, `https://${name}/`]).stdout.trim();
    const certShas = () => ["lb1", "lb2"].map((h) => fileSha(h, "/etc/haproxy/certs/site.pem"));

    const lab = labScenario({
        prepare: async (info) => {
            vip = info.vip.split("/")[0];
            pebble = await startPebble(info, vip);
        },
        config: (info) => stack(info, 30),
        up: async (info) => {
            const r = await up(info, 30);
            if (r.code !== 0) throw new Error(`first up failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
            lab.timings.firstUp = r.seconds;
        },
        vipOnLb1Ms: 30_000,
        cleanup: () => pebble?.stop(),
    });
    const { timings } = lab;
    let firstSerial = "";
    let renewedSerial = "";

    it("issues one certificate for app.example and api.example from pebble on the first up, and serves both names over HTTPS through the VIP", () => {
        for (const name of DOMAINS) expect(curl(lab.info, name), name).to.equal("200");
        firstSerial = served(lab.info, "app.example");
        expect(firstSerial).to.match(/^[0-9A-F]+$/);
        expect(served(lab.info, "api.example")).to.equal(firstSerial);
        // Both balancers hold the same certificate (the BACKUP serves it after a failover).
        const [a, b] = certShas();
        expect(a).to.equal(b);
        // The stateless HTTP-01 answer stays in the validated config on both balancers.
        for (const h of ["lb1", "lb2"]) expect(onHost(h, "grep -c acme-challenge /etc/haproxy/haproxy.cfg").stdout.trim(), h).to.equal("1");
        const answer = inControl(lab.info, ["curl", "-s", "--max-time", "5", "-H", "Host: app.example", `http://${vip}/.well-known/acme-challenge/some-token_1`]).stdout;
        expect(answer).to.match(/^some-token_1\.[A-Za-z0-9_-]{43}$/);
    });

    it("changes nothing on a second up outside the renewal window (no-op stays a no-op)", async () => {
        writeStackFile(stack(lab.info, 30));
        const r = await pulumi(["preview", "--expect-no-changes"], { env: env() });
        expect(r.code, r.stdout.slice(-3000)).to.equal(0);
        expect(served(lab.info, "app.example")).to.equal(firstSerial);
    });

    it(`renews inside renewBeforeDays under ${RATE} HTTPS requests/s with no failed request`, async () => {
        // Pebble's certificates last 5 years: a window longer than that makes the next up renew.
        const load = startHttpsLoad(lab.info, { address: vip, servername: "app.example", caFile: pebble!.rootFile, rate: RATE });
        await new Promise((r) => setTimeout(r, 2000));
        const r = await up(lab.info, 2000);
        await new Promise((r) => setTimeout(r, 2000));
        const s = await load.stop();
        timings.renewalUp = r.seconds;
        expect(r.code, r.stdout.slice(-4000)).to.equal(0);
        renewedSerial = served(lab.info, "app.example");
        expect(renewedSerial).to.not.equal(firstSerial);
        expect(served(lab.info, "api.example")).to.equal(renewedSerial);
        console.log(`      load during the renewal: ${JSON.stringify(s)} (first ${firstSerial}, renewed ${renewedSerial})`);
        expect(s.failed, JSON.stringify(s.errors)).to.equal(0);
        expect(s.ok / s.seconds).to.be.at.least(200);
        // The requests saw the old certificate, then the new one.
        expect(Object.keys(s.serials).map((x) => x.toUpperCase())).to.include.members([firstSerial, renewedSerial]);
    });

    it("fails the up naming the domains and the ACME error when the ACME server is down, and HTTPS keeps serving the certificate in place", async () => {
        const before = certShas();
        pebble!.stopCa();
        const r = await up(lab.info, 2000);
        const out = r.stdout + r.stderr;
        expect(r.code, out.slice(-3000)).to.not.equal(0);
        expect(out).to.match(/ACME order for app\.example, api\.example failed: the ACME directory https:\/\/\S+ cannot be reached: connect ECONNREFUSED/);
        expect(served(lab.info, "app.example")).to.equal(renewedSerial);
        for (const name of DOMAINS) expect(curl(lab.info, name), name).to.equal("200");
        expect(certShas()).to.deep.equal(before);
    });
});
