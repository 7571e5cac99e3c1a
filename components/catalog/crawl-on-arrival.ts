import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { eventsRuleTrustPolicy, notifyWorkflowPolicy } from "./policy-documents";
import { boundedName, LIMITS } from "../naming";
import { renamedFrom, token } from "../tokens";
import type { LakeContext } from "../lake-context";

export interface CrawlOnArrivalArgs {
    /** The table's crawler: the workflow's one action. */
    crawler: aws.glue.Crawler;
    /** Its name, from which the workflow, trigger, rule and role are named. */
    crawlerName: string;
    bucketName: pulumi.Input<string>;
    /** Key prefix of the table's folder, with trailing slash (`exports/orders/`): whose objects start a crawl. */
    tablePrefix: string;
}

/**
 * The S3 "Object Created" event pattern of one table's folder in the lake bucket, as the bucket's
 * EventBridge notifications send it (detail.bucket.name, detail.object.key).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export function objectCreatedPattern(bucketName: string, tablePrefix: string): Record<string, unknown> {
    return {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: tablePrefix }] } },
    };
}

/**
 * Starts one table's crawler when its objects arrive, in batches, and never otherwise:
 *
 *   S3 (EventBridge notifications) → rule (this bucket, this table's folder) → Glue workflow
 *   → EVENT trigger (EventBatchingCondition) → the table's crawler (event mode, its SQS queue)
 *
 * The workflow starts when `batchSize` events have arrived or `batchWindowSeconds` after the first,
 * whichever comes first (https://docs.aws.amazon.com/glue/latest/dg/starting-workflow-eventbridge.html,
 * API_EventBatchingCondition). At most one run of the workflow at a time (MaxConcurrentRuns 1), and
 * Glue never runs one crawler twice at once (StartCrawler answers CrawlerRunningException). The
 * EventBridge events only ring the bell: what the crawl catalogues is what is in the table's SQS
 * queue when it starts, so a batch whose crawl could not start loses nothing; its events wait in
 * the queue for the next crawl (README "When crawls happen").
 */
export class CrawlOnArrival extends pulumi.ComponentResource {
    readonly workflow: aws.glue.Workflow;
    readonly trigger: aws.glue.Trigger;
    readonly rule: aws.cloudwatch.EventRule;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly target: aws.cloudwatch.EventTarget;

    constructor(name: string, ctx: LakeContext, args: CrawlOnArrivalArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("CrawlOnArrival"), name, {}, renamedFrom("catalog", "CrawlOnArrival", opts));
        const child = { parent: this };
        // The trigger's EventBatchingCondition (validated against the service's bounds).
        const { crawlBatchSize: batchSize, crawlBatchWindowSeconds: batchWindowSeconds } = ctx.settings;

        // Workflow and trigger names are replaced, not updated, when they change (terraform-provider-aws
        // internal/service/glue: trigger name, type and workflow_name, and workflow name, are ForceNew):
        // the names are fixed, so a replacement deletes first.
        this.workflow = new aws.glue.Workflow(
            `${name}-workflow`,
            {
                name: boundedName(args.crawlerName, LIMITS.glueName),
                description: `Crawls ${args.tablePrefix} when its objects arrive`,
                // "to prevent unwanted multiple updates to data, to control costs" (API_CreateWorkflow).
                maxConcurrentRuns: 1,
            },
            { ...child, deleteBeforeReplace: true },
        );

        this.trigger = new aws.glue.Trigger(
            `${name}-trigger`,
            {
                name: boundedName(`${args.crawlerName}-on-arrival`, LIMITS.glueName),
                description: `Starts crawler ${args.crawlerName} after ${batchSize} new objects or ${batchWindowSeconds} s`,
                type: "EVENT",
                workflowName: this.workflow.name,
                eventBatchingConditions: [{ batchSize: batchSize, batchWindow: batchWindowSeconds }],
                actions: [{ crawlerName: args.crawler.name }],
                // `enabled` is left to the provider's default and never diffed. For an EVENT trigger
                // terraform-provider-aws reads it back from its own state, not from AWS (trigger.go,
                // resourceTriggerRead: `state == CREATED && d.Get("enabled")`), so a false that reached
                // the state (an import, a create that returned before its read) would make every update
                // call StartTrigger, which AWS refuses for EVENT triggers, and setting false calls
                // StopTrigger, refused in state CREATED (hashicorp/terraform-provider-aws#49407, #49408).
                // The bridge drops an ignored attribute from the plan (pulumi-terraform-bridge
                // pkg/tfshim/sdk-v2/provider2.go, processIgnoreChanges), so the update never sees it.
            },
            { ...child, dependsOn: [args.crawler, this.workflow], deleteBeforeReplace: true, ignoreChanges: ["enabled"] },
        );

        this.rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            {
                name: boundedName(`${args.crawlerName}-arrival`, LIMITS.eventRule),
                description: `New objects under ${args.tablePrefix} start crawler ${args.crawlerName}`,
                eventPattern: pulumi
                    .output(args.bucketName)
                    .apply((bucket) => JSON.stringify(objectCreatedPattern(bucket, args.tablePrefix))),
            },
            { ...child, deleteBeforeReplace: true },
        );

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: boundedName(`${args.crawlerName}-arrival`, LIMITS.iamRole),
                description: `EventBridge rule ${args.crawlerName}-arrival: notifies its table's Glue workflow only`,
                assumeRolePolicy: pulumi
                    .all([this.rule.arn, ctx.accountId])
                    .apply(([ruleArn, accountId]) => JSON.stringify(eventsRuleTrustPolicy({ ruleArn, accountId }))),
            },
            { ...child, deleteBeforeReplace: true },
        );
        this.rolePolicy = new aws.iam.RolePolicy(
            `${name}-notify`,
            {
                name: "notify-own-workflow",
                role: this.role.name,
                policy: this.workflow.arn.apply((workflowArn) => JSON.stringify(notifyWorkflowPolicy({ workflowArn }))),
            },
            child,
        );

        // The target after the role's policy: EventBridge assumes the role at the first event.
        // Failed deliveries show in the rule's FailedInvocations metric (an alarm in Alerts).
        this.target = new aws.cloudwatch.EventTarget(
            `${name}-target`,
            {
                rule: this.rule.name,
                arn: this.workflow.arn,
                roleArn: this.role.arn,
            },
            { ...child, dependsOn: [this.rolePolicy, this.trigger] },
        );

        this.registerOutputs({ workflowName: this.workflow.name, ruleName: this.rule.name });
    }
}
