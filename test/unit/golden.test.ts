import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { OS_CHOICES, RenderedScript } from "../../components";
import { renderStack } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { GOLDEN_DIR, matchesGolden, scriptsSnapshot } from "./helpers";

export { scriptsSnapshot };

/** The reference topology per OS family, with the options that family's golden files show. */
export function goldenConfig(family: string): Record<string, unknown> {
    const extra = family === "centos7" ? { centos7Vault: true, unicast: true } : family === "debian" ? { nopreempt: true, gatewayCheck: "172.20.30.1" } : {};
    return referenceConfig({ os: family, ...extra });
}

/**
 * Per OS family: every file the reference topology puts on each host, and one snapshot of the
 * scripts per component (every node of a component runs the same scripts).
 */
describe("rendered hosts (golden files)", () => {
    for (const family of OS_CHOICES) {
        describe(`os ${family}`, () => {
            let rendered: Awaited<ReturnType<typeof renderStack>>;
            before(async () => {
                rendered = await renderStack(goldenConfig(family));
            });

            it("renders every node's files byte-for-byte as the golden tree", () => {
                const listed = rendered.files.map((f) => path.join(f.node, f.path)).sort();
                matchesGolden(`${family}/FILES`, listed.join("\n") + "\n");
                expect(listed.length).to.be.at.least(6);
                for (const f of rendered.files) matchesGolden(path.join(family, f.node, f.path), f.content);
            });

            it("runs the same scripts on every node of a component, as in the golden snapshot", () => {
                const components = [...new Set(rendered.scripts.map((s) => s.component))];
                expect(components).to.deep.equal(["web", "haproxy", "keepalived"]);
                for (const component of components) {
                    const byNode = new Map<string, RenderedScript[]>();
                    for (const s of rendered.scripts.filter((x) => x.component === component)) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
                    const snapshots = [...byNode.values()].map(scriptsSnapshot);
                    expect(new Set(snapshots).size, `${component} scripts differ between nodes`).to.equal(1);
                    matchesGolden(path.join(family, "scripts", `${component}.sh`), snapshots[0]);
                }
            });
        });
    }

    it("has no golden file that the renderers no longer produce", () => {
        const walk = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
        for (const family of fs.readdirSync(GOLDEN_DIR)) {
            expect(OS_CHOICES as readonly string[], `golden folder ${family} is no OS choice`).to.include(family);
            const listed = new Set(fs.readFileSync(path.join(GOLDEN_DIR, family, "FILES"), "utf8").trim().split("\n"));
            for (const file of walk(path.join(GOLDEN_DIR, family))) {
                const rel = path.relative(path.join(GOLDEN_DIR, family), file);
                if (rel === "FILES" || rel.startsWith("scripts/")) continue;
                expect(listed.has(rel), `stale golden file ${family}/${rel}`).to.equal(true);
            }
            const components = fs.readdirSync(path.join(GOLDEN_DIR, family, "scripts")).sort();
            expect(components, `${family}/scripts`).to.deep.equal(["haproxy.sh", "keepalived.sh", "web.sh"]);
        }
    });
});
