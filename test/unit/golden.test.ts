import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OS_CHOICES } from "../../components";
import { renderStack, writeRendered } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { GOLDEN_DIR, matchesGolden } from "./helpers";

/** Every file and script the reference topology puts on its hosts, per OS family, against golden files. */
describe("rendered hosts (golden files)", () => {
    for (const family of OS_CHOICES) {
        describe(`os ${family}`, () => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), `haproxy-ha-golden-${family}-`));
            let written: string[] = [];
            before(async () => {
                const extra = family === "centos7" ? { centos7Vault: true, unicast: true } : family === "debian" ? { nopreempt: true, gatewayCheck: "172.20.30.1" } : {};
                written = writeRendered(out, await renderStack(referenceConfig({ os: family, ...extra })));
            });

            it("writes the same set of files as the golden tree", () => {
                matchesGolden(`${family}/FILES`, written.join("\n") + "\n");
            });

            it("renders every file byte-for-byte as the golden tree", () => {
                expect(written.length).to.be.greaterThan(20);
                for (const file of written) matchesGolden(path.join(family, file), fs.readFileSync(path.join(out, file), "utf8"));
            });
        });
    }

    it("has no golden file that the renderers no longer produce", () => {
        for (const family of OS_CHOICES) {
            const listed = new Set(fs.readFileSync(path.join(GOLDEN_DIR, family, "FILES"), "utf8").trim().split("\n"));
            const walk = (dir: string): string[] =>
                fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
            for (const file of walk(path.join(GOLDEN_DIR, family))) {
                const rel = path.relative(path.join(GOLDEN_DIR, family), file);
                if (rel !== "FILES") expect(listed.has(rel), `stale golden file ${family}/${rel}`).to.equal(true);
            }
        }
    });
});
