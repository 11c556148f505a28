/**
 * Stack config `certificates[].acme` → one AcmeAccount for the stack, one AcmeCertificate per
 * entry, its PEM fed to both balancers, and the balancers' `acme` arg (the HTTP-01 answer). The
 * order inside one `pulumi up`: each balancer's responder step (config with the challenge rule,
 * placeholder certificates) → the VIP (KeepalivedPair) → the certificates (ordered, the CA asks
 * the VIP) → each balancer's config step installs them (BACKUP first).
 */
import * as pulumi from "@pulumi/pulumi";
import { AcmeAccount, AcmeCertificate } from "./acme/resources";
import { SECRET_PLACEHOLDER } from "./certificates";
import { acmeSettings, AcmeSettingsPlan, HaproxyAcmeArgs } from "./model/acme";
import { Checks } from "./model/problems";
import type { ShownProblem, TopologyConfig } from "./stackConfig";

export interface AcmeWiring {
    pems: Record<string, pulumi.Output<string>>;
    node: HaproxyAcmeArgs;
    account: AcmeAccount;
    certificates: Record<string, AcmeCertificate>;
    /** Called once the balancers' responder steps and the VIP exist: the certificates wait for them. */
    ready: (dependencies: pulumi.Resource[]) => void;
}

/** The `acme` entries, checked (undefined settings: refused, see acmeStackProblems). */
function acmeEntries(cfg: Pick<TopologyConfig, "certificates">): { name: string; i: number; settings?: AcmeSettingsPlan }[] {
    return (cfg.certificates ?? []).flatMap((c, i) => {
        if (c.acme === undefined) return [];
        const checks = new Checks("stack config");
        return [{ name: c.name, i, settings: acmeSettings(checks, ["certificates", i, "acme"], c.acme) }];
    });
}

/** Stack rules: `pem` or `acme` in each entry, valid settings, one ACME account (directory and email) per stack. */
export function acmeStackProblems(cfg: Pick<TopologyConfig, "certificates">): ShownProblem[] {
    const checks = new Checks("stack config");
    const list = cfg.certificates ?? [];
    list.forEach((c, i) => {
        // Under `acme`: when a refused `acme` left the entry without either, the decoder's problem says it.
        if (c.pem === undefined && c.acme === undefined) checks.add(["certificates", i, "acme"], "or `pem` must be set: a certificate is its chain and key (`pem`) or issued by an ACME CA (`acme`)", undefined);
        if (c.pem !== undefined && c.acme !== undefined) checks.add(["certificates", i, "pem"], "and `acme` exclude each other: `acme` issues the certificate", "<hidden>");
        if (c.acme !== undefined) acmeSettings(checks, ["certificates", i, "acme"], c.acme);
    });
    const entries = acmeEntries(cfg).filter((e) => e.settings);
    const first = entries[0]?.settings;
    for (const e of entries.slice(1)) {
        // One account per stack: the balancers' challenge rule answers for one account key.
        if (e.settings!.directory !== first!.directory) checks.add(["certificates", e.i, "acme", "directory"], `must be the same as the first ACME certificate's (${first!.directory}): one ACME account per stack`, e.settings!.directory);
        if ((e.settings!.email ?? "") !== (first!.email ?? "")) checks.add(["certificates", e.i, "acme", "email"], "must be the same as the first ACME certificate's: one ACME account per stack", e.settings!.email);
    }
    return checks.problems.list.map((p) => ({ path: p.path, rule: p.rule, value: p.value }));
}

/** The balancers' `acme` arg: built (the account's outputs) or for the checks (a well-formed stand-in). */
export function acmeNodeArgs(list: TopologyConfig["certificates"], wiring: { acme?: AcmeWiring } = {}): HaproxyAcmeArgs | undefined {
    const names = (list ?? []).filter((c) => c.acme !== undefined).map((c) => c.name);
    if (names.length === 0) return undefined;
    return wiring.acme?.node ?? { thumbprint: "A".repeat(43), certificates: names, placeholderPem: SECRET_PLACEHOLDER };
}

/** The VIPs without prefix: where the CA's HTTP-01 request lands, checked from here before it is asked. */
function vipAddresses(cfg: TopologyConfig): string[] {
    const all = cfg.instances ? cfg.instances.flatMap((i) => i.vips) : cfg.vip ? [cfg.vip] : [];
    return all.map((v) => v.split("/")[0]);
}

/** The account and certificates, when the stack has `acme` entries (checked already). */
export function buildAcme(cfg: TopologyConfig): AcmeWiring | undefined {
    const entries = acmeEntries(cfg);
    if (entries.length === 0) return undefined;
    const { directory, email } = entries[0].settings!;
    const account = new AcmeAccount("acme-account", { directory, email });
    let ready: (deps: pulumi.Resource[]) => void = () => undefined;
    const dependencies = new Promise<pulumi.Resource[]>((resolve) => (ready = resolve));
    const certificates: Record<string, AcmeCertificate> = {};
    for (const e of entries) {
        const s = e.settings!;
        certificates[e.name] = new AcmeCertificate(
            `acme-${e.name}`,
            {
                directory: s.directory,
                email: s.email,
                accountKey: account.accountKey,
                domains: s.domains,
                challenge: s.challenge,
                renewBeforeDays: s.renewBeforeDays,
                dnsHook: s.dnsHook,
                selfCheckAddresses: s.challenge === "http-01" ? vipAddresses(cfg) : undefined,
            },
            { dependsOn: dependencies },
        );
    }
    return {
        account,
        certificates,
        pems: Object.fromEntries(Object.entries(certificates).map(([n, c]) => [n, c.pem])),
        node: { thumbprint: account.thumbprint, certificates: entries.map((e) => e.name), placeholderPem: account.placeholderPem },
        ready: (deps) => ready(deps),
    };
}
