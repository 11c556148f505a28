import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { busyShare, cpuTimes, masterDownInterval, requestTimeline } from "../../bench/common";
import { childrenCpuSeconds, FloorHost, floorCheckScript, floorHosts, floorInstallScript, floorRatio, floorRemoveScript, packagesOfScript, sshArgv } from "../../bench/floor";
import { addFloorRatios, Row as ProvisionBenchRow } from "../../bench/provision";
import { category, componentOf, CpuProfile, profileSplit, runSplit, splitEvents, stepName } from "../../bench/profileSplit";
import { renderStack } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { failoverTable, provisionTable, reloadTable, throughputTable } from "../../bench/report";
import { barChart, escapeXml, lineChart, ticks } from "../../bench/svg";
import { eventAt, failoverFigures } from "../../lab/failover";
import { errorKinds, parseCsvLine, RequestRecord, summarize } from "../../lab/load";

const rec = (start: number, latency: number, code = 200, error = ""): RequestRecord => ({ start, latency, code, error });

/** Well-formed XML, when an XML parser is on this machine (python3's is). */
function parsesAsXml(svg: string): void {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "svg-")), "c.svg");
    fs.writeFileSync(file, svg);
    execFileSync("python3", ["-c", "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])", file]);
}

describe("bench: load records, figures and SVG", () => {
    it("parses vegeta's CSV, a quoted error with commas and quotes included", () => {
        const line = '1700000000123456789,0,100000000,0,0,"Get ""http://10.77.0.100/"": dial tcp 10.77.0.100:80: connect: connection refused, again",,reload,3,GET,http://10.77.0.100/,';
        const f = parseCsvLine(line);
        expect(f[0]).to.equal("1700000000123456789");
        expect(f[5]).to.equal('Get "http://10.77.0.100/": dial tcp 10.77.0.100:80: connect: connection refused, again');
        expect(f[7]).to.equal("reload");
        expect(f).to.have.length(12);
        expect(() => parseCsvLine('1,"open')).to.throw(/unterminated/);
    });

    it("summarizes: achieved rate, failures (errors and 5xx), percentiles over every request", () => {
        const records = Array.from({ length: 100 }, (_, i) => rec(i * 0.01, (i + 1) / 1000, i === 50 ? 503 : 200, i === 99 ? "timeout" : ""));
        const s = summarize(records);
        expect(s).to.deep.equal({ rate_rps: 100, total: 100, failed: 2, p50_ms: 50, p99_ms: 99 });
        expect(errorKinds(records)).to.deep.equal({ "HTTP 503": 1, timeout: 1 });
    });

    it("failover figures: failures after the event, first OK after the first failure, VIP move", () => {
        const t0 = 1000;
        const records = [rec(999.5, 0.001), rec(999.99, 0.1, 0, "timeout"), rec(1000.2, 0.1, 0, "timeout"), rec(1000.3, 0.1, 0, "refused"), rec(1000.4, 0.002), rec(1000.5, 0.002)];
        const m = failoverFigures("x", records, t0, 1000.35);
        expect(m).to.deep.equal({ event: "x", vip_moved_s: 0.35, first_ok_s: 0.4, failed: 3, total: 5, rate_rps: 8 });
        expect(() => failoverFigures("y", [rec(1000.1, 0.1, 0, "timeout")], t0, 1000.2)).to.throw(/no request succeeded/);
        expect(failoverFigures("z", [rec(1000.1, 0.001), rec(1000.2, 0.001)], t0, 1000.1).first_ok_s).to.equal(0);
        // A stray timeout before the outage: first OK counts from the longest run of failures.
        const stray = [rec(1000.01, 0.1, 0, "timeout"), rec(1000.05, 0.001), rec(1000.2, 0.1, 0, "t"), rec(1000.3, 0.1, 0, "t"), rec(1000.4, 0.1, 0, "t"), rec(1000.6, 0.002)];
        expect(failoverFigures("s", stray, t0, 1000.5)).to.include({ first_ok_s: 0.6, failed: 4 });
    });

    it("the VRRP floor: 3 × advert_int + skew for the BACKUP's priority", () => {
        expect(masterDownInterval(1, 90)).to.equal(3.648);
        expect(masterDownInterval(0.1, 90)).to.equal(0.365);
    });

    it("a timeline buckets requests by start time, as rates, failures apart", () => {
        const tl = requestTimeline([rec(10.01, 0.001), rec(10.02, 0.001), rec(10.25, 0.1, 0, "timeout")], 10, 0.1);
        expect(tl.ok).to.deep.equal([
            [0, 20],
            [0.1, 0],
            [0.2, 0],
        ]);
        expect(tl.failed).to.deep.equal([[0.2, 10]]);
    });

    it("round ticks", () => {
        expect(ticks(0, 10)).to.deep.equal([0, 2, 4, 6, 8, 10]);
        expect(ticks(-1.3, 3.9, 10)).to.deep.equal([-1, 0, 1, 2, 3]);
        expect(ticks(0, 0.37)).to.deep.equal([0, 0.1, 0.2, 0.3]);
    });

    it("a line chart is well-formed SVG with its series, failure dots, markers and escaped text", () => {
        const svg = lineChart({
            title: "a <b> & c",
            xLabel: "s",
            yLabel: "req/s",
            series: [
                { name: "answered", color: "#00f", points: [[0, 1], [1, 3], [2, 2]] },
                { name: "failed", color: "#f00", points: [[1, 5]], dots: true },
            ],
            markers: [{ x: 1.5, label: "VIP moved", color: "#f80" }],
        });
        parsesAsXml(svg);
        expect(svg).to.include(escapeXml("a <b> & c"));
        expect(svg).to.match(/<path d="M[\d.]+,[\d.]+L/);
        expect(svg.match(/<circle /g)).to.have.length(1);
        expect(svg).to.include("VIP moved").and.include('stroke-dasharray="5,3"');
    });

    it("a bar chart is well-formed SVG: one bar per finite value, labelled", () => {
        const svg = barChart({
            title: "provision",
            yLabel: "s",
            series: [
                { name: "pulumi", color: "#00f" },
                { name: "ansible", color: "#f80" },
            ],
            groups: [
                { label: "N = 2", values: [10.5, 20] },
                { label: "N = 16", values: [30, NaN] },
            ],
        });
        parsesAsXml(svg);
        expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width=/g)).to.have.length(3 + 2); // 3 bars, 2 legend swatches
        expect(svg).to.include(">10.5<").and.include(">N = 16<");
    });

    it("reads when an event took effect from the lab command's report", () => {
        expect(eventAt("lb1 killed (processes and network gone; disk kept); event-at 1764643200.123456\n")).to.equal(1764643200.123456);
        expect(eventAt("event-at 1764643200.5\n")).to.equal(1764643200.5);
        expect(eventAt("lb1 link up\n")).to.equal(undefined);
    });

    describe("bench:report, the README's tables from the JSON lines", () => {
        const fo = (profile: string, event: string, run: number, first: number, failed: number) => ({ profile, event, run, first_ok_s: first, failed, total: 1000, floor_s: profile === "fast" ? 0.365 : 3.648, rate_requested: 500, timeout_ms: 100, loadavg: 1 + run });
        it("failover: the median first OK per profile and event, the floor in the heading", () => {
            const t = failoverTable([fo("default", "master-host-dies", 1, 3.1, 1500), fo("default", "master-host-dies", 2, 3.3, 1600), fo("default", "master-host-dies", 3, 9.9, 9000), fo("fast", "master-host-dies", 1, 0.45, 200)]);
            expect(t).to.include("| event on the MASTER | default (floor 3.648) | fast (floor 0.365) |");
            expect(t).to.include("| master-host-dies | 3.30 (1,600 failed) | 0.45 (200 failed) |");
            expect(t).to.include("median of 3 runs");
            expect(t).to.include("1-minute load 2.0–4.0");
        });
        it("reload: every run's failures shown, medians for the rest", () => {
            const r = (run: number, failed: number, p99: number) => ({ event: "config-change", run, failed, total: 20000 + run, rate_requested: 2000, rate_rps: 1990, p50_ms: 1, p99_ms: p99, event_s: 12, loadavg: 0.5 });
            const t = reloadTable([r(1, 0, 30), r(2, 3, 50), r(3, 0, 40)]);
            expect(t).to.include("| config-change | 2,000 | 1,990 | **0, 3, 0** / 20,001, 20,002, 20,003 | 1.00 | 40 | 12.0 |");
        });
        it("throughput: each target against one backend over HTTP", () => {
            const r = (target: string, run: number, rate: number) => ({ target, run, rate_rps: rate, p50_ms: 2, p99_ms: 9, loadavg: 1 });
            const t = throughputTable([r("backend-http", 1, 4000), r("backend-http", 2, 4200), r("vip-http", 1, 3100), r("vip-http", 2, 3300)]);
            expect(t).to.include("| backend-http | 4,100 | 2.00 | 9.00 | 1.00 |");
            expect(t).to.include("| vip-http | 3,200 | 2.00 | 9.00 | 0.78 |");
        });
        it("provision: one line per row, the ratio on the Ansible rows", () => {
            const base = { bench: "provision", webs: 16, machine: "2 cores", date: "2026-12-02T03:00:00Z", loadavg_start: [1], loadavg_end: [3] };
            const t = provisionTable([
                { ...base, tool: "pulumi", first_s: 50, noop_s: 10, teardown_s: 40 },
                { ...base, tool: "ansible forks 5", first_s: 100, noop_s: 60, teardown_s: 80, pulumi_ratio: { first: 0.5, noop: 0.17, teardown: 0.5 } },
            ]);
            expect(t).to.include("| 16 | haproxy-ha (pulumi) | 50.0 | 10.0 | 40.0 | — |");
            expect(t).to.include("| 16 | ansible forks 5 | 100.0 | 60.0 | 80.0 | 0.50 · 0.17 · 0.50 |");
            expect(t).to.include("1-minute load 1.0–3.0; 2 cores; 2026-12-02.");
        });
        it("provision: the first run's CPU share as a column once a row has it", () => {
            const base = { bench: "provision", webs: 2, machine: "2 cores", date: "2026-12-02T03:00:00Z", loadavg_start: [1], loadavg_end: [3], noop_s: 5, teardown_s: 9 };
            const t = provisionTable([{ ...base, tool: "pulumi", first_s: 30, cpu_busy_first: 0.93 }, { ...base, tool: "ansible forks 5", first_s: 60 }]);
            expect(t).to.include("| CPU busy, first run |");
            expect(t).to.include("| 2 | haproxy-ha (pulumi) | 30.0 | 5.0 | 9.0 | — | 93 % |");
            expect(t).to.include("| 2 | ansible forks 5 | 60.0 | 5.0 | 9.0 | — | — |");
        });
        it("cpuTimes reads /proc/stat's cpu line; busyShare is the busy part between two readings", () => {
            const a = cpuTimes("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n");
            expect(a).to.deep.equal({ total: 1000, idle: 850 });
            const b = cpuTimes("cpu  250 0 100 850 50 0 0 0 0 0\n");
            expect(busyShare(a, b)).to.equal(0.8);
            expect(busyShare(a, a)).to.be.NaN;
            expect(() => cpuTimes("intr 1 2 3\n")).to.throw(/no cpu line/);
            const live = cpuTimes();
            expect(live.total).to.be.greaterThan(live.idle);
        });
        it("a missing results file leaves its table out", () => {
            expect(provisionTable([])).to.equal("");
            expect(failoverTable([])).to.equal("");
        });
    });

    describe("the floor (bench/floor.ts)", () => {
        let hosts: FloorHost[];
        before(async () => {
            hosts = floorHosts(await renderStack(referenceConfig({ os: "debian", runtimeApi: true })));
        });
        it("takes each host's packages, files and services from what the library renders", () => {
            const web = hosts.find((h) => h.node === "www1")!;
            expect(web.packages).to.deep.equal(["nginx"]);
            expect(web.services).to.deep.equal(["nginx"]);
            expect(web.files.map((f) => f.path)).to.deep.equal(["/etc/nginx/sites-enabled/haproxy-ha-web", "/var/www/html/index.html"]);
            expect(web.before).to.deep.equal(["rm -f /etc/nginx/sites-enabled/default"]);
            const lb = hosts.find((h) => h.node === "hk1")!;
            // haproxy's and keepalived's packages steps, in one install; the runtime API's socket client too.
            expect(lb.packages).to.deep.equal(["haproxy", "socat", "keepalived", "iputils-ping"]);
            expect(lb.services).to.deep.equal(["haproxy", "keepalived"]);
            // The library's sysctl step (haproxy binds the VIP the BACKUP lacks), undone by the removal.
            expect(lb.before.join("\n")).to.include("net.ipv4.ip_nonlocal_bind");
            expect(floorRemoveScript(lb)).to.include("90-haproxy-ha-net.ipv4.ip_nonlocal_bind.conf");
            expect(lb.files.map((f) => f.path)).to.include.members(["/etc/haproxy/haproxy.cfg", "/etc/keepalived/keepalived.conf"]);
            expect(hosts.map((h) => h.node).sort()).to.deep.equal(["hk1", "hk2", "www1", "www2"]);
        });
        it("reads the package words of an apt-get install line, quoted or not, and refuses anything else", () => {
            expect(packagesOfScript("x\n  apt-get update -q && apt-get install -y -q --no-install-recommends 'haproxy' socat\n")).to.deep.equal(["haproxy", "socat"]);
            expect(() => packagesOfScript("yum install -y haproxy")).to.throw(/no apt-get install line/);
            expect(() => packagesOfScript("apt-get install -y -q --no-install-recommends $(evil)")).to.throw(/unexpected package word/);
        });
        it("renders scripts sh parses and shellcheck accepts", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floor-"));
            for (const h of hosts) {
                for (const [kind, text] of Object.entries({ install: floorInstallScript(h), check: floorCheckScript(h), remove: floorRemoveScript(h) })) {
                    const file = path.join(dir, `${h.node}-${kind}.sh`);
                    fs.writeFileSync(file, `#!/bin/sh\n${text}\n`);
                    execFileSync("sh", ["-n", file]);
                    execFileSync("shellcheck", ["-s", "sh", file]);
                }
            }
            const install = floorInstallScript(hosts.find((h) => h.node === "hk1")!);
            expect(install.match(/apt-get update/g)).to.have.length(1);
            expect(install).to.include("apt-get install -y -q --no-install-recommends 'haproxy' 'socat' 'keepalived' 'iputils-ping'");
            expect(install).to.include("systemctl restart 'keepalived'");
        });
        it("the install writes each file as rendered, the check passes on it and fails on one byte changed", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "floor-"));
            const file = { node: "t", path: path.join(dir, "sub dir", "a'b.conf"), mode: "0640", owner: String(os.userInfo().uid), group: String(os.userInfo().gid), content: "x = 'y' $HOME `z`\n\u00e9\n" };
            const h: FloorHost = { node: "t", packages: [], files: [file], services: [], before: [], undo: [] };
            // The file-writing lines of the install script (no apt-get here).
            const writes = floorInstallScript(h).split("\n").filter((l) => /^(mkdir|printf|chmod|chown|mv) /.test(l)).join("\n");
            execFileSync("sh", ["-euc", writes]);
            expect(fs.readFileSync(file.path, "utf8")).to.equal(file.content);
            expect((fs.statSync(file.path).mode & 0o777).toString(8)).to.equal("640");
            execFileSync("sh", ["-c", floorCheckScript(h)]);
            fs.appendFileSync(file.path, "!");
            expect(() => execFileSync("sh", ["-c", floorCheckScript(h)], { stdio: "ignore" })).to.throw();
        });
        it("one ssh per host, host key checked, the script on stdin", () => {
            const argv = sshArgv({ namespace: "ns", key: "/k", knownHosts: "/kh" }, "10.0.0.5");
            expect(argv.slice(0, 5)).to.deep.equal(["ip", "netns", "exec", "ns", "ssh"]);
            expect(argv).to.include("StrictHostKeyChecking=yes");
            expect(argv.slice(-3)).to.deep.equal(["root@10.0.0.5", "sh", "-s"]);
        });
        it("children's CPU from /proc/self/stat, a command name with spaces and parentheses included", () => {
            const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
            fields[13] = "250"; // cutime (field 16)
            fields[14] = "50"; // cstime (field 17)
            expect(childrenCpuSeconds(`123 (a b) c) ${fields.join(" ")}`)).to.equal(3);
            expect(childrenCpuSeconds()).to.be.at.least(0);
        });
        it("ratios to the floor per run, on every row of the same N but the floor's", () => {
            expect(floorRatio(35.8, 14.6)).to.equal(2.45);
            const base = { bench: "provision" as const, webs: 16, loadavg_start: [1], loadavg_end: [1], cpu_busy_first: 1, machine: "m", date: "d" };
            const rows: ProvisionBenchRow[] = [
                { ...base, tool: "floor", first_s: 20, noop_s: 1, teardown_s: 10 },
                { ...base, tool: "pulumi", first_s: 40, noop_s: 5, teardown_s: 15 },
            ];
            addFloorRatios(rows);
            expect(rows[1].floor_ratio).to.deep.equal({ first: 2, noop: 5, teardown: 1.5 });
            expect(rows[0]).to.not.have.property("floor_ratio");
            const none: ProvisionBenchRow[] = [{ ...base, tool: "pulumi", first_s: 1, noop_s: 1, teardown_s: 1 }];
            addFloorRatios(none);
            expect(none[0]).to.not.have.property("floor_ratio");
            const t = provisionTable(rows as unknown as Record<string, unknown>[]);
            expect(t).to.include("| 16 | floor (direct, 1 SSH per host) | 20.0 | 1.0 | 10.0 | — | — | — |");
            expect(t).to.include("| 16 | haproxy-ha (pulumi) | 40.0 | 5.0 | 15.0 | — | 2.00 · 5.00 · 1.50 | — |");
        });
    });

    describe("the profile split (bench/profileSplit.ts)", () => {
        const urn = (comp: string, name: string) => `urn:pulumi:lab::haproxy-ha::haproxy-ha:index:${comp}$command:remote:Command::${name}`;
        const pre = (u: string, op: string, type = "command:remote:Command") => ({ resourcePreEvent: { metadata: { urn: u, type, op } } });
        const out = (u: string) => ({ resOutputsEvent: { metadata: { urn: u } } });
        it("splits stamped event-log lines, a partial last line kept for the next read", () => {
            const r = splitEvents('{"a":1}\n{"b":2}\n{"c":', 120);
            expect(r.events).to.deep.equal([
                { at_ms: 120, event: { a: 1 } },
                { at_ms: 120, event: { b: 2 } },
            ]);
            expect(r.rest).to.equal('{"c":');
            expect(splitEvents(r.rest + "3}\n", 130).events[0].event).to.deep.equal({ c: 3 });
            // Indented over lines, braces and escaped quotes inside strings.
            const indented = splitEvents('{\n  "x": "a } \\" {",\n  "y": {"z": 1}\n}\n{\n', 5);
            expect(indented.events.map((e) => e.event)).to.deep.equal([{ x: 'a } " {', y: { z: 1 } }]);
            expect(indented.rest).to.equal("{\n");
        });
        it("names a Command's component and step, dashes in names included", () => {
            expect(stepName(urn("WebBackend", "web3-packages"))).to.equal("packages");
            expect(stepName(urn("KeepalivedPair", "pair-lb-a-sysctl-ipv6"))).to.equal("sysctl-ipv6");
            expect(stepName(urn("KeepalivedPair", "pair-lb1-hook-master"))).to.equal("hook-master");
            expect(componentOf(urn("HaproxyNode", "lb1-config"))).to.equal("HaproxyNode");
        });
        it("startup, resources and shutdown phases; the Commands that ran, summed per component and step", () => {
            const w1 = urn("WebBackend", "web1-packages");
            const w2 = urn("WebBackend", "web2-packages");
            const c = urn("HaproxyNode", "lb1-config");
            const stack = "urn:pulumi:lab::haproxy-ha::pulumi:pulumi:Stack::haproxy-ha-lab";
            const ev = [
                { at_ms: 100, event: { preludeEvent: {} } },
                { at_ms: 2000, event: pre(stack, "same", "pulumi:pulumi:Stack") },
                { at_ms: 2500, event: pre(w1, "create") },
                { at_ms: 2600, event: pre(w2, "create") },
                { at_ms: 9500, event: out(w1) },
                { at_ms: 10600, event: out(w2) },
                { at_ms: 10700, event: pre(c, "same") },
                { at_ms: 10800, event: out(c) },
                { at_ms: 11000, event: out(stack) },
                { at_ms: 11500, event: { summaryEvent: {} } },
            ];
            const r = runSplit(ev, 12000);
            expect(r).to.include({ total_s: 12, startup_s: 2, resources_s: 9, shutdown_s: 1, commands_run: 2, commands_sum_s: 15 });
            expect(r.by_step).to.deep.equal({ "WebBackend packages": { count: 2, sum_s: 15, max_s: 8 } });
            expect(r.steps).to.deep.equal({ "command:remote:Command create": { count: 2, sum_s: 15 } });
            // No resource events at all: everything is startup.
            expect(runSplit([], 3000)).to.include({ startup_s: 3, resources_s: 0, shutdown_s: 0, commands_run: 0 });
        });
        it("a CPU profile's self time by package, idle apart", () => {
            expect(category("file:///r/node_modules/@pulumi/pulumi/runtime/rpc.js", "f")).to.equal("@pulumi/pulumi");
            expect(category("file:///r/node_modules/typescript/lib/typescript.js", "f")).to.equal("typescript (schema inference)");
            expect(category("node:internal/modules/cjs/loader", "f")).to.equal("node internals (module loading, streams)");
            expect(category("file:///r/dist/components/haproxyNode.js", "f")).to.equal("haproxy-ha components");
            expect(category("", "(idle)")).to.match(/^idle/);
            const p: CpuProfile = {
                nodes: [
                    { id: 1, callFrame: { functionName: "(idle)", url: "" } },
                    { id: 2, callFrame: { functionName: "x", url: "file:///r/node_modules/@grpc/grpc-js/a.js" } },
                    { id: 3, callFrame: { functionName: "y", url: "file:///r/dist/components/a.js" } },
                ],
                startTime: 0,
                endTime: 5_000_000,
                samples: [1, 2, 3, 2],
                timeDeltas: [3_000_000, 500_000, 250_000, 500_000],
            };
            const s = profileSplit(p);
            expect(s.wall_s).to.equal(5);
            expect(s.busy_s).to.equal(1.25);
            expect(s.by).to.deep.equal({ "idle (waiting: gRPC, timers)": 3, "@grpc/grpc-js": 1, "haproxy-ha components": 0.25 });
        });
    });
});
