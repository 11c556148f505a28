import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { masterDownInterval, requestTimeline } from "../../bench/common";
import { barChart, escapeXml, lineChart, ticks } from "../../bench/svg";
import { failoverFigures } from "../../lab/failover";
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
});
