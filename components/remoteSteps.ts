/**
 * Turns pure step specs into chained `command.remote.Command`s: the only place that creates them.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { shQuote } from "./shell/quote";
import { sshReachable } from "./sshProbe";

export type ConnectionArgs = command.types.input.remote.ConnectionArgs;

/** What `dependsOn` accepts in resource options. */
export type Dependencies = pulumi.ResourceOptions["dependsOn"];

/** The header every generated script starts with: stop at the first failing command or unset variable. */
export const SCRIPT_HEADER = "set -eu";

/** One remote step: `create` does it, `update` re-applies a changed input, `delete` undoes it. */
export interface StepSpec {
    name: string;
    create: string;
    /** Unset: a changed input runs `create` again (every create script is idempotent). */
    update?: string;
    delete: string;
    /** Key of the rendered file whose content this step receives on stdin. */
    stdinFile?: string;
    /** A change of these replaces the step: its `delete` runs, then `create`. */
    triggers?: unknown[];
    /**
     * With `installDependsOn`: like the packages step, this step (and every step before it) waits
     * only for `installDependsOn`, not for `dependsOn` (the ACME HTTP-01 answer, which the
     * certificate the later steps carry waits for).
     */
    beforeDependsOn?: boolean;
}

/** A script as the host runs it, for `npm run render` and the golden files. */
export interface RenderedScript {
    node: string;
    /** Which component the step belongs to: `web`, `haproxy` or `keepalived`. */
    component: string;
    step: string;
    create: string;
    update?: string;
    delete: string;
}

/** A file as it lands on the host. */
export interface RenderedFile {
    node: string;
    path: string;
    mode: string;
    owner: string;
    group: string;
    content: string;
}

export interface StepContext {
    parent: pulumi.Resource;
    /** Prefix of the child resource names; unique in the stack (the component's name). */
    prefix: string;
    connection: pulumi.Input<ConnectionArgs>;
    /** Run the scripts through `sudo -n` for a non-root SSH user. */
    become: boolean;
    /** Raised by the user to re-run every step's create/update (repairs drift); 0 changes nothing. */
    reapply: number;
    /** Seconds a step may run on the host (see HostArgs.stepTimeoutS). */
    stepTimeoutS: number;
    /**
     * Contents by key, for steps with `stdinFile`; or made from the packages step (the first step
     * unless repositories come before it), whose output reports what the host runs (script/hostFacts.ts).
     */
    stdin: Record<string, pulumi.Input<string>> | ((first: command.remote.Command) => Record<string, pulumi.Input<string>>);
    /**
     * What the first step waits for: the component's own `dependsOn` (Pulumi does not pass a
     * component's dependsOn on to its children), plus e.g. the other node's steps.
     */
    dependsOn?: Dependencies[];
    /**
     * Set: the first step (the packages step) waits only for these, and `dependsOn` orders the
     * steps after it, those that change files and services (a host's packages steps take turns
     * through a host-side lock, see packages.ts).
     */
    installDependsOn?: Dependencies[];
}

/** Exit codes of `timeout`: the limit passed (TERM), or the script ignored TERM and was killed. */
const TIMED_OUT = [124, 137];

/**
 * The command a step runs: POSIX sh whatever the login shell, stopping at the first error, stopped
 * by the host after `limitS` seconds. The limit runs on the host because the command plugin
 * bounds only the dial: a script that never ends (a held lock, a hung service) would hold
 * `pulumi up` forever. The script travels as an argument of the wrapper, quoted once.
 */
export function remoteScript(body: string, become: boolean, limitS: number): string {
    const script = `${SCRIPT_HEADER}\n${body}\n`;
    const wrapper = [
        `timeout -k 10 ${limitS} sh -c "$1" haproxy-ha-step || {`,
        `  rc=$?`,
        `  case $rc in ${TIMED_OUT.join("|")}) echo "haproxy-ha: the step ran longer than ${limitS} s (stepTimeoutS) on $(hostname) and was stopped" >&2 ;; esac`,
        `  exit "$rc"`,
        `}`,
    ].join("\n");
    return `${become ? "sudo -n " : ""}sh -c ${shQuote(wrapper)} sh ${shQuote(script)}`;
}

/** The engine's limit per step: the host's own plus a margin for the connection and `timeout -k`. */
export function engineTimeout(limitS: number): string {
    return `${limitS + 60}s`;
}

export function renderedScripts(node: string, component: string, steps: StepSpec[]): RenderedScript[] {
    return steps.map((s) => ({
        node,
        component,
        step: s.name,
        create: `${SCRIPT_HEADER}\n${s.create}\n`,
        update: s.update === undefined ? undefined : `${SCRIPT_HEADER}\n${s.update}\n`,
        delete: `${SCRIPT_HEADER}\n${s.delete}\n`,
    }));
}

/** Creates one Command per step, each waiting for the one before. */
export function createSteps(ctx: StepContext, steps: StepSpec[]): command.remote.Command[] {
    const commands: command.remote.Command[] = [];
    // Steps before the gate wait only for installDependsOn: the packages step, and up to the last `beforeDependsOn` step.
    const lastEarly = steps.reduce((last, s, i) => (s.beforeDependsOn ? i : last), 0);
    let stdinByKey = typeof ctx.stdin === "function" ? undefined : ctx.stdin;
    // The host's facts come from the packages step, which a repositories step may precede (script/repositories.ts).
    const factsAt = Math.max(0, steps.findIndex((s) => s.name === "packages"));
    for (const step of steps) {
        if (stdinByKey === undefined && commands.length > factsAt) stdinByKey = (ctx.stdin as (first: command.remote.Command) => Record<string, pulumi.Input<string>>)(commands[factsAt]);
        // The SDK flattens nested lists, Outputs and Promises of resources in dependsOn
        // (runtime/dependsOn.ts gatherExplicitDependencies), so the caller's forms pass as they are.
        const gate = ctx.installDependsOn === undefined ? 0 : lastEarly + 1;
        const previous = [
            ...(commands.length > 0 ? [commands[commands.length - 1]] : [sshReachable(ctx.connection)]),
            ...(commands.length === 0 ? (ctx.installDependsOn ?? ctx.dependsOn ?? []) : []),
            ...(commands.length === gate && gate > 0 ? (ctx.dependsOn ?? []) : []),
        ] as pulumi.Input<pulumi.Resource>[];
        const stdin = step.stdinFile === undefined ? undefined : stdinByKey?.[step.stdinFile];
        // A changed script text re-runs `update` (or `create` where there is none); never `delete`.
        const again = ctx.reapply > 0 ? `\n# reapply ${ctx.reapply}` : "";
        if (step.stdinFile !== undefined && stdin === undefined) {
            throw new Error(`step ${step.name} of ${ctx.prefix} reads file ${step.stdinFile}, which was not rendered`);
        }
        commands.push(
            new command.remote.Command(
                `${ctx.prefix}-${step.name}`,
                {
                    connection: ctx.connection,
                    create: remoteScript(step.create + again, ctx.become, ctx.stepTimeoutS),
                    update: step.update === undefined ? undefined : remoteScript(step.update + again, ctx.become, ctx.stepTimeoutS),
                    delete: remoteScript(step.delete, ctx.become, ctx.stepTimeoutS),
                    stdin,
                    triggers: step.triggers,
                    // Scripts never print file contents, but validators may quote a line back.
                    logging: stdin === undefined ? "stdoutAndStderr" : "stderr",
                    addPreviousOutputInEnv: false,
                },
                {
                    parent: ctx.parent,
                    dependsOn: previous,
                    // The old step's delete would otherwise undo the new one's create.
                    deleteBeforeReplace: true,
                    additionalSecretOutputs: ["stdout", "stderr"],
                    // Honoured where the command plugin honours it; the host's `timeout` holds either way.
                    customTimeouts: { create: engineTimeout(ctx.stepTimeoutS), update: engineTimeout(ctx.stepTimeoutS), delete: engineTimeout(ctx.stepTimeoutS) },
                },
            ),
        );
    }
    return commands;
}
