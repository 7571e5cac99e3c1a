/**
 * The policy pack in the real analyzer: `pulumi preview --policy-pack policies` of the insecure
 * fixture (test/fixtures/insecure, which breaks every rule, mandatory and advisory) is refused, with
 * the verdicts `npm run plan -- --preview` gives it. Both stacks' own verdicts are compared in
 * stacks.engine.ts.
 */
import * as assert from "node:assert/strict";
import { planStack } from "../../scripts/lib/policy-run";
import { FakeSnowflakeEndpoint, startSnowflakeEndpoint } from "./standins/snowflake-endpoint";
import { assertSameItems, policyArgs, violationsOf, violationsOfPlan, Workspace, workspace } from "./harness";

const FIXTURE = "test/fixtures/insecure/index.ts";

describe("engine: the policy pack in the real analyzer", function () {
    this.timeout(20 * 60_000);
    let snowflake: FakeSnowflakeEndpoint;
    let ws: Workspace;

    before(async () => {
        snowflake = await startSnowflakeEndpoint();
        // The production-only rules need a stack whose settings say production.
        ws = await workspace({ stack: "prod", program: FIXTURE, snowflake });
    });
    after(async () => {
        ws?.dispose();
        await snowflake?.close();
    });

    it("refuses the insecure fixture with the verdicts of `npm run plan -- --preview`, of both enforcement levels", async () => {
        const offline = await planStack({ stack: "prod", program: FIXTURE, preview: true });
        const real = await ws.withEvents(["preview", ...policyArgs(ws.dir, offline)], { allowFailure: true });
        assert.notEqual(real.code, 0, "the engine let the insecure fixture through");
        assert.ok(real.events.some((e) => e.policyEvent), `no verdict: ${real.stdout.slice(-3000)}\n${real.stderr.slice(-3000)}`);
        const verdicts = violationsOf(real.events);
        const diagnostics = real.events.filter((e) => e.diagnosticEvent?.severity === "error").map((e) => e.diagnosticEvent.message);
        assertSameItems(verdicts, violationsOfPlan(offline), `the verdicts (engine errors: ${diagnostics.join("; ")})`);
        assert.ok(verdicts.some((v) => v.startsWith("mandatory ")) && verdicts.some((v) => v.startsWith("advisory ")));
    });
});
