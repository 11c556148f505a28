import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockedResource, mockedResources } from "../../scripts/renderStack";

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

/** A throwaway CA and leaf certificates made with openssl at test time: `pems[host]` is chain + key. */
export function makeCertificates(hosts: string[]): { dir: string; caFile: string; pems: Record<string, string> } {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { execFileSync } = require("child_process") as typeof import("child_process");
    const os = require("os") as typeof import("os");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-certs-"));
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=haproxy-ha test CA");
    const pems: Record<string, string> = {};
    for (const host of hosts) {
        fs.writeFileSync(path.join(dir, `${host}.ext`), `subjectAltName=DNS:${host}\n`);
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${host}.key`, "-out", `${host}.csr`, "-subj", `/CN=${host}`);
        ssl("x509", "-req", "-in", `${host}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${host}.crt`, "-days", "2", "-extfile", `${host}.ext`);
        pems[host] = [`${host}.crt`, "ca.crt", `${host}.key`].map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("");
    }
    return { dir, caFile: path.join(dir, "ca.crt"), pems };
}

/**
 * Waits until the mocks have seen `count` commands whose names start with `prefix`, among those
 * registered from index `since` on (earlier test files may have registered the same names).
 */
export async function commandsOf(prefix: string, count: number, since = 0): Promise<MockedResource[]> {
    const seen = () => mockedResources.slice(since).filter((r) => r.type === "command:remote:Command" && r.name.startsWith(prefix));
    for (let i = 0; i < 300; i++) {
        const found = seen();
        if (found.length >= count) return found;
        await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`expected ${count} commands named ${prefix}*, saw ${seen().map((r) => r.name).join(", ") || "none"}`);
}
