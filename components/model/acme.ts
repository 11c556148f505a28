/**
 * ACME's rules, PURE: the certificate entries' `acme` settings (stack config and the topology),
 * and a HaproxyNode's `acme` arg (the HTTP-01 answer in its HTTP frontends). Every problem is
 * added to the caller's Checks, named by the path the user wrote.
 */
import * as pulumi from "@pulumi/pulumi";
import { OsChoice } from "../os";
import { ACME_MIN_HAPROXY, THUMBPRINT_RE } from "../render/acme";
import { ArgumentError, isObject } from "../validate";
import { ArgPath, Checks, whenKnown } from "./problems";
import type { FrontendPlan } from "./haproxy";

/** How a name is proven: `http-01` (the balancers answer on port 80) or `dns-01` (a TXT record, the only way to a wildcard). */
export const ACME_CHALLENGES = ["http-01", "dns-01"] as const;
export type AcmeChallenge = (typeof ACME_CHALLENGES)[number];

export const ACME_DEFAULTS = { challenge: "http-01" as AcmeChallenge, renewBeforeDays: 30 };

/** A certificate's ACME settings as given (stack config `certificates[].acme`). */
export interface AcmeSettingsArgs {
    /** The ACME directory URL (Let's Encrypt, ZeroSSL, step-ca, …). Required: nothing is sent to a CA unless named. */
    directory: string;
    /** Contact address for the CA. Default: none. */
    email?: string;
    /** The names the certificate covers (the first is its subject). */
    domains: string[];
    /** `http-01` (default) or `dns-01` (wildcards). */
    challenge?: string;
    /** Renew when fewer days than this are left. Default 30. */
    renewBeforeDays?: number;
    /** dns-01: a command (`sh -c`, where `pulumi up` runs) that sets and removes the TXT record; see docs/acme.md. */
    dnsHook?: string;
}

export interface AcmeSettingsPlan {
    directory: string;
    email?: string;
    domains: string[];
    challenge: AcmeChallenge;
    renewBeforeDays: number;
    dnsHook?: string;
}

const KEYS = ["directory", "email", "domains", "challenge", "renewBeforeDays", "dnsHook"];
const DOMAIN_RE = /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const EMAIL_RE = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}$/;

/** Checks one certificate's `acme` object at `path`; undefined when it has problems (added to `c`). */
export function acmeSettings(c: Checks, path: ArgPath, raw: unknown): AcmeSettingsPlan | undefined {
    if (!isObject(raw)) {
        c.add(path, "must be an object with `directory` and `domains`", raw);
        return undefined;
    }
    const before = c.problems.list.length;
    for (const k of Object.keys(raw)) if (!KEYS.includes(k)) c.add([...path, k], `is not an ACME setting; settings are: ${KEYS.join(", ")}`, raw[k]);
    const directory = raw.directory;
    if (typeof directory !== "string" || !/^https?:\/\/[^\s'"]+$/.test(directory)) c.add([...path, "directory"], "must be the ACME directory URL (https://…/directory)", directory);
    const email = raw.email;
    if (email !== undefined && (typeof email !== "string" || !EMAIL_RE.test(email))) c.add([...path, "email"], "must be an email address", email);
    const challenge = (raw.challenge ?? ACME_DEFAULTS.challenge) as AcmeChallenge;
    if (!ACME_CHALLENGES.includes(challenge)) c.add([...path, "challenge"], `must be one of ${ACME_CHALLENGES.join(", ")}`, raw.challenge);
    const domains = raw.domains;
    if (!Array.isArray(domains) || domains.length === 0) c.add([...path, "domains"], "must list at least one domain name", domains);
    else {
        domains.forEach((d, i) => {
            if (typeof d !== "string" || d.length > 253 || !DOMAIN_RE.test(d)) c.add([...path, "domains", i], "must be a domain name such as app.example.com (or *.example.com with dns-01)", d);
            else if (d.startsWith("*.") && challenge === "http-01") c.add([...path, "domains", i], "is a wildcard, which only `challenge: dns-01` can prove (HTTP-01 cannot)", d);
        });
        const seen = new Set<string>();
        domains.forEach((d, i) => {
            if (typeof d === "string" && seen.has(d.toLowerCase())) c.add([...path, "domains", i], "is listed twice", d);
            if (typeof d === "string") seen.add(d.toLowerCase());
        });
    }
    const renewBeforeDays = raw.renewBeforeDays ?? ACME_DEFAULTS.renewBeforeDays;
    if (typeof renewBeforeDays !== "number" || !Number.isInteger(renewBeforeDays) || renewBeforeDays < 1 || renewBeforeDays > 36500) {
        c.add([...path, "renewBeforeDays"], "must be a whole number of days from 1 to 36500", raw.renewBeforeDays);
    }
    const dnsHook = raw.dnsHook;
    if (challenge === "dns-01" && (typeof dnsHook !== "string" || dnsHook.trim() === "")) c.add([...path, "dnsHook"], "must be the command that sets and removes the TXT record (with `challenge: dns-01`)", dnsHook);
    if (challenge !== "dns-01" && dnsHook !== undefined) c.add([...path, "dnsHook"], "is used only with `challenge: dns-01`", dnsHook);
    if (c.problems.list.length > before) return undefined;
    return {
        directory: directory as string,
        ...(email === undefined ? {} : { email: email as string }),
        domains: (domains as string[]).map((d) => d.toLowerCase()),
        challenge,
        renewBeforeDays: renewBeforeDays as number,
        ...(dnsHook === undefined ? {} : { dnsHook: dnsHook as string }),
    };
}

/** A HaproxyNode's `acme` arg: the account that proves its names, and which certificates come from it. */
export interface HaproxyAcmeArgs {
    /** The ACME account's key thumbprint (`AcmeAccount.thumbprint`): every HTTP frontend answers HTTP-01 challenges with it. */
    thumbprint: pulumi.Input<string>;
    /** Names in `certificates` that an AcmeCertificate fills. Default: none (the HTTP-01 answer only). */
    certificates?: string[];
    /**
     * What those certificates' binds load on the first `up`, before the CA has issued them
     * (`AcmeAccount.placeholderPem`: self-signed, trusted by no one). Required with `certificates`.
     */
    placeholderPem?: pulumi.Input<string>;
}

export interface AcmeNodePlan {
    thumbprint: pulumi.Input<string>;
    certificates: string[];
    placeholderPem?: pulumi.Input<string>;
    /** The frontends whose plain-HTTP binds answer the challenge. */
    frontends: string[];
}

/**
 * The node's `acme` arg checked against its frontends and certificates: haproxy ≥ 2.2 (the rule
 * is `http-request return`), at least one HTTP-mode frontend with a bind without TLS (the CA asks
 * over plain HTTP), certificate names that exist.
 */
export function acmeNodePlan(
    c: Checks,
    raw: HaproxyAcmeArgs | undefined,
    frontends: FrontendPlan[],
    certificateNames: string[],
    os: OsChoice,
    requireHaproxy: (where: string, field: string, os: OsChoice, minimum: string, feature: string, value: unknown) => void,
): AcmeNodePlan | undefined {
    if (raw === undefined) return undefined;
    if (!isObject(raw)) {
        c.add(["acme"], "must be an object with `thumbprint`", raw);
        return undefined;
    }
    c.at(["acme"], (f) => requireHaproxy(c.where, f, os, ACME_MIN_HAPROXY, "the ACME HTTP-01 answer (`http-request return`)", "acme"));
    const thumbprint = whenKnown(c, ["acme", "thumbprint"], raw.thumbprint, (f, t) => {
        if (typeof t !== "string" || !THUMBPRINT_RE.test(t)) throw new ArgumentError(c.where, f, "must be an ACME account key thumbprint (43 base64url characters, `AcmeAccount.thumbprint`)", t);
    });
    const answering = frontends.filter((f) => f.mode === "http" && f.binds.some((b) => !b.tls)).map((f) => f.name);
    if (frontends.length && answering.length === 0) c.add(["acme"], "needs a frontend in http mode with a bind without TLS: the CA asks for the HTTP-01 answer over plain HTTP (port 80)", frontends.map((f) => f.name));
    const certificates = raw.certificates ?? [];
    if (!Array.isArray(certificates)) c.add(["acme", "certificates"], "must be a list of certificate names", certificates);
    else {
        certificates.forEach((n, i) => {
            if (!certificateNames.includes(n)) c.add(["acme", "certificates", i], `is not a certificate; certificates are: ${certificateNames.join(", ") || "(none)"}`, n);
        });
        if (certificates.length && raw.placeholderPem === undefined) c.add(["acme", "placeholderPem"], "must be set with `acme.certificates` (`AcmeAccount.placeholderPem`): TLS binds load it until the CA has issued", undefined);
    }
    return { thumbprint, certificates: Array.isArray(certificates) ? certificates : [], placeholderPem: raw.placeholderPem, frontends: answering };
}
