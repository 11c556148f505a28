/**
 * Error pages, compression and raw top-level sections as haproxy.cfg lines and files. Per
 * version: haproxy ≥ 2.2 serves a page with `http-error status … content-type … file` (the file
 * holds the body; haproxy writes the headers); older versions with `errorfile` (the file holds
 * the whole HTTP response). PURE.
 */
import { versionAtLeast } from "../os";
import { CompressionPlan, ERROR_DIR, ErrorPagePlan, RawSectionPlan } from "../model/responses";

const REASONS: Record<number, string> = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    407: "Proxy Authentication Required",
    408: "Request Time-out",
    410: "Gone",
    413: "Payload Too Large",
    425: "Too Early",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
};

export function errorPageLines(pages: ErrorPagePlan[] | undefined, version: string): string[] {
    return (pages ?? []).map((p) =>
        versionAtLeast(version, "2.2") ? `http-error status ${p.status} content-type "${p.contentType}" file ${ERROR_DIR}/${p.file}` : `errorfile ${p.status} ${ERROR_DIR}/${p.file}`,
    );
}

/** The page's file as the version reads it. */
export function errorPageFile(p: ErrorPagePlan, version: string): string {
    if (versionAtLeast(version, "2.2")) return p.body;
    const head = [`HTTP/1.0 ${p.status} ${REASONS[p.status]}`, "Cache-Control: no-cache", "Connection: close", `Content-Type: ${p.contentType}`, `Content-Length: ${Buffer.byteLength(p.body, "utf8")}`];
    return `${head.join("\r\n")}\r\n\r\n${p.body}`;
}

export function compressionLines(c: CompressionPlan | undefined): string[] {
    return c ? [`compression algo ${c.algorithms.join(" ")}`, `compression type ${c.types.join(" ")}`] : [];
}

export function rawSections(sections: RawSectionPlan[] | undefined): string[][] {
    return (sections ?? []).map((s) => [`${s.type} ${s.name}`, ...s.lines]);
}
