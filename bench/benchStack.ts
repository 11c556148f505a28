/** The benchmarks' stack on the lab: HTTP and HTTPS front ends on the VIP, one backend of web1 and web2, a throwaway CA. */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freshLab, LabInfo, labConfig, pulumiEnv, pulumiOk, selectStack, vipHolders, waitFor, writeStackFile } from "../lab/lab";
import { installLoadGenerator, putOnClient } from "../lab/load";

/** The CA certificate in the client host (vegeta's `-root-certs`). */
export const CLIENT_CA = "/var/tmp/haproxy-ha-load/ca.crt";

/** A throwaway CA and two leaf certificates for app.example (the second one is the rotation). */
export function makeCerts(): { ca: string; leaves: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-bench-certs-"));
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=haproxy-ha bench CA");
    fs.writeFileSync(path.join(dir, "app.ext"), "subjectAltName=DNS:app.example\n");
    const leaves = ["first", "rotated"].map((org) => {
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${org}.key`, "-out", `${org}.csr`, "-subj", `/CN=app.example/O=${org}`);
        ssl("x509", "-req", "-in", `${org}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${org}.crt`, "-days", "30", "-extfile", "app.ext");
        return [`${org}.crt`, "ca.crt", `${org}.key`].map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("");
    });
    const ca = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
    fs.rmSync(dir, { recursive: true, force: true });
    return { ca, leaves };
}

export interface State {
    balance: string;
    cert: number;
    /** web1's `servers[].state` (the drain event); ready when unset. */
    web1?: "ready" | "drain";
}

export function stack(info: LabInfo, s: State): Record<string, unknown> {
    const vip = info.vip.split("/")[0];
    return labConfig(info, {
        frontends: [
            { name: "http", binds: [{ address: vip, port: 80 }], defaultBackend: "pool" },
            { name: "https", binds: [{ address: vip, port: 443, tls: { certificates: ["app"] } }], defaultBackend: "pool" },
        ],
        backends: [
            {
                name: "pool",
                balance: s.balance,
                servers: [
                    { name: "web1", address: info.hosts.web1.address, ...(s.web1 ? { state: s.web1 } : {}) },
                    { name: "web2", address: info.hosts.web2.address },
                ],
            },
        ],
        runtimeApi: true,
    });
}

/** Writes the stack file and sets the certificate as a secret, its PEM on stdin. */
export function configure(info: LabInfo, s: State, leaves: string[]): void {
    writeStackFile(stack(info, s));
    for (const [key, value, secret] of [["haproxy-ha:certificates[0].name", "app", false], ["haproxy-ha:certificates[0].pem", leaves[s.cert], true]] as const) {
        const r = spawnSync("ip", ["netns", "exec", info.ctlNamespace, "pulumi", "config", "set", "--path", ...(secret ? ["--secret"] : []), key, "--stack", "lab", "--non-interactive"], {
            env: pulumiEnv(),
            input: value,
            encoding: "utf8",
            cwd: path.resolve(__dirname, "../.."),
        });
        if (r.status !== 0) throw new Error(`pulumi config set ${key} failed: ${r.stderr}`);
    }
}

/** vegeta targets through the VIP: plain HTTP, and HTTPS for app.example (verified against the CA). */
export function vipTargets(info: LabInfo): Record<"http" | "https", { url: string; flags: string[] }> {
    const vip = info.vip.split("/")[0];
    return {
        http: { url: `http://${vip}/`, flags: [] },
        https: { url: "https://app.example/", flags: [`-root-certs=${CLIENT_CA}`, `-connect-to=app.example:443:${vip}:443`] },
    };
}

/** A fresh lab with the load generator in the client and the benchmark stack applied (`state`). */
export async function benchLab(state: State, leaves: string[], ca: string): Promise<LabInfo> {
    const info = freshLab();
    installLoadGenerator();
    putOnClient(CLIENT_CA, ca);
    writeStackFile(stack(info, state));
    await selectStack();
    configure(info, state, leaves);
    await pulumiOk(["up", "--yes", "--skip-preview"]);
    await waitFor("the VIP on lb1", () => vipHolders(info).join() === "lb1", 30_000);
    return info;
}
