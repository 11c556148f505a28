import { expect } from "chai";
import * as fs from "fs";
import { throwawayCa } from "../../lab/certs";
import {
    DESTROY,
    fileSha as sha,
    hosts,
    LabInfo,
    inControl,
    labConfig,
    mainPid,
    onHost,
    processLists,
    pulumi,
    pulumiOk,
    pulumiStateText,
    PulumiRun,
    setCertificates as setStackCertificates,
    spawnOnHost,
    STACK_FILE,
    tail,
    UP,
    waitFor,
    writeStackFile,
} from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

/** The test's certificates from one throwaway CA: app.example and api.example, and app.example again (`O=rotated`) for the rotation. */
function makeCerts() {
    const ca = throwawayCa("haproxy-ha lab CA");
    return { ca: ca.ca, app: ca.leaf("app.example", "first"), api: ca.leaf("api.example", "first"), appRotated: ca.leaf("app.example", "rotated") };
}

/** The first base64 line of the private key in a chain-and-key PEM. */
const keyLineOf = (pem: string) => pem.split("\n").find((l, i, all) => i > 0 && all[i - 1].includes("PRIVATE KEY"))!;

/** Mozilla guideline 5.7's intermediate TLS 1.2 suites (OpenSSL names) and the TLS 1.3 suites every profile keeps. */
const INTERMEDIATE_TLS12 = [
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
];
const TLS13_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/**
 * A real TLS scanner (sslscan, from the machine) against `address:443`, run in the lab's control
 * namespace: the protocols it found enabled and every suite the server accepted, per protocol.
 */
function sslscan(info: LabInfo, address: string, sni: string): { protocols: string[]; suites: Record<string, string[]>; raw: string } {
    const r = inControl(info, ["sslscan", "--no-colour", "--xml=-", `--sni-name=${sni}`, `${address}:443`], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`sslscan failed (is it installed? scripts/setup.sh installs it): ${r.stderr}`);
    const raw = r.stdout;
    const protocols = [...raw.matchAll(/<protocol type="(ssl|tls)" version="([\d.]+)" enabled="1"/g)].map((m) => `${m[1] === "ssl" ? "SSLv" : "TLSv"}${m[2]}`);
    const suites: Record<string, string[]> = {};
    for (const m of raw.matchAll(/<cipher status="(?:accepted|preferred)" sslversion="([^"]+)"[^>]* cipher="([^"]+)"/g)) (suites[m[1]] ??= []).push(m[2]);
    if (protocols.length === 0) throw new Error(`sslscan found no protocol: ${raw}`);
    return { protocols, suites, raw };
}

/** A TLS 1.2 handshake with openssl s_client: does the server hand out a session ticket? */
function tls12Handshake(info: LabInfo, address: string, sni: string): { ok: boolean; ticket: boolean; out: string } {
    const r = inControl(info, ["openssl", "s_client", "-connect", `${address}:443`, "-servername", sni, "-tls1_2"], { input: "", timeoutMs: 30_000 });
    const out = (r.stdout ?? "") + (r.stderr ?? "");
    // A failed handshake still prints "Protocol : TLSv1.2" (the attempted version): the negotiated cipher tells.
    return { ok: /New, TLSv1\.2, Cipher is (?!\(NONE\))/.test(out), ticket: /TLS session ticket/.test(out), out };
}

/** Issue 9 on real hosts: HTTPS through the VIP, Host/path routing, rotation, logs, metrics. */
describe("lab: TLS front ends with several services, logs and metrics", function () {
    this.timeout(0);
    let vip: string;
    let certs: ReturnType<typeof makeCerts>;
    const runs: PulumiRun[] = [];

    /** No `tlsProfile` unless given: the default a user gets is intermediate. */
    const stack = (tlsProfile?: string) => ({
        frontends: [
            {
                name: "https",
                binds: [{ address: vip, port: 443, tls: { certificates: ["app", "api"] } }],
                routes: [
                    { hosts: ["api.example"], backend: "api" },
                    { pathPrefixes: ["/api/"], backend: "api" },
                ],
                defaultBackend: "app",
                hsts: { maxAgeS: 63072000 },
                ...(tlsProfile ? { tlsProfile } : {}),
            },
            { name: "http", binds: [{ address: vip, port: 80 }], redirectToHttps: true },
        ],
        backends: [
            { name: "app", servers: [{ name: "web1", address: lab.info.hosts.web1.address }], healthCheck: { path: "/", host: "app.example" }, sticky: { cookie: "APPSRV" } },
            { name: "api", servers: [{ name: "web2", address: lab.info.hosts.web2.address }], healthCheck: { path: "/", host: "api.example" }, sticky: { cookie: "APISRV" } },
        ],
        logging: "rsyslog",
        runtimeApi: true,
        // The control namespace (10.77.0.2) only: the client (10.77.0.31) must be refused.
        stats: { adminSources: [`${lab.info.ctlAddress}/32`], prometheus: true },
    });

    const setCertificates = (pems: { app: string; api: string }) => setStackCertificates(lab.info, pems);
    const up = async (pems: { app: string; api: string }, tlsProfile?: string) => {
        writeStackFile(labConfig(lab.info, stack(tlsProfile)));
        setCertificates(pems);
        const r = await pulumiOk(UP);
        runs.push(r);
        return r;
    };
    const curl = (args: string) => onHost("client", `curl -s --max-time 5 --cacert /tmp/lab-ca.crt ${args}`);
    const resolve = (host: string) => `--resolve ${host}:443:${vip}`;
    /** The HTTP status of a request from the control namespace (the admin source); the credentials travel on curl's stdin, not its command line. */
    const fromControl = (url: string, credentials?: string, body = false) => {
        const r = inControl(lab.info, ["curl", "-s", "--max-time", "5", ...(body ? [] : ["-o", "/dev/null", "-w", "%{http_code}"]), "-K", "-", url], {
            input: credentials === undefined ? "" : `user = "${credentials}"\n`,
        });
        return r.stdout.trim();
    };
    const statsCredentials = (host: string) => `admin:${onHost(host, "sed -n 's/^ *stats auth admin://p' /etc/haproxy/haproxy.cfg").stdout.trim()}`;

    const lab = labScenario({
        prepare: (info) => {
            certs = makeCerts();
            vip = info.vip.split("/")[0];
            const r = hosts(["exec", "client", "--", "sh", "-c", "cat > /tmp/lab-ca.crt"], { input: certs.ca });
            if (r.code !== 0) throw new Error(`copying the CA to the client failed: ${r.stderr}`);
        },
        config: (info) => labConfig(info, stack()),
        up: async () => {
            lab.timings.firstUp = (await up({ app: certs.app, api: certs.api })).seconds;
        },
        vipOnLb1Ms: 30_000,
    });
    const { timings } = lab;

    it("serves HTTPS through the VIP with the test's certificate (curl --cacert); plain HTTP answers 301 to https", () => {
        const https = curl(`-o /dev/null -w '%{http_code}' ${resolve("app.example")} https://app.example/`);
        expect(https.stdout.trim(), https.stderr).to.equal("200");
        const plain = onHost("client", `curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 5 -H 'Host: app.example' http://${vip}/x`);
        expect(plain.stdout.trim()).to.equal("301 https://app.example/x");
        const headers = curl(`-D - -o /dev/null ${resolve("app.example")} https://app.example/`).stdout;
        expect(headers).to.match(/strict-transport-security: max-age=63072000/i);
    });

    it("TLS is Mozilla's intermediate profile by default (sslscan on the VIP): TLS 1.2 and 1.3 only, every suite forward-secret AEAD from the list, no session tickets, HSTS", () => {
        const scan = sslscan(lab.info, vip, "app.example");
        expect(scan.protocols, scan.raw).to.deep.equal(["TLSv1.2", "TLSv1.3"]);
        const tls12 = scan.suites["TLSv1.2"] ?? [];
        expect(tls12.length, "no TLS 1.2 suite accepted").to.be.greaterThan(0);
        // The lab's certificates are RSA: every RSA suite of the list, nothing outside it (no CBC, no RSA key exchange).
        expect([...tls12].sort()).to.deep.equal(INTERMEDIATE_TLS12.filter((c) => !c.includes("ECDSA")).sort());
        for (const c of tls12) expect(c, "a suite without forward secrecy or a CBC suite").to.match(/^(ECDHE|DHE)-.*(GCM|CHACHA20-POLY1305)/);
        expect([...(scan.suites["TLSv1.3"] ?? [])].sort()).to.deep.equal([...TLS13_SUITES].sort());
        const hs = tls12Handshake(lab.info, vip, "app.example");
        expect(hs.ok, hs.out).to.equal(true);
        expect(hs.ticket, "the server issued a TLS session ticket").to.equal(false);
        const headers = onHost("client", `curl -sI --max-time 5 --cacert /tmp/lab-ca.crt ${resolve("app.example")} https://app.example/`).stdout;
        expect(headers).to.match(/^strict-transport-security: max-age=63072000\r?$/im);
    });

    it("routes by Host header: app.example only to web1, api.example only to web2; /api/ to web2", () => {
        for (let i = 0; i < 4; i++) {
            expect(curl(`${resolve("app.example")} https://app.example/`).stdout).to.include("<h1>web1</h1>");
            expect(curl(`${resolve("api.example")} https://api.example/`).stdout).to.include("<h1>web2</h1>");
        }
        // web2 has no /api/ page: its 404 carries the api backend's sticky cookie naming web2.
        const api = curl(`-D - -o /dev/null ${resolve("app.example")} https://app.example/api/`).stdout;
        expect(api).to.match(/set-cookie: APISRV=web2/i);
    });

    it("SNI picks the certificate: api.example gets its own", () => {
        const v = curl(`-v -o /dev/null ${resolve("api.example")} https://api.example/`);
        expect(v.stderr + v.stdout).to.match(/subject: CN *= *api\.example/);
    });

    it("rotating a certificate while a client loop runs: zero failed requests, the new certificate served, haproxy reloaded not restarted", async () => {
        const pid = mainPid("lb1", "haproxy");
        const script =
            `rm -f /tmp/rot.stop; while [ ! -e /tmp/rot.stop ]; do ` +
            `code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert /tmp/lab-ca.crt ${resolve("app.example")} https://app.example/) || true; echo "$code"; sleep 0.05; done`;
        const loop = spawnOnHost("client", script);
        // Process lists on both balancers while the new certificate travels.
        const samples = Promise.all([processLists("lb1", 200), processLists("lb2", 200)]);
        await new Promise((r) => setTimeout(r, 1000));
        timings.rotation = (await up({ app: certs.appRotated, api: certs.api })).seconds;
        const ps = (await samples).join("\n");
        expect(ps).to.include("haproxy");
        expect(ps, "a private key in a process list").to.not.include(keyLineOf(certs.appRotated));
        await new Promise((r) => setTimeout(r, 1000));
        onHost("client", "touch /tmp/rot.stop");
        const codes = (await loop.done).stdout.trim().split("\n");
        console.log(`      client loop during the rotation: ${codes.filter((c) => c !== "200").length} failed of ${codes.length}`);
        expect(codes.length).to.be.greaterThan(20);
        expect(codes.filter((c) => c !== "200")).to.deep.equal([]);
        const v = curl(`-v -o /dev/null ${resolve("app.example")} https://app.example/`);
        expect(v.stderr + v.stdout).to.match(/O *= *rotated/);
        expect(mainPid("lb1", "haproxy"), "haproxy was restarted instead of reloaded").to.equal(pid);
    });

    it("the request appears in the MASTER's /var/log/haproxy.log; /metrics answers the admin source with haproxy metrics; the runtime socket exists", async () => {
        const marker = `/logcheck-${Date.now()}`;
        curl(`${resolve("app.example")} https://app.example${marker}`);
        await waitFor("the request in lb1's haproxy log", () => onHost("lb1", `grep -c -- ${marker} /var/log/haproxy.log`).stdout.trim() === "1", 15_000, 500);
        const metrics = fromControl(`http://${lab.info.hosts.lb1.address}:8404/metrics`, statsCredentials("lb1"), true);
        expect(metrics).to.match(/^haproxy_process_/m);
        expect(onHost("lb1", "stat -c '%a %U' /run/haproxy/admin.sock").stdout.trim()).to.equal("600 root");
        // The stats listener binds the node's own address, not the VIP or every address.
        expect(onHost("client", `curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://${vip}:8404/metrics`).stdout.trim()).to.equal("000");
    });

    it("with no host firewall active, the stats page and /metrics refuse the client (403, even with the credentials) and answer the admin source (200 with the credentials, 401 without)", () => {
        for (const h of ["lb1", "lb2"]) {
            // haproxy's own check is what refuses: the lab hosts run no firewalld, ufw or nftables rules.
            const firewall = onHost(h, "{ command -v firewall-cmd ufw; nft list ruleset 2>/dev/null | grep -E 'dport|8404'; iptables-save 2>/dev/null | grep -E 'dport|8404'; } || true");
            expect(firewall.stdout.trim(), `a host firewall on ${h}`).to.equal("");
            const credentials = statsCredentials(h);
            expect(credentials).to.match(/^admin:[A-Za-z0-9]{20}$/);
            for (const page of ["/haproxy-stats", "/metrics"]) {
                const url = `http://${lab.info.hosts[h].address}:8404${page}`;
                const client = hosts(["exec", "client", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-K", "-", url], { input: `user = "${credentials}"\n` });
                expect(client.stdout.trim(), `${h} ${page} from the client`).to.equal("403");
                expect(fromControl(url), `${h} ${page} from the admin source without credentials`).to.equal("401");
                expect(fromControl(url, credentials), `${h} ${page} from the admin source`).to.equal("200");
            }
        }
    });

    it("certificates are 0600 root on the host and never in clear in state, engine output or the stack file", async () => {
        const keyLine = keyLineOf(certs.appRotated);
        for (const h of ["lb1", "lb2"]) {
            expect(onHost(h, "stat -c '%a %U %G' /etc/haproxy/certs/app.pem /etc/haproxy/certs/api.pem").stdout.trim().split("\n")).to.deep.equal(["600 root root", "600 root root"]);
        }
        const exported = await pulumiOk(["stack", "export"]);
        const stateFiles = pulumiStateText();
        expect(exported.stdout).to.not.include(keyLine);
        expect(stateFiles).to.not.include(keyLine);
        expect(fs.readFileSync(STACK_FILE, "utf8")).to.not.include(keyLine);
        for (const r of runs) expect(r.stdout + r.stderr).to.not.include(keyLine);
    });

    it("an invalid candidate (a new certificate with a directive haproxy rejects) fails at the BACKUP and replaces neither certificates nor config", async () => {
        const files = ["/etc/haproxy/haproxy.cfg", "/etc/haproxy/certs/app.pem", "/etc/haproxy/certs/api.pem"];
        const before = ["lb1", "lb2"].map((h) => files.map((f) => sha(h, f)));
        const good = stack();
        writeStackFile(labConfig(lab.info, { ...good, frontends: [{ ...good.frontends[0], extraConfig: ["no-such-directive 1"] }, good.frontends[1]] }));
        setCertificates({ app: certs.app, api: certs.api });
        const r = await pulumi(UP);
        runs.push(r);
        expect(r.code).to.not.equal(0);
        expect(r.stdout + r.stderr).to.include("haproxy rejected the new config; the old one stays");
        expect(r.stdout).to.not.match(/lb1-config +updat/);
        expect(["lb1", "lb2"].map((h) => files.map((f) => sha(h, f)))).to.deep.equal(before);
        const v = curl(`-v -o /dev/null ${resolve("app.example")} https://app.example/`);
        expect(v.stderr + v.stdout).to.match(/O *= *rotated/);
        await up({ app: certs.appRotated, api: certs.api });
    });

    it("a certificate carrying a forged bundle entry is refused before any host is touched; nothing outside the library's paths changes (issue 19)", async () => {
        // Every file under /root and /etc but those the library manages, with its checksum; and the managed ones by name.
        const listing = (h: string) => {
            const skip = "! -path '/etc/haproxy/*' ! -path '/etc/keepalived/*' ! -path /etc/rsyslog.d/48-haproxy-ha.conf ! -path '/etc/sysctl.d/*haproxy-ha*'";
            return onHost(h, `{ find /root /etc -xdev -type f ${skip} -print0 | xargs -0 -r sha256sum; find /root /etc -xdev -type l ${skip} -printf '%p -> %l\\n'; } | sort`).stdout;
        };
        const managed = ["/etc/haproxy/haproxy.cfg", "/etc/haproxy/certs/app.pem", "/etc/haproxy/certs/api.pem"];
        const snapshot = () => ["lb1", "lb2"].map((h) => ({ files: listing(h), managed: managed.map((f) => sha(h, f)) }));
        const before = snapshot();
        expect(before[0].files).to.match(/^[0-9a-f]{64} {2}\/root\/\.ssh\/authorized_keys$/m);
        const hostile = {
            app: certs.appRotated + "#### haproxy-ha file ../../../root/.ssh/authorized_keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileHostileHostile attacker@example\n",
            api: certs.api + "#### haproxy-ha file haproxy.cfg\nglobal\n    lua-load /tmp/hostile.lua\n",
        };
        writeStackFile(labConfig(lab.info, stack()));
        setCertificates(hostile);
        const r = await pulumi(UP);
        runs.push(r);
        const out = r.stdout + r.stderr;
        expect(r.code, tail(out, 30)).to.not.equal(0);
        // Both certificates are refused in one run (every problem at once, issue 20).
        expect(out).to.match(/stack config: /);
        expect(out).to.match(/`haproxy-ha:certificates\[0\]\.pem` must hold only PEM blocks/).and.match(/`haproxy-ha:certificates\[1\]\.pem` must hold only PEM blocks/);
        // The program stops while reading its config: no step of any host was created or updated.
        expect(out).to.not.match(/(lb|web)\d-[a-z-]+ +(creat|updat|delet|replac)/);
        expect(out).to.not.include("AAAAC3NzaC1lZDI1NTE5AAAAIHostile").and.not.include("lua-load");
        expect(snapshot()).to.deep.equal(before);
        // Back to the deployed certificates for the tests after this one.
        setCertificates({ app: certs.appRotated, api: certs.api });
    });

    it("tlsProfile: modern in the stack config: after an up, the VIP speaks TLS 1.3 only (sslscan), still no tickets", async () => {
        await up({ app: certs.appRotated, api: certs.api }, "modern");
        const scan = sslscan(lab.info, vip, "app.example");
        expect(scan.protocols, scan.raw).to.deep.equal(["TLSv1.3"]);
        expect(Object.keys(scan.suites)).to.deep.equal(["TLSv1.3"]);
        expect([...scan.suites["TLSv1.3"]].sort()).to.deep.equal([...TLS13_SUITES].sort());
        expect(tls12Handshake(lab.info, vip, "app.example").ok, "a TLS 1.2 handshake succeeded").to.equal(false);
        expect(curl(`-o /dev/null -w '%{http_code}' ${resolve("app.example")} https://app.example/`).stdout.trim()).to.equal("200");
    });

    it("pulumi destroy removes the certificates and the config", async () => {
        timings.destroy = (await pulumiOk(DESTROY)).seconds;
        for (const h of ["lb1", "lb2"]) expect(onHost(h, "ls /etc/haproxy/certs 2>&1; test -e /etc/haproxy/haproxy.cfg && echo cfg-left || true").stdout).to.not.match(/\.pem|cfg-left/);
    });
});

/** With `os: auto` every family gets the EL path (UDP to 127.0.0.1, the library's rsyslog drop-in): run it on real rsyslog. */
describe("lab: os auto, logs over UDP through the library's rsyslog drop-in", function () {
    this.timeout(0);
    const config = (info: LabInfo) =>
        labConfig(info, {
            os: "auto",
            frontends: [{ name: "web", binds: [{ address: info.vip.split("/")[0], port: 80 }], defaultBackend: "pool" }],
            backends: [{ name: "pool", servers: [{ name: "web1", address: info.hosts.web1.address }, { name: "web2", address: info.hosts.web2.address }] }],
            logging: "rsyslog",
            stats: true,
        });
    const lab = labScenario({ config, up: true, vipOnLb1Ms: 30_000 });

    it("a request through the VIP lands in the MASTER's /var/log/haproxy.log", async () => {
        expect(onHost("lb1", "grep -c '^    log 127.0.0.1 local2$' /etc/haproxy/haproxy.cfg; test -f /etc/rsyslog.d/48-haproxy-ha.conf && echo drop-in").stdout.trim().split("\n")).to.deep.equal(["1", "drop-in"]);
        const marker = `/udp-logcheck-${Date.now()}`;
        onHost("client", `curl -s -o /dev/null --max-time 5 http://${lab.info.vip.split("/")[0]}${marker}`);
        await waitFor("the request in lb1's haproxy log", () => onHost("lb1", `grep -c -- ${marker} /var/log/haproxy.log`).stdout.trim() === "1", 15_000, 500);
    });

    it("destroy removes the drop-in", async () => {
        await pulumiOk(DESTROY);
        for (const h of ["lb1", "lb2"]) expect(onHost(h, "test -e /etc/rsyslog.d/48-haproxy-ha.conf && echo left || echo gone").stdout.trim()).to.equal("gone");
    });
});
