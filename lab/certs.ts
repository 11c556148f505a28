/**
 * The one throwaway CA the tests and benchmarks use (openssl, at run time; never committed):
 * leaf certificates for DNS names, each returned as the chain-and-key PEM haproxy loads
 * (leaf, CA, key).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ThrowawayCa {
    /** The folder holding the CA's and the leaves' files (ca.crt, <name>.crt …). */
    dir: string;
    caFile: string;
    /** The CA certificate (PEM). */
    ca: string;
    /**
     * A leaf for `host` (its CN and only subjectAltName), signed by the CA: chain + key. `org`
     * adds `O=<org>` to the subject, so that a rotated certificate is recognisable in a handshake.
     */
    leaf(host: string, org?: string): string;
    /** Removes the folder (the PEMs already returned stay valid). */
    remove(): void;
}

/** A new CA named `CN=<cn>`, valid 30 days, in a fresh temporary folder. */
export function throwawayCa(cn: string): ThrowawayCa {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-certs-"));
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", `/CN=${cn}`);
    return {
        dir,
        caFile: path.join(dir, "ca.crt"),
        ca: read("ca.crt"),
        leaf(host, org) {
            const name = org === undefined ? host : `${host}-${org}`;
            fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=DNS:${host}\n`);
            ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${host}${org === undefined ? "" : `/O=${org}`}`);
            ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "30", "-extfile", `${name}.ext`);
            return [`${name}.crt`, "ca.crt", `${name}.key`].map(read).join("");
        },
        remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
