/** What every component shares: the connection args, the OS choice, and the rendered view. */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "./defaults";
import { Dependencies, RenderedFile, RenderedScript } from "./remoteSteps";
import { ConnectionArgs } from "./remoteSteps";
import { ArgumentError } from "./validate";

export type { ConnectionArgs, RenderedFile, RenderedScript } from "./remoteSteps";

export interface HostArgs {
    /**
     * OS family of the host(s): `auto`, `centos7`, `el8`, `el9`, `al2023`, `debian`, `ubuntu`
     * (checked at construction). Default `auto`: detected from /etc/os-release on the host. A
     * plain value, not an Input: it decides which steps exist.
     */
    os?: string;
    /** Run the scripts with `sudo -n` (for a non-root SSH user with passwordless sudo). Default false. */
    become?: boolean;
    /** CentOS 7: point yum at vault.centos.org before installing (the mirrorlist host is gone); restored on destroy. Default false. */
    centos7Vault?: boolean;
    /**
     * Install the packages without waiting for the component's `dependsOn` (and a
     * KeepalivedPair node's own `dependsOn`): those then order only the steps that change files
     * and services. For an order that matters to the running service only, as the stack
     * program's (web servers before balancers, BACKUP before MASTER): on a first deployment,
     * every host installs at once. Packages steps on one host still take turns. Default false.
     */
    installBeforeDependsOn?: boolean;
    /**
     * Raise it (1, 2, …) to re-apply every step with the same validate-swap-reload scripts: puts
     * back files, services and settings changed on the host by hand (see `npm run drift`). Default 0.
     */
    reapply?: number;
    /**
     * Seconds one remote step may run: the host stops the step's script after that (`timeout`),
     * and the engine gives up on the step a minute later. A host cut off mid-step is noticed
     * sooner, by TCP keepalive (about 2.5 min). A plain value. Default 1800.
     */
    stepTimeoutS?: number;
    /**
     * Package versions to hold, by package name: exact (`{ haproxy: "2.6.12-1+deb12u3" }`; dnf
     * `"2.4.22-1.el9"`) or a prefix ending in `*` (`"2.6.*"`). A version the host's repositories
     * lack is refused, listing the versions they have; a changed pin upgrades or downgrades in
     * place (after `dependsOn`), never removes. See docs/packages.md. A plain value.
     */
    packages?: Record<string, string>;
    /** Vendor repositories added (signed, checked) before anything is installed, removed on destroy. See docs/packages.md. A plain value. */
    repositories?: PackageRepositoryArgs[];
}

/** A signed package repository (apt: a deb822 `.sources` with `Signed-By`; dnf: a `.repo` with `gpgcheck=1`). */
export interface PackageRepositoryArgs {
    /** Lower-case letters, digits, `-`: names the files on the host (`haproxy-ha-<component>-<name>`). */
    name: string;
    /** http:// or https:// URL of the repository (apt's URIs; dnf's baseurl unless `baseurl` is set). */
    url: string;
    /** ASCII-armored OpenPGP public key the repository is signed with (`gpg --export --armor`). */
    signingKey: string;
    /** apt: suites (`bookworm-backports-2.8`, `jammy`, `./` for a flat repository); required where apt may run. */
    suites?: string[];
    /** apt: components. Default `["main"]` (none for a flat repository). */
    components?: string[];
    /** apt: pin priority for every package from the URL's host (-1000 to 1000). Default: none written (apt's 500). */
    priority?: number;
    /** dnf: the `.repo` baseurl when it differs from `url` (may hold `$releasever`, `$basearch`). */
    baseurl?: string;
    /** dnf: also check the repository metadata's signature (`repo_gpgcheck=1`). Default false (COPR signs packages only). */
    repoGpgcheck?: boolean;
}

/** Everything a component would put on its host(s), for `npm run render` and reviews. */
export interface RenderedView {
    files: pulumi.Output<RenderedFile[]>;
    scripts: RenderedScript[];
}

/**
 * A `dependsOn` given in args (a KeepalivedPair node's, a HaproxyNode's) as resource options take it. Through the component package a resource
 * arrives as its URN: it becomes a DependencyResource, as the package's own `options.dependsOn` do.
 */
export function checkDependencies(where: string, field: string, value: unknown): Dependencies {
    const one = (v: unknown, f: string) => {
        if (typeof v !== "string") return v;
        if (!v.startsWith("urn:pulumi:")) throw new ArgumentError(where, f, "must be a resource (or a list of them)", v);
        return new pulumi.DependencyResource(v);
    };
    return (Array.isArray(value) ? value.map((v, j) => one(v, `${field}[${j}]`)) : one(value, field)) as Dependencies;
}

/** Endpoints already warned about: a balancer is in a HaproxyNode and the KeepalivedPair, warned once. */
const unpinnedWarned = new Set<string>();

/**
 * Warns once per host (`user@host:port`) whose connection pins no `hostKey`: its SSH key is not
 * checked, so whatever answers at the address gets the files and secrets the steps send.
 */
export function warnUnpinnedHostKey(resource: pulumi.Resource, connection: pulumi.Input<ConnectionArgs>): void {
    pulumi.output(connection).apply((c) => {
        if (typeof c !== "object" || c === null || (typeof c.hostKey === "string" && c.hostKey.trim() !== "")) return;
        const endpoint = `${c.user ?? DEFAULTS.ssh.user}@${c.host}:${c.port ?? DEFAULTS.ssh.port}`;
        if (unpinnedWarned.has(endpoint)) return;
        unpinnedWarned.add(endpoint);
        pulumi.log.warn(
            `${endpoint}: no \`hostKey\` pinned, so this host's SSH key is not checked: any machine answering at that address gets its files and secrets. ` +
                "Pin it with `connection.hostKey` (stack config: `npm run host-keys -- <stack>` writes `haproxy-ha:ssh.hostKeys`)",
            resource,
        );
    });
}
