import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { restorePreviousFileScript } from "../../components/script/files";
import { RELOAD_FAILED_ROLLED_BACK, reloadHaproxyVerifiedScript } from "../../components/script/haproxyReload";
import { fakeHaproxyHost } from "./helpers";

/** The rollback the config step runs, with the live file and its wanted copy in the fake host's directory. */
function configRollback(dir: string): string {
    fs.mkdirSync(path.join(dir, "prev"));
    fs.writeFileSync(path.join(dir, "prev", "file"), "good config\n");
    fs.writeFileSync(path.join(dir, "prev", "wanted"), "good config\n");
    fs.writeFileSync(path.join(dir, "wanted"), "bad config\n");
    return [`target=${dir}/cfg`, `wanted=${dir}/wanted`, restorePreviousFileScript(`${dir}/prev`)].join("\n");
}

describe("the verified haproxy reload (run against a fake systemctl and proc tree)", () => {
    it("succeeds when a new worker appears under the same master and stays", () => {
        const host = fakeHaproxyHost({ active: true, config: "good config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.contain("reached");
        expect(r.reloads).to.equal(1);
        expect(fs.readFileSync(path.join(host.dir, "cfg"), "utf8")).to.equal("good config\n");
    });

    it("puts the previous config and its wanted copy back, reloads once more and fails, naming haproxy's alert, when no new worker appears", () => {
        const host = fakeHaproxyHost({ active: true, config: "bad config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code).to.equal(1);
        expect(r.stdout).to.not.contain("reached");
        expect(r.stderr).to.contain(RELOAD_FAILED_ROLLED_BACK);
        expect(r.stderr).to.contain("cannot bind socket (Address already in use) [10.77.0.100:8081]");
        // Only haproxy's ALERT lines reach the user.
        expect(r.stderr).to.not.contain("Loading failure");
        expect(r.stderr).to.not.contain("NOTICE");
        expect(r.reloads).to.equal(2);
        expect(r.log).to.match(/-u haproxy --since/);
        expect(fs.readFileSync(path.join(host.dir, "cfg"), "utf8")).to.equal("good config\n");
        expect(fs.readFileSync(path.join(host.dir, "wanted"), "utf8")).to.equal("good config\n");
    });

    it("does not take a new worker that dies within the settle time for a loaded config", () => {
        const host = fakeHaproxyHost({ active: true, config: "good config\n", transient: true });
        const r = host.run(reloadHaproxyVerifiedScript());
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("haproxy-ha: haproxy did not load its config at reload (it kept the old workers)");
        expect(r.reloads).to.equal(1);
    });

    it("starts haproxy when it is not active, and succeeds on systemctl start's status", () => {
        const host = fakeHaproxyHost({ active: false, config: "good config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code, r.stderr).to.equal(0);
        expect(r.log).to.match(/^start haproxy$/m);
        expect(r.reloads).to.equal(0);
        expect(fs.existsSync(path.join(host.dir, "active"))).to.equal(true);
    });

    it("puts the previous config back and starts haproxy with it when the new one does not start", () => {
        const host = fakeHaproxyHost({ active: false, config: "bad config\n" });
        const r = host.run(reloadHaproxyVerifiedScript({ rollback: configRollback(host.dir) }));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("haproxy-ha: haproxy did not start with the new config; the previous config is back in place");
        expect(r.log.match(/^start haproxy$/gm)).to.have.length(2);
        expect(fs.existsSync(path.join(host.dir, "active"))).to.equal(true);
    });

    it("fails without a rollback (service step) when the config on disk does not load", () => {
        const host = fakeHaproxyHost({ active: true, config: "bad config\n" });
        const r = host.run(reloadHaproxyVerifiedScript());
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("haproxy-ha: haproxy did not load its config at reload (it kept the old workers)");
        expect(r.stderr).to.contain("cannot bind socket");
        expect(r.reloads).to.equal(1);
    });

    it("says so when there is no previous config to put back", () => {
        const host = fakeHaproxyHost({ active: true, config: "bad config\n" });
        const rollback = [`target=${host.dir}/cfg`, `wanted=${host.dir}/wanted`, restorePreviousFileScript(`${host.dir}/none`)].join("\n");
        const r = host.run(reloadHaproxyVerifiedScript({ rollback }));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("there is no previous config to put back");
        expect(r.reloads).to.equal(1);
    });
});
