/**
 * The policy pack in the real analyzer: `pulumi preview --policy-pack policies` of the insecure
 * fixture (test/fixtures/insecure, which breaks every rule, mandatory and advisory) is refused, with
 * the verdicts and messages `npm run plan -- --preview` gives it: every rule is served, reports on
 * the resource it names (stack rules too), and a value unknown during the preview is an advisory.
 * Both stacks' own verdicts are compared in stacks.engine.ts. (This replaces a test that served the
 * pack and called it as the engine would.)
 */
import * as assert from "node:assert/strict";
import { planStack } from "../../tools/plan/policy-run";
import { FakeSnowflakeEndpoint, startSnowflakeEndpoint } from "./standins/snowflake-endpoint";
import { allPolicies } from "../../policies/rules";
import { assertSameItems, typeAndName, policyArgs, violationsOf, violationsOfPlan, Workspace, workspace } from "./harness";

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
        assert.ok(
            real.events.some((e) => e.policyEvent),
            `no verdict: ${real.stdout.slice(-3000)}\n${real.stderr.slice(-3000)}`,
        );
        const verdicts = violationsOf(real.events);
        const diagnostics = real.events.filter((e) => e.diagnosticEvent?.severity === "error").map((e) => e.diagnosticEvent.message);
        assertSameItems(verdicts, violationsOfPlan(offline), `the verdicts (engine errors: ${diagnostics.join("; ")})`);
        assert.ok(verdicts.some((v) => v.startsWith("mandatory ")) && verdicts.some((v) => v.startsWith("advisory ")));
        // Each message as the pack's server writes it: the rule's description, then what the rule
        // reported (a preview's "can't run policy ..." as it is).
        // Auto-names differ (the stand-in's are random, as the bridge's; the mocks' derived), and with
        // them the order of a list of names.
        const normalize = (m: string) =>
            m
                .replace(/\b([a-z][a-z0-9-]*?)-[a-z0-9]{7}\b/g, "$1-*")
                .replace(/\(([^()]+ and [^()]+)\)/g, (_all, list: string) => `(${list.split(" and ").sort().join(" and ")})`);
        const description = new Map(allPolicies.map((p) => [p.name, p.description]));
        const where = (urn?: string) => (urn && !urn.includes("::pulumi:pulumi:Stack::") ? typeAndName(urn) : "(stack)");
        // What plan adds: the Analyzer protocol carries no retainOnDelete (policies/rules/stack.ts).
        const analyzable = offline.violations.filter(
            (v) => !(v.policy === "stack-production-lake-retained" && /retainOnDelete nor protected/.test(v.message)),
        );
        assertSameItems(
            real.events
                .filter((e) => e.policyEvent)
                .map((e) =>
                    normalize(`${e.policyEvent.policyName} ${where(e.policyEvent.resourceUrn)}: ${e.policyEvent.message.trimEnd()}`),
                ),
            analyzable.map((v) =>
                normalize(
                    `${v.policy} ${where(v.urn)}: ${v.message.startsWith("can't run policy") ? v.message : `${description.get(v.policy)}\n${v.message}`}`,
                ),
            ),
            "the verdicts' messages",
        );
    });
});
