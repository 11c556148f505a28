/** What the dry run (`npm run render`) shows for the ACME resources: no CA is asked, no key made. */
import { SECRET_PLACEHOLDER } from "../certificates";

/** A well-formed thumbprint that is no account's: the rendered config shows where the real one goes. */
export const DRY_RUN_THUMBPRINT = "dry-run_acme-account-key-thumbprint________";

export function acmeDryRunOutputs(type: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
    if (type.endsWith(":AcmeAccount")) return { ...inputs, accountKey: SECRET_PLACEHOLDER, thumbprint: DRY_RUN_THUMBPRINT, accountUrl: "dry-run", placeholderPem: SECRET_PLACEHOLDER };
    if (type.endsWith(":AcmeCertificate")) return { ...inputs, pem: SECRET_PLACEHOLDER, notAfter: "", notBefore: "", serial: "" };
    return undefined;
}
