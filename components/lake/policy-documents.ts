/**
 * The lake's resource, key and role policies (bucket, topic, queues, key, access logs, replica), as
 * pure functions of ARNs and names: the components wire them with `pulumi.all(...).apply(...)`;
 * tests and the IAM access matrix evaluate them alone.
 */
import { Statement, PolicyDocument, doc, objectsUnder, accountPrincipal, groupByGrants } from "../policy-document";
import { LOGS_ENCRYPTION_CONTEXT } from "../catalog/policy-documents";

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
export function topicPolicy(a: {
    topicArn: string;
    bucketArn: string;
    accountId: string;
    partition?: string;
    endpointOwners?: OwnerSubscription[];
}): PolicyDocument {
    const byOwner = new Map<string, OwnerSubscription[]>();
    for (const s of a.endpointOwners ?? [])
        byOwner.set(`${s.account} ${s.protocol}`, [...(byOwner.get(`${s.account} ${s.protocol}`) ?? []), s]);
    const subscribe: Statement[] = [...byOwner.entries()]
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([, subs], i) => ({
            Sid: `EndpointOwnerSubscribes${i + 1}`,
            Effect: "Allow",
            Principal: { AWS: accountPrincipal(subs[0].account, a.partition) },
            Action: "sns:Subscribe",
            Resource: a.topicArn,
            Condition: {
                StringEquals: { "sns:Protocol": subs[0].protocol, "sns:Endpoint": [...new Set(subs.map((s) => s.endpoint))].sort() },
            },
        }));
    return doc(
        {
            Sid: "AllowS3PublishFromLakeBucket",
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: "sns:Publish",
            Resource: a.topicArn,
            Condition: {
                ArnLike: { "aws:SourceArn": a.bucketArn },
                StringEquals: { "aws:SourceAccount": a.accountId },
            },
        },
        ...subscribe,
    );
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
    const reads: Statement[] =
        groups.length === 0
            ? []
            : [
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
                      {
                          Sid: `ReadersGetExports${i + 1}`,
                          Effect: "Allow",
                          Principal: principal(g.accounts),
                          Action: "s3:GetObject",
                          Resource: g.items.map((l) => objectsUnder(a.bucketArn, l)),
                      },
                  ]),
              ];
    return doc(...bucketTlsOnlyPolicy({ bucketArn: a.bucketArn }).Statement, ...reads);
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
    const readers: Statement[] =
        a.readers && a.readers.accounts.length > 0
            ? [
                  {
                      Sid: "AllowReadersToDecryptExportsThroughS3",
                      Effect: "Allow",
                      Principal: { AWS: [...new Set(a.readers.accounts)].sort().map((x) => accountPrincipal(x, partition)) },
                      Action: "kms:Decrypt",
                      Resource: "*",
                      Condition: { StringEquals: { "kms:ViaService": `s3.${a.readers.region}.amazonaws.com` } },
                  },
              ]
            : [];
    const crawlerLogs: Statement[] = a.crawlerLogs
        ? [
              {
                  Sid: "AllowCloudWatchLogsForCrawlerLogGroups",
                  Effect: "Allow",
                  Principal: { Service: `logs.${a.crawlerLogs.region}.amazonaws.com` },
                  Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                  Resource: "*",
                  Condition: { ArnLike: { [LOGS_ENCRYPTION_CONTEXT]: a.crawlerLogs.logGroupArnPattern } },
              },
          ]
        : [];
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
 * What SNS needs to log failed deliveries of the lake topic to CloudWatch Logs: SNS writes to log
 * groups named `sns/<region>/<account>/<topic>` (and `.../Failure`).
 * https://docs.aws.amazon.com/sns/latest/dg/sns-topic-attributes.html
 */
export function deliveryStatusLoggingPolicy(a: {
    partition: string;
    region: string;
    accountId: string;
    topicName: string;
}): PolicyDocument {
    const group = `arn:${a.partition}:logs:${a.region}:${a.accountId}:log-group:sns/${a.region}/${a.accountId}/${a.topicName}`;
    return doc({
        Sid: "WriteDeliveryStatusLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutMetricFilter", "logs:PutRetentionPolicy"],
        Resource: [`${group}:*`, `${group}/Failure:*`],
    });
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
export function accessLogBucketPolicy(a: {
    logBucketArn: string;
    prefix: string;
    sourceBucketArn: string;
    accountId: string;
}): PolicyDocument {
    return doc(...bucketTlsOnlyPolicy({ bucketArn: a.logBucketArn }).Statement, {
        Sid: "AllowS3ServerAccessLogDelivery",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${a.logBucketArn}/${a.prefix}*`,
        Condition: {
            ArnLike: { "aws:SourceArn": a.sourceBucketArn },
            StringEquals: { "aws:SourceAccount": a.accountId },
        },
    });
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
        {
            Sid: "ReadReplicationConfiguration",
            Effect: "Allow",
            Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            Resource: a.sourceBucketArn,
        },
        {
            Sid: "ReadExportVersions",
            Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: objectsUnder(a.sourceBucketArn, a.prefix),
        },
        {
            Sid: "WriteReplicas",
            Effect: "Allow",
            Action: ["s3:ReplicateObject", "s3:ReplicateTags"],
            Resource: objectsUnder(a.replicaBucketArn, a.prefix),
        },
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
