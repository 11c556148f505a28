import { expect } from "chai";
import * as net from "net";
import { waitForSshBanner } from "../../components/sshProbe";

/** A local TCP server on 127.0.0.1 that greets with `greeting` (or says nothing). */
async function server(greeting?: string): Promise<{ port: number; close(): void }> {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => {
        sockets.push(s);
        if (greeting) s.write(greeting);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    return { port: (srv.address() as net.AddressInfo).port, close: () => (sockets.forEach((s) => s.destroy()), srv.close()) };
}

describe("SSH banner probe (before a component's first step)", () => {
    it("passes a server that greets with an SSH banner", async () => {
        const s = await server("SSH-2.0-OpenSSH_9.2\r\n");
        try {
            await waitForSshBanner({ host: "127.0.0.1", port: s.port, perDialTimeout: 2, dialErrorLimit: 1 });
        } finally {
            s.close();
        }
    });

    it("fails, naming user, host and port, when a server accepts but never speaks, within attempts × perDialTimeout", async () => {
        const s = await server();
        const started = Date.now();
        try {
            await waitForSshBanner({ host: "127.0.0.1", port: s.port, user: "ops", perDialTimeout: 1, dialErrorLimit: 1 });
            expect.fail("a silent server must fail");
        } catch (e) {
            expect((e as Error).message).to.match(new RegExp(`^ops@127\\.0\\.0\\.1:${s.port} accepts TCP connections but sent no SSH banner within 1 s, 2 times`));
        } finally {
            s.close();
        }
        const seconds = (Date.now() - started) / 1000;
        // Both attempts ran their full second (the upper bound only guards against a hang).
        expect(seconds).to.be.within(1.8, 15);
    });

    it("retries a server that closes at once (sshd restarting) after the rest of the attempt's time, and passes when it greets", async () => {
        let connections = 0;
        const sockets: net.Socket[] = [];
        const srv = net.createServer((s) => {
            sockets.push(s);
            if (++connections <= 2) s.destroy();
            else s.write("SSH-2.0-OpenSSH_9.2\r\n");
        });
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        const started = Date.now();
        try {
            await waitForSshBanner({ host: "127.0.0.1", port: (srv.address() as net.AddressInfo).port, perDialTimeout: 1, dialErrorLimit: 3 });
        } finally {
            sockets.forEach((s) => s.destroy());
            srv.close();
        }
        expect(connections).to.equal(3);
        expect((Date.now() - started) / 1000).to.be.at.least(1.8);
    });

    it("leaves a refused connection to the plugin (its own retries and message)", async () => {
        const s = await server();
        const port = s.port;
        s.close();
        await new Promise((r) => setTimeout(r, 50));
        await waitForSshBanner({ host: "127.0.0.1", port, perDialTimeout: 1, dialErrorLimit: 0 });
    });
});
