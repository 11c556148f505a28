/**
 * Property: no string value escapes quoting. A hostile string (quotes, `$()`, backticks, `;`,
 * newlines, NUL, unicode, 5,000 characters…) put in any string arg that reaches a script or a
 * config is either refused with an ArgumentError naming that very arg, or reaches the host only
 * as data. "Only as data", precisely: render the component once with a harmless placeholder P in
 * that arg and once with the hostile value H;
 *  - every rendered file (haproxy.cfg, keepalived.conf, hooks, pages) with H is the one with P,
 *    P replaced by H: H lands where P did, verbatim, and changes nothing else; in a line-based
 *    config (haproxy.cfg, keepalived.conf) H holds no line break or NUL (it cannot add a line);
 *  - in every step script, each occurrence of P lies inside a single-quoted shell string (or a
 *    heredoc with a quoted delimiter, when H has no newline), and the script with H is the one
 *    with P, P replaced by H with each `'` written `'\''`: the shell reads H back literally;
 *    every script that changed passes `sh -n`.
 * Through the public API only: the component constructors and their rendered view.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError, HaproxyNode, KeepalivedPair, RenderedFile, RenderedScript, WebBackend } from "../../components";
import { setRenderMocks } from "../../scripts/renderStack";
import { conn, pairNodes, SEED } from "./arbitraries";

setRenderMocks();

/** The harmless value every field holds in the reference render (a name, a path, a line…). */
const P = "zqxbn7";

/** The Output's value, or its error (a check that runs when a secret resolves throws there; `apply` would wait forever). */
const settled = <T>(o: pulumi.Output<T>) => (o as unknown as { promise(): Promise<T> }).promise();
type Build = (name: string, args: Record<string, unknown>) => { files: Promise<RenderedFile[]>; scripts: RenderedScript[] };
/** Each render needs its own resource name, which the shorthand pair names its instance after: texts are compared with it as NAME. */
const resourceName = () => `ptq${n++}x`;
const unnamed = (name: string, text: string) => text.split(name).join("NAME");
const haproxy: Build = (name, args) => {
    const c = new HaproxyNode(name, args as never);
    return { files: settled(c.files), scripts: c.scripts };
};
const pair: Build = (name, args) => {
    const c = new KeepalivedPair(name, args as never);
    return { files: settled(c.files), scripts: c.scripts };
};
const web: Build = (name, args) => {
    const c = new WebBackend(name, args as never);
    return { files: settled(c.files), scripts: c.scripts };
};

const servers = [{ name: "web1", address: "10.77.0.11" }];
const shorthandBase = {
    os: "auto",
    connection: conn("10.77.0.21"),
    address: "10.77.0.21",
    nodeName: "lb1",
    servers,
    bindAddress: "10.77.0.100",
    healthCheck: { path: "/", host: "app.example" },
    stats: { uri: "/stats", user: "ops", password: "p4ss", adminSources: ["10.77.0.0/16"] },
    extraConfig: { global: ["tune.bufsize 32768"], defaults: ["option http-keep-alive"], frontend: ["option http-keep-alive"], backend: ["retries 4"] },
    logging: { target: "devlog" },
    runtimeApi: true,
};
const collectionsBase = {
    os: "debian",
    connection: conn("10.77.0.21"),
    address: "10.77.0.21",
    nodeName: "lb1",
    frontends: [
        {
            name: "fe",
            binds: [{ address: "10.77.0.100", port: 80 }],
            routes: [{ hosts: ["app.example"], pathPrefixes: ["/api/"], backend: "app" }],
            defaultBackend: "app",
            requestHeaders: [{ action: "set", name: "X-Test", value: "v1" }],
            extraConfig: ["option http-keep-alive"],
        },
    ],
    backends: [{ name: "app", servers: [{ name: "web1", address: "10.77.0.11", state: "drain" }, { name: "web2", address: "10.77.0.12" }], sticky: { cookie: "SRV" }, extraConfig: ["retries 4"] }],
    runtimeApi: true,
};
const pairBase = { os: "auto", nodes: pairNodes, vip: "10.77.0.100/24", interface: "eth0", authPassword: "s3cret", trackInterfaces: ["lo"], gatewayCheck: { address: "10.77.0.1" }, notify: { master: "#!/bin/sh\nlogger up\n" } };
const instancesBase = { os: "el9", nodes: pairNodes, instances: [{ name: "a", vips: ["10.77.0.100/24"], virtualRouterId: 61, interface: "eth0", master: "lb1", trackInterfaces: ["lo"] }] };
const webBase = { os: "auto", connection: conn("10.77.0.15"), address: "10.77.0.15", backendName: "www1", content: "<h1>hello</h1>" };

/** One string arg: where it lives, the placeholder it holds in the reference render, how H is put there. */
interface Field {
    build: Build;
    base: Record<string, unknown>;
    path: string;
    /** Default P; an IP or CIDR field needs a valid address (no hostile value is one). */
    placeholder?: string;
    /** The value written for H (e.g. a hook must start with `#!`). */
    wrap?: (h: string) => string;
    /** Also set at these paths (a certificate's name and the bind naming it). */
    also?: string[];
}
const FIELDS: Field[] = [
    ...["nodeName", "frontendName", "backendName", "servers[0].name", "healthCheck.host", "stats.user", "stats.password"].map((p) => ({ build: haproxy, base: shorthandBase, path: p })),
    ...["healthCheck.path", "stats.uri"].map((p) => ({ build: haproxy, base: shorthandBase, path: p, placeholder: `/${P}`, wrap: (h: string) => `/${h}` })),
    ...["bindAddress", "address", "servers[0].address"].map((p) => ({ build: haproxy, base: shorthandBase, path: p, placeholder: "10.77.0.99" })),
    { build: haproxy, base: shorthandBase, path: "stats.adminSources[0]", placeholder: "10.99.0.0/16" },
    ...["healthCheck.method", "balance", "mode", "logging.target"].map((p) => ({ build: haproxy, base: shorthandBase, path: p, placeholder: ({ "healthCheck.method": "HEAD", balance: "leastconn", mode: "http", "logging.target": "rsyslog" } as Record<string, string>)[p] })),
    ...["extraConfig.global[0]", "extraConfig.defaults[0]", "extraConfig.frontend[0]", "extraConfig.backend[0]"].map((p) => ({ build: haproxy, base: shorthandBase, path: p, placeholder: `# ${P}`, wrap: (h: string) => `# ${h}` })),
    ...[
        "frontends[0].name",
        "frontends[0].routes[0].hosts[0]",
        "frontends[0].requestHeaders[0].name",
        "frontends[0].requestHeaders[0].value",
        "backends[0].servers[1].name",
        "backends[0].sticky.cookie",
    ].map((p) => ({ build: haproxy, base: collectionsBase, path: p })),
    { build: haproxy, base: collectionsBase, path: "backends[0].servers[0].name" },
    { build: haproxy, base: collectionsBase, path: "frontends[0].routes[0].pathPrefixes[0]", placeholder: `/${P}/`, wrap: (h: string) => `/${h}` },
    { build: haproxy, base: collectionsBase, path: "frontends[0].binds[0].address", placeholder: "10.77.0.99" },
    { build: haproxy, base: collectionsBase, path: "frontends[0].extraConfig[0]", placeholder: `# ${P}`, wrap: (h: string) => `# ${h}` },
    { build: haproxy, base: collectionsBase, path: "backends[0].name", also: ["frontends[0].defaultBackend", "frontends[0].routes[0].backend"] },
    ...["nodes[0].name", "authPassword", "trackInterfaces[0]", "interface"].map((p) => ({ build: pair, base: pairBase, path: p })),
    { build: pair, base: pairBase, path: "notify.master", placeholder: `#!/bin/sh\n${P}\n`, wrap: (h: string) => `#!/bin/sh\n${h}` },
    ...["nodes[0].address", "gatewayCheck.address"].map((p) => ({ build: pair, base: pairBase, path: p, placeholder: "10.77.0.29" })),
    { build: pair, base: pairBase, path: "vip", placeholder: "10.77.0.99/24" },
    ...["instances[0].name", "instances[0].interface"].map((p) => ({ build: pair, base: instancesBase, path: p })),
    { build: pair, base: instancesBase, path: "instances[0].vips[0]", placeholder: "10.77.0.99/24" },
    { build: pair, base: instancesBase, path: "instances[0].master", placeholder: "lb2" },
    { build: web, base: webBase, path: "backendName" },
    { build: web, base: webBase, path: "content", wrap: (h: string) => `${h}.` },
    { build: web, base: webBase, path: "address", placeholder: "10.77.0.99" },
];

/** A copy of `base` with `value` at `at` (`a.b[0].c`). */
function withValue(base: Record<string, unknown>, at: string, value: string): Record<string, unknown> {
    const copy = structuredCloneArgs(base);
    const keys = at.replace(/\[(\d+)\]/g, ".$1").split(".");
    let o = copy as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
    o[keys[keys.length - 1]] = value;
    return copy;
}
/** The field's base args with `value` at its path (and the paths that must name the same). */
function withValues(field: Field, value: string): Record<string, unknown> {
    return [field.path, ...(field.also ?? [])].reduce((args, at) => withValue(args, at, value), field.base);
}
/** A deep copy of plain args (connections hold only strings here). */
function structuredCloneArgs<T>(v: T): T {
    return JSON.parse(JSON.stringify(v)) as T;
}

/** Hostile pieces, alone or around ordinary text. */
const HOSTILE = [`'`, `"`, "`id`", "$(touch /tmp/pwned)", "${IFS}", "a;b", "a&&b", "a|b", "\n", "\r\n", "\0", "\\", " ", "#", "$HOME", "'\\''", "é→😀", "\u202e", "%[src]", "*", "..", "/"];
const hostile = fc
    .tuple(fc.constantFrom("", "a", "/", "#!/bin/sh\n", "ok-"), fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: "grapheme", maxLength: 4 })), { minLength: 1, maxLength: 4 }), fc.constantFrom("", "z", "x".repeat(5000)))
    .map(([pre, mid, post]) => pre + mid.join("") + post)
    .filter((h) => h !== P);

/** Per character of a script: inside a single-quoted string, or a quoted-delimiter heredoc body. */
function literalMask(script: string, heredocsCount: boolean): boolean[] {
    const mask = new Array<boolean>(script.length).fill(false);
    let i = 0;
    let pendingHeredoc: string | undefined;
    while (i < script.length) {
        const c = script[i];
        if (c === "\\") {
            i += 2;
        } else if (c === "'") {
            const end = script.indexOf("'", i + 1);
            for (let k = i + 1; k < end; k++) mask[k] = true;
            i = end + 1;
        } else if (c === '"') {
            // Double quotes: $, ` and \ still act inside; nothing in them counts as literal.
            i++;
            while (i < script.length && script[i] !== '"') i += script[i] === "\\" ? 2 : 1;
            i++;
        } else if (c === "#" && (i === 0 || /\s/.test(script[i - 1]))) {
            while (i < script.length && script[i] !== "\n") i++;
        } else if (script.startsWith("<<", i)) {
            const m = /^<<-?\s*'([^']+)'/.exec(script.slice(i));
            if (m) pendingHeredoc = m[1];
            i += m ? m[0].length : 2;
        } else if (c === "\n" && pendingHeredoc !== undefined) {
            const bodyStart = i + 1;
            const endLine = script.indexOf(`\n${pendingHeredoc}\n`, i);
            const bodyEnd = endLine < 0 ? script.length : endLine;
            if (heredocsCount) for (let k = bodyStart; k < bodyEnd; k++) mask[k] = true;
            i = bodyEnd + 1 + pendingHeredoc.length;
            pendingHeredoc = undefined;
        } else {
            i++;
        }
    }
    return mask;
}

/** Every place `p` occurs in `text` lies inside a single-quoted string. */
export function onlySingleQuoted(text: string, p: string, heredocsCount: boolean): boolean {
    const mask = literalMask(text, heredocsCount);
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) {
        for (let k = at; k < at + p.length; k++) if (!mask[k]) return false;
    }
    return true;
}

const scriptTexts = (scripts: RenderedScript[]) =>
    scripts.flatMap((s) => [[`${s.node} ${s.step}.create`, s.create], ...(s.update === undefined ? [] : [[`${s.node} ${s.step}.update`, s.update]]), [`${s.node} ${s.step}.delete`, s.delete]] as [string, string][]);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "haproxy-ha-quoting-"));
let n = 0;

describe("properties: no string value escapes quoting", () => {
    const references = new Map<Field, Promise<{ files: RenderedFile[]; scripts: [string, string][] }>>();
    const reference = (f: Field) => {
        if (!references.has(f)) {
            const name = resourceName();
            const built = f.build(name, withValues(f, f.placeholder ?? P));
            references.set(f, built.files.then((files) => ({ files: files.map((x) => ({ ...x, content: unnamed(name, x.content) })), scripts: scriptTexts(built.scripts).map(([s, t]) => [s, unnamed(name, t)]) })));
        }
        return references.get(f)!;
    };
    const inScripts = new Set<string>();
    let refused = 0;
    let accepted = 0;

    it("a hostile string in any string arg is refused naming that arg, or reaches the host only as data", async () => {
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...FIELDS.keys()), hostile, async (index, h) => {
                const field = FIELDS[index];
                const ref = await reference(field);
                const value = field.wrap ? field.wrap(h) : h;
                const args = withValues(field, value);
                const name = resourceName();
                let built: ReturnType<Build>;
                let files: RenderedFile[];
                try {
                    built = field.build(name, args);
                    files = (await built.files).map((x) => ({ ...x, content: unnamed(name, x.content) }));
                } catch (e) {
                    expect(e, `${field.path}: ${String(e)}`).to.be.instanceOf(ArgumentError);
                    expect([field.path, ...(field.also ?? [])], (e as Error).message).to.include((e as ArgumentError).field);
                    refused++;
                    return;
                }
                accepted++;
                const placeholder = field.placeholder ?? P;
                // Which node a file is for: a node name in the arg is a label here, not a path.
                expect(files.map((f) => `${f.node}:${f.path}`)).to.deep.equal(ref.files.map((f) => `${f.node.split(placeholder).join(value)}:${f.path}`));
                files.forEach((f, i) => {
                    const before = ref.files[i].content;
                    expect(f.content === before.split(placeholder).join(value), `${field.path}: ${f.path} holds the value elsewhere than the placeholder was`).to.equal(true);
                    if (/\.(cfg|conf)$/.test(f.path) && before.includes(placeholder)) expect(value, `${field.path} reaches ${f.path} with a line break or NUL`).to.not.match(/[\r\n\0]/);
                });
                const scripts = scriptTexts(built.scripts).map(([s, t]) => [s, unnamed(name, t)] as [string, string]);
                expect(scripts.map(([s]) => s)).to.deep.equal(ref.scripts.map(([s]) => s.split(placeholder).join(value)));
                const escaped = value.split("'").join(`'\\''`);
                const changed: string[] = [];
                scripts.forEach(([name, text], i) => {
                    const before = ref.scripts[i][1];
                    if (!before.includes(placeholder)) {
                        expect(text, `${field.path} reaches ${name}, where the placeholder is not`).to.equal(before);
                        return;
                    }
                    expect(onlySingleQuoted(before, placeholder, !/\n/.test(value)), `${field.path} reaches ${name} outside single quotes`).to.equal(true);
                    expect(text === before.split(placeholder).join(escaped), `${field.path}: ${name} is not the reference with the value single-quoted`).to.equal(true);
                    inScripts.add(field.path);
                    const file = path.join(dir, `s${n++}.sh`);
                    fs.writeFileSync(file, text);
                    changed.push(file);
                });
                if (changed.length) {
                    const r = spawnSync("sh", ["-c", 'for f; do sh -n "$f" || echo "sh -n fails: $f"; done', "sh", ...changed], { encoding: "utf8" });
                    expect(r.stdout + r.stderr).to.equal("");
                }
            }),
            { seed: SEED, numRuns: 400 },
        );
        // Both outcomes happen: hostile values are refused, and accepted ones are checked as data.
        expect(refused).to.be.greaterThan(50);
        expect(accepted).to.be.greaterThan(20);
        console.log(`      (${refused} refused, ${accepted} accepted and checked as data; single-quoted in scripts: ${[...inScripts].join(", ") || "none"})`);
    });

    it("the quoting check itself: it tells a single-quoted value from one that is not", () => {
        expect(onlySingleQuoted(`echo 'a ${P} b'`, P, true)).to.equal(true);
        expect(onlySingleQuoted(`echo "a ${P} b"`, P, true)).to.equal(false);
        expect(onlySingleQuoted(`echo ${P}`, P, true)).to.equal(false);
        expect(onlySingleQuoted(`# ${P}\necho 'x'`, P, true)).to.equal(false);
        expect(onlySingleQuoted(`echo "it's" ${P} 'x'`, P, true)).to.equal(false);
        expect(onlySingleQuoted(`cat <<'EOF'\n${P}\nEOF\n`, P, true)).to.equal(true);
        expect(onlySingleQuoted(`cat <<'EOF'\n${P}\nEOF\n`, P, false)).to.equal(false);
        expect(onlySingleQuoted(`cat <<EOF\n${P}\nEOF\n`, P, true)).to.equal(false);
    });
});
