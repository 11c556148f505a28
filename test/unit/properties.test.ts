import { expect } from "chai";
import * as fc from "fast-check";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HaproxyNode, KeepalivedPair, OS_CHOICES } from "../../components";
import { setRenderMocks } from "../../scripts/renderStack";
import { asCollections, asInstance, collectionArgs, instancesArgs, pairShorthandArgs, SEED, shorthandArgs } from "./arbitraries";
import { makeCertificates, resolved, scriptsSnapshot } from "./helpers";

setRenderMocks();
let n = 0;
/**
 * Generated configs per OS choice and tool: 7 choices × 2 tools × this, each a real validator
 * run. PROPERTY_RUNS=100 for a longer search (FC_SEED to change the fixed seed).
 */
const VALIDATOR_RUNS = Number(process.env.PROPERTY_RUNS ?? 10);
/** Shorthand/collection pairs per component: renders only, no process. */
const SHORTHAND_RUNS = 3 * VALIDATOR_RUNS + 20;
const HTTP_REQUEST_TIMEOUT = "\n    timeout http-request 10000ms";

/** Equal texts, or the first differing line (a whole config in a message is unreadable). */
function sameText(what: string, actual: string, expected: string): void {
    if (actual === expected) return;
    const a = actual.split("\n");
    const e = expected.split("\n");
    const i = a.findIndex((l, k) => l !== e[k]);
    expect.fail(`${what} differs at line ${i + 1}:\n  expected: ${e[i]}\n  actual:   ${a[i]}`);
}

describe("properties: the shorthand renders exactly as its collections", () => {
    it("HaproxyNode", async () => {
        await fc.assert(
            fc.asyncProperty(shorthandArgs, async (args) => {
                const short = new HaproxyNode(`pt-s${n}`, args);
                const coll = new HaproxyNode(`pt-c${n++}`, asCollections(args));
                const expected = await resolved(short.configText);
                let actual = await resolved(coll.configText);
                if ((args.mode ?? "http") === "http") {
                    // No public arg unsets a collection frontend's http-request timeout (default 10000 in
                    // http mode); the shorthand renders none. That one line is the only difference.
                    expect(actual.split(HTTP_REQUEST_TIMEOUT).length, "one frontend, one http-request timeout").to.equal(2);
                    expect(expected).to.not.include(HTTP_REQUEST_TIMEOUT);
                    actual = actual.replace(HTTP_REQUEST_TIMEOUT, "");
                }
                sameText("haproxy.cfg", actual, expected);
                // The same steps too: what the host runs does not depend on how the args were written.
                sameText("scripts", scriptsSnapshot(coll.scripts), scriptsSnapshot(short.scripts));
                const files = async (node: HaproxyNode) => (await resolved(node.files)).map((f) => ({ ...f, content: f.content.replace(HTTP_REQUEST_TIMEOUT, "") }));
                expect(await files(coll)).to.deep.equal(await files(short));
            }),
            { seed: SEED, numRuns: SHORTHAND_RUNS },
        );
    });
});

describe("properties: the single-VIP shorthand renders exactly as one instance", () => {
    it("KeepalivedPair", async () => {
        await fc.assert(
            fc.asyncProperty(pairShorthandArgs, async (args) => {
                // The built-in notify script comes with every `instances` pair; the shorthand has it with `notify` set (`{}` is enough).
                const name = `ptk${n++}`;
                const short = new KeepalivedPair(name, { ...args, notify: args.notify ?? {} });
                const inst = new KeepalivedPair(`ptk${n++}`, asInstance({ ...args, notify: args.notify ?? {} }, name));
                const files = async (p: KeepalivedPair) => (await resolved(p.files)).map((f) => `## ${f.node} ${f.path} ${f.mode}\n${f.content}`).join("\n");
                sameText("files", await files(inst), await files(short));
                sameText("scripts", scriptsSnapshot(inst.scripts), scriptsSnapshot(short.scripts));
            }),
            { seed: SEED, numRuns: SHORTHAND_RUNS },
        );
    });
});

/**
 * The check the keepalived install script runs on the host: exit 0 and none of these words in
 * the output (the script's own list, copied: the script module is internal).
 */
const KEEPALIVED_COMPLAINTS = /unknown keyword|invalid|error|not supported/i;

describe("properties: every valid plan renders configs the real haproxy -c and keepalived -t accept", () => {
    // The machine's own haproxy 2.6 and keepalived 2.2 (as test/unit/validators.test.ts). A config for
    // centos7 or auto is rendered for haproxy 1.5 (directives 2.6 accepts too); keepalived-2-only
    // options (VRRPv3 fractions, per-instance versions) are generated only where keepalived 2 runs.
    const certs = makeCertificates(["app.example", "api.example"]);
    const pems = { app: certs.pems["app.example"], api: certs.pems["api.example"] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-props-"));
    fs.mkdirSync(path.join(dir, "certs"));
    for (const [name, pem] of Object.entries(pems)) fs.writeFileSync(path.join(dir, "certs", `${name}.pem`), pem);
    let k = 0;
    const write = (text: string) => {
        const file = path.join(dir, `c${k++}`);
        fs.writeFileSync(file, text);
        return file;
    };

    for (const family of OS_CHOICES) {
        it(`haproxy, ${family}`, async () => {
            await fc.assert(
                fc.asyncProperty(collectionArgs(family, pems), async (args) => {
                    const node = new HaproxyNode(`ptv${n++}`, args);
                    const config = (await resolved(node.configText)).replace(/^ {4}crt-base .*$/m, `    crt-base ${dir}/certs`);
                    const r = spawnSync("haproxy", ["-c", "-f", write(config)], { encoding: "utf8" });
                    expect(r.status, `${r.stdout}${r.stderr}\n${config}`).to.equal(0);
                }),
                { seed: SEED, numRuns: VALIDATOR_RUNS },
            );
        });
        it(`keepalived, ${family}`, async () => {
            await fc.assert(
                fc.asyncProperty(instancesArgs(family), async (args) => {
                    const pair = new KeepalivedPair(`ptv${n++}`, args);
                    for (const f of (await resolved(pair.files)).filter((x) => x.path.endsWith("keepalived.conf"))) {
                        const r = spawnSync("keepalived", ["-t", "-f", write(f.content)], { encoding: "utf8" });
                        const out = `${r.stdout}${r.stderr}`;
                        expect(r.status === 0 && !KEEPALIVED_COMPLAINTS.test(out), `${out}\n${f.content}`).to.equal(true);
                    }
                }),
                { seed: SEED, numRuns: VALIDATOR_RUNS },
            );
        });
    }
});
