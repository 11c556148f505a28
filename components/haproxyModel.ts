/**
 * Moved to model/haproxy.ts (issue 20). Kept only for frontendsConfig.ts, which the stack-config
 * rewrite deletes: remove this file with it.
 */
export { checkHaproxyCollections, HaproxyBackendArgs, HaproxyCertificateArgs, HaproxyFrontendArgs, requireHaproxy, tlsHosts } from "./model/haproxy";
