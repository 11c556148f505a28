/**
 * `packages` (pins) and `repositories`: validation naming the field and value, the step order,
 * and the rendered repositories and pins scripts run in sh against a fake apt (and dnf/rpm) on a
 * scratch root: nothing is changed when a repository or a pin is refused, destroy puts back
 * what was there, a pin change installs pkg=version with --allow-downgrades --no-remove.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, parseTopologyConfig, WebBackend } from "../../components";
import { Checks } from "../../components/model/problems";
import { looksLikeArmoredKey, SourcesPlan, sourcesPlan } from "../../components/model/packages";
import { aptPreferences, debSources, dnfRepo, repositoriesStep, withSources } from "../../components/script/repositories";
import { pinsStep } from "../../components/script/pins";
import type { StepSpec } from "../../components/remoteSteps";
import { setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";

setRenderMocks();

/** Shaped like `gpg --export --armor` output (validation checks the shape; apt checks the key on the host). */
const KEY = ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", ..."mDMEZ0vendorkeyAAAA".repeat(12).match(/.{1,64}/g)!, "=ab12", "-----END PGP PUBLIC KEY BLOCK-----", ""].join("\n");
const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
const REPO = { name: "vendor", url: "http://10.77.0.2:8081/signed/", signingKey: KEY, suites: ["./"] };

function plan(args: { packages?: unknown; repositories?: unknown }, apt = true): { plan: SourcesPlan; errors: string[] } {
    const c = new Checks(`HaproxyNode "lb1"`);
    const p = sourcesPlan(c, args, apt);
    try {
        c.throwIfAny();
        return { plan: p, errors: [] };
    } catch (e) {
        return { plan: p, errors: String((e as Error).message).split("\n") };
    }
}

describe("packages and repositories: validation", () => {
    it("accepts exact versions, prefixes and a flat or suite repository", () => {
        const { plan: p, errors } = plan({ packages: { haproxy: "2.6.12-1+deb12u3", keepalived: "1:2.2.*" }, repositories: [REPO, { ...REPO, name: "ppa", url: "https://ppa.launchpadcontent.net/vbernat/haproxy-2.8/ubuntu", suites: ["jammy"], priority: 600 }] });
        expect(errors).to.deep.equal([]);
        expect(p.pins).to.deep.equal([
            { name: "haproxy", version: "2.6.12-1+deb12u3" },
            { name: "keepalived", version: "1:2.2.*" },
        ]);
        expect(p.repositories[1]).to.include({ origin: "ppa.launchpadcontent.net", priority: 600 });
        expect(p.repositories[1].components).to.deep.equal(["main"]);
        expect(p.repositories[0].components).to.deep.equal([]);
    });

    const BAD: [string, Record<string, unknown>, RegExp][] = [
        ["a version with a space", { packages: { haproxy: "2.6 ; reboot" } }, /`packages\.haproxy` must be a version.*got "2\.6 ; reboot"/],
        ["a glob not at the end", { packages: { haproxy: "2.*.1" } }, /`packages\.haproxy` must be a version.*got "2\.\*\.1"/],
        ["a bad package name", { packages: { "hap roxy": "2.6" } }, /`packages\.hap roxy` is not a package name/],
        ["packages as a list", { packages: ["haproxy"] }, /`packages` must be a map of package name to version/],
        ["a URL with a quote", { repositories: [{ ...REPO, url: "http://x/'a" }] }, /`repositories\[0\]\.url` must be an http:\/\/ or https:\/\/ URL.*got "http:\/\/x\/'a"/],
        ["a file: URL", { repositories: [{ ...REPO, url: "file:///srv/repo" }] }, /`repositories\[0\]\.url`.*got "file:\/\/\/srv\/repo"/],
        ["a key that is not armored", { repositories: [{ ...REPO, signingKey: "ssh-ed25519 AAAA" }] }, /`repositories\[0\]\.signingKey` must be an ASCII-armored OpenPGP public key.*got "ssh-ed25519 AAAA"/],
        ["a private key", { repositories: [{ ...REPO, signingKey: KEY.replace(/PUBLIC KEY/g, "PRIVATE KEY") }] }, /`repositories\[0\]\.signingKey` must be an ASCII-armored OpenPGP public key/],
        ["no suites for apt", { repositories: [{ ...REPO, suites: undefined }] }, /`repositories\[0\]\.suites` must list the repository's suites for apt/],
        ["a bad name", { repositories: [{ ...REPO, name: "Vendor/x" }] }, /`repositories\[0\]\.name` must be lower-case.*got "Vendor\/x"/],
        ["a duplicate name", { repositories: [REPO, REPO] }, /`repositories\[1\]\.name` must be unique, got "vendor"/],
        ["priority 5000", { repositories: [{ ...REPO, priority: 5000 }] }, /`repositories\[0\]\.priority` must be an integer from -1000 to 1000.*got 5000/],
        ["an unknown field", { repositories: [{ ...REPO, gpgkey: "x" }] }, /`repositories\[0\]\.gpgkey` is not a repository field/],
        ["components on a flat repository", { repositories: [{ ...REPO, components: ["main"] }] }, /`repositories\[0\]\.components` must be empty for a flat repository/],
    ];
    for (const [what, args, message] of BAD) {
        it(`refuses ${what}, naming the field and the value`, () => {
            expect(plan(args).errors.join("\n")).to.match(message);
        });
    }

    it("needs no suites where only dnf runs; takes dnf's variables in baseurl only", () => {
        expect(plan({ repositories: [{ ...REPO, suites: undefined, baseurl: "https://download.copr.fedorainfracloud.org/results/x/haproxy/epel-$releasever-$basearch/" }] }, false).errors).to.deep.equal([]);
        expect(plan({ repositories: [{ ...REPO, url: "https://x/$basearch" }] }, false).errors.join("\n")).to.match(/`repositories\[0\]\.url`/);
    });

    it("reads an armored key's shape: armor lines, headers, base64, checksum", () => {
        expect(looksLikeArmoredKey(KEY)).to.equal(true);
        expect(looksLikeArmoredKey(KEY.replace("=ab12", "HAPROXY_HA_KEY"))).to.equal(false);
        expect(looksLikeArmoredKey(KEY.replace("\n\n", "\nComment: made by gpg\n\n"))).to.equal(true);
        expect(looksLikeArmoredKey(KEY + "echo hi\n")).to.equal(false);
    });

    it("is checked by the components before anything exists", () => {
        expect(() => new HaproxyNode("pin-lb", { connection: conn, servers: [{ name: "a", address: "10.77.0.11" }], packages: { haproxy: "$(id)" } })).to.throw(/HaproxyNode "pin-lb": `packages\.haproxy` must be a version.*got "\$\(id\)"/);
        expect(() => new WebBackend("pin-web", { connection: conn, repositories: [{ ...REPO, url: "ftp://x" }] })).to.throw(/WebBackend "pin-web": `repositories\[0\]\.url`.*got "ftp:\/\/x"/);
    });

    it("names the stack key from stack config", async () => {
        const { buildTopology } = await import("../../components");
        expect(() => buildTopology(parseTopologyConfig(referenceConfig({ os: "debian", packages: { haproxy: "2.6 x" } })), "key")).to.throw(/`haproxy-ha:packages\.haproxy` must be a version.*got "2\.6 x"/);
        expect(() => buildTopology(parseTopologyConfig(referenceConfig({ os: "debian", repositories: [{ ...REPO, signingKey: "nope" }] })), "key")).to.throw(/`haproxy-ha:repositories\[0\]\.signingKey` must be an ASCII-armored/);
    });
});

describe("packages and repositories: steps", () => {
    const sources = plan({ packages: { haproxy: "2.6.*" }, repositories: [REPO] }).plan;
    const base: StepSpec[] = [
        { name: "packages", create: ":", delete: ":" },
        { name: "firewall", create: ":", delete: ":" },
        { name: "config", create: ":", delete: ":" },
    ];

    it("leaves the steps alone without packages or repositories", () => {
        expect(withSources("debian", "haproxy", { pins: [], repositories: [] }, base)).to.equal(base);
    });

    it("adds repositories first (before the gate with packages) and pins just before the config", () => {
        const steps = withSources("debian", "haproxy", sources, base);
        expect(steps.map((s) => s.name)).to.deep.equal(["repositories", "packages", "firewall", "pins", "config"]);
        expect(steps.map((s) => !!s.beforeDependsOn)).to.deep.equal([true, true, false, false, false]);
    });

    it("a HaproxyNode with a pin and a repository has both steps in its chain", () => {
        const node = new HaproxyNode("pin-steps", { connection: conn, os: "debian", servers: [{ name: "a", address: "10.77.0.11" }], packages: { haproxy: "2.6.*" }, repositories: [REPO] });
        const names = node.scripts.map((x) => x.step);
        expect(names.slice(0, 2)).to.deep.equal(["repositories", "packages"]);
        expect(names.indexOf("pins")).to.equal(names.indexOf("config") - 1);
    });

    it("renders deb822 with Signed-By, preferences with the pin and the priority, a dnf .repo with gpgcheck", () => {
        expect(debSources(sources.repositories[0], "/etc/apt/keyrings/k.asc")).to.contain("URIs: http://10.77.0.2:8081/signed/\nSuites: ./\nSigned-By: /etc/apt/keyrings/k.asc\n").and.not.contain("Components");
        const prefs = aptPreferences({ ...sources, repositories: [{ ...sources.repositories[0], priority: 100 }] });
        expect(prefs).to.contain("Package: haproxy\nPin: version 2.6.*\nPin-Priority: 1001\n\nPackage: *\nPin: origin \"10.77.0.2\"\nPin-Priority: 100\n");
        expect(dnfRepo({ ...sources.repositories[0], repoGpgcheck: true }, "/etc/pki/rpm-gpg/k.asc")).to.contain("gpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/k.asc");
    });

    it("renders scripts sh and shellcheck accept, on every OS choice", () => {
        for (const choice of ["debian", "el9", "auto"] as const) {
            const steps = [repositoriesStep(choice, "haproxy", sources), pinsStep(choice, "haproxy", sources)];
            for (const s of steps)
                for (const text of [s.create, s.update ?? "", s.delete]) {
                    const script = `set -eu\n${text}\n`;
                    const n = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
                    expect(n.status, `${choice} ${s.name}: ${n.stderr}`).to.equal(0);
                    const sc = spawnSync("shellcheck", ["-s", "sh", "-"], { input: script, encoding: "utf8" });
                    expect(sc.status, `${choice} ${s.name}: ${sc.stdout}`).to.equal(0);
                }
        }
    });
});

/**
 * A scratch root with a fake apt: `apt-get update` refuses a source file naming a URL listed in
 * $ROOT/refuse; `apt-cache madison` lists $ROOT/madison/<pkg>; the candidate is the newest
 * version a `Pin: version` in the preferences dirs matches, else the first listed; `apt-get
 * install pkg=ver` sets $ROOT/dpkg/<pkg>.
 */
function fakeApt() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-pins-"));
    for (const d of ["bin", "etc/apt/sources.list.d", "etc/apt/preferences.d", "etc/apt/keyrings", "var/lib/apt/lists", "madison", "dpkg"]) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.writeFileSync(path.join(root, "refuse"), "");
    const bin = (name: string, text: string) => fs.writeFileSync(path.join(root, "bin", name), `#!/bin/sh\nR=${root}\n${text}`, { mode: 0o755 });
    bin(
        "apt-get",
        `echo "apt-get $*" >> "$R/log"
prefs="$R/etc/apt/preferences.d"; list=""
for a in "$@"; do case "$a" in Dir::Etc::sourcelist=*) list=\${a#*=} ;; Dir::Etc::preferencesparts=*) prefs=\${a#*=} ;; esac; done
case " $* " in
  *" update "*)
    if [ -n "$list" ]; then
      while IFS= read -r u; do [ -n "$u" ] && grep -qF "$u" "$list" && { echo "E: The repository '$u ./ Release' is not signed."; exit 100; }; done < "$R/refuse"
    fi
    exit 0 ;;
  *" install "*)
    for a in "$@"; do case "$a" in *=*) case "$a" in Dir::*|Dpkg::*|APT::*) ;; *) printf '%s\\n' "\${a#*=}" > "$R/dpkg/\${a%%=*}" ;; esac ;; esac; done ;;
esac
`,
    );
    bin(
        "apt-cache",
        `prefs="$R/etc/apt/preferences.d"
for a in "$@"; do case "$a" in Dir::Etc::preferencesparts=*) prefs=\${a#*=} ;; esac; done
cmd=$1; pkg=$2
case "$cmd" in
  madison) while IFS= read -r v; do echo " $pkg | $v | http://x ./ Packages"; done < "$R/madison/$pkg" ;;
  policy)
    cand=$(head -n 1 "$R/madison/$pkg")
    pin=$(cat "$prefs"/* 2>/dev/null | awk -v p="$pkg" '$1 == "Package:" { m = ($2 == p) } m && $1 == "Pin:" && $2 == "version" { print $3 }' | head -n 1)
    if [ -n "$pin" ]; then
      found=""; while IFS= read -r v; do case "$v" in $pin) [ -n "$found" ] || found=$v ;; esac; done < "$R/madison/$pkg"
      [ -z "$found" ] || cand=$found
    fi
    echo "$pkg:"; echo "  Candidate: $cand" ;;
esac
`,
    );
    bin(
        "dpkg-query",
        `eval "pkg=\\$$#"
case "$*" in
  *Status-Abbrev*) [ -e "$R/dpkg/$pkg" ] && printf 'ii ' ;;
  *Version*) cat "$R/dpkg/$pkg" | tr -d '\\n' ;;
esac
`,
    );
    bin("hostname", `echo lb1\n`);
    const localize = (script: string) => script.split("/etc/apt").join(`${root}/etc/apt`).split("/var/lib").join(`${root}/var/lib`);
    const run = (script: string) => spawnSync("sh", ["-euc", localize(script)], { encoding: "utf8", env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}` } });
    const files = (dir = "etc/apt") =>
        spawnSync("find", [dir, "-type", "f"], { cwd: root, encoding: "utf8" })
            .stdout.trim()
            .split("\n")
            .filter(Boolean)
            .sort();
    const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");
    const write = (p: string, text: string) => fs.writeFileSync(path.join(root, p), text);
    const log = () => (fs.existsSync(path.join(root, "log")) ? read("log") : "");
    return { root, run, files, read, write, log };
}

describe("packages and repositories: scripts on a fake apt host", () => {
    const sources = (packages: Record<string, string>, repositories = [REPO]) => plan({ packages, repositories }).plan;

    it("installs the key, the deb822 source and the preferences after the dry run; destroy puts back what was there", () => {
        const h = fakeApt();
        h.write("madison/haproxy", "2.6.12-1+vendor1\n2.6.12-1\n");
        // Something of the host's own at a path the library writes: kept, and put back on destroy.
        h.write("etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc", "the host's own\n");
        const step = repositoriesStep("debian", "haproxy", sources({ haproxy: "2.6.12-1+vendor1" }));
        const r = h.run(step.create);
        expect(r.status, r.stderr).to.equal(0);
        expect(h.files()).to.deep.equal([
            "etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc",
            "etc/apt/preferences.d/haproxy-ha-haproxy.pref",
            "etc/apt/sources.list.d/haproxy-ha-haproxy-vendor.sources",
        ]);
        expect(h.read("etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc")).to.equal(KEY);
        expect(h.read("etc/apt/sources.list.d/haproxy-ha-haproxy-vendor.sources")).to.contain(`Signed-By: ${h.root}/etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc`);
        expect(h.read("etc/apt/preferences.d/haproxy-ha-haproxy.pref")).to.contain("Pin: version 2.6.12-1+vendor1\nPin-Priority: 1001");
        // The dry run checked the repository alone, in a scratch state; then the host's update.
        expect(h.log()).to.match(/update .*Dir::Etc::sourcelist=\/tmp\/.*haproxy-ha-haproxy-vendor\.sources/);
        expect(h.log().trim().split("\n").pop()).to.equal("apt-get update -q");
        const d = h.run(step.delete);
        expect(d.status, d.stderr).to.equal(0);
        expect(h.files()).to.deep.equal(["etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc"]);
        expect(h.read("etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc")).to.equal("the host's own\n");
        expect(fs.existsSync(path.join(h.root, "var/lib/haproxy-ha"))).to.equal(false);
    });

    it("refuses a repository apt refuses, naming it, with nothing changed", () => {
        const h = fakeApt();
        h.write("refuse", `${REPO.url}\n`);
        h.write("madison/haproxy", "2.6.12-1\n");
        const r = h.run(repositoriesStep("debian", "haproxy", sources({})).create);
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain("is not signed").and.contain(`haproxy-ha: repositories vendor (${REPO.url}) was refused by apt on lb1`);
        expect(h.files()).to.deep.equal([]);
        expect(h.log()).not.to.match(/^apt-get update -q$/m);
    });

    it("refuses a pin the repositories lack, listing the versions they have, with nothing changed", () => {
        const h = fakeApt();
        h.write("madison/haproxy", "2.6.12-1+vendor1\n2.6.12-1\n");
        const r = h.run(repositoriesStep("debian", "haproxy", sources({ haproxy: "9.9.*" })).create);
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain(`haproxy-ha: packages.haproxy "9.9.*" is not in the repositories of lb1; they have: 2.6.12-1 2.6.12-1+vendor1`);
        expect(h.files()).to.deep.equal([]);
    });

    it("removes the files of a repository dropped from the list on update", () => {
        const h = fakeApt();
        const two = sources({}, [REPO, { ...REPO, name: "other", url: "http://10.77.0.2:8081/other/" }]);
        expect(h.run(repositoriesStep("debian", "haproxy", two).create).status).to.equal(0);
        expect(h.files()).to.have.length(4);
        const r = h.run(repositoriesStep("debian", "haproxy", sources({})).update!);
        expect(r.status, r.stderr).to.equal(0);
        expect(h.files()).to.deep.equal(["etc/apt/keyrings/haproxy-ha-haproxy-vendor.asc", "etc/apt/sources.list.d/haproxy-ha-haproxy-vendor.sources"]);
    });

    it("moves an installed package to its pin in place, checked, and puts the host's version back on destroy", () => {
        const h = fakeApt();
        h.write("madison/haproxy", "2.6.12-1+vendor1\n2.6.12-1\n");
        h.write("dpkg/haproxy", "2.6.12-1\n");
        const s = sources({ haproxy: "2.6.12-1+vendor1" });
        expect(h.run(repositoriesStep("debian", "haproxy", s).create).status).to.equal(0);
        const step = pinsStep("debian", "haproxy", s);
        const r = h.run(step.create);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.contain("haproxy-ha: haproxy 2.6.12-1 -> 2.6.12-1+vendor1 on lb1");
        expect(h.log()).to.match(/apt-get install -y -q --no-install-recommends --no-remove --allow-downgrades .*haproxy=2\.6\.12-1\+vendor1/);
        expect(h.read("dpkg/haproxy")).to.equal("2.6.12-1+vendor1\n");
        // Again: nothing to do.
        expect(h.run(step.create).stdout).to.contain("pinned: haproxy 2.6.12-1+vendor1");
        const d = h.run(step.delete);
        expect(d.status, d.stderr).to.equal(0);
        expect(h.read("dpkg/haproxy")).to.equal("2.6.12-1\n");
    });

    it("leaves a package the library installed to the packages step on destroy, and skips one not installed", () => {
        const h = fakeApt();
        h.write("madison/haproxy", "2.6.12-1+vendor1\n2.6.12-1\n");
        h.write("dpkg/haproxy", "2.6.12-1\n");
        fs.mkdirSync(path.join(h.root, "var/lib/haproxy-ha/installed/haproxy"), { recursive: true });
        h.write("var/lib/haproxy-ha/installed/haproxy/haproxy", "");
        const s = sources({ haproxy: "2.6.12-1+vendor1", keepalived: "2.2.*" });
        h.run(repositoriesStep("debian", "haproxy", { ...s, pins: s.pins.slice(0, 1) }).create);
        const step = pinsStep("debian", "haproxy", s);
        const r = h.run(step.create);
        expect(r.status, r.stderr).to.equal(0);
        expect(h.read("dpkg/haproxy")).to.equal("2.6.12-1+vendor1\n");
        expect(h.run(step.delete).status).to.equal(0);
        expect(h.read("dpkg/haproxy")).to.equal("2.6.12-1+vendor1\n");
    });
});

/** A fake dnf and rpm: makecache refuses a repo dir holding a URL from $ROOT/refuse; rpm --import adds a gpg-pubkey line. */
function fakeDnf() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-dnf-"));
    for (const d of ["bin", "etc/yum.repos.d", "etc/pki/rpm-gpg", "var/lib"]) fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.writeFileSync(path.join(root, "etc/os-release"), 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n');
    fs.writeFileSync(path.join(root, "refuse"), "");
    fs.writeFileSync(path.join(root, "keys"), "gpg-pubkey-aaaa-1\n");
    fs.writeFileSync(path.join(root, "versions"), "2.4.22-1.el9\n2.8.5-1.el9\n");
    const bin = (name: string, text: string) => fs.writeFileSync(path.join(root, "bin", name), `#!/bin/sh\nR=${root}\n${text}`, { mode: 0o755 });
    bin(
        "dnf",
        `echo "dnf $*" >> "$R/log"
dir=""; for a in "$@"; do case "$a" in --setopt=reposdir=*) dir=\${a#--setopt=reposdir=} ;; esac; done
case " $* " in
  *" makecache "*) if [ -n "$dir" ]; then while IFS= read -r u; do [ -n "$u" ] && grep -rqF "$u" $dir && { echo "Error: GPG check FAILED"; exit 1; }; done < "$R/refuse"; fi; exit 0 ;;
  *" repoquery "*) cat "$R/versions" ;;
  *" install "*) eval "spec=\\$$#"; echo "\${spec#haproxy-}-1.el9" > "$R/installed" ;;
esac
`,
    );
    bin(
        "rpm",
        `echo "rpm $*" >> "$R/log"
case "$1" in
  --import) echo "gpg-pubkey-bbbb-2" >> "$R/keys" ;;
  -e) grep -vxF "$2" "$R/keys" > "$R/keys.new"; mv "$R/keys.new" "$R/keys" ;;
  -q) case "$2" in gpg-pubkey) cat "$R/keys" ;; --qf) cat "$R/installed" | tr -d '\\n' ;; *) [ -e "$R/installed" ] ;; esac ;;
esac
`,
    );
    bin("hostname", `echo lb1\n`);
    const localize = (script: string) => script.split("/etc/").join(`${root}/etc/`).split("/var/lib").join(`${root}/var/lib`);
    const run = (script: string) => spawnSync("sh", ["-euc", localize(script)], { encoding: "utf8", env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}` } });
    const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");
    return { root, run, read };
}

describe("packages and repositories: scripts on a fake dnf host", () => {
    const s = plan({ packages: { haproxy: "2.4.22" }, repositories: [{ ...REPO, suites: undefined }] }, false).plan;

    it("writes a gpgcheck .repo, imports the key and records it; destroy removes only that key", () => {
        const h = fakeDnf();
        const step = repositoriesStep("el9", "haproxy", s);
        const r = h.run(step.create);
        expect(r.status, r.stderr).to.equal(0);
        expect(h.read("etc/yum.repos.d/haproxy-ha-haproxy-vendor.repo")).to.contain("gpgcheck=1").and.contain(`gpgkey=file://${h.root}/etc/pki/rpm-gpg/haproxy-ha-haproxy-vendor.asc`);
        expect(h.read("keys")).to.equal("gpg-pubkey-aaaa-1\ngpg-pubkey-bbbb-2\n");
        const d = h.run(step.delete);
        expect(d.status, d.stderr).to.equal(0);
        expect(h.read("keys")).to.equal("gpg-pubkey-aaaa-1\n");
        expect(fs.existsSync(path.join(h.root, "etc/yum.repos.d/haproxy-ha-haproxy-vendor.repo"))).to.equal(false);
    });

    it("refuses a repository dnf refuses, and a version no repository has, with nothing changed", () => {
        const h = fakeDnf();
        fs.writeFileSync(path.join(h.root, "refuse"), `${REPO.url}\n`);
        const guard = (t: string) => t;
        const r = h.run(guard(repositoriesStep("el9", "haproxy", s).create));
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain("haproxy-ha: repositories vendor (http://10.77.0.2:8081/signed/) was refused by dnf on lb1");
        fs.writeFileSync(path.join(h.root, "refuse"), "");
        const missing = plan({ packages: { haproxy: "3.0" }, repositories: [] }, false).plan;
        const m = h.run(guard(repositoriesStep("el9", "haproxy", missing).create));
        expect(m.status).to.equal(1);
        expect(m.stderr).to.contain(`packages.haproxy "3.0" is not in the repositories of lb1; they have: 2.4.22-1.el9 2.8.5-1.el9`);
        expect(fs.readdirSync(path.join(h.root, "etc/yum.repos.d"))).to.deep.equal([]);
    });

    it("moves an installed package to its pin with dnf install name-version, checked", () => {
        const h = fakeDnf();
        fs.writeFileSync(path.join(h.root, "installed"), "2.8.5-1.el9\n");
        const r = h.run(pinsStep("el9", "haproxy", s).create);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.contain("haproxy-ha: haproxy 2.8.5-1.el9 -> 2.4.22-1.el9 on lb1");
        expect(h.read("log")).to.contain("dnf install -y -q haproxy-2.4.22");
    });
});
