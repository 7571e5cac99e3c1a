/**
 * Whole-stack rules: creation order that AWS validates (a notification after its destination's
 * policy, a crawler after its role's policies) and what a production stack keeps on destroy.
 */
import { IDS, Node, ofType, refersTo, waitsFor } from "../lib/graph";
import { PRODUCTION_SCHEMA, ProductionConfig, stackPolicy, StackViolation } from "../lib/rule";
import { shortType, T } from "../lib/types";
import { known, listOf, nonEmpty, truthy } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const hasInlinePolicy = (r: Node) => nonEmpty(known(() => r.props.policy)) !== undefined;

/**
 * A bucket notification is created after the policy that lets S3 publish to (or send to) each of
 * its destinations: S3 test-publishes when the configuration is written and answers "Unable to
 * validate the following destination configurations" otherwise (pulumi/pulumi-aws#1895,
 * hashicorp/terraform-provider-aws#11219).
 */
export function checkNotificationAfterDestinationPolicy(resources: Node[]): StackViolation[] {
    const out: StackViolation[] = [];
    const kinds = [
        { prop: "topics", targets: ofType(resources, T.topic), ids: IDS.topic, policies: ofType(resources, T.topicPolicy), policyProp: "arn", what: "topic", policyType: "TopicPolicy" },
        { prop: "queues", targets: ofType(resources, T.queue), ids: IDS.queue, policies: ofType(resources, T.queuePolicy), policyProp: "queueUrl", what: "queue", policyType: "QueuePolicy" },
    ];
    for (const n of ofType(resources, T.notification)) {
        for (const k of kinds) {
            for (const target of k.targets.filter((t) => refersTo(n, k.prop, t, k.ids))) {
                const policies = k.policies.filter((p) => refersTo(p, k.policyProp, target, k.ids));
                if (policies.length === 0 && !hasInlinePolicy(target)) {
                    out.push({ urn: n.urn, message: `sends to ${k.what} ${target.name}, which has no ${k.policyType} letting S3 deliver: S3 refuses the notification ("Unable to validate the following destination configurations")` });
                }
                for (const p of policies.filter((p) => !waitsFor(n, p))) {
                    out.push({ urn: n.urn, message: `is not created after ${k.policyType} ${p.name}: S3 validates ${k.what} ${target.name} when the notification is written and answers "Unable to validate the following destination configurations" if the policy is not there yet; add dependsOn: [${p.name}]` });
                }
            }
        }
    }
    return out;
}

/**
 * A crawler is created after every policy of its role: Glue checks access to the event queue when
 * the crawler is created (aws/aws-cdk#33907).
 */
export function checkCrawlerAfterRolePolicy(resources: Node[]): StackViolation[] {
    const out: StackViolation[] = [];
    const attached = [...ofType(resources, T.rolePolicy), ...ofType(resources, T.rolePolicyAttachment)];
    const shared = ofType(resources, T.policyAttachment);
    for (const c of ofType(resources, T.crawler)) {
        for (const role of ofType(resources, T.role).filter((r) => refersTo(c, "role", r, IDS.role))) {
            const policies = [...attached.filter((p) => refersTo(p, "role", role, IDS.role)), ...shared.filter((p) => refersTo(p, "roles", role, IDS.role))];
            const ownPolicies = listOf(known(() => role.props.inlinePolicies)).length + listOf(known(() => role.props.managedPolicyArns)).length;
            if (policies.length === 0 && ownPolicies === 0) {
                out.push({ urn: c.urn, message: `its role ${role.name} has no policy: the crawler could not read its event queue or its folder` });
            }
            for (const p of policies.filter((p) => !waitsFor(c, p))) {
                out.push({ urn: c.urn, message: `is not created after ${shortType(p.type)} ${p.name} of its role ${role.name}: Glue checks the event queue when the crawler is created and fails while the role cannot read it; add dependsOn: [${p.name}]` });
            }
        }
    }
    return out;
}

/**
 * In production the lake bucket survives `pulumi destroy`: `retainOnDelete` (or `protect`), and
 * no `forceDestroy` (which empties the bucket on delete or replacement).
 *
 * `retainOnDelete` reaches the rule only from the plan runner: the Analyzer protocol of
 * `pulumi preview --policy-pack` passes `protect` but not `retainOnDelete`. When it is not
 * reported, the rule checks `forceDestroy` and accepts an unprotected bucket rather than guess.
 */
export function checkLakeRetained(resources: Node[], config: ProductionConfig): StackViolation[] {
    if (!config.production) return [];
    const out: StackViolation[] = [];
    for (const b of ofType(resources, T.bucket)) {
        if (truthy(b.props.forceDestroy)) {
            out.push({ urn: b.urn, message: "production stack: forceDestroy is true, so deleting or replacing the bucket deletes every object in it; set forceDestroy to false" });
        }
        const reported = b.opts.retainOnDelete !== undefined;
        if (reported && b.opts.retainOnDelete !== true && b.opts.protect !== true) {
            out.push({ urn: b.urn, message: "production stack: the lake bucket is neither retainOnDelete nor protected, so pulumi destroy deletes it; set retainOnDelete: true" });
        }
    }
    return out;
}

/**
 * An SQS subscription is created after the queue policy that lets SNS send: until then the queue
 * refuses the topic's deliveries and events published in between are lost.
 */
export function checkSubscriptionAfterQueuePolicy(resources: Node[]): StackViolation[] {
    const out: StackViolation[] = [];
    const policies = ofType(resources, T.queuePolicy);
    for (const s of ofType(resources, T.subscription)) {
        if (known(() => s.props.protocol) !== "sqs") continue;
        for (const q of ofType(resources, T.queue).filter((q) => refersTo(s, "endpoint", q, IDS.queue))) {
            const own = policies.filter((p) => refersTo(p, "queueUrl", q, IDS.queue));
            if (own.length === 0 && !hasInlinePolicy(q)) {
                out.push({ urn: s.urn, message: `subscribes queue ${q.name}, which has no QueuePolicy letting SNS send: every delivery would be refused` });
            }
            for (const p of own.filter((p) => !waitsFor(s, p))) {
                out.push({ urn: s.urn, message: `is not created after QueuePolicy ${p.name}: events published before the policy exists are refused by queue ${q.name} and lost; add dependsOn: [${p.name}]` });
            }
        }
    }
    return out;
}

/**
 * A deploy-time unload (a command whose environment carries BACKFILL_COPY_SQL) waits for every
 * bucket notification and for a subscription of a queue (its table's): objects written before them
 * raise no event. A new notification configuration can also take minutes to take effect
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-to-enable-disable-notification-intro.html),
 * which the program covers by registering the backfill's partitions itself.
 */
export function checkUnloadAfterEventPath(resources: Node[]): StackViolation[] {
    const out: StackViolation[] = [];
    const unloads = ofType(resources, T.command).filter((c) => {
        const env = known(() => c.props.environment);
        return env !== undefined && env !== null && typeof env === "object" && "BACKFILL_COPY_SQL" in env;
    });
    const subscriptions = ofType(resources, T.subscription).filter((s) => known(() => s.props.protocol) === "sqs");
    for (const c of unloads) {
        const missing = ofType(resources, T.notification).filter((n) => !waitsFor(c, n)).map((n) => n.name);
        if (!subscriptions.some((s) => waitsFor(c, s))) missing.push("its table's queue subscription");
        if (missing.length > 0) {
            out.push({ urn: c.urn, message: `unloads before ${missing.join(", ")} exist: its objects raise no event and stay uncatalogued; add them to dependsOn` });
        }
        // What keeps the objects of a notified bucket: live replication copies only objects written
        // after its configuration exists (S3 user guide s3-batch-replication-existing-config), and
        // versions and access logs start when they are turned on.
        const notified = ofType(resources, T.bucket).filter((b) => ofType(resources, T.notification).some((n) => refersTo(n, "bucket", b, IDS.bucket)));
        const keepers = [...ofType(resources, T.versioning), ...ofType(resources, T.replication), ...ofType(resources, T.bucketLogging)]
            .filter((k) => notified.some((b) => refersTo(k, "bucket", b, IDS.bucket)) && !waitsFor(c, k));
        if (keepers.length > 0) {
            out.push({
                urn: c.urn,
                message: `unloads before ${keepers.map((k) => `${shortType(k.type)} ${k.name}`).join(", ")} of the lake bucket exist: ` +
                    "objects written first miss the replica (live replication copies only later objects), versioning or the access logs; add them to dependsOn",
            });
        }
    }
    return out;
}

/**
 * A topic that CloudWatch alarms publish to (their `alarmActions`) has a subscription: without one
 * a dead-letter queue filling, events waiting, a failed crawl or a failed task run reach no one.
 * Advisory: a stack may deploy before its alert address is known.
 */
export function checkAlertsHaveSubscribers(resources: Node[]): StackViolation[] {
    const alarms = ofType(resources, T.metricAlarm);
    const subscriptions = ofType(resources, T.subscription);
    return ofType(resources, T.topic)
        .filter((topic) => alarms.some((a) => refersTo(a, "alarmActions", topic, IDS.topic)))
        .filter((topic) => !subscriptions.some((s) => refersTo(s, "topic", topic, IDS.topic)))
        .map((topic) => ({
            urn: topic.urn,
            message: "alarms publish to this topic, but nothing subscribes to it: alerts (a DLQ filling, events waiting, a failed crawl or task run) reach no one; " +
                "give the stack an alert address (IncrementalLake alertEmails, incremental-crawl:alertEmails) or subscribe the topic",
        }));
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const stackUnloadAfterEventPath = stackPolicy({
    name: "stack-unload-after-event-path",
    description: "A deploy-time unload (the backfill command) is created after every bucket notification and SQS subscription, so the objects it writes raise events, and after the notified bucket's versioning, replication configuration and access logging, so they are versioned, replicated and logged.",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkUnloadAfterEventPath(resources),
});

export const stackNotificationAfterTopicPolicy = stackPolicy({
    name: "stack-notification-after-topic-policy",
    description: "A bucket notification depends on the topic (or queue) policy that lets S3 deliver to each destination, or S3 rejects it with \"Unable to validate the following destination configurations\".",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkNotificationAfterDestinationPolicy(resources),
});

export const stackCrawlerAfterRolePolicy = stackPolicy({
    name: "stack-crawler-after-role-policy",
    description: "A Glue crawler depends on every policy of its role (inline RolePolicy, attachments): Glue checks the event queue when the crawler is created.",
    enforcementLevel: "mandatory",
    severity: "high",
    check: (resources) => checkCrawlerAfterRolePolicy(resources),
});

export const stackProductionLakeRetained = stackPolicy<ProductionConfig>({
    name: "stack-production-lake-retained",
    description: "In a production stack the lake bucket survives `pulumi destroy`: retainOnDelete or protect, and forceDestroy false. (`pulumi preview --policy-pack` does not report retainOnDelete; there only forceDestroy and protect are checked.)",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: PRODUCTION_SCHEMA,
    check: (resources, config) => checkLakeRetained(resources, config),
});

export const stackSubscriptionAfterQueuePolicy = stackPolicy({
    name: "stack-subscription-after-queue-policy",
    description: "An SNS → SQS subscription depends on the queue policy that lets the topic send, so no event is refused while the stack is created.",
    enforcementLevel: "advisory",
    severity: "low",
    check: (resources) => checkSubscriptionAfterQueuePolicy(resources),
});

export const stackAlertsHaveSubscribers = stackPolicy({
    name: "stack-alerts-have-subscribers",
    description: "A topic CloudWatch alarms publish to has at least one subscription, so alerts reach someone (a warning: a stack may deploy before its alert address is known).",
    enforcementLevel: "advisory",
    severity: "low",
    check: (resources) => checkAlertsHaveSubscribers(resources),
});

export const stackPolicies = [
    stackNotificationAfterTopicPolicy, stackCrawlerAfterRolePolicy, stackProductionLakeRetained, stackSubscriptionAfterQueuePolicy, stackUnloadAfterEventPath,
    stackAlertsHaveSubscribers,
];
