/** What every component shares: the connection args, the OS choice, and the rendered view. */
import * as pulumi from "@pulumi/pulumi";
import { OS_CHOICES, OsChoice } from "./os";
import { RenderedFile, RenderedScript } from "./remoteSteps";
import { checkOneOf } from "./validate";

export type { ConnectionArgs, RenderedFile, RenderedScript } from "./remoteSteps";

export interface HostArgs {
    /**
     * OS family of the host(s): `auto`, `centos7`, `el8`, `el9`, `al2023`, `debian`, `ubuntu`.
     * Default `auto`: detected from /etc/os-release on the host. A plain value, not an Input:
     * it decides which steps exist.
     */
    os?: OsChoice;
    /** Run the scripts with `sudo -n` (for a non-root SSH user with passwordless sudo). Default false. */
    become?: boolean;
    /** CentOS 7: point yum at vault.centos.org before installing (the mirrorlist host is gone); restored on destroy. Default false. */
    centos7Vault?: boolean;
}

export function resolveOs(where: string, value: unknown): OsChoice {
    return checkOneOf(where, "os", value ?? "auto", OS_CHOICES);
}

/** Everything a component would put on its host(s), for `npm run render` and reviews. */
export interface RenderedView {
    files: pulumi.Output<RenderedFile[]>;
    scripts: RenderedScript[];
}
