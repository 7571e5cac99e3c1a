/**
 * SNS and SQS: S3 events reach one queue per table through a topic. The topic and queue policies
 * admit only the lake's own sources, encryption keys do not lock the delivering services out,
 * every consumer queue has a dead-letter queue, and events wait long enough for the next crawl.
 */
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, PolicyResource, ResourceValidationPolicy } from "@pulumi/policy";
import {
    consumerQueues,
    deadLetterQueueOf,
    DEFAULT_RETENTION_SECONDS,
    duration,
    MAX_RETENTION_SECONDS,
    queueSenders,
    redrivePolicyOf,
    topicPublishers,
} from "../lib/delivery";

import { checkAllows, confinedToSource, principalsOf } from "../lib/iam";
import { checkEach, stackPolicy, StackViolation } from "../lib/rule";
import { ofType, T } from "../lib/types";
import { isRecord, joinNames, known, numberOf, parseJsonInput, read, truthy } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/**
 * Every Allow statement of a topic or queue policy that admits everyone or an AWS service is
 * confined by `aws:SourceArn` or `aws:SourceAccount`; otherwise any bucket (or topic) of any
 * account could publish into the lake's path (the confused-deputy problem).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
 * https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html
 */
export function checkPolicyConfined(policy: unknown, kind: "topic" | "queue"): string[] {
    const verb = kind === "topic" ? "publish to" : "send to";
    return checkAllows(policy, `${kind} policy`, (s, label) => {
        if (s.NotPrincipal !== undefined)
            return [`${label} allows with NotPrincipal, which admits every other principal: name the principal`];
        const p = principalsOf(s);
        if (!(p.anyone || p.service.length > 0) || confinedToSource(s)) return [];
        const who = p.anyone ? 'Principal "*"' : `service ${p.service.join(", ")}`;
        const any = p.anyone ? "anyone" : "that service acting for any account";
        return [`${label} allows ${who} without an aws:SourceArn or aws:SourceAccount condition: ${any} could ${verb} it`];
    });
}

/** `alias/aws/sns` or `alias/aws/sqs`, by alias name or alias ARN. */
export const isAwsManagedKey = (keyId: unknown, service: "sns" | "sqs"): boolean =>
    typeof keyId === "string" && new RegExp(`(^|:)alias/aws/${service}$`).test(keyId);

/**
 * A topic or queue that an AWS service delivers into (S3 → topic, SNS → queue, CloudWatch →
 * alerts topic) cannot use the AWS-managed key: its key policy cannot be changed to admit the
 * service. https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
 * aws/aws-cdk#19796.
 */
export function checkNoAwsManagedKey(resources: PolicyResource[], service: "sns" | "sqs"): StackViolation[] {
    const out: StackViolation[] = [];
    const targets = service === "sns" ? ofType(resources, T.topic) : ofType(resources, T.queue);
    for (const r of targets) {
        // An AWS-managed key is named literally; a key id not known yet comes from a key of the stack.
        const keyId = known(() => r.props.kmsMasterKeyId);
        if (!isAwsManagedKey(keyId, service)) continue;
        const services = service === "sns" ? topicPublishers(r, resources) : queueSenders(r, resources);
        if (services.length === 0) continue;
        out.push({
            urn: r.urn,
            message: `encrypted with the AWS managed key alias/aws/${service}, whose key policy cannot admit ${joinNames(services)}: ${services.length === 1 ? "it" : "they"} could not deliver here. Use a customer-managed key whose policy admits ${joinNames(services)}${service === "sqs" ? ", or SSE-SQS (sqsManagedSseEnabled)" : ""}`,
        });
    }
    return out;
}

/**
 * Every consumer queue redrives to a dead-letter queue: an event the crawler cannot process is
 * set aside after `maxReceiveCount` receives instead of blocking or expiring unseen.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export function checkConsumerQueuesHaveDlq(resources: PolicyResource[]): StackViolation[] {
    const out: StackViolation[] = [];
    for (const q of consumerQueues(resources)) {
        // A redrive policy not known yet (built from the DLQ's ARN) is set: nothing to say before it is known.
        const redrive = read(() => q.props.redrivePolicy);
        if (!redrive.known) continue;
        const policy = redrivePolicyOf({ redrivePolicy: redrive.value });
        let message: string | undefined;
        if (policy === undefined) {
            message =
                "consumer queue has no redrivePolicy: an event its crawler cannot process is received again and again until it expires; add a dead-letter queue (redrivePolicy with deadLetterTargetArn and maxReceiveCount)";
        } else if ("error" in policy) {
            message = policy.error;
        } else if (typeof policy.deadLetterTargetArn !== "string" || policy.deadLetterTargetArn === "") {
            message = "redrivePolicy has no deadLetterTargetArn: name the dead-letter queue";
        } else if ((numberOf(policy.maxReceiveCount) ?? 0) < 1) {
            message = "redrivePolicy has no maxReceiveCount of at least 1";
        }
        if (message) out.push({ urn: q.urn, message });
    }
    return out;
}

export interface RetentionConfig {
    crawlerIntervalMinutes: number;
    intervalsRetained: number;
}

const retentionOf = (q: Record<string, any>) => numberOf(q.messageRetentionSeconds) ?? DEFAULT_RETENTION_SECONDS;

/**
 * A consumer queue keeps events for at least `intervalsRetained` crawl intervals, so a crawl that
 * is missed (or a crawler that fails once) loses nothing.
 */
export function checkRetentionCoversCrawls(resources: PolicyResource[], config: RetentionConfig): StackViolation[] {
    const needed = config.crawlerIntervalMinutes * 60 * config.intervalsRetained;
    const out: StackViolation[] = [];
    for (const q of consumerQueues(resources)) {
        const retention = retentionOf(q.props);
        if (retention >= needed) continue;
        const hint =
            needed > MAX_RETENTION_SECONDS
                ? "; SQS keeps messages at most 14 days, so crawl more often"
                : "; raise messageRetentionSeconds";
        out.push({
            urn: q.urn,
            message: `keeps events ${duration(retention)}, less than ${config.intervalsRetained} crawl interval${config.intervalsRetained === 1 ? "" : "s"} of ${duration(config.crawlerIntervalMinutes * 60)} (${duration(needed)}): events would expire before a crawl reads them${hint}`,
        });
    }
    return out;
}

/**
 * A dead-letter queue keeps messages at least as long as its source queue: for standard queues
 * SQS keeps a message's original enqueue time when it moves it, so a shorter DLQ retention
 * deletes it sooner than expected. AWS recommends longer; 14 days is the ceiling.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html
 */
export function checkDlqRetention(resources: PolicyResource[]): StackViolation[] {
    const out: StackViolation[] = [];
    for (const q of ofType(resources, T.queue)) {
        if (truthy(q.props.fifoQueue)) continue;
        const dlq = deadLetterQueueOf(q, resources);
        if (!dlq) continue;
        const source = retentionOf(q.props);
        const kept = retentionOf(dlq.props);
        if (kept < source) {
            out.push({
                urn: dlq.urn,
                message: `dead-letter queue keeps messages ${duration(kept)}, less than its source queue ${q.name} (${duration(source)}): a message keeps its original enqueue time when it moves here, so it expires early; give the DLQ at least ${duration(source)}`,
            });
        }
    }
    return out;
}

/**
 * An SNS → SQS subscription has a redrive policy: an event SNS cannot deliver (a key or queue-policy
 * problem) is otherwise dropped after SNS's retries, before any DLQ or alarm sees it.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 */
export function checkSubscriptionRedrive(props: Record<string, any>): string[] {
    if (props.protocol !== "sqs") return [];
    const parsed = parseJsonInput(props.redrivePolicy);
    if (parsed === undefined)
        return [
            "subscription has no redrivePolicy: an event SNS cannot deliver to the queue is dropped unseen; redrive to a dead-letter queue",
        ];
    if ("error" in parsed) return [`redrivePolicy is not valid JSON (${parsed.error})`];
    const target = isRecord(parsed.value) ? parsed.value.deadLetterTargetArn : undefined;
    return typeof target === "string" && target.startsWith("arn:") ? [] : ["redrivePolicy names no deadLetterTargetArn"];
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const snsTopicPolicyConfined: ResourceValidationPolicy = {
    name: "sns-topic-policy-confined",
    description:
        'Topic policies admit Principal "*" or an AWS service only with an aws:SourceArn or aws:SourceAccount condition (only the lake bucket may publish S3 events).',
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: [
        checkEach(aws.sns.TopicPolicy, (topicPolicy) => checkPolicyConfined(topicPolicy.policy, "topic")),
        checkEach(aws.sns.Topic, (topic) => checkPolicyConfined(topic.policy, "topic")),
    ],
};

export const sqsQueuePolicyConfined: ResourceValidationPolicy = {
    name: "sqs-queue-policy-confined",
    description:
        'Queue policies admit Principal "*" or an AWS service only with an aws:SourceArn or aws:SourceAccount condition (only the lake topic may send to a table\'s queue).',
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: [
        checkEach(aws.sqs.QueuePolicy, (queuePolicy) => checkPolicyConfined(queuePolicy.policy, "queue")),
        checkEach(aws.sqs.Queue, (queue) => checkPolicyConfined(queue.policy, "queue")),
    ],
};

export const snsTopicNoAwsManagedKey = stackPolicy({
    name: "sns-topic-no-aws-managed-key",
    description:
        "A topic an AWS service publishes to (S3 events, CloudWatch alarms, EventBridge rules) is not encrypted with alias/aws/sns, whose key policy cannot admit the service.",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkNoAwsManagedKey(resources, "sns"),
});

export const sqsQueueNoAwsManagedKey = stackPolicy({
    name: "sqs-queue-no-aws-managed-key",
    description:
        "A queue an AWS service sends to (SNS, S3) is not encrypted with alias/aws/sqs, whose key policy cannot admit the service; use a customer-managed key or SSE-SQS.",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkNoAwsManagedKey(resources, "sqs"),
});

export const sqsConsumerQueueHasDlq = stackPolicy({
    name: "sqs-consumer-queue-has-dlq",
    description:
        "Every consumer queue (subscribed to a topic, targeted by a bucket notification or read by a crawler) has a redrivePolicy to a dead-letter queue.",
    enforcementLevel: "mandatory",
    severity: "medium",
    check: (resources) => checkConsumerQueuesHaveDlq(resources),
});

const RETENTION_SCHEMA: PolicyConfigSchema = {
    properties: {
        crawlerIntervalMinutes: {
            type: "integer",
            minimum: 1,
            default: 1440,
            description:
                "Longest gap between two crawls, in minutes (from the crawler schedule; for on-demand crawls, how often someone runs them).",
        },
        intervalsRetained: {
            type: "integer",
            minimum: 1,
            default: 2,
            description: "How many crawl intervals an event must survive in its queue (2: one missed crawl loses nothing).",
        },
    },
};

export const sqsRetentionCoversCrawlInterval = stackPolicy<RetentionConfig>({
    name: "sqs-retention-covers-crawl-interval",
    description:
        "Every consumer queue keeps messages (messageRetentionSeconds, default 4 days) for at least `intervalsRetained` crawler intervals, so no event expires before a crawl reads it.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: RETENTION_SCHEMA,
    check: (resources, config) => checkRetentionCoversCrawls(resources, config),
});

export const sqsDlqRetentionCoversSource = stackPolicy({
    name: "sqs-dlq-retention-covers-source",
    description:
        "A dead-letter queue keeps messages at least as long as the queue that redrives to it (SQS keeps the original enqueue time).",
    enforcementLevel: "advisory",
    severity: "low",
    check: (resources) => checkDlqRetention(resources),
});

export const snsSubscriptionHasRedrive: ResourceValidationPolicy = {
    name: "sns-subscription-has-redrive",
    description:
        "Every SNS → SQS subscription has a redrive policy to a dead-letter queue, so an event SNS cannot deliver is kept rather than dropped unseen.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: checkEach(aws.sns.TopicSubscription, checkSubscriptionRedrive),
};

export const snsSqsPolicies = [
    snsTopicPolicyConfined,
    sqsQueuePolicyConfined,
    snsTopicNoAwsManagedKey,
    sqsQueueNoAwsManagedKey,
    sqsConsumerQueueHasDlq,
    sqsRetentionCoversCrawlInterval,
    sqsDlqRetentionCoversSource,
    snsSubscriptionHasRedrive,
];
