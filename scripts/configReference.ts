/**
 * `npm run config-reference`: prints the README's configuration reference table, generated from
 * the stack-config key table; `-- --pulumi-yaml` prints Pulumi.yaml's `config:` block instead.
 */
import * as yaml from "js-yaml";
import { pulumiConfigDeclarations, renderConfigReference } from "../components/stackConfig";

if (process.argv.includes("--pulumi-yaml")) {
    process.stdout.write(yaml.dump({ config: pulumiConfigDeclarations() }, { lineWidth: 200 }));
} else {
    process.stdout.write(renderConfigReference());
}
