/**
 * A fixed-rate HTTPS client for the lab (`node dist/lab/httpsLoad.js`, run in the control
 * namespace), as a browser behaves: persistent connections (at most 32), the server's chain
 * verified against a CA file with SNI, and a GET whose reused connection the server had just
 * closed (haproxy's old workers close idle keep-alive connections after a reload) sent again
 * once on a new connection, as browsers and curl do (RFC 9112 §9.3.1); those are counted apart.
 * A new worker's connections show the new certificate. SIGTERM ends it; it then prints one JSON
 * line: requests sent, answered 2xx/3xx, failed (by kind), retried, and the leaf serials served.
 */
import * as fs from "fs";
import * as https from "https";
import { spawn } from "child_process";
import { LabInfo, REPO_ROOT } from "./lab";

export interface HttpsLoadSummary {
    sent: number;
    ok: number;
    failed: number;
    errors: Record<string, number>;
    /** Requests sent again after their reused connection was found closed (not failures: nothing was answered). */
    retried: number;
    /** Leaf serial → requests answered with it. */
    serials: Record<string, number>;
    seconds: number;
}

/** Starts the client in the lab's control namespace; `stop()` ends it and returns its summary. */
export function startHttpsLoad(info: LabInfo, opts: { address: string; servername: string; caFile: string; rate: number }): { stop(): Promise<HttpsLoadSummary> } {
    const child = spawn("ip", ["netns", "exec", info.ctlNamespace, process.execPath, `${REPO_ROOT}/dist/lab/httpsLoad.js`, opts.address, opts.servername, opts.caFile, String(opts.rate)], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const done = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    return {
        async stop() {
            child.kill("SIGTERM");
            const code = await done;
            const line = out.trim().split("\n").pop() ?? "";
            if (code !== 0 || !line.startsWith("{")) throw new Error(`the HTTPS load client exited ${code}: ${err.trim()} ${out.trim()}`);
            return JSON.parse(line) as HttpsLoadSummary;
        },
    };
}

function main([address, servername, caFile, rateText]: string[]): void {
    const ca = fs.readFileSync(caFile);
    const rate = Number(rateText);
    const s: HttpsLoadSummary = { sent: 0, ok: 0, failed: 0, errors: {}, retried: 0, serials: {}, seconds: 0 };
    const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca, servername });
    // The retry goes out on a connection of its own, never another idle one the old worker is closing.
    const fresh = new https.Agent({ keepAlive: false, ca, servername });
    const started = Date.now();
    let inFlight = 0;
    const fail = (kind: string) => {
        s.failed++;
        s.errors[kind] = (s.errors[kind] ?? 0) + 1;
    };
    const one = (retry = false) => {
        if (!retry) s.sent++;
        inFlight++;
        const req = https.get({ host: address, port: 443, path: "/", servername, headers: { host: servername }, agent: retry ? fresh : agent, timeout: 5000 }, (res) => {
            const serial = (res.socket as import("tls").TLSSocket).getPeerCertificate()?.serialNumber ?? "?";
            res.resume();
            res.on("end", () => {
                inFlight--;
                if (res.statusCode !== undefined && res.statusCode < 400) {
                    s.ok++;
                    s.serials[serial] = (s.serials[serial] ?? 0) + 1;
                } else fail(`HTTP ${res.statusCode}`);
            });
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (e: NodeJS.ErrnoException) => {
            inFlight--;
            // A reused connection closed under the request, before any answer: once more on a new one.
            if (req.reusedSocket && !retry && (e.code === "ECONNRESET" || e.code === "EPIPE")) {
                s.retried++;
                return one(true);
            }
            fail(e.code ?? e.message);
        });
    };
    // Every 20 ms, the requests due by then: the rate holds on a busy machine.
    const timer = setInterval(() => {
        const due = Math.floor(((Date.now() - started) / 1000) * rate);
        while (s.sent < due) one();
    }, 20);
    process.on("SIGTERM", () => {
        clearInterval(timer);
        s.seconds = (Date.now() - started) / 1000;
        const finish = () => {
            if (inFlight > 0) return setTimeout(finish, 50);
            process.stdout.write(JSON.stringify(s) + "\n");
            process.exit(0);
        };
        finish();
    });
}

if (require.main === module) main(process.argv.slice(2));
