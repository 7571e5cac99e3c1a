/**
 * Test support for the policy rules: builds the arguments @pulumi/policy passes to a rule from
 * small resource descriptions, with the plan runner's builders (which follow
 * node_modules/@pulumi/policy/server.js: props wrapped in the unknown-checking proxy, full
 * `opts`, the provider resource, `getConfig`, `notApplicable`, `isType`/`asType`, stack resources
 * linked by `parent`, `dependencies` and `propertyDependencies`), then calls the rule's own
 * `validateResource` / `validateStack` and collects what it reports. Never constructs the pack.
 */
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Policies } from "@pulumi/policy";
import { defaultsOf } from "../../policies/lib/rule";
import { resourceArgsOf, stackResourcesOf, unknownLike } from "../../tools/plan/policy-run";
import { captured, Fake } from "../harness/captured";
import { ACCOUNT, doc, s3Publishes, topicSends } from "../harness/wiring";

export { ACCOUNT, doc };
export { captured, Fake, urnOf } from "../harness/captured";

/** The `ResourceValidationArgs` for the first fake (the others are there to be its provider). */
export function resourceArgs(fakes: Fake | Fake[], config: Record<string, unknown> = {}): ResourceValidationArgs {
    const list = captured(Array.isArray(fakes) ? fakes : [fakes]);
    return resourceArgsOf(list[0], new Map(list.map((r) => [r.urn, r])), config, new Map([["pulumi:project", "lake"]]));
}

/** The `StackValidationArgs` for a graph of fakes. */
export function stackArgs(fakes: Fake[], config: Record<string, unknown> = {}): StackValidationArgs {
    return {
        resources: stackResourcesOf(captured(fakes)),
        stackTags: new Map([["pulumi:project", "lake"]]),
        getConfig: <T extends object>() => ({ ...config }) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable: ${reason}`);
        },
    };
}

const NOT_APPLICABLE = new Error("not applicable");

/**
 * Runs a resource policy on one resource and returns the messages it reports. A validation for
 * another type (`validateResourceOfType`) calls `notApplicable`, which the server records apart.
 */
export async function resourceViolations(
    policy: ResourceValidationPolicy,
    fakes: Fake | Fake[],
    config: Record<string, unknown> = {},
): Promise<string[]> {
    const args: ResourceValidationArgs = {
        ...resourceArgs(fakes, config),
        notApplicable: (): never => {
            throw NOT_APPLICABLE;
        },
    };
    const messages: string[] = [];
    const report: ReportViolation = (message) => {
        messages.push(message);
    };
    const validations =
        policy.validateResource === undefined
            ? []
            : Array.isArray(policy.validateResource)
              ? policy.validateResource
              : [policy.validateResource];
    for (const validate of validations) {
        try {
            await validate(args, report);
        } catch (e) {
            if (e !== NOT_APPLICABLE) throw e;
        }
    }
    return messages;
}

/** Runs a resource policy on a single resource of `type` with `props`. */
export const violationsOf = (
    policy: ResourceValidationPolicy,
    type: string,
    props: Record<string, any>,
    config: Record<string, unknown> = {},
) => resourceViolations(policy, { type, name: "r", props }, config);

/** Runs a stack policy and returns what it reports, each violation with the name of its resource. */
export async function stackViolations(
    policy: StackValidationPolicy,
    fakes: Fake[],
    config: Record<string, unknown> = {},
): Promise<{ resource?: string; message: string }[]> {
    const args = stackArgs(fakes, config);
    const names = new Map(args.resources.map((r: PolicyResource) => [r.urn, r.name]));
    const out: { resource?: string; message: string }[] = [];
    await policy.validateStack(args, (message, urn) => {
        out.push(urn === undefined ? { message } : { resource: names.get(urn) ?? urn, message });
    });
    return out;
}

/** The value @pulumi/policy hands a rule for an input not known during preview. */
export const unknown = (like: unknown = "") => unknownLike(like);

export const isResourcePolicy = (p: Policies[number]): p is ResourceValidationPolicy => "validateResource" in p;
export const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => "validateStack" in p;

/** A policy's default config (what the pack runs with when nothing is configured). */
export const defaults = (p: Policies[number]) => defaultsOf(p.configSchema);

// ---------------------------------------------------------------------------------------------
// Shared fixtures: type tokens written out (the tests' own oracle, not the pack's `T`), and the
// event path of one table as the program wires it.
// ---------------------------------------------------------------------------------------------

export const BUCKET = "aws:s3/bucket:Bucket";
export const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
export const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
export const NOTIFICATION = "aws:s3/bucketNotification:BucketNotification";
export const TOPIC = "aws:sns/topic:Topic";
export const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
export const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
export const QUEUE = "aws:sqs/queue:Queue";
export const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
export const CRAWLER = "aws:glue/crawler:Crawler";
export const KEY = "aws:kms/key:Key";

export const BUCKET_ARN = "arn:aws:s3:::lake-bucket";
export const TOPIC_ARN = `arn:aws:sns:eu-west-1:${ACCOUNT}:lake-events`;
export const QUEUE_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-queue`;
export const DLQ_ARN = `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders-dlq`;
export const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/orders-queue`;

export const S3_PUBLISH = s3Publishes(TOPIC_ARN, BUCKET_ARN);
export const SNS_SEND = topicSends(QUEUE_ARN, TOPIC_ARN);

/** `f` with `props` merged into its inputs and outputs, and `from` into its inputs' sources. */
export const withProps = (f: Fake, props: Record<string, any>, from: Record<string, string[]> = {}): Fake => ({
    ...f,
    props: { ...f.props, ...props },
    outputs: { ...(f.outputs ?? f.props), ...props },
    from: { ...f.from, ...from },
});

/** `graph` with the resource named `name` replaced by `f` of it. */
export const replace = (graph: Fake[], name: string, f: (x: Fake) => Fake) => graph.map((x) => (x.name === name ? f(x) : x));

/** The event path of one table (bucket → topic → queue with a DLQ), wired as the program wires it. */
export function eventPath(): Fake[] {
    const redrivePolicy = JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 5 });
    return [
        { type: BUCKET, name: "bucket", props: {}, outputs: { bucket: "lake-bucket", arn: BUCKET_ARN } },
        { type: TOPIC, name: "topic", props: {}, outputs: { arn: TOPIC_ARN } },
        {
            type: TOPIC_POLICY,
            name: "topic-policy",
            props: { arn: TOPIC_ARN, policy: doc(S3_PUBLISH) },
            from: { arn: ["topic"], policy: ["topic", "bucket"] },
        },
        {
            type: NOTIFICATION,
            name: "notification",
            props: { bucket: "lake-bucket", topics: [{ topicArn: TOPIC_ARN, events: ["s3:ObjectCreated:*"], filterPrefix: "exports/" }] },
            from: { bucket: ["bucket"], topics: ["topic"] },
            dependsOn: ["topic-policy"],
        },
        {
            type: QUEUE,
            name: "dlq",
            props: { messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true },
            outputs: { messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true, arn: DLQ_ARN },
        },
        {
            type: QUEUE,
            name: "queue",
            props: { messageRetentionSeconds: 345_600, sqsManagedSseEnabled: true, redrivePolicy },
            outputs: { messageRetentionSeconds: 345_600, sqsManagedSseEnabled: true, redrivePolicy, arn: QUEUE_ARN, url: QUEUE_URL },
            from: { redrivePolicy: ["dlq"] },
        },
        {
            type: QUEUE_POLICY,
            name: "queue-policy",
            props: { queueUrl: QUEUE_URL, policy: doc(SNS_SEND) },
            from: { queueUrl: ["queue"], policy: ["queue", "topic"] },
        },
        {
            type: SUBSCRIPTION,
            name: "subscription",
            props: {
                topic: TOPIC_ARN,
                protocol: "sqs",
                endpoint: QUEUE_ARN,
                rawMessageDelivery: true,
                filterPolicyScope: "MessageBody",
                filterPolicy: JSON.stringify({ Records: { s3: { object: { key: [{ prefix: "exports/orders/" }] } } } }),
            },
            from: { topic: ["topic"], endpoint: ["queue"] },
            dependsOn: ["queue-policy"],
        },
    ];
}
