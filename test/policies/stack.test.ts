import * as assert from "node:assert/strict";
import {
    stackAlertsHaveSubscribers, stackCrawlerAfterRolePolicy, stackNotificationAfterTopicPolicy, stackProductionLakeRetained, stackSubscriptionAfterQueuePolicy,
    stackUnloadAfterEventPath,
} from "../../policies/rules/stack";
import { doc, Fake, stackViolations } from "./support";

const BUCKET = "aws:s3/bucket:Bucket";
const NOTIFICATION = "aws:s3/bucketNotification:BucketNotification";
const TOPIC = "aws:sns/topic:Topic";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const QUEUE = "aws:sqs/queue:Queue";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const CRAWLER = "aws:glue/crawler:Crawler";

const TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:lake-events";
const QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders";
const ROLE_ARN = "arn:aws:iam::123456789012:role/crawler";

const drop = (graph: Fake[], name: string, key: "dependsOn") => graph.map((f) => (f.name === name ? { ...f, [key]: [] } : f));

describe("policies/stack", () => {
    describe("stack-alerts-have-subscribers", () => {
        const ALERTS_ARN = "arn:aws:sns:eu-west-1:123456789012:alerts";
        const graph = (subscribed: boolean): Fake[] => [
            { type: TOPIC, name: "alerts", props: {}, outputs: { arn: ALERTS_ARN } },
            { type: TOPIC, name: "events", props: {}, outputs: { arn: TOPIC_ARN } },
            { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "dlq", props: { alarmActions: [ALERTS_ARN] }, from: { alarmActions: ["alerts"] } },
            ...(subscribed ? [{ type: SUBSCRIPTION, name: "email", props: { topic: ALERTS_ARN, protocol: "email", endpoint: "a@example.com" }, from: { topic: ["alerts"] } }] : []),
        ];
        it("passes an alerts topic someone subscribes to; a topic no alarm uses is not its concern", async () => {
            assert.deepEqual(await stackViolations(stackAlertsHaveSubscribers, graph(true)), []);
        });
        it("warns (advisory) about an alerts topic without a subscription", async () => {
            const found = await stackViolations(stackAlertsHaveSubscribers, graph(false));
            assert.deepEqual(found.map((v) => v.resource), ["alerts"]);
            assert.match(found[0].message, /alarms publish to this topic, but nothing subscribes to it/);
            assert.equal(stackAlertsHaveSubscribers.enforcementLevel, "advisory");
        });
    });

    describe("stack-notification-after-topic-policy", () => {
        const graph = (): Fake[] => [
            { type: BUCKET, name: "bucket", props: {}, outputs: { bucket: "lake-bucket" } },
            { type: TOPIC, name: "topic", props: {}, outputs: { arn: TOPIC_ARN } },
            { type: TOPIC_POLICY, name: "topic-policy", props: { arn: TOPIC_ARN, policy: doc({ Effect: "Allow" }) }, from: { arn: ["topic"] } },
            { type: NOTIFICATION, name: "notification", props: { bucket: "lake-bucket", topics: [{ topicArn: TOPIC_ARN }] }, from: { bucket: ["bucket"], topics: ["topic"] }, dependsOn: ["topic-policy"] },
        ];
        it("passes a notification created after its topic's policy", async () => {
            assert.deepEqual(await stackViolations(stackNotificationAfterTopicPolicy, graph()), []);
        });
        it("passes when the order comes through another resource", async () => {
            const through: Fake[] = [...drop(graph(), "notification", "dependsOn"), { type: "test:index:Gate", name: "gate", dependsOn: ["topic-policy"] }]
                .map((f) => (f.name === "notification" ? { ...f, dependsOn: ["gate"] } : f));
            assert.deepEqual(await stackViolations(stackNotificationAfterTopicPolicy, through), []);
        });
        it("reports a notification that does not wait for the topic policy", async () => {
            assert.deepEqual(await stackViolations(stackNotificationAfterTopicPolicy, drop(graph(), "notification", "dependsOn")), [{
                resource: "notification",
                message: 'is not created after TopicPolicy topic-policy: S3 validates topic topic when the notification is written and answers "Unable to validate the following destination configurations" if the policy is not there yet; add dependsOn: [topic-policy]',
            }]);
        });
        it("reports a destination topic without any policy, and checks queue destinations too", async () => {
            const noPolicy = graph().filter((f) => f.type !== TOPIC_POLICY).map((f) => (f.name === "notification" ? { ...f, dependsOn: [] } : f));
            assert.deepEqual(await stackViolations(stackNotificationAfterTopicPolicy, noPolicy), [{
                resource: "notification",
                message: 'sends to topic topic, which has no TopicPolicy letting S3 deliver: S3 refuses the notification ("Unable to validate the following destination configurations")',
            }]);
            const toQueue: Fake[] = [
                { type: QUEUE, name: "queue", props: {}, outputs: { arn: QUEUE_ARN, url: "https://sqs/queue" } },
                { type: QUEUE_POLICY, name: "queue-policy", props: { queueUrl: "https://sqs/queue", policy: "{}" } },
                { type: NOTIFICATION, name: "notification", props: { bucket: "b", queues: [{ queueArn: QUEUE_ARN }] } },
            ];
            assert.deepEqual((await stackViolations(stackNotificationAfterTopicPolicy, toQueue)).map((v) => v.message), [
                'is not created after QueuePolicy queue-policy: S3 validates queue queue when the notification is written and answers "Unable to validate the following destination configurations" if the policy is not there yet; add dependsOn: [queue-policy]',
            ]);
        });
    });

    describe("stack-crawler-after-role-policy", () => {
        const graph = (): Fake[] => [
            { type: ROLE, name: "role", props: {}, outputs: { name: "crawler", arn: ROLE_ARN } },
            { type: ATTACHMENT, name: "glue-service", props: { role: "crawler", policyArn: "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole" }, from: { role: ["role"] } },
            { type: ROLE_POLICY, name: "access", props: { role: "crawler", policy: "{}" }, from: { role: ["role"] } },
            { type: CRAWLER, name: "crawler", props: { role: ROLE_ARN }, from: { role: ["role"] }, dependsOn: ["access", "glue-service"] },
        ];
        it("passes a crawler that waits for every policy of its role", async () => {
            assert.deepEqual(await stackViolations(stackCrawlerAfterRolePolicy, graph()), []);
        });
        it("reports each role policy the crawler does not wait for", async () => {
            const early = graph().map((f) => (f.name === "crawler" ? { ...f, dependsOn: ["glue-service"] } : f));
            assert.deepEqual(await stackViolations(stackCrawlerAfterRolePolicy, early), [{
                resource: "crawler",
                message: "is not created after RolePolicy access of its role role: Glue checks the event queue when the crawler is created and fails while the role cannot read it; add dependsOn: [access]",
            }]);
        });
        it("matches the role by ARN without a dependency, and reports a role without any policy", async () => {
            const bare: Fake[] = [
                { type: ROLE, name: "role", props: {}, outputs: { name: "crawler", arn: ROLE_ARN } },
                { type: CRAWLER, name: "crawler", props: { role: ROLE_ARN } },
            ];
            assert.deepEqual(await stackViolations(stackCrawlerAfterRolePolicy, bare), [{
                resource: "crawler", message: "its role role has no policy: the crawler could not read its event queue or its folder",
            }]);
        });
    });

    describe("stack-production-lake-retained", () => {
        const bucket = (props: Record<string, any>, opts: Partial<Fake> = {}): Fake[] => [{ type: BUCKET, name: "bucket", props, ...opts }];
        it("passes a retained production bucket, and any bucket outside production", async () => {
            assert.deepEqual(await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: false }, { retainOnDelete: true }), { production: true }), []);
            assert.deepEqual(await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: false }, { protect: true }), { production: true }), []);
            assert.deepEqual(await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: true })), []);
        });
        it("reports a production bucket that pulumi destroy would delete, or empty", async () => {
            assert.deepEqual(await stackViolations(stackProductionLakeRetained, bucket({ forceDestroy: true }), { production: true }), [
                { resource: "bucket", message: "production stack: forceDestroy is true, so deleting or replacing the bucket deletes every object in it; set forceDestroy to false" },
                { resource: "bucket", message: "production stack: the lake bucket is neither retainOnDelete nor protected, so pulumi destroy deletes it; set retainOnDelete: true" },
            ]);
        });
    });

    describe("stack-subscription-after-queue-policy", () => {
        const graph = (): Fake[] => [
            { type: QUEUE, name: "queue", props: {}, outputs: { arn: QUEUE_ARN, url: "https://sqs/orders" } },
            { type: QUEUE_POLICY, name: "queue-policy", props: { queueUrl: "https://sqs/orders", policy: "{}" }, from: { queueUrl: ["queue"] } },
            { type: SUBSCRIPTION, name: "subscription", props: { protocol: "sqs", endpoint: QUEUE_ARN, topic: TOPIC_ARN }, from: { endpoint: ["queue"] }, dependsOn: ["queue-policy"] },
        ];
        it("passes a subscription created after the queue policy", async () => {
            assert.deepEqual(await stackViolations(stackSubscriptionAfterQueuePolicy, graph()), []);
        });
        it("reports a subscription created before it, and one to a queue without a policy", async () => {
            assert.deepEqual(await stackViolations(stackSubscriptionAfterQueuePolicy, drop(graph(), "subscription", "dependsOn")), [{
                resource: "subscription",
                message: "is not created after QueuePolicy queue-policy: events published before the policy exists are refused by queue queue and lost; add dependsOn: [queue-policy]",
            }]);
            assert.deepEqual(await stackViolations(stackSubscriptionAfterQueuePolicy, graph().filter((f) => f.type !== QUEUE_POLICY).map((f) => ({ ...f, dependsOn: [] }))), [{
                resource: "subscription", message: "subscribes queue queue, which has no QueuePolicy letting SNS send: every delivery would be refused",
            }]);
        });
    });

    describe("stack-unload-after-event-path", () => {
        const COMMAND = "command:local:Command";
        const graph = (dependsOn: string[]): Fake[] => [
            { type: BUCKET, name: "bucket", props: {}, outputs: { bucket: "lake-bucket" } },
            { type: NOTIFICATION, name: "notification", props: { bucket: "lake-bucket" }, from: { bucket: ["bucket"] } },
            { type: QUEUE, name: "queue", props: {}, outputs: { arn: QUEUE_ARN } },
            { type: SUBSCRIPTION, name: "subscription", props: { protocol: "sqs", endpoint: QUEUE_ARN }, from: { endpoint: ["queue"] } },
            { type: COMMAND, name: "backfill", props: { create: "node main.js", environment: { BACKFILL_COPY_SQL: "COPY INTO @S/orders/ FROM T" } }, dependsOn },
            { type: COMMAND, name: "other", props: { create: "echo hi", environment: {} } },
        ];
        it("passes a backfill that waits for the notification and a subscription", async () => {
            assert.deepEqual(await stackViolations(stackUnloadAfterEventPath, graph(["notification", "subscription"])), []);
        });
        it("reports a backfill that can write before events flow, and ignores other commands", async () => {
            assert.deepEqual(await stackViolations(stackUnloadAfterEventPath, graph(["subscription"])), [{
                resource: "backfill",
                message: "unloads before notification exist: its objects raise no event and stay uncatalogued; add them to dependsOn",
            }]);
            assert.deepEqual((await stackViolations(stackUnloadAfterEventPath, graph([]))).map((v) => v.message), [
                "unloads before notification, its table's queue subscription exist: its objects raise no event and stay uncatalogued; add them to dependsOn",
            ]);
        });
        it("reports a backfill that can write before the lake bucket's versioning, replication and logging; another bucket's are not its concern", async () => {
            const keepers: Fake[] = [
                { type: "aws:s3/bucketVersioning:BucketVersioning", name: "versioning", props: { bucket: "lake-bucket" }, from: { bucket: ["bucket"] } },
                { type: "aws:s3/bucketReplicationConfig:BucketReplicationConfig", name: "replication", props: { bucket: "lake-bucket" }, from: { bucket: ["bucket"] } },
                { type: "aws:s3/bucketLogging:BucketLogging", name: "logging", props: { bucket: "lake-bucket" }, from: { bucket: ["bucket"] } },
                { type: BUCKET, name: "replica", props: {}, outputs: { bucket: "replica-bucket" } },
                { type: "aws:s3/bucketLogging:BucketLogging", name: "replica-logging", props: { bucket: "replica-bucket" }, from: { bucket: ["replica"] } },
            ];
            const waits = ["notification", "subscription"];
            assert.deepEqual(await stackViolations(stackUnloadAfterEventPath, [...graph([...waits, "versioning", "replication", "logging"]), ...keepers]), []);
            assert.deepEqual((await stackViolations(stackUnloadAfterEventPath, [...graph([...waits, "versioning"]), ...keepers])).map((v) => v.message), [
                "unloads before BucketReplicationConfig replication, BucketLogging logging of the lake bucket exist: objects written first miss the replica " +
                "(live replication copies only later objects), versioning or the access logs; add them to dependsOn",
            ]);
        });
    });
});
