/**
 * `npm run certs -- <stack>`: days left per certificate and balancer. Reads the leaf of each
 * certificate the library installed (/etc/haproxy/certs/*.pem, its first CERTIFICATE block only:
 * the key never leaves the host) over SSH, as `npm run drift` connects; exits 1 when one has fewer
 * days left than its `acme.renewBeforeDays` (the next `pulumi up` renews it) or than 14 days.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseTopologyConfig } from "../components";
import { daysLeft } from "../components/acme/order";
import { EXPIRY_WARNING_DAYS } from "../components/certificates";
import { CERT_DIR } from "../components/model/vocabulary";
import { hostKeyOptions, recordedKnownHostsPath } from "./drift";
import { readStackConfig } from "./renderStack";

export interface CertLine {
    host: string;
    name: string;
    notAfter?: string;
    days?: number;
    subject?: string;
    error?: string;
}

/** Prints `<name>\t<leaf PEM on one line>` per certificate: the first block only. */
export const LEAF_SCRIPT = [
    `for f in ${CERT_DIR}/*.pem; do`,
    `  [ -f "$f" ] || continue`,
    `  n=\${f##*/}`,
    `  printf '%s\\t' "\${n%.pem}"`,
    `  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/{p;/-----END CERTIFICATE-----/q}' "$f" | tr '\\n' '|'`,
    `  echo`,
    `done`,
].join("\n");

export function parseLeaves(host: string, stdout: string, now = new Date()): CertLine[] {
    return stdout
        .split("\n")
        .filter((l) => l.includes("\t"))
        .map((l) => {
            const [name, body] = l.split("\t");
            try {
                const cert = new crypto.X509Certificate(body.split("|").join("\n"));
                const notAfter = new Date(cert.validTo).toISOString();
                return { host, name, notAfter, days: daysLeft(notAfter, now), subject: cert.subjectAltName ?? cert.subject };
            } catch (e) {
                return { host, name, error: `does not parse: ${(e as Error).message}` };
            }
        });
}

function main(argv: string[]): number {
    const [stack] = argv;
    if (!stack) {
        console.error("usage: npm run certs -- <stack>   (reads Pulumi.<stack>.yaml)");
        return 2;
    }
    const stackFile = path.resolve(`Pulumi.${stack}.yaml`);
    const cfg = parseTopologyConfig(readStackConfig(stackFile));
    const renewAt = new Map((cfg.certificates ?? []).map((c) => [c.name, c.acme ? (c.acme.renewBeforeDays ?? 30) : EXPIRY_WARNING_DAYS]));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-certs-"));
    const files = { pinned: path.join(home, "known_hosts"), recorded: recordedKnownHostsPath(stackFile) };
    fs.writeFileSync(files.pinned, Object.entries(cfg.ssh.hostKeys ?? {}).map(([h, k]) => `${cfg.ssh.port === 22 ? h : `[${h}]:${cfg.ssh.port}`} ${k}\n`).join(""));
    const sshArgs = ["-o", "BatchMode=yes", "-o", `ConnectTimeout=${cfg.ssh.perDialTimeout}`, "-p", String(cfg.ssh.port), "-o", "LogLevel=ERROR"];
    if (cfg.ssh.privateKeyPath) sshArgs.push("-i", cfg.ssh.privateKeyPath.replace(/^~\//, `${os.homedir()}/`), "-o", "IdentitiesOnly=yes");
    let code = 0;
    const lines: CertLine[] = [];
    try {
        for (const b of cfg.balancers) {
            const r = spawnSync("ssh", [...sshArgs, ...hostKeyOptions(b.host, cfg.ssh.hostKeys, files), `${cfg.ssh.user}@${b.host}`, cfg.become ? "sudo -n sh -s" : "sh -s"], { input: LEAF_SCRIPT, encoding: "utf8", timeout: 60_000 });
            if (r.status !== 0) {
                lines.push({ host: b.name, name: "*", error: `unreachable: ${(r.stderr || String(r.error)).trim().split("\n")[0]}` });
                code = 2;
            } else lines.push(...parseLeaves(b.name, r.stdout));
        }
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
    const width = Math.max(4, ...lines.map((l) => l.host.length));
    for (const l of lines) {
        if (l.error) {
            console.log(`${l.host.padEnd(width)}  ${l.name}: ${l.error}`);
            continue;
        }
        const due = l.days! < (renewAt.get(l.name) ?? EXPIRY_WARNING_DAYS);
        if (due && code === 0) code = 1;
        console.log(`${l.host.padEnd(width)}  ${l.name}: ${l.days} days left (until ${l.notAfter}; ${l.subject})${due ? "  <- renew: the next `pulumi up` does it for an ACME certificate" : ""}`);
    }
    return code;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv.slice(2));
    } catch (e) {
        console.error((e as Error).message);
        process.exitCode = 2;
    }
}
