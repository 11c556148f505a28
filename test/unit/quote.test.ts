import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { shQuote } from "../../components/shell/quote";

export const HOSTILE_STRINGS = [
    "$(touch MARKER)",
    "`touch MARKER`",
    "a; touch MARKER",
    "a && touch MARKER",
    "it's",
    '"quoted" \\ back',
    "line1\nline2; touch MARKER",
    "%s%n%x",
    "${HOME}$PATH",
    "ünïcødé ✓",
    "x".repeat(10000),
];

describe("shQuote", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-quote-"));
    const marker = path.join(dir, "pwned");

    for (const hostile of HOSTILE_STRINGS) {
        const value = hostile.replace(/MARKER/g, marker);
        it(`passes ${JSON.stringify(value.slice(0, 40))} to sh as one inert word`, () => {
            const out = execFileSync("sh", ["-c", `printf '%s' ${shQuote(value)}`], { encoding: "utf8" });
            expect(out).to.equal(value);
            expect(fs.existsSync(marker), "a command in the value ran").to.equal(false);
        });
    }

    it("refuses NUL bytes", () => {
        expect(() => shQuote("a\0b")).to.throw(/NUL/);
    });
});
