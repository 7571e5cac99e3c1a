/**
 * The lifecycle engine over real program runs: evaluates a stack as it is and with a change, plans
 * the steps, and runs the new program once more over the state those steps leave, where each
 * command resource's stdout is what the provider stores after the step (pulumi-command replaces
 * `stdout` with what `update` prints). A program that reads that stdout and throws is what breaks
 * every later `pulumi up`.
 */
import { spawnSync } from "child_process";
import { ProgramRun, ROOT, runProgram, RunOptions } from "../../offline";
import { stdoutsOf } from "./evaluate-program";
import {
    CommandUpdate,
    LifecycleOptions,
    LifecyclePlan,
    planLifecycle,
    programFailsVerdict,
    staticCommandUpdate,
    stdoutsAfterUpdate,
} from "./lifecycle";

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

export interface AfterUpdate {
    /** The new program over the state the update leaves; undefined when it threw. */
    run?: ProgramRun;
    error?: unknown;
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
    // The new program again, over each command's stdout as the update leaves it in the state.
    const { stored, changed } = stdoutsAfterUpdate(plan, newRun);
    let after: AfterUpdate = { run: newRun };
    if (changed) {
        try {
            after = { run: await runProgram({ ...newOpts, prior: oldRun, commandStdout: stdoutsOf(newOpts.root, stored) }) };
        } catch (error) {
            after = { error };
            plan.verdicts.push(programFailsVerdict(changed, error));
        }
    }
    return { old: oldRun, new: newRun, plan, after };
}
