/**
 * Where a crawler writes its CloudWatch Logs, and how they are encrypted: pure names and documents,
 * wired by `CrawlerLogEncryption` and `TableCrawler`.
 *
 * A crawler without a security configuration writes one log stream per crawler, named after it, in
 * `/aws-glue/crawlers` (https://docs.aws.amazon.com/glue/latest/dg/create-service-policy.html grants
 * the logs actions on `/aws-glue/*`). With a security configuration whose CloudWatch encryption is
 * SSE-KMS, Glue writes instead to a log group of the role and the configuration,
 * `/aws-glue/crawlers-role/<role path without its leading slash><role name>-<security configuration name>`,
 * and associates the configuration's key with it (`logs:AssociateKmsKey`). The Glue guide does not
 * spell that name out; it is the name AWS's own and community deployments scope the crawler role's
 * logs grants to (aws-solutions-library-samples/data-lakes-on-aws#230 "Glue Crawler now requires at
 * least logs:AssociateKmsKey for its log group (when encrypted)", and a Terraform crawler role
 * granting logs:AssociateKmsKey on
 * `/aws-glue/crawlers-role/service-role/${role.name}-${security_configuration.name}:*`), and the one
 * the Glue API documents for jobs (JobRun.LogGroupName: `/aws-glue/jobs-yourRoleName-yourSecurityConfigurationName/`).
 * The program declares that log group itself (see `CrawlerLogEncryption`), so a different name on a
 * live account shows as a crawler that cannot log, which `npm run verify` reports, never as data loss.
 */

/** The name of a table crawler's role (IAM role names: at most 64 characters). */
export function crawlerRoleName(crawlerName: string, bounded: (base: string) => string): string {
    return bounded(`${crawlerName}-crawler`);
}

/** The stack's Glue security configuration for its crawlers (one per stack, account-and-region unique). */
export const crawlerSecurityConfigurationName = (namePrefix: string) => `${namePrefix}-crawler-logs`;

/** The log group Glue writes a crawler's logs to under a security configuration (the program's roles have path `/`). */
export function encryptedCrawlerLogGroup(roleName: string, securityConfigurationName: string, rolePath = "/"): string {
    return `/aws-glue/crawlers-role/${rolePath.replace(/^\//, "")}${roleName}-${securityConfigurationName}`;
}

/** The log group of crawlers without a security configuration. */
export const DEFAULT_CRAWLER_LOG_GROUP = "/aws-glue/crawlers";

/**
 * Days the encrypted crawler log groups keep their events. Glue creates its log groups without a
 * retention (they never expire); a year is the least Checkov CKV_AWS_338 accepts
 * (checkov/terraform/checks/resource/aws/CloudWatchLogGroupRetentionYear.py) and one of the values
 * CloudWatch Logs takes (PutRetentionPolicy; terraform-provider-aws internal/service/logs/group.go
 * validates the same list). The logs hold object keys and partition values, never rows.
 */
export const CRAWLER_LOG_RETENTION_DAYS = 365;

/** `arn:<partition>:logs:<region>:<account>:log-group:<name>`, the form CloudWatch Logs puts in `kms:EncryptionContext:aws:logs:arn`. */
export const logGroupArn = (a: { partition: string; region: string; accountId: string }, name: string) =>
    `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:${name}`;

/**
 * The ARN pattern of every crawler log group of a stack: its crawler roles' names start with the
 * stack's name prefix, and each group ends with the stack's security configuration name.
 */
export function crawlerLogGroupArnPattern(a: { partition: string; region: string; accountId: string; namePrefix: string }): string {
    return logGroupArn(a, encryptedCrawlerLogGroup(`${a.namePrefix}-*`, crawlerSecurityConfigurationName(a.namePrefix)));
}

/**
 * The security configuration's encryption: CloudWatch Logs SSE-KMS under the lake key, which is
 * what a crawler uses ("Attach a security configuration to an AWS Glue crawler to write encrypted
 * Amazon CloudWatch Logs", https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html).
 * S3 encryption (for data a job writes) and job bookmark encryption (CSE-KMS) are set as well, under
 * the same key, although crawlers write neither: the configuration cannot become a hole the day it
 * is attached to a job, and Checkov's CKV_AWS_99 asks for all three
 * (checkov/terraform/checks/resource/aws/GlueSecurityConfiguration.py). Modes and fields:
 * https://docs.aws.amazon.com/glue/latest/dg/console-security-configurations.html (S3: SSE-KMS or
 * SSE-S3; CloudWatch Logs: SSE-KMS; job bookmarks: CSE-KMS).
 */
export function crawlerEncryptionConfiguration<K>(kmsKeyArn: K) {
    return {
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn },
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn },
    };
}
