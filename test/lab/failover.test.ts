import { expect } from "chai";
import { cause, FailoverEvent, measureFailover, recover } from "../../lab/failover";
import { hostsOk, labConfig, onHost, pulumiOk, requestsThroughVip, startClientLoop, UP, vipHolders, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

/**
 * Real failures in the lab with a client loop through the VIP. Bounds come from the
 * VRRP timers of the library's defaults: advert_int 1 s, BACKUP priority 90, haproxy check every
 * 2 s with fall 2, haproxy health checks every 2 s with fall 3 / rise 2.
 */
const ADVERT_S = 1;
const SKEW_S = ((256 - 90) / 256) * ADVERT_S;
const MASTER_DOWN_S = 3 * ADVERT_S + SKEW_S;
const MARGIN_S = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("lab: failover under real failures", function () {
    this.timeout(0);
    const figures: object[] = [];
    const lab = labScenario({
        config: (info) => labConfig(info),
        up: true,
        vipOnLb1Ms: 15_000,
        cleanup: () => {
            for (const f of figures) console.log(`      ${JSON.stringify(f)}`);
        },
    });

    const bounds: Record<FailoverEvent, number> = {
        // The BACKUP declares the MASTER dead after 3 missed adverts plus its skew.
        "master-host-dies": MASTER_DOWN_S + MARGIN_S,
        // keepalived sends a priority-0 advert when it stops: the BACKUP takes over after its skew.
        "keepalived-stopped": SKEW_S + MARGIN_S,
        // fall 2 checks 2 s apart, then FAULT sends priority 0.
        "haproxy-stopped": 2 * 2 + SKEW_S + MARGIN_S,
    };

    for (const event of Object.keys(bounds) as FailoverEvent[]) {
        it(`${event}: the VIP moves to lb2 and requests succeed again within ${bounds[event].toFixed(2)} s; lb1 takes it back when it recovers`, async () => {
            try {
                const m = await measureFailover(lab.info, event, "lb2", () => cause(event, "lb1"));
                figures.push(m);
                expect(m.vip_moved_s).to.be.at.most(bounds[event]);
                expect(m.first_ok_s).to.be.at.most(bounds[event]);
                expect(vipHolders(lab.info)).to.deep.equal(["lb2"]);
            } finally {
                recover(event, "lb1");
                // Preemption: lb1 (priority 100) takes the VIP back once it is whole again.
                await waitFor("the VIP back on lb1", () => vipHolders(lab.info).join() === "lb1", 60_000, 250);
            }
        });
    }

    it("a dead web backend is taken out by the health checks and returns to rotation when it is back", async () => {
        const loop = startClientLoop(lab.info, { intervalS: 0.05 });
        onHost("web1", "systemctl stop nginx");
        // Out of rotation after fall (3) checks 2 s apart.
        await sleep((3 * 2 + MARGIN_S) * 1000);
        const during = requestsThroughVip(lab.info, 6);
        onHost("web1", "systemctl start nginx");
        await sleep((2 * 2 + MARGIN_S) * 1000);
        const result = await loop.stop();
        const back = requestsThroughVip(lab.info, 6);
        figures.push({ event: "web-backend-dies", failed: result.failed, total: result.total });
        expect(during).to.deep.equal(Array(6).fill("web2"));
        expect(back).to.include("web1").and.to.include("web2");
    });

    it("split brain: with the adverts cut on lb2 only, both balancers hold the VIP; it heals when the link returns", async () => {
        hostsOk(["link", "lb2", "cut"]);
        try {
            await waitFor("both balancers holding the VIP", () => vipHolders(lab.info).length === 2, (MASTER_DOWN_S + MARGIN_S) * 1000 * 2, 250);
        } finally {
            hostsOk(["link", "lb2", "join"]);
        }
        await waitFor("the VIP on lb1 only", () => vipHolders(lab.info).join() === "lb1", 15_000, 250);
    });

    // gatewayCheck is weighted (issue 10), no longer FAULT: an unreachable gateway must not take the
    // VIP off both nodes. The price: a node cut off from both its peer and the gateway claims the VIP.
    it("gatewayCheck: with the gateway unreachable from both balancers the VIP stays on lb1 only; from lb1 only, it moves to lb2", async () => {
        writeStackFile(labConfig(lab.info, { gatewayCheck: lab.info.hosts.client.address }));
        await pulumiOk(UP);
        await waitFor("the VIP on lb1", () => vipHolders(lab.info).join() === "lb1", 15_000);
        const blackhole = (action: "add" | "del", lb: string) => onHost("client", `ip route ${action} blackhole ${lab.info.hosts[lb].address}/32`);
        const seen = new Set<string>();
        try {
            blackhole("add", "lb1");
            blackhole("add", "lb2");
            const until = Date.now() + (MASTER_DOWN_S + MARGIN_S + 4) * 1000;
            while (Date.now() < until) {
                vipHolders(lab.info).forEach((h) => seen.add(h));
                await sleep(250);
            }
            expect([...seen]).to.deep.equal(["lb1"]);
            blackhole("del", "lb2");
            await waitFor("the VIP on lb2, the node that still sees the gateway", () => vipHolders(lab.info).join() === "lb2", 15_000, 250);
        } finally {
            for (const lb of ["lb1", "lb2"]) blackhole("del", lb);
        }
        await waitFor("the VIP back on lb1", () => vipHolders(lab.info).join() === "lb1", 15_000, 250);
    });

    it("nopreempt: after the VIP holder's host dies and returns, the VIP stays where it moved", async () => {
        writeStackFile(labConfig(lab.info, { nopreempt: true }));
        await pulumiOk(UP);
        const holder = await waitFor("one VIP holder", () => (vipHolders(lab.info).length === 1 ? vipHolders(lab.info)[0] : undefined), 15_000);
        const other = holder === "lb1" ? "lb2" : "lb1";
        cause("master-host-dies", holder);
        await waitFor(`the VIP on ${other}`, () => vipHolders(lab.info).join() === other, (MASTER_DOWN_S + MARGIN_S) * 1000);
        recover("master-host-dies", holder);
        await waitFor(`keepalived running again on ${holder}`, () => onHost(holder, "systemctl is-active keepalived").stdout.trim() === "active", 60_000, 500);
        await sleep((MASTER_DOWN_S + MARGIN_S + 3) * 1000);
        expect(vipHolders(lab.info)).to.deep.equal([other]);
    });
});
