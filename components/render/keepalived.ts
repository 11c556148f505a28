/**
 * keepalived.conf for one node of a VRRP pair. PURE and deterministic. Only directives
 * keepalived 1.3.5 (CentOS 7) accepts; never `vrrp_strict`, which adds DROP rules and forbids
 * unicast and authentication.
 */

export interface VrrpTrackScript {
    name: string;
    /** An absolute command; it must not be writable by non-root users (enable_script_security). */
    command: string;
    intervalS: number;
    fall: number;
    rise: number;
}

export interface KeepalivedConfigSpec {
    nodeName: string;
    instanceName: string;
    /** With nopreempt both nodes start as BACKUP: keepalived ignores nopreempt on a MASTER. */
    state: "MASTER" | "BACKUP";
    priority: number;
    virtualRouterId: number;
    /** Seconds; fractions only with VRRP version 3 (keepalived ≥ 2). */
    advertInt: number;
    nopreempt: boolean;
    interface: string;
    vip: { address: string; prefix: number };
    /** VRRPv2 PASS authentication (at most 8 characters); VRRPv3 has none. */
    authPass?: string;
    vrrpVersion: 2 | 3;
    /** Unicast adverts for networks without multicast. */
    unicast?: { sourceIp: string; peers: string[] };
    /** Checks that must all pass for the node to hold the VIP; the first tracks haproxy. */
    track: VrrpTrackScript[];
    /** Seconds after becoming MASTER to send gratuitous ARPs again, refreshing stale peers' caches. */
    garpMasterRefreshS?: number;
}

export function renderKeepalivedConfig(spec: KeepalivedConfigSpec): string {
    const lines: string[] = [
        `# Managed by haproxy-ha for node ${spec.nodeName}; local edits are overwritten.`,
        "global_defs {",
        `    router_id ${spec.nodeName}`,
        "    enable_script_security",
        // Run checks as root: a missing keepalived_script user makes keepalived drop the script silently.
        "    script_user root",
    ];
    if (spec.vrrpVersion === 3) lines.push("    vrrp_version 3");
    lines.push("}", "");
    for (const track of spec.track) {
        lines.push(
            `vrrp_script ${track.name} {`,
            `    script "${track.command}"`,
            `    interval ${track.intervalS}`,
            `    fall ${track.fall}`,
            `    rise ${track.rise}`,
            "}",
            "",
        );
    }
    lines.push(
        `vrrp_instance ${spec.instanceName} {`,
        `    state ${spec.state}`,
        `    interface ${spec.interface}`,
        `    virtual_router_id ${spec.virtualRouterId}`,
        `    priority ${spec.priority}`,
        `    advert_int ${spec.advertInt}`,
    );
    if (spec.nopreempt) lines.push("    nopreempt");
    if (spec.garpMasterRefreshS !== undefined) lines.push(`    garp_master_refresh ${spec.garpMasterRefreshS}`);
    if (spec.authPass !== undefined) {
        lines.push("    authentication {", "        auth_type PASS", `        auth_pass ${spec.authPass}`, "    }");
    }
    if (spec.unicast) {
        lines.push(`    unicast_src_ip ${spec.unicast.sourceIp}`, "    unicast_peer {");
        for (const peer of spec.unicast.peers) lines.push(`        ${peer}`);
        lines.push("    }");
    }
    lines.push(
        "    virtual_ipaddress {",
        `        ${spec.vip.address}/${spec.vip.prefix} dev ${spec.interface}`,
        "    }",
        // No weight: a failing check puts the node in FAULT, which always releases the VIP.
        "    track_script {",
        ...spec.track.map((t) => `        ${t.name}`),
        "    }",
        "}",
    );
    return lines.join("\n") + "\n";
}
