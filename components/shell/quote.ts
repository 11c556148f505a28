/**
 * Shell quoting. Every value that reaches a remote shell goes through `shQuote`; file contents
 * never do: they travel on the command's stdin. It stands below os/ (whose adapter is shell text)
 * and script/ (which builds scripts from that adapter), so that both may use it. PURE.
 */

/** Quotes `value` as one POSIX shell word: single quotes, with embedded ones as '\''. */
export function shQuote(value: string): string {
    if (value.includes("\0")) {
        throw new Error(`cannot pass a NUL byte to a shell: ${JSON.stringify(value)}`);
    }
    return "'" + value.replace(/'/g, `'\\''`) + "'";
}

/** Quotes each value and joins them with spaces. */
export function shQuoteAll(values: readonly string[]): string {
    return values.map(shQuote).join(" ");
}
