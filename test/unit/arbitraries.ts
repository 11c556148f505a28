/**
 * fast-check arbitraries of valid component args, built from the public API only
 * (components/index.ts): the property tests draw HaproxyNode and KeepalivedPair args from here.
 */
import * as fc from "fast-check";
import { BALANCE_ALGORITHMS, HaproxyBackendArgs, HaproxyFrontendArgs, HaproxyHealthCheckArgs, HaproxyNodeArgs, HaproxyServerArgs, KeepalivedPairArgs, OS_CHOICES, OsChoice, VrrpInstanceArgs } from "../../components";

/** One seed for every property: a failure reproduces; fast-check prints the counterexample and its path. */
export const SEED = Number(process.env.FC_SEED ?? 202026);

/** A pinned (throwaway) host key keeps the unpinned-key warning out of the output; the private key is a plain placeholder so counterexamples print. */
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJUcMFnjKMeMC3+znC4jFO+ocdSjzuk9lGcmn0j/yPY3";
export const conn = (host: string) => ({ host, user: "root", privateKey: "k", hostKey: HOST_KEY });

/** Families whose oldest haproxy has the Prometheus exporter (2.0+) and TLS 1.3 (1.8+). */
export const HAPROXY_2 = ["el9", "al2023", "debian", "ubuntu"] as OsChoice[];
/** Families whose keepalived is 2.x (auto and centos7 may meet 1.3.5). */
export const KEEPALIVED_2 = ["el8", "el9", "al2023", "debian", "ubuntu"] as OsChoice[];

export const osChoice = fc.constantFrom(...OS_CHOICES);
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
/** Distinct names (haproxy proxy/server names, keepalived instance names). */
export const names = (min: number, max: number) => fc.uniqueArray(word, { minLength: min, maxLength: max });
const ipv4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map(([a, b]) => `10.77.${a}.${b}`);
const ipv6 = fc.integer({ min: 1, max: 0xffff }).map((n) => `fd00::${n.toString(16)}`);
export const address = fc.oneof(ipv4, ipv6);
const port = fc.integer({ min: 1, max: 8000 });
const path = fc.stringMatching(/^\/[a-z0-9._-]{0,12}$/);
const hostName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}\.example$/);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Lines every haproxy from 1.5 on accepts in the section named. */
export const RAW_LINES = {
    global: ["tune.bufsize 32768", "spread-checks 5"],
    defaults: ["option http-keep-alive", "timeout check 5s"],
    frontend: ["option http-keep-alive", "capture request header Host len 64"],
    backend: ["retries 4", "timeout check 4s"],
};
const rawLines = (section: keyof typeof RAW_LINES) => opt(fc.subarray(RAW_LINES[section], { minLength: 1 }));

export const healthCheck: fc.Arbitrary<HaproxyHealthCheckArgs | undefined> = opt(
    fc.record(
        {
            method: fc.constantFrom("GET", "HEAD", "OPTIONS"),
            path,
            host: hostName,
            expectStatus: fc.integer({ min: 200, max: 399 }),
            interMs: fc.integer({ min: 100, max: 60_000 }),
            rise: fc.integer({ min: 1, max: 10 }),
            fall: fc.integer({ min: 1, max: 10 }),
        },
        { requiredKeys: [] },
    ),
);

/** Servers with distinct names, at least one neither a backup nor out of rotation. */
export function servers(withStates: boolean): fc.Arbitrary<HaproxyServerArgs[]> {
    return names(1, 4).chain((ns) =>
        fc.tuple(
            ...ns.map((name, i) =>
                fc.record(
                    {
                        name: fc.constant(name),
                        address,
                        port,
                        weight: fc.integer({ min: 0, max: 256 }),
                        maxconn: fc.integer({ min: 1, max: 10_000 }),
                        backup: i === 0 ? fc.constant(false) : fc.boolean(),
                        state: i === 0 || !withStates ? fc.constant("ready") : fc.constantFrom("ready", "drain", "maint"),
                    },
                    { requiredKeys: ["name", "address"] },
                ),
            ),
        ),
    );
}

/** Shorthand HaproxyNode args that the component accepts (stats port kept apart from `port`). */
export const shorthandArgs: fc.Arbitrary<HaproxyNodeArgs> = fc
    .record({
        os: osChoice,
        runtimeApi: fc.boolean(),
        mode: opt(fc.constantFrom("http", "tcp")),
        port: opt(port),
        binds: fc.oneof(fc.constant({}), ipv4.map((a) => ({ bindAddress: a })), fc.uniqueArray(address, { minLength: 1, maxLength: 3 }).map((a) => ({ bindAddresses: a }))),
        frontendName: opt(word),
        backendName: opt(word),
        balance: opt(fc.constantFrom(...BALANCE_ALGORITHMS)),
        healthCheck,
        timeouts: opt(fc.record({ connectMs: fc.integer({ min: 1, max: 99_999 }), clientMs: fc.integer({ min: 1, max: 99_999 }), serverMs: fc.integer({ min: 1, max: 99_999 }) }, { requiredKeys: [] })),
        maxconn: opt(fc.integer({ min: 1, max: 100_000 })),
        stats: opt(fc.record({ port: fc.integer({ min: 8001, max: 9999 }), uri: path, user: word, password: word, adminSources: fc.subarray(["10.77.0.0/16", "fd00::/8"]) }, { requiredKeys: [] })),
        logging: opt(fc.constantFrom("devlog", "rsyslog").map((target) => ({ target }))),
        extraConfig: opt(fc.record({ global: rawLines("global"), defaults: rawLines("defaults"), frontend: rawLines("frontend"), backend: rawLines("backend") })),
        servers: fc.boolean().chain((states) => servers(states)),
    })
    .map(({ binds, runtimeApi, servers: s, ...rest }) => {
        const args: HaproxyNodeArgs = { ...rest, ...binds, servers: s, connection: conn("10.77.0.21"), address: "10.77.0.21", nodeName: "lb1" };
        // A state other than ready needs the runtime API; tcp mode has no health-check host.
        if (runtimeApi || s.some((x) => x.state !== "ready")) args.runtimeApi = true;
        if (args.healthCheck?.host !== undefined && args.mode === "tcp") args.healthCheck = { ...args.healthCheck, host: undefined };
        return args;
    });

/**
 * The collections the shorthand stands for. What makes them render the same, found by trying:
 * the frontend and backend names the shorthand defaults to (`www`, `web`), `forwardFor: false`
 * (a collection frontend forwards in http mode by default), the logging target the shorthand
 * defaults to (`devlog`; collections default to `rsyslog`), and the shorthand's
 * `extraConfig.frontend`/`.backend` moved into the entries.
 */
export function asCollections(args: HaproxyNodeArgs): HaproxyNodeArgs {
    const { servers: s, bindAddress, bindAddresses, port: p, frontendName, backendName, balance, healthCheck: hc, extraConfig, logging, ...rest } = args;
    const frontend: HaproxyFrontendArgs = {
        name: frontendName ?? "www",
        binds: (bindAddresses ?? [bindAddress ?? "*"]).map((a) => ({ address: a, port: p ?? 80 })),
        defaultBackend: backendName ?? "web",
        forwardFor: false,
        ...(extraConfig?.frontend ? { extraConfig: extraConfig.frontend } : {}),
    };
    const backend: HaproxyBackendArgs = {
        name: backendName ?? "web",
        servers: s!,
        ...(balance ? { balance } : {}),
        ...(hc ? { healthCheck: hc } : {}),
        ...(extraConfig?.backend ? { extraConfig: extraConfig.backend } : {}),
    };
    return {
        ...rest,
        frontends: [frontend],
        backends: [backend],
        logging: { target: logging?.target ?? "devlog" },
        ...(extraConfig ? { extraConfig: { global: extraConfig.global, defaults: extraConfig.defaults } } : {}),
    };
}

export type { KeepalivedPairArgs, VrrpInstanceArgs };

/** The two nodes of every pair: IPv4, in 10.77.0.0/24. */
export const pairNodes: KeepalivedPairArgs["nodes"] = [
    { name: "lb1", connection: conn("10.77.0.21"), address: "10.77.0.21" },
    { name: "lb2", connection: conn("10.77.0.22"), address: "10.77.0.22" },
];

const vrid = fc.integer({ min: 1, max: 255 });
/** Interfaces this machine has: keepalived -t refuses a config naming one it lacks. */
const iface = fc.constant("eth0");
/** Distinct priorities, or none (100 and 90 by default). */
const priorities = opt(fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { minLength: 2, maxLength: 2 }));

/** The options of a pair that are not per instance. */
const pairOptions = fc.record(
    {
        check: fc.record({ intervalS: fc.integer({ min: 1, max: 10 }), fall: fc.integer({ min: 1, max: 5 }), rise: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: [] }),
        gatewayCheck: fc.record({ address: fc.constant("10.77.0.1"), intervalS: fc.integer({ min: 1, max: 10 }), fall: fc.integer({ min: 1, max: 5 }) }, { requiredKeys: ["address"] }),
        garpMasterRefreshS: fc.integer({ min: 1, max: 3600 }),
        notify: fc.record({ master: fc.constant("#!/bin/sh\nlogger up\n"), fault: fc.constant("#!/bin/sh\nlogger fault\n") }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
);

/** One instance's VRRP settings as either form spells them; keepalived 2 families may take VRRPv3 fractions. */
const vrrpSettings = (os: OsChoice) =>
    fc
        .record(
            {
                v6: fc.boolean(),
                vrrpVersion: KEEPALIVED_2.includes(os) ? fc.constantFrom(2, 3) : fc.constant(2),
                advertInt: fc.integer({ min: 1, max: 10 }),
                fraction: fc.boolean(),
                nopreempt: fc.boolean(),
                unicast: fc.boolean(),
                trackInterfaces: fc.constant<string[]>(["lo"]),
                authPassword: fc.stringMatching(/^[a-z0-9]{1,8}$/),
            },
            { requiredKeys: ["v6", "vrrpVersion", "fraction"] },
        )
        .map(({ v6, fraction, advertInt, ...s }) => {
            // IPv6 VIPs need VRRPv3 and (IPv4 nodes) no unicast; a fraction needs VRRPv3.
            const vrrpVersion = v6 ? 3 : s.vrrpVersion;
            const out = { ...s, vrrpVersion, ...(advertInt !== undefined ? { advertInt: fraction && vrrpVersion === 3 && KEEPALIVED_2.includes(os) ? advertInt / 10 : advertInt } : {}) };
            if (v6) delete out.unicast;
            if (vrrpVersion === 3) delete out.authPassword;
            return { v6, settings: out };
        });

/** Shorthand KeepalivedPair args (one VIP) with the options every form shares. */
export const pairShorthandArgs: fc.Arbitrary<KeepalivedPairArgs> = osChoice.chain((os) =>
    fc.record({ os: fc.constant(os), vrrp: vrrpSettings(os), vrid: opt(vrid), iface, priorities, options: pairOptions }).map(({ vrrp, vrid: v, iface: i, priorities: p, options, os: o }) => ({
        os: o,
        nodes: pairNodes.map((n, k) => (p ? { ...n, priority: p[k] } : n)),
        vip: vrrp.v6 ? "fd77::100/64" : "10.77.0.100/24",
        interface: i,
        ...(v !== undefined ? { virtualRouterId: v } : {}),
        ...vrrp.settings,
        ...options,
    })),
);

/** The one instance the shorthand stands for; `name` is the instance name (the shorthand takes the pair's). */
export function asInstance(args: KeepalivedPairArgs, name: string): KeepalivedPairArgs {
    const { vip, interface: i, virtualRouterId, advertInt, nopreempt, unicast, authPassword, vrrpVersion, trackInterfaces, nodes, ...rest } = args;
    const p = nodes.map((n, k) => n.priority ?? [100, 90][k]);
    const master = p[0] > p[1] ? 0 : 1;
    const instance: VrrpInstanceArgs = {
        name,
        vips: [vip!],
        interface: i!,
        virtualRouterId: virtualRouterId ?? 51,
        master: nodes[master].name,
        masterPriority: p[master],
        backupPriority: p[1 - master],
        ...(advertInt !== undefined ? { advertInt } : {}),
        ...(nopreempt !== undefined ? { nopreempt } : {}),
        ...(unicast !== undefined ? { unicast } : {}),
        ...(authPassword !== undefined ? { authPassword } : {}),
        ...(vrrpVersion !== undefined ? { vrrpVersion } : {}),
        ...(trackInterfaces !== undefined ? { trackInterfaces } : {}),
    };
    return { ...rest, nodes: nodes.map(({ priority: _, ...n }) => n), instances: [instance] };
}

/** Families whose oldest haproxy has TLS 1.3 (1.8+). */
export const HAPROXY_TLS13 = ["el8", ...HAPROXY_2] as OsChoice[];

/**
 * Valid HaproxyNode args with `frontends`/`backends` for one OS choice: several frontends with
 * plain and TLS binds (certificates `app` and `api`, PEMs from `pems`), routes, headers, HSTS,
 * redirects, every TLS profile the family's haproxy has, stats, server states, sticky backends;
 * or a tcp node. Bind ports are distinct per frontend so no two binds overlap.
 */
export function collectionArgs(os: OsChoice, pems: Record<string, string>): fc.Arbitrary<HaproxyNodeArgs> {
    const tls13 = HAPROXY_TLS13.includes(os);
    const profiles = tls13 ? ["intermediate", "modern", "old"] : ["intermediate", "old"];
    const floors: Record<string, string[]> = { intermediate: tls13 ? ["TLSv1.2", "TLSv1.3"] : ["TLSv1.2"], modern: ["TLSv1.3"], old: ["TLSv1.0", "TLSv1.1", "TLSv1.2"] };
    return fc.record({ http: fc.boolean(), frontendCount: fc.integer({ min: 1, max: 3 }), backendNames: names(1, 3) }).chain(({ http, frontendCount, backendNames }) => {
        const backendName = fc.constantFrom(...backendNames);
        const frontend = (i: number) =>
            fc
                .record({
                    profile: fc.constantFrom(...profiles),
                    binds: fc.array(
                        fc.record({
                            address: fc.constantFrom("*", "10.77.0.100", "fd00::100"),
                            tls: http ? fc.option(fc.record({ certificates: fc.subarray(["app", "api"], { minLength: 1 }), alpn: opt(fc.boolean()), minIndex: fc.nat() }), { nil: undefined }) : fc.constant(undefined),
                        }),
                        { minLength: 1, maxLength: 2 },
                    ),
                    routes: http ? fc.array<{ hosts: string[]; pathPrefixes: string[]; backend: string }>(fc.record({ hosts: fc.uniqueArray(hostName, { maxLength: 2 }), pathPrefixes: fc.subarray(["/api/", "/static/"]), backend: backendName }), { maxLength: 2 }) : fc.constant<{ hosts: string[]; pathPrefixes: string[]; backend: string }[]>([]),
                    defaultBackend: backendName,
                    more: fc.record(
                        {
                            redirectToHttps: fc.boolean(),
                            hsts: fc.integer({ min: 1, max: 63_072_000 }).map((maxAgeS) => ({ maxAgeS })),
                            forwardFor: fc.boolean(),
                            maxconn: fc.integer({ min: 1, max: 10_000 }),
                            timeouts: fc.record({ clientMs: fc.integer({ min: 1, max: 99_999 }), httpRequestMs: fc.integer({ min: 1, max: 99_999 }), httpKeepAliveMs: fc.integer({ min: 1, max: 99_999 }) }, { requiredKeys: [] }),
                            requestHeaders: fc.constant<HaproxyFrontendArgs["requestHeaders"]>([{ action: "set", name: "X-Forwarded-Proto", value: "https" }]),
                            responseHeaders: fc.constant<HaproxyFrontendArgs["responseHeaders"]>([{ action: "delete", name: "Server" }]),
                            extraConfig: fc.subarray(RAW_LINES.frontend, { minLength: 1 }),
                        },
                        { requiredKeys: [] },
                    ),
                })
                .map(({ profile, binds, routes, defaultBackend, more }): HaproxyFrontendArgs => {
                    const hasTls = binds.some((b) => b.tls);
                    const f: HaproxyFrontendArgs = {
                        name: `fe${i}`,
                        binds: binds.map((b, j) => ({
                            address: b.address,
                            port: 8000 + 10 * i + j,
                            ...(b.tls ? { tls: { certificates: b.tls.certificates, ...(b.tls.alpn !== undefined ? { alpn: b.tls.alpn } : {}), minVersion: floors[profile][b.tls.minIndex % floors[profile].length] } } : {}),
                        })),
                        routes: routes.filter((r) => r.hosts.length + r.pathPrefixes.length > 0),
                        defaultBackend,
                        ...(http ? more : { maxconn: more.maxconn, extraConfig: more.extraConfig }),
                    };
                    if (hasTls) f.tlsProfile = profile;
                    if (!hasTls) delete f.hsts;
                    return f;
                });
        const backend = (name: string) =>
            fc.record(
                {
                    name: fc.constant(name),
                    servers: fc.boolean().chain((states) => servers(states)),
                    balance: fc.constantFrom(...BALANCE_ALGORITHMS),
                    healthCheck: http ? healthCheck.map((h) => h ?? {}) : fc.constant(undefined),
                    sticky: http ? fc.constant({ cookie: "SRV" }) : fc.constant(undefined),
                    timeouts: fc.record({ connectMs: fc.integer({ min: 1, max: 99_999 }), serverMs: fc.integer({ min: 1, max: 99_999 }), queueMs: fc.integer({ min: 1, max: 99_999 }) }, { requiredKeys: [] }),
                    extraConfig: fc.subarray(RAW_LINES.backend, { minLength: 1 }),
                },
                { requiredKeys: ["name", "servers", "balance"] },
            );
        return fc
            .record({
                frontends: fc.tuple(...Array.from({ length: frontendCount }, (_, i) => frontend(i))),
                backends: fc.tuple(...backendNames.map(backend)),
                stats: opt(
                    fc.record(
                        { port: fc.integer({ min: 9000, max: 9999 }), uri: path, user: word, password: word, adminSources: fc.subarray(["10.77.0.0/16", "fd00::/8"]), prometheus: fc.constant(HAPROXY_2.includes(os)) },
                        { requiredKeys: [] },
                    ),
                ),
                logging: opt(fc.constantFrom("devlog", "rsyslog").map((target) => ({ target }))),
                runtimeApi: fc.boolean(),
                maxconn: opt(fc.integer({ min: 1, max: 100_000 })),
                extraConfig: opt(fc.record({ global: rawLines("global"), defaults: rawLines("defaults") })),
            })
            .map(({ frontends, backends, runtimeApi, ...rest }) => {
                const used = [...new Set(frontends.flatMap((f) => f.binds.flatMap((b) => b.tls?.certificates ?? [])))];
                const args: HaproxyNodeArgs = {
                    ...rest,
                    os,
                    mode: http ? "http" : "tcp",
                    frontends,
                    backends: backends.map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)) as unknown as HaproxyBackendArgs),
                    certificates: used.map((c) => ({ name: c, pem: pems[c] })),
                    connection: conn("10.77.0.21"),
                    address: "10.77.0.21",
                    nodeName: "lb1",
                };
                if (runtimeApi || backends.some((b) => b.servers.some((s) => s.state !== "ready"))) args.runtimeApi = true;
                return args;
            });
    });
}

/**
 * Valid KeepalivedPair args with 1–3 instances (distinct router ids, IPv4 and IPv6 VIPs, unicast,
 * nopreempt, tracked interfaces) and the shared options (notify hooks, gateway check, garp).
 * VRRPv3 fractions and per-instance VRRP versions only where keepalived 2 runs (not centos7, auto).
 */
export function instancesArgs(os: OsChoice): fc.Arbitrary<KeepalivedPairArgs> {
    const k2 = KEEPALIVED_2.includes(os);
    return fc
        .record({
            firstVrid: vrid,
            instances: fc.uniqueArray(fc.record({ name: word, master: fc.constantFrom("lb1", "lb2"), vrrp: vrrpSettings(os), iface, vipCount: fc.integer({ min: 1, max: 2 }), prio: priorities }), {
                minLength: 1,
                maxLength: 3,
                selector: (i) => i.name,
            }),
            options: pairOptions,
        })
        .map(({ firstVrid, instances, options }) => {
            // keepalived 1.3.5 takes one VRRP version for every instance: the first one's.
            const version = instances[0].vrrp.v6 ? 3 : instances[0].vrrp.settings.vrrpVersion;
            const list: VrrpInstanceArgs[] = instances.map((x, i) => {
                const v6 = k2 ? x.vrrp.v6 : version === 3 && x.vrrp.v6;
                const settings = { ...x.vrrp.settings };
                if (!k2) settings.vrrpVersion = version;
                if (!v6 && settings.vrrpVersion === 3 && !k2) delete settings.authPassword;
                const p = (x.prio ?? [100, 90]).slice().sort((a, b) => b - a);
                return {
                    name: x.name,
                    vips: Array.from({ length: x.vipCount }, (_, j) => (v6 ? `fd77::${i * 10 + j + 1}/64` : `10.77.0.${100 + i * 10 + j}/24`)),
                    virtualRouterId: ((firstVrid - 1 + i) % 255) + 1,
                    interface: x.iface,
                    master: x.master,
                    masterPriority: p[0],
                    backupPriority: p[1],
                    ...settings,
                    ...(v6 ? { vrrpVersion: 3, unicast: undefined, authPassword: undefined } : {}),
                };
            });
            return { os, nodes: pairNodes, instances: list.map((x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as unknown as VrrpInstanceArgs), ...options };
        });
}
