import * as assert from "node:assert/strict";
import {
    checkPolicyConfined,
    isAwsManagedKey,
    snsTopicNoAwsManagedKey,
    snsTopicPolicyConfined,
    snsSubscriptionHasRedrive,
    sqsConsumerQueueHasDlq,
    sqsDlqRetentionCoversSource,
    sqsQueueNoAwsManagedKey,
    sqsQueuePolicyConfined,
    sqsRetentionCoversCrawlInterval,
} from "../../policies/rules/sns-sqs";
import {
    ACCOUNT,
    BUCKET_ARN,
    CRAWLER,
    DLQ_ARN,
    doc,
    eventPath,
    Fake,
    QUEUE,
    QUEUE_ARN,
    QUEUE_POLICY,
    QUEUE_URL,
    replace,
    S3_PUBLISH,
    SNS_SEND,
    stackViolations,
    SUBSCRIPTION,
    TOPIC,
    TOPIC_ARN,
    TOPIC_POLICY,
    unknown,
    violationsOf,
    withProps,
} from "./support";

describe("policies/sns-sqs", () => {
    describe("sns-topic-policy-confined", () => {
        it("passes the lake topic policy (S3, confined by source ARN and account)", async () => {
            assert.deepEqual(await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: doc(S3_PUBLISH) }), []);
        });
        it('reports Principal "*" and a service principal without a source condition', async () => {
            const open = doc({ Sid: "Open", Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: TOPIC_ARN });
            assert.deepEqual(await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: open }), [
                'topic policy statement "Open" allows Principal "*" without an aws:SourceArn or aws:SourceAccount condition: anyone could publish to it',
            ]);
            const bare = doc({ ...S3_PUBLISH, Sid: undefined, Condition: undefined });
            assert.deepEqual(await violationsOf(snsTopicPolicyConfined, TOPIC, { policy: bare }), [
                "topic policy statement #1 allows service s3.amazonaws.com without an aws:SourceArn or aws:SourceAccount condition: that service acting for any account could publish to it",
            ]);
        });
        it("does not count a wildcard source as a confinement, and reports NotPrincipal", async () => {
            const wildcard = doc({ ...S3_PUBLISH, Condition: { ArnLike: { "aws:SourceArn": "*" } } });
            assert.deepEqual((await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: wildcard })).length, 1);
            // Operators that hold when the request carries no such key do not confine it.
            for (const operator of [
                "ArnLikeIfExists",
                "ForAllValues:ArnLike",
                "ForAnyValue:ArnLike",
                "ArnNotLike",
                "StringNotEquals",
                "Null",
            ]) {
                const loose = doc({
                    ...S3_PUBLISH,
                    Condition: { [operator]: { "aws:SourceArn": BUCKET_ARN, "aws:SourceAccount": ACCOUNT } },
                });
                assert.equal((await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: loose })).length, 1, operator);
            }
            // A pattern confines only when it names the account: S3 ARNs have none, and an account pattern is other accounts.
            for (const Condition of [
                { ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" } },
                { ArnEquals: { "aws:SourceArn": "arn:*:s3:::lake-*" } },
                { StringLike: { "aws:SourceAccount": "12345678901?" } },
            ]) {
                const pattern = doc({ ...S3_PUBLISH, Condition });
                assert.equal(
                    (await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: pattern })).length,
                    1,
                    JSON.stringify(Condition),
                );
            }
            const alarms = doc({
                ...S3_PUBLISH,
                Condition: { ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` } },
            });
            assert.deepEqual(await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: alarms }), []);
            const exact = doc({ ...S3_PUBLISH, Condition: { stringequals: { "aws:SourceAccount": ACCOUNT } } });
            assert.deepEqual(
                await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: exact }),
                [],
                "operators are case-insensitive",
            );
            const notPrincipal = doc({
                Effect: "Allow",
                NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                Action: "sns:Publish",
                Resource: TOPIC_ARN,
            });
            assert.deepEqual(await violationsOf(snsTopicPolicyConfined, TOPIC_POLICY, { policy: notPrincipal }), [
                "topic policy statement #1 allows with NotPrincipal, which admits every other principal: name the principal",
            ]);
        });
        it("ignores Deny statements and account principals", () => {
            assert.deepEqual(
                checkPolicyConfined(doc({ Effect: "Deny", Principal: "*", Action: "sns:*", Resource: TOPIC_ARN }), "topic"),
                [],
            );
            assert.deepEqual(
                checkPolicyConfined(
                    doc({ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "sns:Publish", Resource: TOPIC_ARN }),
                    "topic",
                ),
                [],
            );
        });
    });

    describe("sqs-queue-policy-confined", () => {
        it("passes the lake queue policy (SNS, confined to the topic)", async () => {
            assert.deepEqual(await violationsOf(sqsQueuePolicyConfined, QUEUE_POLICY, { policy: doc(SNS_SEND) }), []);
        });
        it("reports a service principal without a source condition, on a QueuePolicy or a queue's own policy", async () => {
            const bare = doc({ ...SNS_SEND, Condition: undefined });
            const expected = [
                'queue policy statement "AllowLakeTopicSend" allows service sns.amazonaws.com without an aws:SourceArn or aws:SourceAccount condition: that service acting for any account could send to it',
            ];
            assert.deepEqual(await violationsOf(sqsQueuePolicyConfined, QUEUE_POLICY, { policy: bare }), expected);
            assert.deepEqual(await violationsOf(sqsQueuePolicyConfined, QUEUE, { policy: bare }), expected);
        });
    });

    describe("sns-topic-no-aws-managed-key", () => {
        it("passes a topic S3 publishes to with a customer-managed key", async () => {
            const graph = replace(eventPath(), "topic", (t) =>
                withProps(t, { kmsMasterKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234` }),
            );
            assert.deepEqual(await stackViolations(snsTopicNoAwsManagedKey, graph), []);
        });
        it("reports alias/aws/sns on a topic S3 publishes to", async () => {
            const graph = replace(eventPath(), "topic", (t) => withProps(t, { kmsMasterKeyId: "alias/aws/sns" }));
            assert.deepEqual(await stackViolations(snsTopicNoAwsManagedKey, graph), [
                {
                    resource: "topic",
                    message:
                        "encrypted with the AWS managed key alias/aws/sns, whose key policy cannot admit s3.amazonaws.com: it could not deliver here. Use a customer-managed key whose policy admits s3.amazonaws.com",
                },
            ]);
        });
        it("leaves a topic no service delivers into alone", async () => {
            assert.deepEqual(
                await stackViolations(snsTopicNoAwsManagedKey, [
                    { type: TOPIC, name: "quiet", props: { kmsMasterKeyId: "alias/aws/sns" } },
                ]),
                [],
            );
        });
        it("recognises the managed key by alias name and alias ARN only", () => {
            assert.equal(isAwsManagedKey("alias/aws/sns", "sns"), true);
            assert.equal(isAwsManagedKey(`arn:aws:kms:eu-west-1:${ACCOUNT}:alias/aws/sns`, "sns"), true);
            assert.equal(isAwsManagedKey("alias/aws/sns-custom", "sns"), false);
            assert.equal(isAwsManagedKey("alias/aws/sqs", "sns"), false);
        });
    });

    describe("sqs-queue-no-aws-managed-key", () => {
        it("passes SSE-SQS queues", async () => {
            assert.deepEqual(await stackViolations(sqsQueueNoAwsManagedKey, eventPath()), []);
        });
        it("reports alias/aws/sqs on a queue SNS sends to, not on its DLQ", async () => {
            let graph = replace(eventPath(), "queue", (q) => withProps(q, { kmsMasterKeyId: "alias/aws/sqs" }));
            graph = replace(graph, "dlq", (q) => withProps(q, { kmsMasterKeyId: "alias/aws/sqs" }));
            assert.deepEqual(await stackViolations(sqsQueueNoAwsManagedKey, graph), [
                {
                    resource: "queue",
                    message:
                        "encrypted with the AWS managed key alias/aws/sqs, whose key policy cannot admit sns.amazonaws.com: it could not deliver here. Use a customer-managed key whose policy admits sns.amazonaws.com, or SSE-SQS (sqsManagedSseEnabled)",
                },
            ]);
        });
    });

    describe("sqs-consumer-queue-has-dlq", () => {
        it("passes a subscribed queue with a redrive policy", async () => {
            assert.deepEqual(await stackViolations(sqsConsumerQueueHasDlq, eventPath()), []);
        });
        it("reports a subscribed queue without a redrive policy", async () => {
            const graph = replace(eventPath(), "queue", (q) => ({
                ...q,
                props: { messageRetentionSeconds: 345_600 },
                outputs: { arn: QUEUE_ARN, url: QUEUE_URL },
                from: {},
            }));
            assert.deepEqual(await stackViolations(sqsConsumerQueueHasDlq, graph), [
                {
                    resource: "queue",
                    message:
                        "consumer queue has no redrivePolicy: an event its crawler cannot process is received again and again until it expires; add a dead-letter queue (redrivePolicy with deadLetterTargetArn and maxReceiveCount)",
                },
            ]);
        });
        it("reports an incomplete redrive policy", async () => {
            const graph = replace(eventPath(), "queue", (q) =>
                withProps(q, { redrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN }) }),
            );
            assert.deepEqual(await stackViolations(sqsConsumerQueueHasDlq, graph), [
                { resource: "queue", message: "redrivePolicy has no maxReceiveCount of at least 1" },
            ]);
        });
        it("counts a crawler's event queue as a consumer", async () => {
            const graph: Fake[] = [
                { type: QUEUE, name: "crawled", props: {}, outputs: { arn: QUEUE_ARN } },
                {
                    type: CRAWLER,
                    name: "crawler",
                    props: { s3Targets: [{ path: "s3://lake-bucket/exports/orders/", eventQueueArn: QUEUE_ARN }] },
                },
            ];
            assert.deepEqual(
                (await stackViolations(sqsConsumerQueueHasDlq, graph)).map((v) => v.resource),
                ["crawled"],
            );
        });
        it("waits for a redrive policy that is not known yet", async () => {
            const graph = replace(eventPath(), "queue", (q) => withProps(q, { redrivePolicy: unknown() }));
            assert.deepEqual(await stackViolations(sqsConsumerQueueHasDlq, graph), []);
        });
    });

    describe("sqs-retention-covers-crawl-interval", () => {
        it("passes 4 days of retention for daily crawls (default config: 2 intervals of 1440 minutes)", async () => {
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, eventPath()), []);
        });
        it("reports a consumer queue that keeps events less than two crawl intervals", async () => {
            const graph = replace(eventPath(), "queue", (q) => withProps(q, { messageRetentionSeconds: 86_400 }));
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, graph), [
                {
                    resource: "queue",
                    message:
                        "keeps events 1 day, less than 2 crawl intervals of 1 day (2 days): events would expire before a crawl reads them; raise messageRetentionSeconds",
                },
            ]);
        });
        it("follows the configured interval and says when SQS cannot keep events that long", async () => {
            const hourly = replace(eventPath(), "queue", (q) => withProps(q, { messageRetentionSeconds: 3_600 }));
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, hourly, { crawlerIntervalMinutes: 30 }), []);
            assert.deepEqual(
                await stackViolations(sqsRetentionCoversCrawlInterval, eventPath(), {
                    crawlerIntervalMinutes: 10_080,
                    intervalsRetained: 3,
                }),
                [
                    {
                        resource: "queue",
                        message:
                            "keeps events 4 days, less than 3 crawl intervals of 7 days (21 days): events would expire before a crawl reads them; SQS keeps messages at most 14 days, so crawl more often",
                    },
                ],
            );
        });
        it("takes SQS's default of 4 days when retention is not set", async () => {
            const graph = replace(eventPath(), "queue", (q) => ({
                ...q,
                props: { redrivePolicy: q.props!.redrivePolicy },
                outputs: { ...q.outputs, messageRetentionSeconds: undefined },
            }));
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, graph, { crawlerIntervalMinutes: 2_880 }), []);
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, graph, { crawlerIntervalMinutes: 3_000 }), [
                {
                    resource: "queue",
                    message:
                        "keeps events 4 days, less than 2 crawl intervals of 50 hours (100 hours): events would expire before a crawl reads them; raise messageRetentionSeconds",
                },
            ]);
        });
    });

    describe("sqs-dlq-retention-covers-source", () => {
        it("passes a DLQ that keeps messages longer than its source", async () => {
            assert.deepEqual(await stackViolations(sqsDlqRetentionCoversSource, eventPath()), []);
        });
        it("reports a DLQ that keeps messages less long than its source", async () => {
            const graph = replace(eventPath(), "dlq", (q) => withProps(q, { messageRetentionSeconds: 86_400 }));
            assert.deepEqual(await stackViolations(sqsDlqRetentionCoversSource, graph), [
                {
                    resource: "dlq",
                    message:
                        "dead-letter queue keeps messages 1 day, less than its source queue queue (4 days): a message keeps its original enqueue time when it moves here, so it expires early; give the DLQ at least 4 days",
                },
            ]);
        });
        it("finds the DLQ by ARN when no dependency links them, and skips FIFO queues (their DLQ resets the enqueue time)", async () => {
            const byArn = replace(
                replace(eventPath(), "dlq", (q) => withProps(q, { messageRetentionSeconds: 86_400 })),
                "queue",
                (q) => ({ ...q, from: {} }),
            );
            assert.deepEqual(
                (await stackViolations(sqsDlqRetentionCoversSource, byArn)).map((v) => v.resource),
                ["dlq"],
            );
            const fifo = replace(byArn, "queue", (q) => withProps(q, { fifoQueue: true }));
            assert.deepEqual(await stackViolations(sqsDlqRetentionCoversSource, fifo), []);
        });
    });

    describe("sns-subscription-has-redrive", () => {
        const SUB = { protocol: "sqs", endpoint: QUEUE_ARN, rawMessageDelivery: true };
        it("passes a subscription that redrives to a dead-letter queue, and other protocols", async () => {
            assert.deepEqual(
                await violationsOf(snsSubscriptionHasRedrive, SUBSCRIPTION, {
                    ...SUB,
                    redrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN }),
                }),
                [],
            );
            assert.deepEqual(
                await violationsOf(snsSubscriptionHasRedrive, SUBSCRIPTION, { protocol: "email", endpoint: "a@example.com" }),
                [],
            );
        });
        it("reports a subscription without one, or with one naming nothing", async () => {
            assert.deepEqual(await violationsOf(snsSubscriptionHasRedrive, SUBSCRIPTION, SUB), [
                "subscription has no redrivePolicy: an event SNS cannot deliver to the queue is dropped unseen; redrive to a dead-letter queue",
            ]);
            assert.deepEqual(await violationsOf(snsSubscriptionHasRedrive, SUBSCRIPTION, { ...SUB, redrivePolicy: "{}" }), [
                "redrivePolicy names no deadLetterTargetArn",
            ]);
        });
    });
});
