/**
 * Every default of the library, in one place. The components, the stack-config key table
 * (stackConfig.ts) and through it the README's configuration reference read them from here, so a
 * default is changed by editing one line.
 */

function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null) {
        for (const member of Object.values(value)) deepFreeze(member);
        Object.freeze(value);
    }
    return value;
}

/** The library's defaults, grouped by the component (or the stack program) that applies them. Frozen. */
export const DEFAULTS = deepFreeze({
    /** HostArgs, shared by every component. */
    host: {
        /** Detected from /etc/os-release on the host. */
        os: "auto",
        become: false,
        centos7Vault: false,
        /** Packages wait for the component's dependsOn like every other step. */
        installBeforeDependsOn: false,
        /** Nothing to re-apply. */
        reapply: 0,
        /** Seconds one remote step may run before it is stopped (a first install on a slow mirror takes minutes). */
        stepTimeoutS: 1800,
    },
    /** SSH connection settings the stack program puts into every component's `connection`. */
    ssh: {
        user: "root",
        port: 22,
        /** Seconds per dial attempt. */
        perDialTimeout: 5,
        /** Dial attempts before giving up on a host. */
        dialErrorLimit: 3,
        /** Hosts without a pinned key are refused, not connected to unchecked. */
        insecureSkipHostKeyCheck: false,
    },
    webBackend: {
        /** Port the web server listens on. */
        port: 80,
    },
    haproxyNode: {
        mode: "http",
        /** Frontend port. */
        port: 80,
        frontendName: "www",
        backendName: "web",
        balance: "roundrobin",
        /** Address the frontend binds: all addresses. */
        bindAddress: "*",
        maxconn: 4000,
        /** A backend server's (the shorthand's `servers[]` and `backends[].servers[]`). */
        server: { port: 80, backup: false, state: "ready" },
        /** A backend's health check (the shorthand's `healthCheck` and `backends[].healthCheck`). */
        healthCheck: { path: "/", interMs: 2000, rise: 2, fall: 3 },
        /** A named frontend's; `httpRequestMs` applies in http mode (slow clients), forwardFor and ALPN follow the mode. */
        frontend: { redirectToHttps: false, httpRequestMs: 10_000 },
        /** Where haproxy logs: `rsyslog` with `frontends`/`backends`; the shorthand keeps what it always rendered. */
        logging: { collections: "rsyslog", shorthand: "devlog" },
        runtimeApi: false,
        timeouts: { connectMs: 5000, clientMs: 50000, serverMs: 50000 },
        /** The stats page is off unless asked for; these apply when it is on. */
        stats: false,
        statsPage: { port: 8404, uri: "/haproxy-stats", user: "admin", generatedPasswordLength: 20, adminSources: [] as string[], prometheus: false },
        /** Raw directives appended to the backend section. */
        extraBackend: [] as string[],
        /** A frontend's TLS binds follow Mozilla's intermediate profile (TLS 1.2+, forward-secret AEAD suites, no tickets). */
        tlsProfile: "intermediate",
    },
    keepalivedPair: {
        virtualRouterId: 51,
        vrrpVersion: 2,
        /** Seconds between adverts. */
        advertInt: 1,
        /** By node position: the first node starts as MASTER. */
        priorities: [100, 90],
        nopreempt: false,
        unicast: false,
        /** keepalived's haproxy check: seconds between runs, failures before FAULT, successes before OK. */
        haproxyCheck: { intervalS: 2, fall: 2, rise: 2 },
        gatewayCheck: { intervalS: 1, fall: 2, rise: 2 },
        /** A user track script's: seconds between runs, failures before it counts as failed, successes before OK. */
        trackScript: { intervalS: 2, fall: 2, rise: 2 },
        /** VRRP PASS passwords hold at most 8 characters. */
        generatedAuthPasswordLength: 8,
    },
    /** Defaults only the stack program has (a component takes these as required args). */
    stack: {
        /** Interface carrying the VIP and the adverts. */
        interface: "eth0",
    },
} as const);
