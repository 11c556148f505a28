/** Layout of generated shell text. PURE. */

/** Indents every non-empty line by two spaces (never use it on text holding a here-doc). */
export function indent(text: string): string {
    return text
        .split("\n")
        .map((line) => (line ? "  " + line : line))
        .join("\n");
}
