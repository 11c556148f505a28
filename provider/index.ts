/**
 * The component package's entry point: serves WebBackend, HaproxyNode and KeepalivedPair to
 * Pulumi programs in any language (YAML, Python, Go…). The schema is inferred from the args'
 * TypeScript types and their JSDoc (docs/yaml.md).
 */
import * as fs from "fs";
import * as path from "path";
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { HaproxyNode, KeepalivedPair, WebBackend } from "../components";

// The schema is inferred from this directory's tsconfig.json and package.json: run as source (a
// standard install) this file sits there; run compiled (plugin/'s launcher) in dist/provider.
const dirname = fs.existsSync(path.join(__dirname, "PulumiPlugin.yaml")) ? __dirname : path.resolve(__dirname, "../../provider");

void componentProviderHost({ name: "haproxy-ha", components: [WebBackend, HaproxyNode, KeepalivedPair], dirname });
