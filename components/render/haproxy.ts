/**
 * haproxy.cfg from a typed spec. PURE and deterministic: fixed section order, no timestamps,
 * trailing newline, so an unchanged spec renders byte-identical text and triggers nothing.
 * Only directives haproxy 1.5 (CentOS 7) accepts.
 */

/** The algorithms haproxy 1.5 and later all accept. */
export const BALANCE_ALGORITHMS = ["roundrobin", "static-rr", "leastconn", "first", "source", "uri"] as const;
export type BalanceAlgorithm = (typeof BALANCE_ALGORITHMS)[number];

export interface HaproxyServer {
    name: string;
    address: string;
    port: number;
    /** haproxy's default weight is 1. */
    weight?: number;
    /** Takes traffic only when every non-backup server is down. */
    backup?: boolean;
}

export interface HaproxyHealthCheck {
    /** HTTP path checked in http mode (GET, expects 200); tcp mode checks the connection only. */
    path: string;
    /** Milliseconds between checks. */
    interMs: number;
    rise: number;
    fall: number;
}

export interface HaproxyStats {
    bindAddress: string;
    port: number;
    uri: string;
    user: string;
    password: string;
}

export interface HaproxyConfigSpec {
    nodeName: string;
    mode: "http" | "tcp";
    frontend: { name: string; bindAddress: string; port: number };
    backend: { name: string; balance: BalanceAlgorithm; servers: HaproxyServer[] };
    healthCheck: HaproxyHealthCheck;
    timeouts: { connectMs: number; clientMs: number; serverMs: number };
    maxconn: number;
    stats?: HaproxyStats;
    /** Raw lines appended to each section: the escape hatch for directives the args do not model. */
    extra?: { global?: string[]; defaults?: string[]; frontend?: string[]; backend?: string[] };
}

export function renderHaproxyConfig(spec: HaproxyConfigSpec): string {
    const extra = spec.extra ?? {};
    const sections: string[][] = [
        [
            "global",
            "log /dev/log local0",
            "chroot /var/lib/haproxy",
            "user haproxy",
            "group haproxy",
            "daemon",
            `maxconn ${spec.maxconn}`,
            ...(extra.global ?? []),
        ],
        [
            "defaults",
            `mode ${spec.mode}`,
            "log global",
            spec.mode === "http" ? "option httplog" : "option tcplog",
            "option dontlognull",
            "option redispatch",
            "retries 3",
            `timeout connect ${spec.timeouts.connectMs}ms`,
            `timeout client ${spec.timeouts.clientMs}ms`,
            `timeout server ${spec.timeouts.serverMs}ms`,
            ...(extra.defaults ?? []),
        ],
        [
            `frontend ${spec.frontend.name}`,
            `bind ${hostPort(spec.frontend.bindAddress, spec.frontend.port)}`,
            `default_backend ${spec.backend.name}`,
            ...(extra.frontend ?? []),
        ],
        [
            `backend ${spec.backend.name}`,
            `balance ${spec.backend.balance}`,
            ...(spec.mode === "http" ? [`option httpchk GET ${spec.healthCheck.path}`, "http-check expect status 200"] : []),
            `default-server inter ${spec.healthCheck.interMs}ms rise ${spec.healthCheck.rise} fall ${spec.healthCheck.fall}`,
            ...spec.backend.servers.map(serverLine),
            ...(extra.backend ?? []),
        ],
    ];
    if (spec.stats) {
        sections.push([
            "listen stats",
            `bind ${hostPort(spec.stats.bindAddress, spec.stats.port)}`,
            "mode http",
            "stats enable",
            `stats uri ${spec.stats.uri}`,
            "stats refresh 10s",
            `stats auth ${spec.stats.user}:${spec.stats.password}`,
        ]);
    }
    const header = `# Managed by haproxy-ha for node ${spec.nodeName}; local edits are overwritten.`;
    return [header, ...sections.map(([head, ...body]) => [head, ...body.map((l) => `    ${l}`)].join("\n"))].join("\n\n") + "\n";
}

function serverLine(server: HaproxyServer): string {
    const parts = [`server ${server.name} ${hostPort(server.address, server.port)} check`];
    if (server.weight !== undefined) parts.push(`weight ${server.weight}`);
    if (server.backup) parts.push("backup");
    return parts.join(" ");
}

/** haproxy reads the port after the last colon, so IPv6 needs no brackets; `*` means all addresses. */
function hostPort(address: string, port: number): string {
    return `${address === "*" ? "" : address}:${port}`;
}
