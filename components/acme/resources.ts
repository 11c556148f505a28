/**
 * The ACME account and certificates as Pulumi dynamic resources: the engine keeps the account key
 * and each certificate (chain and key) as secrets in state; a `pulumi up` orders a certificate
 * when it is new, when what it covers changed, or when fewer than `renewBeforeDays` days are left,
 * and otherwise changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AcmeOrderSpec, IssuedCertificate } from "./order";

// The providers are serialized into state by the engine: they load the order module by its path
// at run time instead of capturing its functions (and acme-client's) in the closure.
const ORDER_MODULE = require.resolve("./order");

/** The account's state: its key is a secret output. */
interface AccountOuts {
    directory: string;
    email?: string;
    accountKey: string;
    thumbprint: string;
    accountUrl: string;
    placeholderPem: string;
}

const accountProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { directory: string; email?: string }) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const o = require(ORDER_MODULE) as typeof import("./order");
        const accountKey = o.newAccountKey();
        const accountUrl = await o.registerAccount({ directory: inputs.directory, email: inputs.email, accountKey });
        const placeholderPem = await o.placeholderPem();
        const outs: AccountOuts = { directory: inputs.directory, email: inputs.email, accountKey, thumbprint: o.accountThumbprint(accountKey), accountUrl, placeholderPem };
        return { id: accountUrl, outs };
    },
    async diff(_id: string, olds: AccountOuts, news: { directory: string; email?: string }) {
        // Another ACME server is another account (and another key).
        if (olds.directory !== news.directory) return { changes: true, replaces: ["directory"], deleteBeforeReplace: false };
        return { changes: (olds.email ?? null) !== (news.email ?? null) };
    },
    async update(_id: string, olds: AccountOuts, news: { directory: string; email?: string }) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const o = require(ORDER_MODULE) as typeof import("./order");
        await o.registerAccount({ directory: news.directory, email: news.email, accountKey: olds.accountKey });
        return { outs: { ...olds, email: news.email } };
    },
};

export interface AcmeAccountArgs {
    /** The ACME directory URL, e.g. `https://acme-v02.api.letsencrypt.org/directory`. No default: nothing is sent to a CA unless named. */
    directory: pulumi.Input<string>;
    /** Contact address the CA may write to about expiry or revocation. Default: none. */
    email?: pulumi.Input<string>;
}

/**
 * An ACME account: a generated ECDSA P-256 key (a secret output, kept in state) registered with
 * the directory. Its `thumbprint` is what the balancers' HTTP-01 rule answers with.
 */
export class AcmeAccount extends pulumi.dynamic.Resource {
    declare readonly accountKey: pulumi.Output<string>;
    declare readonly thumbprint: pulumi.Output<string>;
    declare readonly accountUrl: pulumi.Output<string>;
    /** A self-signed certificate and key (secret) TLS binds load until their ACME certificate exists. */
    declare readonly placeholderPem: pulumi.Output<string>;
    declare readonly directory: pulumi.Output<string>;

    constructor(name: string, args: AcmeAccountArgs, opts?: pulumi.CustomResourceOptions) {
        super(accountProvider, name, { ...args, email: args.email, accountKey: undefined, thumbprint: undefined, accountUrl: undefined, placeholderPem: undefined }, { ...opts, additionalSecretOutputs: ["accountKey", "placeholderPem"] }, "haproxy-ha", "AcmeAccount");
    }
}

/** What the certificate resource keeps: its inputs, and the certificate issued for them. */
interface CertificateIns {
    directory: string;
    email?: string;
    accountKey: string;
    domains: string[];
    challenge: string;
    renewBeforeDays: number;
    dnsHook?: string;
    selfCheck?: AcmeOrderSpec["selfCheck"];
}
type CertificateOuts = CertificateIns & IssuedCertificate;

/** Inputs whose change needs a new certificate (the others only change how the next one is got). */
function orderChanged(olds: CertificateIns, news: CertificateIns): string[] {
    const changed: string[] = [];
    if (olds.directory !== news.directory) changed.push("directory");
    if (olds.accountKey !== news.accountKey) changed.push("accountKey");
    if (JSON.stringify(olds.domains) !== JSON.stringify(news.domains)) changed.push("domains");
    if (olds.challenge !== news.challenge) changed.push("challenge");
    return changed;
}

const certificateProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CertificateIns) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const o = require(ORDER_MODULE) as typeof import("./order");
        const issued = await o.orderCertificate(inputs);
        return { id: `${inputs.domains[0]}-${issued.serial}`, outs: { ...inputs, ...issued } };
    },
    async diff(_id: string, olds: CertificateOuts, news: CertificateIns) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const o = require(ORDER_MODULE) as typeof import("./order");
        const keys = ["email", "renewBeforeDays", "dnsHook", "selfCheck"] as const;
        const other = keys.some((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
        // The clock is an input too: inside the window, the next `up` renews.
        const due = o.renewalDue(olds.notAfter, news.renewBeforeDays);
        return { changes: orderChanged(olds, news).length > 0 || due || other };
    },
    async update(_id: string, olds: CertificateOuts, news: CertificateIns) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const o = require(ORDER_MODULE) as typeof import("./order");
        if (orderChanged(olds, news).length === 0 && !o.renewalDue(olds.notAfter, news.renewBeforeDays)) {
            const { pem, notBefore, notAfter, serial } = olds;
            return { outs: { ...news, pem, notBefore, notAfter, serial } };
        }
        // A failure throws before anything is returned: the state keeps the certificate in place.
        return { outs: { ...news, ...(await o.orderCertificate(news)) } };
    },
};

export interface AcmeCertificateArgs {
    /** The ACME directory URL. */
    directory: pulumi.Input<string>;
    /** The account key (PEM), e.g. `AcmeAccount.accountKey`; a secret. */
    accountKey: pulumi.Input<string>;
    /** Contact address. Default: none. */
    email?: pulumi.Input<string>;
    /** The names the certificate covers; the first is its subject. */
    domains: pulumi.Input<pulumi.Input<string>[]>;
    /** `http-01` (default) or `dns-01`. */
    challenge?: pulumi.Input<string>;
    /** Renew when fewer days than this are left. Default 30. */
    renewBeforeDays?: pulumi.Input<number>;
    /** dns-01: the hook command (see docs/acme.md). */
    dnsHook?: pulumi.Input<string>;
    /** http-01: addresses (the VIPs) checked to answer the challenge before the CA is asked to validate. */
    selfCheckAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** Port of that check. Default 80. */
    selfCheckPort?: number;
}

/**
 * A certificate from an ACME CA: `pem` (chain and key, a secret) goes into a HaproxyNode's
 * `certificates[].pem`. Ordered on create, renewed by the first `pulumi up` inside the window.
 */
export class AcmeCertificate extends pulumi.dynamic.Resource {
    declare readonly pem: pulumi.Output<string>;
    declare readonly notAfter: pulumi.Output<string>;
    declare readonly notBefore: pulumi.Output<string>;
    declare readonly serial: pulumi.Output<string>;
    declare readonly domains: pulumi.Output<string[]>;

    constructor(name: string, args: AcmeCertificateArgs, opts?: pulumi.CustomResourceOptions) {
        const selfCheck = args.selfCheckAddresses === undefined ? undefined : pulumi.output(args.selfCheckAddresses).apply((addresses) => ({ addresses, port: args.selfCheckPort ?? 80, timeoutS: 90 }));
        super(
            certificateProvider,
            name,
            {
                directory: args.directory,
                email: args.email,
                accountKey: pulumi.secret(args.accountKey),
                domains: args.domains,
                challenge: args.challenge ?? "http-01",
                renewBeforeDays: args.renewBeforeDays ?? 30,
                dnsHook: args.dnsHook === undefined ? undefined : pulumi.secret(args.dnsHook),
                selfCheck,
                pem: undefined,
                notAfter: undefined,
                notBefore: undefined,
                serial: undefined,
            },
            { ...opts, additionalSecretOutputs: ["pem", "accountKey"] },
            "haproxy-ha",
            "AcmeCertificate",
        );
    }
}
