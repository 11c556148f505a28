import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkRelease, DEBIAN_RELEASES, hostRelease, labRelease, mirrorDownloads, parseVersions, releaseArgs } from "../../lab/lab";
import { releasePrefix } from "../../lab/mochaRelease";
import { REPO_ROOT } from "./helpers";

const HOSTS_SH = path.join(REPO_ROOT, "lab/hosts.sh");
const LAB_TESTS = path.join(REPO_ROOT, "scripts/lab-tests.sh");

function run(cmd: string, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete e.LAB_RELEASE;
    if (env.LAB_RELEASE !== undefined) e.LAB_RELEASE = env.LAB_RELEASE;
    const r = spawnSync(cmd, args, { encoding: "utf8", env: e, timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `hosts.sh plan ARGS` (no root, no lab): name → [release, suite]. */
function plan(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string; hosts: Record<string, [string, string]> } {
    const r = run("bash", [HOSTS_SH, "plan", ...args], env);
    const hosts: Record<string, [string, string]> = {};
    for (const line of r.stdout.trim().split("\n").filter(Boolean)) {
        const [name, , , release, suite] = line.split(" ");
        hosts[name] = [release, suite];
    }
    return { status: r.status, stderr: r.stderr, hosts };
}

/** Runs `script` with lab/hosts.sh sourced, LAB_CACHE a scratch directory ($C). */
function withHostsSh(script: string): { status: number | null; stdout: string; stderr: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-rel-"));
    try {
        return run("bash", ["-c", `source "$HOSTS_SH"\n${script}`], { HOSTS_SH, LAB_STATE: path.join(dir, "state"), LAB_CACHE: path.join(dir, "cache"), C: path.join(dir, "cache") });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("lab releases: hosts.sh up --release / --host-release / rebuild (plan and arguments)", () => {
    it("boots every host on Debian 12 (bookworm) by default, on LAB_RELEASE when set, on --release over both", () => {
        const all = (r: string, s: string) => Object.fromEntries(["web1", "web2", "lb1", "lb2", "client"].map((h) => [h, [r, s]]));
        expect(plan([]).hosts).to.deep.equal(all("12", "bookworm"));
        expect(plan([], { LAB_RELEASE: "11" }).hosts).to.deep.equal(all("11", "bullseye"));
        expect(plan(["--release", "13"], { LAB_RELEASE: "11" }).hosts).to.deep.equal(all("13", "trixie"));
        expect(plan(["--release=11"]).hosts).to.deep.equal(all("11", "bullseye"));
    });

    it("mixes releases per host: --host-release HOST=R over --release, the rest unchanged", () => {
        const p = plan(["--webs", "3", "--release", "12", "--host-release", "lb2=13", "--host-release=web3=11"]);
        expect(p.status, p.stderr).to.equal(0);
        expect(p.hosts).to.deep.equal({
            web1: ["12", "bookworm"],
            web2: ["12", "bookworm"],
            web3: ["11", "bullseye"],
            lb1: ["12", "bookworm"],
            lb2: ["13", "trixie"],
            client: ["12", "bookworm"],
        });
    });

    it("refuses a release or host it does not have, naming the option and the value", () => {
        const cases: [string[], Record<string, string>, string][] = [
            [["--release", "14"], {}, "--release must be one of 11, 12, 13 (Debian release), got '14'"],
            [["--release", "bookworm"], {}, "--release must be one of 11, 12, 13 (Debian release), got 'bookworm'"],
            [[], { LAB_RELEASE: "10" }, "--release must be one of 11, 12, 13 (Debian release), got '10'"],
            [["--host-release", "lb3=12"], {}, "--host-release names unknown host 'lb3' (one of: web1 web2 lb1 lb2 client)"],
            [["--host-release", "lb2=7"], {}, "--host-release lb2 must be one of 11, 12, 13 (Debian release), got '7'"],
            [["--host-release", "lb2"], {}, "--host-release must be HOST=R (e.g. lb2=13), got 'lb2'"],
            [["--host-release", "=13"], {}, "--host-release must be HOST=R (e.g. lb2=13), got '=13'"],
            [["--release"], {}, "--release needs a release (11, 12, 13)"],
            [["--relase", "13"], {}, "unknown argument '--relase'"],
        ];
        for (const [args, env, message] of cases) {
            const r = plan(args, env);
            expect(r.status, args.join(" ")).to.not.equal(0);
            expect(r.stderr, args.join(" ")).to.contain(message);
        }
    });

    it("rebuild and prepare check their arguments before touching anything (no root needed to be refused)", () => {
        const cases: [string[], string][] = [
            [["rebuild", "lb2"], "rebuild lb2 needs --release R (11, 12, 13)"],
            [["rebuild", "lb2", "--release", "9"], "--release must be one of 11, 12, 13 (Debian release), got '9'"],
            [["rebuild", "lb9", "--release", "13"], "unknown host 'lb9'"],
            [["rebuild", "--release", "13"], "missing HOST"],
            [["rebuild", "lb1", "lb2", "--release", "13"], "one HOST only, got 'lb1' and 'lb2'"],
            [["rebuild", "lb2", "--release", "13", "--fresh"], "unknown argument '--fresh'"],
            [["prepare", "--release", "10"], "--release must be one of 11, 12, 13 (Debian release), got '10'"],
        ];
        for (const [args, message] of cases) {
            const r = run("bash", [HOSTS_SH, ...args], { LAB_STATE: fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-rel-")) });
            expect(r.status, args.join(" ")).to.not.equal(0);
            expect(r.stderr, args.join(" ")).to.contain(message);
        }
        const ok = withHostsSh(`define_hosts 2; parse_rebuild_args lb2 --new-host-key --release=13; echo "$REBUILD_HOST $REBUILD_RELEASE $NEW_HOST_KEY"`);
        expect(ok.stdout, ok.stderr).to.equal("lb2 13 1\n");
    });

    it("one rootfs and one mirror per release: cache keys differ by suite, and pruning keeps every release's current cache", () => {
        const r = withHostsSh(`
            for s in bullseye bookworm trixie; do echo "$(basename "$(rootfs_dir $s)") $(basename "$(mirror_dir $s)")"; done
            mkdir -p "$C"
            for s in bullseye bookworm trixie; do mkdir "$(rootfs_dir $s)"; touch -d '3 days ago' "$(rootfs_dir $s).used"; done
            mkdir "$C/rootfs-0123456789ab" "$C/rootfs-recent00000"; touch -d '3 days ago' "$C/rootfs-0123456789ab.used"; touch "$C/rootfs-recent00000.used"
            prune_cache rootfs
            ls "$C" | grep -v '[.]used$' | sort`);
        expect(r.status, r.stderr).to.equal(0);
        const lines = r.stdout.trim().split("\n");
        const keys = lines.slice(0, 3).map((l) => l.split(" "));
        expect(new Set(keys.flat()).size, "six distinct cache directories").to.equal(6);
        for (const [rootfs, mirror] of keys) {
            expect(rootfs).to.match(/^rootfs-[0-9a-f]{12}$/);
            expect(mirror).to.match(/^mirror-[0-9a-f]{12}$/);
        }
        // The stale one (another version, unused for 3 days) went; each release's and the recently used one stayed.
        expect(lines.slice(3)).to.deep.equal([...keys.map(([rootfs]) => rootfs), "rootfs-recent00000"].sort());
    });

    it("serves each suite the lab's hosts run once, in release order (the mirror server's /SUITE/ paths)", () => {
        const r = withHostsSh(`define_hosts 2; HOST_RELEASES=(lb2=13 web1=11 client=13); assign_releases 12; lab_suites | tr '\\n' ' '`);
        expect(r.stdout, r.stderr).to.equal("bullseye bookworm trixie ");
        const one = withHostsSh(`define_hosts 2; HOST_RELEASES=(); assign_releases 13; lab_suites`);
        expect(one.stdout).to.equal("trixie\n");
    });

    it("rebuild and up keep each host's release in the lab's state (load_releases after save_releases)", () => {
        const r = withHostsSh(`mkdir -p "$LAB_STATE"; define_hosts 2; HOST_RELEASES=(lb2=13); assign_releases 11; save_releases
            REL=(); load_releases; for h in "\${HOSTS[@]}"; do printf '%s=%s ' "$h" "\${REL[$h]}"; done`);
        expect(r.stdout, r.stderr).to.equal("web1=11 web2=11 lb1=11 lb2=13 client=11 ");
    });
});

describe("lab releases: lab.ts and the lab-tests script", () => {
    it("the release table names the same suites as hosts.sh, with each release's own haproxy and keepalived", () => {
        const p = plan(["--host-release", "web1=11", "--host-release", "lb2=13"]).hosts;
        expect(DEBIAN_RELEASES["11"].suite).to.equal(p.web1[1]);
        expect(DEBIAN_RELEASES["12"].suite).to.equal(p.lb1[1]);
        expect(DEBIAN_RELEASES["13"].suite).to.equal(p.lb2[1]);
        for (const [r, v] of Object.entries(DEBIAN_RELEASES)) {
            // The upstream version is the start of the package version (after an epoch).
            expect(v.haproxyPackage.startsWith(`${v.haproxy}-`), r).to.equal(true);
            expect(v.keepalivedPackage.replace(/^\d+:/, "").startsWith(`${v.keepalived}-`), r).to.equal(true);
        }
        expect(new Set(Object.values(DEBIAN_RELEASES).map((v) => v.haproxy)).size).to.equal(3);
    });

    it("reads the versions haproxy -v and keepalived -v print on each release", () => {
        expect(parseVersions("HA-Proxy version 2.2.9-2+deb11u6 2023/12/23 - https://haproxy.org/\n", "Keepalived v2.1.5 (07/13,2020)\n")).to.deep.equal({ haproxy: "2.2.9", keepalived: "2.1.5" });
        expect(parseVersions("HAProxy version 2.6.12-1+deb12u3 2025/10/03 - https://haproxy.org/\nStatus: long-term", "Keepalived v2.2.7 (01/16,2022)\n\nCopyright")).to.deep.equal({ haproxy: "2.6.12", keepalived: "2.2.7" });
        expect(parseVersions("HAProxy version 3.0.11-1+deb13u4 2026/10/15", "Keepalived v2.3.3 (03/30,2025)")).to.deep.equal({ haproxy: "3.0.11", keepalived: "2.3.3" });
        expect(parseVersions("", "")).to.deep.equal({ haproxy: undefined, keepalived: undefined });
    });

    it("turns release options into hosts.sh arguments, refusing a bad one before any host is touched", () => {
        expect(releaseArgs({}, {})).to.deep.equal(["--release", "12"]);
        expect(releaseArgs({}, { LAB_RELEASE: "13" })).to.deep.equal(["--release", "13"]);
        expect(releaseArgs({ release: "11", hosts: { lb2: "13" } }, { LAB_RELEASE: "13" })).to.deep.equal(["--release", "11", "--host-release", "lb2=13"]);
        expect(() => releaseArgs({ release: "14" })).to.throw("release must be one of 11, 12, 13 (Debian release), got '14'");
        expect(() => releaseArgs({ hosts: { lb2: "bookworm" } }, {})).to.throw("hosts.lb2 must be one of 11, 12, 13 (Debian release), got 'bookworm'");
        expect(() => labRelease({ LAB_RELEASE: "x" })).to.throw("LAB_RELEASE must be one of 11, 12, 13 (Debian release), got 'x'");
        expect(labRelease({ LAB_RELEASE: "" })).to.equal("12");
        expect(checkRelease("13")).to.equal("13");
        expect(hostRelease({ hosts: { lb1: { address: "10.77.0.21" }, lb2: { address: "10.77.0.22", release: "13" } } }, "lb1")).to.equal("12");
        expect(hostRelease({ hosts: { lb2: { address: "10.77.0.22", release: "13" } } }, "lb2")).to.equal("13");
    });

    it("prefixes mocha titles off Debian 12 only", () => {
        expect(releasePrefix("12")).to.equal("");
        expect(releasePrefix("13")).to.equal("[Debian 13] ");
        expect(releasePrefix("11")).to.equal("[Debian 11] ");
    });

    it("counts each host's downloads from the mirror of its suite", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-rel-"));
        const log = path.join(dir, "log");
        fs.writeFileSync(
            log,
            [
                '10.77.0.22 - - [04/Dec/2026 10:21:01] "GET /trixie/./haproxy_3.0.11-1%2bdeb13u4_amd64.deb HTTP/1.1" 200 -',
                '10.77.0.21 - - [04/Dec/2026 10:21:01] "GET /bookworm/./keepalived_1%3a2.2.7-1%2bb2_amd64.deb HTTP/1.1" 200 -',
                '10.77.0.21 - - [04/Dec/2026 10:21:01] "GET /./nginx_1.22_amd64.deb HTTP/1.1" 200 -',
                '10.77.0.21 - - [04/Dec/2026 10:21:01] "GET /bookworm/./missing_1_amd64.deb HTTP/1.1" 404 -',
            ].join("\n"),
        );
        const hosts = { lb1: { address: "10.77.0.21" }, lb2: { address: "10.77.0.22" } };
        const d = mirrorDownloads({ hosts, mirror: { url: "", log } } as unknown as Parameters<typeof mirrorDownloads>[0]);
        expect([...d.lb2]).to.deep.equal(["haproxy"]);
        expect([...d.lb1]).to.deep.equal(["keepalived", "nginx"]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("test:lab runs test/lab on Debian 12 as CI always has; test:lab:all adds the matrix on 11 and 13 and test/lab-all", () => {
        const dry = (mode: string, env: Record<string, string> = {}) => run("bash", [LAB_TESTS, mode], { LAB_TESTS_DRY_RUN: "1", ...env }).stdout.split("\n").filter((l) => l.startsWith("LAB_RELEASE="));
        const matrix = "dist/test/lab/e2e.test.js dist/test/lab/failover.test.js dist/test/lab/reloadCheck.test.js dist/test/lab/drain.test.js dist/test/lab/frontends.test.js";
        expect(dry("ci")).to.deep.equal(["LAB_RELEASE=12 mocha dist/test/lab/**/*.test.js"]);
        expect(dry("ci", { LAB_RELEASE: "11" })).to.deep.equal([`LAB_RELEASE=11 mocha ${matrix}`]);
        const all = dry("all");
        expect(all.slice(0, 3)).to.deep.equal(["LAB_RELEASE=12 mocha dist/test/lab/**/*.test.js", `LAB_RELEASE=11 mocha ${matrix}`, `LAB_RELEASE=13 mocha ${matrix}`]);
        // test/lab-all's files (if any are built) run once more, on the releases they choose.
        for (const l of all.slice(3)) expect(l).to.match(/^LAB_RELEASE=\(unset\) mocha( dist\/test\/lab-all\/\S+\.test\.js)+$/);
        expect(dry("all", { LAB_RELEASE: "13" })[0]).to.equal(`LAB_RELEASE=13 mocha ${matrix}`);
        const bad = run("bash", [LAB_TESTS, "ci"], { LAB_RELEASE: "10" });
        expect(bad.status).to.equal(2);
        expect(bad.stderr).to.contain("LAB_RELEASE must be one of 11, 12, 13 (Debian release), got '10'");
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;
        expect(pkg["test:lab"]).to.equal("bash scripts/lab-tests.sh ci");
        expect(pkg["test:lab:all"]).to.equal("bash scripts/lab-tests.sh all");
        expect(pkg.test).to.match(/&& npm run test:lab$/);
    });
});
