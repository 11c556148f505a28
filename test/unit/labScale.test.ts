import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inventory } from "../../bench/provision";
import { chartLayout, provisionChartSvg, ProvisionRow } from "../../bench/provisionChart";
import { LabInfo, labConfig, webHosts } from "../../lab/lab";
import { REPO_ROOT } from "./helpers";

const HOSTS_SH = path.join(REPO_ROOT, "lab/hosts.sh");

/** `hosts.sh plan` (no root, no lab): name → [address, mac]. */
function plan(...args: string[]): { status: number | null; stderr: string; hosts: Map<string, [string, string]> } {
    const r = spawnSync("bash", [HOSTS_SH, "plan", ...args], { encoding: "utf8" });
    const hosts = new Map<string, [string, string]>();
    for (const line of r.stdout.trim().split("\n").filter(Boolean)) {
        const [name, address, mac] = line.split(" ");
        hosts.set(name, [address, mac]);
    }
    return { status: r.status, stderr: r.stderr, hosts };
}

/** A lab description as hosts.sh writes it for `names` (addresses from the plan). */
function fakeInfo(webs: number): LabInfo {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-scale-"));
    const knownHostsPath = path.join(dir, "known_hosts");
    const hosts = plan("--webs", String(webs)).hosts;
    fs.writeFileSync(knownHostsPath, [...hosts].map(([name, [addr]]) => `${addr},${name} ssh-ed25519 AAAAkey${name}\n`).join(""));
    return {
        sshKeyPath: path.join(dir, "id_ed25519"),
        knownHostsPath,
        ctlNamespace: "x-ctl",
        ctlAddress: "10.77.0.2",
        interface: "eth0",
        vip: "10.77.0.100/24",
        mirror: { url: "http://10.77.0.2:8080/", log: path.join(dir, "log") },
        hosts: Object.fromEntries([...hosts].map(([name, [address]]) => [name, { address }])),
    };
}

describe("lab at scale: hosts.sh up --webs N", () => {
    it("keeps today's lab exactly by default: web1, web2, lb1, lb2, client at .11 .12 .21 .22 .31", () => {
        const expected = [
            ["web1", ["10.77.0.11", "02:77:00:00:00:0b"]],
            ["web2", ["10.77.0.12", "02:77:00:00:00:0c"]],
            ["lb1", ["10.77.0.21", "02:77:00:00:00:15"]],
            ["lb2", ["10.77.0.22", "02:77:00:00:00:16"]],
            ["client", ["10.77.0.31", "02:77:00:00:00:1f"]],
        ];
        expect([...plan().hosts]).to.deep.equal(expected);
        expect([...plan("--webs", "2").hosts]).to.deep.equal(expected);
    });

    it("numbers web1-web9 from .11 and web10 on from .40: no address or MAC shared, none on a balancer, the client, the control namespace or a VIP", () => {
        for (const n of [1, 8, 9, 10, 16, 69]) {
            const hosts = plan("--webs", String(n)).hosts;
            expect(hosts.size, `N=${n}`).to.equal(n + 3);
            const addrs = [...hosts.values()].map(([a]) => a);
            const macs = [...hosts.values()].map(([, m]) => m);
            expect(new Set(addrs).size, `N=${n}`).to.equal(addrs.length);
            expect(new Set(macs).size, `N=${n}`).to.equal(macs.length);
            for (let k = 1; k <= n; k++) {
                const [addr] = hosts.get(`web${k}`)!;
                const last = Number(addr.split(".")[3]);
                expect(addr.startsWith("10.77.0."), addr).to.equal(true);
                expect([2, 21, 22, 31], `web${k}`).not.to.include(last);
                expect(last, `web${k} below the VIPs`).to.be.within(3, 99);
            }
        }
        const sixteen = plan("--webs", "16").hosts;
        expect(sixteen.get("web9")![0]).to.equal("10.77.0.19");
        expect(sixteen.get("web10")![0]).to.equal("10.77.0.40");
        expect(sixteen.get("web16")![0]).to.equal("10.77.0.46");
        expect(plan("--webs", "69").hosts.get("web69")![0]).to.equal("10.77.0.99");
    });

    it("refuses a count it cannot address, naming --webs and the value", () => {
        for (const bad of ["0", "70", "x", "", "-1", "1e3"]) {
            const r = plan("--webs", bad);
            expect(r.status, bad).to.not.equal(0);
            expect(r.stderr, bad).to.contain(`--webs must be a whole number from 1 to 69, got '${bad}'`);
        }
    });

    it("the lab's web servers in number order, other hosts left out", () => {
        const hosts = Object.fromEntries(["lb1", "web10", "web2", "client", "web1", "webx", "web0", "lb2", "web9"].map((h) => [h, { address: "10.77.0.1" }]));
        expect(webHosts({ hosts })).to.deep.equal(["web1", "web2", "web9", "web10"]);
    });

    it("the stack config and the Ansible inventory list every web server of a 16-web lab", () => {
        const info = fakeInfo(16);
        const webs = labConfig(info).webs as { name: string; host: string }[];
        expect(webs.map((w) => w.name)).to.deep.equal(Array.from({ length: 16 }, (_, i) => `web${i + 1}`));
        expect(webs[15]).to.deep.equal({ name: "web16", host: "10.77.0.46" });
        expect(Object.keys((labConfig(info).ssh as { hostKeys: Record<string, string> }).hostKeys)).to.include("10.77.0.46");
        const inv = inventory(info);
        const group = inv.split("[balancers]")[0];
        expect(group.match(/^web\d+ ansible_host=\S+$/gm)).to.have.length(16);
        expect(group).to.contain("web16 ansible_host=10.77.0.46\n");
        expect(inv).to.match(/\[balancers\]\nlb1 ansible_host=10\.77\.0\.21 vrrp_state=MASTER/);
    });

    it("the default lab's stack config is unchanged: web1 and web2", () => {
        const webs = labConfig(fakeInfo(2)).webs;
        expect(webs).to.deep.equal([
            { name: "web1", host: "10.77.0.11" },
            { name: "web2", host: "10.77.0.12" },
        ]);
    });
});

describe("provision chart (bench/results/provision.svg)", () => {
    const rows: ProvisionRow[] = [
        { webs: 2, tool: "pulumi", first_s: 30, noop_s: 4, teardown_s: 20 },
        { webs: 2, tool: "ansible <forks> & 5", first_s: 60, noop_s: 16, teardown_s: 40 },
        { webs: 16, tool: "pulumi", first_s: 90, noop_s: 8, teardown_s: 50 },
        { webs: 16, tool: "ansible <forks> & 5", first_s: 180, noop_s: 32, teardown_s: 100 },
        { webs: 16, tool: "ansible forks = N", first_s: 120, noop_s: 24, teardown_s: 80 },
    ];

    it("draws one bar per row and run, heights proportional within a panel, the tallest filling it", () => {
        const { bars, tools, webs } = chartLayout(rows);
        expect(tools).to.deep.equal(["pulumi", "ansible <forks> & 5", "ansible forks = N"]);
        expect(webs).to.deep.equal([2, 16]);
        expect(bars).to.have.length(rows.length * 3);
        const first = bars.filter((b) => b.panel === "first run");
        const tallest = Math.max(...first.map((b) => b.height));
        expect(first.find((b) => b.seconds === 180)!.height).to.equal(tallest);
        expect(first.find((b) => b.seconds === 90)!.height).to.be.closeTo(tallest / 2, 1e-9);
        // Bars of one group stand side by side, groups left to right by web count.
        const x = (w: number, t: string) => first.find((b) => b.webs === w && b.tool === t)!.x;
        expect(x(2, "pulumi")).to.be.lessThan(x(2, "ansible <forks> & 5"));
        expect(x(2, "ansible <forks> & 5")).to.be.lessThan(x(16, "pulumi"));
        for (const b of bars) expect(b.y + b.height).to.be.closeTo(bars[0].y + bars[0].height, 1e-9);
    });

    it("is well-formed SVG (parsed by a real XML parser), with tool names escaped and every figure labelled", () => {
        const svg = provisionChartSvg(rows, "2 cores <shared> & busy");
        const parsed = spawnSync("python3", ["-c", "import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(r.tag, len(r.findall('{http://www.w3.org/2000/svg}rect')))"], {
            input: svg,
            encoding: "utf8",
        });
        expect(parsed.status, parsed.stderr).to.equal(0);
        // Background + one legend swatch per tool + one bar per row and run.
        expect(parsed.stdout.trim()).to.equal(`{http://www.w3.org/2000/svg}svg ${1 + 3 + rows.length * 3}`);
        expect(svg).to.contain("ansible &lt;forks&gt; &amp; 5");
        expect(svg).to.contain("2 cores &lt;shared&gt; &amp; busy");
        for (const label of ["180.0", "32.0", "50.0"]) expect(svg).to.contain(`>${label}</text>`);
        expect(provisionChartSvg(rows)).to.equal(svg.replace(/\n<text[^\n]*busy<\/text>/, ""));
    });

    it("refuses a figure that is not a number of seconds, naming the run, the tool and the value", () => {
        expect(() => chartLayout([{ webs: 8, tool: "pulumi", first_s: NaN, noop_s: 1, teardown_s: 1 }])).to.throw("first_s of pulumi at 8 webs must be a number ≥ 0, got NaN");
        expect(() => chartLayout([{ webs: 8, tool: "ansible", first_s: 1, noop_s: -2, teardown_s: 1 }])).to.throw("noop_s of ansible at 8 webs must be a number ≥ 0, got -2");
    });
});
