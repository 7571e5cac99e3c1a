import * as assert from "node:assert/strict";
import { iam, oldestMessageThresholdSeconds } from "@incremental-crawl/components";
import { Graph, policyOf, stackGraph } from "./harness";
import { MOCK_ACCOUNT } from "./harness/mocks";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("alerts", () => {
    it("sizes the oldest-event threshold from the crawl interval, or the retention when crawls are on demand", () => {
        assert.equal(oldestMessageThresholdSeconds(60, 14), 7200);
        assert.equal(oldestMessageThresholdSeconds(undefined, 4), 172_800);
    });

    for (const stack of ["dev", "prod"] as const) {
        describe(stack, () => {
            let g: Graph;
            before(async () => { g = await stackGraph(stack); });
            const alertsTopic = () => g.one("aws:sns/topic:Topic", "-alerts-topic");

            it("alarms when a table's DLQ holds messages", () => {
                for (const t of stack === "dev" ? ["orders"] : ["orders", "customers"]) {
                    const a = g.one(ALARM, `-${t}-dlq-not-empty`).inputs;
                    assert.equal(a.dimensions.QueueName, g.one("aws:sqs/queue:Queue", `-${t}-dlq`).outputs.name);
                    assert.deepEqual([a.namespace, a.metricName, a.comparisonOperator, a.threshold], ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "GreaterThanThreshold", 0]);
                    assert.deepEqual(a.alarmActions, [alertsTopic().outputs.arn]);
                }
            });

            it("alarms when a queue's oldest event is older than twice the crawl interval (prod) or half the retention (dev)", () => {
                const a = g.one(ALARM, "-orders-events-waiting").inputs;
                assert.equal(a.metricName, "ApproximateAgeOfOldestMessage");
                assert.equal(a.dimensions.QueueName, g.one("aws:sqs/queue:Queue", "-orders-queue").outputs.name);
                assert.equal(a.threshold, stack === "prod" ? 2 * 60 * 60 : 2 * 86_400);
            });

            it("routes crawler FAILED state changes to the alerts topic", () => {
                const rule = g.one("aws:cloudwatch/eventRule:EventRule");
                const pattern = JSON.parse(rule.inputs.eventPattern);
                const prefix = `incremental-crawl-${stack}-`;
                assert.deepEqual(pattern, { source: ["aws.glue"], "detail-type": ["Glue Crawler State Change"], detail: { state: ["Failed"], crawlerName: [{ prefix }] } });
                for (const c of g.ofType("aws:glue/crawler:Crawler")) assert.ok(c.inputs.name.startsWith(prefix), `${c.inputs.name} is matched`);
                const target = g.one("aws:cloudwatch/eventTarget:EventTarget").inputs;
                assert.equal(target.arn, alertsTopic().outputs.arn);
                assert.equal(target.rule, rule.outputs.name);
            });

            it("lets only this account's alarms and rules publish, and subscribes the configured emails", () => {
                const tp = g.ofType("aws:sns/topicPolicy:TopicPolicy").find((p) => p.inputs.arn === alertsTopic().outputs.arn)!;
                assert.deepEqual(policyOf(tp), iam.alertsTopicPolicy({ topicArn: alertsTopic().outputs.arn, accountId: MOCK_ACCOUNT, region: "eu-west-1" }));
                const emails = g.ofType("aws:sns/topicSubscription:TopicSubscription").filter((s) => s.inputs.protocol === "email").map((s) => s.inputs.endpoint);
                assert.deepEqual(emails, stack === "prod" ? ["data-platform-oncall@example.com"] : []);
                for (const alarm of g.ofType(ALARM)) assert.ok(g.dependsOn(alarm, tp), "alarms after the topic admits them");
            });
        });
    }
});
