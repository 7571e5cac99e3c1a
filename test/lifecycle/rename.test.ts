/**
 * Renaming a table: `plan --since` refuses it as deleting the table's rows and says how to rename
 * it safely; the way it says (rename the table's resource in the state, as `pulumi state rename`
 * does, before `pulumi up`) makes the update an in-place rename that keeps the rows.
 */
import * as assert from "node:assert/strict";
import { planLifecycle, staticCommandUpdate } from "../../tools/plan/lifecycle";
import { renamedInState } from "../../tools/plan/since";
import { ProgramRun, runProgram, stackConfig } from "../../offline";

const K = (key: string) => `incremental-crawl:${key}`;
const TABLE = "snowflake:index/table:Table";

/** The stack with its ORDERS table named SALES. */
const renamed = () => ({
    [K("tables")]: JSON.parse(stackConfig("dev")[K("tables")]).map((t: { name: string }) =>
        t.name === "ORDERS" ? { ...t, name: "SALES" } : t,
    ),
});

describe("lifecycle: renaming a table", function () {
    this.timeout(120_000);
    let old: ProgramRun;
    let neu: ProgramRun;
    before(async () => {
        old = await runProgram({ stack: "dev" });
        neu = await runProgram({ stack: "dev", config: renamed() });
    });

    it("is refused as deleting the table's rows, and the error says how to rename it and keep them", () => {
        const plan = planLifecycle(old, neu, { simulateCommandUpdate: staticCommandUpdate });
        const errors = plan.verdicts.filter((v) => v.level === "error");
        assert.equal(errors.length, 1, JSON.stringify(plan.verdicts, null, 1));
        assert.equal(
            errors[0].message,
            "snowflake.Table LAKE_EXPORT_DEV.EXPORT.ORDERS is deleted: the old one is deleted with its rows. " +
                "To rename it and keep its data, rename its resource in the stack's state before pulumi up " +
                "(pulumi state rename '<URN of incremental-crawl-dev-snowflake-orders-table, from pulumi stack --show-urns>' incremental-crawl-dev-snowflake-sales-table; " +
                "plan --since ... --state-rename incremental-crawl-dev-snowflake-orders-table=incremental-crawl-dev-snowflake-sales-table shows the outcome): " +
                'the provider then renames the table in place (ALTER ... RENAME TO). See docs/changing-a-stack.md, "Rename a table"',
        );
    });

    it("keeps the rows when the state rename it names comes first (plan --since --state-rename): the table is renamed in place", () => {
        const state = renamedInState(
            old,
            { "incremental-crawl-dev-snowflake-orders-table": "incremental-crawl-dev-snowflake-sales-table" },
            "HEAD",
        );
        const table = state.resources.find((r) => r.type === TABLE && r.name.endsWith("-sales-table"))!;
        assert.equal(
            table.urn,
            old.resources.find((r) => r.type === TABLE && r.name.endsWith("-orders-table"))!.urn.replace(/orders-table$/, "sales-table"),
            "only the URN's name changes",
        );
        assert.throws(
            () => renamedInState(old, { "no-such-resource": "x" }, "HEAD"),
            /--state-rename no-such-resource=x: no resource named no-such-resource in the stack at HEAD/,
        );
        const plan = planLifecycle(state, neu, { simulateCommandUpdate: staticCommandUpdate });
        assert.deepEqual(
            plan.verdicts.filter((v) => v.level === "error"),
            [],
        );
        const step = plan.steps.find((s) => s.type === TABLE && s.name.endsWith("-sales-table"))!;
        assert.equal(step.op, "update");
        assert.deepEqual(step.renames, { from: "LAKE_EXPORT_DEV.EXPORT.ORDERS", to: "LAKE_EXPORT_DEV.EXPORT.SALES" });
        assert.ok(!plan.steps.some((s) => s.type === TABLE && s.op === "delete"), "no table deleted");
        assert.ok(
            plan.steps.some((s) => s.type === TABLE && s.op === "same"),
            "the unload log, a table of the stack too, stays",
        );
    });

    it("says nothing of a rename when a table is only dropped", async () => {
        const dropped = await runProgram({
            stack: "prod",
            config: { [K("tables")]: JSON.parse(stackConfig("prod")[K("tables")]).filter((t: { name: string }) => t.name !== "ORDERS") },
        });
        const plan = planLifecycle(await runProgram({ stack: "prod" }), dropped, { simulateCommandUpdate: staticCommandUpdate });
        const about = plan.verdicts.filter((v) => v.message.includes("ORDERS") && v.kind === "data-replaced-or-deleted");
        assert.ok(about.length > 0, JSON.stringify(plan.verdicts, null, 1));
        assert.ok(about.every((v) => !v.message.includes("pulumi state rename")));
    });
});
