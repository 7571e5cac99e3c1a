import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accessLogBucketPolicy } from "./policy-documents";
import { token } from "../tokens";
import { housekeepingRules } from "./lifecycle-rules";
import { privateBucket } from "./private-bucket";
import type { LakeContext } from "../lake-context";

/** Key prefix of the access logs in a log bucket. */
export const ACCESS_LOG_PREFIX = "access-logs/";

export interface AccessLogBucketArgs {
    /** The bucket whose requests are logged: its name and ARN. */
    source: { bucket: pulumi.Input<string>; arn: pulumi.Input<string> };
    /** Keep versions of the log objects (a production stack versions every bucket). */
    versioning: boolean;
    /**
     * Region of the source bucket when it is not the provider's: S3 delivers access logs only to a
     * bucket in the source's region and account.
     */
    region?: string;
}

/**
 * The audit trail of a bucket: S3 server access logging into a separate bucket the stack owns, which
 * records who read, wrote or deleted each object (CKV_AWS_18, FSBP S3.9).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 *
 * The log bucket is private (public access blocked, ACLs disabled, TLS only), holds nothing but logs
 * (no notification, no crawler, no replication), and keeps them `retentionDays`. Facts of the S3
 * user guide it follows:
 * - the target bucket must be in the source's region and account;
 * - its default encryption may only be SSE-S3: "Default server-side encryption with AWS Key
 *   Management Service (AWS KMS) keys (SSE-KMS) is not supported" (a KMS default silently stops
 *   delivery, aws-cloudformation/cloudformation-cli#986), so it uses AES256, not the lake key;
 * - with ACLs disabled (BucketOwnerEnforced) the logging service principal is admitted by the bucket
 *   policy, `s3:PutObject` on the log prefix, for the source bucket (`aws:SourceArn`) in this
 *   account (`aws:SourceAccount`); no target grants;
 * - it must not have Object Lock, and should not log itself.
 */
export class AccessLogBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly policy: aws.s3.BucketPolicy;
    readonly logging: aws.s3.BucketLogging;

    constructor(name: string, ctx: LakeContext, args: AccessLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("AccessLogBucket"), name, {}, opts);
        const child = { parent: this };
        const region = args.region !== undefined ? { region: args.region } : {};

        // The bucket carries the component's name: `<stack>-access-logs` stays within S3's 63
        // characters, with Pulumi's suffix, at the longest stack name. SSE-S3 only (no kmsKeyArn): a
        // log target with SSE-KMS default encryption receives no logs (see above).
        const { bucket, publicAccess } = privateBucket({ bucket: name, prefix: name }, { retain: ctx.retain, region: args.region }, this);
        this.bucket = bucket;
        const bucketId = this.bucket.id;
        const versioning = args.versioning
            ? new aws.s3.BucketVersioning(
                  `${name}-versioning`,
                  { ...region, bucket: bucketId, versioningConfiguration: { status: "Enabled" } },
                  child,
              )
            : undefined;
        const [abort, ...versions] = housekeepingRules({ ...ctx.settings, versioning: args.versioning });
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                ...region,
                bucket: bucketId,
                rules: [
                    abort,
                    {
                        id: "expire-access-logs",
                        status: "Enabled",
                        filter: { prefix: ACCESS_LOG_PREFIX },
                        expiration: { days: ctx.settings.accessLogDays },
                    },
                    ...versions,
                ],
            },
            { ...child, dependsOn: versioning ? [versioning] : [] },
        );

        this.policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                ...region,
                bucket: bucketId,
                policy: pulumi
                    .all([this.bucket.arn, args.source.arn, ctx.accountId])
                    .apply(([logBucketArn, sourceBucketArn, accountId]) =>
                        JSON.stringify(accessLogBucketPolicy({ logBucketArn, prefix: ACCESS_LOG_PREFIX, sourceBucketArn, accountId })),
                    ),
            },
            { ...child, dependsOn: [publicAccess] },
        );

        // Logging starts once the policy admits the logging service, so no log is refused.
        this.logging = new aws.s3.BucketLogging(
            `${name}-logging`,
            {
                ...region,
                bucket: args.source.bucket,
                targetBucket: this.bucket.bucket,
                targetPrefix: ACCESS_LOG_PREFIX,
            },
            { ...child, dependsOn: [this.policy] },
        );

        this.registerOutputs({ bucketName: this.bucket.bucket });
    }
}
