/**
 * Faithful copies of the AWS managed policies the program attaches, restricted to the statements
 * that bear on the IAM access matrix (S3, SQS, KMS, STS). The IAM matrix refuses a graph that
 * attaches a managed policy not listed here, so it never evaluates a role with part of its
 * permissions missing.
 */

/**
 * `arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole`, policy version v5 (default), edited
 * 2023-09-11, as published at
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGlueServiceRole.html
 *
 * Statements 1 to 4 are copied verbatim: they are every statement that names an S3 action. The
 * policy has no SQS, KMS or STS statement. Left out: statement 5 (`logs:CreateLogGroup`,
 * `logs:CreateLogStream`, `logs:PutLogEvents` on `arn:aws:logs:*:*:/aws-glue/*`) and statement 6
 * (`ec2:CreateTags`, `ec2:DeleteTags` on network interfaces, security groups and instances, with an
 * `aws:TagKeys` condition): neither grants anything on a bucket, queue, key or role.
 *
 * What this means for a crawler role (see docs/security.md):
 * - `s3:ListBucket`, `s3:GetBucketLocation`, `s3:GetBucketAcl` on `*`: the role can list the keys of
 *   every bucket of the account that has no bucket policy refusing it, the lake bucket included,
 *   whatever the inline policy's `s3:prefix` condition says.
 * - `s3:GetObject`, `s3:PutObject`, `s3:DeleteObject` on `arn:aws:s3:::*\/*aws-glue-*\/*`: any object
 *   of any bucket whose key contains `aws-glue-` followed later by `/`.
 */
export const AWS_GLUE_SERVICE_ROLE = {
    arnSuffix: ":iam::aws:policy/service-role/AWSGlueServiceRole",
    source: "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGlueServiceRole.html",
    version: "v5",
    policy: {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: [
                    "glue:*",
                    "s3:GetBucketLocation",
                    "s3:ListBucket",
                    "s3:ListAllMyBuckets",
                    "s3:GetBucketAcl",
                    "ec2:DescribeVpcEndpoints",
                    "ec2:DescribeRouteTables",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcAttribute",
                    "iam:ListRolePolicies",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "cloudwatch:PutMetricData",
                ],
                Resource: ["*"],
            },
            {
                Effect: "Allow",
                Action: ["s3:CreateBucket"],
                Resource: ["arn:aws:s3:::aws-glue-*"],
            },
            {
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"],
            },
            {
                Effect: "Allow",
                Action: ["s3:GetObject"],
                Resource: ["arn:aws:s3:::crawler-public*", "arn:aws:s3:::aws-glue-*"],
            },
        ],
    },
} as const;

/** The managed policies the matrix knows, by the policy ARN without its partition (`:iam::aws:policy/...`). */
export const MANAGED_POLICIES: Record<string, { source: string; policy: unknown }> = {
    [AWS_GLUE_SERVICE_ROLE.arnSuffix]: AWS_GLUE_SERVICE_ROLE,
};

/** The copy of a managed policy by its ARN (any partition), or undefined when the matrix does not know it. */
export function managedPolicy(arn: string): { source: string; policy: unknown } | undefined {
    const m = /^arn:[a-z-]+(:iam::aws:policy\/.+)$/.exec(arn);
    return m ? MANAGED_POLICIES[m[1]] : undefined;
}
