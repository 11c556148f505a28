import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OS_CHOICES } from "../../components";
import { driftCheckScript } from "../../components/script/drift";
import { renderStack } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { REPO_ROOT } from "./helpers";

/** Options that change the scripts: each is rendered for every OS choice. */
const VARIANTS: Record<string, Record<string, unknown>> = {
    defaults: {},
    "centos7Vault, web port 8080, no stats": { centos7Vault: true, stats: false, webs: [{ name: "www1", host: "172.20.30.15", port: 8080 }] },
    "frontend on 8443, become": { port: 8443, become: true },
    "runtime API, www1 drained": { runtimeApi: true, webs: [{ name: "www1", host: "172.20.30.15", state: "drain" }, { name: "www2", host: "172.20.30.16" }] },
};

function run(cmd: string, args: string[]) {
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.error) throw new Error(`${cmd} is not installed (apt-get install ${cmd === "sh" ? "dash" : cmd}): ${r.error.message}`);
    return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** shellcheck over files; returns its findings (gcc format), or "" when clean. */
function shellcheck(files: string[], shell?: string): string {
    const r = run("shellcheck", [...(shell ? ["-s", shell] : []), "-f", "gcc", ...files]);
    return r.code === 0 ? "" : r.out;
}

describe("every rendered script parses and passes shellcheck", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-scripts-"));
    const files = new Map<string, string>();
    before(async function () {
        this.timeout(120_000);
        for (const family of OS_CHOICES) {
            for (const [variant, overrides] of Object.entries(VARIANTS)) {
                const { scripts } = await renderStack(referenceConfig({ os: family, ...overrides }));
                for (const s of scripts) {
                    for (const [action, text] of [["create", s.create], ["update", s.update], ["delete", s.delete]] as const) {
                        if (text === undefined || files.has(text)) continue;
                        const file = path.join(dir, `${family}-${variant.replace(/\W+/g, "_")}-${s.component}-${s.step}.${action}.sh`);
                        fs.writeFileSync(file, text);
                        files.set(text, file);
                    }
                }
            }
        }
        const drift = path.join(dir, "drift-check.sh");
        fs.writeFileSync(drift, driftCheckScript());
        files.set(driftCheckScript(), drift);
    });

    it("renders scripts for every OS choice, auto included", () => {
        for (const family of OS_CHOICES) expect([...files.values()].some((f) => path.basename(f).startsWith(`${family}-`)), family).to.equal(true);
        expect(files.size).to.be.greaterThan(100);
    });

    it("sh -n accepts every script (POSIX sh, as the hosts run them)", () => {
        const bad = [...files.values()].map((f) => ({ f, r: run("sh", ["-n", f]) })).filter(({ r }) => r.code !== 0);
        expect(bad.map(({ f, r }) => `${path.basename(f)}: ${r.out}`)).to.deep.equal([]);
    });

    it("shellcheck -s sh finds nothing in any script", () => {
        expect(shellcheck([...files.values()], "sh")).to.equal("");
    });

    it("sh -n rejects a script with a here-doc whose terminator is indented (the check can fail)", () => {
        const broken = path.join(dir, "broken.sh");
        fs.writeFileSync(broken, "set -eu\nif true; then\n  cat <<'EOF' | {\n  text\n  EOF\n  cat\n}\nfi\n");
        expect(run("sh", ["-n", broken]).code).to.not.equal(0);
    });

    it("shellcheck finds nothing in the lab harness and the setup scripts", () => {
        const own = ["lab/hosts.sh", ...fs.readdirSync(path.join(REPO_ROOT, "scripts")).filter((f) => f.endsWith(".sh")).map((f) => `scripts/${f}`)];
        expect(shellcheck(own.map((f) => path.join(REPO_ROOT, f)))).to.equal("");
    });
});
