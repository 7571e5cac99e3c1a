/**
 * The lifecycle engine over real program runs: evaluates a stack as it is and with a change, plans
 * the steps, and runs the new program once more over the state those steps leave, where each
 * command resource's stdout is what the provider stores after the step (pulumi-command replaces
 * `stdout` with what `update` prints). A program that reads that stdout and throws is what breaks
 * every later `pulumi up`.
 */
import { spawnSync } from "child_process";
import { backfillStdout, CommandContext, ProgramRun, ROOT, runProgram, RunOptions } from "../../offline";
import { CommandUpdate, LifecycleOptions, LifecyclePlan, planLifecycle, programFailsVerdict, staticCommandUpdate } from "./lifecycle";

/**
 * Runs an update script as pulumi-command does (`/bin/sh -c`, the resource's environment,
 * PULUMI_COMMAND_STDOUT, one trailing newline trimmed) with a minimal environment (PATH and HOME
 * only, nothing of this process's credentials), in `root`. Undefined when it fails.
 */
export function executeCommandUpdate(
    update: Pick<CommandUpdate, "script" | "environment" | "previousStdout">,
    root: string = ROOT,
): string | undefined {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...update.environment };
    if (update.previousStdout !== undefined) env.PULUMI_COMMAND_STDOUT = update.previousStdout;
    const r = spawnSync("/bin/sh", ["-c", update.script], { cwd: root, env, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) return undefined;
    return r.stdout.replace(/\n$/, "");
}

/** Static when the script can be read, else run (for tests: the scripts are the project's own). */
export const simulateByRunning =
    (root: string = ROOT) =>
    (update: CommandUpdate): string | undefined =>
        staticCommandUpdate(update) ?? executeCommandUpdate(update, root);

/** Per command URN: the stdout the state holds after the plan's steps, when it is not a fresh `create`. */
export function storedStdouts(plan: LifecyclePlan): Map<string, string> {
    const out = new Map<string, string>();
    for (const s of plan.steps) {
        if (s.new && s.command && s.command.runs !== "create" && s.command.storedStdout !== undefined)
            out.set(s.urn, s.command.storedStdout);
    }
    return out;
}

/** A command mock that prints the stored stdout of `stored`, and a fresh create's otherwise. */
export function stdoutFromState(stored: Map<string, string>, root: string = ROOT): RunOptions["commandStdout"] {
    const fresh = backfillStdout(root);
    return (inputs: Record<string, unknown>, context: CommandContext) =>
        stored.has(context.urn) ? stored.get(context.urn)! : fresh(inputs);
}

export interface AfterUpdate {
    /** The new program over the state the update leaves; undefined when it threw. */
    run?: ProgramRun;
    error?: unknown;
    /** Whether a re-run was needed (some command's stored stdout is not what a fresh create prints). */
    rerun: boolean;
}

/**
 * Runs the new program again with each command's stdout as the plan leaves it in the state.
 * Skipped (the first run stands) when every command was created or printed what it printed before.
 */
export async function evaluateAfterUpdate(newOpts: RunOptions, newRun: ProgramRun, plan: LifecyclePlan): Promise<AfterUpdate> {
    const stored = storedStdouts(plan);
    const differs = [...stored].some(([urn, stdout]) => newRun.resources.find((r) => r.urn === urn)?.outputs.stdout !== stdout);
    if (!differs) return { run: newRun, rerun: false };
    try {
        const run = await runProgram({ ...newOpts, prior: newOpts.prior, commandStdout: stdoutFromState(stored, newOpts.root) });
        return { run, rerun: true };
    } catch (error) {
        return { error, rerun: true };
    }
}

export interface ChangeResult {
    old: ProgramRun;
    new: ProgramRun;
    plan: LifecyclePlan;
    after: AfterUpdate;
}

/**
 * The lifecycle of one change: `old` (the state, as `pulumi up` of `oldOpts` left it) to `newOpts`.
 * A program that throws on its settings rejects (a refused change). A program that fails over the
 * state the update leaves adds a `program-fails` verdict.
 */
export async function planChange(oldRun: ProgramRun, newOpts: RunOptions, opts: LifecycleOptions = {}): Promise<ChangeResult> {
    const newRun = await runProgram({ ...newOpts, prior: oldRun });
    const plan = planLifecycle(oldRun, newRun, { simulateCommandUpdate: simulateByRunning(newOpts.root), ...opts });
    const after = await evaluateAfterUpdate({ ...newOpts, prior: oldRun }, newRun, plan);
    if (after.error !== undefined) {
        const command = plan.steps.find((s) => s.command?.runs === "update" || (s.command?.runs === "create" && s.op === "update"));
        plan.verdicts.push(programFailsVerdict(command?.urn ?? newRun.resources[0]?.urn ?? "", after.error));
    }
    return { old: oldRun, new: newRun, plan, after };
}
