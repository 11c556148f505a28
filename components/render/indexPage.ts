/** The web server's index page. PURE. */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** The default page names the backend, so the round robin shows in a browser as in the original lab. */
export function renderIndexPage(backendName: string, content?: string): string {
    if (content !== undefined) return content.endsWith("\n") ? content : content + "\n";
    const name = escapeHtml(backendName);
    return `<!doctype html>\n<html><head><title>${name}</title></head><body><h1>${name}</h1></body></html>\n`;
}
