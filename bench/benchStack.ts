/** The benchmarks' stack on the lab: HTTP and HTTPS front ends on the VIP, one backend of web1 and web2, a throwaway CA. */
import { freshLab, LabInfo, labConfig, pulumiOk, selectStack, setCertificates, vipHolders, waitFor, writeStackFile } from "../lab/lab";
import { throwawayCa } from "../lab/certs";
import { installLoadGenerator, putOnClient } from "../lab/load";

/** The CA certificate in the client host (vegeta's `-root-certs`). */
export const CLIENT_CA = "/var/tmp/haproxy-ha-load/ca.crt";

/** A throwaway CA (lab/certs.ts) and two leaf certificates for app.example (the second one is the rotation). */
export function makeCerts(): { ca: string; leaves: string[] } {
    const ca = throwawayCa("haproxy-ha bench CA");
    const leaves = ["first", "rotated"].map((org) => ca.leaf("app.example", org));
    ca.remove();
    return { ca: ca.ca, leaves };
}

export interface State {
    balance: string;
    cert: number;
    /** web1's `servers[].state` (the drain event); ready when unset. */
    web1?: "ready" | "drain";
    /** lb1's `balancers[].state` (the maint event); ready when unset. */
    lb1?: "ready" | "maint";
    /** The acme-renewal event: app.example's certificate from this ACME directory instead of the throwaway CA. */
    acme?: { directory: string; renewBeforeDays: number };
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
        ...(s.lb1
            ? {
                  balancers: [
                      { name: "lb1", host: info.hosts.lb1.address, priority: 100, state: s.lb1 },
                      { name: "lb2", host: info.hosts.lb2.address, priority: 90 },
                  ],
              }
            : {}),
        ...(s.acme ? { certificates: [{ name: "app", acme: { directory: s.acme.directory, email: "ops@example.com", domains: ["app.example"], renewBeforeDays: s.acme.renewBeforeDays } }] } : {}),
    });
}

/** Writes the stack file and sets the certificate as a secret, its PEM on stdin. */
export function configure(info: LabInfo, s: State, leaves: string[]): void {
    writeStackFile(stack(info, s));
    // With ACME the certificate is the engine's (no PEM to set).
    if (!s.acme) setCertificates(info, { app: leaves[s.cert] });
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
