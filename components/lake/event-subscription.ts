import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { keyPrefixFilterPolicy } from "../documents";
import { SubscriberProtocol } from "../lake-args";
import { LAMBDA_FUNCTION_ARN } from "../naming";
import { token } from "../tokens";

export interface EventSubscriptionArgs {
    topicArn: pulumi.Input<string>;
    protocol: SubscriberProtocol;
    /** The queue's or function's ARN (of the lake's own account), or the https:// URL. */
    endpoint: string;
    /** Only S3 events for keys under this prefix (with trailing slash) reach the subscriber: its table's folder. */
    keyPrefix: string;
    /** Where SNS puts the events it could not deliver (the lake's undelivered-events queue). */
    deliveryDeadLetter: { arn: pulumi.Input<string>; ready: pulumi.Resource[] };
}

/**
 * Raw message delivery exists for SQS and HTTP/S endpoints (and Firehose), not for Lambda, which
 * always receives the SNS envelope around the S3 event.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html
 */
export const rawDeliveryFor = (protocol: SubscriberProtocol): boolean => protocol !== SubscriberProtocol.Lambda;

/**
 * The SNS subscription attributes a further subscriber of a table gets, whoever creates it: the
 * table's key-prefix filter on the message body, and raw delivery where the protocol has it. The
 * lake sets them on its own subscriptions; an endpoint owner passes them to its Subscribe call.
 */
export function subscriptionAttributes(
    protocol: SubscriberProtocol,
    keyPrefix: string,
): { FilterPolicyScope: string; FilterPolicy: string; RawMessageDelivery: string } {
    return {
        FilterPolicyScope: "MessageBody",
        FilterPolicy: JSON.stringify(keyPrefixFilterPolicy(keyPrefix)),
        RawMessageDelivery: String(rawDeliveryFor(protocol)),
    };
}

/**
 * One further subscriber of a table's events that the lake subscribes: an HTTPS endpoint, or a
 * queue or function of the lake's own account. Filtered to the table's folder, raw where the
 * protocol has it, and redriven into the lake's undelivered-events queue (whose alarm reports it):
 * an SNS dead-letter queue must be in the account and region of the subscription that uses it,
 * which is the lake's for the subscriptions it creates.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
 *
 * - A function gets the permission SNS needs to invoke it: `lambda:InvokeFunction` for
 *   `sns.amazonaws.com`, only from the lake topic (AddPermission adds a statement to the function's
 *   own policy, whatever else it holds). https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html
 * - A queue's policy is its owner's (one document the lake would overwrite): the owner admits the
 *   topic itself (README, "Other consumers of the events").
 * - An HTTPS endpoint receives a SubscriptionConfirmation and confirms it; until then the
 *   subscription is pending and receives nothing. The provider does not wait for it
 *   (terraform-provider-aws internal/service/sns/topic_subscription.go: `endpoint_auto_confirms`
 *   false for http/https).
 */
export class EventSubscription extends pulumi.ComponentResource {
    readonly subscription: aws.sns.TopicSubscription;
    /** The function's permission for the lake topic (Lambda subscribers). */
    readonly permission?: aws.lambda.Permission;

    constructor(name: string, args: EventSubscriptionArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("EventSubscription"), name, {}, opts);
        const child = { parent: this };
        if (args.protocol === SubscriberProtocol.Lambda) {
            // The provider reads a qualified function ARN back as the unqualified ARN plus `qualifier`
            // (terraform-provider-aws internal/service/lambda/permission.go resourcePermissionRead):
            // given apart, they read back as written and the next `pulumi up` replaces nothing.
            const m = LAMBDA_FUNCTION_ARN.exec(args.endpoint);
            if (!m) throw new Error(`EventSubscription ${name}: ${args.endpoint} is not a Lambda function ARN`);
            // SNS delivers to functions of other regions too; the function's policy is changed in its
            // own region. https://docs.aws.amazon.com/sns/latest/dg/sns-cross-region-delivery.html
            this.permission = new aws.lambda.Permission(
                `${name}-invoke`,
                {
                    region: m[1].split(":")[3],
                    action: "lambda:InvokeFunction",
                    function: m[1],
                    qualifier: m[3],
                    principal: "sns.amazonaws.com",
                    sourceArn: args.topicArn,
                },
                child,
            );
        }
        const attributes = subscriptionAttributes(args.protocol, args.keyPrefix);
        this.subscription = new aws.sns.TopicSubscription(
            `${name}-subscription`,
            {
                topic: args.topicArn,
                protocol: args.protocol,
                endpoint: args.endpoint,
                ...(rawDeliveryFor(args.protocol) ? { rawMessageDelivery: true } : {}),
                filterPolicyScope: attributes.FilterPolicyScope,
                filterPolicy: attributes.FilterPolicy,
                redrivePolicy: pulumi
                    .output(args.deliveryDeadLetter.arn)
                    .apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn })),
            },
            { ...child, dependsOn: [...args.deliveryDeadLetter.ready, ...(this.permission ? [this.permission] : [])] },
        );
        this.registerOutputs({ subscriptionArn: this.subscription.arn });
    }
}
