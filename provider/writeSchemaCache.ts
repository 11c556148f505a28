/**
 * `npm run build`'s last step: infers the component package's schema once and writes it beside
 * the compiled entry (schemaCache.ts), so that no start of the package has to.
 */
import * as fs from "fs";
import { CACHE_PATH, COMPONENTS, PROVIDER_DIR, REPO_ROOT } from "./componentPackage";
import { inferSchema } from "./schemaCache";

async function write(): Promise<void> {
    const started = Date.now();
    const cache = await inferSchema(COMPONENTS, PROVIDER_DIR, REPO_ROOT);
    const tmp = `${CACHE_PATH}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(cache));
    fs.renameSync(tmp, CACHE_PATH);
    console.log(`schema: inferred in ${((Date.now() - started) / 1000).toFixed(1)} s, written to ${CACHE_PATH}`);
}

write().catch((e) => {
    console.error(`schema: inference failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
});
