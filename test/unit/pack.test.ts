import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./helpers";

/**
 * `npm pack` yields a package another stack can import and type-check against. The consumer
 * gets the tarball's contents as node_modules/haproxy-ha and this repo's installed dependencies
 * (no registry needed).
 */
describe("npm package", function () {
    this.timeout(120000);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-pack-"));
    let tarball = "";

    before(() => {
        const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: REPO_ROOT, encoding: "utf8" });
        tarball = path.join(work, JSON.parse(out)[0].filename);
    });

    it("ships the compiled components with type declarations and nothing else", () => {
        const list = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n");
        expect(list).to.include("package/dist/components/index.js");
        expect(list).to.include("package/dist/components/index.d.ts");
        expect(list).to.include("package/dist/components/render/haproxy.d.ts");
        expect(list.filter((f) => f.includes("/test/") || f.includes("/lab/") || f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);
    });

    it("type-checks a consumer program that imports WebBackend, HaproxyNode and KeepalivedPair", () => {
        const consumer = path.join(work, "consumer");
        const modules = path.join(consumer, "node_modules");
        fs.mkdirSync(modules, { recursive: true });
        execFileSync("tar", ["xzf", tarball, "-C", work]);
        fs.renameSync(path.join(work, "package"), path.join(modules, "haproxy-ha"));
        for (const dep of ["@pulumi", "@types", "ipaddr.js", "typescript", "@grpc", "google-protobuf", "semver", "@opentelemetry", "zod"]) {
            fs.symlinkSync(path.join(REPO_ROOT, "node_modules", dep), path.join(modules, dep));
        }
        fs.writeFileSync(
            path.join(consumer, "index.ts"),
            `import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, KeepalivedPair, WebBackend } from "haproxy-ha";
const key = pulumi.secret("key");
const web = new WebBackend("www1", { os: "centos7", connection: { host: "172.20.30.15", privateKey: key } });
const lb2 = new HaproxyNode("hk2", { connection: { host: "172.20.30.26" }, servers: [{ name: "www1", address: web.address }] }, { dependsOn: [web] });
const lb = new HaproxyNode("hk1", { connection: { host: "172.20.30.25" }, servers: [{ name: "www1", address: web.address }], balance: "leastconn" }, { dependsOn: [lb2] });
const privateIp: pulumi.Output<string> = pulumi.output("172.20.30.26");
const pair = new KeepalivedPair("vip", {
    nodes: [
        { name: "hk1", connection: { host: "172.20.30.25" }, address: "172.20.30.25", dependsOn: lb },
        { name: "hk2", connection: { host: privateIp }, address: privateIp, dependsOn: [lb2] },
    ],
    vip: pulumi.output("172.20.30.69/24"),
    interface: "eth0",
});
export const vip: pulumi.Output<string> = pair.vip;
// @ts-expect-error a port is a number
new WebBackend("bad", { connection: { host: "h" }, port: "80" });
// @ts-expect-error a server needs an address
new HaproxyNode("bad", { connection: { host: "h" }, servers: [{ name: "www1" }] });
`,
        );
        fs.writeFileSync(path.join(consumer, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", target: "ES2022", noEmit: true, skipLibCheck: true, esModuleInterop: true }, files: ["index.ts"] }));
        const tsc = spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", consumer], { encoding: "utf8" });
        expect(tsc.status, tsc.stdout + tsc.stderr).to.equal(0);
    });
});
