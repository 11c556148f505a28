import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, KeepalivedPair, parseTopologyConfig, WebBackend } from "../../components";
import { mockedResources, setRenderMocks } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";

setRenderMocks();

const commandsRegistered = () => mockedResources.filter((r) => r.type === "command:remote:Command").length;
const conn = { host: "10.77.0.21", user: "root", privateKey: pulumi.secret("k") };

/** Each row: a bad stack config and the message that must name the key and the value. */
const STACK_ROWS: [string, Record<string, unknown>, RegExp][] = [
    ["a malformed web host IP", { webs: [{ name: "www1", host: "172.20.30.300" }] }, /`haproxy-ha:webs\[0\]\.host` must be an IPv4 or IPv6 address or a DNS name \(RFC 1123.*got "172\.20\.30\.300"/],
    ["a VIP without prefix", { vip: "172.20.30.69" }, /`haproxy-ha:vip` must be an address with its prefix length.*got "172\.20\.30\.69"/],
    ["a VIP with prefix /33", { vip: "172.20.30.69/33" }, /`haproxy-ha:vip`.*got "172\.20\.30\.69\/33"/],
    ["a VIP outside the nodes' subnet", { vip: "10.9.9.9/24" }, /`haproxy-ha:vip` must lie in the subnet of `haproxy-ha:balancers\[0\]\.host` \(172\.20\.30\.25\).*got "10\.9\.9\.9\/24"/],
    ["a VIP equal to a node address", { vip: "172.20.30.26/24" }, /`haproxy-ha:vip` must differ from `haproxy-ha:balancers\[1\]\.host` \(172\.20\.30\.26\).*got "172\.20\.30\.26\/24"/],
    ["virtual_router_id 0", { virtualRouterId: 0 }, /`haproxy-ha:virtualRouterId` must be an integer from 1 to 255, got 0/],
    ["virtual_router_id 256", { virtualRouterId: 256 }, /`haproxy-ha:virtualRouterId` must be an integer from 1 to 255, got 256/],
    ["equal priorities", { balancers: [{ name: "hk1", host: "172.20.30.25", priority: 100 }, { name: "hk2", host: "172.20.30.26", priority: 100 }] }, /`haproxy-ha:balancers\[1\]\.priority` must differ from `haproxy-ha:balancers\[0\]\.priority`.*got 100/],
    ["priority 255", { balancers: [{ name: "hk1", host: "172.20.30.25", priority: 255 }, { name: "hk2", host: "172.20.30.26" }] }, /`haproxy-ha:balancers\[0\]\.priority` must be an integer from 1 to 254, got 255/],
    ["priority 0", { balancers: [{ name: "hk1", host: "172.20.30.25", priority: 0 }, { name: "hk2", host: "172.20.30.26" }] }, /`haproxy-ha:balancers\[0\]\.priority` must be an integer from 1 to 254, got 0/],
    ["port 0", { port: 0 }, /`haproxy-ha:port` must be an integer from 1 to 65535, got 0/],
    ["port 65536", { webs: [{ name: "www1", host: "172.20.30.15", port: 65536 }] }, /`haproxy-ha:webs\[0\]\.port` must be an integer from 1 to 65535, got 65536/],
    ["an empty backend name", { webs: [{ name: "", host: "172.20.30.15" }] }, /`haproxy-ha:webs\[0\]\.name` must start with a letter.*got ""/],
    ["duplicate backend names", { webs: [{ name: "www1", host: "172.20.30.15" }, { name: "www1", host: "172.20.30.16" }] }, /`haproxy-ha:webs\[1\]\.name` must be unique, got "www1"/],
    ["a name with a space", { webs: [{ name: "www 1", host: "172.20.30.15" }] }, /`haproxy-ha:webs\[0\]\.name`.*got "www 1"/],
    ["a name with a command substitution", { balancers: [{ name: "$(touch /tmp/pwned)", host: "172.20.30.25" }, { name: "hk2", host: "172.20.30.26" }] }, /`haproxy-ha:balancers\[0\]\.name`.*got "\$\(touch \/tmp\/pwned\)"/],
    // One balancer runs without keepalived: the pair's keys typed beside it are what is refused.
    ["one balancer with a VIP", { balancers: [{ name: "hk1", host: "172.20.30.25" }] }, /`haproxy-ha:vip` configures the keepalived pair, and one balancer has none.*got "172\.20\.30\.69\/24"/],
    ["three balancers", { balancers: [{ name: "a", host: "172.20.30.25" }, { name: "b", host: "172.20.30.26" }, { name: "c", host: "172.20.30.27" }] }, /`haproxy-ha:balancers` must be a list of 1 to 2 entries/],
    ["an unknown server state", { runtimeApi: true, webs: [{ name: "www1", host: "172.20.30.15", state: "draining" }, { name: "www2", host: "172.20.30.16" }] }, /`haproxy-ha:webs\[0\]\.state` must be one of ready, drain, maint, got "draining"/],
    ["a drained web without the runtime API", { webs: [{ name: "www1", host: "172.20.30.15", state: "drain" }, { name: "www2", host: "172.20.30.16" }] }, /`haproxy-ha:webs\[0\]\.state` needs `haproxy-ha:runtimeApi: true`.*got "drain"/],
    ["every web drained or in maintenance", { runtimeApi: true, webs: [{ name: "www1", host: "172.20.30.15", state: "drain" }, { name: "www2", host: "172.20.30.16", state: "maint" }] }, /`haproxy-ha:webs` would take every server out of rotation.*got \["www1: drain","www2: maint"\]/],
    ["an unknown os", { os: "windows" }, /`haproxy-ha:os` must be one of auto, centos7, el8, el9, al2023, debian, ubuntu, debian11, debian12, debian13, ubuntu2004, ubuntu2204, ubuntu2404, got "windows"/],
    ["an unknown balance algorithm", { balance: "fastest" }, /`haproxy-ha:balance` must be one of roundrobin, .*got "fastest"/],
    ["an interface with a shell command", { interface: "eth0;reboot" }, /`haproxy-ha:interface` must be a network interface name.*got "eth0;reboot"/],
    ["an SSH user with backticks", { ssh: { user: "`id`", privateKeyPath: "/k" } }, /`haproxy-ha:ssh\.user`.*got "`id`"/],
    ["no SSH key", { ssh: { user: "root" } }, /`haproxy-ha:ssh` needs `privateKeyPath` or a secret `privateKey`/],
    ["a raw directive with a newline", { extraBackend: ["timeout check 5s\nglobal"] }, /`haproxy-ha:extraBackend\[0\]` must be one line of text.*got "timeout check 5s\\nglobal"/],
    ["a blank pinned host key", { ssh: { privateKeyPath: "/k", hostKeys: { "172.20.30.15": " " } } }, /`haproxy-ha:ssh\.hostKeys\.172\.20\.30\.15` must be an ssh-ed25519, ecdsa.*got " "/],
    ["a DSA host key", { ssh: { privateKeyPath: "/k", hostKeys: { "172.20.30.26": "ssh-dss AAAAB3NzaC1kc3M=" } } }, /`haproxy-ha:ssh\.hostKeys\.172\.20\.30\.26` must be an ssh-ed25519.*got "ssh-dss/],
    ["a host key whose blob is not of its type", { ssh: { privateKeyPath: "/k", hostKeys: { "172.20.30.25": "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" } } }, /`haproxy-ha:ssh\.hostKeys\.172\.20\.30\.25` must carry a valid base64 ssh-rsa key/],
    ["a fractional advert_int with VRRPv2", { advertInt: 0.5 }, /`haproxy-ha:advertInt` may be a fraction only with `haproxy-ha:vrrpVersion: 3`.*got 0\.5/],
];

describe("bad input is refused before any host is touched", () => {
    for (const [what, overrides, message] of STACK_ROWS) {
        it(`refuses ${what}`, async () => {
            const before = commandsRegistered();
            const { buildTopology } = await import("../../components");
            expect(() => buildTopology(parseTopologyConfig(referenceConfig(overrides)), "key")).to.throw(message);
            // Give any stray registration a chance to arrive.
            await new Promise((r) => setTimeout(r, 20));
            expect(commandsRegistered(), "a remote command was created").to.equal(before);
        });
    }

    it("refuses a web server with a malformed address (component)", () => {
        expect(() => new WebBackend("bad-web", { connection: conn, address: "10.1.1" })).to.throw(/WebBackend "bad-web": `address` must be an IPv4 or IPv6 address or a DNS name \(RFC 1123.*got "10\.1\.1"/);
    });

    it("refuses a mangled pinned host key in a component's connection, naming the field", () => {
        expect(() => new WebBackend("bad-hk", { connection: { ...conn, hostKey: "ssh-ed25519 not-base64!" } })).to.throw(/WebBackend "bad-hk": `connection\.hostKey` must carry a valid base64 ssh-ed25519 key/);
    });

    it("refuses a backup-only server list (component)", () => {
        expect(() => new HaproxyNode("bad-lb", { connection: conn, servers: [{ name: "a", address: "10.77.0.11", backup: true }] })).to.throw(/`servers` needs at least one server that is not a backup/);
    });

    it("refuses a health-check path with a space (component)", () => {
        expect(() => new HaproxyNode("bad-lb2", { connection: conn, servers: [{ name: "a", address: "10.77.0.11" }], healthCheck: { path: "/ x" } })).to.throw(/`healthCheck\.path`.*got "\/ x"/);
        // haproxy ≥ 1.6 would read the quote as the start of a quoted string.
        expect(() => new HaproxyNode("bad-lb3", { connection: conn, servers: [{ name: "a", address: "10.77.0.11" }], healthCheck: { path: "/it's" } })).to.throw(/`healthCheck\.path`.*%27.*got "\/it's"/);
    });

    it("refuses a stats port equal to the frontend port (component)", () => {
        expect(() => new HaproxyNode("bad-lb3", { connection: conn, servers: [{ name: "a", address: "10.77.0.11" }], stats: { port: 80 } })).to.throw(/`stats\.port` must differ from `port`, got 80/);
    });

    it("refuses a weight above 256 (component)", () => {
        expect(() => new HaproxyNode("bad-lb4", { connection: conn, servers: [{ name: "a", address: "10.77.0.11", weight: 300 }] })).to.throw(/`servers\[0\]\.weight` must be an integer from 0 to 256, got 300/);
    });

    const servers = [{ name: "a", address: "10.77.0.11" }];
    const BIND_ROWS: [string, Record<string, unknown>, RegExp][] = [
        ["`bindAddresses` beside `bindAddress`", { bindAddress: "10.77.0.100", bindAddresses: ["10.77.0.101"] }, /`bindAddresses` replaces `bindAddress`: set one of them, got \["10\.77\.0\.101"\]/],
        ["an empty `bindAddresses`", { bindAddresses: [] }, /`bindAddresses` must list at least one address, got \[\]/],
        ["a bad address in `bindAddresses`", { bindAddresses: ["10.77.0.100", "10.77.0.300"] }, /`bindAddresses\[1\]` must be an IPv4 or IPv6 address, got "10\.77\.0\.300"/],
        ["`*` in `bindAddresses` (one bind on every address is `bindAddress`'s default)", { bindAddresses: ["*"] }, /`bindAddresses\[0\]` must be an IPv4 or IPv6 address, got "\*"/],
    ];
    BIND_ROWS.forEach(([what, args, message], i) => {
        it(`refuses ${what} (component)`, () => {
            expect(() => new HaproxyNode(`bad-bind${i}`, { connection: conn, servers, ...args })).to.throw(message);
        });
    });

    it("refuses a VRRP password longer than 8 characters when it becomes known", async () => {
        const pair = new KeepalivedPair("bad-pair", {
            nodes: [
                { name: "a", connection: conn, address: "10.77.0.21" },
                { name: "b", connection: conn, address: "10.77.0.22" },
            ],
            vip: "10.77.0.100/24",
            interface: "eth0",
            authPassword: "123456789",
        });
        const error = await new Promise<Error | undefined>((resolve) => {
            pair.files.apply(() => resolve(undefined));
            process.once("unhandledRejection", (e) => resolve(e as Error));
            setTimeout(() => resolve(new Error("timeout")), 2000);
        });
        expect(String(error)).to.match(/`authPassword` must be 1-8 characters/);
        expect(String(error)).to.not.include("123456789");
    });
});
