/**
 * The second `pulumi up` of sharing: a reader and a subscriber added to each stack, and removed
 * again, through the lifecycle engine (as the change matrix does). Each changes policies in place and
 * creates or deletes only what sharing declares: nothing stateful is replaced or deleted, no verdict,
 * and the program still runs over the state the update leaves.
 */
import * as assert from "node:assert/strict";
import { ChangeResult, planChange } from "../../tools/plan/lifecycle-run";
import { typeLabel } from "../../tools/plan/lifecycle";
import { runProgram, stackConfig } from "../../offline";

type Stack = "dev" | "prod";
const K = (key: string) => `incremental-crawl:${key}`;
const READERS = { [K("readers")]: ["444455556666", "777788889999:ORDERS"], [K("glueCatalogResourcePolicy")]: true };
const NO_READERS = { [K("readers")]: [], [K("glueCatalogResourcePolicy")]: false };
const SUBSCRIBERS = [
    { protocol: "sqs", endpoint: "arn:aws:sqs:eu-west-1:444455556666:orders-events", subscribedBy: "endpoint-owner" },
    { protocol: "lambda", endpoint: "arn:aws:lambda:eu-west-1:123456789012:function:index-orders" },
    { protocol: "https", endpoint: "https://hooks.example.com/lake/orders" },
];
const tablesOf = (stack: Stack): any[] => JSON.parse(stackConfig(stack)[K("tables")]);
const withSubscribers = (stack: Stack) => ({
    [K("tables")]: tablesOf(stack).map((t) => (t.name === "ORDERS" ? { ...t, subscribers: SUBSCRIBERS } : t)),
});

interface Case {
    name: string;
    from: (stack: Stack) => Record<string, unknown>;
    to: (stack: Stack) => Record<string, unknown>;
    /** Per stack: `<op> <type> <logical name without the stack prefix>`, every step that is not `same`. */
    steps: (stack: Stack) => string[];
}

const readerPolicies = (stack: Stack) => [
    "update s3.BucketPolicy lake-tls-only",
    // The lake key admits the readers through S3 (prod; dev has no key).
    ...(stack === "prod" ? ["update kms.Key kms-key"] : []),
];
const subscriberSteps = (op: "create" | "delete") => [
    `${op} incremental-crawl.EventSubscription lake-orders-subscriber-5118a281`,
    `${op} incremental-crawl.EventSubscription lake-orders-subscriber-f9b2398f`,
    `${op} lambda.Permission lake-orders-subscriber-5118a281-invoke`,
    `${op} sns.TopicSubscription lake-orders-subscriber-5118a281-subscription`,
    `${op} sns.TopicSubscription lake-orders-subscriber-f9b2398f-subscription`,
    // The endpoint owner's admission, failed-delivery logging for Lambda and HTTPS, the alarm's words.
    "update sns.TopicPolicy lake-events-policy",
    "update sns.Topic lake-events",
    "update cloudwatch.MetricAlarm alerts-undelivered-events",
];

const CASES: Case[] = [
    {
        name: "a reader added (with the catalog shared)",
        from: () => ({}),
        to: () => READERS,
        steps: (s) => [
            ...readerPolicies(s),
            "create incremental-crawl.CatalogSharing catalog-sharing",
            "create glue.ResourcePolicy catalog-sharing-policy",
        ],
    },
    {
        name: "the readers removed",
        from: () => READERS,
        to: () => NO_READERS,
        steps: (s) => [
            ...readerPolicies(s),
            "delete incremental-crawl.CatalogSharing catalog-sharing",
            "delete glue.ResourcePolicy catalog-sharing-policy",
        ],
    },
    { name: "subscribers added", from: () => ({}), to: withSubscribers, steps: () => subscriberSteps("create") },
    {
        name: "the subscribers removed",
        from: withSubscribers,
        to: (s) => ({ [K("tables")]: tablesOf(s) }),
        steps: () => subscriberSteps("delete"),
    },
];

describe("lifecycle: sharing added and removed (the second pulumi up)", function () {
    this.timeout(180_000);
    for (const c of CASES) {
        for (const stack of ["dev", "prod"] as const) {
            describe(`${c.name}: ${stack}`, () => {
                let result: ChangeResult;
                before(async () => {
                    const old = await runProgram({ stack, config: c.from(stack) });
                    result = await planChange(old, { stack, config: { ...c.from(stack), ...c.to(stack) } });
                });
                const prefix = `incremental-crawl-${stack}-`;
                it("takes exactly the expected steps: policies in place, sharing's own resources created or deleted", () => {
                    const steps = result.plan.steps
                        .filter((s) => s.op !== "same")
                        .map((s) => `${s.op} ${typeLabel(s.type)} ${s.name.replace(prefix, "")}`);
                    assert.deepEqual(steps.sort(), c.steps(stack).sort());
                });
                it("replaces nothing, deletes nothing that holds data, and has no verdict", () => {
                    assert.deepEqual(
                        result.plan.steps.filter((s) => s.op === "replace").map((s) => s.name),
                        [],
                    );
                    assert.deepEqual(
                        result.plan.steps
                            .filter(
                                (s) =>
                                    s.op === "delete" &&
                                    !/^(aws:glue\/resourcePolicy|aws:lambda\/permission|aws:sns\/topicSubscription|incremental-crawl:index)/.test(
                                        s.type,
                                    ),
                            )
                            .map((s) => s.name),
                        [],
                    );
                    assert.deepEqual(
                        result.plan.verdicts.map((v) => `${v.level} ${v.kind}: ${v.message}`),
                        [],
                    );
                });
                it("leaves a state the program still runs over", () => {
                    assert.equal(result.after.error, undefined, (result.after.error as Error | undefined)?.message);
                });
            });
        }
    }
});
