import { expect } from "chai";
import { labConfig, onHost, pulumi, pulumiOk, UP, waitFor, writeStackFile } from "../../lab/lab";
import { labScenario } from "../../lab/scenario";

/** Stops lb2's sshd and listens on its port 22 with a server that accepts and never speaks. */
const SILENT_SSH =
    "systemctl stop ssh.socket ssh 2>/dev/null; " +
    "systemd-run --unit=haproxy-ha-silent-ssh /usr/bin/python3 -c " +
    `'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("", 22)); s.listen(64); held = []\nwhile True: held.append(s.accept())'`;

describe("lab: a host that accepts TCP but never completes the SSH handshake", function () {
    this.timeout(0);
    const lab = labScenario({ config: (info) => labConfig(info), up: true, vipOnLb1Ms: 20_000 });

    it("fails pulumi up within the dial bound naming the host, changes nothing on the MASTER, and converges once sshd is back", async () => {
        const r0 = onHost("lb2", SILENT_SSH);
        expect(r0.code, r0.stderr).to.equal(0);
        await waitFor("the silent listener on lb2:22", () => onHost("lb2", "systemctl is-active haproxy-ha-silent-ssh").stdout.trim() === "active", 20_000, 250);
        writeStackFile(labConfig(lab.info, { balance: "static-rr" }));
        const started = Date.now();
        const r = await pulumi(UP);
        const seconds = (Date.now() - started) / 1000;
        console.log(`      pulumi up with a silent sshd on lb2 failed after ${seconds.toFixed(1)} s`);
        expect(r.code).to.not.equal(0);
        expect(r.stdout + r.stderr).to.include("root@10.77.0.22:22 accepts TCP connections but sent no SSH banner within 5 s, 4 times");
        // 4 attempts (dialErrorLimit 3) of 5 s, plus the run itself: bounded, not a hang.
        expect(seconds).to.be.below(90);
        expect(onHost("lb1", "grep -c 'balance static-rr' /etc/haproxy/haproxy.cfg || true").stdout.trim(), "the MASTER waits for the BACKUP").to.equal("0");

        onHost("lb2", "systemctl stop haproxy-ha-silent-ssh; systemctl start ssh");
        await waitFor("ssh on lb2", () => onHost("lb2", "systemctl is-active ssh").stdout.trim() === "active", 60_000, 500);
        await pulumiOk(UP);
        for (const h of ["lb1", "lb2"]) expect(onHost(h, "grep -c 'balance static-rr' /etc/haproxy/haproxy.cfg").stdout.trim(), h).to.equal("1");
    });
});
