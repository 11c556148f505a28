import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** The repository root (tests run from dist/test/unit). */
export const REPO_ROOT = path.resolve(__dirname, "../../..");
export const GOLDEN_DIR = path.join(REPO_ROOT, "test/unit/golden");
/** Golden files of renders the reference topology does not cover (one folder per case). */
export const CASES_GOLDEN_DIR = path.join(REPO_ROOT, "test/unit/golden-cases");

/** Compares `actual` with a golden file; UPDATE_GOLDEN=1 rewrites it on purpose. */
export function matchesGolden(name: string, actual: string, dir = GOLDEN_DIR): void {
    const file = path.join(dir, name);
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    if (!fs.existsSync(file)) throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1 once and review it`);
    const expected = fs.readFileSync(file, "utf8");
    if (actual !== expected) {
        const a = actual.split("\n");
        const e = expected.split("\n");
        const i = a.findIndex((line, n) => line !== e[n]);
        throw new Error(`${name} differs from its golden file at line ${i + 1}:\n  expected: ${e[i]}\n  actual:   ${a[i]}`);
    }
}

export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}
