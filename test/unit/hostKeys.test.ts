import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { buildTopology, parseTopologyConfig, requirePinnedHostKeys } from "../../components";
import { hostKeyOptions, recordedKnownHostsPath } from "../../scripts/drift";
import { fingerprint, pinHostKeys, preferredKeys, Scanner } from "../../scripts/hostKeys";
import { setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";

setRenderMocks();

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-hostkeys-"));

/** A real key pair's public half (`ssh-keygen`), as a host would send it. */
function realKey(type: "ed25519" | "ecdsa", dir: string, name: string): string {
    const file = path.join(dir, name);
    const r = spawnSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-f", file], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    return fs.readFileSync(`${file}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
}

const ALL_HOSTS = ["172.20.30.15", "172.20.30.16", "172.20.30.25", "172.20.30.26"];

describe("host keys: checked by default", () => {
    describe("the stack program fails closed", () => {
        it("refuses a stack without pinned keys, before any component, naming each host and both ways out", () => {
            const cfg = parseTopologyConfig(referenceConfig({ ssh: { privateKeyPath: "/k", hostKeys: { "172.20.30.25": realKey("ed25519", tmp(), "k") } } }));
            let message = "";
            try {
                requirePinnedHostKeys(cfg, "dev");
            } catch (e) {
                message = (e as Error).message;
            }
            expect(message).to.include("`haproxy-ha:ssh.hostKeys` has no key for 172.20.30.15 (www1), 172.20.30.16 (www2), 172.20.30.26 (hk2)");
            expect(message).to.not.include("172.20.30.25 (hk1)");
            expect(message).to.include("npm run host-keys -- dev").and.include("haproxy-ha:ssh.insecureSkipHostKeyCheck");
        });

        it("passes with a key for every host, or with `insecureSkipHostKeyCheck: true` said explicitly", () => {
            const dir = tmp();
            const hostKeys = Object.fromEntries(ALL_HOSTS.map((h, i) => [h, realKey("ed25519", dir, `k${i}`)]));
            expect(() => requirePinnedHostKeys(parseTopologyConfig(referenceConfig({ ssh: { privateKeyPath: "/k", hostKeys } })))).to.not.throw();
            expect(() => requirePinnedHostKeys(parseTopologyConfig(referenceConfig({ ssh: { privateKeyPath: "/k", insecureSkipHostKeyCheck: true } })))).to.not.throw();
            expect(parseTopologyConfig(referenceConfig()).ssh.insecureSkipHostKeyCheck).to.equal(false);
        });

        it("refuses a non-boolean opt-out, naming the key", () => {
            expect(() => parseTopologyConfig(referenceConfig({ ssh: { privateKeyPath: "/k", insecureSkipHostKeyCheck: "yes" } }))).to.throw(
                /`haproxy-ha:ssh\.insecureSkipHostKeyCheck` must be true or false, got "yes"/,
            );
        });

        it("the components warn once per host without `hostKey` (a balancer is in its HaproxyNode and the pair), and not for pinned ones", async () => {
            const webs = [{ name: "w1", host: "10.201.0.11" }, { name: "w2", host: "10.201.0.12" }];
            const balancers = [{ name: "b1", host: "10.201.0.21", priority: 100 }, { name: "b2", host: "10.201.0.22", priority: 90 }];
            const pinned = { "10.201.0.12": realKey("ed25519", tmp(), "w2") };
            const cfg = parseTopologyConfig(referenceConfig({ os: "debian", webs, balancers, vip: "10.201.0.100/24", ssh: { privateKeyPath: "/k", hostKeys: pinned, insecureSkipHostKeyCheck: true } }));
            const warnings: string[] = [];
            const original = console.warn;
            console.warn = (msg: string) => void warnings.push(String(msg));
            try {
                buildTopology(cfg, "KEY");
                await new Promise((r) => setTimeout(r, 500));
            } finally {
                console.warn = original;
            }
            const unpinned = warnings.filter((w) => w.includes("no `hostKey` pinned"));
            expect(unpinned.map((w) => /root@([\d.]+):22/.exec(w)?.[1]).sort()).to.deep.equal(["10.201.0.11", "10.201.0.21", "10.201.0.22"]);
        });
    });

    describe("npm run host-keys", () => {
        function stackFile(dir: string, hostKeys?: Record<string, string>): string {
            const file = path.join(dir, "Pulumi.t.yaml");
            const ssh = { user: "root", privateKeyPath: "/k", ...(hostKeys ? { hostKeys } : {}) };
            const config = Object.fromEntries(Object.entries(referenceConfig({ ssh })).map(([k, v]) => [`haproxy-ha:${k}`, v]));
            fs.writeFileSync(file, "# The seed's stack.\n" + yaml.dump({ config: { ...config, "other:key": "kept" } }));
            return file;
        }
        const scanner = (keys: Record<string, string[]>, port = 22): Scanner => (hosts) =>
            hosts.flatMap((h) => [`# ${h}:${port} SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`, ...(keys[h] ?? []).map((k) => `${port === 22 ? h : `[${h}]:${port}`} ${k}`)]).join("\n");

        it("prefers ed25519, then ecdsa; ignores comments and other types", () => {
            const dir = tmp();
            const ed = realKey("ed25519", dir, "e");
            const ec = realKey("ecdsa", dir, "c");
            expect(preferredKeys(`# 10.0.0.1:22 SSH-2.0\n10.0.0.1 ${ec}\n10.0.0.1 ${ed}\n[10.0.0.2]:2222 ${ec}\n10.0.0.3 ssh-rsa AAAAB3NzaC1yc2E=\n`)).to.deep.equal({
                "10.0.0.1": ed,
                "10.0.0.2": ec,
            });
        });

        it("prints the fingerprints ssh-keygen -lf prints", () => {
            const dir = tmp();
            const key = realKey("ed25519", dir, "f");
            const lf = spawnSync("ssh-keygen", ["-lf", path.join(dir, "f.pub")], { encoding: "utf8" }).stdout.split(" ")[1];
            expect(fingerprint(key)).to.equal(lf).and.match(/^SHA256:/);
        });

        it("writes every host's key into the stack file, keeping the other values and the header comment; the stack then passes", () => {
            const dir = tmp();
            const keys = Object.fromEntries(ALL_HOSTS.map((h, i) => [h, [realKey("ecdsa", dir, `c${i}`), realKey("ed25519", dir, `e${i}`)]]));
            const file = stackFile(dir);
            const r = pinHostKeys(file, { scan: scanner(keys) });
            expect(r.written).to.equal(true);
            expect(r.report).to.have.length(4);
            expect(r.report[0]).to.include("www1").and.include(fingerprint(keys["172.20.30.15"][1])).and.include("pinned");
            const text = fs.readFileSync(file, "utf8");
            expect(text.startsWith("# The seed's stack.\n")).to.equal(true);
            const doc = yaml.load(text) as { config: Record<string, Record<string, unknown>> };
            expect(doc.config["haproxy-ha:ssh"].hostKeys).to.deep.equal(Object.fromEntries(ALL_HOSTS.map((h) => [h, keys[h][1]])));
            expect(doc.config["other:key"]).to.equal("kept");
            expect(doc.config["haproxy-ha:vip"]).to.equal("172.20.30.69/24");
            expect(() => requirePinnedHostKeys(parseTopologyConfig(Object.fromEntries(Object.entries(doc.config).filter(([k]) => k.startsWith("haproxy-ha:")).map(([k, v]) => [k.slice(11), v]))))).to.not.throw();
            // A second run with the same keys changes nothing.
            const before = fs.readFileSync(file, "utf8");
            expect(pinHostKeys(file, { scan: scanner(keys) }).written).to.equal(false);
            expect(fs.readFileSync(file, "utf8")).to.equal(before);
        });

        it("refuses to overwrite a differing pinned key, writing nothing and naming the host and both fingerprints; --replace does", () => {
            const dir = tmp();
            const keys = Object.fromEntries(ALL_HOSTS.map((h, i) => [h, [realKey("ed25519", dir, `e${i}`)]]));
            const old = realKey("ed25519", dir, "old");
            const file = stackFile(dir, { "172.20.30.26": old });
            const before = fs.readFileSync(file, "utf8");
            expect(() => pinHostKeys(file, { scan: scanner(keys) })).to.throw(`172.20.30.26 (hk2): pinned ${fingerprint(old)}, the host now sends ${fingerprint(keys["172.20.30.26"][0])}`);
            expect(fs.readFileSync(file, "utf8")).to.equal(before);
            const r = pinHostKeys(file, { scan: scanner(keys), replace: true });
            expect(r.report.find((l) => l.includes("hk2"))).to.include("replaced");
            expect((yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, { hostKeys: Record<string, string> }> }).config["haproxy-ha:ssh"].hostKeys["172.20.30.26"]).to.equal(keys["172.20.30.26"][0]);
        });

        it("refuses, naming the host, when a host sends no ed25519 or ecdsa key", () => {
            const dir = tmp();
            const keys = Object.fromEntries(ALL_HOSTS.slice(1).map((h, i) => [h, [realKey("ed25519", dir, `e${i}`)]]));
            expect(() => pinHostKeys(stackFile(dir), { scan: scanner(keys) })).to.throw(/no ed25519 or ecdsa host key from 172\.20\.30\.15 \(www1\) on port 22/);
        });
    });

    describe("npm run drift: the pinned keys, or a known_hosts recorded on first contact", () => {
        const files = { pinned: "/tmp/x y/pinned", recorded: "/srv/stack dir/.haproxy-ha/dev.known_hosts" };

        for (const [what, pinned] of [
            ["a pinned host", { "10.0.0.1": "ssh-ed25519 AAAA" }],
            ["a host without a pinned key", {}],
            ["a stack with no keys at all", undefined],
        ] as const) {
            it(`${what}: never StrictHostKeyChecking=no, and ssh reads the options as meant`, () => {
                const opts = hostKeyOptions("10.0.0.1", pinned, files);
                expect(opts.join(" ")).to.not.match(/StrictHostKeyChecking=no|UserKnownHostsFile=\/dev\/null/i);
                const g = spawnSync("ssh", ["-G", ...opts, "root@10.0.0.1"], { encoding: "utf8" });
                expect(g.status, g.stderr).to.equal(0);
                const conf = Object.fromEntries(g.stdout.split("\n").map((l) => [l.split(" ")[0], l.slice(l.indexOf(" ") + 1)]));
                const isPinned = pinned !== undefined && "10.0.0.1" in pinned;
                expect(conf.stricthostkeychecking).to.equal(isPinned ? "true" : "accept-new");
                expect(conf.userknownhostsfile).to.equal(isPinned ? files.pinned : files.recorded);
            });
        }

        it("records next to the stack file, per stack", () => {
            expect(recordedKnownHostsPath("/srv/p/Pulumi.dev.yaml")).to.equal("/srv/p/.haproxy-ha/dev.known_hosts");
        });
    });
});
