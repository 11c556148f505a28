/**
 * Builds a stack's components from Pulumi.<stack>.yaml under Pulumi's mocks, without the
 * Pulumi CLI and without touching any host, and collects every file and script per node.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_PLACEHOLDER } from "../components/certificates";
import { acmeDryRunOutputs } from "../components/acme/dryRun";
import { buildTopology, decodeConfigText, parseTopologyConfig, RenderedFile, RenderedScript, selectProjectKeys } from "../components";

/** What secrets look like in a dry run: values live only in the encrypted stack config. */
export { SECRET_PLACEHOLDER };

export interface RenderedStack {
    files: RenderedFile[];
    scripts: RenderedScript[];
}

/**
 * Reads every `haproxy-ha:` key of a stack file (a misspelt namespace refused), as the program
 * would get them, so parseTopologyConfig refuses unknown keys here too; `secure:` values become
 * placeholders.
 */
export function readStackConfig(stackFile: string): Record<string, unknown> {
    const doc = yaml.load(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | undefined;
    const all = Object.fromEntries(Object.entries(doc?.config ?? {}).map(([key, value]) => [key, redactSecure(value)]));
    // Pulumi rewrites a stack file's top-level numbers and booleans as text ("77"): decode them as the program does.
    return Object.fromEntries(Object.entries(selectProjectKeys(all)).map(([name, v]) => [name, typeof v === "string" ? decodeConfigText(name, v) : v]));
}

function redactSecure(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redactSecure);
    if (typeof value === "object" && value !== null) {
        const entries = Object.entries(value);
        if (entries.length === 1 && entries[0][0] === "secure") return SECRET_PLACEHOLDER;
        return Object.fromEntries(entries.map(([k, v]) => [k, redactSecure(v)]));
    }
    return value;
}

let mocksSet = false;

export interface MockedResource extends pulumi.runtime.MockResourceArgs {
    /** URNs of the resources it waits for (dependsOn). */
    dependencies: string[];
}

/** Every resource registered under the mocks, in order (tests inspect them). */
export const mockedResources: MockedResource[] = [];
const dependenciesByName = new Map<string, string[]>();

/** Mocks: every resource echoes its inputs; generated passwords are placeholders. */
export function setRenderMocks(): void {
    if (mocksSet) return;
    mocksSet = true;
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                mockedResources.push({ ...args, dependencies: dependenciesByName.get(`${args.type}::${args.name}`) ?? [] });
                return {
                    id: `${args.name}-id`,
                    state: args.type.startsWith("random:")
                        ? { ...args.inputs, result: SECRET_PLACEHOLDER }
                        : // A step that never ran printed nothing: configs rendered from the packages step's report (a family, `auto`) fall back to the oldest release's versions.
                          (acmeDryRunOutputs(args.type, args.inputs) ?? (args.type === "command:remote:Command" ? { ...args.inputs, stdout: "", stderr: "" } : args.inputs)),
                };
            },
            call: (args) => args.inputs,
        },
        "haproxy-ha",
        "render",
        // A preview: nothing may reach a host (the SSH banner probe, for one, stays quiet).
        true,
    );
    recordDependencies((type, name, dependencies) => dependenciesByName.set(`${type}::${name}`, dependencies));
}

/**
 * Pulumi's mocks do not show a resource's dependencies, so this wraps the mock monitor's
 * `registerResource` to see each request's dependency URNs. It relies on an SDK internal:
 * `pulumi.runtime.getMonitor()` returning the MockMonitor whose `registerResource(req, cb)`
 * receives the gRPC RegisterResourceRequest (`getType`, `getName`, `getDependenciesList`), as in
 * @pulumi/pulumi 3.248 (runtime/mocks.ts). If that changes, the ordering tests fail loudly.
 */
function recordDependencies(record: (type: string, name: string, dependencies: string[]) => void): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: { getType(): string; getName(): string; getDependenciesList(): string[] }, cb: unknown): unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        record(req.getType(), req.getName(), req.getDependenciesList());
        return register(req, cb);
    };
}

function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

export async function renderStack(raw: Record<string, unknown>): Promise<RenderedStack> {
    setRenderMocks();
    const topology = buildTopology(parseTopologyConfig(raw), pulumi.secret("<private key>"));
    const components = [...topology.webs, ...topology.balancers, ...(topology.pair ? [topology.pair] : [])];
    const files = (await Promise.all(components.map((c) => resolved(c.files)))).flat();
    return { files, scripts: components.flatMap((c) => c.scripts) };
}

/** Writes `<outdir>/<node>/<absolute path>` per file and `<outdir>/<node>/scripts/<component>-<step>.<action>.sh`. */
export function writeRendered(outdir: string, rendered: RenderedStack): string[] {
    const written: string[] = [];
    const write = (file: string, content: string, mode: number) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content, { mode });
        written.push(path.relative(outdir, file));
    };
    for (const f of rendered.files) write(path.join(outdir, f.node, f.path), f.content, 0o600);
    for (const s of rendered.scripts) {
        const base = path.join(outdir, s.node, "scripts", `${s.component}-${s.step}`);
        write(`${base}.create.sh`, s.create, 0o700);
        if (s.update !== undefined) write(`${base}.update.sh`, s.update, 0o700);
        write(`${base}.delete.sh`, s.delete, 0o700);
    }
    return written.sort();
}
