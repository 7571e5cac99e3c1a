import * as assert from "node:assert/strict";
import { CapturedResource, Graph, graphOf, policyOf, stackGraph } from "../offline";
import { MOCK_ACCOUNT } from "../offline/mocks";
import { denyInsecureTransport, document, s3Publishes, topicSends } from "./harness/wiring";

const T = {
    bucket: "aws:s3/bucket:Bucket",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    notification: "aws:s3/bucketNotification:BucketNotification",
    topic: "aws:sns/topic:Topic",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    key: "aws:kms/key:Key",
};

/** The queue policy that admits the lake topic only. */
const admitsTopic = (queueArn: string, topicArn: string) => document(topicSends(queueArn, topicArn));

/** Resources under the EventLake component (any depth). */
function lakeResources(g: Graph): CapturedResource[] {
    const lake = g.one("incremental-crawl:index:EventLake");
    return g.cloud.filter((r) => g.ancestors(r).some((a) => a.urn === lake.urn));
}

for (const stack of ["dev", "prod"] as const) {
    describe(`event lake (${stack})`, () => {
        let g: Graph;
        before(async () => {
            g = await stackGraph(stack);
        });

        it("blocks all public access and enforces bucket-owner ownership", () => {
            const bucket = g.one(T.bucket, "-lake-bucket");
            const pab = g.one(T.pab, "-lake-").inputs;
            assert.equal(pab.bucket, bucket.outputs.id ?? bucket.outputs.bucket);
            assert.deepEqual(
                [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                [true, true, true, true],
            );
            assert.equal(g.one(T.ownership, "-lake-").inputs.rule.objectOwnership, "BucketOwnerEnforced");
        });

        it("encrypts by default: SSE-S3 in dev, the stack's CMK in prod", () => {
            const rule = g.one(T.sse, "-lake-").inputs.rules[0];
            if (stack === "dev") {
                assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
                assert.equal(g.ofType(T.key).length, 0);
            } else {
                const key = g.one(T.key, "-kms-key");
                assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
                assert.equal(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, key.outputs.arn);
                assert.equal(rule.bucketKeyEnabled, true);
                assert.equal(key.inputs.enableKeyRotation, true);
            }
        });

        it("denies any request without TLS", () => {
            const bucket = g.one(T.bucket, "-lake-bucket");
            const policy = g.one(T.bucketPolicy, "-lake-");
            assert.deepEqual(policyOf(policy), document(denyInsecureTransport(bucket.outputs.arn)));
            assert.ok(g.dependsOn(policy, g.one(T.pab, "-lake-")), "policy after the public access block");
        });

        it("versions and expires as the stack says", () => {
            const rules = g.one(T.lifecycle, "-lake-").inputs.rules as any[];
            const byId = Object.fromEntries(rules.map((r) => [r.id, r]));
            assert.equal(byId["abort-incomplete-multipart-uploads"].abortIncompleteMultipartUpload.daysAfterInitiation, 7);
            assert.equal(byId["expire-athena-results"].filter.prefix, "athena-results/");
            if (stack === "dev") {
                assert.equal(g.ofType(T.versioning).length, 0, "dev versions no bucket");
                assert.equal(byId["expire-old-versions"], undefined);
                assert.equal(byId["expire-athena-results"].expiration.days, 7);
            } else {
                assert.equal(g.one(T.versioning, "-lake-").inputs.versioningConfiguration.status, "Enabled");
                assert.equal(byId["expire-old-versions"].noncurrentVersionExpiration.noncurrentDays, 90);
                assert.ok(g.dependsOn(g.one(T.lifecycle, "-lake-"), g.one(T.versioning, "-lake-")));
            }
        });

        it("lets only S3, for this bucket and this account, publish to the topic", () => {
            const topic = g.one(T.topic, "-lake-events");
            const bucket = g.one(T.bucket, "-lake-bucket");
            const tp = g.one(T.topicPolicy, "-lake-events-policy");
            assert.equal(tp.inputs.arn, topic.outputs.arn);
            assert.deepEqual(policyOf(tp), document(s3Publishes(topic.outputs.arn, bucket.outputs.arn, MOCK_ACCOUNT)));
        });

        it("never encrypts the topic with the AWS-managed key", () => {
            const k = g.one(T.topic, "-lake-events").inputs.kmsMasterKeyId;
            if (stack === "dev") assert.equal(k, undefined);
            else assert.equal(k, g.one(T.key, "-kms-key").outputs.arn);
        });

        it("notifies s3:ObjectCreated:* under the export prefix, after the topic policy exists", () => {
            const n = g.one(T.notification);
            assert.deepEqual(n.inputs.topics, [
                { topicArn: g.one(T.topic, "-lake-events").outputs.arn, events: ["s3:ObjectCreated:*"], filterPrefix: "exports/" },
            ]);
            assert.ok(g.dependsOn(n, g.one(T.topicPolicy, "-lake-events-policy")), "BucketNotification dependsOn TopicPolicy");
        });

        it("gives each table a queue with a DLQ, encryption SNS can deliver into, and retention for a missed crawl", () => {
            const tables = stack === "dev" ? ["orders"] : ["orders", "customers"];
            for (const t of tables) {
                const queue = g.one(T.queue, `-${t}-queue`);
                const dlq = g.one(T.queue, `-${t}-dlq`);
                const redrive = JSON.parse(queue.inputs.redrivePolicy);
                assert.deepEqual(redrive, { deadLetterTargetArn: dlq.outputs.arn, maxReceiveCount: 5 });
                assert.equal(queue.inputs.messageRetentionSeconds, (stack === "dev" ? 4 : 7) * 86400);
                assert.ok(dlq.inputs.messageRetentionSeconds > queue.inputs.messageRetentionSeconds, "the DLQ outlives the queue");
                assert.equal(dlq.inputs.messageRetentionSeconds, 14 * 86400);
                for (const q of [queue, dlq]) {
                    assert.equal(
                        q.inputs.visibilityTimeoutSeconds,
                        3600,
                        `${q.name}: a crawl's received events stay hidden for an hour, not SQS's 30 s`,
                    );
                    assert.ok(
                        q.inputs.messageRetentionSeconds > q.inputs.visibilityTimeoutSeconds * 24,
                        "retention dwarfs the visibility timeout",
                    );
                }
                for (const q of [queue, dlq]) {
                    assert.notEqual(q.inputs.kmsMasterKeyId, "alias/aws/sqs");
                    if (stack === "dev") assert.equal(q.inputs.sqsManagedSseEnabled, true);
                    else assert.equal(q.inputs.kmsMasterKeyId, g.one(T.key, "-kms-key").outputs.arn);
                }
            }
        });

        it("lets only the topic send to each queue, and subscribes each queue raw, filtered to its table", () => {
            const topic = g.one(T.topic, "-lake-events");
            for (const t of stack === "dev" ? ["orders"] : ["orders", "customers"]) {
                const queue = g.one(T.queue, `-${t}-queue`);
                const qp = g.one(T.queuePolicy, `-${t}-`);
                assert.equal(qp.inputs.queueUrl, queue.outputs.url);
                assert.deepEqual(policyOf(qp), admitsTopic(queue.outputs.arn, topic.outputs.arn));
                const sub = g.one(T.subscription, `-${t}-`);
                assert.equal(sub.inputs.topic, topic.outputs.arn);
                assert.equal(sub.inputs.endpoint, queue.outputs.arn);
                assert.equal(sub.inputs.protocol, "sqs");
                assert.equal(sub.inputs.rawMessageDelivery, true);
                assert.equal(sub.inputs.filterPolicyScope, "MessageBody");
                assert.deepEqual(JSON.parse(sub.inputs.filterPolicy), {
                    Records: { s3: { object: { key: [{ prefix: `exports/${t}/` }] } } },
                });
                assert.ok(g.dependsOn(sub, qp), "subscribe only once the queue admits the topic");
            }
        });

        it("keeps what SNS cannot deliver in an SSE-SQS queue that admits the lake topic only, alarmed, with failed deliveries logged", () => {
            const topic = g.one(T.topic, "-lake-events");
            const undelivered = g.one(T.queue, "-lake-undelivered");
            assert.equal(undelivered.inputs.sqsManagedSseEnabled, true, "no lake key: it must receive when the key is what failed");
            assert.equal(undelivered.inputs.kmsMasterKeyId, undefined);
            assert.equal(undelivered.inputs.messageRetentionSeconds, 14 * 86400);
            const policy = g.one(T.queuePolicy, "-lake-undelivered-policy");
            assert.deepEqual(policyOf(policy), admitsTopic(undelivered.outputs.arn, topic.outputs.arn));
            for (const sub of g.ofType(T.subscription).filter((x) => x.inputs.protocol === "sqs")) {
                assert.deepEqual(
                    JSON.parse(sub.inputs.redrivePolicy),
                    { deadLetterTargetArn: undelivered.outputs.arn },
                    `${sub.name} redrives`,
                );
                assert.ok(g.dependsOn(sub, policy), `${sub.name}: the redrive target admits the topic first`);
            }
            const alarm = g.one("aws:cloudwatch/metricAlarm:MetricAlarm", "-undelivered-events");
            assert.deepEqual(alarm.inputs.dimensions, { QueueName: undelivered.outputs.name });
            const role = g.one("aws:iam/role:Role", "-lake-delivery-logs");
            assert.equal(topic.inputs.sqsFailureFeedbackRoleArn, role.outputs.arn);
            assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
                { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sts:AssumeRole" },
            ]);
            const logs = policyOf(g.one("aws:iam/rolePolicy:RolePolicy", "-lake-delivery-logs"));
            const group = `arn:aws:logs:eu-west-1:123456789012:log-group:sns/eu-west-1/123456789012/${topic.outputs.name}`;
            assert.deepEqual(logs.Statement[0].Resource, [`${group}:*`, `${group}/Failure:*`], "its own topic's log groups only");
        });
    });
}

describe("event lake: fan-out", () => {
    it("a second table adds a queue, a DLQ, a queue policy and a subscription, and nothing else", async () => {
        const one = await stackGraph("dev");
        const base = JSON.parse(one.run.config["incremental-crawl:tables"]);
        const two = await graphOf({ stack: "dev", config: { "incremental-crawl:tables": [...base, { ...base[0], name: "RETURNS" }] } });
        const count = (g: Graph) => {
            const c: Record<string, number> = {};
            for (const r of lakeResources(g)) c[r.type] = (c[r.type] ?? 0) + 1;
            return c;
        };
        const before = count(one);
        const after = count(two);
        const added = Object.fromEntries(
            Object.keys(after)
                .map((t) => [t, after[t] - (before[t] ?? 0)])
                .filter(([, n]) => n !== 0),
        );
        assert.deepEqual(added, { [T.queue]: 2, [T.queuePolicy]: 1, [T.subscription]: 1 });
        assert.ok(two.one(T.queue, "-returns-dlq") && two.one(T.queue, "-returns-queue"));
    });

    it("routes each S3 event to exactly its table's queue (filter policy evaluated on real event bodies)", async () => {
        // A faithful evaluator of the subset of SNS body filtering used: nested keys; arrays pass when
        // any element matches; `prefix` on strings. (sns/latest/dg/subscription-filter-policy-constraints)
        const matches = (policy: any, body: any): boolean => {
            if (Array.isArray(body)) return body.some((b) => matches(policy, b));
            if (Array.isArray(policy))
                return typeof body === "string" && policy.some((p) => (typeof p === "string" ? p === body : body.startsWith(p.prefix)));
            return body !== undefined && Object.entries(policy).every(([k, v]) => matches(v, body?.[k]));
        };
        const event = (key: string) => ({ Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key } } }] });
        const orders = JSON.parse((await stackGraph("dev")).one(T.subscription, "-orders-").inputs.filterPolicy);
        assert.equal(matches(orders, event("exports/orders/dt%3D2024-01-01/data_0_0_0.snappy.parquet")), true);
        assert.equal(matches(orders, event("exports/orders_archive/dt%3D2024-01-01/x.parquet")), false, "prefix includes the slash");
        assert.equal(matches(orders, event("exports/customers/dt%3D2024-01/x.parquet")), false);
        assert.equal(matches(orders, { Service: "Amazon S3", Event: "s3:TestEvent" }), false, "S3's test event reaches no queue");
    });
});
