import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { keyPrefixFilterPolicy } from "../documents";
import { queuePolicy } from "./policy-documents";
import { renamedFrom, token } from "../tokens";
import type { LakeContext } from "../lake-context";

export interface ConsumerQueueArgs {
    /** Queue name; the dead-letter queue is named after it. At most 76 characters. */
    queueName: string;
    topicArn: pulumi.Input<string>;
    /** Only S3 events for keys under this prefix (with trailing slash) reach the queue. */
    keyPrefix: string;
    /** Where SNS puts the events it could not deliver to the queue (the lake's undelivered-events queue). */
    deliveryDeadLetter: { arn: pulumi.Input<string>; ready: pulumi.Resource[] };
}

/**
 * SQS keeps messages at most 14 days; the dead-letter queue keeps them that long. Retention, the
 * 20-second long-poll maximum and the KMS data-key reuse period (60 s to 24 h):
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
export const SQS_MAX_RETENTION_DAYS = 14;
const MAX_RETENTION_SECONDS = SQS_MAX_RETENTION_DAYS * 86_400;

/**
 * How long a received event stays hidden from the next receive. A crawl holds the events it has
 * received until it has catalogued them; with SQS's 30 s default they come back during a long
 * crawl and, after `maxReceiveCount` receives, reach the DLQ unprocessed. Glue documents no value;
 * terraform-provider-aws's acceptance tests of event-mode crawlers use 3600 s on the queue and the
 * DLQ (internal/service/glue/crawler_test.go), and an hour is well within SQS's 12-hour maximum
 * and far below the queues' retention (1 day at least).
 */
export const VISIBILITY_TIMEOUT_SECONDS = 3600;

/**
 * One consumer of the lake's events (the crawler of one table): a queue with a dead-letter queue,
 * a queue policy that admits only the lake topic, and a raw-delivery subscription filtered to the
 * consumer's key prefix. A queue feeds exactly one consumer: a crawler deletes what it reads
 * (https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-event-notifications.html).
 */
export class ConsumerQueue extends pulumi.ComponentResource {
    readonly queue: aws.sqs.Queue;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly policy: aws.sqs.QueuePolicy;
    readonly subscription: aws.sns.TopicSubscription;

    constructor(name: string, ctx: LakeContext, args: ConsumerQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("ConsumerQueue"), name, {}, renamedFrom("lake", "ConsumerQueue", opts));
        // SNS can deliver into SSE-SQS queues, or into CMK queues whose key policy admits
        // sns.amazonaws.com; never into `alias/aws/sqs`.
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
        const encryption = ctx.kmsKeyArn
            ? { kmsMasterKeyId: ctx.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 3600 }
            : { sqsManagedSseEnabled: true };

        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            {
                name: `${args.queueName}-dlq`,
                messageRetentionSeconds: MAX_RETENTION_SECONDS,
                visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
                ...encryption,
            },
            { parent: this, deleteBeforeReplace: true },
        );

        this.queue = new aws.sqs.Queue(
            `${name}-queue`,
            {
                name: args.queueName,
                messageRetentionSeconds: ctx.settings.queueRetentionDays * 86_400,
                visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
                // Long polling: fewer empty receives while the crawler drains the queue.
                receiveWaitTimeSeconds: 20,
                redrivePolicy: this.deadLetterQueue.arn.apply((deadLetterTargetArn) =>
                    JSON.stringify({ deadLetterTargetArn, maxReceiveCount: ctx.settings.maxReceiveCount }),
                ),
                ...encryption,
            },
            { parent: this, deleteBeforeReplace: true },
        );

        this.policy = new aws.sqs.QueuePolicy(
            `${name}-queue-policy`,
            {
                queueUrl: this.queue.url,
                policy: pulumi
                    .all([this.queue.arn, args.topicArn])
                    .apply(([queueArn, topicArn]) => JSON.stringify(queuePolicy({ queueArn, topicArn }))),
            },
            { parent: this },
        );

        // Raw delivery: the queue receives the S3 event itself, as with a direct S3 → SQS
        // notification, which is what Glue documents for event crawls.
        // https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html
        this.subscription = new aws.sns.TopicSubscription(
            `${name}-subscription`,
            {
                topic: args.topicArn,
                protocol: "sqs",
                endpoint: this.queue.arn,
                rawMessageDelivery: true,
                filterPolicyScope: "MessageBody",
                filterPolicy: JSON.stringify(keyPrefixFilterPolicy(args.keyPrefix)),
                // An event SNS cannot deliver (a key or queue-policy problem) goes to the lake's
                // undelivered-events queue instead of being dropped after SNS's retries.
                // https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
                redrivePolicy: pulumi
                    .output(args.deliveryDeadLetter.arn)
                    .apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn })),
            },
            { parent: this, dependsOn: [this.policy, ...args.deliveryDeadLetter.ready] },
        );

        this.registerOutputs({ queueArn: this.queue.arn, deadLetterQueueArn: this.deadLetterQueue.arn });
    }
}
