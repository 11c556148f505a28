import * as pulumi from "@pulumi/pulumi";
import { withSources } from "./script/repositories";
import { warnUnpinnedHostKey, ConnectionArgs, HostArgs, RenderedView } from "./common";
import { normalizeWebBackend, WebBackendPlan } from "./model/webBackend";
import { sameOnEveryFamily } from "./os";
import { renderIndexPage } from "./render/indexPage";
import { createSteps, RenderedFile, RenderedScript, renderedScripts } from "./remoteSteps";
import { WEB_PAGE, webBackendSteps, webIndexPath } from "./script/webBackendSteps";

export interface WebBackendArgs extends HostArgs {
    /** How to reach the host over SSH (the shape of the command provider's remote ConnectionArgs). */
    connection: pulumi.Input<ConnectionArgs>;
    /** Address the balancers use to reach this web server: an IP address or a DNS name. Default: `connection.host`. */
    address?: pulumi.Input<string>;
    /** Port the web server listens on. Default 80. Plain: it decides the firewall and site steps. */
    port?: number;
    /** The index page. Default: a page that names this backend, so the round robin is visible. */
    content?: pulumi.Input<string>;
    /** Name shown on the default page and used by the balancers. Default: the resource name. */
    backendName?: string;
}

/** Every check of WebBackendArgs, with defaults applied, every problem at once: the Plan (model/webBackend.ts), memoized by the args object. */
export function checkWebBackendArgs(name: string, args: WebBackendArgs): WebBackendPlan {
    return normalizeWebBackend(name, args);
}

/** A web server (httpd on EL, nginx on Debian/Ubuntu) serving an index page. */
export class WebBackend extends pulumi.ComponentResource implements RenderedView {
    readonly backendName: string;
    readonly address: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly url: pulumi.Output<string>;
    readonly files: pulumi.Output<RenderedFile[]>;
    readonly scripts: RenderedScript[];

    constructor(name: string, args: WebBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        const { os, backendName, port, address, reapply, stepTimeoutS, installDependsOn, become, archiveRepos, sources } = normalizeWebBackend(name, args);
        super("haproxy-ha:index:WebBackend", name, {}, opts);
        warnUnpinnedHostKey(this, args.connection);
        this.backendName = backendName;

        const steps = withSources(os, "web", sources, webBackendSteps(os, port, archiveRepos));
        const page = args.content === undefined ? renderIndexPage(this.backendName) : pulumi.output(args.content).apply((c) => renderIndexPage(this.backendName, c));
        createSteps(
            { parent: this, prefix: name, connection: args.connection, become, reapply, stepTimeoutS, stdin: { [WEB_PAGE]: page }, dependsOn: [opts?.dependsOn], installDependsOn },
            steps,
        );

        this.address = pulumi.output(address);
        this.port = pulumi.output(port);
        this.url = pulumi.interpolate`http://${this.address}:${port}/`;
        // With `auto` a file that differs per family is only known on the host; its text is in the scripts.
        const siteFile = sameOnEveryFamily(os, (a) => ({ path: a.web.sitePath, content: a.web.siteConfig(port) }));
        const pagePath = sameOnEveryFamily(os, webIndexPath);
        this.files = pulumi.output(page).apply((content) =>
            [...(siteFile ? [siteFile] : []), ...(pagePath ? [{ path: pagePath, content }] : [])].map((f) => ({
                node: this.backendName,
                mode: "0644",
                owner: "root",
                group: "root",
                ...f,
            })),
        );
        this.scripts = renderedScripts(this.backendName, "web", steps);
        this.registerOutputs({ address: this.address, port: this.port, url: this.url });
    }
}
