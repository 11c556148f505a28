import { expect } from "chai";
import { throwawayCa } from "../../lab/certs";
import { hosts, inControl, labConfig, onHost, pulumiOk, PulumiRun, setCertificates, UP, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

/** The map's hosts: h0.example … h1999.example, odd ones to backend a, even ones to b. */
const MAP_SIZE = 2000;
function hostMap(changed: boolean): Record<string, string> {
    const entries: Record<string, string> = {};
    for (let i = 0; i < MAP_SIZE; i++) entries[`h${i}.example`] = i % 2 ? "a" : "b";
    if (changed) {
        entries["h5.example"] = "b"; // set
        delete entries["h3.example"]; // del
        entries["h2001.example"] = "b"; // add
    }
    return entries;
}

/** Issue 21, items 4-6 on real hosts: routing by each condition kind, a 2,000-host map changed without a reload, an error page, compression, HTTP/2 off. */
describe("lab: routing conditions, host maps, error pages, compression and HTTP/2 per bind", function () {
    this.timeout(0);
    let vip: string;
    let ca: ReturnType<typeof throwawayCa>;
    let pem: string;
    const runs: PulumiRun[] = [];

    const stack = (changedMap: boolean) => ({
        frontends: [
            {
                name: "web",
                binds: [{ address: vip, port: 80 }],
                routes: [
                    { paths: ["/exact"], backend: "b" },
                    { pathSuffixes: [".bee"], backend: "b" },
                    { pathRegexes: ["^/re/[0-9]+$"], backend: "b" },
                    { methods: ["DELETE"], backend: "b" },
                    { headers: [{ name: "X-Canary", values: ["yes"] }], backend: "b" },
                    { paths: ["/src"], sources: [`${lab.info.ctlAddress}/32`], backend: "b" },
                    { queryParams: [{ name: "v", values: ["2"] }], backend: "b" },
                    { pathPrefixes: ["/combo/"], anyOf: [{ methods: ["POST"] }, { headers: [{ name: "X-Force" }] }], not: [{ queryParams: [{ name: "skip" }] }], backend: "b" },
                    { paths: ["/down"], backend: "down" },
                ],
                hostMap: "hosts",
                defaultBackend: "a",
            },
            { name: "tls", binds: [{ address: vip, port: 443, tls: { certificates: ["site"], http2: false } }], defaultBackend: "a" },
        ],
        backends: [
            { name: "a", servers: [{ name: "web1", address: lab.info.hosts.web1.address }], compression: {}, extraConfig: ["http-response set-header X-Backend a"] },
            { name: "b", servers: [{ name: "web2", address: lab.info.hosts.web2.address }], extraConfig: ["http-response set-header X-Backend b"] },
            // Nothing listens on port 9: the check takes the one server down, haproxy answers 503 itself.
            { name: "down", servers: [{ name: "nobody", address: lab.info.hosts.web1.address, port: 9 }], healthCheck: { interMs: 500, fall: 1 }, errorPages: [{ status: 503, body: "<h1>custom 503: be right back</h1>\n" }] },
        ],
        maps: [{ name: "hosts", entries: hostMap(changedMap) }],
        sections: [{ type: "userlist", name: "ops", lines: ["user alice insecure-password s3cret"] }, { type: "cache", name: "small", lines: ["total-max-size 4", "max-age 60"] }],
        runtimeApi: true,
    });
    const up = async (changedMap: boolean) => {
        writeStackFile(labConfig(lab.info, stack(changedMap)));
        setCertificates(lab.info, { site: pem });
        const r = await pulumiOk(UP);
        runs.push(r);
        return r;
    };

    const lab = labScenario({
        prepare: (info) => {
            vip = info.vip.split("/")[0];
            ca = throwawayCa("haproxy-ha routing lab CA");
            pem = ca.leaf("app.example", "first");
            const r = hosts(["exec", "client", "--", "sh", "-c", "cat > /tmp/lab-ca.crt"], { input: ca.ca });
            if (r.code !== 0) throw new Error(`copying the CA to the client failed: ${r.stderr}`);
        },
        config: (info) => labConfig(info, stack(false)),
        up: async () => {
            lab.timings.firstUp = (await up(false)).seconds;
        },
        vipOnLb1Ms: 30_000,
    });

    /** The backend that answered (its X-Backend header), for a curl from the client. */
    const backendOf = (args: string) => {
        const r = onHost("client", `curl -s --max-time 5 -o /dev/null -D - ${args} | tr -d '\\r' | sed -n 's/^x-backend: //Ip'`);
        return r.stdout.trim();
    };
    const runtime = (host: string, cmd: string) => onHost(host, `printf '%s\\n' '${cmd}' | socat -t 5 stdio UNIX-CONNECT:/run/haproxy/admin.sock`).stdout;
    const workerInfo = (host: string) => {
        const info = runtime(host, "show info");
        return { pid: /^Pid: (\d+)/m.exec(info)?.[1], uptime: Number(/^Uptime_sec: (\d+)/m.exec(info)?.[1]) };
    };

    it("routes each condition kind to its backend (curl with paths, methods, headers, sources, query strings); the rest to the default", () => {
        const url = (p: string) => `'http://${vip}${p}'`;
        const cases: [string, string, string][] = [
            ["no condition", url("/"), "a"],
            ["exact path", url("/exact"), "b"],
            ["exact path, not a prefix", url("/exact/more"), "a"],
            ["path suffix", url("/x/file.bee"), "b"],
            ["path regex", url("/re/123"), "b"],
            ["path regex, no match", url("/re/12a"), "a"],
            ["method", `-X DELETE ${url("/")}`, "b"],
            ["header value", `-H 'X-Canary: yes' ${url("/")}`, "b"],
            ["header, other value", `-H 'X-Canary: no' ${url("/")}`, "a"],
            ["source outside the CIDR", url("/src"), "a"],
            ["query parameter", url("/?v=2"), "b"],
            ["query parameter, other value", url("/?v=3"), "a"],
            ["anyOf: POST", `-X POST ${url("/combo/x")}`, "b"],
            ["anyOf: header present", `-H 'X-Force: 1' ${url("/combo/x")}`, "b"],
            ["anyOf: neither", url("/combo/x"), "a"],
            ["not: the excluded parameter", `-X POST ${url("/combo/x?skip=1")}`, "a"],
            ["host map", `-H 'Host: h4.example' ${url("/")}`, "b"],
            ["host map, other capitals", `-H 'Host: H7.EXAMPLE' ${url("/")}`, "a"],
            ["host not in the map", `-H 'Host: nowhere.example' ${url("/exact/x")}`, "a"],
        ];
        // One shell on the client for every request: a line per case, the backend that answered.
        const script = cases.map(([, args]) => `curl -s --max-time 5 -o /dev/null -D - ${args} | tr -d '\\r' | sed -n 's/^x-backend: //Ip' | grep . || echo none`).join("\n");
        const answers = onHost("client", script).stdout.trim().split("\n");
        const got = cases.map(([what], i) => [what, answers[i]]);
        expect(got).to.deep.equal(cases.map(([what, , want]) => [what, want]));
        // The control namespace is inside the source CIDR.
        const fromCtl = inControl(lab.info, ["curl", "-s", "--max-time", "5", "-o", "/dev/null", "-D", "-", `http://${vip}/src`]).stdout;
        expect(fromCtl).to.match(/x-backend: b/i);
    });

    it("a custom error page is served for a 503 (a backend with no server up)", async () => {
        let body = "";
        await waitFor("the down backend's 503", () => {
            body = onHost("client", `curl -s --max-time 5 -w ' %{http_code}' http://${vip}/down`).stdout;
            return body.endsWith(" 503");
        }, 30_000);
        expect(body).to.include("<h1>custom 503: be right back</h1>");
    });

    it("compression: with Accept-Encoding: gzip the response is gzip-encoded, without it plain", () => {
        const gz = onHost("client", `curl -s --max-time 5 -o /dev/null -D - -H 'Accept-Encoding: gzip' http://${vip}/`).stdout;
        expect(gz).to.match(/content-encoding: gzip/i);
        const plain = onHost("client", `curl -s --max-time 5 -o /dev/null -D - http://${vip}/`).stdout;
        expect(plain).to.not.match(/content-encoding/i);
    });

    it("HTTP/2 off on a bind: ALPN offers http/1.1 only (a client asking h2 first gets http/1.1)", () => {
        const r = inControl(lab.info, ["openssl", "s_client", "-connect", `${vip}:443`, "-servername", "app.example", "-alpn", "h2,http/1.1"], { input: "", timeoutMs: 30_000 });
        const out = r.stdout + r.stderr;
        expect(out).to.match(/ALPN protocol: http\/1\.1/);
        expect(out).to.not.match(/ALPN protocol: h2/);
    });

    it("the raw sections are in haproxy.cfg, validated on the host with the rest", () => {
        const cfg = onHost("lb1", "cat /etc/haproxy/haproxy.cfg").stdout;
        expect(cfg).to.include("\nuserlist ops\n    user alice insecure-password s3cret\n").and.include("\ncache small\n    total-max-size 4\n");
        expect(onHost("lb1", "ls /etc/haproxy/maps /etc/haproxy/errors").stdout).to.include("hosts.map").and.include("be-down-503.http");
    });

    it("a change of map entries (2,000 hosts) is applied through the runtime API: no reload (same worker, uptime goes on), served, and kept in the file", async () => {
        const before = { lb1: workerInfo("lb1"), lb2: workerInfo("lb2") };
        expect(before.lb1.pid, "show info").to.match(/^\d+$/);
        const r = await up(true);
        lab.timings.mapChange = r.seconds;
        expect(r.stdout + r.stderr).to.not.include("reloading haproxy");
        for (const host of ["lb1", "lb2"] as const) {
            const after = workerInfo(host);
            expect(after.pid, `${host}: haproxy's worker changed (a reload)`).to.equal(before[host].pid);
            expect(after.uptime, `${host}: uptime went back`).to.be.at.least(before[host].uptime);
            const map = runtime(host, "show map /etc/haproxy/maps/hosts.map");
            expect(map).to.match(/ h2001\.example b\n/).and.match(/ h5\.example b\n/).and.not.match(/ h3\.example /);
            expect(map.trim().split("\n")).to.have.length(MAP_SIZE);
            const file = onHost(host, "cat /etc/haproxy/maps/hosts.map").stdout;
            expect(file).to.include("\nh2001.example b\n").and.include("\nh5.example b\n").and.not.include("\nh3.example ");
        }
        expect(backendOf(`-H 'Host: h2001.example' http://${vip}/`)).to.equal("b");
        expect(backendOf(`-H 'Host: h5.example' http://${vip}/`)).to.equal("b");
        expect(backendOf(`-H 'Host: h3.example' http://${vip}/`)).to.equal("a");
        // A later reload reads the file: the same entries.
        onHost("lb1", "systemctl reload haproxy");
        await waitFor("the reloaded worker", () => workerInfo("lb1").pid !== before.lb1.pid, 30_000);
        expect(runtime("lb1", "show map /etc/haproxy/maps/hosts.map")).to.match(/ h2001\.example b\n/);
        expect(backendOf(`-H 'Host: h2001.example' http://${vip}/`)).to.equal("b");
    });
});
