/**
 * Whole-stack rules: what a production stack keeps on destroy, and whether alerts reach anyone.
 */
import { PolicyResource } from "@pulumi/policy";
import { IDS, NodeOptions, refersTo } from "../lib/graph";
import { PRODUCTION_SCHEMA, ProductionConfig, stackPolicy, StackViolation } from "../lib/rule";
import { ofType, T } from "../lib/types";
import { truthy } from "../lib/values";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/**
 * In production the lake bucket survives `pulumi destroy`: `retainOnDelete` (or `protect`), and
 * no `forceDestroy` (which empties the bucket on delete or replacement).
 *
 * `retainOnDelete` reaches the rule only from the plan runner: the Analyzer protocol of
 * `pulumi preview --policy-pack` passes `protect` but not `retainOnDelete`. When it is not
 * reported, the rule checks `forceDestroy` and accepts an unprotected bucket rather than guess.
 */
export function checkLakeRetained(resources: PolicyResource[], config: ProductionConfig): StackViolation[] {
    if (!config.production) return [];
    const out: StackViolation[] = [];
    for (const b of ofType(resources, T.bucket)) {
        if (truthy(b.props.forceDestroy)) {
            out.push({
                urn: b.urn,
                message:
                    "production stack: forceDestroy is true, so deleting or replacing the bucket deletes every object in it; set forceDestroy to false",
            });
        }
        const { retainOnDelete, protect } = b.opts as NodeOptions;
        if (retainOnDelete !== undefined && retainOnDelete !== true && protect !== true) {
            out.push({
                urn: b.urn,
                message:
                    "production stack: the lake bucket is neither retainOnDelete nor protected, so pulumi destroy deletes it; set retainOnDelete: true",
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
export function checkAlertsHaveSubscribers(resources: PolicyResource[]): StackViolation[] {
    const alarms = ofType(resources, T.metricAlarm);
    const subscriptions = ofType(resources, T.subscription);
    return ofType(resources, T.topic)
        .filter((topic) => alarms.some((a) => refersTo(a, "alarmActions", topic, IDS.topic)))
        .filter((topic) => !subscriptions.some((s) => refersTo(s, "topic", topic, IDS.topic)))
        .map((topic) => ({
            urn: topic.urn,
            message:
                "alarms publish to this topic, but nothing subscribes to it: alerts (a DLQ filling, events waiting, a failed crawl or task run) reach no one; " +
                "give the stack an alert address (IncrementalLake alertEmails, incremental-crawl:alertEmails) or subscribe the topic",
        }));
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

export const stackProductionLakeRetained = stackPolicy<ProductionConfig>({
    name: "stack-production-lake-retained",
    description:
        "In a production stack the lake bucket survives `pulumi destroy`: retainOnDelete or protect, and forceDestroy false. (`pulumi preview --policy-pack` does not report retainOnDelete; there only forceDestroy and protect are checked.)",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema: PRODUCTION_SCHEMA,
    check: (resources, config) => checkLakeRetained(resources, config),
});

export const stackAlertsHaveSubscribers = stackPolicy({
    name: "stack-alerts-have-subscribers",
    description:
        "A topic CloudWatch alarms publish to has at least one subscription, so alerts reach someone (a warning: a stack may deploy before its alert address is known).",
    enforcementLevel: "advisory",
    severity: "low",
    check: (resources) => checkAlertsHaveSubscribers(resources),
});

export const stackPolicies = [stackProductionLakeRetained, stackAlertsHaveSubscribers];
