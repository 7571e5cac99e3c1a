/**
 * The policy statements of the lake's event path and of its alerts, as the program writes them: the
 * tests' own oracle (not the components' builders), shared by the graph tests, the rules' fixtures
 * and the insecure fixture program. Imports nothing, so that program can import it.
 */
export const ACCOUNT = "123456789012";

/** JSON policy document text. */
export const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

/** The topic policy's statement: S3 may publish, for this bucket and this account only. */
export const s3Publishes = (topicArn: string, bucketArn: string, account = ACCOUNT) => ({
    Sid: "AllowS3PublishFromLakeBucket",
    Effect: "Allow",
    Principal: { Service: "s3.amazonaws.com" },
    Action: "sns:Publish",
    Resource: topicArn,
    Condition: { ArnLike: { "aws:SourceArn": bucketArn }, StringEquals: { "aws:SourceAccount": account } },
});

/** A queue policy's statement: the lake topic, and only it, may send. */
export const topicSends = (queueArn: string, topicArn: string) => ({
    Sid: "AllowLakeTopicSend",
    Effect: "Allow",
    Principal: { Service: "sns.amazonaws.com" },
    Action: "sqs:SendMessage",
    Resource: queueArn,
    Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
});

/** The alerts topic policy's statement: CloudWatch alarms of this account may publish. */
export const alarmsPublish = (topicArn: string) => ({
    Sid: "Alarms",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: "sns:Publish",
    Resource: topicArn,
    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
});
