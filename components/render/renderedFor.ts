/** The line after a config's `Managed by` header that names the version it was rendered for. PURE. */
export const renderedForLine = (tool: "haproxy" | "keepalived", version: string): string =>
    `# Rendered for ${tool} ${version}; checked against the installed ${tool} before it is swapped in.`;
