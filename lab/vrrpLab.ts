/** What the VRRP lab tests share: the lab/vrrp-project stack, its topology file, VIP holders, requests through a VIP. */
import * as fs from "fs";
import * as path from "path";
import { hostKeys, LabInfo, LAB_STATE, onHost, pulumiOk, PulumiRun, REPO_ROOT, waitFor } from "./lab";
import type { VrrpLabTopology } from "./vrrpProgram";

export const VRRP_PROJECT = path.join(REPO_ROOT, "lab/vrrp-project");
export const VRRP_STACK = "vrrp";
export const TOPOLOGY_FILE = path.join(LAB_STATE, "vrrp-lab.json");
/** VRRP timers: advert 1 s, so a BACKUP takes over within ~4 s; a gateway check needs fall 2 × 1 s more. */
export const MOVE_MS = 15_000;

/** Runs the real Pulumi CLI on the VRRP lab stack. */
export const vrrpPulumi = (args: string[]): Promise<PulumiRun> =>
    pulumiOk(args, { cwd: VRRP_PROJECT, stack: VRRP_STACK, env: { HAPROXY_HA_VRRP_LAB: TOPOLOGY_FILE } });

/** Writes the topology the lab program reads: web1, web2 behind lb1, lb2 with `pair`. */
export function writeTopology(info: LabInfo, pair: VrrpLabTopology["pair"], extraFrontend?: string[]): void {
    const hosts = Object.fromEntries(Object.entries(info.hosts).map(([name, v]) => [name, v.address]));
    const topology: VrrpLabTopology = { sshKeyPath: info.sshKeyPath, hostKeys: hostKeys(info), hosts, pair, extraFrontend };
    fs.writeFileSync(TOPOLOGY_FILE, JSON.stringify(topology));
}

/** The balancers whose eth0 holds `vip`. */
export function holders(vip: string): string[] {
    return ["lb1", "lb2"].filter((h) => {
        const r = onHost(h, `ip -${vip.includes(":") ? 6 : 4} -o addr show dev eth0`, 15_000);
        return r.code === 0 && r.stdout.includes(` ${vip}/`);
    });
}

export const waitHolders = (vip: string, expected: string[], timeoutMs = MOVE_MS) =>
    waitFor(`${vip} held by ${expected.join(" and ") || "nobody"}`, () => holders(vip).join() === expected.join(), timeoutMs);

/** `count` requests from the client through `vip`: the <h1> of each answer, or `error`. */
export function through(vip: string, count: number): string[] {
    const url = `http://${vip.includes(":") ? `[${vip}]` : vip}/`;
    const r = onHost(
        "client",
        `i=0; while [ $i -lt ${count} ]; do i=$((i+1)); h=$(curl -s -g --max-time 2 ${url} | sed -n 's:.*<h1>\\(.*\\)</h1>.*:\\1:p'); echo "\${h:-error}"; done`,
        count * 3000 + 10_000,
    );
    return r.stdout.trim().split("\n").filter(Boolean);
}
