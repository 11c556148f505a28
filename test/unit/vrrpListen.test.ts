import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OS_CHOICES } from "../../components";
import { forOs } from "../../components/os";
import { KEEPALIVED_CONFIG_PATH, keepalivedSteps } from "../../components/script/keepalivedSteps";
import { vridCollisionCheckScript, VRID_LISTENER_PY } from "../../components/script/vrrpListen";

/**
 * The VRID collision check's decisions, run by the real interpreters on captured adverts (the
 * listener's replay input): CentOS 7 has python 2.7, EL8 3.6, the others 3.9+.
 */
const PYTHONS = ["/root/.pyenv/versions/2.7.18/bin/python2.7", "/root/.pyenv/versions/3.6.15/bin/python3.6", "python3"].filter(
    (p) => spawnSync(p, ["-c", "pass"]).status === 0,
);

const CANDIDATE = `global_defs {
    router_id lb1
}

vrrp_instance VI_a {
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.77.0.100/24 dev eth0
    }
    track_script {
        chk_haproxy
    }
}

vrrp_instance VI_v6 {
    state BACKUP
    interface eth0
    virtual_router_id 71
    advert_int 1
    virtual_ipaddress {
        fd77:0::100/64 dev eth0
    }
}
`;
/** The running config: instance a had another VIP before this change. */
const RUNNING = CANDIDATE.replace("10.77.0.100/24", "10.77.0.99/24");

const ip4 = (a: string) => Buffer.from(a.split(".").map(Number));
function ip6(a: string): Buffer {
    const [head, tail] = a.split("::");
    const part = (s: string | undefined) => (s ? s.split(":").map((h) => parseInt(h, 16)) : []);
    const words = [...part(head), ...Array(8 - part(head).length - part(tail).length).fill(0), ...part(tail)];
    const b = Buffer.alloc(16);
    words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
    return b;
}

/** A VRRPv2 advert as an IPv4 raw socket delivers it (20-byte IP header first). */
function advert4(source: string, vrid: number, addresses: string[]): string {
    const header = Buffer.alloc(20);
    header[0] = 0x45;
    header[8] = 255;
    header[9] = 112;
    ip4(source).copy(header, 12);
    ip4("224.0.0.18").copy(header, 16);
    const vrrp = Buffer.concat([Buffer.from([0x21, vrid, 100, addresses.length, 1, 1, 0, 0]), ...addresses.map(ip4), Buffer.from("secretA\0")]);
    return `4 eth0 ${source} ${Buffer.concat([header, vrrp]).toString("hex")}`;
}

/** A VRRPv3 IPv6 advert (no IP header on an IPv6 raw socket). */
function advert6(source: string, vrid: number, addresses: string[]): string {
    const vrrp = Buffer.concat([Buffer.from([0x31, vrid, 100, addresses.length, 0, 100, 0, 0]), ...addresses.map(ip6)]);
    return `6 eth0 ${source} ${vrrp.toString("hex")}`;
}

function decide(python: string, packets: string[], local = "10.77.0.21 fe80::21", candidate = CANDIDATE) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-vrid-"));
    const files = { prog: "listen.py", cand: "candidate.conf", run: "running.conf", replay: "packets" };
    fs.writeFileSync(path.join(dir, files.prog), VRID_LISTENER_PY);
    fs.writeFileSync(path.join(dir, files.cand), candidate);
    fs.writeFileSync(path.join(dir, files.run), RUNNING);
    fs.writeFileSync(path.join(dir, files.replay), packets.join("\n") + "\n");
    const r = spawnSync(python, [files.prog, files.cand, files.run, local, files.replay], { cwd: dir, encoding: "utf8" });
    return { code: r.status, stderr: r.stderr };
}

describe("VRID collision check: which adverts are another router's", () => {
    it("runs on the interpreters the families have (2.7 at least, and a 3)", () => {
        expect(PYTHONS.some((p) => p.includes("2.7"))).to.equal(true);
        expect(PYTHONS.length).to.be.at.least(2);
    });

    for (const python of PYTHONS) {
        describe(path.basename(python), () => {
            it("refuses an advert of our VRID with other addresses, naming the VRID, the interface and the source", () => {
                const r = decide(python, [advert4("10.77.0.22", 61, ["10.77.0.100"]), advert4("10.77.0.5", 61, ["10.77.0.200"])]);
                expect(r.code, r.stderr).to.equal(1);
                expect(r.stderr).to.match(/^haproxy-ha: VRID 61 on eth0 is already advertised by 10\.77\.0\.5 \(addresses: 10\.77\.0\.200\): another VRRP router on the segment uses it; pick another virtualRouterId\. The old config stays\n$/);
            });

            it("refuses a foreign IPv6 (VRRPv3) advert of our IPv6 VRID, from a link-local source", () => {
                const r = decide(python, [advert6("fe80::5%eth0", 71, ["fd77::200"])]);
                expect(r.code, r.stderr).to.equal(1);
                expect(r.stderr).to.include("VRID 71 on eth0 is already advertised by fe80::5 (addresses: fd77::200)");
            });

            const OURS: [string, string[]][] = [
                ["the peer's advert with the candidate's addresses", [advert4("10.77.0.22", 61, ["10.77.0.100"])]],
                ["the peer's advert with the running config's addresses (a VIP being changed)", [advert4("10.77.0.22", 61, ["10.77.0.99"])]],
                ["the peer's IPv6 advert (addresses compared in canonical form)", [advert6("fe80::22", 71, ["fd77::100"])]],
                ["this host's own advert", [advert4("10.77.0.21", 61, ["10.77.0.200"])]],
                ["another VRID", [advert4("10.77.0.5", 62, ["10.77.0.200"])]],
                ["our IPv4 VRID in an IPv6 advert (keepalived keeps the families apart)", [advert6("fe80::5", 61, ["fd77::200"])]],
                ["another interface", [advert4("10.77.0.5", 61, ["10.77.0.200"]).replace(" eth0 ", " eth1 ")]],
                ["a truncated packet", ["4 eth0 10.77.0.5 4500"]],
            ];
            for (const [what, packets] of OURS) {
                it(`accepts ${what}`, () => {
                    const r = decide(python, packets);
                    expect(r.code, r.stderr).to.equal(0);
                    expect(r.stderr).to.equal("");
                });
            }

            it("listens for nothing when the candidate has no instance", () => {
                expect(decide(python, [advert4("10.77.0.5", 61, ["10.77.0.200"])], "", "global_defs {\n}\n").code).to.equal(0);
            });
        });
    }
});

describe("VRID collision check: the vrid-check step, before the config step", () => {
    it("sits after the firewall and before the config, before the gate, on every family, with the adapter's interpreters; the config step no longer listens", () => {
        for (const family of OS_CHOICES) {
            const steps = keepalivedSteps({ os: family, archiveRepos: false, ipv6: true, notify: { hooks: ["master"] } });
            const names = steps.map((s) => s.name);
            const check = steps.find((s) => s.name === "vrid-check")!;
            expect(names.indexOf("firewall"), family).to.be.lessThan(names.indexOf("vrid-check"));
            expect(names.indexOf("vrid-check"), family).to.be.lessThan(names.indexOf("config"));
            // Before the gate: every step up to it runs before the component's dependsOn (remoteSteps.ts).
            expect(check.beforeDependsOn, family).to.equal(true);
            expect(steps.slice(names.indexOf("vrid-check") + 1).some((s) => s.beforeDependsOn), family).to.equal(false);
            expect(check.stdinFile, family).to.equal(KEEPALIVED_CONFIG_PATH);
            expect(check.update, family).to.equal(check.create);
            expect(check.create, family).to.include("<<'HAPROXY_HA_VRID' || exit 1");
            for (const p of forOs(family === "auto" ? "debian" : family, (a) => a.pythons.join(" ")).split(" ")) expect(check.create, family).to.include(p);
            const config = steps.find((s) => s.name === "config")!;
            expect(config.create + (config.update ?? ""), family).to.not.include("HAPROXY_HA_VRID");
        }
        expect(forOs("centos7", (a) => a.pythons.join(" "))).to.equal("/usr/bin/python2 /usr/bin/python");
        expect(forOs("debian", (a) => a.pythons.join(" "))).to.equal("/usr/bin/python3");
    });

    it("run as the host runs it: the candidate from stdin, a foreign advert fails the step naming it, the peer's passes, no candidate copy is left", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-vrid-step-"));
        const running = path.join(dir, "running.conf");
        fs.writeFileSync(running, RUNNING);
        const step = keepalivedSteps({ os: "debian", archiveRepos: false, ipv6: false }).find((s) => s.name === "vrid-check")!;
        const run = (packets: string[]) => {
            fs.writeFileSync(path.join(dir, "packets"), packets.join("\n") + "\n");
            // The interpreter the adapter names, replaying captured adverts instead of listening; its temp files land in dir.
            const fake = path.join(dir, "python");
            fs.writeFileSync(fake, `#!/bin/sh\nls -l "$2" > ${dir}/candidate-mode\nexec python3 "$@" ${dir}/packets\n`, { mode: 0o755 });
            const script = step.create.split("/usr/bin/python3").join(fake).split(KEEPALIVED_CONFIG_PATH).join(running);
            return spawnSync("sh", ["-c", `set -eu\n${script}`], { input: CANDIDATE, encoding: "utf8", env: { ...process.env, TMPDIR: dir } });
        };
        const foreign = run([advert4("10.77.0.5", 61, ["10.77.0.200"])]);
        expect(foreign.status, foreign.stderr).to.equal(1);
        expect(foreign.stderr).to.include("VRID 61 on eth0 is already advertised by 10.77.0.5 (addresses: 10.77.0.200)");
        expect(fs.readFileSync(path.join(dir, "candidate-mode"), "utf8")).to.match(/^-rw------- /);
        const peer = run([advert4("10.77.0.22", 61, ["10.77.0.100"])]);
        expect(peer.status, peer.stderr).to.equal(0);
        expect(fs.readdirSync(dir).filter((f) => f.startsWith("tmp."))).to.deep.equal([]);
    });

    it("without an interpreter, warns and skips (exit 0); with one, fails the step on a collision", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-vrid-sh-"));
        fs.writeFileSync(path.join(dir, "cand"), CANDIDATE);
        const skipped = spawnSync("sh", ["-c", vridCollisionCheckScript(`"${dir}/cand"`, `${dir}/none`, ["/nonexistent/python"]) + "\necho reached"], { encoding: "utf8" });
        expect(skipped.status).to.equal(0);
        expect(skipped.stdout).to.equal("reached\n");
        expect(skipped.stderr).to.equal("haproxy-ha: warning: none of /nonexistent/python on this host: the VRID collision check is skipped\n");
    });
});
