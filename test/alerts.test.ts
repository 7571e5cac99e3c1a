import * as assert from "node:assert/strict";
import { CRAWL_ALLOWANCE_MINUTES, crawlTiming } from "../components/catalog/arrival";
import { CRAWLER_RULE_PATTERN_MAX_CHARS, crawlerNamePatterns, oldestMessageThresholdSeconds } from "../components/ops/alerts";
import { Graph, graphOf, policyOf, stackGraph } from "../offline";
import { MOCK_ACCOUNT } from "../offline/mocks";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("alerts", () => {
    it("sizes the oldest-event threshold from the longest wait of a crawl on arrival: the batch window plus a crawl, twice", () => {
        assert.equal(oldestMessageThresholdSeconds(20), 2400);
        assert.equal(
            oldestMessageThresholdSeconds(crawlTiming({ batchWindowSeconds: 60 }).arrivalWaitMinutes),
            2 * (1 + CRAWL_ALLOWANCE_MINUTES) * 60,
        );
        assert.equal(
            oldestMessageThresholdSeconds(
                crawlTiming({ batchWindowSeconds: 61, safetyNetSchedule: "cron(15 3 * * ? *)" }).arrivalWaitMinutes,
            ),
            2 * (2 + CRAWL_ALLOWANCE_MINUTES) * 60,
            "a started minute counts",
        );
    });

    for (const stack of ["dev", "prod"] as const) {
        describe(stack, () => {
            let g: Graph;
            before(async () => {
                g = await stackGraph(stack);
            });
            const alertsTopic = () => g.one("aws:sns/topic:Topic", "-alerts-topic");

            it("alarms when a table's DLQ holds messages", () => {
                for (const t of stack === "dev" ? ["orders"] : ["orders", "customers"]) {
                    const a = g.one(ALARM, `-${t}-dlq-not-empty`).inputs;
                    assert.equal(a.dimensions.QueueName, g.one("aws:sqs/queue:Queue", `-${t}-dlq`).outputs.name);
                    assert.deepEqual(
                        [a.namespace, a.metricName, a.comparisonOperator, a.threshold],
                        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "GreaterThanThreshold", 0],
                    );
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
                    assert.deepEqual(
                        [a.namespace, a.metricName, a.statistic, a.comparisonOperator, a.threshold],
                        ["AWS/Events", "FailedInvocations", "Sum", "GreaterThanThreshold", 0],
                    );
                    assert.deepEqual(a.dimensions, { RuleName: rule.outputs.name });
                    assert.deepEqual(a.alarmActions, [alertsTopic().outputs.arn]);
                    assert.ok(g.dependsOn(g.one(ALARM, `-${t}-arrival-failed`), rule), "the alarm names the rule");
                }
            });

            it("routes failed starts of the safety-net schedule to the alerts topic, but not a start during a crawl", () => {
                const rules = g.ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.name.endsWith("-safety-net-failed"));
                assert.equal(rules.length, 1);
                const pattern = JSON.parse(rules[0].inputs.eventPattern);
                assert.deepEqual(pattern, {
                    source: ["aws.glue"],
                    "detail-type": ["Glue Scheduled Crawler Invocation Failure"],
                    detail: {
                        crawlerName: g
                            .ofType("aws:glue/crawler:Crawler")
                            .map((c) => c.inputs.name)
                            .sort(),
                        errorMessage: [{ "anything-but": { wildcard: "*already*" } }],
                    },
                });
                const target = g.ofType("aws:cloudwatch/eventTarget:EventTarget").find((t) => t.inputs.rule === rules[0].outputs.name)!;
                assert.equal(target.inputs.arn, alertsTopic().outputs.arn);
            });

            it("routes FAILED state changes of the stack's own crawlers, by their exact names, to the alerts topic", () => {
                const rule = g.one("aws:cloudwatch/eventRule:EventRule", "-crawler-failed");
                const pattern = JSON.parse(rule.inputs.eventPattern);
                const names = g
                    .ofType("aws:glue/crawler:Crawler")
                    .map((c) => c.inputs.name)
                    .sort();
                assert.deepEqual(pattern, {
                    source: ["aws.glue"],
                    "detail-type": ["Glue Crawler State Change"],
                    detail: { state: ["Failed"], crawlerName: names },
                });
                const target = g.one("aws:cloudwatch/eventTarget:EventTarget", "-crawler-failed-target").inputs;
                assert.equal(target.arn, alertsTopic().outputs.arn);
                assert.equal(target.rule, rule.outputs.name);
            });

            it("lets only this account's alarms and rules publish, and subscribes the configured emails", () => {
                const tp = g.ofType("aws:sns/topicPolicy:TopicPolicy").find((p) => p.inputs.arn === alertsTopic().outputs.arn)!;
                // Only CloudWatch alarms and EventBridge rules, and only those of this account and region, may publish.
                const admit = (Sid: string, service: string, source: string) => ({
                    Sid,
                    Effect: "Allow",
                    Principal: { Service: `${service}.amazonaws.com` },
                    Action: "sns:Publish",
                    Resource: alertsTopic().outputs.arn,
                    Condition: { ArnLike: { "aws:SourceArn": `arn:aws:${service}:eu-west-1:${MOCK_ACCOUNT}:${source}` } },
                });
                assert.deepEqual(policyOf(tp), {
                    Version: "2012-10-17",
                    Statement: [
                        admit("AllowAlarmsOfThisAccount", "cloudwatch", "alarm:*"),
                        admit("AllowRulesOfThisAccount", "events", "rule/*"),
                    ],
                });
                const emails = g
                    .ofType("aws:sns/topicSubscription:TopicSubscription")
                    .filter((s) => s.inputs.protocol === "email")
                    .map((s) => s.inputs.endpoint);
                assert.deepEqual(emails, stack === "prod" ? ["data-platform-oncall@example.com"] : []);
                for (const alarm of g.ofType(ALARM)) assert.ok(g.dependsOn(alarm, tp), "alarms after the topic admits them");
            });
        });
    }

    it("has no safety-net rule in a stack that switched the safety net off", async () => {
        const g = await graphOf({
            stack: "dev",
            config: { "incremental-crawl:safetyNetSchedule": "none-events-may-expire", "incremental-crawl:safetyNetCrawl": false },
        });
        assert.equal(g.ofType("aws:cloudwatch/eventRule:EventRule").filter((r) => r.name.endsWith("-safety-net-failed")).length, 0);
        for (const c of g.ofType("aws:glue/crawler:Crawler")) assert.equal(c.inputs.schedule, undefined);
    });

    describe("two stacks whose names share a prefix (prod, prod-eu)", () => {
        let prod: Graph;
        let prodEu: Graph;
        before(async () => {
            prod = await graphOf({ stack: "dev", stackName: "prod" });
            prodEu = await graphOf({ stack: "dev", stackName: "prod-eu" });
        });
        /** The crawler names a stack's failure rules match: each rule lists exact names only. */
        const matched = (g: Graph, suffix: string) =>
            g
                .ofType("aws:cloudwatch/eventRule:EventRule")
                .filter((r) => new RegExp(`${suffix}(-\\d+)?$`).test(r.name))
                .flatMap((r) => JSON.parse(r.inputs.eventPattern).detail.crawlerName as unknown[]);
        const crawlers = (g: Graph) => g.ofType("aws:glue/crawler:Crawler").map((c) => c.inputs.name as string);

        it("each stack's crawler-failure rule matches its own crawlers and none of the other's", () => {
            const [own, other] = [crawlers(prod), crawlers(prodEu)];
            assert.ok(
                other.every((n) => n.startsWith(`${own[0].slice(0, own[0].lastIndexOf("-"))}-`)),
                "prod-eu's crawlers start with prod's prefix",
            );
            for (const [g, mine, theirs] of [
                [prod, own, other],
                [prodEu, other, own],
            ] as const) {
                const names = matched(g, "-crawler-failed");
                assert.ok(
                    names.every((n) => typeof n === "string"),
                    `exact names, no prefix or wildcard: ${JSON.stringify(names)}`,
                );
                assert.deepEqual([...names].sort(), [...mine].sort());
                assert.ok(!theirs.some((n) => names.includes(n)));
            }
        });
    });

    describe("crawler name patterns", () => {
        const build = (names: string[]) => ({
            source: ["aws.glue"],
            "detail-type": ["Glue Crawler State Change"],
            detail: { state: ["Failed"], crawlerName: names },
        });
        it("fit every name into one pattern while they fit EventBridge's 2048 characters", () => {
            assert.deepEqual(crawlerNamePatterns(["a-orders", "a-returns"], build), [build(["a-orders", "a-returns"])]);
        });
        it("split 200 long names into as few patterns as fit, each within the limit, every name once", () => {
            const names = Array.from(
                { length: 200 },
                (_, i) => `incremental-crawl-a-long-stack-name-table_number_${String(i).padStart(3, "0")}`,
            );
            const patterns = crawlerNamePatterns(names, build);
            assert.ok(patterns.length > 1);
            for (const p of patterns) assert.ok(JSON.stringify(p).length <= CRAWLER_RULE_PATTERN_MAX_CHARS, `${JSON.stringify(p).length}`);
            assert.deepEqual(
                patterns.flatMap((p) => p.detail.crawlerName),
                [...names].sort(),
            );
            // Each pattern is full: the next pattern's first name would not fit in it.
            for (let i = 0; i + 1 < patterns.length; i++) {
                const more = build([...patterns[i].detail.crawlerName, patterns[i + 1].detail.crawlerName[0]]);
                assert.ok(JSON.stringify(more).length > CRAWLER_RULE_PATTERN_MAX_CHARS);
            }
        });
    });
});
