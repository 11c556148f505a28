/**
 * The remote steps of an HaproxyNode, in order: packages → sysctl → selinux → firewall →
 * config → service. A config change runs only the config step's update: validate, swap, reload.
 */
import { versionCheckScript } from "./hostFacts";
import { candidateAdapters, forOs, OsAdapter, OsChoice, RSYSLOG_DROP_IN, sameOnEveryFamily, UDP_HAPROXY_LOG } from "../os";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";
import { CERT_DIR } from "../model/vocabulary";
import { ERROR_DIR } from "../model/responses";
import { MAP_DIR } from "../render/routing";
import type { StepSpec } from "../remoteSteps";
import { shQuote } from "../shell/quote";
import { installFileScript, removeFileScript, restorePreviousFileScript, wantedPath } from "./files";
import { reloadHaproxyVerifiedScript } from "./haproxyReload";
import { portsFirewallScript, sourcePortFirewallScript } from "./firewall";
import { indent } from "./text";
import { packagesStep } from "./packages";
import { restoreSeBoolScript, setSeBoolScript } from "./selinux";
import { restoreSysctlScript, setSysctlScript } from "./sysctl";
import { mapsSyncScript } from "./maps";
import { ManagedServer, SAME_BUT_STATES, sameButStatesFunction, serverStatesScript } from "./serverStates";

export const HAPROXY_CONFIG_PATH = "/etc/haproxy/haproxy.cfg";
const NONLOCAL_BIND = "net.ipv4.ip_nonlocal_bind";
const NONLOCAL_BIND6 = "net.ipv6.ip_nonlocal_bind";
// With SELinux enforcing, haproxy may not connect to backends on arbitrary ports.
const SE_BOOL = "haproxy_connect_any";

/** Key of the config-and-certificates bundle a node with certificates receives on stdin. */
export const HAPROXY_BUNDLE = "haproxy-bundle";
/** The certificate names the library installed, one per line: what destroy and the next update remove. */
const CERT_MANIFEST = `${STATE_DIR}/haproxy-certs`;

/**
 * The kinds of file the bundle carries beside haproxy.cfg: each lands in its folder under
 * /etc/haproxy (0600 root: haproxy reads them as root before it drops privileges), with a
 * manifest of the names the library installed. `live`: a change of these alone needs no reload
 * (maps, with the runtime API: the maps step applies it).
 */
const BUNDLE_KINDS = [
    { kind: "certs", live: CERT_DIR, manifest: CERT_MANIFEST },
    { kind: "maps", live: MAP_DIR, manifest: `${STATE_DIR}/haproxy-maps` },
    { kind: "errors", live: ERROR_DIR, manifest: `${STATE_DIR}/haproxy-errors` },
] as const;
const TMPFILES_DROP_IN = "/etc/tmpfiles.d/haproxy-ha.conf";

/** The bundle's entry names: the library's own (haproxy.cfg, cert-<name>.pem), never a path. */
const ENTRY_NAME_RE = /^[A-Za-z0-9._-]+$/;
/** The same set spelt out for a shell pattern: a range such as A-Z may match more in some locales. */
const ENTRY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

/**
 * The bundle: each entry a header line `<name> <byte length>` and then exactly that many bytes,
 * haproxy.cfg first, then each certificate as cert-<name>.pem, each map as map-<name>.map, each
 * error page as errorpage-<file>. No marker inside the data: the parser reads each entry by its
 * length, so a PEM or config cannot start an entry of its own.
 */
export function haproxyBundle(
    config: string,
    certificates: { name: string; pem: string }[],
    extra: { maps?: { name: string; text: string }[]; errorPages?: { file: string; text: string }[] } = {},
): string {
    const entry = (name: string, text: string) => {
        if (!ENTRY_NAME_RE.test(name) || name.includes("..")) throw new Error(`haproxy-ha: ${JSON.stringify(name)} cannot name a bundle entry`);
        return `${name} ${Buffer.byteLength(text, "utf8")}\n${text}`;
    };
    return [
        entry("haproxy.cfg", config),
        ...certificates.map((c) => entry(`cert-${c.name}.pem`, c.pem)),
        ...(extra.maps ?? []).map((m) => entry(`map-${m.name}.map`, m.text)),
        ...(extra.errorPages ?? []).map((e) => entry(`errorpage-${e.file}`, e.text)),
    ].join("");
}

/**
 * Splits the bundle on stdin into "$dir": haproxy.cfg and certs/<name>.pem, nothing else. An
 * entry name outside the library's set (a `/`, `..`, another character), a bad length, an
 * entry twice or a stream that ends inside an entry stops the step before anything is installed.
 * POSIX sh: `read` takes the header byte by byte, `head -c` exactly the entry's bytes.
 */
export function bundleParserScript(): string {
    return [
        `bundle_refused() { echo "haproxy-ha: the bundle on stdin $1; nothing was installed" >&2; exit 1; }`,
        `while read -r entry size rest; do`,
        `  case "$entry" in`,
        `    ''|*[!${ENTRY_CHARS}]*|*..*) bundle_refused "holds an entry name outside [A-Za-z0-9._-] or with '..'" ;;`,
        `    haproxy.cfg) out="$dir/haproxy.cfg" ;;`,
        `    cert-?*.pem) out="$dir/certs/\${entry#cert-}" ;;`,
        `    map-?*.map) mkdir -p "$dir/maps"; out="$dir/maps/\${entry#map-}" ;;`,
        `    errorpage-?*) mkdir -p "$dir/errors"; out="$dir/errors/\${entry#errorpage-}" ;;`,
        `    *) bundle_refused "holds an entry the library does not write" ;;`,
        `  esac`,
        `  case "$size" in ''|*[!0123456789]*) bundle_refused "holds an entry without its length" ;; esac`,
        `  [ -z "$rest" ] || bundle_refused "holds a malformed entry header"`,
        `  [ ! -e "$out" ] || bundle_refused "holds an entry twice"`,
        `  head -c "$size" > "$out"`,
        `  [ "$(wc -c < "$out")" -eq "$size" ] || bundle_refused "ends inside an entry"`,
        `done`,
        `[ -z "$entry" ] || bundle_refused "ends inside an entry header"`,
    ].join("\n");
}

/**
 * The log target in haproxy.cfg and, per family, the rsyslog drop-in that receives it. With
 * `auto`, where families differ, every family gets the UDP variant (one config for all).
 */
export function haproxyLogging(os: OsChoice): { target: string; dropIn: (a: OsAdapter) => string | undefined } {
    const same = sameOnEveryFamily(os, (a) => a.haproxyLog);
    if (same) return { target: same.target, dropIn: () => same.rsyslogDropIn };
    return { target: UDP_HAPROXY_LOG.target, dropIn: () => UDP_HAPROXY_LOG.rsyslogDropIn };
}

export interface HaproxyStepOptions {
    os: OsChoice;
    /** Ports to open in the host firewall to everyone (frontends, stats without `adminSources`). */
    ports: number[];
    /** A port opened only to these CIDRs (the stats page with `adminSources`). */
    restrictedPort?: { port: number; sources: string[] };
    /** The peers port, opened only to the other members' addresses. */
    peersPort?: { port: number; sources: string[] };
    /** Certificates (and maps, error pages) travel with the config as one bundle, validated together. */
    certificates?: boolean;
    /**
     * With the runtime API: the map files the `maps` step keeps the running haproxy equal to, and a
     * digest of their contents (a change re-runs the step). A change of map files alone then swaps
     * them without a reload.
     */
    maps?: { paths: string[]; digest: string };
    /** Logs through rsyslog: rsyslog installed, the family's drop-in, rsyslog restarted. */
    rsyslog?: boolean;
    /** The runtime API socket needs /run/haproxy, and a client (socat) for the server states. */
    runtimeApi?: boolean;
    /**
     * With the runtime API: every server the backends render, with its wanted state. A change of
     * states alone swaps the config without a reload and is applied through the socket.
     */
    serverStates?: ManagedServer[];
    /** The frontend binds an address the node may not hold (the VIP on the BACKUP). */
    nonlocalBind: boolean;
    /** Such an address is IPv6: net.ipv6.ip_nonlocal_bind too (haproxy starts before keepalived sets it). */
    nonlocalBind6?: boolean;
    /** Switch to the family's archive repositories first (CentOS 7: the vault). */
    archiveRepos: boolean;
    /** ACME: the step that puts the HTTP-01 answer live before the certificates exist (script/acmeSteps.ts). */
    acmeResponder?: StepSpec;
}

const STATES_ONLY = `echo "haproxy-ha: only server states changed: the server-states step applies them through the runtime API, no reload"`;

/** The config step's reload: a config haproxy does not load (a port taken) is replaced by the one before. */
const RELOAD_CONFIG = reloadHaproxyVerifiedScript({ rollback: restorePreviousFileScript(`"$prev"`) });

const installConfig = (reload: boolean, states?: ManagedServer[]) =>
    [
        ...(reload && states ? [sameButStatesFunction(states)] : []),
        installFileScript({
            path: HAPROXY_CONFIG_PATH,
            mode: "0640",
            owner: "root",
            group: "haproxy",
            // Its alerts (stderr) name the line and keyword, not values: they reach the user; -q would hide them.
            validate: (tmp) => `${versionCheckScript("haproxy", tmp)}\nhaproxy -c -f ${tmp} >/dev/null || { echo "haproxy-ha: haproxy rejected the new config; the old one stays" >&2; exit 1; }`,
            beforeSwap: reload && states ? `reload=1\nif [ -e "$target" ] && ${SAME_BUT_STATES} "$target" "$tmp"; then reload=0; fi` : undefined,
            keepPrevious: reload,
            onChange: !reload
                ? undefined
                : states
                  ? `if [ "$reload" = 1 ]; then\n${indent(RELOAD_CONFIG)}\nelse\n  ${STATES_ONLY}\nfi`
                  : RELOAD_CONFIG,
        }),
    ].join("\n");

const RELOAD_REJECTED = `echo "haproxy-ha: haproxy rejected the new config; the old one stays" >&2; exit 1`;

const WANTED_CONFIG = shQuote(wantedPath(HAPROXY_CONFIG_PATH));

/** Before anything is replaced: the config, its wanted copy, each kind's files and manifest, in "$dir/prev". */
const keepPreviousBundle = [
    `mkdir "$dir/prev"`,
    `if [ -e ${shQuote(HAPROXY_CONFIG_PATH)} ]; then cp -p ${shQuote(HAPROXY_CONFIG_PATH)} "$dir/prev/file"; fi`,
    `if [ -e ${WANTED_CONFIG} ]; then cp -p ${WANTED_CONFIG} "$dir/prev/wanted"; fi`,
    ...BUNDLE_KINDS.flatMap(({ kind, live, manifest }) => [
        `mkdir "$dir/prev/${kind}"`,
        `if [ -e ${shQuote(manifest)} ]; then cp -p ${shQuote(manifest)} "$dir/prev/manifest-${kind}"; fi`,
        `for f in ${shQuote(live)}/*; do if [ -f "$f" ]; then cp -p "$f" "$dir/prev/${kind}/"; fi; done`,
    ]),
];

/** The bundle's reload: a set haproxy does not load puts back the previous files, manifests and config. */
const RELOAD_BUNDLE = reloadHaproxyVerifiedScript({
    rollback: [
        ...BUNDLE_KINDS.flatMap(({ kind, live, manifest }) => [
            `while read -r name; do rm -f ${shQuote(live)}/"$name"; done < "$dir/names-${kind}"`,
            `for f in "$dir/prev/${kind}"/*; do if [ -f "$f" ]; then cp -p "$f" ${shQuote(live)}/ || return 1; fi; done`,
            `if [ -e "$dir/prev/manifest-${kind}" ]; then cp -p "$dir/prev/manifest-${kind}" ${shQuote(manifest)}; else rm -f ${shQuote(manifest)}; fi`,
        ]),
        `target=${shQuote(HAPROXY_CONFIG_PATH)}`,
        `wanted=${WANTED_CONFIG}`,
        restorePreviousFileScript(`"$dir/prev"`),
    ].join("\n"),
});

/**
 * Installs the bundle on stdin: config and certificates land in a private temporary directory,
 * the candidate set is validated together (`crt-base` pointed at the candidate certificates),
 * and only then do the certificates and the config replace the live ones. Certificates the
 * new set no longer has are removed. A changed file reloads haproxy (update only): rotating a
 * certificate is a reload, never a restart.
 */
const installBundle = (reload: boolean, states?: ManagedServer[], liveMaps = false): string =>
    [
        ...(reload && states ? [sameButStatesFunction(states)] : []),
        `umask 077`,
        `mkdir -p /etc/haproxy`,
        `dir=$(mktemp -d /etc/haproxy/.haproxy-ha.XXXXXX)`,
        `trap 'rm -rf "$dir"' EXIT`,
        `mkdir "$dir/certs" "$dir/maps" "$dir/errors"`,
        bundleParserScript(),
        `[ -s "$dir/haproxy.cfg" ] || { echo "haproxy-ha: the bundle on stdin holds no haproxy.cfg" >&2; exit 1; }`,
        ...BUNDLE_KINDS.map(({ kind }) => `ls "$dir/${kind}" > "$dir/names-${kind}"`),
        // The candidate is checked with its own certificates, maps and pages ($dir is mktemp's: no sed metacharacter).
        `sed -e "s|^    crt-base .*|    crt-base $dir/certs|" -e "s|${MAP_DIR}/|$dir/maps/|g" -e "s|${ERROR_DIR}/|$dir/errors/|g" "$dir/haproxy.cfg" > "$dir/check.cfg"`,
        versionCheckScript("haproxy", `"$dir/haproxy.cfg"`),
        `haproxy -c -f "$dir/check.cfg" >/dev/null || { ${RELOAD_REJECTED}; }`,
        `changed=0`,
        `[ -e ${shQuote(HAPROXY_CONFIG_PATH)} ] && cmp -s "$dir/haproxy.cfg" ${shQuote(HAPROXY_CONFIG_PATH)} || changed=1`,
        ...(reload && states
            ? [
                  `states_only=0`,
                  `if [ "$changed" = 1 ] && [ -e ${shQuote(HAPROXY_CONFIG_PATH)} ] && ${SAME_BUT_STATES} ${shQuote(HAPROXY_CONFIG_PATH)} "$dir/haproxy.cfg"; then changed=0; states_only=1; fi`,
              ]
            : []),
        ...(liveMaps ? [`maps_changed=0`] : []),
        `mkdir -p ${BUNDLE_KINDS.map((k) => shQuote(k.live)).join(" ")} ${shQuote(STATE_DIR)}`,
        `chmod 0700 ${BUNDLE_KINDS.map((k) => shQuote(k.live)).join(" ")}`,
        ...(reload ? keepPreviousBundle : []),
        ...BUNDLE_KINDS.flatMap(({ kind, live }) => [
            `while read -r name; do`,
            `  target=${shQuote(live)}/"$name"`,
            `  if [ -e "$target" ] && cmp -s "$dir/${kind}/$name" "$target"; then continue; fi`,
            `  chown root:root "$dir/${kind}/$name"`,
            `  chmod 0600 "$dir/${kind}/$name"`,
            `  mv -f "$dir/${kind}/$name" "$target"`,
            `  echo "installed: $target"`,
            // A map's entries change through the runtime API (the maps step) when the file alone changed.
            kind === "maps" && liveMaps ? `  maps_changed=1` : `  changed=1`,
            `done < "$dir/names-${kind}"`,
        ]),
        `(`,
        installFileScript({
            path: HAPROXY_CONFIG_PATH,
            mode: "0640",
            owner: "root",
            group: "haproxy",
            validate: (tmp) => `haproxy -c -f ${tmp} >/dev/null || { ${RELOAD_REJECTED}; }`,
        }),
        `) < "$dir/haproxy.cfg"`,
        ...BUNDLE_KINDS.flatMap(({ kind, live, manifest }) => [
            `if [ -e ${shQuote(manifest)} ]; then`,
            `  while read -r name; do`,
            `    if ! grep -qxF "$name" "$dir/names-${kind}"; then rm -f ${shQuote(live)}/"$name"; echo "removed: ${live}/$name"; changed=1; fi`,
            `  done < ${shQuote(manifest)}`,
            `fi`,
            `if [ -s "$dir/names-${kind}" ]; then cp "$dir/names-${kind}" ${shQuote(manifest)}; else rm -f ${shQuote(manifest)}; rmdir ${shQuote(live)} 2>/dev/null || true; fi`,
        ]),
        ...(reload
            ? [
                  `if [ "$changed" = 1 ]; then`,
                  indent(RELOAD_BUNDLE),
                  ...(states ? [`elif [ "$states_only" = 1 ]; then`, `  ${STATES_ONLY}`] : []),
                  `fi`,
                  ...(liveMaps ? [`if [ "$changed" = 0 ] && [ "$maps_changed" = 1 ]; then echo "haproxy-ha: only map entries changed: the maps step applies them through the runtime API, no reload"; fi`] : []),
              ]
            : [`: "$changed"`]),
    ].join("\n");

/** The bundle install (stdin), for the ACME responder step: the same validation, swap and reload. */
export const installBundleScript = (reload: boolean): string => installBundle(reload);

/** Removes the certificates the library installed, then puts back the config that was there before. */
const removeBundle = (afterwards: string) =>
    [
        ...BUNDLE_KINDS.flatMap(({ live, manifest }) => [
            `if [ -e ${shQuote(manifest)} ]; then`,
            `  while read -r name; do rm -f ${shQuote(live)}/"$name"; done < ${shQuote(manifest)}`,
            `  rm -f ${shQuote(manifest)}`,
            `fi`,
            `rmdir ${shQuote(live)} 2>/dev/null || true`,
        ]),
        removeFileScript(HAPROXY_CONFIG_PATH, afterwards),
    ].join("\n");

/** rsyslog receives haproxy's log: the family's drop-in (if any), rsyslog enabled and restarted to read it. */
function loggingStep(os: OsChoice): StepSpec {
    const { dropIn } = haproxyLogging(os);
    const install = (a: OsAdapter) => {
        const text = dropIn(a);
        const file = text === undefined ? [] : [`cat <<'HAPROXY_HA_RSYSLOG' | {`, text.trimEnd(), `HAPROXY_HA_RSYSLOG`, installFileScript({ path: RSYSLOG_DROP_IN, mode: "0644", owner: "root", group: "root", plainContent: true }), `}`];
        // A restart, not a reload: rsyslog reads new inputs (the chroot socket, UDP) only when it starts.
        return [...file, a.services.enableAndRestart("rsyslog")].join("\n");
    };
    const remove = (a: OsAdapter) =>
        [...(dropIn(a) === undefined ? [] : [removeFileScript(RSYSLOG_DROP_IN), `systemctl try-restart rsyslog >/dev/null 2>&1 || true`]), a.services.restore("rsyslog")].join("\n");
    return { name: "logging", create: forOs(os, install), update: forOs(os, install), delete: forOs(os, remove) };
}

/** /run/haproxy for the runtime API socket, where the family's package does not create it. */
function runtimeDirStep(os: OsChoice): StepSpec {
    const create = (a: OsAdapter) =>
        a.haproxyRunDir
            ? ":"
            : [
                  `printf '%s\\n' 'd /run/haproxy 0750 root haproxy -' > ${shQuote(TMPFILES_DROP_IN)}`,
                  `systemd-tmpfiles --create ${shQuote(TMPFILES_DROP_IN)}`,
              ].join("\n");
    const remove = (a: OsAdapter) => (a.haproxyRunDir ? ":" : `rm -f ${shQuote(TMPFILES_DROP_IN)}\n${cleanupStateDirScript()}`);
    return { name: "runtime-dir", create: forOs(os, create), delete: forOs(os, remove) };
}

export function haproxySteps(opts: HaproxyStepOptions): StepSpec[] {
    const { os } = opts;
    const packages = (a: OsAdapter) => [...a.haproxyPackages, ...(opts.rsyslog ? ["rsyslog"] : []), ...(opts.runtimeApi ? [a.socketClientPackage] : [])];
    const steps: StepSpec[] = [packagesStep(os, "haproxy", packages, opts.archiveRepos)];
    if (opts.nonlocalBind) {
        steps.push({ name: "sysctl", create: setSysctlScript(NONLOCAL_BIND, "1"), delete: restoreSysctlScript(NONLOCAL_BIND) });
    }
    if (opts.nonlocalBind6) {
        steps.push({ name: "sysctl-ipv6", create: setSysctlScript(NONLOCAL_BIND6, "1"), delete: restoreSysctlScript(NONLOCAL_BIND6) });
    }
    if (candidateAdapters(os).some((a) => a.selinux)) {
        steps.push({
            name: "selinux",
            create: forOs(os, (a) => (a.selinux ? setSeBoolScript(SE_BOOL) : ":")),
            delete: forOs(os, (a) => (a.selinux ? restoreSeBoolScript(SE_BOOL) : ":")),
        });
    }
    if (opts.rsyslog) steps.push(loggingStep(os));
    const restricted = opts.restrictedPort;
    const peers = opts.peersPort;
    const firewall = (a: OsAdapter, action: "open" | "close") =>
        [
            portsFirewallScript(a.firewalls, opts.ports, action),
            ...(restricted ? [sourcePortFirewallScript(a.firewalls, restricted.port, restricted.sources, action)] : []),
            ...(peers ? [sourcePortFirewallScript(a.firewalls, peers.port, peers.sources, action)] : []),
        ]
            .filter((l) => l !== ":")
            .join("\n") || ":";
    steps.push({
        name: "firewall",
        create: forOs(os, (a) => firewall(a, "open")),
        delete: forOs(os, (a) => firewall(a, "close")),
        // The peers port joins the triggers only when set: a stack without peers keeps its step as it was.
        triggers: [opts.ports, ...(restricted ? [restricted] : []), ...(peers ? [{ peers }] : [])],
    });
    if (opts.runtimeApi && candidateAdapters(os).some((a) => !a.haproxyRunDir)) steps.push(runtimeDirStep(os));
    if (opts.acmeResponder) steps.push(opts.acmeResponder);
    steps.push(
        opts.certificates
            ? { name: "config", create: installBundle(false), update: installBundle(true, opts.serverStates, opts.maps !== undefined), delete: forOs(os, (a) => removeBundle(a.services.reloadIfActive("haproxy"))), stdinFile: HAPROXY_BUNDLE }
            : {
                  name: "config",
                  create: installConfig(false),
                  update: installConfig(true, opts.serverStates),
                  delete: forOs(os, (a) => removeFileScript(HAPROXY_CONFIG_PATH, a.services.reloadIfActive("haproxy"))),
                  stdinFile: HAPROXY_CONFIG_PATH,
              },
        {
            name: "service",
            create: forOs(os, (a) => a.services.enableAndRestart("haproxy")),
            // A reload haproxy does not take (a port taken since) fails the step: nothing to put back here.
            update: forOs(os, (a) => `${a.services.enable("haproxy")}\n${reloadHaproxyVerifiedScript()}`),
            delete: forOs(os, (a) => a.services.restore("haproxy")),
        },
    );
    if (opts.maps) {
        // After the service: a reload this run made has loaded the files already, and the step finds nothing to change.
        const sync = mapsSyncScript(opts.maps.paths);
        steps.push({ name: "maps", create: sync, update: sync, delete: ":", triggers: [opts.maps.digest] });
    }
    if (opts.serverStates) {
        // After the service: haproxy runs, and a reload this run made (global changes) has recreated the socket.
        const apply = serverStatesScript(os, opts.serverStates);
        steps.push({ name: "server-states", create: apply, update: apply, delete: ":" });
    }
    return steps;
}
