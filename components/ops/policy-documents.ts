/** The alerts topic's policy, as a pure function of ARNs. */
import { PolicyDocument, doc } from "../policy-document";

/**
 * Lets CloudWatch alarms and EventBridge rules of this account (and only those) publish to the
 * alerts topic.
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
 */
export function alertsTopicPolicy(a: { topicArn: string; accountId: string; region: string; partition?: string }): PolicyDocument {
    const partition = a.partition ?? "aws";
    return doc(
        {
            Sid: "AllowAlarmsOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: a.topicArn,
            Condition: { ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${a.region}:${a.accountId}:alarm:*` } },
        },
        {
            Sid: "AllowRulesOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: a.topicArn,
            Condition: { ArnLike: { "aws:SourceArn": `arn:${partition}:events:${a.region}:${a.accountId}:rule/*` } },
        },
    );
}
