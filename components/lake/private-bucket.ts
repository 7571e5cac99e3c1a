import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucket {
    bucket: aws.s3.Bucket;
    /** What a bucket policy waits for: S3 refuses a policy the public access block would reject only once the block exists. */
    publicAccess: aws.s3.BucketPublicAccessBlock;
}

/**
 * The baseline every bucket of the lake shares (lake, replica, access logs): no ACL or bucket
 * policy can make it public, and ACLs are disabled so that the bucket owner owns every object,
 * whoever writes it (Snowflake's role, S3 replication, log delivery). A retained bucket (and so
 * its data) outlives `pulumi destroy`; otherwise it is emptied and removed with the stack.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 *
 * Default encryption: SSE-KMS with `kmsKeyArn` and an S3 Bucket Key (fewer KMS requests), else
 * SSE-S3. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
 */
export function privateBucket(
    names: { bucket: string; prefix: string },
    args: { retain: boolean; region?: pulumi.Input<string>; kmsKeyArn?: pulumi.Input<string> },
    parent: pulumi.Resource,
): PrivateBucket {
    const child = { parent };
    const region = args.region !== undefined ? { region: args.region } : {};
    const bucket = new aws.s3.Bucket(names.bucket, { ...region, forceDestroy: !args.retain }, { ...child, retainOnDelete: args.retain });
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        `${names.prefix}-public-access`,
        {
            ...region,
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        child,
    );
    new aws.s3.BucketOwnershipControls(
        `${names.prefix}-ownership`,
        { ...region, bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${names.prefix}-encryption`,
        {
            ...region,
            bucket: bucket.id,
            rules: [
                args.kmsKeyArn
                    ? {
                          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                          bucketKeyEnabled: true,
                      }
                    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ],
        },
        child,
    );
    return { bucket, publicAccess };
}
