/**
 * Child-process entry of `npm run plan -- --since`: runs one program under the harness's mocks and
 * writes the captured graph as JSON. The Pulumi runtime is global, and another checkout's program
 * must load its own components, so each side of a comparison runs in its own process:
 *
 *   node -r ts-node/register/transpile-only evaluate-program.ts <request.json> <result.json>
 *
 * request: { root, stack, program?, config?, stdouts?: { [commandUrn]: stdout } }
 * result:  { ok: true, run } | { ok: false, error, registered }
 *
 * Imports only the harness (relatively), so that a copy of this file and of offline/ placed in
 * another checkout resolves @pulumi/pulumi from that checkout's node_modules, as its program does.
 */
import * as fs from "fs";
import { backfillStdout, ProgramRun, runProgram, RunOptions } from "../../offline";

export interface EvaluateRequest {
    /** Project root whose Pulumi.yaml, stack file and program run. */
    root: string;
    stack: string;
    program?: string;
    config?: Record<string, unknown>;
    /** Stdout of command resources (by URN) as the state holds it; the others print a fresh create's. */
    stdouts?: Record<string, string>;
}

export type EvaluateResult = { ok: true; run: ProgramRun } | { ok: false; error: string; registered: number };

/** A command mock that prints the stdout the state holds for the commands in `stdouts` (by URN), a fresh create's for the others. */
export function stdoutsOf(root: string | undefined, stdouts: Record<string, string> = {}): RunOptions["commandStdout"] {
    const fresh = backfillStdout(root);
    return (inputs, context) => (Object.prototype.hasOwnProperty.call(stdouts, context.urn) ? stdouts[context.urn] : fresh(inputs));
}

export async function evaluate(req: EvaluateRequest): Promise<EvaluateResult> {
    try {
        const run = await runProgram({
            root: req.root,
            stack: req.stack,
            program: req.program,
            config: req.config,
            commandStdout: stdoutsOf(req.root, req.stdouts),
        });
        return { ok: true, run };
    } catch (e) {
        const err = e as Error & { registered?: unknown[] };
        return { ok: false, error: err?.message ?? String(e), registered: err?.registered?.length ?? 0 };
    }
}

if (require.main === module) {
    const [requestFile, resultFile] = process.argv.slice(2);
    const req = JSON.parse(fs.readFileSync(requestFile, "utf8")) as EvaluateRequest;
    evaluate(req).then(
        (result) => {
            fs.writeFileSync(resultFile, JSON.stringify(result));
            process.exit(0);
        },
        (e) => {
            fs.writeFileSync(resultFile, JSON.stringify({ ok: false, error: String(e?.stack ?? e), registered: 0 }));
            process.exit(0);
        },
    );
}
