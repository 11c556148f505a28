/** What the component package serves, and where its schema is inferred from and cached. */
import * as fs from "fs";
import * as path from "path";
import { HaproxyNode, KeepalivedPair, WebBackend } from "../components";
import { CACHE_FILE, CachedComponentProvider, readSchemaCache } from "./schemaCache";

export const COMPONENTS = [WebBackend, HaproxyNode, KeepalivedPair];

// The schema is inferred from provider/'s tsconfig.json and package.json: run as source (a
// standard install) this file sits there; run compiled (plugin/'s launcher) in dist/provider.
export const PROVIDER_DIR = fs.existsSync(path.join(__dirname, "PulumiPlugin.yaml")) ? __dirname : path.resolve(__dirname, "../../provider");
export const REPO_ROOT = path.resolve(PROVIDER_DIR, "..");
/** Beside the compiled entry (dist/provider): a source install has none and infers on each start. */
export const CACHE_PATH = path.join(__dirname, CACHE_FILE);

/** The provider the package serves: from the build's cache when it matches the sources. */
export function packageProvider(cachePath = CACHE_PATH): CachedComponentProvider {
    return new CachedComponentProvider(COMPONENTS, PROVIDER_DIR, readSchemaCache(cachePath, REPO_ROOT));
}
