/**
 * `npm run lab:up`: the main job. Prepares the engine, boots the lab hosts, runs a real
 * `pulumi up` of the `lab` stack, then shows the HA front end working. Re-running converges.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { hostsOk, labConfig, labInfo, pulumiOk, REPO_ROOT, requestsThroughVip, selectStack, vipHolders, waitFor, writeStackFile } from "./lab";

const REQUESTS = 10;

async function main(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error("the lab needs root (network namespaces, overlay mounts, systemd-nspawn)");
    execFileSync("bash", [path.join(REPO_ROOT, "scripts/tools.sh")], { stdio: "inherit" });
    // The hosts' release comes from LAB_RELEASE (hosts.sh reads it); a cold cache of one takes minutes.
    process.stdout.write(hostsOk(["up"], { timeoutMs: 1_800_000 }));
    const info = labInfo();
    const config = labConfig(info);
    writeStackFile(config);
    await selectStack();
    const up = await pulumiOk(["up", "--yes", "--skip-preview"], { echo: true });
    console.log(`lab: pulumi up took ${up.seconds.toFixed(1)} s`);

    // The configured MASTER (highest priority) preempts a BACKUP that came up first: wait for it.
    const balancers = config.balancers as { name: string; priority: number }[];
    const master = balancers.reduce((a, b) => (b.priority > a.priority ? b : a)).name;
    let holders: string[] = [];
    await waitFor(`the VIP on the MASTER ${master}`, () => (holders = vipHolders(info)).join() === master, 20_000, 250).catch(() => undefined);
    console.log(`lab: VIP ${info.vip} is on ${holders.join(", ") || "no balancer"}`);
    if (holders.join() !== master) throw new Error(`the MASTER ${master} alone must hold the VIP, found: ${holders.join(", ") || "none"}`);
    const answers = requestsThroughVip(info, REQUESTS);
    console.log(`lab: ${REQUESTS} requests from client through the VIP: ${answers.join(" ")}`);
    const served = new Set(answers);
    if (answers.length !== REQUESTS || served.has("error") || !served.has("web1") || !served.has("web2")) {
        throw new Error("requests through the VIP must all succeed and reach both web1 and web2");
    }
    for (let i = 1; i < answers.length; i++) {
        if (answers[i] === answers[i - 1]) throw new Error(`round robin expected, got ${answers[i]} twice in a row`);
    }
    console.log("lab: OK — the HA web front end serves through the VIP with round robin (lab:down removes it)");
}

main().catch((e: Error) => {
    console.error(`lab:up: ${e.message}`);
    process.exitCode = 1;
});
