/** What the VRRP lab tests share: the lab/vrrp-project stack, its topology file, VIP holders, requests through a VIP. */
import * as fs from "fs";
import * as path from "path";
import { holdersOf, hostKeys, LabInfo, LAB_STATE, pulumiOk, PulumiOptions, PulumiRun, REPO_ROOT, requestsThrough, waitFor } from "./lab";
import type { VrrpLabTopology } from "./vrrpProgram";

export const VRRP_PROJECT = path.join(REPO_ROOT, "lab/vrrp-project");
export const VRRP_STACK = "vrrp";
export const TOPOLOGY_FILE = path.join(LAB_STATE, "vrrp-lab.json");
/** VRRP timers: advert 1 s, so a BACKUP takes over within ~4 s; a gateway check needs fall 2 × 1 s more. */
export const MOVE_MS = 15_000;

const VRRP_OPTIONS: PulumiOptions = { cwd: VRRP_PROJECT, stack: VRRP_STACK, env: { HAPROXY_HA_VRRP_LAB: TOPOLOGY_FILE } };

/** Runs the real Pulumi CLI on the VRRP lab stack. */
export const vrrpPulumi = (args: string[]): Promise<PulumiRun> => pulumiOk(args, VRRP_OPTIONS);

/** The VRRP lab program for a scenario (lab/scenario.ts): `write` writes its topology (writeTopology); the topology file goes at cleanup. */
export function vrrpProgram(write: (info: LabInfo) => void): { write: (info: LabInfo) => void; pulumi: PulumiOptions; files: string[] } {
    return { write, pulumi: VRRP_OPTIONS, files: [TOPOLOGY_FILE] };
}

/** Writes the topology the lab program reads: web1, web2 behind lb1, lb2 with `pair`. */
export function writeTopology(info: LabInfo, pair: VrrpLabTopology["pair"], extraFrontend?: string[]): void {
    const hosts = Object.fromEntries(Object.entries(info.hosts).map(([name, v]) => [name, v.address]));
    const topology: VrrpLabTopology = { sshKeyPath: info.sshKeyPath, hostKeys: hostKeys(info), hosts, pair, extraFrontend };
    fs.writeFileSync(TOPOLOGY_FILE, JSON.stringify(topology));
}

/** The balancers whose eth0 holds `vip`. */
export const holders = (vip: string): string[] => holdersOf(vip);

export const waitHolders = (vip: string, expected: string[], timeoutMs = MOVE_MS) =>
    waitFor(`${vip} held by ${expected.join(" and ") || "nobody"}`, () => holders(vip).join() === expected.join(), timeoutMs);

/** `count` requests from the client through `vip`: the <h1> of each answer, or `error`. */
export const through = requestsThrough;
