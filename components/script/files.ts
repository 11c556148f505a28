/**
 * Files the library owns: installed from stdin through validation and an atomic swap, and put
 * back as they were on destroy (the original is kept under the state directory meanwhile). PURE.
 */
import { shQuote } from "../shell/quote";
import { cleanupStateDirScript, STATE_DIR } from "../os/stateDir";
import { indent } from "./text";

export const BACKUP_DIR = `${STATE_DIR}/backup`;
/** A copy of each file as the stack wants it (0600) and its `mode owner group`: what the drift check compares. */
export const WANTED_DIR = `${STATE_DIR}/wanted`;

export interface FileTarget {
    path: string;
    /** Octal mode, e.g. "0640". */
    mode: string;
    owner: string;
    group: string;
}

export interface InstallFileOptions extends FileTarget {
    /** Shell that validates the candidate file, given the quoted path of the temporary copy. */
    validate?: (quotedTmpPath: string) => string;
    /** Shell run after validation, before the swap, with "$tmp" (the candidate) and "$target" set. */
    beforeSwap?: string;
    /** Shell run only when the file content changed. */
    onChange?: string;
    /**
     * Keeps the file as it was before the swap, and its wanted copy, in the directory "$prev"
     * (removed on exit), so that `onChange` can put them back with `restorePreviousFileScript`.
     */
    keepPrevious?: boolean;
    /**
     * The content holds no secret, so the drift check may show it in a diff. Default false: the
     * drift check says only that the file differs, with line counts and changed line numbers
     * (fail closed: a file nobody marked, or a wanted copy recorded before this mark, stays hidden).
     */
    plainContent?: boolean;
}

/** Where the drift check's copy of `path` lives. */
export const wantedPath = (path: string) => WANTED_DIR + path;

/**
 * Installs stdin as `path`: written to a temporary file beside it, validated, then moved into
 * place atomically, so an invalid candidate never replaces a working file. The installed file is
 * recorded under WANTED_DIR for the drift check.
 */
export function installFileScript(opts: InstallFileOptions): string {
    const target = shQuote(opts.path);
    const backup = shQuote(BACKUP_DIR + opts.path);
    const lines = [
        `target=${target}`,
        `backup=${backup}`,
        `mkdir -p "$(dirname "$target")" "$(dirname "$backup")"`,
        `tmp=$(mktemp "$(dirname "$target")/.haproxy-ha.XXXXXX")`,
        ...(opts.keepPrevious
            ? [`prev=$(mktemp -d "$(dirname "$target")/.haproxy-ha-prev.XXXXXX")`, `trap 'rm -f "$tmp"; rm -rf "$prev"' EXIT`]
            : [`trap 'rm -f "$tmp"' EXIT`]),
        `cat > "$tmp"`,
        `chown ${shQuote(`${opts.owner}:${opts.group}`)} "$tmp"`,
        `chmod ${shQuote(opts.mode)} "$tmp"`,
    ];
    if (opts.validate) {
        lines.push(opts.validate(`"$tmp"`));
    }
    if (opts.beforeSwap) lines.push(opts.beforeSwap);
    // `changed` exists only where something reads it.
    const changed = (value: 0 | 1) => (opts.onChange ? [`  changed=${value}`] : []);
    const owner = shQuote(`${opts.owner}:${opts.group}`);
    lines.push(
        `if [ -e "$target" ] && cmp -s "$tmp" "$target"; then`,
        `  echo "unchanged: $target"`,
        // Same content: still put back an owner or mode changed by hand.
        `  chown ${owner} "$target"; chmod ${shQuote(opts.mode)} "$target"`,
        ...changed(0),
        `else`,
        `  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then`,
        `    if [ -e "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi`,
        `  fi`,
        ...(opts.keepPrevious
            ? [
                  `  if [ -e "$target" ]; then cp -p "$target" "$prev/file"; fi`,
                  `  if [ -e ${shQuote(wantedPath(opts.path))} ]; then cp -p ${shQuote(wantedPath(opts.path))} "$prev/wanted"; fi`,
              ]
            : []),
        `  mv -f "$tmp" "$target"`,
        `  echo "installed: $target"`,
        ...changed(1),
        `fi`,
        `wanted=${shQuote(WANTED_DIR + opts.path)}`,
        `mkdir -p "$(dirname "$wanted")"`,
        `cp "$target" "$wanted" && chmod 0600 "$wanted"`,
        `printf '%s\\n' ${shQuote(`${opts.mode} ${opts.owner} ${opts.group} ${opts.plainContent ? "plain" : "secret"}`)} > "$wanted.meta"`,
    );
    if (opts.onChange) {
        lines.push(`if [ "$changed" = 1 ]; then`, indent(opts.onChange), `fi`);
    }
    return lines.join("\n");
}

/**
 * Puts back what `keepPrevious` kept of `target` (fails if there was nothing): the file, and
 * the wanted copy as it was, so the drift check still compares with what the stack last applied.
 * Takes the directory holding `file` and `wanted`; `$target` and `$wanted` name the live paths.
 */
export function restorePreviousFileScript(dir: string): string {
    return [
        `[ -e ${dir}/file ] || return 1`,
        `mv -f ${dir}/file "$target" || return 1`,
        `echo "restored the previous $target"`,
        `if [ -e ${dir}/wanted ]; then mv -f ${dir}/wanted "$wanted" || return 1; else cp "$target" "$wanted" || return 1; fi`,
    ].join("\n");
}

/**
 * Puts back the file that was at `path` before the library wrote it (or removes it if there was
 * none), then runs `afterwards` (e.g. a reload, for a service the host ran before and keeps running).
 */
export function removeFileScript(path: string, afterwards?: string): string {
    return [
        `target=${shQuote(path)}`,
        `backup=${shQuote(BACKUP_DIR + path)}`,
        `if [ -e "$backup" ]; then mv -f "$backup" "$target"; echo "restored: $target"`,
        `else rm -f "$target" "$backup.absent"; echo "removed: $target"; fi`,
        `rm -f ${shQuote(WANTED_DIR + path)} ${shQuote(`${WANTED_DIR}${path}.meta`)}`,
        ...(afterwards ? [afterwards] : []),
        cleanupStateDirScript(),
    ].join("\n");
}
