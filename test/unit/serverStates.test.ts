import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, parseTopologyConfig } from "../../components";
import { renderHaproxyConfig } from "../../components/render/haproxy";
import { sameButStatesFunction, SAME_BUT_STATES, serverStatesScript } from "../../components/script/serverStates";
import { setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { resolved } from "./helpers";

setRenderMocks();

const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };
const hc = { path: "/", interMs: 2000, rise: 2, fall: 3 };
const config = (servers: { name: string; address: string; port: number; weight?: number; state?: "ready" | "drain" | "maint"; backup?: boolean }[], extra: string[] = []) =>
    renderHaproxyConfig({
        nodeName: "lb1",
        haproxyVersion: "2.6",
        mode: "http",
        frontends: [{ name: "www", mode: "http", binds: [{ address: "*", port: 80 }], defaultBackend: "web" }],
        backends: [{ name: "web", mode: "http", balance: "roundrobin", healthCheck: hc, servers, extra }],
        timeouts: { connectMs: 5000, clientMs: 50000, serverMs: 50000 },
        maxconn: 4000,
        runtimeApi: true,
    });
const web1 = { name: "web1", address: "10.77.0.11", port: 80 };
const web2 = { name: "web2", address: "10.77.0.12", port: 80 };

/** Runs `same_but_states OLD NEW` with the real sh and awk: true when they differ in states only. */
function sameButStates(old: string, next: string): boolean {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-states-"));
    fs.writeFileSync(path.join(dir, "old"), old);
    fs.writeFileSync(path.join(dir, "new"), next);
    const fn = sameButStatesFunction([
        { backend: "web", server: "web1", state: "ready" },
        { backend: "web", server: "web2", state: "ready" },
    ]);
    const r = spawnSync("sh", ["-c", `${fn}\n${SAME_BUT_STATES} "$1" "$2"`, "sh", path.join(dir, "old"), path.join(dir, "new")], { encoding: "utf8" });
    if (r.status !== 0 && r.status !== 1) throw new Error(r.stderr);
    return r.status === 0;
}

describe("server states: ready, drain, maint", () => {
    it("render ready exactly as before, drain as weight 0, maint as a trailing disabled", () => {
        const ready = config([{ ...web1, weight: 5 }, web2]);
        expect(config([{ ...web1, weight: 5, state: "ready" }, { ...web2, state: "ready" }])).to.equal(ready);
        expect(ready).to.include("    server web1 10.77.0.11:80 check weight 5\n    server web2 10.77.0.12:80 check\n");
        expect(config([{ ...web1, weight: 5, state: "drain" }, web2])).to.include("    server web1 10.77.0.11:80 check weight 0\n");
        expect(config([web1, { ...web2, state: "maint", backup: true }])).to.include("    server web2 10.77.0.12:80 check backup disabled\n");
    });

    it("the config step tells a change of states (or weights) alone from any other change", () => {
        const ready = config([web1, web2]);
        expect(sameButStates(ready, config([{ ...web1, state: "drain" }, web2]))).to.equal(true);
        expect(sameButStates(config([{ ...web1, state: "drain" }, web2]), config([web1, { ...web2, state: "maint" }]))).to.equal(true);
        expect(sameButStates(ready, config([{ ...web1, weight: 7 }, web2]))).to.equal(true);
        expect(sameButStates(ready, config([{ ...web1, state: "drain" }, { ...web2, address: "10.77.0.13" }]))).to.equal(false);
        expect(sameButStates(ready, config([web1, { ...web2, backup: true }]))).to.equal(false);
        expect(sameButStates(ready, ready.replace("balance roundrobin", "balance leastconn"))).to.equal(false);
        // A hand edit, and a raw extraConfig server line: only the library's own server lines count.
        expect(sameButStates(ready, ready + "# edited by hand\n")).to.equal(false);
        expect(sameButStates(config([web1, web2], ["server raw 10.77.0.14:80 check weight 1"]), config([web1, web2], ["server raw 10.77.0.14:80 check weight 2"]))).to.equal(false);
    });

    it("applies states with `set server ... state` from haproxy 1.6, with enable/disable server and weights on CentOS 7's 1.5", () => {
        const servers = [
            { backend: "web", server: "web1", state: "drain" as const },
            { backend: "web", server: "web2", state: "ready" as const, weight: 4 },
            { backend: "web", server: "web3", state: "maint" as const },
        ];
        const debian = serverStatesScript("debian", servers);
        expect(debian).to.include("cmd 'set server web/web1 state drain'\ncmd 'set server web/web2 state ready'\ncmd 'set weight web/web2 4'\ncmd 'set server web/web3 state maint'\n");
        const centos7 = serverStatesScript("centos7", servers);
        expect(centos7).to.include("cmd 'enable server web/web1'\ncmd 'set weight web/web1 0'\ncmd 'enable server web/web2'\ncmd 'set weight web/web2 4'\ncmd 'disable server web/web3'\n");
        expect(centos7).to.not.include("set server");
    });

    it("with the runtime API, a HaproxyNode has a server-states step after the service and installs socat", async () => {
        const node = new HaproxyNode("st-lb", { os: "debian", connection: conn, runtimeApi: true, servers: [{ ...web1, state: "drain" }, web2] });
        expect(node.scripts.map((s) => s.step)).to.deep.equal(["packages", "firewall", "config", "service", "server-states"]);
        expect(node.scripts[0].create).to.include("'socat'");
        expect(node.scripts[4].update).to.include("cmd 'set server web/web1 state drain'");
        expect(await resolved(node.configText)).to.include("server web1 10.77.0.11:80 check weight 0\n");
        const plain = new HaproxyNode("st-lb2", { os: "debian", connection: conn, servers: [web1, web2] });
        expect(plain.scripts.map((s) => s.step)).to.not.include("server-states");
        expect(plain.scripts[0].create).to.not.include("socat");
    });

    it("refuses a state other than ready without the runtime API, an unknown state and draining every server, naming the field", () => {
        expect(() => new HaproxyNode("st-bad1", { connection: conn, servers: [{ ...web1, state: "drain" }, web2] })).to.throw(
            /HaproxyNode "st-bad1": `servers\[0\]\.state` needs `runtimeApi: true`.*got "drain"/,
        );
        expect(() => new HaproxyNode("st-bad2", { connection: conn, runtimeApi: true, servers: [web1, { ...web2, state: "Drain" }] })).to.throw(
            /`servers\[1\]\.state` must be one of ready, drain, maint, got "Drain"/,
        );
        expect(() =>
            new HaproxyNode("st-bad3", {
                connection: conn,
                runtimeApi: true,
                frontends: [{ name: "www", binds: [{ port: 80 }], defaultBackend: "app" }],
                backends: [{ name: "app", servers: [{ ...web1, state: "maint" }] }],
            }),
        ).to.throw(/`backends\[0\]\.servers` would take every server out of rotation/);
        expect(() =>
            new HaproxyNode("st-bad4", {
                connection: conn,
                frontends: [{ name: "www", binds: [{ port: 80 }], defaultBackend: "app" }],
                backends: [{ name: "app", servers: [web1, { ...web2, state: "maint" }] }],
            }),
        ).to.throw(/`backends\[0\]\.servers\[1\]\.state` needs `runtimeApi: true`/);
    });

    it("stack config: states in backends need the runtime API; webs[].state is for the shorthand keys only", () => {
        const collections = {
            frontends: [{ name: "www", binds: [{ port: 80 }], defaultBackend: "app" }],
            backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15", state: "drain" }, { name: "www2", address: "172.20.30.16" }] }],
        };
        expect(() => parseTopologyConfig(referenceConfig(collections))).to.throw(/`haproxy-ha:backends\[0\]\.servers\[0\]\.state` needs `haproxy-ha:runtimeApi: true`.*got "drain"/);
        expect(parseTopologyConfig(referenceConfig({ ...collections, runtimeApi: true })).backends?.[0].servers[0].state).to.equal("drain");
        expect(() =>
            parseTopologyConfig(referenceConfig({ ...collections, runtimeApi: true, webs: [{ name: "www1", host: "172.20.30.15", state: "maint" }, { name: "www2", host: "172.20.30.16" }] })),
        ).to.throw(/`haproxy-ha:webs\[0\]\.state` is for the shorthand keys: with `haproxy-ha:backends`, set `servers\[\]\.state` there, got "maint"/);
        expect(() => parseTopologyConfig(referenceConfig({ runtimeApi: true, backends: [{ name: "app", servers: [{ name: "a", address: "172.20.30.15", state: "off" }] }], frontends: collections.frontends }))).to.throw(
            /`haproxy-ha:backends\[0\]\.servers\[0\]\.state` must be one of ready, drain, maint, got "off"/,
        );
    });
});
