/**
 * The resource classes the rules look at, from the providers' SDKs (as awsguard does): a resource
 * rule is `validateResourceOfType(cls, ...)`, a stack rule picks resources with `isType(cls)`, and
 * @pulumi/policy matches both on the class's type token. A deprecated alias of the same AWS resource
 * that @pulumi/aws 7 still registers (the `...V2` classes) is listed beside it.
 */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import { PolicyResource } from "@pulumi/policy";
import { Resource } from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";

export const T = {
    bucket: [aws.s3.Bucket, aws.s3.BucketV2],
    publicAccessBlock: [aws.s3.BucketPublicAccessBlock],
    encryption: [aws.s3.BucketServerSideEncryptionConfiguration, aws.s3.BucketServerSideEncryptionConfigurationV2],
    versioning: [aws.s3.BucketVersioning, aws.s3.BucketVersioningV2],
    lifecycle: [aws.s3.BucketLifecycleConfiguration, aws.s3.BucketLifecycleConfigurationV2],
    bucketPolicy: [aws.s3.BucketPolicy],
    bucketAcl: [aws.s3.BucketAcl, aws.s3.BucketAclV2],
    bucketObject: [aws.s3.BucketObject, aws.s3.BucketObjectv2],
    ownershipControls: [aws.s3.BucketOwnershipControls],
    notification: [aws.s3.BucketNotification],
    bucketLogging: [aws.s3.BucketLogging, aws.s3.BucketLoggingV2],
    replication: [aws.s3.BucketReplicationConfig],
    objectLock: [aws.s3.BucketObjectLockConfiguration, aws.s3.BucketObjectLockConfigurationV2],
    topic: [aws.sns.Topic],
    topicPolicy: [aws.sns.TopicPolicy],
    subscription: [aws.sns.TopicSubscription],
    metricAlarm: [aws.cloudwatch.MetricAlarm],
    queue: [aws.sqs.Queue],
    queuePolicy: [aws.sqs.QueuePolicy],
    key: [aws.kms.Key],
    keyPolicy: [aws.kms.KeyPolicy],
    alias: [aws.kms.Alias],
    role: [aws.iam.Role],
    identityPolicy: [aws.iam.RolePolicy, aws.iam.Policy, aws.iam.UserPolicy, aws.iam.GroupPolicy],
    managedPolicyAttachment: [
        aws.iam.RolePolicyAttachment,
        aws.iam.UserPolicyAttachment,
        aws.iam.GroupPolicyAttachment,
        aws.iam.PolicyAttachment,
    ],
    crawler: [aws.glue.Crawler],
    securityConfiguration: [aws.glue.SecurityConfiguration],
    glueTrigger: [aws.glue.Trigger],
    glueResourcePolicy: [aws.glue.ResourcePolicy],
    lambdaPermission: [aws.lambda.Permission],
    snowflakeStage: [snowflake.Stage],
    snowflakeIntegration: [snowflake.StorageIntegration],
    snowflakeTask: [snowflake.Task],
    command: [command.local.Command],
} satisfies Record<string, readonly ResourceClass[]>;

/** A resource class, as `isType` takes it. */
export type ResourceClass = new (...rest: any[]) => Resource;

/** The resources of a stack that are of one of `classes`. */
export const ofType = (resources: readonly PolicyResource[], classes: readonly ResourceClass[]): PolicyResource[] =>
    resources.filter((r) => classes.some((c) => r.isType(c)));

/** The short name of a type token: `aws:s3/bucket:Bucket` → `Bucket`. */
export const shortType = (type: string): string => type.slice(type.lastIndexOf(":") + 1);
