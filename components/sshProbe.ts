/**
 * A guard the command plugin lacks: upstream's bounds only the TCP connect, so a host that
 * accepts the connection but never speaks SSH (an overloaded sshd past MaxStartups, a wrong
 * service on the port) would hang `pulumi up`. Before a component's first step, the program
 * waits for the server's SSH banner, bounded like the plugin's dialling.
 */
import * as net from "net";
import * as pulumi from "@pulumi/pulumi";
import type * as command from "@pulumi/command";

/** The plugin's own defaults when the connection leaves them unset. */
const PLUGIN_DEFAULTS = { port: 22, user: "root", perDialTimeout: 15, dialErrorLimit: 10 };

type Attempt = "banner" | "no-banner" | "unreachable";

function readBanner(host: string, port: number, timeoutMs: number): Promise<Attempt> {
    return new Promise((resolve) => {
        let seen = "";
        let connected = false;
        const socket = net.connect({ host, port });
        socket.on("connect", () => (connected = true));
        const done = (result: Attempt) => {
            clearTimeout(timer);
            socket.destroy();
            resolve(result);
        };
        const timer = setTimeout(() => done(connected ? "no-banner" : "unreachable"), timeoutMs);
        socket.on("data", (d) => {
            seen += d.toString("latin1");
            if (seen.includes("SSH-")) done("banner");
        });
        // Refused or unroutable: the plugin reports those itself, with its own retries and message.
        socket.on("error", () => done(connected ? "no-banner" : "unreachable"));
        socket.on("close", () => done(connected ? "no-banner" : "unreachable"));
    });
}

/**
 * Resolves when `host:port` sends an SSH banner (or cannot be reached at all: the plugin reports
 * that); rejects, naming the host, when it accepts connections but stays silent on every attempt.
 */
export async function waitForSshBanner(c: { host: string; port?: number; user?: string; perDialTimeout?: number; dialErrorLimit?: number }): Promise<void> {
    const port = c.port ?? PLUGIN_DEFAULTS.port;
    const timeoutS = c.perDialTimeout ?? PLUGIN_DEFAULTS.perDialTimeout;
    const attempts = (c.dialErrorLimit ?? PLUGIN_DEFAULTS.dialErrorLimit) + 1;
    for (let i = 0; i < attempts; i++) {
        const started = Date.now();
        const result = await readBanner(c.host, port, timeoutS * 1000);
        if (result !== "no-banner") return;
        // A server that closed at once (sshd restarting, MaxStartups dropping) gets the rest of
        // this attempt's time before the next one, as the plugin's own dial attempts would.
        const rest = timeoutS * 1000 - (Date.now() - started);
        if (i < attempts - 1 && rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
    throw new Error(
        `${c.user ?? PLUGIN_DEFAULTS.user}@${c.host}:${port} accepts TCP connections but sent no SSH banner within ${timeoutS} s, ${attempts} times ` +
            `(sshd overloaded past MaxStartups, or not an SSH server on that port): nothing was run on it`,
    );
}

/**
 * A dependency that settles once the connection's host answers with an SSH banner; a host that
 * stays silent fails the step that depends on it. Skipped in previews, which touch no host.
 */
export function sshReachable(connection: pulumi.Input<command.types.input.remote.ConnectionArgs>): pulumi.Output<pulumi.Resource[]> {
    return pulumi.output(connection).apply(async (c) => {
        if (!pulumi.runtime.isDryRun() && c.proxy === undefined) await waitForSshBanner(c);
        return [] as pulumi.Resource[];
    });
}
