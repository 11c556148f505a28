import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KEEPALIVED_TEST_COMPLAINTS } from "../../components/script/keepalivedSteps";
import { CASES_GOLDEN_DIR, GOLDEN_DIR } from "./helpers";

/**
 * The golden configs (the seed's dev stack) pass the real validators (Debian's haproxy 2.6 and
 * keepalived 2.2; they stick to what haproxy 1.5 / keepalived 1.3.5 accept too), and the
 * validators as the install scripts call them reject broken configs. Every family's render of the
 * same topology is byte-identical to them (golden.test.ts); generated plans per family go
 * through the same validators in properties.test.ts.
 */
function goldenConfigs(file: string): string[] {
    return [GOLDEN_DIR, CASES_GOLDEN_DIR]
        .filter((dir) => fs.existsSync(dir))
        .flatMap((dir) => fs.readdirSync(dir).flatMap((family) => fs.readdirSync(path.join(dir, family)).map((node) => path.join(dir, family, node, file))))
        .filter((f) => fs.existsSync(f));
}

function run(cmd: string, args: string[]) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.error) throw new Error(`${cmd} is not installed (apt-get install haproxy keepalived): ${r.error.message}`);
    return { code: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** The check the keepalived install script runs on the host (see script/keepalivedSteps.ts). */
function keepalivedAccepts(file: string) {
    const r = run("keepalived", ["-t", "-f", file]);
    return { ok: r.code === 0 && !new RegExp(KEEPALIVED_TEST_COMPLAINTS, "i").test(r.out), out: r.out };
}

describe("real validators", () => {
    const haproxyConfigs = goldenConfigs("etc/haproxy/haproxy.cfg");
    const keepalivedConfigs = goldenConfigs("etc/keepalived/keepalived.conf");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-validators-"));

    it("finds the dev stack's golden configs (both balancers)", () => {
        expect(haproxyConfigs.length).to.be.at.least(2);
        expect(keepalivedConfigs.length).to.be.at.least(2);
    });

    for (const file of haproxyConfigs) {
        it(`haproxy -c accepts ${path.relative(path.dirname(GOLDEN_DIR), file)}`, () => {
            const r = run("haproxy", ["-c", "-q", "-f", file]);
            expect(r.code, r.out).to.equal(0);
        });
    }

    for (const file of keepalivedConfigs) {
        it(`keepalived -t accepts ${path.relative(path.dirname(GOLDEN_DIR), file)}`, () => {
            const r = keepalivedAccepts(file);
            expect(r.ok, r.out).to.equal(true);
        });
    }

    it("haproxy -c rejects a config with an unknown directive", () => {
        const bad = path.join(tmp, "bad.cfg");
        fs.writeFileSync(bad, fs.readFileSync(haproxyConfigs[0], "utf8").replace("balance roundrobin", "balance roundrobin\n    no-such-directive 1"));
        expect(run("haproxy", ["-c", "-q", "-f", bad]).code).to.not.equal(0);
    });

    it("keepalived -t (as the scripts read it) rejects an unknown keyword and a router id out of range", () => {
        const good = fs.readFileSync(keepalivedConfigs[0], "utf8");
        const unknown = path.join(tmp, "unknown.conf");
        fs.writeFileSync(unknown, good.replace(/priority (\d+)/, "bogus_keyword $1"));
        expect(keepalivedAccepts(unknown).ok).to.equal(false);
        const range = path.join(tmp, "range.conf");
        fs.writeFileSync(range, good.replace(/virtual_router_id \d+/, "virtual_router_id 300"));
        expect(keepalivedAccepts(range).ok).to.equal(false);
    });
});
