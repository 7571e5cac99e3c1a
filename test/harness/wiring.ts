/**
 * The lake as the program wires it, written out as the tests' own oracle (not the components'
 * builders): the policy statements of its event path and alerts, and its lifecycle rules. Shared by
 * the graph tests, the rules' fixtures and the insecure fixture program; it imports nothing, so that
 * program can import it.
 */
export const ACCOUNT = "123456789012";

/** A policy document of these statements, and its JSON text. */
export const document = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });
export const doc = (...Statement: object[]) => JSON.stringify(document(...Statement));

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

/** A topic policy's statement: CloudWatch alarms of this account may publish (the rules' fixtures; the program confines it by alarm ARN). */
export const alarmsPublish = (topicArn: string) => ({
    Sid: "Alarms",
    Effect: "Allow",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: "sns:Publish",
    Resource: topicArn,
    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
});

/** The lake bucket's lifecycle rules that every stack has, the Athena results', and production's for old versions. */
export const LIFECYCLE_RULES = {
    abortUploads: {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: { prefix: "" },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
    athenaResults: { id: "expire-athena-results", status: "Enabled", filter: { prefix: "athena-results/" }, expiration: { days: 30 } },
    oldVersions: {
        id: "expire-old-versions",
        status: "Enabled",
        filter: { prefix: "" },
        noncurrentVersionExpiration: { noncurrentDays: 90 },
        expiration: { expiredObjectDeleteMarker: true },
    },
};

/** A bucket policy's statement that refuses any request without TLS. */
export const denyInsecureTransport = (bucketArn: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** The log bucket policy's statement: S3 server access logging delivers under access-logs/, for the lake bucket of this account only. */
export const logDelivery = (logBucketArn: string, lakeArn: string, account = ACCOUNT) => ({
    Sid: "AllowS3ServerAccessLogDelivery",
    Effect: "Allow",
    Principal: { Service: "logging.s3.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: `${logBucketArn}/access-logs/*`,
    Condition: { ArnLike: { "aws:SourceArn": lakeArn }, StringEquals: { "aws:SourceAccount": account } },
});

/** The lake's replication rule: the exports only, delete markers not replicated, SSE-KMS objects included. */
export const replicateExports = (replicaArn: string, replicaKeyArn: string) => ({
    id: "replicate-exports",
    status: "Enabled",
    priority: 1,
    filter: { prefix: "exports/" },
    deleteMarkerReplication: { status: "Disabled" },
    destination: { bucket: replicaArn, storageClass: "STANDARD", encryptionConfiguration: { replicaKmsKeyId: replicaKeyArn } },
    sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
});
