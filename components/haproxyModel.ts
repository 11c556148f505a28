/**
 * Moved to model/haproxy.ts (issue 20). Kept only for frontendsConfig.ts, which the stack-config
 * rewrite deletes: remove this file with it.
 */
export {
    CheckedBackend,
    CheckedBind,
    CheckedFrontend,
    CheckedServer,
    checkHaproxyCollections,
    CollectionsInput,
    HaproxyBackendArgs,
    HaproxyBackendTimeoutsArgs,
    HaproxyBindArgs,
    HaproxyBindTlsArgs,
    HaproxyCertificateArgs,
    HaproxyFrontendArgs,
    HaproxyFrontendTimeoutsArgs,
    HaproxyHeaderRuleArgs,
    HaproxyHealthCheckArgs,
    HaproxyHstsArgs,
    HaproxyRouteArgs,
    HaproxyServerArgs,
    HaproxyStickyArgs,
    requireHaproxy,
    tlsHosts,
} from "./model/haproxy";
