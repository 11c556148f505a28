/** The web server each family serves the backend page with, and where its files go. PURE. */

export interface WebServerLayout {
    packages: string[];
    service: string;
    /** Where the index page goes. */
    docRoot: string;
    /** Where the library puts its own site definition (a file it owns and removes on destroy). */
    sitePath: string;
    /** The site definition for `port`, written to `sitePath`. */
    siteConfig(port: number): string;
    /** Shell run before the service starts, e.g. to switch off a distribution default site; undone by `restoreDefaults`. */
    disableDefaults?: string;
    restoreDefaults?: string;
}

export const httpd: WebServerLayout = {
    packages: ["httpd"],
    service: "httpd",
    docRoot: "/var/www/html",
    sitePath: "/etc/httpd/conf.d/haproxy-ha-web.conf",
    // httpd already listens on 80 (httpd.conf); a second Listen 80 would fail to start.
    siteConfig: (port) => `# Managed by haproxy-ha: removed on destroy.\n` + (port === 80 ? "" : `Listen ${port}\n`),
};

const PARKED_DEFAULT_SITE = "/var/lib/haproxy-ha/nginx-default-site.link";

export const nginxDebian: WebServerLayout = {
    packages: ["nginx"],
    service: "nginx",
    docRoot: "/var/www/html",
    sitePath: "/etc/nginx/sites-enabled/haproxy-ha-web",
    siteConfig: (port) =>
        `# Managed by haproxy-ha: removed on destroy.\n` +
        `server {\n` +
        `    listen ${port} default_server;\n` +
        `    root /var/www/html;\n` +
        `    index index.html;\n` +
        `    location / {\n` +
        `        try_files $uri $uri/ =404;\n` +
        `    }\n` +
        `}\n`,
    // Debian's default site also claims default_server on :80; park its link and restore it on destroy.
    disableDefaults:
        `if [ -L /etc/nginx/sites-enabled/default ]; then\n` +
        `  mkdir -p /var/lib/haproxy-ha && mv /etc/nginx/sites-enabled/default ${PARKED_DEFAULT_SITE}\n` +
        `fi`,
    restoreDefaults:
        `if [ -L ${PARKED_DEFAULT_SITE} ] && [ ! -e /etc/nginx/sites-enabled/default ]; then\n` +
        `  mv ${PARKED_DEFAULT_SITE} /etc/nginx/sites-enabled/default\n` +
        `fi`,
};
