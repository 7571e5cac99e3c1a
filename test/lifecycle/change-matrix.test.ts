/**
 * The change matrix: realistic changes of each stack's settings, from the stack as it is (old) to
 * the stack with the change (new, through config overrides), through the lifecycle engine. Per
 * change and stack it asserts:
 * - steps: which resources update, are replaced (and how), created, deleted, nothing else;
 * - verdicts: exactly the expected data-safety verdicts;
 * - evaluates: the new program still runs over the state the update leaves (each command's stdout
 *   as pulumi-command stores it after the step: what its `update` prints);
 * - safety: no fixed-name collision, no refused step, no duplicated rows (a re-export goes to a
 *   new location unless the case flags it), nothing retained deleted;
 * or, for a change the configuration refuses for that stack, that it is refused.
 *
 * The expectations describe the target design (see the issue): the backfill's `update` re-prints
 * PULUMI_COMMAND_STDOUT, the stream digest leaves the columns out, each export generation has its
 * own location with a Glue table (replaced, delete-before-replace) pointing at it and the crawler on
 * a catalog target, prod refuses weaker encryption and versioning off, and a new Snowflake database
 * or schema name replaces the database rather than renaming it (the provider's in-place rename moves
 * everything inside, whose delete-first re-creates then fail on "already exists"). Checks that wait
 * for a change on main are `waitsFor` (run as it.skip; LIFECYCLE_MATRIX_ALL=1 runs them too).
 *
 * The cases and their patterns are in cases.ts.
 */
import * as assert from "node:assert/strict";
import { ChangeResult, planChange } from "../../tools/plan/lifecycle-run";
import { Step, typeLabel, Verdict } from "../../tools/plan/lifecycle";
import { ProgramRun, runProgram } from "../../offline";
import { Case, CASES, Check, Stack } from "./cases";

// -------------------------------------------------------------------------------------------------

const glob = (pattern: string) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, "\\?")}$`,
    );
const shortName = (stack: Stack, name: string) => name.replace(new RegExp(`^incremental-crawl-${stack}-`), "");
const stepLabel = (stack: Stack, s: Step) => `${typeLabel(s.type)} ${shortName(stack, s.name)}`;

interface Pattern {
    optional: boolean;
    mode?: "dbr" | "cbd";
    re: RegExp;
    text: string;
}
function parse(pattern: string): Pattern {
    const optional = pattern.startsWith("?");
    const text = optional ? pattern.slice(1) : pattern;
    const m = / (dbr|cbd)$/.exec(text);
    return { optional, mode: m?.[1] as Pattern["mode"], re: glob(m ? text.slice(0, -4) : text), text };
}

/** Every actual item matches a pattern, every required pattern matches an item; mismatches as text. */
function mismatches<T>(items: T[], label: (x: T) => string, patterns: string[], modeOf?: (x: T) => string | undefined): string[] {
    const parsed = patterns.map(parse);
    const out: string[] = [];
    for (const item of items) {
        const l = label(item);
        const hit = parsed.find((p) => p.re.test(l));
        if (!hit) out.push(`unexpected: ${l}`);
        else if (hit.mode && modeOf && modeOf(item) !== hit.mode) out.push(`${l}: ${modeOf(item)}, expected ${hit.mode}`);
    }
    for (const p of parsed) if (!p.optional && !items.some((x) => p.re.test(label(x)))) out.push(`missing: ${p.text}`);
    return out;
}

const OPS = ["create", "update", "replace", "delete"] as const;
const RUN_ALL = process.env.LIFECYCLE_MATRIX_ALL === "1";

describe("lifecycle: the change matrix", function () {
    this.timeout(120_000);
    const olds = new Map<Stack, Promise<ProgramRun>>();
    const results = new Map<string, Promise<ChangeResult | { refused: Error }>>();
    const oldOf = (stack: Stack) => {
        if (!olds.has(stack)) olds.set(stack, runProgram({ stack }));
        return olds.get(stack)!;
    };
    /** The change's lifecycle, evaluated once per case and stack. */
    const resultOf = (c: Case, stack: Stack) => {
        const key = `${c.name}/${stack}`;
        if (!results.has(key)) {
            const from = c.from?.(stack);
            const old = from ? runProgram({ stack, config: from }) : oldOf(stack);
            results.set(
                key,
                old.then((o) => planChange(o, { stack, config: { ...from, ...c.change(stack) } }).catch((e: Error) => ({ refused: e }))),
            );
        }
        return results.get(key)!;
    };
    const planned = async (c: Case, stack: Stack): Promise<ChangeResult> => {
        const r = await resultOf(c, stack);
        if ("refused" in r) throw new Error(`the configuration refused the change: ${r.refused.message}`);
        return r;
    };

    for (const c of CASES) {
        describe(c.name, () => {
            for (const stack of ["dev", "prod"] as const) {
                const exp = c.expect[stack];
                const test = (check: Check, title: string, body: () => Promise<void>) => {
                    const waits = exp.waitsFor?.[check];
                    // Waits for the lead's change on main (see the header): run with LIFECYCLE_MATRIX_ALL=1.
                    (waits && !RUN_ALL ? it.skip : it)(
                        `${stack}: ${title}${waits ? ` [waits for main: ${waits.split(" (")[0]}]` : ""}`,
                        body,
                    );
                };
                if (exp.refused) {
                    test("refused", "the configuration refuses it", async () => {
                        const r = await resultOf(c, stack);
                        assert.ok("refused" in r, `expected the configuration to refuse ${c.name} for ${stack}`);
                        assert.match(r.refused.message, exp.refused!);
                    });
                    continue;
                }
                test("steps", "the expected steps, nothing else", async () => {
                    const { plan } = await planned(c, stack);
                    const problems = OPS.flatMap((op) =>
                        mismatches(
                            plan.steps.filter((s) => s.op === op && s.custom),
                            (s) => stepLabel(stack, s),
                            exp[op] ?? [],
                            (s) => (s.mode === "delete-before-replace" ? "dbr" : s.mode === "create-before-delete" ? "cbd" : undefined),
                        ).map((m) => `${op} ${m}`),
                    );
                    assert.deepEqual(
                        problems,
                        [],
                        plan.steps
                            .filter((s) => s.op !== "same")
                            .map((s) => `${s.op} ${s.mode ?? ""} ${stepLabel(stack, s)}: ${s.reasons.join("; ")}`)
                            .join("\n"),
                    );
                });
                test("verdicts", "exactly the expected verdicts", async () => {
                    const { plan } = await planned(c, stack);
                    const urnName = new Map(plan.steps.map((s) => [s.urn, shortName(stack, s.name)]));
                    const verdicts = plan.verdicts.filter((v) => v.kind !== "program-fails");
                    const problems = mismatches(
                        verdicts,
                        (v: Verdict) => `${v.level} ${v.kind} ${urnName.get(v.urn) ?? v.urn}`,
                        exp.verdicts ?? [],
                    );
                    assert.deepEqual(problems, [], verdicts.map((v) => `${v.level} ${v.kind}: ${v.message}`).join("\n"));
                });
                test("evaluates", "the program still runs over the state the update leaves", async () => {
                    const { after, plan } = await planned(c, stack);
                    assert.equal(after.error, undefined, `the program fails after the update: ${(after.error as Error)?.message}`);
                    for (const s of plan.steps.filter((x) => x.command && x.op === "update")) {
                        assert.ok(s.command!.stdoutKnown, `${s.name}: the update's stdout could not be simulated`);
                    }
                });
                test("safety", "no collision, no refused step, no duplicated rows, nothing retained deleted", async () => {
                    const { plan } = await planned(c, stack);
                    assert.deepEqual(
                        plan.verdicts.filter((v) => v.kind === "fixed-name-collision" || v.kind === "refused").map((v) => v.message),
                        [],
                    );
                    if (!exp.duplicatesFlagged)
                        assert.deepEqual(
                            plan.verdicts.filter((v) => v.duplicates).map((v) => v.message),
                            [],
                        );
                    for (const s of plan.steps.filter((x) => x.old?.retainOnDelete && (x.op === "delete" || x.op === "replace"))) {
                        assert.ok(s.abandons, `${s.name} is retained and would be deleted`);
                        assert.ok(
                            !plan.verdicts.some((v) => v.urn === s.urn && v.level === "error"),
                            `${s.name} is retained: no error verdict expected`,
                        );
                    }
                });
            }
        });
    }
});
