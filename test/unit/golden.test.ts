import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { OS_FAMILIES, OsChoice, OsFamily, RenderedScript } from "../../components";
import { renderStack } from "../../scripts/renderStack";
import { referenceConfig } from "./fixtures";
import { CASES_GOLDEN_DIR, GOLDEN_DIR, matchesGolden, scriptsSnapshot } from "./helpers";

export { scriptsSnapshot };

/**
 * The goldens are few: the seed's dev stack (Pulumi.dev.yaml, CentOS 7: every file and every
 * node's scripts, test/unit/golden-cases/dev-stack, checked in stackInstances.test.ts) and one
 * scripts snapshot per other OS family (haproxy's steps, test/unit/golden/<family>/scripts).
 * What the per-family goldens showed beyond that is asserted here against those files: each
 * family's configs are the dev stack's byte for byte, its variants differ by the lines named,
 * every component's scripts carry the family's guard and package manager. That the configs run
 * is the real validators' job (validators.test.ts, properties.test.ts), that the scripts parse
 * scripts.test.ts's.
 */
const DEV_STACK = path.join(CASES_GOLDEN_DIR, "dev-stack");
/** A config without its second line, which names the version it was rendered for (each release its own). */
const unversioned = (text: string) => text.replace(/^# Rendered for (haproxy|keepalived) [^\n]*\n/m, "");
const devStack = (node: string, file: string) => unversioned(fs.readFileSync(path.join(DEV_STACK, node, file), "utf8"));

/** Families with a scripts snapshot of their own; centos7's is the dev stack's, `auto` runs every family's. */
const SNAPSHOT_FAMILIES: OsChoice[] = ["el8", "el9", "al2023", "debian", "ubuntu"];

/** What tells the families' scripts apart: the host guard, the package manager, keepalived's VRID-check interpreters, the web server. */
const FAMILY: Record<OsFamily, { guard: string; install: string; pythons: string[]; web: "httpd" | "nginx" }> = {
    centos7: { guard: "el_major -eq 7", install: "yum install -y -q", pythons: ["/usr/bin/python2", "/usr/bin/python"], web: "httpd" },
    el8: { guard: "el_major -eq 8", install: "dnf install -y -q", pythons: ["/usr/libexec/platform-python", "/usr/bin/python3"], web: "httpd" },
    el9: { guard: "el_major -ge 9", install: "dnf install -y -q", pythons: ["/usr/bin/python3"], web: "httpd" },
    al2023: { guard: `[ "$ID" = amzn ] && [ "\${VERSION_ID%%.*}" = 2023 ]`, install: "dnf install -y -q", pythons: ["/usr/bin/python3"], web: "httpd" },
    debian: { guard: `[ "$ID" = debian ]`, install: "apt-get install -y -q", pythons: ["/usr/bin/python3"], web: "nginx" },
    ubuntu: { guard: `[ "$ID" = ubuntu ]`, install: "apt-get install -y -q", pythons: ["/usr/bin/python3"], web: "nginx" },
};
const SITE_FILE = { httpd: "etc/httpd/conf.d/haproxy-ha-web.conf", nginx: "etc/nginx/sites-enabled/haproxy-ha-web" };

/** The scripts of one component, one snapshot per node. */
function perNode(scripts: RenderedScript[], component: string): string[] {
    const byNode = new Map<string, RenderedScript[]>();
    for (const s of scripts.filter((x) => x.component === component)) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
    return [...byNode.values()].map(scriptsSnapshot);
}

describe("rendered hosts per OS choice (against the dev stack's goldens and one scripts snapshot per family)", () => {
    for (const family of ["auto", ...OS_FAMILIES] as ("auto" | OsFamily)[]) {
        describe(`os ${family}`, () => {
            let rendered: Awaited<ReturnType<typeof renderStack>>;
            before(async () => {
                rendered = await renderStack(referenceConfig({ os: family }));
            });

            it("renders the dev stack's haproxy.cfg, keepalived.conf and pages byte for byte, and the family's site file", () => {
                const web = family === "auto" ? undefined : FAMILY[family].web;
                const listed = rendered.files.map((f) => path.join(f.node, f.path)).sort();
                const expected = ["hk1", "hk2"].flatMap((n) => [`${n}/etc/haproxy/haproxy.cfg`, `${n}/etc/keepalived/keepalived.conf`]);
                // `auto` knows the web server only on the host: its site file is written there, not rendered.
                for (const n of ["www1", "www2"]) expected.push(...(web ? [`${n}/${SITE_FILE[web]}`] : []), `${n}/var/www/html/index.html`);
                expect(listed).to.deep.equal(expected.sort());
                for (const f of rendered.files) {
                    if (f.path.endsWith("nginx/sites-enabled/haproxy-ha-web")) {
                        expect(f.content).to.match(/^# Managed by haproxy-ha: removed on destroy\.\nserver \{\n {4}listen 80 default_server;\n {4}root \/var\/www\/html;\n/);
                    } else {
                        expect(unversioned(f.content), `${f.node}${f.path}`).to.equal(devStack(f.node, f.path));
                    }
                }
            });

            it("runs the same scripts on every node of a component; they carry the family's guard and package manager", () => {
                const components = [...new Set(rendered.scripts.map((s) => s.component))];
                expect(components).to.deep.equal(["web", "haproxy", "keepalived"]);
                const snapshots = Object.fromEntries(
                    components.map((c) => {
                        const nodes = perNode(rendered.scripts, c);
                        expect(new Set(nodes).size, `${c} scripts differ between nodes`).to.equal(1);
                        return [c, nodes[0]];
                    }),
                );
                if (SNAPSHOT_FAMILIES.includes(family)) matchesGolden(path.join(family, "scripts", "haproxy.sh"), snapshots.haproxy);
                const families = family === "auto" ? (Object.keys(FAMILY) as (keyof typeof FAMILY)[]) : [family];
                for (const f of families) {
                    const { guard, install, pythons, web } = FAMILY[f];
                    for (const c of components) {
                        if (family !== "auto") expect(snapshots[c], `${c}: the ${f} host guard`).to.include(`if ! { ${guard}; }; then\n  echo 'haproxy-ha: os is set to ${f} but this host is'`);
                        else expect(snapshots[c], `${c}: auto's branch for ${f}`).to.include(guard);
                        expect(snapshots[c], `${c}: ${f}'s package manager`).to.include(install);
                    }
                    expect(snapshots.web, `${f}'s web server`).to.match(new RegExp(`install -y -q[^\\n]* '${web}'`));
                    expect(snapshots.keepalived, `${f}'s interpreters for the VRID check`).to.include(`${pythons.map((p, i) => `${i ? "elif" : "if"} [ -x '${p}' ]; then kpy='${p}';`).join(" ")} fi`);
                }
            });
        });
    }

    it("centos7 with unicast: keepalived.conf is the dev stack's with each node's source and peer", async () => {
        const { files } = await renderStack(referenceConfig({ centos7Vault: true, unicast: true }));
        const peers = { hk1: ["172.20.30.25", "172.20.30.26"], hk2: ["172.20.30.26", "172.20.30.25"] };
        for (const [node, [self, peer]] of Object.entries(peers)) {
            const conf = unversioned(files.find((f) => f.node === node && f.path.endsWith("keepalived.conf"))!.content);
            const dev = devStack(node, "etc/keepalived/keepalived.conf");
            expect(conf).to.equal(dev.replace("    }\n    virtual_ipaddress", `    }\n    unicast_src_ip ${self}\n    unicast_peer {\n        ${peer}\n    }\n    virtual_ipaddress`));
        }
    });

    it("debian with nopreempt and a gateway check: both nodes start BACKUP, the gateway costs more than the priority gap", async () => {
        const { files } = await renderStack(referenceConfig({ os: "debian", nopreempt: true, gatewayCheck: "172.20.30.1" }));
        const gateway = 'vrrp_script chk_gateway {\n    script "/usr/bin/ping -c 1 -W 1 172.20.30.1"\n    interval 1\n    fall 2\n    rise 2\n    weight -11\n}\n\n';
        for (const node of ["hk1", "hk2"]) {
            const conf = unversioned(files.find((f) => f.node === node && f.path.endsWith("keepalived.conf"))!.content);
            const expected = devStack(node, "etc/keepalived/keepalived.conf")
                .replace("vrrp_instance", `${gateway}vrrp_instance`)
                .replace("state MASTER", "state BACKUP")
                .replace(/( {4}advert_int \d+\n)/, "$1    nopreempt\n")
                .replace("        chk_haproxy\n", "        chk_haproxy\n        chk_gateway\n");
            expect(conf, node).to.equal(expected);
        }
    });

    it("holds no golden file but the families' haproxy scripts snapshots", () => {
        const walk = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
        expect(walk(GOLDEN_DIR).map((f) => path.relative(GOLDEN_DIR, f)).sort()).to.deep.equal(SNAPSHOT_FAMILIES.map((f) => `${f}/scripts/haproxy.sh`).sort());
    });
});
