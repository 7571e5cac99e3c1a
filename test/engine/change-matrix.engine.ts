/**
 * The change matrix (test/lifecycle/cases.ts) on the real Pulumi engine: each stack is deployed once
 * (`pulumi up`, the Snowflake side left out as in stacks.engine.ts), then each change is previewed
 * against that state, and the step the engine takes for every deployed resource (same, update,
 * replace and how, delete) and every resource it creates is compared with what the lifecycle engine
 * (`plan --since`, tools/plan/lifecycle.ts) predicts for it.
 *
 * What the real engine decides here, and so proves: which resources a change reaches (through
 * inputs that are unknown until a replaced resource is re-created), the order and mode of each
 * replacement (the program's deleteBeforeReplace, the dependents a delete-before-replace takes with
 * it), aliases, creates and deletes. Whether an AWS or command input forces a replacement comes from
 * the project's own rules in both runs (the stand-ins' Diff uses replace-rules.ts): each replacement
 * is listed with that label, and counts as proven only for what the engine adds to it. Snowflake
 * resources are not deployed (the fake endpoint runs no CREATE): their replace decisions stay the
 * rule table's, cited from terraform-provider-snowflake's sources.
 *
 * Cases that start from other settings (`from`) need a deployment of their own and are left to the
 * offline matrix. ENGINE_MATRIX=<case name>,... runs only the named cases; `ci` among them stands for
 * the cases marked `ci` (the subset .ci/run runs).
 */
import * as assert from "node:assert/strict";
import { graphOf, ProgramRun, runProgram } from "../../offline";
import { planChange } from "../../tools/plan/lifecycle-run";
import { Step } from "../../tools/plan/lifecycle";
import { CASES, Stack } from "../lifecycle/cases";
import { startSnowflakeEndpoint, FakeSnowflakeEndpoint } from "./standins/snowflake-endpoint";
import { EngineStep, stepsOf, typeAndName, Workspace, workspace } from "./harness";

const only = process.env.ENGINE_MATRIX?.split(",").map((s) => s.trim());
// A misspelt name would otherwise select nothing and pass.
const unknownCases = only?.filter((n) => n !== "ci" && !CASES.some((c) => c.name === n)) ?? [];
if (unknownCases.length > 0)
    throw new Error(
        `ENGINE_MATRIX: no case ${unknownCases.map((n) => JSON.stringify(n)).join(", ")} (cases: ci, ${CASES.map((c) => c.name).join(", ")})`,
    );
const isSnowflakeSide = (type: string) => type.startsWith("snowflake:") || type === "pulumi:providers:snowflake";
const engineOwn = (urn: string) => /::pulumi:pulumi:Stack::/.test(urn) || /::pulumi:providers:[^:]+::default/.test(urn);

/** One step as both sides can state it: `same`, `update`, `create`, `delete`, `replace dbr` or `replace cbd`. */
function engineOp(s: EngineStep): string {
    const ops = s.ops;
    if (ops.includes("replace") || ops.includes("create-replacement")) {
        const del = ops.indexOf("delete-replaced");
        const create = ops.indexOf("create-replacement");
        return `replace ${del !== -1 && del < create ? "dbr" : "cbd"}`;
    }
    return ops.find((o) => o !== "same") ?? "same";
}
const imitationOp = (s: Step) => (s.op === "replace" ? `replace ${s.mode === "delete-before-replace" ? "dbr" : "cbd"}` : s.op);
/** Where a replacement's decision comes from: the engine proves only the first two. */
const decidedBy = (s: Step) =>
    s.dependentOf
        ? "engine (dependent of a delete-before-replace)"
        : s.replaceKeys.length === 0
          ? "engine (program option)"
          : s.type.startsWith("aws:") || s.type.startsWith("command:")
            ? `project rules (stand-in Diff: ${s.replaceKeys.join(", ")})`
            : `provider rules (${s.replaceKeys.join(", ")})`;

for (const stack of ["dev", "prod"] as const satisfies readonly Stack[]) {
    describe(`engine: the change matrix of ${stack} on the real Pulumi engine`, function () {
        this.timeout(30 * 60_000);
        let snowflake: FakeSnowflakeEndpoint;
        let ws: Workspace;
        let old: ProgramRun;
        /** `type::name` of every resource the deployment recorded. */
        let deployed: Set<string>;

        before(async () => {
            snowflake = await startSnowflakeEndpoint();
            ws = await workspace({ stack, snowflake });
            old = await runProgram({ stack });
            const excluded = (await graphOf({ stack })).resources.filter((r) => isSnowflakeSide(r.type));
            // URNs as the engine spells them: from the first preview.
            const preview = stepsOf((await ws.withEvents(["preview"])).events);
            const exclude = [...preview.keys()]
                .filter((urn) => excluded.some((r) => typeAndName(urn) === `${r.type}::${r.name}`))
                .flatMap((u) => ["--exclude", u]);
            await ws.pulumi(["up", "--yes", "--skip-preview", ...exclude, "--exclude-dependents"]);
            deployed = new Set(
                (await ws.exportStack()).resources
                    .map((r: any) => r.urn)
                    .filter((u: string) => !engineOwn(u))
                    .map(typeAndName),
            );
        });
        after(async () => {
            ws?.dispose();
            await snowflake?.close();
        });

        for (const c of CASES.filter(
            (x) => !x.from && !x.expect[stack].refused && (!only || only.includes(x.name) || (x.ci === true && only.includes("ci"))),
        )) {
            it(`${c.name}: the engine takes the steps plan --since predicts`, async () => {
                const change = c.change(stack);
                const [real, predicted] = await Promise.all([
                    ws.withEvents(["preview"], { config: change }),
                    planChange(old, { stack, config: change }),
                ]);
                const steps = stepsOf(real.events);
                const byKey = new Map([...steps].map(([urn, s]) => [typeAndName(urn), s]));
                const lines: string[] = [];
                const mismatches: string[] = [];
                for (const s of predicted.plan.steps.filter((x) => x.custom)) {
                    const k = `${s.type}::${s.name}`;
                    // Only what the deployment holds (or creates anew) can be compared: the rest is a create on the engine's side.
                    if (!deployed.has(k) && s.op !== "create") continue;
                    const e = byKey.get(k);
                    const want = imitationOp(s);
                    const got = e ? engineOp(e) : s.op === "delete" ? "(no step)" : "(not registered)";
                    if (want !== "same" || got !== "same")
                        lines.push(
                            `${got === want ? "=" : "≠"} ${want}${got === want ? "" : ` (engine: ${got})`} ${k}${s.op === "replace" ? `  [${decidedBy(s)}]` : ""}`,
                        );
                    if (got !== want) mismatches.push(`${k}: plan --since ${want}, engine ${got}`);
                }
                for (const [k, e] of byKey) {
                    if (deployed.has(k) && !predicted.plan.steps.some((s) => `${s.type}::${s.name}` === k))
                        mismatches.push(`${k}: engine ${engineOp(e)}, not in the prediction`);
                }
                console.log(
                    `      ${stack} / ${c.name}:\n${lines.map((l) => `        ${l}`).join("\n") || "        (no change to the deployed resources)"}`,
                );
                assert.deepEqual(mismatches, []);
            });
        }
    });
}
