import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alertsTopicPolicy } from "./iam-documents";
import { boundedName, LIMITS } from "./naming";

export interface WatchedTable {
    /** Folder/Glue name of the table. */
    name: string;
    queueName: pulumi.Input<string>;
    deadLetterQueueName: pulumi.Input<string>;
}

export interface AlertsArgs {
    namePrefix: string;
    accountId: pulumi.Input<string>;
    region: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    tables: WatchedTable[];
    /** The queue of events SNS could not deliver to any table's queue. */
    undeliveredQueueName: pulumi.Input<string>;
    /** Every crawler of the stack, and no other, has a name that starts with this. */
    crawlerNamePrefix: string;
    emails: string[];
    /** The longest gap between two scheduled crawls; undefined for on-demand crawls. */
    crawlerIntervalMinutes?: number;
    queueRetentionDays: number;
    kmsKeyArn?: pulumi.Input<string>;
}

/**
 * How old the oldest event in a queue may get before someone is told: twice the crawl interval
 * when crawls are scheduled (one crawl was missed); with on-demand crawls, half the retention
 * (events would otherwise expire unseen).
 */
export function oldestMessageThresholdSeconds(crawlerIntervalMinutes: number | undefined, queueRetentionDays: number): number {
    return crawlerIntervalMinutes !== undefined ? 2 * crawlerIntervalMinutes * 60 : (queueRetentionDays * 86_400) / 2;
}

/**
 * What tells a person the lake is unwell: an alarm when a table's DLQ holds messages, one when a
 * queue's oldest event is older than the threshold above, and an EventBridge rule on crawler
 * failures, all to an alerts topic with the configured email subscribers.
 */
export class Alerts extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
    readonly crawlerFailures: aws.cloudwatch.EventRule;

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("incremental-crawl:ops:Alerts", name, {}, opts);
        const child = { parent: this };

        this.topic = new aws.sns.Topic(`${name}-topic`, { kmsMasterKeyId: args.kmsKeyArn }, child);
        const topicPolicy = new aws.sns.TopicPolicy(`${name}-topic-policy`, {
            arn: this.topic.arn,
            policy: pulumi.all([this.topic.arn, args.accountId, args.region, args.partition]).apply(([topicArn, accountId, region, partition]) =>
                JSON.stringify(alertsTopicPolicy({ topicArn, accountId, region, partition }))),
        }, child);
        args.emails.forEach((email, i) => {
            // Email subscriptions stay pending until the recipient confirms the message SNS sends.
            new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, child);
        });

        const notify = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
        const ageThreshold = oldestMessageThresholdSeconds(args.crawlerIntervalMinutes, args.queueRetentionDays);
        for (const t of args.tables) {
            // A message in a DLQ is an event the crawler could not process: the catalogue misses a
            // partition until someone looks. SQS metrics:
            // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
            this.alarms.push(new aws.cloudwatch.MetricAlarm(`${name}-${t.name}-dlq-not-empty`, {
                alarmDescription: `Events of table ${t.name} reached its dead-letter queue: check the crawler role's queue/KMS access and the crawler logs.`,
                namespace: "AWS/SQS",
                metricName: "ApproximateNumberOfMessagesVisible",
                dimensions: { QueueName: t.deadLetterQueueName },
                statistic: "Maximum",
                period: 300,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
                ...notify,
            }, { ...child, dependsOn: [topicPolicy] }));
            this.alarms.push(new aws.cloudwatch.MetricAlarm(`${name}-${t.name}-events-waiting`, {
                alarmDescription: `The oldest event of table ${t.name} waits longer than ${ageThreshold / 60} minutes: crawls are not consuming the queue.`,
                namespace: "AWS/SQS",
                metricName: "ApproximateAgeOfOldestMessage",
                dimensions: { QueueName: t.queueName },
                statistic: "Maximum",
                period: 300,
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanThreshold",
                threshold: ageThreshold,
                treatMissingData: "notBreaching",
                ...notify,
            }, { ...child, dependsOn: [topicPolicy] }));
        }

        // An event SNS could not deliver to a table's queue: that table's catalogue misses it.
        this.alarms.push(new aws.cloudwatch.MetricAlarm(`${name}-undelivered-events`, {
            alarmDescription: "S3 events of the lake topic could not be delivered to a table's queue (a queue policy or KMS key problem): see the topic's delivery-status logs.",
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: args.undeliveredQueueName },
            statistic: "Maximum",
            period: 300,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "notBreaching",
            ...notify,
        }, { ...child, dependsOn: [topicPolicy] }));

        // Glue emits "Glue Crawler State Change" events with detail.state "Failed".
        // https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html
        // The stack's crawlers are matched by their name prefix: a list of names would outgrow
        // EventBridge's 2048-character pattern limit with a few dozen tables
        // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
        this.crawlerFailures = new aws.cloudwatch.EventRule(`${name}-crawler-failed`, {
            name: boundedName(`${args.namePrefix}-crawler-failed`, LIMITS.eventRule),
            description: `Crawler failures of ${args.namePrefix}`,
            eventPattern: JSON.stringify({
                source: ["aws.glue"],
                "detail-type": ["Glue Crawler State Change"],
                detail: { state: ["Failed"], crawlerName: [{ prefix: `${args.crawlerNamePrefix}` }] },
            }),
        }, { ...child, deleteBeforeReplace: true });
        new aws.cloudwatch.EventTarget(`${name}-crawler-failed-target`, {
            rule: this.crawlerFailures.name,
            arn: this.topic.arn,
        }, { ...child, dependsOn: [topicPolicy] });

        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
