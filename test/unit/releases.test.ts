import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { candidateReleases, forOs, OS_CHOICES, OS_FAMILIES, OS_RELEASES, oldestHaproxy, oldestVersions, osAdapter, RELEASES, releaseOfOsRelease } from "../../components/os";
import { checkHaproxyNodeArgs } from "../../components/haproxyNode";
import { renderHaproxyConfig } from "../../components/render/haproxy";
import { renderKeepalivedConfig } from "../../components/render/keepalived";
import { hostFactsScript, majorMinor, parseHostFacts, renderVersions, rendersFromHost, sameBranch, upstreamVersion, versionCheckScript } from "../../components/script/hostFacts";

const VERSION_RE = /^\d+\.\d+\.\d+$/;

describe("releases table (os/releases.ts)", () => {
    it("has every release the issue names, each with a family, x.y.z versions and a source", () => {
        expect(RELEASES.map((r) => r.id)).to.have.members(["debian11", "debian12", "debian13", "ubuntu2004", "ubuntu2204", "ubuntu2404", "centos7", "el8", "el9", "al2023"]);
        for (const r of RELEASES) {
            expect(OS_FAMILIES as readonly string[], r.id).to.include(r.family);
            expect(r.haproxy, r.id).to.match(VERSION_RE);
            expect(r.keepalived, r.id).to.match(VERSION_RE);
            expect(r.source.length, r.id).to.be.greaterThan(20);
        }
        // Every release that is not a family is an `os` value, and every os value but auto is a release or a family.
        expect([...OS_RELEASES].sort()).to.deep.equal(RELEASES.filter((r) => r.id !== r.family).map((r) => r.id).sort());
    });

    it("Debian's rows are the lab's package indexes' (bullseye, bookworm, trixie)", () => {
        const row = (id: string) => RELEASES.find((r) => r.id === id)!;
        expect([row("debian11").haproxy, row("debian11").keepalived]).to.deep.equal(["2.2.9", "2.1.5"]);
        expect([row("debian12").haproxy, row("debian12").keepalived]).to.deep.equal(["2.6.12", "2.2.7"]);
        expect([row("debian13").haproxy, row("debian13").keepalived]).to.deep.equal(["3.0.11", "2.3.3"]);
        for (const id of ["debian11", "debian12", "debian13"]) expect(row(id).source).to.include("Packages index").and.not.include("from memory");
        for (const r of RELEASES.filter((x) => x.family !== "debian")) expect(r.source, r.id).to.include("from memory");
    });

    it("a family's releases are listed oldest first, and its adapter carries the oldest versions", () => {
        for (const f of OS_FAMILIES) {
            const rs = candidateReleases(f);
            expect(rs.length, f).to.be.greaterThan(0);
            expect(osAdapter(f).versions).to.deep.equal({ haproxy: rs[0].haproxy, keepalived: rs[0].keepalived });
        }
    });

    it("static checks use the oldest release the choice may meet", () => {
        expect(oldestVersions("debian")).to.deep.equal({ haproxy: "2.2.9", keepalived: "2.1.5" });
        expect(oldestVersions("debian12")).to.deep.equal({ haproxy: "2.6.12", keepalived: "2.2.7" });
        expect(oldestVersions("ubuntu").haproxy).to.equal("2.0.13");
        expect(oldestVersions("auto")).to.deep.equal({ haproxy: "1.5.18", keepalived: "1.3.5" });
        expect(oldestHaproxy("debian")).to.include({ family: "debian11", version: "2.2.9" });
        expect(oldestHaproxy("debian").who).to.equal("os debian may meet debian11, whose haproxy is 2.2.9 (set `os` to a release that has it)");
        expect(oldestHaproxy("debian13").who).to.equal("debian13 ships haproxy 3.0.11");
    });

    it("maps /etc/os-release to a release", () => {
        expect(releaseOfOsRelease("debian", "", "12")?.id).to.equal("debian12");
        expect(releaseOfOsRelease("ubuntu", "debian", "22.04")?.id).to.equal("ubuntu2204");
        expect(releaseOfOsRelease("rocky", "rhel centos fedora", "9.4")?.id).to.equal("el9");
        expect(releaseOfOsRelease("centos", "rhel fedora", "7")?.id).to.equal("centos7");
        expect(releaseOfOsRelease("amzn", "fedora", "2023")?.id).to.equal("al2023");
        expect(releaseOfOsRelease("debian", "", "")).to.equal(undefined);
    });
});

describe("os validation accepts a release, a family or auto", () => {
    const args = (os: string) => ({ connection: { host: "10.0.0.1", user: "root" }, os, frontends: [{ name: "web", binds: [{ port: 80 }], defaultBackend: "web" }], backends: [{ name: "web", servers: [{ name: "a", address: "10.0.0.2", port: 80 }] }] });
    for (const os of ["debian12", "ubuntu2404", "debian", "auto", "el9"]) {
        it(`accepts ${os}`, () => {
            expect(checkHaproxyNodeArgs(`ok-${os}`, args(os) as never).os).to.equal(os);
        });
    }
    it("refuses another value, listing the allowed ones", () => {
        expect(() => checkHaproxyNodeArgs("bad", args("debian14") as never)).to.throw(/os[^\n]*debian14[^\n]*/);
        try {
            checkHaproxyNodeArgs("bad2", args("debian14") as never);
        } catch (e) {
            for (const v of OS_CHOICES) expect(String(e)).to.include(v);
        }
    });
    it("a release refuses a feature by its own version: rate limits fine on debian12, ACME refused on ubuntu2004", () => {
        expect(() => checkHaproxyNodeArgs("acme-focal", { ...args("ubuntu2004"), acme: { thumbprint: "x".repeat(43) } } as never)).to.throw(/ubuntu2004 ships haproxy 2\.0\.13/);
    });
});

describe("host facts (script/hostFacts.ts)", () => {
    it("upstream versions and branches", () => {
        expect(upstreamVersion("1:2.2.7-1+b2")).to.equal("2.2.7");
        expect(upstreamVersion("2.6.12-1+deb12u3")).to.equal("2.6.12");
        expect(upstreamVersion("2.4.22-0ubuntu0.22.04.3")).to.equal("2.4.22");
        expect(upstreamVersion("2.4.22")).to.equal("2.4.22");
        expect(upstreamVersion("(none)")).to.equal("");
        expect(majorMinor("2.6.12")).to.equal("2.6");
        expect(sameBranch("2.6.12", "2.6.9")).to.equal(true);
        expect(sameBranch("2.6.12", "2.4.22")).to.equal(false);
        expect(sameBranch("3.0.11", "3.0")).to.equal(true);
    });

    it("parses the last facts line, ignoring other output and a broken line", () => {
        const line = 'haproxy-ha-facts {"host":"lb1","id":"debian","idLike":"","versionId":"12","haproxy":{"installed":"2.6.12-1+deb12u3","candidate":"2.6.12-1+deb12u3"},"keepalived":{"installed":"","candidate":"1:2.2.7-1+b2"}}';
        const facts = parseHostFacts(`Reading package lists...\nhaproxy-ha-facts {"host":"old"}\n${line}\n`)!;
        expect(facts).to.deep.equal({
            host: "lb1",
            release: "debian12",
            osRelease: { id: "debian", idLike: "", versionId: "12" },
            haproxy: { installed: "2.6.12", candidate: "2.6.12" },
            keepalived: { candidate: "2.2.7" },
        });
        expect(parseHostFacts("haproxy-ha-facts {not json")).to.equal(undefined);
        expect(parseHostFacts(undefined)).to.equal(undefined);
    });

    it("render versions: pin, then a release's row, then the host's report, then the oldest", () => {
        const facts = parseHostFacts('haproxy-ha-facts {"host":"h","id":"debian","versionId":"13","haproxy":{"installed":"3.0.11-1"},"keepalived":{"candidate":"1:2.3.3-1"}}');
        expect(renderVersions("debian", facts)).to.deep.equal({ haproxy: "3.0.11", keepalived: "2.3.3" });
        expect(renderVersions("auto", facts)).to.deep.equal({ haproxy: "3.0.11", keepalived: "2.3.3" });
        expect(renderVersions("debian12", facts)).to.deep.equal({ haproxy: "2.6.12", keepalived: "2.2.7" });
        expect(renderVersions("el9", undefined)).to.deep.equal({ haproxy: "2.4.22", keepalived: "2.2.8" });
        expect(renderVersions("debian", undefined)).to.deep.equal({ haproxy: "2.2.9", keepalived: "2.1.5" });
        expect(renderVersions("debian", facts, { haproxy: "2.8.5-1~bpo12+1" }).haproxy).to.equal("2.8.5");
        expect(rendersFromHost("debian")).to.equal(true);
        expect(rendersFromHost("auto")).to.equal(true);
        expect(rendersFromHost("debian12")).to.equal(false);
        expect(rendersFromHost("el8")).to.equal(false);
    });

    it("a rendered config names the version it is for on its second line", () => {
        const h = renderHaproxyConfig({ nodeName: "n", haproxyVersion: "2.6.12", mode: "http", timeouts: { connect: "5s", client: "30s", server: "30s" }, maxconn: 100, frontends: [], backends: [] } as never);
        expect(h.split("\n")[1]).to.equal("# Rendered for haproxy 2.6.12; checked against the installed haproxy before it is swapped in.");
        const k = renderKeepalivedConfig({ nodeName: "n", keepalivedVersion: "2.2.7", vrrpVersion: 2, scripts: [], instances: [] } as never);
        expect(k.split("\n")[1]).to.equal("# Rendered for keepalived 2.2.7; checked against the installed keepalived before it is swapped in.");
    });
});

/** Runs `script` in bash with fake haproxy/keepalived on PATH printing the given `-v` text. */
function runWithFakes(script: string, fakes: Record<string, string>, files: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostfacts-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        for (const [name, text] of Object.entries(fakes)) {
            fs.writeFileSync(path.join(bin, name), `#!/bin/sh\ncat <<'EOF'${name === "keepalived" ? " >&2" : ""}\n${text}\nEOF\n`, { mode: 0o755 });
        }
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
        const r = spawnSync("bash", ["-c", `set -eu\ncd ${dir}\n${script}\necho passed`], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the version check before a swap, run in bash against fake `-v` output", () => {
    const haproxyCfg = (v: string) => `# Managed by haproxy-ha for node n; local edits are overwritten.\n# Rendered for haproxy ${v}; checked against the installed haproxy before it is swapped in.\n\nglobal\n`;
    const keepalivedConf = (v: string) => `# Managed by haproxy-ha for node n; local edits are overwritten.\n# Rendered for keepalived ${v}; checked against the installed keepalived before it is swapped in.\nglobal_defs {\n`;
    const HAPROXY_26 = "HAProxy version 2.6.12-1+deb12u3 2025/10/03 - https://haproxy.org/";
    const HAPROXY_15 = "HA-Proxy version 1.5.18 2016/05/10\nCopyright 2000-2016 Willy Tarreau <willy@haproxy.org>";
    const HAPROXY_30 = "HAProxy version 3.0.11-1+deb13u4 2025/09/30 - https://haproxy.org/";

    it("passes on the same branch (a point release apart)", () => {
        const r = runWithFakes(versionCheckScript("haproxy", "cfg"), { haproxy: HAPROXY_26 }, { cfg: haproxyCfg("2.6.9") });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.include("passed");
    });

    it("reads haproxy 1.5's and 3.0's banners", () => {
        expect(runWithFakes(versionCheckScript("haproxy", "cfg"), { haproxy: HAPROXY_15 }, { cfg: haproxyCfg("1.5.18") }).status).to.equal(0);
        expect(runWithFakes(versionCheckScript("haproxy", "cfg"), { haproxy: HAPROXY_30 }, { cfg: haproxyCfg("3.0.11") }).status).to.equal(0);
    });

    it("fails on another branch, naming both versions and the host, before anything after it runs", () => {
        const r = runWithFakes(versionCheckScript("haproxy", "cfg"), { haproxy: HAPROXY_26 }, { cfg: haproxyCfg("2.4.22") });
        expect(r.status).to.equal(1);
        expect(r.stdout).not.to.include("passed");
        expect(r.stderr).to.include(`on ${os.hostname()}: the config was rendered for haproxy 2.4.22 but haproxy 2.6.12 is installed`);
        expect(r.stderr).to.include("nothing was swapped");
    });

    it("keepalived: reads `Keepalived vX` from stderr; 2.2 vs 2.1 fails, 1.3.5 passes for 1.3.5", () => {
        const fail = runWithFakes(versionCheckScript("keepalived", "conf"), { keepalived: "Keepalived v2.2.7 (01/16,2022)\n\nCopyright(C) 2001-2022 Alexandre Cassen" }, { conf: keepalivedConf("2.1.5") });
        expect(fail.status).to.equal(1);
        expect(fail.stderr).to.include("rendered for keepalived 2.1.5 but keepalived 2.2.7 is installed");
        const ok = runWithFakes(versionCheckScript("keepalived", "conf"), { keepalived: "Keepalived v1.3.5 (03/19,2017), git commit v1.3.5-6-g6fa32f2" }, { conf: keepalivedConf("1.3.5") });
        expect(ok.status, ok.stderr).to.equal(0);
    });

    it("a missing binary fails a config that names a version; a config without the line passes", () => {
        const none = runWithFakes(versionCheckScript("haproxy", "cfg"), { haproxy: "" }, { cfg: haproxyCfg("2.6.12") });
        expect(none.status).to.equal(1);
        expect(none.stderr).to.include("but haproxy (none) is installed");
        expect(runWithFakes(versionCheckScript("haproxy", "cfg"), { haproxy: HAPROXY_26 }, { cfg: "global\n" }).status).to.equal(0);
    });
});

describe("the facts line, run in bash", () => {
    it("prints one JSON line from /etc/os-release and the package manager", function () {
        if (!fs.existsSync("/etc/os-release")) this.skip();
        const r = spawnSync("bash", ["-c", `set -eu\n${hostFactsScript()}`], { encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        const facts = parseHostFacts(r.stdout);
        expect(facts, r.stdout).not.to.equal(undefined);
        expect(facts!.host).to.equal(os.hostname());
        expect(facts!.osRelease.id).to.match(/^[a-z]+$/);
    });
});

describe("a release's guard names the host", () => {
    it("debian12 refuses a host that reports Debian 13", () => {
        const script = forOs("debian12", () => "echo body", { guard: true }).replace(". /etc/os-release", 'ID=debian; VERSION_ID="13"');
        const r = spawnSync("bash", ["-c", `set -eu\n${script}`], { encoding: "utf8" });
        expect(r.status).to.equal(3);
        expect(r.stderr).to.include(`haproxy-ha: os is set to debian12 but this host is debian 13 (${os.hostname()})`);
        const ok = spawnSync("bash", ["-c", `set -eu\n${script.replace('VERSION_ID="13"', 'VERSION_ID="12"')}`], { encoding: "utf8" });
        expect(ok.stdout).to.equal("body\n");
        const ubuntu = forOs("ubuntu2204", () => "echo body", { guard: true }).replace(". /etc/os-release", 'ID=ubuntu; VERSION_ID="24.04"');
        expect(spawnSync("bash", ["-c", `set -eu\n${ubuntu}`], { encoding: "utf8" }).status).to.equal(3);
    });
});
