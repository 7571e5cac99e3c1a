/**
 * Resource type tokens the rules look at. The pack matches on `args.type` rather than importing
 * @pulumi/aws classes: the pack stays light to load, and deprecated aliases of the same AWS
 * resource (the `...V2` names @pulumi/aws 7 still registers) are covered by listing both tokens.
 */
export const T = {
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    encryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    lifecycle: [
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    ],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    bucketAcl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
    bucketObject: ["aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"],
    ownershipControls: ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
    notification: ["aws:s3/bucketNotification:BucketNotification"],
    bucketLogging: ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"],
    replication: ["aws:s3/bucketReplicationConfig:BucketReplicationConfig"],
    objectLock: [
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
    ],
    topic: ["aws:sns/topic:Topic"],
    topicPolicy: ["aws:sns/topicPolicy:TopicPolicy"],
    subscription: ["aws:sns/topicSubscription:TopicSubscription"],
    metricAlarm: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
    queue: ["aws:sqs/queue:Queue"],
    queuePolicy: ["aws:sqs/queuePolicy:QueuePolicy"],
    key: ["aws:kms/key:Key"],
    keyPolicy: ["aws:kms/keyPolicy:KeyPolicy"],
    alias: ["aws:kms/alias:Alias"],
    role: ["aws:iam/role:Role"],
    rolePolicy: ["aws:iam/rolePolicy:RolePolicy"],
    rolePolicyAttachment: ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"],
    policyAttachment: ["aws:iam/policyAttachment:PolicyAttachment"],
    identityPolicy: [
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/policy:Policy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    ],
    managedPolicyAttachment: [
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
    ],
    crawler: ["aws:glue/crawler:Crawler"],
    securityConfiguration: ["aws:glue/securityConfiguration:SecurityConfiguration"],
    glueTrigger: ["aws:glue/trigger:Trigger"],
    glueResourcePolicy: ["aws:glue/resourcePolicy:ResourcePolicy"],
    lambdaPermission: ["aws:lambda/permission:Permission"],
    snowflakeStage: ["snowflake:index/stage:Stage"],
    snowflakeIntegration: ["snowflake:index/storageIntegration:StorageIntegration"],
    snowflakeFileFormat: ["snowflake:index/fileFormat:FileFormat"],
    snowflakeTask: ["snowflake:index/task:Task"],
    command: ["command:local:Command"],
} as const;

export const is = (type: string, tokens: readonly string[]): boolean => tokens.includes(type);

/** The short name of a type token: `aws:s3/bucket:Bucket` → `Bucket`. */
export const shortType = (type: string): string => type.slice(type.lastIndexOf(":") + 1);
