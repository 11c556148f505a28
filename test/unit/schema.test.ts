import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "./helpers";

const TOOLS_DIR = process.env.HAPROXY_HA_TOOLS ?? "/var/cache/haproxy-ha/tools";
const LAUNCHER = path.join(REPO_ROOT, "plugin/pulumi-resource-haproxy-ha");
const TOKEN = (name: string) => `haproxy-ha:index:${name}`;

/** Each component, its args interface, the inputs it cannot do without, and its outputs that carry secrets. */
const COMPONENTS = [
    { name: "WebBackend", args: "WebBackendArgs", required: ["connection"], secretOutputs: [] as string[] },
    { name: "HaproxyNode", args: "HaproxyNodeArgs", required: ["connection"], secretOutputs: ["statsPassword"] },
    // keepalived.conf holds the VRRP password: the rendered files are a secret Output.
    { name: "KeepalivedPair", args: "KeepalivedPairArgs", required: ["nodes"], secretOutputs: ["files"] },
];

interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    plain?: boolean;
    description?: string;
}
interface Schema {
    resources: Record<string, { isComponent?: boolean; inputProperties: Record<string, SchemaProperty>; requiredInputs?: string[]; properties: Record<string, SchemaProperty> }>;
    types: Record<string, { properties: Record<string, SchemaProperty>; required?: string[] }>;
}

/** The named type a property refers to (directly or as array items), if it is one of this package's. */
function refName(p: SchemaProperty): string | undefined {
    const ref = p.$ref ?? p.items?.$ref;
    return ref?.startsWith("#/types/") ? ref.slice("#/types/haproxy-ha:index:".length) : undefined;
}

/**
 * Property names (inherited ones included) of every interface the args are built from: those
 * declared in components/ and the command provider's connection types, by interface name.
 */
function tsInterfaces(): Map<string, string[]> {
    const program = ts.createProgram([path.join(REPO_ROOT, "components/index.ts")], { strict: true, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, skipLibCheck: true, noEmit: true });
    const checker = program.getTypeChecker();
    const found = new Map<string, string[]>();
    const sources = [path.join(REPO_ROOT, "components/"), path.join(REPO_ROOT, "node_modules/@pulumi/command/types/input.d.ts")];
    const visit = (node: ts.Node) => {
        if (ts.isInterfaceDeclaration(node)) found.set(node.name.text, checker.getPropertiesOfType(checker.getTypeAtLocation(node.name)).map((s) => s.name).sort());
        else if (ts.isModuleDeclaration(node) || ts.isModuleBlock(node)) node.forEachChild(visit);
    };
    for (const file of program.getSourceFiles()) if (sources.some((s) => file.fileName.startsWith(s))) file.forEachChild(visit);
    return found;
}

/**
 * The schema `pulumi package get-schema` infers from the package (provider/, through plugin/'s
 * launcher and the compiled dist/provider), checked against the TypeScript args it comes from.
 */
describe("component package schema", function () {
    this.timeout(180_000);
    let schema: Schema;

    before(function () {
        if (!fs.existsSync(path.join(TOOLS_DIR, "bin/pulumi"))) {
            console.log(`      skipped: no Pulumi engine in ${TOOLS_DIR} (run \`npm run tools\`)`);
            this.skip();
        }
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-schema-"));
        const r = spawnSync("bash", [path.join(REPO_ROOT, "scripts/with-tools.sh"), "pulumi", "package", "get-schema", LAUNCHER], {
            cwd: work,
            encoding: "utf8",
            env: { ...process.env, PULUMI_BACKEND_URL: `file://${work}`, PULUMI_CONFIG_PASSPHRASE: "" },
            maxBuffer: 64 << 20,
        });
        fs.rmSync(work, { recursive: true, force: true });
        expect(r.status, `pulumi package get-schema failed:\n${r.stderr}`).to.equal(0);
        schema = JSON.parse(r.stdout);
    });

    it("has exactly the three components, under their type tokens", () => {
        expect(Object.keys(schema.resources).sort()).to.deep.equal(COMPONENTS.map((c) => TOKEN(c.name)).sort());
        for (const c of COMPONENTS) expect(schema.resources[TOKEN(c.name)].isComponent, c.name).to.equal(true);
    });

    for (const c of COMPONENTS) {
        it(`${c.name}: requires ${c.required.join(", ")} and nothing else`, () => {
            expect(schema.resources[TOKEN(c.name)].requiredInputs ?? []).to.deep.equal(c.required);
        });
    }

    it("carries the outputs that hold secrets (statsPassword, the keepalived files)", () => {
        // 3.248's inference has no secret marker: these arrive as secret Outputs at run time
        // (test/lab/yaml.test.ts sees `statsPassword` as [secret] in the stack's outputs).
        for (const c of COMPONENTS) for (const o of c.secretOutputs) expect(schema.resources[TOKEN(c.name)].properties, `${c.name}.${o}`).to.have.property(o);
    });

    it("drops no arg: every property of every args interface reached from the components is in the schema", () => {
        const interfaces = tsInterfaces();
        const seen = new Set<string>();
        const compare = (tsName: string, where: string, props: Record<string, SchemaProperty>) => {
            const expected = interfaces.get(tsName);
            expect(expected, `${tsName} is an interface in components/`).to.be.an("array");
            expect(Object.keys(props).sort(), `${where} (${tsName})`).to.deep.equal(expected);
            for (const [key, prop] of Object.entries(props)) {
                const nested = refName(prop);
                if (nested === undefined || seen.has(nested)) continue;
                seen.add(nested);
                expect(schema.types[TOKEN(nested)], `type ${nested} of ${where}.${key}`).to.not.equal(undefined);
                compare(nested, `${where}.${key}`, schema.types[TOKEN(nested)].properties);
            }
        };
        for (const c of COMPONENTS) compare(c.args, c.name, schema.resources[TOKEN(c.name)].inputProperties);
        // Nested args reached: frontends/backends, servers, stats, the VRRP instances and nodes, ...
        expect([...seen]).to.include.members(["HaproxyServerArgs", "HaproxyFrontendArgs", "HaproxyBackendArgs", "HaproxyStatsArgs", "KeepalivedNodeArgs", "VrrpInstanceArgs", "ConnectionArgs"]);
    });

    it("types values another resource may feed as Inputs, and the ones that decide the steps as plain values", () => {
        const server = schema.types[TOKEN("HaproxyServerArgs")];
        expect(server.required).to.deep.equal(["address", "name"]);
        expect(server.properties.name.plain, "servers[].name").to.not.equal(true);
        expect(server.properties.address.plain, "servers[].address").to.not.equal(true);
        const node = schema.resources[TOKEN("HaproxyNode")].inputProperties;
        expect(node.bindAddress.plain, "bindAddress").to.not.equal(true);
        for (const plain of ["os", "mode", "balance", "port"]) expect(node[plain].plain, plain).to.equal(true);
        expect(node.os.type).to.equal("string");
        expect(schema.resources[TOKEN("KeepalivedPair")].inputProperties.vrrpVersion.type).to.equal("number");
    });

    it("from a YAML program, a bad arg is refused at preview naming the component, the field and the value", () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-yaml-badarg-"));
        fs.writeFileSync(
            path.join(work, "Pulumi.yaml"),
            `name: haproxy-ha-badarg
runtime: yaml
packages:
  haproxy-ha: ${path.join(REPO_ROOT, "plugin")}
resources:
  lb:
    type: haproxy-ha:index:HaproxyNode
    properties:
      connection: { host: 10.9.0.4 }
      servers: [{ name: web1, address: 10.9.0.1 }]
      balance: fastest
`,
        );
        const env = { ...process.env, PULUMI_BACKEND_URL: `file://${work}`, PULUMI_CONFIG_PASSPHRASE: "" };
        const run = (...args: string[]) => spawnSync("bash", [path.join(REPO_ROOT, "scripts/with-tools.sh"), "pulumi", ...args, "--non-interactive", "--color", "never"], { cwd: work, encoding: "utf8", env });
        try {
            const init = run("stack", "select", "--create", "badarg");
            expect(init.status, init.stderr).to.equal(0);
            const preview = run("preview", "--stack", "badarg");
            expect(preview.status).to.not.equal(0);
            expect(preview.stdout + preview.stderr).to.include('HaproxyNode "lb": `balance` must be one of roundrobin, static-rr, leastconn, first, source, uri, got "fastest"');
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });

    it("documents the args from their JSDoc", () => {
        const node = schema.resources[TOKEN("HaproxyNode")].inputProperties;
        expect(node.os.description).to.match(/`centos7`.*`ubuntu`/s);
        expect(node.balance.description).to.match(/leastconn/);
        expect(schema.types[TOKEN("HaproxyServerArgs")].properties.name.description).to.match(/backendName/);
        expect(schema.types[TOKEN("ConnectionArgs")].properties.hostKey.description ?? "").to.not.equal("");
    });
});
