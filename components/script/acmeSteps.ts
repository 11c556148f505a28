/**
 * The ACME HTTP-01 answer put live before the certificate exists, PURE. The `acme-responder`
 * step installs the node's config (with the stateless challenge rule) and its certificates, a
 * certificate the host already has kept as it is and one it lacks as the account's self-signed
 * placeholder, through the same validated bundle install as the config step. It runs when the
 * account (its thumbprint) changes: on the first `up`, before the certificate is ordered. The
 * config step then installs the issued certificate; destroy is the config step's.
 */
import { CERT_DIR } from "../model/vocabulary";
import type { StepSpec } from "../remoteSteps";
import { shQuote } from "../shell/quote";
import { bundleParserScript, installBundleScript } from "./haproxySteps";

/** Key of the responder's bundle on stdin. */
export const ACME_RESPONDER_BUNDLE = "haproxy-acme-responder-bundle";

export function acmeResponderScript(): string {
    return [
        `umask 077`,
        `mkdir -p /etc/haproxy`,
        `pre=$(mktemp -d /etc/haproxy/.haproxy-ha-acme.XXXXXX)`,
        `trap 'rm -rf "$pre"' EXIT`,
        `dir=$pre`,
        `mkdir "$dir/certs"`,
        bundleParserScript(),
        // A certificate on the host (issued by an earlier run) keeps serving: never the placeholder over it.
        `for f in "$dir/certs"/*; do`,
        `  [ -f "$f" ] || continue`,
        `  if [ -f ${shQuote(CERT_DIR)}/"\${f##*/}" ]; then cp ${shQuote(CERT_DIR)}/"\${f##*/}" "$f"; fi`,
        `done`,
        `size() { wc -c < "$1" | tr -d ' '; }`,
        `{`,
        `  printf 'haproxy.cfg %s\\n' "$(size "$dir/haproxy.cfg")"`,
        `  cat "$dir/haproxy.cfg"`,
        `  for f in "$dir/certs"/*; do`,
        `    [ -f "$f" ] || continue`,
        `    printf 'cert-%s %s\\n' "\${f##*/}" "$(size "$f")"`,
        `    cat "$f"`,
        `  done`,
        // The config's maps and error pages travel with it, as the config step ships them.
        `  for f in "$dir/maps"/* "$dir/errors"/*; do`,
        `    [ -f "$f" ] || continue`,
        `    case "$f" in "$dir/maps/"*) kind=map ;; *) kind=errorpage ;; esac`,
        `    printf '%s-%s %s\\n' "$kind" "\${f##*/}" "$(size "$f")"`,
        `    cat "$f"`,
        `  done`,
        `} > "$pre/bundle"`,
        // The config step's own install, reloading (or starting) haproxy when anything changed.
        `( ${installBundleScript(true).split("\n").join("\n  ")}\n) < "$pre/bundle"`,
    ].join("\n");
}

/** The step: replaced (create runs) when the account changes; a changed config alone is the config step's. */
export function acmeResponderStep(thumbprint: unknown): StepSpec {
    return {
        name: "acme-responder",
        create: acmeResponderScript(),
        update: `: the config step installs this change`,
        delete: `: the config step removes the config and certificates`,
        stdinFile: ACME_RESPONDER_BUNDLE,
        triggers: [thumbprint],
        beforeDependsOn: true,
    };
}
