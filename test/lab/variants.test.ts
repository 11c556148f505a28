/**
 * The seed's own variants on real hosts (issue 21 item 8): its experiment 1 (one balancer, two
 * web servers, round robin, no keepalived), then a web server the library only points to and one
 * named in DNS whose record moves. The control namespace serves the lab's DNS zone (dnsmasq, from
 * the machine: scripts/setup.sh installs dnsmasq-base); lb1's libc resolver asks it, as a real
 * balancer asks its site's DNS. lb2 stays unused: hosts.sh always boots it.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { expect } from "chai";
import { fileSha, hostKeys, installedPackages, LAB_STATE, LabInfo, mainPid, onHost, pulumiOk, requestsThrough, UP, unitState, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

const NAME = "app.lab.test";
const OUTSIDE_PORT = 8081;
const ZONE = path.join(LAB_STATE, "variants-zone.hosts");

/** The seed's experiment 1 as a user writes it: one balancer, the two web servers, nothing about VRRP. */
function experiment1(info: LabInfo, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const h = info.hosts;
    return {
        os: "debian",
        ssh: { user: "root", privateKeyPath: info.sshKeyPath, hostKeys: hostKeys(info), perDialTimeout: 5, dialErrorLimit: 3 },
        webs: [
            { name: "web1", host: h.web1.address },
            { name: "web2", host: h.web2.address },
        ],
        balancers: [{ name: "lb1", host: h.lb1.address }],
        stats: true,
        ...overrides,
    };
}

/** How many of `answers` each server gave. */
function counts(answers: string[]): Record<string, number> {
    const c: Record<string, number> = {};
    for (const a of answers) c[a] = (c[a] ?? 0) + 1;
    return c;
}

describe("lab: the seed's variants — one balancer, servers only pointed to, a DNS name that moves", function () {
    this.timeout(0);
    let dns: ChildProcess | undefined;
    const setRecord = (address: string) => fs.writeFileSync(ZONE, `${address} ${NAME}\n`, { mode: 0o644 });

    const lab = labScenario({
        prepare: async (info) => {
            // The lab's DNS zone, served from the control namespace; dnsmasq re-reads it on SIGHUP.
            setRecord(info.hosts.web1.address);
            dns = spawn(
                "ip",
                ["netns", "exec", info.ctlNamespace, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", `--addn-hosts=${ZONE}`,
                    `--listen-address=${info.ctlAddress}`, "--bind-interfaces", "--port=53", "--pid-file=", "--user=root", "--group=root", "--local-ttl=0"],
                { stdio: "ignore" },
            );
            // lb1 resolves names through it (libc at haproxy's start, `haproxy -c` included).
            expect(onHost("lb1", `rm -f /etc/resolv.conf && echo 'nameserver ${info.ctlAddress}' > /etc/resolv.conf`).code).to.equal(0);
            await waitFor("the lab DNS to answer on lb1", () => onHost("lb1", `getent hosts ${NAME}`).stdout.includes(info.hosts.web1.address), 30_000, 500);
            // A web server the library does not provision: a tiny HTTP server on the client host.
            const started = onHost(
                "client",
                `mkdir -p /srv/outside && echo '<html><body><h1>outside</h1></body></html>' > /srv/outside/index.html && ` +
                    `systemd-run --unit=haproxy-ha-outside --property=WorkingDirectory=/srv/outside /usr/bin/python3 -m http.server ${OUTSIDE_PORT}`,
            );
            expect(started.code, started.stderr).to.equal(0);
        },
        config: (info) => experiment1(info),
        up: true,
        cleanup: () => {
            if (dns?.pid !== undefined && dns.exitCode === null) dns.kill("SIGTERM");
            fs.rmSync(ZONE, { force: true });
        },
    });
    const { timings } = lab;
    const lb1 = () => lab.info.hosts.lb1.address;

    it("experiment 1: the URL is lb1's own address, web1 and web2 answer in turn through it, and no keepalived is installed anywhere", async () => {
        const outputs = JSON.parse((await pulumiOk(["stack", "output", "--json"])).stdout);
        expect(outputs.url).to.equal(`http://${lb1()}:80/`);
        expect(outputs.balancers).to.deep.equal(["lb1"]);
        expect(outputs.master).to.equal("lb1");
        const answers = requestsThrough(lb1(), 10);
        expect(answers).to.have.length(10);
        expect(new Set(answers)).to.deep.equal(new Set(["web1", "web2"]));
        for (let i = 1; i < answers.length; i++) expect(answers[i], `request ${i + 1}`).to.not.equal(answers[i - 1]);
        expect(installedPackages("lb1")).to.include("haproxy").and.not.include("keepalived");
        expect(unitState("lb1", "haproxy")).to.deep.equal({ active: "active", enabled: "enabled" });
        // lb2 was never touched, and no VIP exists.
        expect(installedPackages("lb2")).to.not.include("haproxy").and.not.include("keepalived");
        expect(onHost("lb1", "ip -4 -o addr show").stdout).to.not.include(lab.info.vip.split("/")[0]);
        // The frontend binds every address; the stats page lb1's own only.
        const listening = onHost("lb1", "ss -ltnH").stdout;
        expect(listening).to.match(/(\*|0\.0\.0\.0):80\b/).and.include(`${lb1()}:8404`);
    });

    it("a server only pointed to (no SSH, no install) and one named in DNS join the round robin after one reload", async () => {
        const h = lab.info.hosts;
        writeStackFile(
            experiment1(lab.info, {
                webs: [
                    { name: "web1", host: h.web1.address },
                    { name: "web2", host: h.web2.address },
                    { name: "named", host: NAME, managed: false },
                    { name: "outside", host: h.client.address, port: OUTSIDE_PORT, managed: false },
                ],
                nameservers: [lab.info.ctlAddress],
            }),
        );
        const clientBefore = installedPackages("client");
        timings.secondUp = (await pulumiOk(UP)).seconds;
        expect(installedPackages("client")).to.deep.equal(clientBefore);
        const config = onHost("lb1", "cat /etc/haproxy/haproxy.cfg").stdout;
        expect(config).to.include(`nameserver ns1 ${lab.info.ctlAddress}:53`).and.include(`server named ${NAME}:80 check resolvers haproxy_ha_dns`);
        expect(config).to.include(`server outside ${h.client.address}:${OUTSIDE_PORT} check\n`);
        // Round robin over web1, web2, named (web1's address), outside: two turns, exact counts.
        await waitFor("every server in the round robin", () => JSON.stringify(counts(requestsThrough(lb1(), 8))) === JSON.stringify({ web1: 4, web2: 2, outside: 2 }) || undefined, 60_000, 1000).catch(
            (e) => {
                throw new Error(`${(e as Error).message}; last answers: ${JSON.stringify(counts(requestsThrough(lb1(), 8)))}`);
            },
        );
    });

    it("the DNS record moves to web2: the traffic follows through the resolvers section, without a reload", async () => {
        // A reload would start new workers (and, on 1.5-style restarts, a new master): every haproxy PID is compared.
        const pids = () => onHost("lb1", "pgrep -x haproxy | sort").stdout.trim();
        const pid = mainPid("lb1", "haproxy");
        const before = pids();
        const configSha = fileSha("lb1", "/etc/haproxy/haproxy.cfg");
        setRecord(lab.info.hosts.web2.address);
        expect(dns?.kill("SIGHUP")).to.equal(true);
        const t0 = Date.now();
        await waitFor("named to answer from web2", () => {
            const c = counts(requestsThrough(lb1(), 8));
            return (c.web1 === 2 && c.web2 === 4 && c.outside === 2) || undefined;
        }, 60_000, 500);
        timings.dnsMoveS = (Date.now() - t0) / 1000;
        expect(mainPid("lb1", "haproxy"), "haproxy's master PID").to.equal(pid);
        expect(pids(), "haproxy's processes").to.equal(before);
        expect(fileSha("lb1", "/etc/haproxy/haproxy.cfg")).to.equal(configSha);
    });
});
