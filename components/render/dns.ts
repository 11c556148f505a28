/**
 * haproxy's `resolvers` section and the server options that use it. Only directives haproxy 1.6
 * knows (the oldest version that has the section): its own defaults (3 retries, 1 s apart, a
 * valid answer held 10 s) stay haproxy's. From 1.8 haproxy re-resolves every `timeout resolve`
 * (1 s); 1.6 and 1.7 re-resolve when the server's health check runs, so the servers keep `check`.
 * PURE.
 */
import { RESOLVERS_NAME } from "../model/dns";
import { isIp } from "../validate";

export { RESOLVERS_NAME } from "../model/dns";

export interface HaproxyDns {
    nameservers: string[];
}

/** `resolvers haproxy_ha_dns` with one `nameserver` line per address, port 53 (haproxy reads the port after the last colon, so IPv6 needs no brackets). */
export function resolversSection(dns: HaproxyDns): string[] {
    return [`resolvers ${RESOLVERS_NAME}`, ...dns.nameservers.map((ns, i) => `nameserver ns${i + 1} ${ns}:53`)];
}

/** What a server line adds: a name is re-resolved through the section while haproxy runs; an IP address needs nothing. */
export function serverResolverOptions(address: string, dns: HaproxyDns | undefined): string[] {
    return dns && !isIp(address) ? [`resolvers ${RESOLVERS_NAME}`] : [];
}
