/**
 * The stack program: stack config (namespace `haproxy-ha`) -> web servers, two HAProxy nodes,
 * one keepalived pair. See the README's configuration reference.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { buildTopology, parseTopologyConfig } from "./components";

const KEYS = [
    "os", "ssh", "webs", "balancers", "vip", "interface", "virtualRouterId", "port", "balance", "stats",
    "unicast", "nopreempt", "advertInt", "vrrpVersion", "become", "centos7Vault", "extraBackend", "gatewayCheck", "haproxyCheck",
    "frontends", "backends", "certificates", "logging", "runtimeApi",
];

const config = new pulumi.Config("haproxy-ha");
const raw: Record<string, unknown> = {};
for (const key of KEYS) {
    // Pulumi keeps plain strings as they are and structured values as JSON.
    const text = config.get(key);
    if (text === undefined) continue;
    try {
        raw[key] = JSON.parse(text);
    } catch {
        raw[key] = text;
    }
}
const cfg = parseTopologyConfig(raw);

function readKey(file: string): string {
    const resolved = file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(file);
    try {
        return fs.readFileSync(resolved, "utf8");
    } catch (e) {
        throw new Error(`stack config: \`haproxy-ha:ssh.privateKeyPath\` cannot be read, got ${JSON.stringify(file)}: ${(e as Error).message}`);
    }
}
const privateKey = pulumi.secret(cfg.ssh.privateKey ?? readKey(cfg.ssh.privateKeyPath as string));

const topology = buildTopology(cfg, privateKey);

export const vip = topology.vip;
export const url = topology.url;
export const balancers = topology.pair.nodeNames;
export const master = topology.pair.masterName;
export const webs = topology.webs.map((w) => w.url);
