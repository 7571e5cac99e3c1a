import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketTlsOnlyPolicy, replicaKeyPolicy, replicationPolicy } from "./policy-documents";
import { serviceTrustPolicy } from "../policy-document";
import { token } from "../tokens";
import { AccessLogBucket } from "./access-log-bucket";
import { minimumObjectSize, replicaLifecycleRules, RetainedTable, TieredTable } from "./lifecycle-rules";
import { privateBucket } from "./private-bucket";
import { boundedName, LIMITS } from "../naming";
import type { LakeContext } from "../lake-context";

export interface LakeReplicaArgs {
    /** The lake bucket (source): name, ARN, and its versioning, which replication needs first. */
    source: { bucket: pulumi.Input<string>; arn: pulumi.Input<string>; versioning?: pulumi.Resource };
    /** Region of the replica: another region the stack's residency rules allow (`replicaRegion`). */
    region: string;
    /** Tables whose objects expire: their replicas expire alike. */
    retainedTables: RetainedTable[];
    /** Tables whose objects move to cheaper storage classes as they age: their replicas move alike. */
    tieredTables?: TieredTable[];
    /** The replica's requests are logged too (in its region), when the stack keeps access logs. */
    accessLogs: boolean;
}

/**
 * The lake's recovery copy: S3 Cross-Region Replication of the exports to a versioned bucket in
 * another region (CKV_AWS_144, FSBP S3.7). Deletes do not reach it: with a Filter in the rule S3
 * replicates no delete marker unless asked (DeleteMarkerReplication Disabled here), and never
 * replicates the deletion of a version, "This protects data from malicious deletions."
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html
 *
 * So every object the unload role can delete (a delete marker in the lake) stays current in the
 * replica; it expires there only by the replica's own lifecycle, which applies the same table
 * retentions as the lake (S3 does not replicate lifecycle actions). Both buckets must be versioned
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html); objects
 * that existed before the rule are not replicated (S3 Batch Replication copies them once:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-batch.html).
 *
 * Every regional resource here names its region (@pulumi/aws 7 per-resource `region`; "Changing the
 * value of `region` will force resource replacement", terraform-provider-aws
 * website/docs/guides/enhanced-region-support.html.markdown). The replication configuration lives
 * with the source bucket, in the lake's region.
 */
export class LakeReplica extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly key?: aws.kms.Key;
    readonly role: aws.iam.Role;
    readonly configuration: aws.s3.BucketReplicationConfig;
    readonly accessLogs?: AccessLogBucket;

    constructor(name: string, ctx: LakeContext, args: LakeReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("LakeReplica"), name, {}, opts);
        const child = { parent: this };
        const region = { region: args.region };

        if (ctx.kmsKeyArn !== undefined) {
            // A KMS key is regional: the replica needs its own, in its region.
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
            this.key = new aws.kms.Key(
                `${name}-key`,
                {
                    ...region,
                    description: `Replica key for ${name}: the recovery copy of the lake's exports`,
                    enableKeyRotation: true,
                    deletionWindowInDays: ctx.retain ? 30 : 7,
                    policy: pulumi
                        .all([ctx.accountId, ctx.partition])
                        .apply(([accountId, partition]) => JSON.stringify(replicaKeyPolicy({ accountId, partition }))),
                },
                { ...child, retainOnDelete: ctx.retain },
            );
        }

        const { bucket, publicAccess } = privateBucket(
            { bucket: `${name}-bucket`, prefix: name },
            { retain: ctx.retain, region: args.region, kmsKeyArn: this.key?.arn },
            this,
        );
        this.bucket = bucket;
        const bucketId = this.bucket.id;
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { ...region, bucket: bucketId, versioningConfiguration: { status: "Enabled" } },
            child,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                ...region,
                bucket: bucketId,
                rules: replicaLifecycleRules({ ...ctx.settings, ...args, versioning: true }),
                ...minimumObjectSize(args.tieredTables ?? []),
            },
            { ...child, dependsOn: [versioning] },
        );
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            {
                ...region,
                bucket: bucketId,
                policy: this.bucket.arn.apply((bucketArn) => JSON.stringify(bucketTlsOnlyPolicy({ bucketArn }))),
            },
            { ...child, dependsOn: [publicAccess] },
        );

        // The role S3 assumes to replicate: the trust policy of the S3 user guide.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: boundedName(`${ctx.namePrefix}-replication`, LIMITS.iamRole),
                description: "Assumed by S3 to replicate the lake's exports to the recovery replica",
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("s3.amazonaws.com")),
            },
            child,
        );
        const access = new aws.iam.RolePolicy(
            `${name}-access`,
            {
                role: this.role.name,
                policy: pulumi
                    .all([args.source.arn, this.bucket.arn, ctx.region, ctx.kmsKeyArn, this.key?.arn])
                    .apply(([sourceBucketArn, replicaBucketArn, sourceRegion, sourceKeyArn, replicaKeyArn]) =>
                        JSON.stringify(
                            replicationPolicy({
                                sourceBucketArn,
                                replicaBucketArn,
                                prefix: ctx.settings.exportPrefix,
                                sourceRegion,
                                replicaRegion: args.region,
                                sourceKeyArn,
                                replicaKeyArn,
                            }),
                        ),
                    ),
            },
            child,
        );

        // S3 refuses a replication configuration until versioning is on ("Versioning must be
        // 'Enabled' on the bucket", terraform-provider-aws internal/service/s3/bucket_replication_configuration.go).
        this.configuration = new aws.s3.BucketReplicationConfig(
            `${name}-configuration`,
            {
                bucket: args.source.bucket,
                role: this.role.arn,
                rules: [
                    {
                        id: "replicate-exports",
                        status: "Enabled",
                        priority: 1,
                        filter: { prefix: `${ctx.settings.exportPrefix}/` },
                        // A delete in the lake stays a delete in the lake only: the replica keeps the object.
                        deleteMarkerReplication: { status: "Disabled" },
                        destination: {
                            bucket: this.bucket.arn,
                            // Copies start in STANDARD, as the originals do; the replica's lifecycle moves
                            // them down the same storage tiers (replicaLifecycleRules).
                            storageClass: "STANDARD",
                            ...(this.key ? { encryptionConfiguration: { replicaKmsKeyId: this.key.arn } } : {}),
                        },
                        // SSE-KMS objects are replicated only when the rule opts in.
                        ...(this.key ? { sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } } } : {}),
                    },
                ],
            },
            { ...child, dependsOn: [...(args.source.versioning ? [args.source.versioning] : []), versioning, access] },
        );

        if (args.accessLogs) {
            this.accessLogs = new AccessLogBucket(
                `${name}-logs`,
                ctx,
                { source: { bucket: this.bucket.bucket, arn: this.bucket.arn }, versioning: true, region: args.region },
                child,
            );
        }
        this.registerOutputs({ bucketName: this.bucket.bucket });
    }
}
