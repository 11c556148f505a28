/**
 * A real ACME server in the lab: Debian's `pebble` (Let's Encrypt's test CA) and its DNS
 * (`pebble-challtestsrv`, answering every name with the VIP), both in the control namespace and
 * listening on its address only. Pebble makes its own root at start (fetched from its management
 * port) and validates HTTP-01 for real against the VIP on port 80.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { inControl, LAB_STATE, LabInfo, waitFor } from "./lab";

export interface Pebble {
    /** The ACME directory URL. */
    directory: string;
    /** The CA file of pebble's own HTTPS listener: the engine's NODE_EXTRA_CA_CERTS. */
    listenerCa: string;
    /** Pebble's issuing root (PEM file), for clients checking the issued certificates. */
    rootFile: string;
    /** The log files. */
    logs: string[];
    /** Stops the CA only (its DNS stays): the ACME server is down. */
    stopCa(): void;
    stop(): void;
}

const DIR = path.join(LAB_STATE, "acme");

function spawnLogged(info: LabInfo, argv: string[], log: string, env: Record<string, string> = {}): ChildProcess {
    const fd = fs.openSync(log, "a");
    // `ip netns exec` execs the command: the child's PID is pebble's own, stopped by that PID.
    const child = spawn("ip", ["netns", "exec", info.ctlNamespace, ...argv], { stdio: ["ignore", fd, fd], env: { ...process.env, ...env } });
    fs.closeSync(fd);
    return child;
}

export async function startPebble(info: LabInfo, vip: string): Promise<Pebble> {
    fs.mkdirSync(DIR, { recursive: true });
    const ctl = info.ctlAddress.split("/")[0];
    const key = path.join(DIR, "listener.key");
    const cert = path.join(DIR, "listener.crt");
    const gen = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=lab pebble", "-addext", `subjectAltName=IP:${ctl}`], { encoding: "utf8" });
    if (gen.status !== 0) throw new Error(`openssl (pebble's listener certificate) failed: ${gen.stderr}`);
    const config = path.join(DIR, "pebble.json");
    fs.writeFileSync(
        config,
        JSON.stringify({
            pebble: {
                listenAddress: `${ctl}:14000`,
                managementListenAddress: `${ctl}:15000`,
                certificate: cert,
                privateKey: key,
                // HTTP-01 asks port 80 of the name, as a public CA does: the VIP's frontend.
                httpPort: 80,
                tlsPort: 443,
                ocspResponderURL: "",
                externalAccountBindingRequired: false,
            },
        }),
    );
    const logs = [path.join(DIR, "challtestsrv.log"), path.join(DIR, "pebble.log")];
    const dns = spawnLogged(info, ["pebble-challtestsrv", "-defaultIPv4", vip, "-defaultIPv6", "", "-dns01", `${ctl}:8053`, "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", `${ctl}:8055`], logs[0]);
    // The real challenge (no PEBBLE_VA_ALWAYS_VALID), no validation sleep, no nonce rejections, no authorization reuse (each renewal proves again).
    const pebble = spawnLogged(info, ["pebble", "-config", config, "-dnsserver", `${ctl}:8053`], logs[1], { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" });
    const end = (p: ChildProcess) => {
        if (p.exitCode === null && p.signalCode === null && p.pid) process.kill(p.pid, "SIGTERM");
    };
    const stopCa = () => end(pebble);
    const stop = () => [pebble, dns].forEach(end);
    try {
        const directory = `https://${ctl}:14000/dir`;
        await waitFor("pebble's directory", () => inControl(info, ["curl", "-sf", "--cacert", cert, directory], { timeoutMs: 10_000 }).code === 0, 30_000, 500);
        const root = inControl(info, ["curl", "-sf", "--cacert", cert, `https://${ctl}:15000/roots/0`], { timeoutMs: 10_000 });
        if (root.code !== 0 || !root.stdout.includes("BEGIN CERTIFICATE")) throw new Error(`pebble's root: ${root.stderr}`);
        const rootFile = path.join(DIR, "root.pem");
        fs.writeFileSync(rootFile, root.stdout);
        return { directory, listenerCa: cert, rootFile, logs, stopCa, stop };
    } catch (e) {
        stop();
        throw e;
    }
}
