/**
 * Crawl on arrival: each table's objects start its crawler through EventBridge and a Glue
 * workflow's EVENT trigger, in batches. (The crawlers' daily safety-net schedule: catalog.test.ts.)
 */
import * as assert from "node:assert/strict";
import { CapturedResource, Graph, graphOf, policyOf, ProgramRun, stackGraph } from "../offline";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { planLifecycle } from "../tools/plan/lifecycle";

const T = {
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    workflow: "aws:glue/workflow:Workflow",
    trigger: "aws:glue/trigger:Trigger",
    crawler: "aws:glue/crawler:Crawler",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

/** The arrival resources of one table, found by their wiring (not their names). */
function arrivalOf(g: Graph, table: string) {
    const crawler = g.ofType(T.crawler).find((c) => c.inputs.name.endsWith(`-${table}`))!;
    const trigger = g.ofType(T.trigger).find((t) => t.inputs.actions.some((a: any) => a.crawlerName === crawler.outputs.name))!;
    const workflow = g.ofType(T.workflow).find((w) => w.outputs.name === trigger.inputs.workflowName)!;
    const target = g.ofType(T.target).find((t) => t.inputs.arn === workflow.outputs.arn)!;
    const rule = g.ofType(T.rule).find((r) => r.outputs.name === target.inputs.rule)!;
    const role = g.ofType(T.role).find((r) => r.outputs.arn === target.inputs.roleArn)!;
    const policies = g.ofType(T.rolePolicy).filter((p) => p.inputs.role === role.outputs.name);
    return { crawler, trigger, workflow, target, rule, role, policies };
}

for (const stack of ["dev", "prod"] as const) {
    describe(`crawl on arrival: ${stack}`, () => {
        let g: Graph;
        const tables = stack === "dev" ? ["orders"] : ["orders", "customers"];
        before(async () => {
            g = await stackGraph(stack);
        });
        const settings = () => ({
            window: Number(g.run.config["incremental-crawl:crawlBatchWindowSeconds"]),
            size: Number(g.run.config["incremental-crawl:crawlBatchSize"]),
        });

        it("turns on the bucket's EventBridge notifications and keeps its SNS topic configuration", () => {
            const n = g.one("aws:s3/bucketNotification:BucketNotification").inputs;
            assert.equal(n.eventbridge, true);
            assert.equal(n.topics.length, 1);
            assert.deepEqual(n.topics[0].events, ["s3:ObjectCreated:*"]);
        });

        for (const table of tables) {
            it(`${table}: a rule on Object Created events of this bucket under the table's folder only`, () => {
                const { rule } = arrivalOf(g, table);
                const bucket = g.one("aws:s3/bucket:Bucket", "-lake-bucket").outputs.bucket;
                const prefix = (g.run.outputs.tables as any)[table].tablePrefix;
                assert.equal(prefix, `exports/${table}/`);
                const pattern = JSON.parse(rule.inputs.eventPattern);
                assert.deepEqual(pattern, {
                    source: ["aws.s3"],
                    "detail-type": ["Object Created"],
                    detail: { bucket: { name: [bucket] }, object: { key: [{ prefix }] } },
                });
                assert.ok(prefix.endsWith("/"), "a folder sharing the name's beginning is another table");
            });

            it(`${table}: an EVENT trigger with the batching condition, in the table's workflow, whose one action is the table's crawler`, () => {
                const { crawler, trigger, workflow } = arrivalOf(g, table);
                assert.equal(trigger.inputs.type, "EVENT");
                assert.deepEqual(trigger.inputs.eventBatchingConditions, [{ batchSize: settings().size, batchWindow: settings().window }]);
                assert.deepEqual(trigger.inputs.actions, [{ crawlerName: crawler.outputs.name }]);
                assert.equal(trigger.inputs.workflowName, workflow.outputs.name);
                assert.equal(trigger.outputs.state, "CREATED", "an EVENT trigger waits for its workflow's events");
                assert.equal(workflow.inputs.maxConcurrentRuns, 1, "one run of the workflow at a time");
                assert.equal(workflow.outputs.name, crawler.outputs.name, "the workflow is named after its crawler");
                // Name, type and workflow name are ForceNew (terraform-provider-aws glue trigger.go): fixed names delete first.
                assert.equal(trigger.deleteBeforeReplace, true);
                assert.equal(workflow.deleteBeforeReplace, true);
                // The provider never reads an EVENT trigger's `enabled` back: the program neither
                // sets it nor lets a difference reach the provider (below, "the EVENT trigger's enabled").
                assert.equal(trigger.inputs.enabled, undefined, "never enabled: false (StopTrigger fails in CREATED)");
                assert.deepEqual(trigger.ignoreChanges, ["enabled"]);
            });

            it(`${table}: the trigger after its crawler and workflow; the rule target after its role policy`, () => {
                const { crawler, trigger, workflow, target, rule, role, policies } = arrivalOf(g, table);
                assert.ok(g.dependsOn(trigger, crawler), "trigger after the crawler");
                assert.ok(g.dependsOn(trigger, workflow), "trigger after the workflow");
                assert.equal(policies.length, 1);
                assert.ok(g.dependsOn(target, policies[0]), "target after the role's policy");
                assert.ok(g.dependsOn(target, trigger), "target after the trigger: no event reaches a workflow that cannot start");
                assert.ok(g.dependsOn(target, rule) && g.dependsOn(target, role) && g.dependsOn(target, workflow));
                assert.ok(g.dependsOn(role, rule), "the trust policy names the rule's ARN");
                assert.ok(g.dependsOn(policies[0], workflow), "the policy names the workflow's ARN");
            });

            it(`${table}: the rule target's role: EventBridge for this rule only, glue:NotifyEvent on this workflow only`, () => {
                const { target, rule, role, workflow, policies } = arrivalOf(g, table);
                assert.equal(target.inputs.roleArn, role.outputs.arn);
                assert.equal(target.inputs.arn, workflow.outputs.arn);
                assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
                    {
                        Sid: "OwnRuleOnly",
                        Effect: "Allow",
                        Principal: { Service: "events.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: {
                            ArnEquals: { "aws:SourceArn": rule.outputs.arn },
                            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
                        },
                    },
                ]);
                assert.deepEqual(policyOf(policies[0]), {
                    Version: "2012-10-17",
                    Statement: [{ Sid: "NotifyOwnWorkflow", Effect: "Allow", Action: "glue:NotifyEvent", Resource: workflow.outputs.arn }],
                });
                assert.equal(
                    g.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === role.outputs.name).length,
                    0,
                );
            });
        }

        it("outputs each table's workflow and arrival rule", () => {
            for (const table of tables) {
                const { workflow, rule } = arrivalOf(g, table);
                const out = (g.run.outputs.tables as any)[table];
                assert.equal(out.workflowName, workflow.outputs.name);
                assert.equal(out.arrivalRuleName, rule.outputs.name);
            }
        });
    });
}

describe("crawl on arrival: the pieces", () => {
    it("three tables get three rules, each on its own folder, and three workflows", async () => {
        const dev = await stackGraph("dev");
        const base = JSON.parse(dev.run.config["incremental-crawl:tables"])[0];
        const g = await graphOf({
            stack: "dev",
            config: { "incremental-crawl:tables": [base, { ...base, name: "ORDERS_ARCHIVE" }, { ...base, name: "RETURNS" }] },
        });
        const prefixes = ["orders", "orders_archive", "returns"].map(
            (t) => JSON.parse(arrivalOf(g, t).rule.inputs.eventPattern).detail.object.key[0].prefix,
        );
        assert.deepEqual(prefixes, ["exports/orders/", "exports/orders_archive/", "exports/returns/"]);
        assert.equal(new Set(g.ofType(T.workflow).map((w: CapturedResource) => w.outputs.arn)).size, 3);
        assert.equal(
            new Set(
                g
                    .ofType(T.role)
                    .filter((r) => r.name.endsWith("-arrival-role"))
                    .map((r) => r.outputs.name),
            ).size,
            3,
        );
    });
});

/**
 * terraform-provider-aws reads an EVENT trigger's `enabled` back from its own previous state, never
 * from AWS (internal/service/glue/trigger.go, resourceTriggerRead): a `false` in state (an import, a
 * create that returned before its read) stays there, and each later update would call StartTrigger,
 * which AWS refuses for EVENT triggers (hashicorp/terraform-provider-aws#49407). The lifecycle engine
 * plays a later change of the trigger over such a state.
 */
describe("crawl on arrival: the EVENT trigger's enabled over later updates", () => {
    const TRIGGER = "aws:glue/trigger:Trigger";
    let old: ProgramRun;
    let changed: ProgramRun;
    before(async () => {
        old = (await stackGraph("dev")).run;
        changed = (await graphOf({ stack: "dev", config: { "incremental-crawl:crawlBatchWindowSeconds": 120 } })).run;
    });
    /** The old run with every trigger's state (and, for an import, its inputs) holding enabled: false. */
    const withStoredFalse = (run: ProgramRun, inInputs: boolean): ProgramRun => ({
        ...run,
        resources: run.resources.map((r) =>
            r.type !== TRIGGER
                ? r
                : {
                      ...r,
                      inputs: inInputs ? { ...r.inputs, enabled: false } : r.inputs,
                      outputs: { ...r.outputs, enabled: false },
                  },
        ),
    });

    for (const [how, inInputs] of [
        ["an import (inputs and state false)", true],
        ["a create that returned early (state false)", false],
    ] as const) {
        it(`a batch window change updates the trigger and leaves enabled alone after ${how}`, () => {
            const plan = planLifecycle(withStoredFalse(old, inInputs), changed);
            const steps = plan.steps.filter((s) => s.type === TRIGGER);
            assert.equal(steps.length, 1);
            for (const s of steps) {
                assert.equal(s.op, "update", s.reasons.join("; "));
                assert.ok(
                    s.changed.some((p) => p.startsWith("eventBatchingConditions")),
                    s.changed.join(", "),
                );
                assert.ok(!s.changed.includes("enabled"), `the update would call StartTrigger: ${s.reasons.join("; ")}`);
            }
        });
    }

    it("an unchanged program leaves the trigger alone whatever enabled the state holds", () => {
        const plan = planLifecycle(withStoredFalse(old, false), old);
        for (const s of plan.steps.filter((x) => x.type === TRIGGER)) assert.equal(s.op, "same", s.reasons.join("; "));
    });
});
