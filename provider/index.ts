/**
 * The component package's entry point: serves WebBackend, HaproxyNode and KeepalivedPair to
 * Pulumi programs in any language (YAML, Python, Go…). The schema is inferred from the args'
 * TypeScript types and their JSDoc (docs/yaml.md), once by `npm run build` (schemaCache.ts).
 * Exports nothing: a module exporting component classes would get a second, inferring host
 * from `run-plugin`.
 */
import { main } from "@pulumi/pulumi/provider";
import { packageProvider } from "./componentPackage";

void main(packageProvider(), process.argv.slice(2));
