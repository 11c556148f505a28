/**
 * The stack program: stack config (namespace `haproxy-ha`) -> web servers, two HAProxy nodes and
 * one keepalived pair (or one HAProxy node alone). See the README's configuration reference.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { buildTopology, parseTopologyConfig, readProgramStackConfig, requirePinnedHostKeys } from "./components";

// Every `haproxy-ha:` key the stack holds goes to the parser, so an unknown one is refused.
const { raw, secretKeys } = readProgramStackConfig();
const cfg = parseTopologyConfig(raw, { secretKeys });
// Fail closed before any host is touched: every host's key pinned, or the opt-out said explicitly.
requirePinnedHostKeys(cfg, pulumi.getStack());

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

/** The VIP; with one balancer (no keepalived), that balancer's own address. */
export const vip = topology.vip;
export const url = topology.url;
/** Every VIP (all instances'), and its URL: publish them all in DNS when the pair is active-active. */
export const vips = topology.vips;
export const urls = topology.urls;
export const balancers = topology.balancerNames;
/** The balancer that starts as MASTER; with one balancer, that one. */
export const master = topology.masterName;
/** Per instance, the balancer that starts as its MASTER (none with one balancer). */
export const masters = topology.masters;
/** Every web server's URL, managed or not. */
export const webs = topology.webUrls;
