import * as assert from "node:assert/strict";
import { CRAWL_ALLOWANCE_MINUTES, crawlTiming, iam, oldestMessageThresholdSeconds } from "@incremental-crawl/components";
import { Graph, policyOf, stackGraph } from "../offline";
import { MOCK_ACCOUNT } from "../offline/mocks";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("alerts", () => {
    it("sizes the oldest-event threshold from the longest wait of a crawl on arrival: the batch window plus a crawl, twice", () => {
        assert.equal(oldestMessageThresholdSeconds(20), 2400);
        assert.equal(oldestMessageThresholdSeconds(crawlTiming({ batchWindowSeconds: 60, safetyNet: false }).arrivalWaitMinutes), 2 * (1 + CRAWL_ALLOWANCE_MINUTES) * 60);
        assert.equal(oldestMessageThresholdSeconds(crawlTiming({ batchWindowSeconds: 61, safetyNet: true }).arrivalWaitMinutes), 2 * (2 + CRAWL_ALLOWANCE_MINUTES) * 60, "a started minute counts");
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

            it("alarms when a queue's oldest event is older than twice the longest wait on arrival (the batch window plus a crawl)", () => {
                const a = g.one(ALARM, "-orders-events-waiting").inputs;
                assert.equal(a.metricName, "ApproximateAgeOfOldestMessage");
                assert.equal(a.dimensions.QueueName, g.one("aws:sqs/queue:Queue", "-orders-queue").outputs.name);
                // dev: a 60 s window; prod: the default 300 s. Not the safety net's day: an event
                // its batch did not crawl is news even when the daily crawl will take it.
                assert.equal(a.threshold, 2 * ((stack === "prod" ? 5 : 1) + CRAWL_ALLOWANCE_MINUTES) * 60);
            });

            it("alarms when a table's arrival rule fails to notify its workflow (FailedInvocations)", () => {
                for (const t of stack === "dev" ? ["orders"] : ["orders", "customers"]) {
                    const a = g.one(ALARM, `-${t}-arrival-failed`).inputs;
                    const rule = g.one("aws:cloudwatch/eventRule:EventRule", `-${t}-arrival-rule`);
                    assert.deepEqual([a.namespace, a.metricName, a.statistic, a.comparisonOperator, a.threshold], ["AWS/Events", "FailedInvocations", "Sum", "GreaterThanThreshold", 0]);
                    assert.deepEqual(a.dimensions, { RuleName: rule.outputs.name });
                    assert.deepEqual(a.alarmActions, [alertsTopic().outputs.arn]);
                    assert.ok(g.dependsOn(g.one(ALARM, `-${t}-arrival-failed`), rule), "the alarm names the rule");
                }
            });

            it(stack === "prod" ? "routes failed starts of the safety-net schedule to the alerts topic, but not a start during a crawl" : "has no safety-net rule without a safety net", () => {
                const rules = g.ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.name.endsWith("-safety-net-failed"));
                if (stack === "dev") return assert.equal(rules.length, 0);
                const pattern = JSON.parse(rules[0].inputs.eventPattern);
                assert.deepEqual(pattern, {
                    source: ["aws.glue"], "detail-type": ["Glue Scheduled Crawler Invocation Failure"],
                    detail: { crawlerName: [{ prefix: "incremental-crawl-prod-" }], errorMessage: [{ "anything-but": { wildcard: "*already*" } }] },
                });
                const target = g.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.inputs.rule === rules[0].outputs.name)!;
                assert.equal(target.inputs.arn, alertsTopic().outputs.arn);
            });

            it("routes crawler FAILED state changes to the alerts topic", () => {
                const rule = g.one("aws:cloudwatch/eventRule:EventRule", "-crawler-failed");
                const pattern = JSON.parse(rule.inputs.eventPattern);
                const prefix = `incremental-crawl-${stack}-`;
                assert.deepEqual(pattern, { source: ["aws.glue"], "detail-type": ["Glue Crawler State Change"], detail: { state: ["Failed"], crawlerName: [{ prefix }] } });
                for (const c of g.ofType("aws:glue/crawler:Crawler")) assert.ok(c.inputs.name.startsWith(prefix), `${c.inputs.name} is matched`);
                const target = g.one("aws:cloudwatch/eventTarget:EventTarget", "-crawler-failed-target").inputs;
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
