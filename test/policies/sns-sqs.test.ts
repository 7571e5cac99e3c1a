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
import { doc, Fake, stackViolations, unknown, violationsOf } from "./support";

const BUCKET = "aws:s3/bucket:Bucket";
const NOTIFICATION = "aws:s3/bucketNotification:BucketNotification";
const TOPIC = "aws:sns/topic:Topic";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const QUEUE = "aws:sqs/queue:Queue";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const CRAWLER = "aws:glue/crawler:Crawler";

const ACCOUNT = "123456789012";
const BUCKET_ARN = "arn:aws:s3:::lake-bucket";
const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:lake-events`;
const QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-queue`;
const DLQ_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-dlq`;
const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-queue`;

const S3_PUBLISH = {
    Sid: "AllowS3PublishFromLakeBucket",
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: "sns:Publish",
    Resource: TOPIC_ARN,
    Condition: { ArnLike: { "aws:SourceArn": BUCKET_ARN }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
};
const SNS_SEND = {
    Sid: "AllowLakeTopicSend",
    Effect: "Allow",
    Principal: { Service: "sns.amazonaws.com" },
    Action: "sqs:SendMessage",
    Resource: QUEUE_ARN,
    Condition: { ArnEquals: { "aws:SourceArn": TOPIC_ARN } },
};
const FILTER = JSON.stringify({ Records: { s3: { object: { key: [{ prefix: "exports/orders/" }] } } } });
const with_ = (f: Fake, props: Record<string, any>): Fake => ({
    ...f,
    props: { ...f.props, ...props },
    outputs: { ...(f.outputs ?? f.props), ...props },
});

/** The event path of one table, wired as the program wires it. */
function events(): Fake[] {
    return [
        { type: BUCKET, name: "bucket", props: {}, outputs: { bucket: "lake-bucket", arn: BUCKET_ARN } },
        { type: TOPIC, name: "topic", props: {}, outputs: { arn: TOPIC_ARN } },
        {
            type: TOPIC_POLICY,
            name: "topic-policy",
            props: { arn: TOPIC_ARN, policy: doc(S3_PUBLISH) },
            from: { arn: ["topic"], policy: ["topic", "bucket"] },
        },
        {
            type: NOTIFICATION,
            name: "notification",
            props: { bucket: "lake-bucket", topics: [{ topicArn: TOPIC_ARN, events: ["s3:ObjectCreated:*"], filterPrefix: "exports/" }] },
            from: { bucket: ["bucket"], topics: ["topic"] },
            dependsOn: ["topic-policy"],
        },
        {
            type: QUEUE,
            name: "dlq",
            props: { messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true },
            outputs: { messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true, arn: DLQ_ARN },
        },
        {
            type: QUEUE,
            name: "queue",
            props: {
                messageRetentionSeconds: 345_600,
                sqsManagedSseEnabled: true,
                redrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 }),
            },
            outputs: {
                messageRetentionSeconds: 345_600,
                sqsManagedSseEnabled: true,
                redrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 }),
                arn: QUEUE_ARN,
                url: QUEUE_URL,
            },
            from: { redrivePolicy: ["dlq"] },
        },
        {
            type: QUEUE_POLICY,
            name: "queue-policy",
            props: { queueUrl: QUEUE_URL, policy: doc(SNS_SEND) },
            from: { queueUrl: ["queue"], policy: ["queue", "topic"] },
        },
        {
            type: SUBSCRIPTION,
            name: "subscription",
            props: {
                topic: TOPIC_ARN,
                protocol: "sqs",
                endpoint: QUEUE_ARN,
                rawMessageDelivery: true,
                filterPolicyScope: "MessageBody",
                filterPolicy: FILTER,
            },
            from: { topic: ["topic"], endpoint: ["queue"] },
            dependsOn: ["queue-policy"],
        },
    ];
}
const replace = (graph: Fake[], name: string, f: (x: Fake) => Fake) => graph.map((x) => (x.name === name ? f(x) : x));

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
            const graph = replace(events(), "topic", (t) => with_(t, { kmsMasterKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234` }));
            assert.deepEqual(await stackViolations(snsTopicNoAwsManagedKey, graph), []);
        });
        it("reports alias/aws/sns on a topic S3 publishes to", async () => {
            const graph = replace(events(), "topic", (t) => with_(t, { kmsMasterKeyId: "alias/aws/sns" }));
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
            assert.deepEqual(await stackViolations(sqsQueueNoAwsManagedKey, events()), []);
        });
        it("reports alias/aws/sqs on a queue SNS sends to, not on its DLQ", async () => {
            let graph = replace(events(), "queue", (q) => with_(q, { kmsMasterKeyId: "alias/aws/sqs" }));
            graph = replace(graph, "dlq", (q) => with_(q, { kmsMasterKeyId: "alias/aws/sqs" }));
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
            assert.deepEqual(await stackViolations(sqsConsumerQueueHasDlq, events()), []);
        });
        it("reports a subscribed queue without a redrive policy", async () => {
            const graph = replace(events(), "queue", (q) => ({
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
            const graph = replace(events(), "queue", (q) => with_(q, { redrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN }) }));
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
            const graph = replace(events(), "queue", (q) => with_(q, { redrivePolicy: unknown() }));
            assert.deepEqual(await stackViolations(sqsConsumerQueueHasDlq, graph), []);
        });
    });

    describe("sqs-retention-covers-crawl-interval", () => {
        it("passes 4 days of retention for daily crawls (default config: 2 intervals of 1440 minutes)", async () => {
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, events()), []);
        });
        it("reports a consumer queue that keeps events less than two crawl intervals", async () => {
            const graph = replace(events(), "queue", (q) => with_(q, { messageRetentionSeconds: 86_400 }));
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, graph), [
                {
                    resource: "queue",
                    message:
                        "keeps events 1 day, less than 2 crawl intervals of 1 day (2 days): events would expire before a crawl reads them; raise messageRetentionSeconds",
                },
            ]);
        });
        it("follows the configured interval and says when SQS cannot keep events that long", async () => {
            const hourly = replace(events(), "queue", (q) => with_(q, { messageRetentionSeconds: 3_600 }));
            assert.deepEqual(await stackViolations(sqsRetentionCoversCrawlInterval, hourly, { crawlerIntervalMinutes: 30 }), []);
            assert.deepEqual(
                await stackViolations(sqsRetentionCoversCrawlInterval, events(), { crawlerIntervalMinutes: 10_080, intervalsRetained: 3 }),
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
            const graph = replace(events(), "queue", (q) => ({
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
            assert.deepEqual(await stackViolations(sqsDlqRetentionCoversSource, events()), []);
        });
        it("reports a DLQ that keeps messages less long than its source", async () => {
            const graph = replace(events(), "dlq", (q) => with_(q, { messageRetentionSeconds: 86_400 }));
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
                replace(events(), "dlq", (q) => with_(q, { messageRetentionSeconds: 86_400 })),
                "queue",
                (q) => ({ ...q, from: {} }),
            );
            assert.deepEqual(
                (await stackViolations(sqsDlqRetentionCoversSource, byArn)).map((v) => v.resource),
                ["dlq"],
            );
            const fifo = replace(byArn, "queue", (q) => with_(q, { fifoQueue: true }));
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
