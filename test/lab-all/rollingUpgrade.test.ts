import { expect } from "chai";
import { MAINT_MARKER } from "../../components/model/maintenance";
import { DEBIAN_RELEASES, hostRelease, hostVersions, LabInfo, labConfig, onHost, pulumiOk, rebuildHost, UP, vipHolders, waitFor, writeStackFile } from "../../lab/lab";
import { errorKinds, installLoadGenerator, ok, RequestRecord, startAttack, summarize } from "../../lab/load";
import { labScenario } from "../../lab/scenario";

/** Requests per second through the VIP, from the first maint to the last ready (the issue asks for ≥ 200). */
const RATE = 250;
const FROM = "12";
const TO = "13";

/**
 * The rolling release upgrade of docs/day2.md, under a steady client load through the VIP: lb2
 * (Debian 12) → maint → rebuilt as Debian 13 at the same address → `reapply` up (installs and
 * renders there) → ready; the mixed pair is checked; then lb1 the same. Slow (two rebuilds, eight
 * `pulumi up`s): `npm run test:lab:all` only.
 */
describe("lab-all: rolling release upgrade of the balancers, Debian 12 → 13, one at a time in maint, under load", function () {
    this.timeout(0);
    const states: Record<string, string> = { lb1: "ready", lb2: "ready" };
    let reapply = 0;
    const phases: { name: string; t0: number; t1: number }[] = [];
    let attack: ReturnType<typeof startAttack> | undefined;
    let records: RequestRecord[] = [];

    const config = (info: LabInfo) =>
        labConfig(info, {
            balancers: [
                { name: "lb1", host: info.hosts.lb1.address, priority: 100, state: states.lb1 },
                { name: "lb2", host: info.hosts.lb2.address, priority: 90, state: states.lb2 },
            ],
            ...(reapply ? { reapply } : {}),
        });
    const lab = labScenario({
        release: FROM,
        config,
        up: true,
        vipOnLb1Ms: 30_000,
        ready: (info) => {
            installLoadGenerator();
            attack = startAttack(`http://${info.vip.split("/")[0]}/`, { rate: RATE, timeoutMs: 5000, maxWorkers: 128, maxDurationS: 3600, name: "rolling" });
        },
        cleanup: async () => {
            if (attack) records = await attack.stop().catch(() => []);
        },
    });

    async function up(name: string): Promise<void> {
        const t0 = Date.now() / 1000;
        writeStackFile(config(lab.info));
        await pulumiOk(UP);
        phases.push({ name, t0, t1: Date.now() / 1000 });
        console.log(`      ${name}: pulumi up ${(phases[phases.length - 1].t1 - t0).toFixed(1)} s`);
    }

    const versionsOf = (host: string) => {
        const v = hostVersions(host);
        return { release: hostRelease(lab.info, host), haproxy: v.haproxy, keepalived: v.keepalived };
    };
    const lastVrrpState = (host: string) =>
        onHost(host, "journalctl -u keepalived --no-pager -o cat | grep -Eo 'Entering (MASTER|BACKUP|FAULT) STATE' | tail -n 1").stdout.trim();

    /** The versions each config names in its `# Rendered for` line. */
    const renderedFor = (host: string) => ({
        haproxy: onHost(host, "sed -n '1,3s/^# Rendered for haproxy \\([0-9.]*\\);.*/\\1/p' /etc/haproxy/haproxy.cfg").stdout.trim(),
        keepalived: onHost(host, "sed -n '1,3s/^# Rendered for keepalived \\([0-9.]*\\);.*/\\1/p' /etc/keepalived/keepalived.conf").stdout.trim(),
    });

    /** One balancer's turn: maint, rebuilt as Debian 13 at the same address, reapplied, ready. */
    async function upgrade(host: "lb1" | "lb2"): Promise<void> {
        const peer = host === "lb1" ? "lb2" : "lb1";
        states[host] = "maint";
        await up(`${host} maint`);
        expect(vipHolders(lab.info), `after ${host} maint`).to.deep.equal([peer]);
        expect(onHost(host, "head -n 3 /etc/keepalived/keepalived.conf").stdout).to.include(MAINT_MARKER);

        // On Debian 12 the configs were rendered for 12's versions (the `# Rendered for` line, hostFacts.ts).
        expect(renderedFor(host), `${host}'s configs on Debian 12`).to.deep.equal({ haproxy: DEBIAN_RELEASES["12"].haproxy, keepalived: DEBIAN_RELEASES["12"].keepalived });
        const t0 = Date.now() / 1000;
        lab.info.hosts = rebuildHost(host, TO).hosts;
        phases.push({ name: `${host} rebuilt as Debian ${TO}`, t0, t1: Date.now() / 1000 });
        expect(hostRelease(lab.info, host)).to.equal(TO);
        expect(onHost(host, ". /etc/os-release && echo $VERSION_ID").stdout.trim()).to.equal(TO);
        expect(onHost(host, "command -v haproxy keepalived || true").stdout.trim(), "a rebuilt host has neither").to.equal("");
        expect(vipHolders(lab.info), `while ${host} is rebuilt`).to.deep.equal([peer]);

        reapply++;
        await up(`${host} reapply on Debian ${TO}`);
        const v = versionsOf(host);
        expect(v).to.deep.equal({ release: TO, haproxy: DEBIAN_RELEASES[TO].haproxy, keepalived: DEBIAN_RELEASES[TO].keepalived });
        // `os: debian` renders for what the host reports: after the rebuild, Debian 13's versions.
        expect(renderedFor(host), `${host}'s configs on Debian ${TO}`).to.deep.equal({ haproxy: DEBIAN_RELEASES[TO].haproxy, keepalived: DEBIAN_RELEASES[TO].keepalived });
        // Still in maint on the new release: BACKUP, the peer keeps the VIP.
        expect(vipHolders(lab.info), `after ${host}'s reapply`).to.deep.equal([peer]);
        expect(lastVrrpState(host)).to.equal("Entering BACKUP STATE");
        expect(onHost(host, "systemctl is-active haproxy keepalived").stdout.trim().split("\n")).to.deep.equal(["active", "active"]);

        states[host] = "ready";
        await up(`${host} ready`);
        await waitFor("the VIP on lb1 alone", () => vipHolders(lab.info).join() === "lb1", 15_000);
    }

    it("lb2: maint, rebuilt as Debian 13, reapplied, ready; lb1 holds the VIP throughout", async () => {
        await upgrade("lb2");
    });

    it("the mixed pair: lb1 Debian 12 (haproxy 2.6, keepalived 2.2), lb2 Debian 13 (haproxy 3.0, keepalived 2.3), VRRP between them", () => {
        const mixed = { lb1: versionsOf("lb1"), lb2: versionsOf("lb2") };
        console.log(`      mixed pair: ${JSON.stringify(mixed)}`);
        expect(mixed.lb1).to.deep.equal({ release: FROM, haproxy: DEBIAN_RELEASES[FROM].haproxy, keepalived: DEBIAN_RELEASES[FROM].keepalived });
        expect(mixed.lb2).to.deep.equal({ release: TO, haproxy: DEBIAN_RELEASES[TO].haproxy, keepalived: DEBIAN_RELEASES[TO].keepalived });
        // keepalived 2.3 on lb2 hears 2.2's adverts from lb1 and stays BACKUP: one holder, lb1.
        expect(vipHolders(lab.info)).to.deep.equal(["lb1"]);
        expect(lastVrrpState("lb2")).to.equal("Entering BACKUP STATE");
        expect(lastVrrpState("lb1")).to.equal("Entering MASTER STATE");
        // Each runs the config rendered for it, and its own haproxy accepts it.
        for (const h of ["lb1", "lb2"]) expect(onHost(h, "haproxy -c -f /etc/haproxy/haproxy.cfg >/dev/null && echo ok").stdout.trim(), `haproxy -c on ${h}`).to.equal("ok");
        // An advert of lb1 (VRRPv2, priority 100) arrives at lb2 and is accepted: lb2 logs no authentication or version complaint.
        expect(onHost("lb2", "journalctl -u keepalived --no-pager -o cat | grep -Eic 'authentication|bad version|invalid|ttl' || true").stdout.trim()).to.equal("0");
    });

    it("lb1: maint (lb2 on keepalived 2.3 takes the VIP from 2.2 by the priority drop), rebuilt as Debian 13, reapplied, ready (lb1 takes it back)", async () => {
        await upgrade("lb1");
        expect(versionsOf("lb1")).to.deep.equal({ release: TO, haproxy: DEBIAN_RELEASES[TO].haproxy, keepalived: DEBIAN_RELEASES[TO].keepalived });
    });

    it("the client load through the VIP, from the first maint to the last ready: ≥ 200 requests/s, 0 failed", async () => {
        await new Promise((r) => setTimeout(r, 2000));
        records = await attack!.stop();
        attack = undefined;
        const s = summarize(records);
        console.log(`      rolling upgrade: ${s.failed} failed of ${s.total} requests at ${s.rate_rps} req/s (p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms) ${JSON.stringify(errorKinds(records))}`);
        for (const p of phases) {
            const during = records.filter((r) => r.start >= p.t0 && r.start <= p.t1);
            console.log(`        ${p.name.padEnd(32)} ${(p.t1 - p.t0).toFixed(1).padStart(6)} s  ${during.filter((r) => !ok(r)).length} failed of ${during.length}`);
        }
        expect(s.rate_rps).to.be.at.least(200);
        expect(s.failed, JSON.stringify(errorKinds(records))).to.equal(0);
    });
});
