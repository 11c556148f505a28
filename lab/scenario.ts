/**
 * The one shape of a lab test file, as a Molecule scenario:
 *
 *   create    fresh hosts from the cached rootfs, no stack state (`freshLab`)
 *   prepare   what the bare hosts have before the library comes (a prior state, snapshots)
 *   converge  the stack config written and selected, then `pulumi up` and the VIP on lb1
 *   ready     what the tests start from once converged (PIDs to compare, a slow page)
 *   act/verify  the file's `it`s, in order, on the one lab
 *   cleanup   always, even when a step above or a test failed: the file's own cleanup,
 *             `pulumi destroy` when asked, then the hosts go down and the stack is forgotten
 *
 * A file calls `labScenario({...})` inside its `describe` and reads the lab from `lab.info` in
 * its tests. Each file has its own lab: their first `pulumi up` (on bare hosts, after a prior
 * state, with their own config) is part of what they test.
 */
import * as fs from "fs";
import { checkReleaseVersions, DEFAULT_RELEASE, DESTROY, freshLab, hostsOk, LabInfo, labInfo, labRelease, prepareTools, pulumiOk, PulumiOptions, removeStack, selectStack, UP, vipHolders, waitFor, writeStackFile } from "./lab";

export interface ScenarioSpec {
    /** Web servers in the lab (`hosts.sh up --webs N`; default 2). */
    webs?: number;
    /** Debian release of every host (`hosts.sh up --release R`; default LAB_RELEASE, else 12). */
    release?: string;
    /** Per-host releases over `release` (`--host-release HOST=R`): a mixed lab. */
    hostReleases?: Record<string, string>;
    /** Prepare: on the bare hosts, before any stack config. */
    prepare?: (info: LabInfo) => void | Promise<void>;
    /** The `lab` stack's config, written to Pulumi.lab.yaml; the stack is then selected. */
    config?: (info: LabInfo) => Record<string, unknown>;
    /** Another program than the stack (lab/vrrp-project, examples/yaml): writes its own config; its stack is selected with `pulumi`. */
    program?: { write: (info: LabInfo) => void; pulumi: PulumiOptions; files?: string[] };
    /**
     * Converge: `true` runs `pulumi up` once; a function runs its own (it writes config, keeps the
     * run). Without it the hosts stay as prepared (the tests' first act is the up).
     */
    up?: boolean | ((info: LabInfo) => Promise<unknown>);
    /** After the up, wait until lb1 alone holds the VIP (ms). */
    vipOnLb1Ms?: number;
    /** Ready: once converged, what the tests start from. */
    ready?: (info: LabInfo) => void | Promise<void>;
    /** Cleanup of the file's own (a listener, a rogue sender), before the hosts go down; `info` is unset when create failed. */
    cleanup?: (info: LabInfo | undefined) => void | Promise<void>;
    /** `pulumi destroy` before the hosts go down (its failure is logged, not thrown). */
    destroy?: boolean;
}

export interface Scenario {
    /** The lab's description (hosts, VIP, control namespace); set once created. */
    readonly info: LabInfo;
    /** Figures the tests record (seconds); printed at cleanup. */
    timings: Record<string, number>;
}

/** Registers the scenario's before/after hooks in the calling `describe`. */
export function labScenario(spec: ScenarioSpec): Scenario {
    let info: LabInfo | undefined;
    const timings: Record<string, number> = {};
    // Each balancer's haproxy and keepalived are checked against its release's once installed
    // (after a test, as the first `pulumi up` may be a test): off Debian 12, a file that never
    // got to check them fails, so a release's run cannot pass on another release's versions.
    const seen = new Set<string>();
    const checkVersions = () => {
        if (!info || seen.has("haproxy") && seen.has("keepalived")) return;
        const versions = checkReleaseVersions(labInfo());
        const line = Object.entries(versions).map(([h, v]) => `${h} Debian ${v.release}: haproxy ${v.haproxy ?? "-"}, keepalived ${v.keepalived ?? "-"}`);
        for (const v of Object.values(versions)) for (const p of ["haproxy", "keepalived"] as const) if (v[p]) seen.add(p);
        if (seen.size === 2) console.log(`      versions run: ${line.join("; ")}`);
    };

    before(async () => {
        prepareTools();
        info = freshLab(spec.webs, { release: spec.release, hosts: spec.hostReleases });
        await spec.prepare?.(info);
        if (spec.config) {
            writeStackFile(spec.config(info));
            await selectStack();
        }
        if (spec.program) {
            spec.program.write(info);
            await pulumiOk(["stack", "select", "--create"], spec.program.pulumi);
        }
        if (spec.up === true) await pulumiOk(UP, spec.program?.pulumi);
        else if (spec.up) await spec.up(info);
        const lab = info;
        if (spec.vipOnLb1Ms !== undefined) await waitFor("the VIP on lb1", () => vipHolders(lab).join() === "lb1", spec.vipOnLb1Ms);
        await spec.ready?.(info);
        checkVersions();
    });

    afterEach(() => checkVersions());

    after(async () => {
        if (Object.keys(timings).length) console.log(`      timings (s): ${JSON.stringify(timings)}`);
        const release = spec.release ?? labRelease();
        const unchecked = info !== undefined && release !== DEFAULT_RELEASE && seen.size < 2;
        try {
            await spec.cleanup?.(info);
            if (spec.destroy && info) await pulumiOk(DESTROY, spec.program?.pulumi).catch((e) => console.log(`      destroy: ${(e as Error).message}`));
        } finally {
            hostsOk(["down"]);
            removeStack();
            for (const f of spec.program?.files ?? []) fs.rmSync(f, { force: true });
        }
        if (unchecked) throw new Error(`Debian ${release}: haproxy and keepalived were never seen installed on lb1/lb2, so their versions were not checked against the release's`);
    });

    return {
        get info(): LabInfo {
            if (!info) throw new Error("the lab is not created yet (the scenario's before hook failed or has not run)");
            return info;
        },
        timings,
    };
}
