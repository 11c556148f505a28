import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { DEBIAN_RELEASES, hostsOk } from "../../lab/lab";

/** The version of `pkg` in a flat repository's Packages index. */
function indexVersion(packages: string, pkg: string): string | undefined {
    const stanza = packages.split(/\n\n+/).find((s) => new RegExp(`^Package: ${pkg}$`, "m").test(s));
    return stanza && /^Version: (\S+)$/m.exec(stanza)?.[1];
}

/** lab/lab.ts's table of each release's haproxy and keepalived, against the mirrors the lab builds from Debian's own indexes. */
describe("lab releases: DEBIAN_RELEASES is what each release's mirror holds", function () {
    this.timeout(0);
    it("hosts.sh prepare builds (or finds) one mirror per release, whose haproxy and keepalived are the table's", () => {
        if (process.getuid?.() !== 0) throw new Error("needs root (hosts.sh prepare)");
        const out = hostsOk(["prepare", ...Object.keys(DEBIAN_RELEASES).flatMap((r) => ["--release", r])], { timeoutMs: 3_600_000 });
        for (const [release, want] of Object.entries(DEBIAN_RELEASES)) {
            const m = new RegExp(`^Debian ${release} \\(${want.suite}\\): rootfs (\\S+), mirror (\\S+)$`, "m").exec(out);
            expect(m, out).to.not.equal(null);
            const packages = fs.readFileSync(path.join(m![2], "Packages"), "utf8");
            expect(indexVersion(packages, "haproxy"), `Debian ${release} haproxy`).to.equal(want.haproxyPackage);
            expect(indexVersion(packages, "keepalived"), `Debian ${release} keepalived`).to.equal(want.keepalivedPackage);
        }
    });
});
