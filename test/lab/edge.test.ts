import { expect } from "chai";
import { spawnSync } from "child_process";
import { hosts, inControl, LabInfo, labConfig, onHost, pulumiEnv, pulumiOk, STACK, UP, vipHolders, waitFor } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

/** The test user's password, and its SHA-512 crypt hash made by openssl on the machine (what a user would do). */
const PASSWORD = "lab-only-pw-21";
const LIMIT = { requests: 40, periodS: 60 };

/** `show table <name>` on a balancer through its runtime API socket. */
const showTable = (host: string, table: string) => onHost(host, `echo 'show table ${table}' | socat stdio /run/haproxy/admin.sock`).stdout;

/** Sets the userlist as stack config, the hash as a secret on stdin (never on a command line). */
function setUserlist(info: LabInfo, hash: string): void {
    for (const [key, value, secret] of [
        ["haproxy-ha:userlists[0].name", "staff", false],
        ["haproxy-ha:userlists[0].users[0].name", "alice", false],
        ["haproxy-ha:userlists[0].users[0].passwordHash", hash, true],
    ] as const) {
        const r = inControl(info, ["pulumi", "config", "set", "--path", ...(secret ? ["--secret"] : []), key, "--stack", STACK, "--non-interactive"], { env: pulumiEnv(), input: value });
        if (r.code !== 0) throw new Error(`pulumi config set ${key} failed: ${r.stderr}`);
    }
}

/** Issue 21 items 1–3 on real hosts: peers and stick tables across a failover and a reload, a rate limit under real load, basic auth. */
describe("lab: peers, stick tables, rate limits and auth at the edge", function () {
    this.timeout(0);
    let vip: string;
    let hash: string;

    const stack = (info: LabInfo) => ({
        peers: true,
        runtimeApi: true,
        frontends: [
            {
                name: "www",
                binds: [{ address: vip, port: 80 }],
                rateLimit: LIMIT,
                routes: [{ hosts: ["private.example"], backend: "app", auth: { userlist: "staff", realm: "staff" } }],
                defaultBackend: "app",
            },
        ],
        backends: [
            {
                name: "app",
                servers: ["web1", "web2"].map((name) => ({ name, address: info.hosts[name].address })),
                sticky: { source: true },
            },
        ],
    });

    const lab = labScenario({
        prepare: (info) => {
            vip = info.vip.split("/")[0];
            const r = spawnSync("openssl", ["passwd", "-6", "-stdin"], { input: PASSWORD, encoding: "utf8" });
            hash = r.stdout.trim();
            expect(hash).to.match(/^\$6\$/);
        },
        config: (info) => labConfig(info, stack(info)),
        up: async (info) => {
            setUserlist(info, hash);
            lab.timings.firstUp = (await pulumiOk(UP)).seconds;
        },
        vipOnLb1Ms: 30_000,
    });
    const { timings } = lab;

    /** The server (its <h1>) that answers the client, `count` times. */
    const clientServers = (count: number) => {
        const r = onHost("client", `for i in $(seq ${count}); do curl -s --max-time 3 http://${vip}/ | sed -n 's:.*<h1>\\(.*\\)</h1>.*:\\1:p'; done`);
        return r.stdout.trim().split("\n");
    };
    let pinned: string;

    it("stick on src: the client keeps its server; the BACKUP's table (through peers) holds the client's entry", () => {
        // The control namespace takes the first server, so the client's is the second: not what a fresh table on lb2 would pick first.
        const first = inControl(lab.info, ["curl", "-s", "--max-time", "3", `http://${vip}/`]).stdout;
        expect(first).to.match(/<h1>web\d<\/h1>/);
        const servers = clientServers(4);
        pinned = servers[0];
        expect(servers).to.deep.equal([pinned, pinned, pinned, pinned]);
        expect(first).to.not.include(`<h1>${pinned}</h1>`);
        const client = lab.info.hosts.client.address;
        const table = showTable("lb2", "app");
        expect(table, table).to.match(new RegExp(`key=(::ffff:)?${client.replace(/\./g, "\\.")} .*server_id=\\d+`));
    });

    it("after a MASTER failover (keepalived stopped on lb1) and then a reload of haproxy on lb2, the client lands on the same server", async () => {
        onHost("lb1", "systemctl stop keepalived");
        try {
            await waitFor("the VIP on lb2", () => vipHolders(lab.info).join() === "lb2", 30_000, 250);
            expect(clientServers(4)).to.deep.equal([pinned, pinned, pinned, pinned]);
            const reload = onHost("lb2", "systemctl reload haproxy");
            expect(reload.code, reload.stderr).to.equal(0);
            await new Promise((r) => setTimeout(r, 2000));
            expect(clientServers(3)).to.deep.equal([pinned, pinned, pinned]);
            expect(showTable("lb2", "app")).to.include(lab.info.hosts.client.address);
        } finally {
            onHost("lb1", "systemctl start keepalived");
        }
        await waitFor("the VIP back on lb1", () => vipHolders(lab.info).join() === "lb1", 30_000, 250);
    });

    it(`rate limit ${LIMIT.requests}/${LIMIT.periodS}s per source: over it every request past the allowance is 429; the client under the limit gets none; the peer's table holds the count`, async () => {
        const ctl = lab.info.ctlAddress.replace(/\./g, "\\.");
        const rateOf = (host: string) => Number(new RegExp(`key=(?:::ffff:)?${ctl} .*http_req_rate\\(\\d+\\)=(\\d+)`).exec(showTable(host, "haproxy_ha_rate_www"))?.[1] ?? 0);
        const before = rateOf("lb1");
        const allowed = Math.max(0, LIMIT.requests - before);
        // A loop of curl from the control namespace (the limit is small; wrk and h2load are not on the machine, and vegeta is built only by `tools.sh --bench`).
        const sent = 100;
        const loop = inControl(lab.info, ["sh", "-c", `for i in $(seq ${sent}); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 3 http://${vip}/; done`], { timeoutMs: 120_000 });
        const codes = loop.stdout.trim().split("\n");
        expect(codes.length, loop.stderr).to.equal(sent);
        const passed = codes.filter((c) => c === "200").length;
        const refused = codes.filter((c) => c === "429").length;
        expect(passed + refused, `other statuses: ${codes.filter((c) => c !== "200" && c !== "429").join(" ")}`).to.equal(sent);
        // Every request past the allowance is refused, and none before it: the 200s come first.
        expect(codes.slice(0, passed)).to.deep.equal(Array(passed).fill("200"));
        timings.refusedShare = refused / sent;
        console.log(`      curl loop: ${sent} requests, ${refused} answered 429 (${((100 * refused) / sent).toFixed(0)} %), ${passed} passed; allowance left before: ${allowed}`);
        expect(passed).to.be.within(allowed, allowed + 2);
        const status = onHost("client", `for i in $(seq 10); do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 3 http://${vip}/; done`).stdout.trim().split("\n");
        expect(status).to.deep.equal(Array(10).fill("200"));
        expect(inControl(lab.info, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", `http://${vip}/`]).stdout).to.equal("429");
        // Shared with the BACKUP through the peers: its table holds the control namespace's rate too.
        const shared = await waitFor("the control namespace's rate in lb2's table", () => rateOf("lb2") > LIMIT.requests && rateOf("lb2"), 10_000, 250);
        console.log(`      http_req_rate of the control namespace: lb1 ${rateOf("lb1")}, lb2 (peer) ${shared}`);
    });

    it("basic auth on a route: 401 without credentials (and with a wrong password), 200 with; the hash is only in haproxy.cfg (0640)", () => {
        const curl = (credentials?: string) =>
            hosts(["exec", "client", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3", "-H", "Host: private.example", "-K", "-", `http://${vip}/`], {
                input: credentials === undefined ? "" : `user = "${credentials}"\n`,
            }).stdout.trim();
        expect(curl()).to.equal("401");
        expect(curl("alice:wrong")).to.equal("401");
        expect(curl(`alice:${PASSWORD}`)).to.equal("200");
        // Another Host is not behind the route's auth.
        expect(onHost("client", `curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://${vip}/`).stdout).to.equal("200");
        for (const h of ["lb1", "lb2"]) {
            expect(onHost(h, "stat -c '%a %U %G' /etc/haproxy/haproxy.cfg").stdout.trim()).to.equal("640 root haproxy");
            expect(onHost(h, "grep -c 'user alice password \\$6\\$' /etc/haproxy/haproxy.cfg").stdout.trim()).to.equal("1");
        }
    });
});
