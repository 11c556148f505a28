/**
 * A Pulumi program for the VRRP lab tests: web1, web2 behind lb1 and lb2, whose KeepalivedPair
 * floats the instances the test asks for (active-active by default). It reads its topology from
 * the JSON file named by HAPROXY_HA_VRRP_LAB (written by the test), not from stack config: it
 * reaches what the stack keys do not (notify hooks, raw frontend lines). The stack program with
 * `haproxy-ha:instances` has its own lab test (test/lab/vrrpStack.test.ts).
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { HaproxyNode, KeepalivedPair, KeepalivedPairArgs, WebBackend } from "../components";

export interface VrrpLabTopology {
    sshKeyPath: string;
    hostKeys: Record<string, string>;
    hosts: Record<string, string>;
    pair: Omit<KeepalivedPairArgs, "nodes" | "os">;
    /** Raw frontend lines for both balancers, e.g. an IPv6 bind. */
    extraFrontend?: string[];
}

const file = process.env.HAPROXY_HA_VRRP_LAB;
if (!file) throw new Error("HAPROXY_HA_VRRP_LAB must name the lab topology's JSON file");
const topo = JSON.parse(fs.readFileSync(file, "utf8")) as VrrpLabTopology;
const key = pulumi.secret(fs.readFileSync(topo.sshKeyPath, "utf8"));
const conn = (name: string) => ({ host: topo.hosts[name], user: "root", privateKey: key, hostKey: topo.hostKeys[topo.hosts[name]], perDialTimeout: 5, dialErrorLimit: 3 });

const webs = ["web1", "web2"].map((w) => new WebBackend(w, { os: "debian", connection: conn(w), address: topo.hosts[w] }));
const servers = webs.map((w) => ({ name: w.backendName, address: w.address }));
// Both balancers bind every address, so each serves whichever VIPs it holds.
const extraConfig = { frontend: topo.extraFrontend ?? [] };
const lb1 = new HaproxyNode("lb1", { os: "debian", connection: conn("lb1"), servers, extraConfig }, { dependsOn: webs });
const lb2 = new HaproxyNode("lb2", { os: "debian", connection: conn("lb2"), servers, extraConfig }, { dependsOn: [lb1] });
const pair = new KeepalivedPair("vrrp", {
    os: "debian",
    nodes: [
        { name: "lb1", connection: conn("lb1"), address: topo.hosts.lb1, dependsOn: lb1 },
        { name: "lb2", connection: conn("lb2"), address: topo.hosts.lb2, dependsOn: lb2 },
    ],
    ...topo.pair,
});

export const vips = pair.vips;
export const masters = pair.masters;
