import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConsumerQueue, SQS_MAX_RETENTION_DAYS } from "./consumer-queue";
import { EventSubscription } from "./event-subscription";
import { boundedName, LIMITS } from "../naming";
import {
    deliveryStatusLoggingPolicy,
    lakeBucketPolicy,
    OwnerSubscription,
    queuePolicy,
    ReaderLocations,
    topicPolicy,
} from "./policy-documents";
import { serviceTrustPolicy } from "../policy-document";
import { SubscriberProtocol } from "../lake-args";
import { ATHENA_RESULTS_PREFIX, type LakeContext } from "../lake-context";
import { lakeLifecycleRules, minimumObjectSize, RetainedTable, TieredTable } from "./lifecycle-rules";
import { privateBucket } from "./private-bucket";
import { renamedFrom, token } from "../tokens";

export interface Consumer {
    /** Logical name of the consumer, unique in the lake (a table's folder name). */
    name: string;
    /** Name of its queue (at most 76 characters: the DLQ adds `-dlq`). */
    queueName: string;
    /** Key prefix, with trailing slash, whose events this consumer receives. */
    keyPrefix: string;
}

/** A further subscriber of a consumer's events that the lake subscribes (see `EventSubscription`). */
export interface LakeSubscriber {
    /** The consumer (table folder) whose events it receives. */
    consumer: string;
    /** Unique among the consumer's subscribers, stable while the subscriber is configured: its logical name. */
    key: string;
    protocol: SubscriberProtocol;
    endpoint: string;
}

export interface EventLakeArgs {
    consumers: Consumer[];
    /** Tables whose exported objects expire (their declared `retentionDays`). */
    retainedTables?: RetainedTable[];
    /** Tables whose exported objects move to cheaper storage classes as they age. */
    tieredTables?: TieredTable[];
    /** Accounts that may read exports, and where (the bucket policy grants exactly that). */
    readers?: pulumi.Input<ReaderLocations[]>;
    /** Further subscribers the lake subscribes to its consumers' events. */
    subscribers?: LakeSubscriber[];
    /** Endpoints of other accounts whose owners subscribe them (the topic policy lets exactly those). */
    endpointOwners?: pulumi.Input<OwnerSubscription[]>;
    /** Resolves once the subscribers are known to be the lake's to subscribe (checked against the account); they wait for it. */
    subscriptionsReady?: pulumi.Input<unknown>;
}

/**
 * The event path of the lake: a private, encrypted, TLS-only bucket whose new objects under the
 * export prefix raise `s3:ObjectCreated:*` events to an SNS topic, which fans out to one SQS queue
 * (with a DLQ) per consumer, each filtered to its consumer's prefix.
 */
export class EventLake extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    /** The bucket's versioning (replication needs it first), when the stack versions. */
    readonly versioning?: aws.s3.BucketVersioning;
    readonly topic: aws.sns.Topic;
    readonly topicPolicy: aws.sns.TopicPolicy;
    readonly notification: aws.s3.BucketNotification;
    /** Events SNS could not deliver to any table's queue; SSE-SQS, so a lake-key problem cannot stop it too. */
    readonly undelivered: aws.sqs.Queue;
    readonly consumers: Record<string, ConsumerQueue> = {};
    /** The lake's further subscriptions, per consumer. */
    readonly subscriptions: Record<string, EventSubscription[]> = {};
    private readonly subscriptionByKey = new Map<string, EventSubscription>();

    constructor(name: string, ctx: LakeContext, args: EventLakeArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("EventLake"), name, {}, renamedFrom("lake", "EventLake", opts));
        const child = { parent: this };
        const { settings, kmsKeyArn } = ctx;

        const { bucket, publicAccess } = privateBucket({ bucket: `${name}-bucket`, prefix: name }, { retain: ctx.retain, kmsKeyArn }, this);
        this.bucket = bucket;
        const bucketId = this.bucket.id;

        const versioning = settings.versioning
            ? new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucketId, versioningConfiguration: { status: "Enabled" } }, child)
            : undefined;
        this.versioning = versioning;

        // Expiry: incomplete uploads, Athena results, old versions, and each table's declared
        // retention; transitions: each table's storage tiers.
        const tieredTables = args.tieredTables ?? [];
        const rules = lakeLifecycleRules({
            versioning: settings.versioning,
            noncurrentVersionDays: settings.noncurrentVersionDays,
            abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
            athenaResultsPrefix: ATHENA_RESULTS_PREFIX,
            athenaResultsDays: settings.athenaResultsDays,
            retainedTables: args.retainedTables ?? [],
            tieredTables,
        });
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            { bucket: bucketId, rules, ...minimumObjectSize(tieredTables) },
            { ...child, dependsOn: versioning ? [versioning] : [] },
        );

        // One policy per bucket: the TLS-only deny, and the readers' grants when the stack has readers.
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            {
                bucket: bucketId,
                policy: pulumi
                    .all([this.bucket.arn, ctx.partition, args.readers ?? []])
                    .apply(([bucketArn, partition, readers]) => JSON.stringify(lakeBucketPolicy({ bucketArn, partition, readers }))),
            },
            { ...child, dependsOn: [publicAccess] },
        );

        // Failed deliveries to the queues are logged (FSBP SNS.2) by a role SNS assumes; sampling
        // successes is left at 0. https://docs.aws.amazon.com/sns/latest/dg/sns-topic-attributes.html
        const feedbackRole = new aws.iam.Role(
            `${name}-delivery-logs`,
            {
                // Explicit and bounded: the auto-name of a 20-character stack outgrows IAM's 64.
                name: boundedName(`${name}-delivery-logs`, LIMITS.iamRole),
                description: "Assumed by SNS to log failed deliveries of the lake topic",
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("sns.amazonaws.com")),
            },
            child,
        );
        // Failed deliveries to further Lambda and HTTPS subscribers are logged too, by the same role
        // into the same log groups (SNS names them after the topic, whatever the protocol).
        const protocols = new Set((args.subscribers ?? []).map((x) => x.protocol));
        this.topic = new aws.sns.Topic(
            `${name}-events`,
            {
                kmsMasterKeyId: kmsKeyArn,
                sqsFailureFeedbackRoleArn: feedbackRole.arn,
                ...(protocols.has(SubscriberProtocol.Lambda) ? { lambdaFailureFeedbackRoleArn: feedbackRole.arn } : {}),
                ...(protocols.has(SubscriberProtocol.Https) ? { httpFailureFeedbackRoleArn: feedbackRole.arn } : {}),
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-delivery-logs`,
            {
                role: feedbackRole.name,
                policy: pulumi
                    .all([ctx.partition, ctx.region, ctx.accountId, this.topic.name])
                    .apply(([partition, region, accountId, topicName]) =>
                        JSON.stringify(deliveryStatusLoggingPolicy({ partition, region, accountId, topicName })),
                    ),
            },
            child,
        );
        this.topicPolicy = new aws.sns.TopicPolicy(
            `${name}-events-policy`,
            {
                arn: this.topic.arn,
                policy: pulumi
                    .all([this.topic.arn, this.bucket.arn, ctx.accountId, ctx.partition, args.endpointOwners ?? []])
                    .apply(([topicArn, bucketArn, accountId, partition, endpointOwners]) =>
                        JSON.stringify(topicPolicy({ topicArn, bucketArn, accountId, partition, endpointOwners })),
                    ),
            },
            child,
        );

        // What SNS cannot deliver to a table's queue lands here rather than being dropped. It uses
        // SSE-SQS, not the lake key, so it still receives when the key is what failed.
        // https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
        this.undelivered = new aws.sqs.Queue(
            `${name}-undelivered`,
            {
                messageRetentionSeconds: SQS_MAX_RETENTION_DAYS * 86_400,
                sqsManagedSseEnabled: true,
            },
            child,
        );
        const undeliveredPolicy = new aws.sqs.QueuePolicy(
            `${name}-undelivered-policy`,
            {
                queueUrl: this.undelivered.url,
                policy: pulumi
                    .all([this.undelivered.arn, this.topic.arn])
                    .apply(([queueArn, topicArn]) => JSON.stringify(queuePolicy({ queueArn, topicArn }))),
            },
            child,
        );

        for (const consumer of args.consumers) {
            this.consumers[consumer.name] = new ConsumerQueue(
                `${name}-${consumer.name}`,
                ctx,
                {
                    queueName: consumer.queueName,
                    topicArn: this.topic.arn,
                    keyPrefix: consumer.keyPrefix,
                    deliveryDeadLetter: { arn: this.undelivered.arn, ready: [undeliveredPolicy] },
                },
                child,
            );
        }
        const gatedTopicArn =
            args.subscriptionsReady === undefined
                ? this.topic.arn
                : pulumi.all([this.topic.arn, args.subscriptionsReady]).apply(([arn]) => arn);
        for (const sub of args.subscribers ?? []) {
            const consumer = args.consumers.find((c) => c.name === sub.consumer);
            if (!consumer) throw new Error(`EventLake ${name}: subscriber ${sub.endpoint} names no consumer ${sub.consumer}`);
            if (this.subscriptionByKey.has(`${sub.consumer}/${sub.key}`))
                throw new Error(`EventLake ${name}: two subscribers of ${sub.consumer} named ${sub.key}`);
            const subscription = new EventSubscription(
                `${name}-${sub.consumer}-${sub.key}`,
                {
                    topicArn: gatedTopicArn,
                    protocol: sub.protocol,
                    endpoint: sub.endpoint,
                    keyPrefix: consumer.keyPrefix,
                    deliveryDeadLetter: { arn: this.undelivered.arn, ready: [undeliveredPolicy] },
                },
                child,
            );
            this.subscriptionByKey.set(`${sub.consumer}/${sub.key}`, subscription);
            (this.subscriptions[sub.consumer] ??= []).push(subscription);
        }

        // S3 validates the destination when the notification is written: the topic policy must
        // exist first, or S3 answers "Unable to validate the following destination configurations"
        // https://github.com/pulumi/pulumi-aws/issues/1895
        // https://github.com/hashicorp/terraform-provider-aws/issues/11219
        // EventBridge notifications as well ("Object Created" events for every new object, which
        // the tables' arrival rules match by key prefix): they start the crawls, while the SNS
        // topic keeps feeding the queues the crawls read.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
        this.notification = new aws.s3.BucketNotification(
            `${name}-notification`,
            {
                bucket: bucketId,
                eventbridge: true,
                topics: [{ topicArn: this.topic.arn, events: ["s3:ObjectCreated:*"], filterPrefix: `${settings.exportPrefix}/` }],
            },
            { ...child, dependsOn: [this.topicPolicy] },
        );

        this.registerOutputs({ bucketName: this.bucket.bucket, topicArn: this.topic.arn });
    }

    /** The subscription of a consumer's further subscriber, by its key. */
    subscriptionOf(consumer: string, key: string): EventSubscription {
        const s = this.subscriptionByKey.get(`${consumer}/${key}`);
        if (!s) throw new Error(`EventLake: no subscriber ${key} of ${consumer}`);
        return s;
    }
}
