import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CACHE_PATH, COMPONENTS, packageProvider, PROVIDER_DIR, REPO_ROOT } from "../../provider/componentPackage";
import { CachedComponentProvider, inferSchema, readSchemaCache, SchemaCache, sourceHash } from "../../provider/schemaCache";
import { setRenderMocks } from "../../scripts/renderStack";
import { resolved } from "./helpers";

setRenderMocks();

/** A tree with the files the inference reads, to change one at a time. */
function scratchTree(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-schema-hash-"));
    fs.mkdirSync(path.join(root, "components/model"), { recursive: true });
    fs.mkdirSync(path.join(root, "provider"));
    fs.writeFileSync(path.join(root, "components/index.ts"), "export interface A { /** one */ a: string }\n");
    fs.writeFileSync(path.join(root, "provider/index.ts"), "import '../components';\n");
    fs.writeFileSync(path.join(root, "provider/package.json"), '{"name":"x"}\n');
    fs.writeFileSync(path.join(root, "tsconfig.json"), "{}\n");
    fs.writeFileSync(path.join(root, "package-lock.json"), '{"lockfileVersion":3}\n');
    return root;
}

describe("component package schema cache (provider/schemaCache.ts)", function () {
    // The fresh inference type-checks the components' source: seconds.
    this.timeout(120000);
    let fresh: SchemaCache;

    before(async () => {
        fresh = await inferSchema(COMPONENTS, PROVIDER_DIR, REPO_ROOT);
    });

    it("npm run build wrote the schema and definitions a fresh inference gives, for these sources", () => {
        expect(fs.existsSync(CACHE_PATH), `${CACHE_PATH} is missing: npm run build writes it`).to.equal(true);
        const cache = readSchemaCache(CACHE_PATH, REPO_ROOT);
        expect(cache, "the build's cache does not match the sources (stale)").to.not.equal(undefined);
        expect(JSON.parse(cache!.schema)).to.deep.equal(JSON.parse(fresh.schema));
        expect(cache!.components).to.deep.equal(fresh.components);
        expect(Object.keys(cache!.components).sort()).to.deep.equal(["HaproxyNode", "KeepalivedPair", "WebBackend"]);
    });

    it("the package serves the cache, and infers when the cache is missing or stale", async () => {
        const served = packageProvider();
        expect(served.source).to.equal("cache");
        expect(await served.getSchema()).to.equal(fresh.schema);

        expect(packageProvider(path.join(os.tmpdir(), "no-such-schema-cache.json")).source).to.equal("inference");
        const stale = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-stale-")), "schema-cache.json");
        fs.writeFileSync(stale, JSON.stringify({ ...fresh, hash: "0".repeat(64), schema: "{}" }));
        const inferring = packageProvider(stale);
        expect(inferring.source).to.equal("inference");
        expect(JSON.parse(await inferring.getSchema())).to.deep.equal(JSON.parse(fresh.schema));
    });

    it("any change to what the inference reads changes the hash: a component's JSDoc, a new file, the provider, the lockfile, the compiler options", () => {
        const root = scratchTree();
        const seen = new Set([sourceHash(root)]);
        const change = (file: string, text: string) => {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), text);
            const h = sourceHash(root);
            expect(seen.has(h), `hash unchanged after writing ${file}`).to.equal(false);
            seen.add(h);
        };
        change("components/index.ts", "export interface A { /** two */ a: string }\n");
        change("components/model/b.ts", "export type B = number;\n");
        change("provider/index.ts", "import '../components'; // x\n");
        change("provider/package.json", '{"name":"x","version":"1.0.0"}\n');
        change("package-lock.json", '{"lockfileVersion":3,"packages":{}}\n');
        change("tsconfig.json", '{"compilerOptions":{}}\n');
        // A stale cache is refused.
        const file = path.join(root, "cache.json");
        fs.writeFileSync(file, JSON.stringify({ hash: [...seen][0], schema: "{}", components: {} }));
        expect(readSchemaCache(file, root)).to.equal(undefined);
        fs.writeFileSync(file, JSON.stringify({ hash: sourceHash(root), schema: "{}", components: {} }));
        expect(readSchemaCache(file, root)).to.not.equal(undefined);
        fs.writeFileSync(file, "{ not json");
        expect(readSchemaCache(file, root)).to.equal(undefined);
    });

    it("construct from the cache builds the component and returns the outputs its definition lists", async () => {
        const provider = new CachedComponentProvider(COMPONENTS, PROVIDER_DIR, fresh);
        const r = await provider.construct("cache-web", "haproxy-ha:index:WebBackend", { os: "debian", connection: { host: "10.77.0.11", user: "root" } }, {});
        expect(Object.keys(r.state).sort()).to.deep.equal(Object.keys(fresh.components.WebBackend.outputs).sort());
        expect(await resolved(r.state.url as pulumi.Output<string>)).to.equal("http://10.77.0.11:80/");
        expect(await resolved(pulumi.output(r.urn))).to.match(/haproxy-ha:index:WebBackend::cache-web$/);
    });

    it("construct refuses another package's token or an unknown component, naming it", async () => {
        const provider = new CachedComponentProvider(COMPONENTS, PROVIDER_DIR, fresh);
        for (const [type, message] of [
            ["other:index:WebBackend", /other:index:WebBackend/],
            ["haproxy-ha:index:Nginx", /Nginx/],
            ["haproxy-ha:mod:WebBackend", /haproxy-ha:mod:WebBackend/],
        ] as const) {
            let error: unknown;
            try {
                await provider.construct("x", type, {}, {});
            } catch (e) {
                error = e;
            }
            expect(String(error), type).to.match(message);
        }
    });
});
