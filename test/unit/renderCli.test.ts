import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "./helpers";

const RENDER = path.join(REPO_ROOT, "dist/scripts/render.js");

function render(cwd: string, ...args: string[]) {
    return spawnSync(process.execPath, [RENDER, ...args], { cwd, encoding: "utf8" });
}

describe("npm run render (the dry run)", () => {
    it("writes every file of the dev stack per node at its path on the host", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-render-"));
        const r = render(REPO_ROOT, "dev", out);
        expect(r.status, r.stderr).to.equal(0);
        for (const file of [
            "hk1/etc/haproxy/haproxy.cfg",
            "hk1/etc/keepalived/keepalived.conf",
            "hk2/etc/keepalived/keepalived.conf",
            "www1/var/www/html/index.html",
            "hk1/scripts/haproxy-config.update.sh",
            "www2/scripts/web-packages.create.sh",
        ]) {
            expect(fs.existsSync(path.join(out, file)), file).to.equal(true);
        }
        expect(fs.readFileSync(path.join(out, "hk2/etc/keepalived/keepalived.conf"), "utf8")).to.match(/virtual_router_id 51[\s\S]*priority 90[\s\S]*172\.20\.30\.69\/24 dev eth0/);
        expect(fs.readFileSync(path.join(out, "hk1/etc/haproxy/haproxy.cfg"), "utf8")).to.match(/server www1 172\.20\.30\.15:80 check\n\s+server www2 172\.20\.30\.16:80 check/);
    });

    it("exits non-zero naming the key and the value on bad config, writing nothing", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-render-bad-"));
        const stack = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8").replace("haproxy-ha:vip: 172.20.30.69/24", "haproxy-ha:vip: 172.20.31.69/24");
        fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), stack);
        const r = render(dir, "bad", path.join(dir, "out"));
        expect(r.status).to.equal(1);
        expect(r.stderr).to.match(/`haproxy-ha:vip` must lie in the subnet of `haproxy-ha:balancers\[0\]\.host` \(172\.20\.30\.25\).*"172\.20\.31\.69\/24"/);
        expect(fs.existsSync(path.join(dir, "out"))).to.equal(false);
    });

    it("reads a stack file as Pulumi rewrites it, numbers and booleans as text", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-render-text-"));
        const stack = fs
            .readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")
            .replace(/haproxy-ha:virtualRouterId: 51/, 'haproxy-ha:virtualRouterId: "52"')
            .replace(/haproxy-ha:stats: true/, 'haproxy-ha:stats: "true"');
        expect(stack).to.include('"52"').and.include('"true"');
        fs.writeFileSync(path.join(dir, "Pulumi.text.yaml"), stack);
        const r = render(dir, "text", path.join(dir, "out"));
        expect(r.status, r.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(dir, "out/hk1/etc/keepalived/keepalived.conf"), "utf8")).to.include("virtual_router_id 52");
    });

    it("renders a TLS stack whose certificates are secrets it cannot decrypt (shown as REDACTED)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-render-tls-"));
        const stack = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8").replace(/  haproxy-ha:port: .*\n/, "").replace(/  haproxy-ha:balance: .*\n/, "") +
            [
                "  haproxy-ha:frontends:",
                "    - { name: https, binds: [{ address: 172.20.30.69, port: 443, tls: { certificates: [site] } }], defaultBackend: app }",
                "  haproxy-ha:backends:",
                "    - { name: app, servers: [{ name: www1, address: 172.20.30.15 }] }",
                "  haproxy-ha:certificates:",
                "    - name: site",
                "      pem:",
                "        secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBB",
                "",
            ].join("\n");
        fs.writeFileSync(path.join(dir, "Pulumi.tls.yaml"), stack);
        const r = render(dir, "tls", path.join(dir, "out"));
        expect(r.status, r.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(dir, "out/hk1/etc/haproxy/haproxy.cfg"), "utf8")).to.match(/bind 172\.20\.30\.69:443 ssl crt site\.pem/);
    });

    it("names a missing stack file", () => {
        const r = render(os.tmpdir(), "no-such-stack", "/tmp/unused");
        expect(r.status).to.equal(1);
        expect(r.stderr).to.include("Pulumi.no-such-stack.yaml");
    });
});
