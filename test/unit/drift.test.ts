import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { driftCheckScript } from "../../components/script/drift";
import { WANTED_DIR } from "../../components/script/files";
import { shQuote } from "../../components/shell/quote";
import { STATE_DIR } from "../../components/os/stateDir";

/**
 * Runs the drift check over files under a temporary root: each entry is recorded as the library
 * records it (a wanted copy and its `.meta`; `meta: null`, a copy recorded before the content mark)
 * and then written as `have` on the "host".
 */
function driftOver(files: { path: string; wanted: string; have: string; meta: string | null }[]): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-drift-"));
    for (const f of files) {
        const live = path.join(root, f.path);
        const wanted = path.join(root, "wanted", root, f.path);
        fs.mkdirSync(path.dirname(live), { recursive: true });
        fs.mkdirSync(path.dirname(wanted), { recursive: true });
        fs.writeFileSync(live, f.have, { mode: 0o600 });
        fs.writeFileSync(wanted, f.wanted, { mode: 0o600 });
        if (f.meta !== null) fs.writeFileSync(`${wanted}.meta`, `${f.meta}\n`);
    }
    const script = driftCheckScript()
        .replace(`wanted_dir=${shQuote(WANTED_DIR)}`, `wanted_dir=${shQuote(path.join(root, "wanted"))}`)
        .replace(`state=${shQuote(STATE_DIR)}`, `state=${shQuote(path.join(root, "state"))}`);
    const r = spawnSync("sh", ["-s"], { input: script, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout.split(root).join("");
}
import { formatReport, parseDriftOutput } from "../../scripts/drift";

describe("drift check (npm run drift)", () => {
    it("reads the host's lines: checks, and diff lines after a changed file", () => {
        const out = [
            "ok\tfile\t/etc/haproxy/haproxy.cfg\t",
            "drift\tfile\t/etc/keepalived/keepalived.conf\tcontent differs",
            "diff\t--- wanted /etc/keepalived/keepalived.conf",
            "diff\t-    auth_pass REDACTED",
            "drift\tservice\tkeepalived\tdisabled/active, want enabled/active",
            "drift\tsysctl\tnet.ipv4.ip_nonlocal_bind\t0, want 1",
            "",
        ].join("\n");
        const parsed = parseDriftOutput("lb1", out);
        expect(parsed.lines.map((l) => `${l.status} ${l.kind} ${l.name}`)).to.deep.equal([
            "ok file /etc/haproxy/haproxy.cfg",
            "drift file /etc/keepalived/keepalived.conf",
            "drift service keepalived",
            "drift sysctl net.ipv4.ip_nonlocal_bind",
        ]);
        expect(parsed.diff).to.deep.equal(["--- wanted /etc/keepalived/keepalived.conf", "-    auth_pass REDACTED"]);
        const report = formatReport([{ host: "lb1", ...parsed }, { host: "web1", lines: [], diff: [], error: "ssh: connect to host 10.77.0.11 port 22: No route to host" }]);
        expect(report).to.include("lb1   service  keepalived: disabled/active, want enabled/active");
        expect(report).to.include("web1  unreachable");
        expect(report).to.match(/drift: 3 of 4 checks differ on 2 hosts \(some hosts not checked\)$/);
    });

    it("on a host the library never touched, reports nothing and exits 0", () => {
        const r = spawnSync("sh", ["-s"], { input: driftCheckScript(), encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.equal("");
    });

    it("redacts VRRP and stats passwords in the diff (the /metrics userlist's too)", () => {
        const script = driftCheckScript();
        const sed = script.match(/sed -E '([^']+)'/)![1];
        const r = spawnSync("sed", ["-E", sed], { input: "    auth_pass s3cret\n    stats auth admin:pw\n    user admin insecure-password pw2\n    priority 100\n", encoding: "utf8" });
        expect(r.stdout).to.equal("    auth_pass REDACTED\n    stats auth REDACTED\n    user admin insecure-password REDACTED\n    priority 100\n");
    });

    it("never shows a notify hook's token or a certificate key: such files differ with line counts and changed line numbers only", () => {
        const me = `${os.userInfo().username} ${os.userInfo().username}`;
        const key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7hidden";
        const out = driftOver([
            {
                path: "/usr/local/libexec/haproxy-ha/notify-master",
                wanted: "#!/bin/sh\ncurl -H 'Authorization: Bearer tok-wanted-123' https://hooks.example\n",
                have: "#!/bin/sh\ncurl -H 'Authorization: Bearer tok-onhost-456' https://hooks.example\necho extra\n",
                meta: `0600 ${me} secret`,
            },
            // A wanted copy recorded before the mark existed: hidden too (fail closed).
            { path: "/etc/haproxy/certs/site.pem", wanted: `-----BEGIN PRIVATE KEY-----\n${key}\n-----END PRIVATE KEY-----\n`, have: `-----BEGIN PRIVATE KEY-----\n${key}X\n-----END PRIVATE KEY-----\n`, meta: null },
            { path: "/var/www/html/index.html", wanted: "<h1>web1</h1>\n", have: "<h1>edited</h1>\n", meta: `0600 ${me} plain` },
        ]);
        for (const secret of ["tok-wanted-123", "tok-onhost-456", key, "echo extra"]) expect(out).to.not.include(secret);
        const parsed = parseDriftOutput("lb1", out);
        expect(parsed.lines.filter((l) => l.status === "drift").map((l) => `${l.name}: ${l.detail}`)).to.deep.equal([
            "/etc/haproxy/certs/site.pem: content differs (it holds secrets, not shown: wanted 3 lines, on host 3 lines)",
            "/usr/local/libexec/haproxy-ha/notify-master: content differs (it holds secrets, not shown: wanted 2 lines, on host 3 lines)",
            "/var/www/html/index.html: content differs",
        ]);
        expect(parsed.diff).to.include.members([
            "--- /usr/local/libexec/haproxy-ha/notify-master: holds secrets, content not shown; changed lines (wanted, on host):",
            "@@ -2 +2,2 @@",
            "--- /etc/haproxy/certs/site.pem: holds secrets, content not shown; changed lines (wanted, on host):",
            "@@ -2 +2 @@",
            // A plain file keeps its diff.
            "-<h1>web1</h1>",
            "+<h1>edited</h1>",
        ]);
    });

    it("the library marks only files without secrets as plain: hooks, keepalived.conf and haproxy.cfg stay hidden", () => {
        const { keepalivedSteps } = require("../../components/script/keepalivedSteps") as typeof import("../../components/script/keepalivedSteps");
        const steps = keepalivedSteps({ os: "debian", archiveRepos: false, ipv6: false, notify: { hooks: ["master"] } });
        const meta = (name: string) => steps.find((s) => s.name === name)!.create.match(/> "\$wanted\.meta"/) && steps.find((s) => s.name === name)!.create.match(/printf '%s\\n' '([^']+)' > "\$wanted\.meta"/)![1];
        expect(meta("hook-master")).to.equal("0700 root root secret");
        expect(meta("config")).to.equal("0600 root root secret");
        expect(meta("notify")).to.equal("0700 root root plain");
    });
});
