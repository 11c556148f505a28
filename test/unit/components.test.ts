import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { buildTopology, HaproxyNode, KeepalivedPair, parseTopologyConfig, WebBackend } from "../../components";
import { MockedResource, mockedResources, SECRET_PLACEHOLDER, setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { commandsOf, resolved } from "./helpers";

setRenderMocks();

const conn = (host: string) => ({ host, user: "root", privateKey: pulumi.secret("PRIVATE-KEY-TEXT") });

const stepOf = (prefix: string, r: MockedResource) => r.name.slice(prefix.length + 1);
const urnName = (urn: string) => urn.split("::").pop();

/** Each command must wait for the one before it. */
function expectChained(prefix: string, commands: MockedResource[], steps: string[]): void {
    expect(commands.map((c) => stepOf(prefix, c))).to.deep.equal(steps);
    for (let i = 1; i < commands.length; i++) {
        expect(commands[i].dependencies.map(urnName), `${commands[i].name} waits for ${commands[i - 1].name}`).to.include(commands[i - 1].name);
    }
}

describe("components (Pulumi mocks)", () => {
    it("WebBackend: packages → firewall → site → page → service, each waiting for the one before", async () => {
        const web = new WebBackend("t-web", { os: "debian", connection: conn("10.77.0.11") });
        const commands = await commandsOf("t-web-", 5);
        expectChained("t-web", commands, ["packages", "firewall", "site", "page", "service"]);
        expect(await resolved(web.url)).to.equal("http://10.77.0.11:80/");
        expect(commands.find((c) => c.name === "t-web-page")!.inputs.stdin).to.include("<h1>t-web</h1>");
    });

    it("installBeforeDependsOn: the packages step skips the component's dependsOn, the step after it waits for it", async () => {
        const first = new WebBackend("t-dep", { os: "debian", connection: conn("10.77.0.12") });
        new WebBackend("t-early", { os: "debian", connection: conn("10.77.0.13"), installBeforeDependsOn: true }, { dependsOn: [first] });
        new WebBackend("t-late", { os: "debian", connection: conn("10.77.0.14") }, { dependsOn: [first] });
        const early = await commandsOf("t-early-", 5);
        const late = await commandsOf("t-late-", 5);
        expectChained("t-early", early, ["packages", "firewall", "site", "page", "service"]);
        expect(early[0].dependencies.map(urnName)).to.not.include("t-dep-service");
        expect(early[1].dependencies.map(urnName)).to.include("t-dep-service").and.to.include("t-early-packages");
        // Default: every step, packages included, waits.
        expect(late[0].dependencies.map(urnName)).to.include("t-dep-service");
        expect(() => new WebBackend("t-bad", { os: "debian", connection: conn("10.77.0.15"), installBeforeDependsOn: "yes" as unknown as boolean })).to.throw(
            'WebBackend "t-bad": `installBeforeDependsOn` must be true or false, got "yes"',
        );
    });

    it("HaproxyNode args.dependsOn orders its steps as opts.dependsOn would (packages included unless installBeforeDependsOn)", async () => {
        const web = new WebBackend("t-hdep", { os: "debian", connection: conn("10.77.0.16") });
        const lb = (name: string, early: boolean) =>
            new HaproxyNode(name, { os: "debian", connection: conn("10.77.0.21"), servers: [{ name: "a", address: "10.77.0.16" }], dependsOn: [web], installBeforeDependsOn: early });
        lb("t-hearly", true);
        lb("t-hlate", false);
        const early = await commandsOf("t-hearly-", 4);
        const late = await commandsOf("t-hlate-", 4);
        expect(early[0].dependencies.map(urnName)).to.not.include("t-hdep-service");
        expect(early[1].dependencies.map(urnName)).to.include("t-hdep-service");
        expect(late[0].dependencies.map(urnName)).to.include("t-hdep-service");
    });

    it("HaproxyNode on CentOS 7: packages → sysctl → selinux → firewall → config → service", async () => {
        new HaproxyNode("t-lb", { os: "centos7", connection: conn("10.77.0.21"), servers: [{ name: "a", address: "10.77.0.11" }], bindAddress: "10.77.0.100" });
        expectChained("t-lb", await commandsOf("t-lb-", 6), ["packages", "sysctl", "selinux", "firewall", "config", "service"]);
    });

    it("HaproxyNode on Debian binding all addresses: no sysctl and no SELinux step", async () => {
        new HaproxyNode("t-lbd", { os: "debian", connection: conn("10.77.0.21"), servers: [{ name: "a", address: "10.77.0.11" }] });
        expectChained("t-lbd", await commandsOf("t-lbd-", 4), ["packages", "firewall", "config", "service"]);
    });

    it("a config change reaches only the config step, whose update validates then reloads", async () => {
        const args = (balance: "roundrobin" | "leastconn") => ({ os: "debian" as const, connection: conn("10.77.0.21"), servers: [{ name: "a", address: "10.77.0.11" }], balance });
        new HaproxyNode("t-rr", args("roundrobin"));
        new HaproxyNode("t-lc", args("leastconn"));
        const rr = await commandsOf("t-rr-", 4);
        const lc = await commandsOf("t-lc-", 4);
        for (const step of ["packages", "firewall", "config", "service"]) {
            const a = rr.find((c) => stepOf("t-rr", c) === step)!.inputs;
            const b = lc.find((c) => stepOf("t-lc", c) === step)!.inputs;
            const differing = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
            expect(differing, step).to.deep.equal(step === "config" ? ["stdin"] : []);
        }
        const config = rr.find((c) => stepOf("t-rr", c) === "config")!.inputs;
        expect(config.update).to.match(/haproxy -c -f[\s\S]*mv -f[\s\S]*systemctl reload/);
        expect(config.create).to.not.include("systemctl reload");
        expect(config.triggers ?? []).to.deep.equal([]);
    });

    it("server names may be Outputs (a WebBackend's backendName, e.g. from YAML): rendered once known, a duplicate refused then", async () => {
        const web = new WebBackend("t-named-web", { os: "debian", connection: conn("10.77.0.11"), backendName: "www7" });
        const node = new HaproxyNode("t-named", { os: "debian", connection: conn("10.77.0.21"), servers: [{ name: pulumi.output(web.backendName), address: web.address }, { name: "b", address: "10.77.0.12" }] });
        expect(await resolved(node.configText)).to.match(/^ +server www7 10\.77\.0\.11:80 check$/m);
        const dup = new HaproxyNode("t-dup", { os: "debian", connection: conn("10.77.0.21"), servers: [{ name: pulumi.output("a"), address: "10.77.0.11" }, { name: "a", address: "10.77.0.12" }] });
        // Output.promise is the SDK's own (internal) way to see an apply's rejection.
        const error = await (dup.configText as unknown as { promise(): Promise<string> }).promise().then(() => undefined, (e: Error) => e);
        expect(String(error)).to.include('HaproxyNode "t-dup": `servers[1].name` must be unique, got "a"');
        expect(() => new HaproxyNode("t-badname", { os: "debian", connection: conn("10.77.0.21"), servers: [{ name: "a b", address: "10.77.0.11" }] })).to.throw('`servers[0].name` must start with a letter');
    });

    it("KeepalivedPair: a node's dependsOn may be a URN (how the package passes a resource from YAML); other strings are refused", async () => {
        const urn = "urn:pulumi:lab::haproxy-ha-yaml::haproxy-ha:index:HaproxyNode::lb2";
        const nodes = (dependsOn: unknown) => [
            { name: "m", connection: conn("10.77.0.21"), address: "10.77.0.21" },
            { name: "b", connection: conn("10.77.0.22"), address: "10.77.0.22", dependsOn },
        ];
        new KeepalivedPair("t-urn", { os: "debian", nodes: nodes([urn]), vip: "10.77.0.100/24", interface: "eth0" });
        const first = (await commandsOf("t-urn-b-", 4))[0];
        expect(first.name).to.equal("t-urn-b-packages");
        expect(first.dependencies).to.include(urn);
        expect(() => new KeepalivedPair("t-nourn", { os: "debian", nodes: nodes("lb2"), vip: "10.77.0.100/24", interface: "eth0" })).to.throw(
            'KeepalivedPair "t-nourn": `nodes[1].dependsOn` must be a resource (or a list of them), got "lb2"',
        );
    });

    it("every step has a delete, and replacements delete first", async () => {
        const commands = mockedResources.filter((r) => r.type === "command:remote:Command");
        expect(commands.length).to.be.greaterThan(10);
        for (const c of commands) expect(c.inputs.delete, c.name).to.be.a("string").and.match(/sh -c/);
    });

    it("KeepalivedPair: secret VRRP password on stdin only, config mode 0600, BACKUP changed before MASTER", async () => {
        const pair = new KeepalivedPair("t-pair", {
            os: "debian",
            nodes: [
                { name: "m", connection: conn("10.77.0.21"), address: "10.77.0.21" },
                { name: "b", connection: conn("10.77.0.22"), address: "10.77.0.22" },
            ],
            vip: "10.77.0.100/24",
            interface: "eth0",
        });
        const commands = await commandsOf("t-pair-", 8);
        expect(await pulumi.isSecret(pair.files)).to.equal(true);
        const files = await resolved(pair.files);
        expect(files.map((f) => f.mode)).to.deep.equal(["0600", "0600"]);
        expect(files[0].content).to.include(`auth_pass ${SECRET_PLACEHOLDER}`).and.include("state MASTER");
        expect(files[1].content).to.include("state BACKUP");
        for (const c of commands) {
            for (const field of ["create", "update", "delete"]) expect(String(c.inputs[field] ?? ""), `${c.name}.${field}`).to.not.include(SECRET_PLACEHOLDER);
        }
        const masterFirst = commands.find((c) => c.name === "t-pair-m-packages")!;
        expect(masterFirst.dependencies.map(urnName)).to.include("t-pair-b-service");
    });

    it("the stack: the private key and stats password never appear in a command line", async () => {
        const before = mockedResources.length;
        const topology = buildTopology(parseTopologyConfig(referenceConfig({ os: "debian" })), "PRIVATE-KEY-TEXT");
        await resolved(topology.url);
        await commandsOf("hk1-", 5, before);
        const commands = mockedResources.slice(before).filter((r) => r.type === "command:remote:Command");
        expect(commands.length).to.be.greaterThan(20);
        for (const c of commands) {
            const line = [c.inputs.create, c.inputs.update, c.inputs.delete].join("\n");
            expect(line).to.not.include("PRIVATE-KEY-TEXT");
            expect(line).to.not.include(SECRET_PLACEHOLDER);
        }
        const hk1 = topology.balancers[0];
        expect(await pulumi.isSecret(hk1.configText)).to.equal(true);
        expect(await pulumi.isSecret(hk1.statsPassword!)).to.equal(true);
        // The MASTER (hk1) is changed after the BACKUP (hk2); the stack program installs
        // packages ahead of that order (installBeforeDependsOn), so only the steps after them wait.
        const hk1Packages = commands.find((c) => c.name === "hk1-packages")!;
        expect(hk1Packages.dependencies.map(urnName)).to.not.include("hk2-service");
        const hk1Second = commands.find((c) => c.name.startsWith("hk1-") && c.dependencies.map(urnName).includes("hk1-packages"))!;
        expect(hk1Second.dependencies.map(urnName)).to.include("hk2-service");
        // The balancers route to the web servers only once those serve; their packages do not wait.
        const hk2Deps = commands.filter((c) => c.name.startsWith("hk2-")).map((c) => c.dependencies.map(urnName));
        expect(hk2Deps[0]).to.not.include("www1-service");
        expect(hk2Deps[1]).to.include("www1-service").and.to.include("www2-service");
        // The balancers' and the pair's packages are registered before the web servers' (the engine
        // starts steps in that order, 8 at once): their chain is the longest.
        const order = (name: string) => commands.findIndex((c) => c.name === name);
        const firstWeb = Math.min(...commands.filter((c) => c.name.startsWith("www")).map((c) => order(c.name)));
        for (const early of ["hk1-packages", "hk2-packages", "vip-hk1-packages", "vip-hk2-packages"]) expect(order(early), early).to.be.within(0, firstWeb - 1);
        // The VRID listen waits for its node's packages and firewall only; the config step for the node's HaproxyNode.
        for (const node of ["hk1", "hk2"]) {
            const listen = commands.find((c) => c.name === `vip-${node}-vrid-check`)!;
            expect(listen.dependencies.map(urnName), node).to.include(`vip-${node}-firewall`).and.not.include(node).and.not.include(`${node}-service`);
            expect(commands.find((c) => c.name === `vip-${node}-config`)!.dependencies.map(urnName), node).to.include(`${node}-service`);
        }
    });
});
