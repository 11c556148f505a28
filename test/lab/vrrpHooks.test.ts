import { expect } from "chai";
import { onHost } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";
import { holders, through, vrrpProgram, waitHolders, writeTopology } from "../../lab/vrrpLab";

/**
 * keepalived's extension points on real hosts (Debian 12, keepalived 2.2): user track scripts (a
 * command and a shipped script), a sync group, a track file. The lab's balancers have one
 * interface (eth0, lab/hosts.sh), so the sync group's two instances share it: what the group
 * moves together is the instances, whatever their interfaces.
 *
 * lb1 is MASTER of every instance while healthy:
 *   a, b  sync group `ab`; `a` tracks the command `/usr/bin/test -e <dir>/ok-a` (unweighted: FAULT)
 *   c     tracks a shipped script that fails while `<dir>/fail-c` exists, and the track file
 *         `<dir>/prio` (weight 1: the number in it is added to lb1's priority 100; lb2 has 90)
 */
const A = "10.77.0.100";
const B = "10.77.0.101";
const C = "10.77.0.102";
const DIR = "/run/haproxy-ha-lab";

/** Seconds from `act` until the VIP holders are as expected. */
async function timed(act: () => void, waits: [string, string[]][]): Promise<number> {
    const start = Date.now();
    act();
    for (const [vip, expected] of waits) await waitHolders(vip, expected);
    return (Date.now() - start) / 1000;
}

describe("lab: keepalived's extension points (user track scripts, a sync group, a track file)", function () {
    this.timeout(0);
    labScenario({
        program: vrrpProgram((info) =>
            writeTopology(info, {
                instances: [
                    { name: "a", vips: [`${A}/24`], virtualRouterId: 91, interface: info.interface, master: "lb1" },
                    { name: "b", vips: [`${B}/24`], virtualRouterId: 92, interface: info.interface, master: "lb1" },
                    { name: "c", vips: [`${C}/24`], virtualRouterId: 93, interface: info.interface, master: "lb1" },
                ],
                trackScripts: [
                    { name: "ok-a", command: `/usr/bin/test -e ${DIR}/ok-a`, intervalS: 1, fall: 1, rise: 1, instances: ["a"] },
                    { name: "c", script: `#!/bin/sh\n# shipped as a file: this line could carry a token\n[ ! -e ${DIR}/fail-c ]\n`, intervalS: 1, fall: 1, rise: 1, instances: ["c"] },
                ],
                trackFiles: [{ name: "prio", path: `${DIR}/prio`, weight: 1, initValue: 0, instances: ["c"] }],
                syncGroups: [{ name: "ab", instances: ["a", "b"] }],
                // Rendered for real keepalived (not observed here: one switch, no stale caches).
                garp: { masterDelayS: 2, masterRepeat: 2 },
            }),
        ),
        // What instance a's check needs exists on both nodes before keepalived starts.
        prepare: () => {
            for (const lb of ["lb1", "lb2"]) onHost(lb, `mkdir -p ${DIR} && touch ${DIR}/ok-a`);
        },
        up: true,
        ready: async () => {
            for (const vip of [A, B, C]) await waitHolders(vip, ["lb1"]);
        },
    });
    const figures: Record<string, number> = {};
    after(() => console.log(`      moves (s): ${JSON.stringify(figures)}`));

    it("the configs hold the user's trackers and the group; the shipped script is root's 0700 file", () => {
        for (const lb of ["lb1", "lb2"]) {
            const conf = onHost(lb, "cat /etc/keepalived/keepalived.conf").stdout;
            expect(conf).to.include("vrrp_sync_group SG_ab {").and.include("vrrp_track_file file_prio {").and.include('script "/etc/keepalived/haproxy-ha-track-c"');
            expect(onHost(lb, "stat -c '%a %U' /etc/keepalived/haproxy-ha-track-c").stdout.trim()).to.equal("700 root");
        }
        for (const vip of [A, B, C]) expect(through(vip, 2), vip).to.not.include("error");
    });

    it("a user track script (shipped as a file) that fails moves its VIP to the peer, and back when it succeeds again", async () => {
        figures.scriptFails = await timed(() => onHost("lb1", `touch ${DIR}/fail-c`), [[C, ["lb2"]]]);
        expect(holders(A)).to.deep.equal(["lb1"]);
        expect(through(C, 3)).to.not.include("error");
        figures.scriptRecovers = await timed(() => onHost("lb1", `rm -f ${DIR}/fail-c`), [[C, ["lb1"]]]);
    });

    it("sync group: instance a's check failing on lb1 moves both VIPs of the group (A and B) to lb2, and back together", async () => {
        figures.groupFails = await timed(() => onHost("lb1", `rm -f ${DIR}/ok-a`), [[A, ["lb2"]], [B, ["lb2"]]]);
        // Instance c is in no group: it stays.
        expect(holders(C)).to.deep.equal(["lb1"]);
        for (const vip of [A, B]) expect(through(vip, 3), vip).to.not.include("error");
        figures.groupRecovers = await timed(() => onHost("lb1", `touch ${DIR}/ok-a`), [[A, ["lb1"]], [B, ["lb1"]]]);
    });

    it("track file: a weight written into it moves the VIP (-20 puts lb1 at 80, below lb2's 90), 0 brings it back", async () => {
        figures.fileLowers = await timed(() => onHost("lb1", `echo -20 > ${DIR}/prio`), [[C, ["lb2"]]]);
        expect(holders(A)).to.deep.equal(["lb1"]);
        figures.fileRestores = await timed(() => onHost("lb1", `echo 0 > ${DIR}/prio`), [[C, ["lb1"]]]);
    });
});
