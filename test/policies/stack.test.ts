import * as assert from "node:assert/strict";
import { stackAlertsHaveSubscribers, stackProductionLakeRetained } from "../../policies/rules/stack";
import { BUCKET, Fake, stackViolations, SUBSCRIPTION, TOPIC, TOPIC_ARN } from "./support";

describe("policies/stack", () => {
    describe("stack-alerts-have-subscribers", () => {
        const ALERTS_ARN = "arn:aws:sns:eu-west-1:123456789012:alerts";
        const graph = (subscribed: boolean): Fake[] => [
            { type: TOPIC, name: "alerts", props: {}, outputs: { arn: ALERTS_ARN } },
            { type: TOPIC, name: "events", props: {}, outputs: { arn: TOPIC_ARN } },
            {
                type: "aws:cloudwatch/metricAlarm:MetricAlarm",
                name: "dlq",
                props: { alarmActions: [ALERTS_ARN] },
                from: { alarmActions: ["alerts"] },
            },
            ...(subscribed
                ? [
                      {
                          type: SUBSCRIPTION,
                          name: "email",
                          props: { topic: ALERTS_ARN, protocol: "email", endpoint: "a@example.com" },
                          from: { topic: ["alerts"] },
                      },
                  ]
                : []),
        ];
        it("passes an alerts topic someone subscribes to; a topic no alarm uses is not its concern", async () => {
            assert.deepEqual(await stackViolations(stackAlertsHaveSubscribers, graph(true)), []);
        });
        it("warns (advisory) about an alerts topic without a subscription", async () => {
            const found = await stackViolations(stackAlertsHaveSubscribers, graph(false));
            assert.deepEqual(
                found.map((v) => v.resource),
                ["alerts"],
            );
            assert.match(found[0].message, /alarms publish to this topic, but nothing subscribes to it/);
            assert.equal(stackAlertsHaveSubscribers.enforcementLevel, "advisory");
        });
    });

    describe("stack-production-lake-retained", () => {
        const bucket = (props: Record<string, any>, opts: Partial<Fake> = {}): Fake[] => [{ type: BUCKET, name: "bucket", props, ...opts }];
        it("passes a retained production bucket, and any bucket outside production", async () => {
            assert.deepEqual(
                await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: false }, { retainOnDelete: true }), {
                    production: true,
                }),
                [],
            );
            assert.deepEqual(
                await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: false }, { protect: true }), {
                    production: true,
                }),
                [],
            );
            assert.deepEqual(await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: true })), []);
        });
        it("reports a production bucket that pulumi destroy would delete, or empty", async () => {
            assert.deepEqual(await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: true }), { production: true }), [
                {
                    resource: "bucket",
                    message:
                        "production stack: forceDestroy is true, so deleting or replacing the bucket deletes every object in it; set forceDestroy to false",
                },
                {
                    resource: "bucket",
                    message:
                        "production stack: the lake bucket is neither retainOnDelete nor protected, so pulumi destroy deletes it; set retainOnDelete: true",
                },
            ]);
        });
    });
});
