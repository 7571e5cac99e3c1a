/** The Snowflake side's role policies (the storage integration's role, the task-error notifications), as pure functions of ARNs. */
import { Statement, PolicyDocument, doc, keyUse, objectsUnder } from "../policy-document";

/**
 * Trust policy of the role Snowflake assumes: only the storage integration's IAM user, and only
 * with the integration's external id.
 * https://docs.snowflake.com/en/user-guide/data-load-s3-config-storage-integration
 */
export function snowflakeTrustPolicy(a: { iamUserArn: string; externalId: string }): PolicyDocument {
    return doc({
        Sid: "SnowflakeStorageIntegration",
        Effect: "Allow",
        Principal: { AWS: a.iamUserArn },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": a.externalId } },
    });
}

/**
 * What Snowflake needs to unload under the export prefix, and nothing else. Snowflake's
 * storage-integration guide also lists s3:DeleteObjectVersion; unloading does not need it
 * (https://docs.snowflake.com/en/user-guide/data-unload-s3) and it would let the role erase the
 * versions a production bucket keeps, so it is left out.
 * https://docs.snowflake.com/en/user-guide/data-load-s3-config-storage-integration
 */
export function snowflakeAccessPolicy(a: {
    bucketArn: string;
    prefix: string;
    kmsKeyArn?: string;
    /**
     * Key prefixes (no trailing slash) under which the role may delete: each table's current
     * export (`exports/orders/g1-0a1b2c3d`), the only place an unload writes and a failed unload's
     * files are removed from. Undefined: the whole export prefix.
     */
    deletablePrefixes?: string[];
}): PolicyDocument {
    const deletable = a.deletablePrefixes;
    const statements: Statement[] = [
        {
            Sid: "UnloadObjectsUnderExportPrefix",
            Effect: "Allow",
            Action: deletable
                ? ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"]
                : ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject"],
            Resource: objectsUnder(a.bucketArn, a.prefix),
        },
        // Deletes (a new delete marker in a versioned bucket, never a version) only where an
        // unload writes: earlier exports stay out of the role's reach (docs/security.md F3).
        ...(deletable
            ? [
                  {
                      Sid: "RemoveFilesOfFailedUnloads",
                      Effect: "Allow" as const,
                      Action: "s3:DeleteObject",
                      Resource: [...deletable].sort().map((p) => objectsUnder(a.bucketArn, p)),
                  },
              ]
            : []),
        {
            Sid: "ListExportPrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: a.bucketArn,
            Condition: { StringLike: { "s3:prefix": [`${a.prefix}/`, `${a.prefix}/*`] } },
        },
        { Sid: "LocateBucket", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: a.bucketArn },
    ];
    return doc(...statements, ...keyUse("EncryptWithLakeKey", a.kmsKeyArn));
}

/**
 * What the role Snowflake assumes to push task error notifications needs: sns:Publish on the
 * alerts topic only (Snowflake's guide grants exactly that), and, when the topic is encrypted with
 * the lake key, the data key and decrypt rights a publisher to an encrypted topic needs.
 * https://docs.snowflake.com/en/user-guide/notifications/creating-notification-integration-amazon-sns
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
export function snowflakeAlertsPolicy(a: { topicArn: string; kmsKeyArn?: string }): PolicyDocument {
    return doc(
        { Sid: "PublishTaskErrorsToAlertsTopic", Effect: "Allow", Action: "sns:Publish", Resource: a.topicArn },
        ...keyUse("EncryptForAlertsTopic", a.kmsKeyArn),
    );
}
