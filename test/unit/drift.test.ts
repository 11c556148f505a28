import { expect } from "chai";
import { spawnSync } from "child_process";
import { driftCheckScript } from "../../components/script/drift";
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
});
