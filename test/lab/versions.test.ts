import { expect } from "chai";
import { fileSha as sha, labConfig, mainPid, onHost, pulumi, pulumiOk, requestsThroughVip, UP, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

const CFG = "/etc/haproxy/haproxy.cfg";
const KCFG = "/etc/keepalived/keepalived.conf";
const FAKE_BANNER = "HAProxy version 2.4.22-0ubuntu0.22.04.3 2023/08/14 - https://haproxy.org/";
/** What the host's package manager says is installed, upstream part (no epoch, no revision). */
const installed = (host: string, pkg: string) =>
    onHost(host, `dpkg-query -W -f '\${Version}' ${pkg}`)
        .stdout.trim()
        .replace(/^\d+:/, "")
        .replace(/-[^-]*$/, "");

/**
 * `os: debian` (the lab's) is a family of three releases: its configs are rendered for what the
 * packages step reads on the host, and each config's version is checked against the installed
 * binary before it is swapped in (docs/platforms.md).
 */
describe("lab: versions are facts of the host (os debian renders for the host's haproxy; a mismatch stops the swap)", function () {
    this.timeout(0);
    const lab = labScenario({ config: (info) => labConfig(info), up: true, vipOnLb1Ms: 30_000 });

    it("os debian: haproxy.cfg and keepalived.conf are rendered for the versions the host's packages have, not debian11's", () => {
        for (const h of ["lb1", "lb2"]) {
            const haproxy = installed(h, "haproxy");
            const keepalived = installed(h, "keepalived");
            expect(haproxy, `${h}: haproxy from the Debian 12 mirror`).to.match(/^2\.6\.\d+$/);
            expect(onHost(h, `sed -n 2p ${CFG}`).stdout.trim()).to.equal(`# Rendered for haproxy ${haproxy}; checked against the installed haproxy before it is swapped in.`);
            expect(onHost(h, `sed -n 2p ${KCFG}`).stdout.trim()).to.equal(`# Rendered for keepalived ${keepalived}; checked against the installed keepalived before it is swapped in.`);
            expect(onHost(h, `haproxy -c -f ${CFG} >/dev/null && echo valid`).stdout.trim()).to.equal("valid");
        }
    });

    it("a haproxy of another branch on lb2 (the BACKUP, changed first): the change fails naming both versions and lb2, nothing swapped, the old config still serving", async () => {
        // The binary answers `-v` as Ubuntu 22.04's 2.4 would; everything else goes to the real one (the service keeps running).
        onHost("lb2", [
            "mv /usr/sbin/haproxy /usr/sbin/haproxy.real",
            `printf '%s\\n' '#!/bin/sh' 'if [ "$1" = -v ]; then echo "${FAKE_BANNER}"; exit 0; fi' 'exec /usr/sbin/haproxy.real "$@"' > /usr/sbin/haproxy`,
            "chmod 0755 /usr/sbin/haproxy",
        ].join(" && "));
        try {
            const real = installed("lb2", "haproxy");
            const before = { lb1: sha("lb1", CFG), lb2: sha("lb2", CFG), pid: mainPid("lb2", "haproxy") };
            writeStackFile(labConfig(lab.info, { balance: "leastconn" }));
            const r = await pulumi(UP);
            const out = r.stdout + r.stderr;
            console.log(out.split("\n").filter((l) => l.includes("rendered for haproxy")).slice(0, 1).map((l) => `      | ${l.trim()}`).join("\n"));
            expect(r.code, out.slice(-3000)).to.not.equal(0);
            expect(out).to.include(`haproxy-ha: on lb2: the config was rendered for haproxy ${real} but haproxy 2.4.22 is installed (the same major.minor is needed); nothing was swapped.`);
            expect(out).to.not.match(/lb1-config +updat/);
            expect(sha("lb2", CFG), "lb2's config").to.equal(before.lb2);
            expect(sha("lb1", CFG), "lb1's config").to.equal(before.lb1);
            expect(onHost("lb2", `grep -c leastconn ${CFG} || true`).stdout.trim()).to.equal("0");
            expect(onHost("lb2", "systemctl is-active haproxy").stdout.trim()).to.equal("active");
            expect(mainPid("lb2", "haproxy")).to.equal(before.pid);
            expect(new Set(requestsThroughVip(lab.info, 4))).to.deep.equal(new Set(["web1", "web2"]));
        } finally {
            onHost("lb2", "if [ -e /usr/sbin/haproxy.real ]; then mv -f /usr/sbin/haproxy.real /usr/sbin/haproxy; fi");
        }
        // The real binary back: the same change applies on both balancers.
        await pulumiOk(UP);
        for (const h of ["lb1", "lb2"]) expect(onHost(h, `grep -c 'balance leastconn' ${CFG}`).stdout.trim(), h).to.not.equal("0");
    });

    it("os set to another release (debian13) fails the first step on a Debian 12 host, naming the host, before anything is installed", async () => {
        writeStackFile(labConfig(lab.info, { balance: "leastconn", os: "debian13" }));
        const r = await pulumi(UP);
        const out = r.stdout + r.stderr;
        expect(r.code, out.slice(-3000)).to.not.equal(0);
        expect(out).to.match(/haproxy-ha: os is set to debian13 but this host is debian 12 \((web1|web2|lb1|lb2)\)/);
        // debian12 is the hosts' release: its configs render from the table row, the same text.
        const before = sha("lb1", CFG);
        writeStackFile(labConfig(lab.info, { balance: "leastconn", os: "debian12" }));
        await pulumiOk(UP);
        expect(onHost("lb1", `sed -n 2p ${CFG}`).stdout).to.include("# Rendered for haproxy 2.6.12;");
        expect(sha("lb1", CFG)).to.equal(before);
    });
});
