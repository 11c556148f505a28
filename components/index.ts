/** The public API of haproxy-ha. */
export { WebBackend, WebBackendArgs } from "./webBackend";
export { HaproxyNode, HaproxyNodeArgs, HaproxyExtraConfigArgs, HaproxyLoggingArgs, HaproxyStatsArgs, HaproxyTimeoutsArgs } from "./haproxyNode";
export {
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
    checkHaproxyCollections,
} from "./model/haproxy";
export { HaproxyHeaderMatchArgs, HaproxyMapArgs, HaproxyQueryParamMatchArgs, HaproxyRouteMatchArgs } from "./model/routing";
export { HaproxyCompressionArgs, HaproxyErrorPageArgs, HaproxyRawSectionArgs } from "./model/responses";
export { HaproxyAuthArgs, HaproxyPeerArgs, HaproxyPeersArgs, HaproxyRateLimitArgs, HaproxyUserArgs, HaproxyUserlistArgs } from "./model/edge";
export {
    KeepalivedCheckArgs,
    KeepalivedGatewayCheckArgs,
    KeepalivedNodeArgs,
    KeepalivedPair,
    KeepalivedPairArgs,
    VrrpInstanceArgs,
    VrrpNotifyArgs,
} from "./keepalivedPair";
export { VrrpGarpArgs, VrrpSyncGroupArgs, VrrpTrackFileArgs, VrrpTrackProcessArgs, VrrpTrackScriptArgs } from "./model/keepalivedHooks";
export { ConnectionArgs, HostArgs, PackageRepositoryArgs, RenderedFile, RenderedScript, RenderedView } from "./common";
export { OsChoice, OsFamily, OS_CHOICES, OS_FAMILIES } from "./os";
export { BalanceAlgorithm, BALANCE_ALGORITHMS } from "./model/vocabulary";
export { ArgumentError } from "./validate";
export { AcmeAccount, AcmeAccountArgs, AcmeCertificate, AcmeCertificateArgs } from "./acme/resources";
export { HaproxyAcmeArgs, AcmeSettingsArgs, ACME_CHALLENGES } from "./model/acme";
export { buildTopology, requirePinnedHostKeys, Topology } from "./topology";
export { DEFAULTS } from "./defaults";
export {
    CONFIG_NAMESPACE,
    decodeConfigText,
    parseTopologyConfig,
    ParseOptions,
    readProgramStackConfig,
    renderConfigReference,
    selectProjectKeys,
    SshConfig,
    STACK_CONFIG_KEYS,
    StackConfigKey,
    TopologyConfig,
} from "./stackConfig";
