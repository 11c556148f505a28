/**
 * The component package's schema, inferred once by `npm run build` instead of on every start.
 *
 * The SDK's ComponentProvider derives the schema (and the component definitions `construct`
 * needs) by type-checking provider/ and the components' source with TypeScript's compiler: 5–10 s
 * of CPU on every start of the package, and the engine starts it on every run, a no-op included
 * (docs/benchmarks.md, "The YAML program"). The build writes the result beside the compiled
 * entry, keyed by a hash of everything the inference reads; a start whose sources hash the same
 * serves it without loading TypeScript at all, any other start infers as the SDK does.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Inputs } from "@pulumi/pulumi";
import type { ComponentResource, ComponentResourceOptions } from "@pulumi/pulumi/resource";
import type { ConstructResult, Provider } from "@pulumi/pulumi/provider";
import type { ComponentProvider, ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";

export const PACKAGE_NAME = "haproxy-ha";
/** Written by `npm run build` (provider/writeSchemaCache.ts) beside the compiled entry. */
export const CACHE_FILE = "schema-cache.json";

export interface SchemaCache {
    /** sourceHash() of the tree the schema was inferred from. */
    hash: string;
    /** The schema as the SDK serves it (a JSON string). */
    schema: string;
    /** The SDK's component definitions, by component name: `construct` reads their outputs. */
    components: Record<string, { outputs: Record<string, unknown> }>;
}

/** What the inference reads, relative to the repository root: the entry, the components, the compiler options and every dependency's version. */
function inferenceInputs(root: string): string[] {
    const files: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const r = path.join(rel, e.name);
            if (e.isDirectory()) walk(r);
            else if (e.name.endsWith(".ts")) files.push(r);
        }
    };
    walk("components");
    for (const f of fs.readdirSync(path.join(root, "provider"))) if (/\.(ts|json|yaml)$/.test(f)) files.push(path.join("provider", f));
    files.push("tsconfig.json", "package-lock.json");
    return files.sort();
}

/** A hash of every file the inference reads: a changed arg, JSDoc line or dependency makes the cache stale. */
export function sourceHash(root: string): string {
    const h = crypto.createHash("sha256");
    for (const f of inferenceInputs(root)) {
        h.update(`${f}\0`);
        h.update(fs.existsSync(path.join(root, f)) ? fs.readFileSync(path.join(root, f)) : "(absent)");
        h.update("\0");
    }
    return h.digest("hex");
}

/** The cache at `file` if it was inferred from this tree, else undefined (missing, unreadable or stale). */
export function readSchemaCache(file: string, root: string): SchemaCache | undefined {
    let cache: SchemaCache;
    try {
        cache = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        return undefined;
    }
    if (typeof cache?.hash !== "string" || typeof cache.schema !== "string" || typeof cache.components !== "object") return undefined;
    return cache.hash === sourceHash(root) ? cache : undefined;
}

/** The SDK's provider, which infers the schema: loaded only when needed, as it loads TypeScript's compiler. */
export function inferringProvider(components: ComponentResourceConstructor[], providerDir: string): ComponentProvider {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental") as typeof import("@pulumi/pulumi/provider/experimental");
    return new ComponentProvider({ name: PACKAGE_NAME, components, dirname: providerDir });
}

/** Infers the schema as the SDK does, and returns it with the definitions `construct` uses. */
export async function inferSchema(components: ComponentResourceConstructor[], providerDir: string, root: string): Promise<SchemaCache> {
    const hash = sourceHash(root);
    const provider = inferringProvider(components, providerDir);
    const schema = await provider.getSchema();
    // The SDK keeps the definitions in a private field that getSchema() fills.
    const definitions = (provider as unknown as { componentDefinitions: SchemaCache["components"] }).componentDefinitions;
    if (!definitions) throw new Error("the SDK's ComponentProvider kept no component definitions: its private field changed name");
    return { hash, schema, components: definitions };
}

/**
 * The package's provider: the SDK's ComponentProvider behaviour, served from the build's cache
 * when the sources are the ones it was inferred from, and from the SDK's inference otherwise.
 */
export class CachedComponentProvider implements Provider {
    readonly version: string;
    private readonly byName: Record<string, ComponentResourceConstructor>;
    private inferring?: ComponentProvider;
    /** Where the schema came from: for the tests and the benchmark. */
    readonly source: "cache" | "inference";

    constructor(
        private readonly components: ComponentResourceConstructor[],
        private readonly providerDir: string,
        private readonly cache: SchemaCache | undefined,
    ) {
        this.version = (JSON.parse(fs.readFileSync(path.join(providerDir, "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0";
        this.byName = Object.fromEntries(components.map((c) => [c.name, c]));
        this.source = cache ? "cache" : "inference";
    }

    private sdk(): ComponentProvider {
        this.inferring ??= inferringProvider(this.components, this.providerDir);
        return this.inferring;
    }

    async getSchema(): Promise<string> {
        return this.cache ? this.cache.schema : this.sdk().getSchema();
    }

    async construct(name: string, type: string, inputs: Inputs, options: ComponentResourceOptions): Promise<ConstructResult> {
        if (!this.cache) return this.sdk().construct(name, type, inputs, options);
        // As the SDK's construct: a token `haproxy-ha:index:Name`, the outputs its definition lists.
        const [pkg, mod, componentName, ...rest] = type.split(":");
        if (pkg !== PACKAGE_NAME || (mod !== "index" && mod !== "") || !componentName || rest.length > 0) {
            throw new Error(`Invalid resource type ${type}: expected ${PACKAGE_NAME}:index:<component>`);
        }
        const constructor = this.byName[componentName];
        const definition = this.cache.components[componentName];
        if (!constructor || !definition) throw new Error(`Component class not found for '${componentName}'`);
        const instance = new constructor(name, inputs, options) as ComponentResource & Record<string, unknown>;
        const state: Record<string, unknown> = {};
        for (const key of Object.keys(definition.outputs)) state[key] = instance[key];
        return { urn: instance.urn, state };
    }
}
