/**
 * IAM, resource and key policy documents, as pure functions of ARNs and names. Components wire
 * them with `pulumi.all(...).apply(...)`; tests (and the IAM access matrix) evaluate them alone.
 */
import { DEFAULT_CRAWLER_LOG_GROUP, encryptedCrawlerLogGroup, logGroupArn } from "./catalog/crawler-logs";

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

const doc = (...statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** `arn:aws:s3:::bucket/prefix/*` for a key prefix without a trailing slash. */
export const objectsUnder = (bucketArn: string, prefix: string) => `${bucketArn}/${prefix}/*`;

/** The principal of a whole AWS account: its IAM policies decide which of its identities act. */
export const accountPrincipal = (account: string, partition = "aws") => `arn:${partition}:iam::${account}:root`;

/**
 * Accounts that share the same set of things (tables, locations, endpoints), each set once: one
 * statement per distinct set keeps a policy small as readers are added. Sorted, so the document is
 * the same whatever the configuration's order.
 */
export function groupByGrants(grants: ReadonlyArray<{ account: string; items: string[] }>): { accounts: string[]; items: string[] }[] {
    const byItems = new Map<string, { accounts: string[]; items: string[] }>();
    for (const g of grants) {
        const items = [...new Set(g.items)].sort();
        if (items.length === 0) continue;
        const key = items.join("\n");
        const group = byItems.get(key) ?? { accounts: [], items };
        if (!group.accounts.includes(g.account)) group.accounts.push(g.account);
        byItems.set(key, group);
    }
    return [...byItems.values()].map((g) => ({ ...g, accounts: g.accounts.sort() })).sort((x, y) => x.accounts[0].localeCompare(y.accounts[0]) || x.items[0].localeCompare(y.items[0]));
}

/** An endpoint another account subscribes itself (the lake does not create that subscription). */
export interface OwnerSubscription {
    account: string;
    protocol: string;
    endpoint: string;
}

/**
 * Lets only S3, for this bucket in this account, publish to the topic; and each account named in
 * `endpointOwners` subscribe exactly its configured endpoints with their protocol, nothing else (no
 * publish, no other endpoint). "The topic owner must give the queue owner's account permission to
 * call the Subscribe action on the topic"; a subscription the queue owner creates needs no
 * confirmation (https://docs.aws.amazon.com/sns/latest/dg/sns-send-message-to-sqs-cross-account.html;
 * the same for a function of another account: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html).
 * `sns:Protocol` and `sns:Endpoint` are the keys SNS evaluates for Subscribe
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
 */
export function topicPolicy(a: { topicArn: string; bucketArn: string; accountId: string; partition?: string; endpointOwners?: OwnerSubscription[] }): PolicyDocument {
    const byOwner = new Map<string, OwnerSubscription[]>();
    for (const s of a.endpointOwners ?? []) byOwner.set(`${s.account} ${s.protocol}`, [...(byOwner.get(`${s.account} ${s.protocol}`) ?? []), s]);
    const subscribe: Statement[] = [...byOwner.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([, subs], i) => ({
        Sid: `EndpointOwnerSubscribes${i + 1}`,
        Effect: "Allow",
        Principal: { AWS: accountPrincipal(subs[0].account, a.partition) },
        Action: "sns:Subscribe",
        Resource: a.topicArn,
        Condition: { StringEquals: { "sns:Protocol": subs[0].protocol, "sns:Endpoint": [...new Set(subs.map((s) => s.endpoint))].sort() } },
    }));
    return doc({
        Sid: "AllowS3PublishFromLakeBucket",
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sns:Publish",
        Resource: a.topicArn,
        Condition: {
            ArnLike: { "aws:SourceArn": a.bucketArn },
            StringEquals: { "aws:SourceAccount": a.accountId },
        },
    }, ...subscribe);
}

/**
 * Lets only this topic send to the queue.
 * https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html
 */
export function queuePolicy(a: { queueArn: string; topicArn: string }): PolicyDocument {
    return doc({
        Sid: "AllowLakeTopicSend",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: a.queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": a.topicArn } },
    });
}

/**
 * Denies every request to the bucket that does not use TLS.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit
 */
export function bucketTlsOnlyPolicy(a: { bucketArn: string }): PolicyDocument {
    return doc({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [a.bucketArn, `${a.bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
}

/** What a reader account may read: the current export folders (key prefixes, no trailing slash) of its tables. */
export interface ReaderLocations {
    account: string;
    locations: string[];
}

/**
 * The lake bucket's policy: every request without TLS denied (`bucketTlsOnlyPolicy`, first and
 * unchanged), and for each reader account, reads under the current export folders of its tables
 * and nothing else: listing only with an `s3:prefix` under them, `s3:GetObject` on their objects,
 * and the bucket's location (the three actions Athena's guide grants another account on a bucket,
 * https://docs.aws.amazon.com/athena/latest/ug/cross-account-permissions.html). No write, delete,
 * ACL or version action. A cross-account request needs this grant and the reader's own IAM policy
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html).
 */
export function lakeBucketPolicy(a: { bucketArn: string; partition?: string; readers?: ReaderLocations[] }): PolicyDocument {
    const groups = groupByGrants((a.readers ?? []).map((r) => ({ account: r.account, items: r.locations })));
    const principal = (accounts: string[]) => ({ AWS: accounts.map((x) => accountPrincipal(x, a.partition)) });
    const reads: Statement[] = groups.length === 0 ? [] : [
        {
            Sid: "ReadersLocateLakeBucket",
            Effect: "Allow",
            Principal: principal([...new Set(groups.flatMap((g) => g.accounts))].sort()),
            Action: "s3:GetBucketLocation",
            Resource: a.bucketArn,
        },
        ...groups.flatMap((g, i): Statement[] => [
            {
                Sid: `ReadersListExports${i + 1}`,
                Effect: "Allow",
                Principal: principal(g.accounts),
                Action: "s3:ListBucket",
                Resource: a.bucketArn,
                Condition: { StringLike: { "s3:prefix": g.items.flatMap((l) => [`${l}/`, `${l}/*`]) } },
            },
            { Sid: `ReadersGetExports${i + 1}`, Effect: "Allow", Principal: principal(g.accounts), Action: "s3:GetObject", Resource: g.items.map((l) => objectsUnder(a.bucketArn, l)) },
        ]),
    ];
    return doc(...bucketTlsOnlyPolicy({ bucketArn: a.bucketArn }).Statement, ...reads);
}

/**
 * What a reader may read of the Glue Data Catalog: its tables and their partitions, in the lake's
 * database. The read actions of the resource policy Lake Formation writes for a cross-account table
 * grant (https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-getresourcepolicies.html),
 * without table versions or search, on the catalog, the database and each table, as the Glue and
 * Athena guides name them (https://docs.aws.amazon.com/glue/latest/dg/cross-account-access.html,
 * https://docs.aws.amazon.com/athena/latest/ug/security-iam-cross-account-glue-catalog-access.html).
 */
export const READER_CATALOG_ACTIONS = ["glue:BatchGetPartition", "glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables"];

/**
 * The Data Catalog resource policy of the lake's account and region: each reader account may read
 * its tables' metadata (`READER_CATALOG_ACTIONS`) and nothing else of the catalog.
 */
export function catalogSharingPolicy(a: { partition: string; region: string; accountId: string; database: string; readers: ReadonlyArray<{ account: string; tables: string[] }> }): PolicyDocument {
    const arn = (resource: string) => `arn:${a.partition}:glue:${a.region}:${a.accountId}:${resource}`;
    const groups = groupByGrants(a.readers.map((r) => ({ account: r.account, items: r.tables })));
    return doc(...groups.map((g, i): Statement => ({
        Sid: `ReadersReadTables${i + 1}`,
        Effect: "Allow",
        Principal: { AWS: g.accounts.map((x) => accountPrincipal(x, a.partition)) },
        Action: READER_CATALOG_ACTIONS,
        Resource: [arn("catalog"), arn(`database/${a.database}`), ...g.items.map((t) => arn(`table/${a.database}/${t}`))],
    })));
}

/** Trust policy of a role assumed by an AWS service. */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return doc({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });
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
    if ((a.logs || a.encryptedCatalog) && !a.kmsKeyArn) throw new Error("crawlerPolicy: encrypted logs or catalog need the lake key (kmsKeyArn)");
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
        statements.push({ Sid: "AssociateLakeKeyWithOwnLogGroup", Effect: "Allow", Action: "logs:AssociateKmsKey", Resource: [logGroup, `${logGroup}:*`] });
    }
    if (a.kmsKeyArn) statements.push({ Sid: "DecryptWithLakeKey", Effect: "Allow", Action: "kms:Decrypt", Resource: a.kmsKeyArn });
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
        statements.push({ Sid: "UseEncryptedDataCatalog", Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: a.kmsKeyArn! });
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
            Action: deletable ? ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"] : ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject"],
            Resource: objectsUnder(a.bucketArn, a.prefix),
        },
        // Deletes (a new delete marker in a versioned bucket, never a version) only where an
        // unload writes: earlier exports stay out of the role's reach (docs/security.md F3).
        ...(deletable ? [{
            Sid: "RemoveFilesOfFailedUnloads",
            Effect: "Allow" as const,
            Action: "s3:DeleteObject",
            Resource: [...deletable].sort().map((p) => objectsUnder(a.bucketArn, p)),
        }] : []),
        {
            Sid: "ListExportPrefix",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: a.bucketArn,
            Condition: { StringLike: { "s3:prefix": [`${a.prefix}/`, `${a.prefix}/*`] } },
        },
        { Sid: "LocateBucket", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: a.bucketArn },
    ];
    if (a.kmsKeyArn) {
        statements.push({ Sid: "EncryptWithLakeKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: a.kmsKeyArn });
    }
    return doc(...statements);
}

/**
 * Key policy of the lake's customer-managed key. The account root enables IAM policies (the
 * crawler and Snowflake roles get `kms:*` rights through their own policies); S3 and SNS get
 * what they need to deliver encrypted events. AWS-managed keys cannot be used here: their policies
 * cannot be changed to admit S3 or SNS.
 *
 * With `crawlerLogs`, CloudWatch Logs of the stack's region may use the key for the crawler log
 * groups, and only for them. The Glue guide's key policy admits `logs.<region>.amazonaws.com` with
 * "kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*" ("The
 * Service statement ... is required if you use the key to encrypt CloudWatch Logs",
 * https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html); the
 * CloudWatch Logs guide confines it to log groups with the encryption context
 * `kms:EncryptionContext:aws:logs:arn`, "the ARN of the log group as the value for that key"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). The Glue
 * example also names the crawler roles as principals; here the account root statement leaves them
 * to their own IAM policies (`crawlerPolicy`), as for every other role of the stack: "The principals
 * in the key policy must exist and be visible to KMS"
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html), and the key is created
 * before the roles.
 */
export function lakeKeyPolicy(a: {
    accountId: string;
    partition?: string;
    /** The stack's crawlers write encrypted logs: the region, and the ARN pattern of their log groups (`crawlerLogGroupArnPattern`). */
    crawlerLogs?: { region: string; logGroupArnPattern: string };
    /** Accounts that read exports (`readers`), and the lake's region: they decrypt through S3 there, and only so. */
    readers?: { accounts: string[]; region: string };
}): PolicyDocument {
    const partition = a.partition ?? "aws";
    // A reader decrypts what S3 reads for it, in the lake's region, and nothing else: kms:ViaService
    // "limits use of a KMS key to requests from specified AWS services"
    // (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service);
    // which objects, the bucket policy decides. Cross-account use needs this statement and the
    // reader's own IAM policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html).
    const readers: Statement[] = a.readers && a.readers.accounts.length > 0 ? [{
        Sid: "AllowReadersToDecryptExportsThroughS3",
        Effect: "Allow",
        Principal: { AWS: [...new Set(a.readers.accounts)].sort().map((x) => accountPrincipal(x, partition)) },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": `s3.${a.readers.region}.amazonaws.com` } },
    }] : [];
    const crawlerLogs: Statement[] = a.crawlerLogs ? [{
        Sid: "AllowCloudWatchLogsForCrawlerLogGroups",
        Effect: "Allow",
        Principal: { Service: `logs.${a.crawlerLogs.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { [LOGS_ENCRYPTION_CONTEXT]: a.crawlerLogs.logGroupArnPattern } },
    }] : [];
    return doc(
        {
            Sid: "EnableIamPoliciesOfThisAccount",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${a.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
        {
            // S3 encrypts the events it publishes to the encrypted topic, and the test message it
            // publishes when the notification is written. The S3 user guide's key policy for
            // encrypted notification destinations has no condition ("AWS KMS key policy",
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html),
            // nor has the SNS guide's statement for AWS services that publish to encrypted topics
            // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
            // No AWS source says S3 sends aws:SourceAccount with that KMS request (the IAM guide's
            // aws:SourceAccount example is S3 telling SNS, on the publish the topic policy checks),
            // and a condition S3 does not meet fails the notification's validation at create. The
            // topic policy confines what S3 may publish: the lake bucket of this account only.
            Sid: "AllowS3ToPublishEncryptedEvents",
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
        },
        {
            // SNS writes into the encrypted queues. The SQS and SNS guides document this grant
            // without a condition, and no AWS document says SNS sends aws:SourceAccount with it;
            // the queue policies confine what may send (the lake topic only).
            // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
            // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
            Sid: "AllowSnsToDeliverIntoEncryptedQueues",
            Effect: "Allow",
            Principal: { Service: "sns.amazonaws.com" },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
        },
        {
            // Alarms and rules publish to the (encrypted) alerts topic. AWS documents this grant
            // without a condition; the alerts topic policy confines who may publish.
            // https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
            Sid: "AllowAlarmsAndRulesToUseTheAlertsTopic",
            Effect: "Allow",
            Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
        },
        ...crawlerLogs,
        ...readers,
    );
}

/**
 * Lets CloudWatch alarms and EventBridge rules of this account (and only those) publish to the
 * alerts topic.
 * https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
 */
export function alertsTopicPolicy(a: { topicArn: string; accountId: string; region: string; partition?: string }): PolicyDocument {
    const partition = a.partition ?? "aws";
    return doc(
        {
            Sid: "AllowAlarmsOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: a.topicArn,
            Condition: { ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${a.region}:${a.accountId}:alarm:*` } },
        },
        {
            Sid: "AllowRulesOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: a.topicArn,
            Condition: { ArnLike: { "aws:SourceArn": `arn:${partition}:events:${a.region}:${a.accountId}:rule/*` } },
        },
    );
}

/**
 * What the role Snowflake assumes to push task error notifications needs: sns:Publish on the
 * alerts topic only (Snowflake's guide grants exactly that), and, when the topic is encrypted with
 * the lake key, the data key and decrypt rights a publisher to an encrypted topic needs.
 * https://docs.snowflake.com/en/user-guide/notifications/creating-notification-integration-amazon-sns
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
export function snowflakeAlertsPolicy(a: { topicArn: string; kmsKeyArn?: string }): PolicyDocument {
    const statements: Statement[] = [{ Sid: "PublishTaskErrorsToAlertsTopic", Effect: "Allow", Action: "sns:Publish", Resource: a.topicArn }];
    if (a.kmsKeyArn) {
        statements.push({ Sid: "EncryptForAlertsTopic", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: a.kmsKeyArn });
    }
    return doc(...statements);
}

/**
 * What SNS needs to log failed deliveries of the lake topic to CloudWatch Logs: SNS writes to log
 * groups named `sns/<region>/<account>/<topic>` (and `.../Failure`).
 * https://docs.aws.amazon.com/sns/latest/dg/sns-topic-attributes.html
 */
export function deliveryStatusLoggingPolicy(a: { partition: string; region: string; accountId: string; topicName: string }): PolicyDocument {
    const group = `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:sns/${a.region}/${a.accountId}/${a.topicName}`;
    return doc({
        Sid: "WriteDeliveryStatusLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutMetricFilter", "logs:PutRetentionPolicy"],
        Resource: [`${group}:*`, `${group}/Failure:*`],
    });
}

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

/**
 * The log bucket's policy: every request without TLS denied, and S3 server access log delivery
 * (the logging service principal) allowed to write under the source bucket's log prefix only, for
 * that source bucket in this account: the form of the S3 user guide, which a bucket with ACLs
 * disabled (BucketOwnerEnforced) must use.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-bucket-policy
 * Nothing else is granted: within the account, IAM policies decide who reads the logs, and no role
 * of the stack is given a grant on the log bucket.
 */
export function accessLogBucketPolicy(a: { logBucketArn: string; prefix: string; sourceBucketArn: string; accountId: string }): PolicyDocument {
    return doc(
        ...bucketTlsOnlyPolicy({ bucketArn: a.logBucketArn }).Statement,
        {
            Sid: "AllowS3ServerAccessLogDelivery",
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${a.logBucketArn}/${a.prefix}*`,
            Condition: {
                ArnLike: { "aws:SourceArn": a.sourceBucketArn },
                StringEquals: { "aws:SourceAccount": a.accountId },
            },
        },
    );
}

/**
 * What S3 needs to replicate the exports to the replica bucket, in the minimum form of the S3 user
 * guide (https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html),
 * narrowed to the export prefix, and without `s3:ReplicateDelete`: delete markers are not
 * replicated (the rule's DeleteMarkerReplication is Disabled), so a delete in the lake never
 * reaches the replica (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html).
 * With KMS: `kms:Decrypt` of the lake key through S3 in the lake's region (`kms:ViaService`), and
 * `kms:Encrypt` and, for the replica bucket's S3 Bucket Key, `kms:Decrypt` of the replica key
 * through S3 in the replica's region.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
 * The guide also suggests a `kms:EncryptionContext:aws:s3:arn` condition. It is left out: S3 can
 * decrypt for the role only objects the role may read (the exports' versions), and the IAM
 * simulator of the access matrix cannot evaluate `kms:EncryptionContext:<key>` keys, so the matrix
 * could not prove the grant works (docs/security.md).
 */
export function replicationPolicy(a: {
    sourceBucketArn: string;
    replicaBucketArn: string;
    /** Key prefix (no trailing slash) that is replicated: the export prefix. */
    prefix: string;
    sourceRegion: string;
    replicaRegion: string;
    sourceKeyArn?: string;
    replicaKeyArn?: string;
}): PolicyDocument {
    const statements: Statement[] = [
        { Sid: "ReadReplicationConfiguration", Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: a.sourceBucketArn },
        {
            Sid: "ReadExportVersions",
            Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: objectsUnder(a.sourceBucketArn, a.prefix),
        },
        { Sid: "WriteReplicas", Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: objectsUnder(a.replicaBucketArn, a.prefix) },
    ];
    if (a.sourceKeyArn) {
        statements.push({
            Sid: "DecryptExportsThroughS3",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: a.sourceKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${a.sourceRegion}.amazonaws.com` } },
        });
    }
    if (a.replicaKeyArn) {
        statements.push({
            Sid: "EncryptReplicasThroughS3",
            Effect: "Allow",
            Action: ["kms:Encrypt", "kms:Decrypt"],
            Resource: a.replicaKeyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${a.replicaRegion}.amazonaws.com` } },
        });
    }
    return doc(...statements);
}

/**
 * Key policy of the replica's key: only this account's IAM policies decide (the replication role's
 * policy grants it encrypt rights through S3). No service principal needs it directly.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export function replicaKeyPolicy(a: { accountId: string; partition: string }): PolicyDocument {
    return doc({
        Sid: "EnableIamPoliciesOfThisAccount",
        Effect: "Allow",
        Principal: { AWS: `arn:${a.partition}:iam::${a.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
    });
}
