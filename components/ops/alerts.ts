import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alertsTopicPolicy } from "./policy-documents";
import { boundedName, LIMITS } from "../naming";
import { renamedFrom, token } from "../tokens";
import type { LakeContext } from "../lake-context";

export interface WatchedTable {
    /** Folder/Glue name of the table. */
    name: string;
    queueName: pulumi.Input<string>;
    deadLetterQueueName: pulumi.Input<string>;
    /** The EventBridge rule that starts the table's crawl when its objects arrive. */
    arrivalRuleName: pulumi.Input<string>;
}

export interface AlertsArgs {
    tables: WatchedTable[];
    /** The queue of events SNS could not deliver to any table's queue. */
    undeliveredQueueName: pulumi.Input<string>;
    /** The names of the stack's crawlers: the failure rules match these exactly. */
    crawlerNames: string[];
    /** The lake topic has further subscriptions of the lake's, which redrive into the undelivered-events queue too. */
    otherSubscribers?: boolean;
}

/**
 * How old the oldest event in a queue may get before someone is told: twice the longest wait of a
 * crawl on arrival (the batch window plus a crawl): an event that old was not taken by the crawl
 * its batch started.
 */
export function oldestMessageThresholdSeconds(arrivalWaitMinutes: number): number {
    return 2 * arrivalWaitMinutes * 60;
}

/**
 * EventBridge's default limit on an event pattern, in characters (adjustable up to 4096)
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 */
export const CRAWLER_RULE_PATTERN_MAX_CHARS = 2048;

/**
 * The event patterns that match exactly `names` (sorted): as many names per pattern as fit the
 * limit, so a stack of many tables gets a few rules rather than a pattern EventBridge refuses. A
 * name prefix would be shorter but matches another stack's crawlers too (`prod-` matches
 * `prod-eu-orders`).
 */
export function crawlerNamePatterns<P>(names: string[], build: (names: string[]) => P, limit = CRAWLER_RULE_PATTERN_MAX_CHARS): P[] {
    const out: P[] = [];
    let chunk: string[] = [];
    for (const name of [...names].sort()) {
        if (chunk.length > 0 && JSON.stringify(build([...chunk, name])).length > limit) {
            out.push(build(chunk));
            chunk = [];
        }
        chunk.push(name);
    }
    if (chunk.length > 0) out.push(build(chunk));
    for (const p of out) {
        if (JSON.stringify(p).length > limit)
            throw new Error(`an event pattern of one crawler name exceeds ${limit} characters: ${JSON.stringify(p)}`);
    }
    return out;
}

/**
 * Glue's message when a crawler is started while it runs (CrawlerRunningException): "Crawler with
 * name ... has already started". A safety-net start that meets a crawl on arrival is no failure.
 */
const ALREADY_RUNNING = "*already*";

/**
 * What tells a person the lake is unwell: an alarm when a table's DLQ holds messages, one when a
 * queue's oldest event is older than the threshold above, one when its arrival rule fails to hand
 * events to the table's workflow, and EventBridge rules on crawler failures (and failed starts of
 * the safety-net schedule), all to an alerts topic with the configured email subscribers.
 */
export class Alerts extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
    /** The rules of failed crawls: one, or a few for a stack of many tables (crawlerNamePatterns). */
    readonly crawlerFailures: aws.cloudwatch.EventRule[];
    readonly scheduledCrawlFailures?: aws.cloudwatch.EventRule[];

    constructor(name: string, ctx: LakeContext, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("Alerts"), name, {}, renamedFrom("ops", "Alerts", opts));
        const child = { parent: this };

        this.topic = new aws.sns.Topic(`${name}-topic`, { kmsMasterKeyId: ctx.kmsKeyArn }, child);
        const topicPolicy = new aws.sns.TopicPolicy(
            `${name}-topic-policy`,
            {
                arn: this.topic.arn,
                policy: pulumi
                    .all([this.topic.arn, ctx.accountId, ctx.region, ctx.partition])
                    .apply(([topicArn, accountId, region, partition]) =>
                        JSON.stringify(alertsTopicPolicy({ topicArn, accountId, region, partition })),
                    ),
            },
            child,
        );
        ctx.settings.alertEmails.forEach((email, i) => {
            // Email subscriptions stay pending until the recipient confirms the message SNS sends.
            new aws.sns.TopicSubscription(`${name}-email-${i}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, child);
        });

        const notify = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
        /** A five-minute alarm to the alerts topic when `metricName` (as `statistic`) exceeds `threshold`. */
        const alarm = (
            logical: string,
            alarmDescription: pulumi.Input<string>,
            metric: {
                namespace: string;
                metricName: string;
                dimensions: Record<string, pulumi.Input<string>>;
                statistic: string;
                threshold: number;
            },
        ) => {
            this.alarms.push(
                new aws.cloudwatch.MetricAlarm(
                    logical,
                    {
                        alarmDescription,
                        ...metric,
                        period: 300,
                        evaluationPeriods: 1,
                        comparisonOperator: "GreaterThanThreshold",
                        treatMissingData: "notBreaching",
                        ...notify,
                    },
                    { ...child, dependsOn: [topicPolicy] },
                ),
            );
        };
        const ageThreshold = oldestMessageThresholdSeconds(ctx.settings.crawl.arrivalWaitMinutes);
        for (const t of args.tables) {
            // A message in a DLQ is an event the crawler could not process: the catalogue misses a
            // partition until someone looks. SQS metrics:
            // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
            alarm(
                `${name}-${t.name}-dlq-not-empty`,
                `Events of table ${t.name} reached its dead-letter queue: check the crawler role's queue/KMS access and the crawler logs.`,
                {
                    namespace: "AWS/SQS",
                    metricName: "ApproximateNumberOfMessagesVisible",
                    dimensions: { QueueName: t.deadLetterQueueName },
                    statistic: "Maximum",
                    threshold: 0,
                },
            );
            alarm(
                `${name}-${t.name}-events-waiting`,
                `The oldest event of table ${t.name} waits longer than ${ageThreshold / 60} minutes: no crawl on arrival took it (see the arrival rule's and the crawler's alarms; start the table's workflow to crawl now).`,
                {
                    namespace: "AWS/SQS",
                    metricName: "ApproximateAgeOfOldestMessage",
                    dimensions: { QueueName: t.queueName },
                    statistic: "Maximum",
                    threshold: ageThreshold,
                },
            );
            // A rule whose target EventBridge cannot invoke (role, policy, workflow) counts the
            // event in FailedInvocations after its retries; the crawl it would have started does
            // not happen, while the events wait in the queue.
            // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
            alarm(
                `${name}-${t.name}-arrival-failed`,
                `The arrival rule of table ${t.name} could not notify its Glue workflow: check the rule target's role (glue:NotifyEvent on the workflow) and the workflow.`,
                {
                    namespace: "AWS/Events",
                    metricName: "FailedInvocations",
                    dimensions: { RuleName: t.arrivalRuleName },
                    statistic: "Sum",
                    threshold: 0,
                },
            );
        }

        // An event SNS could not deliver to a table's queue: that table's catalogue misses it.
        alarm(
            `${name}-undelivered-events`,
            args.otherSubscribers
                ? "S3 events of the lake topic could not be delivered to a table's queue or another subscriber of the lake's (a queue policy, KMS key, function permission or unconfirmed or failing HTTPS endpoint): see the topic's delivery-status logs and the message's subscription."
                : "S3 events of the lake topic could not be delivered to a table's queue (a queue policy or KMS key problem): see the topic's delivery-status logs.",
            {
                namespace: "AWS/SQS",
                metricName: "ApproximateNumberOfMessagesVisible",
                dimensions: { QueueName: args.undeliveredQueueName },
                statistic: "Maximum",
                threshold: 0,
            },
        );

        // Glue emits "Glue Crawler State Change" events with detail.state "Failed".
        // https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html
        // The stack's crawlers are matched by their exact names, a rule per pattern that fits
        // (crawlerNamePatterns); the first keeps the rule's original name.
        const rules = (logical: string, description: string, build: (names: string[]) => unknown) =>
            crawlerNamePatterns(args.crawlerNames, build).map((pattern, i, all) => {
                const suffix = i === 0 ? "" : `-${i + 1}`;
                const rule = new aws.cloudwatch.EventRule(
                    `${name}-${logical}${suffix}`,
                    {
                        name: boundedName(`${ctx.namePrefix}-${logical}${suffix}`, LIMITS.eventRule),
                        description: `${description} of ${ctx.namePrefix}${all.length > 1 ? ` (${i + 1} of ${all.length})` : ""}`,
                        eventPattern: JSON.stringify(pattern),
                    },
                    { ...child, deleteBeforeReplace: true },
                );
                new aws.cloudwatch.EventTarget(
                    `${name}-${logical}${suffix}-target`,
                    {
                        rule: rule.name,
                        arn: this.topic.arn,
                    },
                    { ...child, dependsOn: [topicPolicy] },
                );
                return rule;
            });
        this.crawlerFailures = rules("crawler-failed", "Crawler failures", (crawlerName) => ({
            source: ["aws.glue"],
            "detail-type": ["Glue Crawler State Change"],
            detail: { state: ["Failed"], crawlerName },
        }));

        // Glue emits no event for a workflow run: a run of a table's workflow fails only through its
        // one action, the crawler, whose failed crawls the rule above reports, or through its
        // arrival rule (the alarm above). A scheduled crawler that cannot start emits "Glue
        // Scheduled Crawler Invocation Failure" (automating-awsglue-with-cloudwatch-events); its
        // start during a crawl on arrival is not a failure (the crawl in progress reads the queue).
        if (ctx.settings.crawl.schedule !== undefined) {
            this.scheduledCrawlFailures = rules("safety-net-failed", "Failed starts of the safety-net crawls", (crawlerName) => ({
                source: ["aws.glue"],
                "detail-type": ["Glue Scheduled Crawler Invocation Failure"],
                detail: { crawlerName, errorMessage: [{ "anything-but": { wildcard: ALREADY_RUNNING } }] },
            }));
        }

        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
