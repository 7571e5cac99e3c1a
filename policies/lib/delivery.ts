/**
 * Who delivers into a topic or a queue: the AWS services its resource policy admits and the
 * services the graph shows feeding it (an S3 notification, an SNS subscription). Several rules
 * care: an AWS-managed key locks those services out, and a customer-managed key must admit them.
 */
import { PolicyResource } from "@pulumi/policy";
import { IDS, refersTo, stringsIn } from "./graph";
import { allowsAction, isAllow, principalsOf, statementsOf } from "./iam";
import { ofType, T } from "./types";
import { isRecord, known, parseJsonInput } from "./values";

/**
 * Service principals that the policies of `target` admit for `action`: its inline `policy` and each
 * policy resource of `policies` whose `prop` names it. Policies unknown during preview are skipped.
 */
function servicesAdmitted(target: PolicyResource, policies: PolicyResource[], prop: string, ids: readonly string[], action: string) {
    const documents = [target, ...policies.filter((p) => refersTo(p, prop, target, ids))].map((r) => known(() => r.props.policy));
    return documents.flatMap((d) =>
        (known(() => statementsOf(d)) ?? []).filter((s) => isAllow(s) && allowsAction(s, action)).flatMap((s) => principalsOf(s).service),
    );
}

/** Services that deliver into an SNS topic. */
export function topicPublishers(topic: PolicyResource, resources: PolicyResource[]): string[] {
    const services = new Set(servicesAdmitted(topic, ofType(resources, T.topicPolicy), "arn", IDS.topic, "sns:Publish"));
    for (const n of ofType(resources, T.notification)) {
        if (refersTo(n, "topics", topic, IDS.topic)) services.add("s3.amazonaws.com");
    }
    return [...services].sort();
}

/** Services that deliver into an SQS queue. */
export function queueSenders(queue: PolicyResource, resources: PolicyResource[]): string[] {
    const services = new Set(servicesAdmitted(queue, ofType(resources, T.queuePolicy), "queueUrl", IDS.queue, "sqs:SendMessage"));
    for (const s of ofType(resources, T.subscription)) {
        if (known(() => s.props.protocol) !== "lambda" && refersTo(s, "endpoint", queue, IDS.queue)) services.add("sns.amazonaws.com");
    }
    for (const n of ofType(resources, T.notification)) {
        if (refersTo(n, "queues", queue, IDS.queue)) services.add("s3.amazonaws.com");
    }
    return [...services].sort();
}

/** The event queues (not the DLQs) crawlers read: ARNs where known. */
export function crawlerEventQueueArns(crawler: PolicyResource): string[] {
    return stringsIn(() => {
        const targets = [...(crawler.props.s3Targets ?? []), ...(crawler.props.catalogTargets ?? [])];
        return targets.map((t: any) => (isRecord(t) ? t.eventQueueArn : undefined));
    });
}

/**
 * Consumer queues: the queues that receive the lake's events, from an SNS subscription, an S3
 * notification, or as a crawler's event queue.
 */
export function consumerQueues(resources: PolicyResource[]): PolicyResource[] {
    const subscriptions = ofType(resources, T.subscription).filter((s) => {
        const protocol = known(() => s.props.protocol);
        return protocol === undefined || protocol === "sqs";
    });
    const notifications = ofType(resources, T.notification);
    const eventQueueArns = ofType(resources, T.crawler).flatMap(crawlerEventQueueArns);
    return ofType(resources, T.queue).filter((q) => {
        const arn = known(() => q.props.arn);
        return (
            subscriptions.some((s) => refersTo(s, "endpoint", q, IDS.queue)) ||
            notifications.some((n) => refersTo(n, "queues", q, IDS.queue)) ||
            (typeof arn === "string" && eventQueueArns.includes(arn))
        );
    });
}

/** A queue's redrive policy as an object; `{ error }` when it cannot be read. */
export function redrivePolicyOf(
    queue: Record<string, any>,
): { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | { error: string } | undefined {
    const parsed = parseJsonInput(queue.redrivePolicy);
    if (parsed === undefined) return undefined;
    if ("error" in parsed) return { error: `redrivePolicy is not valid JSON (${parsed.error})` };
    return isRecord(parsed.value) ? parsed.value : { error: "redrivePolicy is not an object" };
}

/** The dead-letter queue a queue redrives to, among the stack's queues. */
export function deadLetterQueueOf(queue: PolicyResource, resources: PolicyResource[]): PolicyResource | undefined {
    const queues = ofType(resources, T.queue).filter((q) => q.urn !== queue.urn);
    const structural = queues.find((q) => (queue.propertyDependencies.redrivePolicy ?? []).some((d) => d.urn === q.urn));
    if (structural) return structural;
    const policy = known(() => redrivePolicyOf(queue.props));
    const target = policy && !("error" in policy) ? policy.deadLetterTargetArn : undefined;
    return typeof target === "string" ? queues.find((q) => known(() => q.props.arn) === target) : undefined;
}

/** SQS's default retention when `messageRetentionSeconds` is not set: 4 days. */
export const DEFAULT_RETENTION_SECONDS = 345_600;
/** SQS's longest retention: 14 days. */
export const MAX_RETENTION_SECONDS = 1_209_600;

/** A duration in words: `4 days`, `2 hours`, `90 seconds`. */
export function duration(seconds: number): string {
    const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    if (seconds % 86_400 === 0) return unit(seconds / 86_400, "day");
    if (seconds % 3_600 === 0) return unit(seconds / 3_600, "hour");
    if (seconds % 60 === 0) return unit(seconds / 60, "minute");
    return unit(seconds, "second");
}
