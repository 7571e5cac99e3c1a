/** The catalog's policies (crawler role, crawl on arrival, catalog sharing), as pure functions of ARNs and names. */
import { Statement, PolicyDocument, doc, keyUse, objectsUnder, accountPrincipal, groupByGrants } from "../policy-document";
import { DEFAULT_CRAWLER_LOG_GROUP, encryptedCrawlerLogGroup, logGroupArn } from "./crawler-logs";

/**
 * What a reader may read of the Glue Data Catalog: its tables and their partitions, in the lake's
 * database. The read actions of the resource policy Lake Formation writes for a cross-account table
 * grant (https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-getresourcepolicies.html),
 * without table versions or search, on the catalog, the database and each table, as the Glue and
 * Athena guides name them (https://docs.aws.amazon.com/glue/latest/dg/cross-account-access.html,
 * https://docs.aws.amazon.com/athena/latest/ug/security-iam-cross-account-glue-catalog-access.html).
 */
export const READER_CATALOG_ACTIONS = [
    "glue:BatchGetPartition",
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:GetTables",
];

/**
 * The Data Catalog resource policy of the lake's account and region: each reader account may read
 * its tables' metadata (`READER_CATALOG_ACTIONS`) and nothing else of the catalog.
 */
export function catalogSharingPolicy(a: {
    partition: string;
    region: string;
    accountId: string;
    database: string;
    readers: ReadonlyArray<{ account: string; tables: string[] }>;
}): PolicyDocument {
    const arn = (resource: string) => `arn:${a.partition}:glue:${a.region}:${a.accountId}:${resource}`;
    const groups = groupByGrants(a.readers.map((r) => ({ account: r.account, items: r.tables })));
    return doc(
        ...groups.map((g, i): Statement => ({
            Sid: `ReadersReadTables${i + 1}`,
            Effect: "Allow",
            Principal: { AWS: g.accounts.map((x) => accountPrincipal(x, a.partition)) },
            Action: READER_CATALOG_ACTIONS,
            Resource: [arn("catalog"), arn(`database/${a.database}`), ...g.items.map((t) => arn(`table/${a.database}/${t}`))],
        })),
    );
}

/**
 * The SQS actions a crawler in event mode needs on its queue and dead-letter queue
 * (https://docs.aws.amazon.com/glue/latest/dg/crawler-s3-event-notifications.html), and
 * sqs:ChangeMessageVisibility, which AWS's own sample policy grants as well
 * (aws-samples/aws-glue-crawler-utilities blog_resources/s3_event_notifications_iam_policy_sqs.json).
 */
export const CRAWLER_QUEUE_ACTIONS = [
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ListDeadLetterSourceQueues",
    "sqs:ListQueueTags",
    "sqs:PurgeQueue",
    "sqs:ReceiveMessage",
    "sqs:SetQueueAttributes",
];

/**
 * Everything a table's crawler role may do, in place of the AWSGlueServiceRole managed policy
 * (which grants glue:* on *, s3:ListBucket on every bucket and objects under any `aws-glue-*` key):
 * - its queue and DLQ (the event-mode actions above);
 * - reads under its table's folder, and the lake bucket's location, ACL and listing of that folder;
 * - on its Glue table only, what a catalog-target crawler does: read the database and the table,
 *   read and add or update partitions ("permission to create and update tables and partitions",
 *   https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html; the action list of
 *   awslabs/data-solutions-framework-on-aws governance data-catalog-database.ts, without the
 *   table-creating and deleting actions a catalog target with DeleteBehavior LOG never takes);
 * - its log stream in /aws-glue/crawlers, where crawlers write one stream per crawler
 *   (https://docs.aws.amazon.com/glue/latest/dg/create-service-policy.html grants these logs actions);
 *   or, with a security configuration (`logs`), its stream in its own encrypted log group
 *   (`encryptedCrawlerLogGroup`), where Glue also associates the configuration's key with the group
 *   (`logs:AssociateKmsKey`), and nothing in /aws-glue/crawlers;
 * - `kms:Decrypt` when the queue and data are encrypted with the lake key; with encrypted logs, the
 *   rest of what the Glue guide asks for the roles passed to crawlers ("kms:Encrypt*", "kms:Decrypt*",
 *   "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*",
 *   https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html), the
 *   encrypting ones only for its own log group: CloudWatch Logs uses the log group's ARN as the
 *   encryption context `kms:EncryptionContext:aws:logs:arn`
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html);
 * - with an encrypted Data Catalog (`encryptedCatalog`), `kms:GenerateDataKey`, `kms:Decrypt` and
 *   `kms:Encrypt` on the lake key, which "any client that accesses or writes to an encrypted
 *   catalog" needs (https://docs.aws.amazon.com/glue/latest/dg/set-up-encryption.html).
 */
export function crawlerPolicy(a: {
    queueArn: string;
    dlqArn: string;
    bucketArn: string;
    /** Key prefix of the table folder, without trailing slash: `exports/orders`. */
    tablePrefix: string;
    kmsKeyArn?: string;
    /** Where its Glue table is: partition, region, account, database and table names. */
    glue: { partition: string; region: string; accountId: string; database: string; table: string };
    crawlerName: string;
    /**
     * The crawler's security configuration encrypts its logs with the lake key (`kmsKeyArn`): its
     * role's name and the configuration's name give the log group it writes to.
     */
    logs?: { roleName: string; securityConfigurationName: string };
    /** The account's Data Catalog is encrypted with the lake key (`kmsKeyArn`). */
    encryptedCatalog?: boolean;
}): PolicyDocument {
    const g = a.glue;
    const glueArn = (resource: string) => `arn:${g.partition}:glue:${g.region}:${g.accountId}:${resource}`;
    if ((a.logs || a.encryptedCatalog) && !a.kmsKeyArn)
        throw new Error("crawlerPolicy: encrypted logs or catalog need the lake key (kmsKeyArn)");
    const logGroupName = a.logs ? encryptedCrawlerLogGroup(a.logs.roleName, a.logs.securityConfigurationName) : DEFAULT_CRAWLER_LOG_GROUP;
    const logGroup = logGroupArn(g, logGroupName);
    const statements: Statement[] = [
        { Sid: "ConsumeOwnEventQueue", Effect: "Allow", Action: CRAWLER_QUEUE_ACTIONS, Resource: [a.queueArn, a.dlqArn] },
        { Sid: "ReadOwnTableObjects", Effect: "Allow", Action: "s3:GetObject", Resource: objectsUnder(a.bucketArn, a.tablePrefix) },
        {
            Sid: "ListOwnTableFolder",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: a.bucketArn,
            Condition: { StringLike: { "s3:prefix": [`${a.tablePrefix}/`, `${a.tablePrefix}/*`] } },
        },
        { Sid: "LocateLakeBucket", Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:GetBucketAcl"], Resource: a.bucketArn },
        {
            Sid: "KeepOwnGlueTable",
            Effect: "Allow",
            Action: CRAWLER_CATALOG_ACTIONS,
            Resource: [glueArn("catalog"), glueArn(`database/${g.database}`), glueArn(`table/${g.database}/${g.table}`)],
        },
        { Sid: "CreateCrawlerLogGroup", Effect: "Allow", Action: "logs:CreateLogGroup", Resource: [logGroup, `${logGroup}:*`] },
        {
            // Read-only: every scoped crawler policy in AWS's and the community's examples grants it.
            Sid: "ListStackGlueTables",
            Effect: "Allow",
            Action: "glue:GetTables",
            Resource: [glueArn("catalog"), glueArn(`database/${g.database}`), glueArn(`table/${g.database}/*`)],
        },
        {
            Sid: "WriteOwnCrawlerLog",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logGroup}:log-stream:${a.crawlerName}`,
        },
    ];
    if (a.logs) {
        statements.push({
            Sid: "AssociateLakeKeyWithOwnLogGroup",
            Effect: "Allow",
            Action: "logs:AssociateKmsKey",
            Resource: [logGroup, `${logGroup}:*`],
        });
    }
    statements.push(...keyUse("DecryptWithLakeKey", a.kmsKeyArn, "kms:Decrypt"));
    if (a.logs) {
        statements.push(
            { Sid: "DescribeLakeKey", Effect: "Allow", Action: "kms:DescribeKey", Resource: a.kmsKeyArn! },
            {
                Sid: "EncryptOwnCrawlerLogs",
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                Resource: a.kmsKeyArn!,
                Condition: { ArnEquals: { [LOGS_ENCRYPTION_CONTEXT]: logGroup } },
            },
        );
    }
    if (a.encryptedCatalog) {
        statements.push({
            Sid: "UseEncryptedDataCatalog",
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:GenerateDataKey"],
            Resource: a.kmsKeyArn!,
        });
    }
    return doc(...statements);
}

/** The encryption context key CloudWatch Logs sets to the log group's ARN when it uses a KMS key. */
export const LOGS_ENCRYPTION_CONTEXT = "kms:EncryptionContext:aws:logs:arn";

/** What a catalog-target crawler does to its one table: read it, and read, add and update its partitions. */
export const CRAWLER_CATALOG_ACTIONS = [
    "glue:BatchCreatePartition",
    "glue:BatchGetPartition",
    "glue:BatchUpdatePartition",
    "glue:CreatePartition",
    "glue:GetDatabase",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:GetTable",
    "glue:UpdatePartition",
    "glue:UpdateTable",
];

/**
 * Trust policy of a table's arrival role: only EventBridge, and only for that table's rule in this
 * account (EventBridge sets aws:SourceArn to the ARN of the rule sending the event and
 * aws:SourceAccount to its account: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
 */
export function eventsRuleTrustPolicy(a: { ruleArn: string; accountId: string }): PolicyDocument {
    return doc({
        Sid: "OwnRuleOnly",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { ArnEquals: { "aws:SourceArn": a.ruleArn }, StringEquals: { "aws:SourceAccount": a.accountId } },
    });
}

/**
 * What a table's arrival rule may do with its role: hand its events to its own table's workflow
 * (`glue:NotifyEvent` on that workflow, the permission the Glue guide's EventBridge target needs:
 * https://docs.aws.amazon.com/glue/latest/dg/starting-workflow-eventbridge.html). Nothing else:
 * not StartWorkflowRun, not StartCrawler, no other workflow.
 */
export function notifyWorkflowPolicy(a: { workflowArn: string }): PolicyDocument {
    return doc({ Sid: "NotifyOwnWorkflow", Effect: "Allow", Action: "glue:NotifyEvent", Resource: a.workflowArn });
}
