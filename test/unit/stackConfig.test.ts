import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, DEFAULTS } from "../../components";
import { ArgumentErrors } from "../../components/model/problems";
import {
    defaultOf,
    flattenedKeys,
    nearestName,
    parseTopologyConfig,
    ParseOptions,
    pulumiConfigDeclarations,
    pulumiTypeOf,
    readProgramStackConfig,
    renderConfigReference,
    selectProjectKeys,
    STACK_CONFIG_KEYS,
    StackConfigKey,
} from "../../components/stackConfig";
import { setRenderMocks } from "../../scripts/renderStack";
import { ACTIVE_ACTIVE, MINIMAL, referenceConfig } from "./fixtures";
import { REPO_ROOT } from "./helpers";

setRenderMocks();

/** The error parseTopologyConfig throws for `raw`; fails the test when it throws none or another kind. */
function parseError(raw: Record<string, unknown>, options?: ParseOptions): ArgumentError {
    try {
        parseTopologyConfig(raw, options);
    } catch (e) {
        expect(e, String(e)).to.be.instanceOf(ArgumentError);
        return e as ArgumentError;
    }
    throw new Error(`accepted ${JSON.stringify(raw)}`);
}

/** The path of a README name (`webs[].port`) in a config, list members taken from entry 0. */
function pathOf(name: string): (string | number)[] {
    return name.split(".").flatMap((part) => (part.endsWith("[]") ? [part.slice(0, -2), 0] : [part]));
}

function valueAt(value: unknown, at: (string | number)[]): unknown {
    return at.reduce<unknown>((v, part) => (v as Record<string | number, unknown> | undefined)?.[part], value);
}

function withValueAt(config: Record<string, unknown>, at: (string | number)[], value: unknown): Record<string, unknown> {
    const copy = structuredClone(config);
    let parent = copy as Record<string | number, unknown>;
    for (const part of at.slice(0, -1)) parent = (parent[part] ??= {}) as Record<string | number, unknown>;
    parent[at[at.length - 1]] = value;
    return copy;
}

/** `haproxy-ha:webs[0].port`, as an error names it. */
function stackKey(at: (string | number)[]): string {
    return "haproxy-ha:" + at.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");


/** A TLS frontend whose certificate is ACME's, on a family whose haproxy answers HTTP-01: a certificate member's refusal comes alone. */
const ACME_TLS = {
    os: "debian",
    frontends: [
        { name: "http", binds: [{ address: "172.20.30.69", port: 80 }], redirectToHttps: true },
        { name: "https", binds: [{ address: "172.20.30.69", port: 443, tls: { certificates: ["site"] } }], defaultBackend: "app" },
    ],
    backends: [{ name: "app", servers: [{ name: "www1", address: "172.20.30.15" }] }],
    certificates: [{ name: "site", acme: { directory: "https://acme.example/directory", domains: ["app.example"] } }],
};

/** A valid `haproxy-ha:instances` entry for the reference topology. */
const INSTANCE = { name: "a", vips: ["172.20.30.69/24"], virtualRouterId: 61, master: "hk1" };
/** A valid entry of each optional list, for a member's wrong value to go into. */
/** Instances a and b with one master: a sync group's members must move together. */
const SAME_MASTER = { ...ACTIVE_ACTIVE, instances: ACTIVE_ACTIVE.instances.map((i) => ({ ...i, master: "hk1" })) };
const VALID_ENTRIES: Record<string, Record<string, unknown>> = {
    instances: INSTANCE,
    trackScripts: { name: "x", command: "/bin/true" },
    trackFiles: { name: "f", path: "/run/f" },
    trackProcesses: { name: "p", process: "haproxy" },
    syncGroups: { name: "g", instances: ["a", "b"] },
    certificates: ACME_TLS.certificates[0],
};

describe("stack config: unknown keys are refused with the nearest known key", () => {
    const ROWS: [string, Record<string, unknown>, string][] = [
        ["a key in the wrong case", { vrrpversion: 3 }, "`haproxy-ha:vrrpversion` is unknown (did you mean `haproxy-ha:vrrpVersion`?), got 3"],
        ["a key in another case", { VirtualRouterID: 52 }, "`haproxy-ha:VirtualRouterID` is unknown (did you mean `haproxy-ha:virtualRouterId`?), got 52"],
        ["a snake_case key", { advert_int: 2 }, "`haproxy-ha:advert_int` is unknown (did you mean `haproxy-ha:advertInt`?), got 2"],
        ["a singular list key", { balancer: [] }, "`haproxy-ha:balancer` is unknown (did you mean `haproxy-ha:balancers`?), got []"],
        ["a key with a typo", { intreface: "eth1" }, '`haproxy-ha:intreface` is unknown (did you mean `haproxy-ha:interface`?), got "eth1"'],
        ["an SSH field typed as a key", { user: "admin" }, '`haproxy-ha:user` is unknown (did you mean `haproxy-ha:ssh.user`?), got "admin"'],
        ["a key nothing resembles", { colour: "blue" }, '`haproxy-ha:colour` is unknown (known keys: os, ssh, webs, balancers, vip, instances, interface, virtualRouterId, port, balance, stats, frontends, backends, certificates, maps, sections, peers, userlists, logging, nameservers, runtimeApi, unicast, nopreempt, advertInt, vrrpVersion, haproxyCheck, preemptDelayS, trackScripts, trackFiles, trackProcesses, syncGroups, garp, notify, gatewayCheck, extraBackend, packages, repositories, become, centos7Vault, reapply, stepTimeoutS), got "blue"'],
        ["a misspelt SSH field", { ssh: { user: "root", privateKeyPath: "/k", prot: 2222 } }, "`haproxy-ha:ssh.prot` is unknown (did you mean `haproxy-ha:ssh.port`?), got 2222"],
        ["a misspelt web field", { webs: [{ name: "www1", host: "172.20.30.15" }, { name: "www2", hots: "172.20.30.16" }] }, '`haproxy-ha:webs[1].hots` is unknown (did you mean `haproxy-ha:webs[1].host`?), got "172.20.30.16"'],
        ["a misspelt balancer field", { balancers: [{ name: "hk1", host: "172.20.30.25", priorty: 100 }, { name: "hk2", host: "172.20.30.26" }] }, "`haproxy-ha:balancers[0].priorty` is unknown (did you mean `haproxy-ha:balancers[0].priority`?), got 100"],
        ["a misspelt check field", { haproxyCheck: { interval: 5 } }, "`haproxy-ha:haproxyCheck.interval` is unknown (did you mean `haproxy-ha:haproxyCheck.intervalS`?), got 5"],
        ["an unknown check field", { haproxyCheck: { timeout: 5 } }, "`haproxy-ha:haproxyCheck.timeout` is unknown (known fields: intervalS, fall, rise), got 5"],
    ];
    for (const [what, overrides, message] of ROWS) {
        it(`refuses ${what}`, () => {
            expect(parseError(referenceConfig(overrides)).message).to.equal(`stack config: ${message}`);
        });
    }

    it("reports an unknown key before a wrong value elsewhere (a misspelling often explains the rest)", () => {
        expect(parseError(referenceConfig({ port: 0, ssh: { privateKeyPath: "/k", prot: 22 } })).field).to.equal("haproxy-ha:ssh.prot");
    });

    const NEAREST: [string, string[], string | undefined][] = [
        ["prot", ["user", "port"], "port"],
        ["VRRPVERSION", ["vrrpVersion"], "vrrpVersion"],
        ["centos7-vault", ["centos7Vault"], "centos7Vault"],
        ["x", ["os", "ssh"], undefined],
        ["balance", ["balance", "balancers"], "balance"],
        ["stat", ["stats", "port"], "stats"],
    ];
    for (const [typed, known, expected] of NEAREST) {
        it(`takes ${typed} for ${expected ?? "nothing known"}`, () => {
            expect(nearestName(typed, known)).to.equal(expected);
        });
    }
});

describe("stack config: a value of the wrong type names the key and the value", () => {
    /** A value of another JSON type than the key's. */
    function wrongValue(key: StackConfigKey): unknown {
        switch (pulumiTypeOf(key)?.type ?? "number") {
            case "string":
                return 12345;
            case "integer":
                return "12";
            case "number":
                return "fast";
            case "boolean":
                return "yes";
            case "array":
                return "www1";
            default:
                return key.fields ? 7 : ["not", "a", "map"];
        }
    }
    for (const { name, key } of flattenedKeys()) {
        it(`\`${name}\``, () => {
            const at = pathOf(name);
            const value = wrongValue(key);
            // A member of an optional list goes into an otherwise valid entry of it.
            const entry = at.length > 1 ? VALID_ENTRIES[String(at[0])] : undefined;
            // The rest of the config valid for the components too: their problems would come in the same error.
            const around = at[0] === "instances" ? ACTIVE_ACTIVE : at[0] === "syncGroups" ? SAME_MASTER : at[0] === "certificates" ? ACME_TLS : {};
            const base = entry ? referenceConfig({ ...around, [at[0]]: [{ ...entry }] }) : referenceConfig();
            const error = parseError(withValueAt(base, at, value));
            // Text where a list or object with a secret member belongs may be that secret.
            const hidden = key.secret || (typeof value === "string" && key.fields?.some((f) => f.secret));
            const shown = hidden ? JSON.stringify("<hidden>") : JSON.stringify(value);
            // The decoder's problem comes first; the components' (what the default in its place leads to) may follow.
            const first = error instanceof ArgumentErrors ? new ArgumentError("stack config", error.problems[0].field, error.problems[0].rule, error.problems[0].value).message : error.message;
            expect(first).to.match(new RegExp(`^stack config: \`${escaped(stackKey(at))}\` must .*, got ${escaped(shown)}$`));
        });
    }
});

describe("stack config: defaults", () => {
    const parsed = parseTopologyConfig(structuredClone(MINIMAL));

    // Optional keys the minimal config leaves unset (it names `ssh.privateKeyPath`, one of two ways to give a key).
    // Members of a list the minimal config leaves unset have no entry to fill (see the instances' defaults below).
    const inUnsetList = (name: string) => name.includes("[]") && valueAt(MINIMAL, [name.split("[]")[0]]) === undefined;
    for (const { name, key } of flattenedKeys().filter(({ name, key }) => !key.required && !inUnsetList(name) && valueAt(MINIMAL, pathOf(name)) === undefined)) {
        it(`\`${name}\` is ${JSON.stringify(defaultOf(key)) ?? "unset"} when nothing is set`, () => {
            if (key.defaultByPosition) {
                const list = valueAt(parsed, [pathOf(name)[0]]) as Record<string, unknown>[];
                expect(list.map((entry) => entry[key.name])).to.deep.equal(key.defaultByPosition.slice(0, list.length));
            } else {
                expect(valueAt(parsed, pathOf(name))).to.deep.equal(defaultOf(key));
            }
        });
    }

    it("come from DEFAULTS", () => {
        const byName = new Map(flattenedKeys().map(({ name, key }) => [name, defaultOf(key)]));
        expect(byName.get("virtualRouterId")).to.equal(DEFAULTS.keepalivedPair.virtualRouterId);
        expect(byName.get("ssh.perDialTimeout")).to.equal(DEFAULTS.ssh.perDialTimeout);
        expect(byName.get("balancers[].priority")).to.equal(DEFAULTS.keepalivedPair.priorities);
        expect(byName.get("haproxyCheck")).to.deep.equal(DEFAULTS.keepalivedPair.haproxyCheck);
    });

    it("are frozen, and a parsed config does not share them", () => {
        expect(Object.isFrozen(DEFAULTS.keepalivedPair.haproxyCheck)).to.equal(true);
        const cfg = parseTopologyConfig(structuredClone(MINIMAL));
        cfg.extraBackend?.push("timeout check 5s");
        cfg.haproxyCheck.fall = 9;
        expect(parseTopologyConfig(structuredClone(MINIMAL)).extraBackend).to.deep.equal([]);
        expect(DEFAULTS.keepalivedPair.haproxyCheck.fall).to.equal(2);
    });

    it("fill the members of a partly given object", () => {
        expect(parseTopologyConfig({ ...structuredClone(MINIMAL), haproxyCheck: { intervalS: 5 } }).haproxyCheck).to.deep.equal({ intervalS: 5, fall: 2, rise: 2 });
    });

    it("keep what the user set", () => {
        const cfg = parseTopologyConfig(referenceConfig({ advertInt: 0.2, vrrpVersion: 3, balancers: [{ name: "hk1", host: "172.20.30.25", priority: 50 }, { name: "hk2", host: "172.20.30.26" }] }));
        expect([cfg.advertInt, cfg.vrrpVersion, cfg.balancers[0].priority, cfg.balancers[1].priority]).to.deep.equal([0.2, 3, 50, 90]);
    });
});

describe("stack config: secrets never appear in an error", () => {
    const SECRET = "SECRET-KEY-TEXT-42";
    const ROWS: [string, Record<string, unknown>, ParseOptions, string][] = [
        ["a secret given in plaintext", { ssh: { privateKey: SECRET } }, { secretKeys: [] }, "haproxy-ha:ssh.privateKey"],
        ["a private key of the wrong type", { ssh: { privateKey: [SECRET] } }, {}, "haproxy-ha:ssh.privateKey"],
        ["a private key in place of the ssh object", { ssh: SECRET }, {}, "haproxy-ha:ssh"],
        ["a private key as a top-level key", { privateKey: SECRET }, {}, "haproxy-ha:privateKey"],
        ["a misspelt private key", { ssh: { privatekey: SECRET } }, {}, "haproxy-ha:ssh.privatekey"],
        ["a private key beside a wrong port", { ssh: { privateKey: SECRET, port: "x" } }, { secretKeys: ["haproxy-ha:ssh"] }, "haproxy-ha:ssh.port"],
        ["a private key beside an unknown field", { ssh: { privateKey: SECRET, prot: 22 } }, { secretKeys: ["haproxy-ha:ssh"] }, "haproxy-ha:ssh.prot"],
        ["a secret scalar key", { vip: SECRET }, { secretKeys: ["haproxy-ha:vip"] }, "haproxy-ha:vip"],
        ["a secret list with a bad entry", { webs: [{ name: "www1", host: `${SECRET} ` }] }, { secretKeys: ["haproxy-ha:webs"] }, "haproxy-ha:webs[0].host"],
        ["a secret list that is too long", { webs: Array.from({ length: 65 }, (_, i) => ({ name: `w${i}`, host: "172.20.30.15", content: SECRET })) }, { secretKeys: ["haproxy-ha:webs"] }, "haproxy-ha:webs"],
    ];
    for (const [what, overrides, options, field] of ROWS) {
        it(`hides ${what}`, () => {
            const error = parseError(referenceConfig(overrides), options);
            expect(error.field).to.equal(field);
            expect(error.message).to.not.include(SECRET);
            expect(JSON.stringify(error.value)).to.not.include(SECRET);
        });
    }

    it("accepts a private key the stack holds as a secret", () => {
        const cfg = parseTopologyConfig(referenceConfig({ ssh: { privateKey: SECRET } }), { secretKeys: ["haproxy-ha:ssh"] });
        expect(cfg.ssh.privateKey).to.equal(SECRET);
    });

    it("hides the value of a key in a misspelt namespace that holds a private key", () => {
        expect(() => selectProjectKeys({ "haproxy_ha:ssh": { privateKey: SECRET } })).to.throw(ArgumentError, /`haproxy_ha:ssh` is in namespace `haproxy_ha` \(did you mean `haproxy-ha:ssh`\?\), got \{"privateKey":"<hidden>"\}/);
    });
});

describe("stack config: the program reads every key the stack holds", () => {
    let saved: Record<string, string>;
    before(() => {
        saved = pulumi.runtime.allConfig();
    });
    after(() => pulumi.runtime.setAllConfig(saved));

    it("decodes Pulumi's text by the key's type and reports the secret keys", () => {
        pulumi.runtime.setAllConfig(
            {
                "haproxy-ha:vrrpVersion": "3",
                "haproxy-ha:advertInt": "0.2",
                "haproxy-ha:stats": "true",
                "haproxy-ha:interface": "1",
                "haproxy-ha:ssh": JSON.stringify({ user: "root", privateKey: "k" }),
                "haproxy-ha:vrrpversion": "3",
                "command:someSetting": "x",
            },
            ["haproxy-ha:ssh"],
        );
        const { raw, secretKeys } = readProgramStackConfig();
        expect(raw).to.deep.equal({ vrrpVersion: 3, advertInt: 0.2, stats: true, interface: "1", ssh: { user: "root", privateKey: "k" }, vrrpversion: 3 });
        expect(secretKeys).to.deep.equal(["haproxy-ha:ssh"]);
    });

    for (const [what, config, message] of [
        ["an unknown key", { "haproxy-ha:vrrpversion": "3" }, /`haproxy-ha:vrrpversion` is unknown \(did you mean `haproxy-ha:vrrpVersion`\?\), got 3/],
        ["a key in a misspelt namespace", { "haproxy_ha:vip": "172.20.30.69/24" }, /`haproxy_ha:vip` is in namespace `haproxy_ha` \(did you mean `haproxy-ha:vip`\?\)/],
    ] as const) {
        it(`index.ts refuses ${what} before it creates anything`, () => {
            const stack: Record<string, string> = {};
            for (const [key, value] of Object.entries(referenceConfig())) stack[`haproxy-ha:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
            pulumi.runtime.setAllConfig({ ...stack, ...config });
            // A module that throws while loading is not cached: each row runs the program anew.
            expect(() => require("../../index")).to.throw(ArgumentError, message);
        });
    }

    it("the dry run refuses an unknown key too", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-render-unknown-"));
        const stack = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8").replace("haproxy-ha:stats: true", "haproxy-ha:stats: true\n  haproxy-ha:vrrpversion: 3");
        fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), stack);
        const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "dist/scripts/render.js"), "bad", path.join(dir, "out")], { cwd: dir, encoding: "utf8" });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.include("`haproxy-ha:vrrpversion` is unknown (did you mean `haproxy-ha:vrrpVersion`?), got 3");
        expect(fs.existsSync(path.join(dir, "out"))).to.equal(false);
    });
});

/** The markdown table rows between a section's heading and the next heading. */
function readmeTable(readme: string, heading: string): string {
    const start = readme.indexOf(`\n${heading}\n`);
    expect(start, `README.md has no "${heading}" section`).to.be.greaterThan(-1);
    const rest = readme.slice(start + heading.length + 2);
    const next = rest.search(/^#{1,6} /m);
    const section = next < 0 ? rest : rest.slice(0, next);
    return section
        .split("\n")
        .filter((line) => line.startsWith("|"))
        .map((line) => `${line}\n`)
        .join("");
}

describe("stack config: the README and Pulumi.yaml agree with the key table", () => {
    const HEADING = "## Configuration reference (stack config, namespace `haproxy-ha`)";
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

    it("README.md's configuration reference is the table's (npm run config-reference prints it)", () => {
        expect(readmeTable(readme, HEADING)).to.equal(renderConfigReference());
    });

    it("the README comparison notices a changed row", () => {
        const drifted = readme.replace("| `virtualRouterId` | integer 1–255 | 51 |", "| `virtualRouterId` | integer 1–255 | 52 |");
        expect(drifted).to.not.equal(readme);
        expect(readmeTable(drifted, HEADING)).to.not.equal(renderConfigReference());
    });

    it("the reference has a row for every key and member", () => {
        const rows = renderConfigReference().trim().split("\n").slice(2);
        expect(rows.map((row) => row.split(" | ")[0].slice(3, -1))).to.deep.equal(flattenedKeys().map((k) => k.name));
        expect(rows.length).to.be.greaterThan(STACK_CONFIG_KEYS.length);
    });

    const project = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { config?: Record<string, Record<string, unknown>> };

    it("Pulumi.yaml declares the table's required keys with their types and descriptions", () => {
        expect(project.config).to.deep.equal(pulumiConfigDeclarations());
    });

    it("Pulumi.yaml declares no default and no optional key (a declared key without a default is required)", () => {
        const optional = new Set(STACK_CONFIG_KEYS.filter((k) => !k.required).map((k) => `haproxy-ha:${k.name}`));
        for (const [key, declaration] of Object.entries(project.config ?? {})) {
            expect(declaration, key).to.not.have.any.keys("default", "value");
            expect(optional.has(key), `${key} is optional`).to.equal(false);
        }
        expect(Object.keys(project.config ?? {})).to.have.members(STACK_CONFIG_KEYS.filter((k) => k.required).map((k) => `haproxy-ha:${k.name}`));
    });

    it("Pulumi has no type for advertInt (integer would refuse 0.2)", () => {
        expect(pulumiTypeOf(STACK_CONFIG_KEYS.find((k) => k.name === "advertInt") as StackConfigKey)).to.equal(undefined);
    });
});
