/**
 * `npm run bench:provision`: on fresh bare lab hosts (packages installed from the lab's
 * mirror), the first `pulumi up` of the whole topology, the no-op re-run and `pulumi destroy`;
 * then, on fresh hosts again, the equivalent Ansible playbook (bench/ansible) and its teardown.
 * Prints JSON lines, a table and the ratios.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { freshLab, hostsOk, installedPackages, LabInfo, labConfig, LAB_STATE, prepareTools, pulumiOk, REPO_ROOT, removeStack, selectStack, tail, writeStackFile } from "../lab/lab";

const ANSIBLE_DIR = path.join(REPO_ROOT, "bench/ansible");

function ensureAnsible(): void {
    if (spawnSync("ansible-playbook", ["--version"]).status === 0) return;
    const r = spawnSync("sh", ["-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ansible || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ansible)"], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("cannot install Debian's ansible package");
}

function inventory(info: LabInfo): string {
    const h = info.hosts;
    const secret = () => crypto.randomBytes(6).toString("base64url").slice(0, 8);
    return [
        "[webs]",
        `web1 ansible_host=${h.web1.address}`,
        `web2 ansible_host=${h.web2.address}`,
        "[balancers]",
        `lb1 ansible_host=${h.lb1.address} vrrp_state=MASTER vrrp_priority=100`,
        `lb2 ansible_host=${h.lb2.address} vrrp_state=BACKUP vrrp_priority=90`,
        "[all:vars]",
        "ansible_user=root",
        `ansible_ssh_private_key_file=${info.sshKeyPath}`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${info.knownHostsPath} -o StrictHostKeyChecking=yes'`,
        `vip_address=${info.vip.split("/")[0]}`,
        `vip_cidr=${info.vip}`,
        `vrrp_interface=${info.interface}`,
        "vrrp_router_id=77",
        `vrrp_auth_pass=${secret()}`,
        `stats_password=${secret()}${secret()}`,
        "",
    ].join("\n");
}

function playbook(info: LabInfo, file: string): number {
    const inv = path.join(LAB_STATE, "ansible-inventory.ini");
    fs.writeFileSync(inv, inventory(info), { mode: 0o600 });
    const started = process.hrtime.bigint();
    const r = spawnSync("ip", ["netns", "exec", info.ctlNamespace, "ansible-playbook", "-i", inv, path.join(ANSIBLE_DIR, file)], {
        cwd: ANSIBLE_DIR,
        encoding: "utf8",
        env: { ...process.env, ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, "ansible.cfg") },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`ansible-playbook ${file} failed:\n${tail(r.stdout + r.stderr, 40)}`);
    return seconds;
}

/** A fresh lab whose hosts lack what the topology installs, so both tools' first runs install it. */
function bareLab(): LabInfo {
    const info = freshLab();
    for (const [h, p] of [["web1", "nginx"], ["lb1", "haproxy"]]) {
        if (installedPackages(h).includes(p)) throw new Error(`${h} must start without ${p}`);
    }
    return info;
}

async function main(): Promise<void> {
    prepareTools();
    ensureAnsible();
    const figures: Record<string, Record<string, number>> = { pulumi: {}, ansible: {} };

    try {
        let info = bareLab();
        writeStackFile(labConfig(info));
        await selectStack();
        figures.pulumi.first = (await pulumiOk(["up", "--yes", "--skip-preview"])).seconds;
        figures.pulumi.noop = (await pulumiOk(["up", "--yes", "--skip-preview", "--expect-no-changes"])).seconds;
        figures.pulumi.teardown = (await pulumiOk(["destroy", "--yes", "--skip-preview"])).seconds;

        info = bareLab();
        figures.ansible.first = playbook(info, "site.yml");
        figures.ansible.noop = playbook(info, "site.yml");
        figures.ansible.teardown = playbook(info, "teardown.yml");
    } finally {
        // Leave nothing running, even when a measurement failed.
        hostsOk(["down"]);
        removeStack();
        fs.rmSync(path.join(LAB_STATE, "ansible-inventory.ini"), { force: true });
    }

    for (const [tool, f] of Object.entries(figures)) console.log(JSON.stringify({ tool, first_s: round(f.first), noop_s: round(f.noop), teardown_s: round(f.teardown) }));
    console.log("\nrun        pulumi (s)  ansible (s)  pulumi/ansible");
    for (const run of ["first", "noop", "teardown"]) {
        const p = figures.pulumi[run];
        const a = figures.ansible[run];
        console.log(`${run.padEnd(10)} ${p.toFixed(1).padStart(10)} ${a.toFixed(1).padStart(12)} ${(p / a).toFixed(2).padStart(15)}`);
    }
}

function round(x: number): number {
    return Math.round(x * 10) / 10;
}

main().catch((e: Error) => {
    console.error(`bench:provision: ${e.message}`);
    process.exitCode = 1;
});
