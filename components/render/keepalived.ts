/**
 * keepalived.conf for one node of a VRRP pair. PURE and deterministic. Only directives
 * keepalived 1.3.5 (CentOS 7) accepts; never `vrrp_strict`, which adds DROP rules and forbids
 * unicast and authentication.
 */
import { renderedForLine } from "./renderedFor";
import { MAINT_MARKER, MAINT_PRIORITY } from "../model/maintenance";
import { ConfigHooksSpec, InstanceHooksSpec, renderHookSections, renderInstanceHooks } from "./keepalivedHooks";

export interface VrrpTrackScript {
    name: string;
    /** An absolute command; it must not be writable by non-root users (enable_script_security). */
    command: string;
    intervalS: number;
    fall: number;
    rise: number;
    /** Seconds before a run counts as failed; unset: keepalived's default. */
    timeoutS?: number;
    /**
     * Unset: a failing check puts the node in FAULT (always releases the VIP). Negative: a failing
     * check lowers the priority by that much, so the peer takes the VIP only if its check passes.
     */
    weight?: number;
}

export interface VrrpInstanceSpec extends InstanceHooksSpec {
    /** The rendered `vrrp_instance` name, e.g. `VI_a`. */
    name: string;
    /** With nopreempt both nodes start as BACKUP: keepalived ignores nopreempt on a MASTER. */
    state: "MASTER" | "BACKUP";
    priority: number;
    virtualRouterId: number;
    /** Seconds; fractions only with VRRP version 3 (keepalived ≥ 1.2.17). */
    advertInt: number;
    nopreempt: boolean;
    /** Carries the adverts and the VIPs; keepalived tracks it itself (a down link means FAULT). */
    interface: string;
    vips: { address: string; prefix: number }[];
    /** VRRPv2 PASS authentication (at most 8 characters); VRRPv3 has none. */
    authPass?: string;
    /** This instance's VRRP version where it differs from the global one. */
    version?: 2 | 3;
    /** Unicast adverts for networks without multicast. */
    unicast?: { sourceIp: string; peers: string[] };
    /** Names of the `vrrp_script`s this instance tracks. */
    trackScripts: string[];
    /** More interfaces whose link going down puts the instance in FAULT. */
    trackInterfaces?: string[];
    /** Seconds after becoming MASTER to send gratuitous ARPs again, refreshing stale peers' caches. */
    garpMasterRefreshS?: number;
    /** Script keepalived runs on every transition of this instance. */
    notify?: string;
}

export interface KeepalivedConfigSpec extends ConfigHooksSpec {
    nodeName: string;
    /** The keepalived the config is for, named in its second line (checked on the host before the swap). */
    keepalivedVersion?: string;
    /** The global VRRP version (`vrrp_version 3` is rendered only for 3). */
    vrrpVersion: 2 | 3;
    scripts: VrrpTrackScript[];
    instances: VrrpInstanceSpec[];
    /** The node is in maint: every instance BACKUP with priority 1 (the peer takes the VIPs), and a marker line. */
    maint?: boolean;
}

/** One instance, as the single-VIP shorthand has always rendered it; new directives come last. */
function renderInstance(spec: VrrpInstanceSpec): string[] {
    const lines = [
        `vrrp_instance ${spec.name} {`,
        `    state ${spec.state}`,
        `    interface ${spec.interface}`,
        `    virtual_router_id ${spec.virtualRouterId}`,
        `    priority ${spec.priority}`,
        `    advert_int ${spec.advertInt}`,
    ];
    if (spec.version !== undefined) lines.push(`    version ${spec.version}`);
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
    lines.push("    virtual_ipaddress {", ...spec.vips.map((v) => `        ${v.address}/${v.prefix} dev ${spec.interface}`), "    }");
    if (spec.trackScripts.length > 0) lines.push("    track_script {", ...spec.trackScripts.map((t) => `        ${t}`), "    }");
    if (spec.trackInterfaces?.length) lines.push("    track_interface {", ...spec.trackInterfaces.map((t) => `        ${t}`), "    }");
    if (spec.notify !== undefined) lines.push(`    notify "${spec.notify}"`);
    lines.push(...renderInstanceHooks(spec), "}");
    return lines;
}

export function renderKeepalivedConfig(spec: KeepalivedConfigSpec): string {
    const lines: string[] = [
        `# Managed by haproxy-ha for node ${spec.nodeName}; local edits are overwritten.`,
        ...(spec.keepalivedVersion === undefined ? [] : [renderedForLine("keepalived", spec.keepalivedVersion)]),
        ...(spec.maint ? [MAINT_MARKER] : []),
        "global_defs {",
        `    router_id ${spec.nodeName}`,
        "    enable_script_security",
        // Run checks as root: a missing keepalived_script user makes keepalived drop the script silently.
        "    script_user root",
    ];
    if (spec.vrrpVersion === 3) lines.push("    vrrp_version 3");
    lines.push("}", "");
    for (const track of spec.scripts) {
        lines.push(
            `vrrp_script ${track.name} {`,
            `    script "${track.command}"`,
            `    interval ${track.intervalS}`,
            `    fall ${track.fall}`,
            `    rise ${track.rise}`,
            ...(track.timeoutS === undefined ? [] : [`    timeout ${track.timeoutS}`]),
            ...(track.weight === undefined ? [] : [`    weight ${track.weight}`]),
            "}",
            "",
        );
    }
    lines.push(...renderHookSections(spec));
    spec.instances.forEach((instance, i) => {
        if (i > 0) lines.push("");
        lines.push(...renderInstance(spec.maint ? { ...instance, state: "BACKUP", priority: MAINT_PRIORITY } : instance));
    });
    return lines.join("\n") + "\n";
}
