/**
 * The public arguments of `IncrementalLake`, with their defaults. This is the package's contract
 * with every program that uses it, in TypeScript or, through the component provider, in Python,
 * Go, .NET or YAML: the schema (schema.json) is derived from these declarations.
 *
 * Values that decide resource names or counts (tables, prefixes, database names) are plain.
 * `pulumi.Input` is used where a value may come from another resource (`kmsKeyArn`).
 * `validate.ts` checks every value and applies the defaults; the component does so itself.
 */
import * as pulumi from "@pulumi/pulumi";

// Enums are `as const` objects: Pulumi's schema analyzer turns this form, not a union type
// alias, into a schema enum (provider/experimental/analyzer.ts, "Enums are unions of string ...").

/** How objects, events and messages are encrypted at rest. */
export const Encryption = {
    /** S3-managed keys on the bucket, SSE-SQS on the queues, an unencrypted topic. */
    SseS3: "sse-s3",
    /** One customer-managed KMS key for bucket, topic and queues (created, or `kmsKeyArn`). */
    Kms: "kms",
} as const;
export type Encryption = (typeof Encryption)[keyof typeof Encryption];

/** How the partition folder value is derived from the partition column. */
export const PartitionGranularity = {
    /** `dt=YYYY-MM-DD` of a DATE or TIMESTAMP column (UTC). */
    Day: "day",
    /** `dt=YYYY-MM` of a DATE or TIMESTAMP column (UTC). */
    Month: "month",
    /** `dt=YYYY-MM-DD-HH` of a TIMESTAMP column (UTC). */
    Hour: "hour",
    /** `<column>=<value>` of a text, number or boolean column. */
    Value: "value",
} as const;
export type PartitionGranularity = (typeof PartitionGranularity)[keyof typeof PartitionGranularity];

/** How a further subscriber of a table's events receives them (an SNS subscription protocol). */
export const SubscriberProtocol = {
    /** An SQS queue (`endpoint`: its ARN); raw delivery: the queue receives the S3 event itself. */
    Sqs: "sqs",
    /** A Lambda function (`endpoint`: its ARN); SNS wraps the S3 event (Lambda takes no raw delivery). */
    Lambda: "lambda",
    /** An HTTPS endpoint (`endpoint`: its https:// URL), which confirms the subscription; raw delivery. */
    Https: "https",
} as const;
export type SubscriberProtocol = (typeof SubscriberProtocol)[keyof typeof SubscriberProtocol];

/** Who creates a subscriber's SNS subscription. */
export const SubscribedBy = {
    /**
     * The lake: the subscription is the stack's, with the table's filter, raw delivery where the
     * protocol has it, and redrive into the lake's undelivered-events queue. For HTTPS endpoints and
     * for queues and functions of the lake's own account.
     */
    Lake: "lake",
    /**
     * The endpoint's owner, from its own account (a queue or function of another account): the topic
     * policy lets that account subscribe exactly this endpoint; the owner sets the filter, raw
     * delivery and a dead-letter queue of its own account.
     */
    EndpointOwner: "endpoint-owner",
} as const;
export type SubscribedBy = (typeof SubscribedBy)[keyof typeof SubscribedBy];

/** A further consumer of one table's object-created events, besides its crawler. */
export interface EventSubscriber {
    protocol: SubscriberProtocol;
    /** The queue's or function's ARN (a function's optionally with a version or alias), or the https:// URL (no credentials in it). Each endpoint once per lake. */
    endpoint: string;
    /** Default: `lake`. A queue or function of another account needs `endpoint-owner`. */
    subscribedBy?: SubscribedBy;
}

/** One column of an exported table. */
export interface ExportColumn {
    /** Upper-case Snowflake column name. */
    name: string;
    /** Snowflake data type, e.g. `NUMBER(38,0)`, `VARCHAR(32)`, `DATE`, `TIMESTAMP_TZ` (not bare TIMESTAMP). */
    type: string;
    /** Whether the column takes NULL. Default: true. */
    nullable?: boolean;
}

/** One table moved from Snowflake to the lake. */
export interface ExportTable {
    /** Upper-case Snowflake identifier of at most 128 characters; lower-cased, it is the S3 folder and the Glue table. */
    name: string;
    /** The table's columns, at least one. */
    columns: ExportColumn[];
    /** A column of the table whose value names the partition folder. */
    partitionBy: string;
    /**
     * Default: `day` for DATE and TIMESTAMP columns (TIMESTAMP_TZ/LTZ in UTC, others as stored),
     * `value` for others: `p_<column>=<value>`, every character but letters, digits, `_` and `.`
     * turned into `_` (so `a-b` and `a b` share a folder). NULL and empty values land in
     * `__HIVE_DEFAULT_PARTITION__`. No column may be named like the partition key (`DT`,
     * `P_<COLUMN>`): Athena refuses a column repeated as a partition key.
     */
    partitionGranularity?: PartitionGranularity;
    /**
     * `DATABASE.SCHEMA.TABLE` of an existing table to export; the component then does not create
     * the table. Unset: the component creates it in `snowflakeDatabase`.`snowflakeSchema`.
     */
    source?: string;
    /** Export generation, default 1. Raising it starts a new export: the whole table again, in a new folder. */
    generation?: number;
    /**
     * Days the table's exported objects are kept, 1 to 36500: S3 Lifecycle expires them under the
     * table's folder, in the lake and in its replica, and their noncurrent versions
     * `noncurrentVersionDays` later. Unset: kept until deleted. Snowflake keeps the rows.
     */
    retentionDays?: number;
    /**
     * The table's storage classes by age, replacing the lake's `storageTiers` (`[]`: the table's
     * objects stay in STANDARD). Each `CLASS:DAYS`: objects move to CLASS when DAYS old. Classes:
     * STANDARD_IA (from 30 days), INTELLIGENT_TIERING, GLACIER_IR; GLACIER and DEEP_ARCHIVE only with
     * `archived`. Listed by age, down S3's supported transitions, each kept its minimum storage
     * duration (STANDARD_IA 30 days, GLACIER_IR and GLACIER 90, DEEP_ARCHIVE 180) before the next
     * tier and before `retentionDays` deletes the objects. Objects under 128 KB stay in STANDARD.
     */
    storageTiers?: string[];
    /**
     * The table's old objects may move to GLACIER or DEEP_ARCHIVE, which Athena skips: its queries
     * and `verify` no longer see the rows of archived objects until they are restored. Needs such a
     * tier in the table's own `storageTiers`. Default: false.
     */
    archived?: boolean;
    /**
     * Further subscribers of the table's object-created events (SQS queues, Lambda functions,
     * HTTPS endpoints), each filtered to the table's folder. Default: none.
     */
    subscribers?: EventSubscriber[];
}

/**
 * The non-secret Snowflake identity of the explicit Snowflake provider and of the unload command.
 * Credentials never go here: they come from the environment of `pulumi up` (SNOWFLAKE_PRIVATE_KEY).
 */
export interface SnowflakeConnection {
    organizationName?: string;
    accountName?: string;
    user?: string;
    role?: string;
    authenticator?: string;
}

/**
 * Everything `IncrementalLake` takes. Only `tables` is required; the defaults are `LAKE_DEFAULTS`.
 * A stack of this project sets the same keys as `incremental-crawl:<key>` (`snowflakeConnection` and
 * `snowflakePreviewFeatures` as the Snowflake provider's `snowflake:*` settings).
 */
export interface IncrementalLakeArgs {
    /**
     * The tables to move: at least one; with their subscribers, at most `maxFilterPolicies` (each
     * table's queue and each subscriber holds one SNS filter policy); and no more than the
     * Snowflake unload role's policy can name within IAM's 10,240 characters (about 100 tables of
     * short names), nor, with readers, the bucket policy within S3's 20 KB.
     */
    tables: ExportTable[];
    /**
     * A production lake keeps its data on `pulumi destroy` (buckets, Glue database, Snowflake
     * database, KMS keys) and protects the storage integration; it requires `kms` encryption,
     * versioning, an audit trail and a `replicaRegion`.
     */
    production?: boolean;
    /**
     * S3 key prefix of the exports: each table lands under `<exportPrefix>/<table>/<export>/dt=.../`.
     * Not `athena-results` or under it, where Athena's query results expire.
     */
    exportPrefix?: string;
    /**
     * `sse-s3` (S3-managed keys, SSE-SQS on the queues, an unencrypted topic) or `kms` (one
     * customer-managed KMS key for bucket, topic and queues).
     */
    encryption?: Encryption;
    /**
     * An existing customer-managed KMS key to use instead of creating one (with `encryption: kms`).
     * Its key policy must admit what the lake's own key policy admits (`lakeKeyPolicy`, lake/policy-documents.ts).
     * A key of the lake's region: S3 and CloudWatch Logs use no other.
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Encrypt the Glue Data Catalog of the whole AWS account in this region with the lake key: an
     * account-wide setting, so one stack of an account at most; production with `kms` only.
     */
    glueCatalogEncryption?: boolean;
    /**
     * AWS accounts that may read the lake: `<account id>` reads every table, `<account id>:<TABLE>`
     * one table (its current export, through S3, the lake key and, with `glueCatalogResourcePolicy`,
     * the Glue table). Never the lake's own account.
     */
    readers?: string[];
    /**
     * Share the readers' Glue tables through the Data Catalog resource policy of the whole AWS account
     * in this region (one per account and region: one stack of an account at most); refused with
     * `glueCatalogEncryption`.
     */
    glueCatalogResourcePolicy?: boolean;
    /**
     * SNS filter policies the lake topic may hold, one per table and one per subscriber: SNS's
     * default and adjustable quota; raise it only after AWS raised yours.
     */
    maxFilterPolicies?: number;
    /** Keep object versions in the lake bucket. */
    versioning?: boolean;
    /**
     * Storage classes by age for every table without `storageTiers` of its own, each `CLASS:DAYS`
     * (`["STANDARD_IA:30", "GLACIER_IR:120"]`: objects move to CLASS when DAYS old): STANDARD_IA
     * (from 30 days), INTELLIGENT_TIERING (its instant-access tiers only) or GLACIER_IR, the classes
     * Athena reads. The replica follows the same tiers; noncurrent versions stay in the class they
     * were in until they expire. `[]`: objects stay in STANDARD.
     */
    storageTiers?: string[];
    /** Days after which a noncurrent object version is deleted (with versioning). */
    noncurrentVersionDays?: number;
    /** Days after which incomplete multipart uploads are aborted. */
    abortIncompleteUploadDays?: number;
    /** Days Athena query results are kept under `athena-results/`. */
    athenaResultsDays?: number;
    /**
     * Days an S3 event waits in a table's queue (1-13, below the dead-letter queue's 14): at least
     * twice the longest interval between crawls (2 days with the default `safetyNetSchedule`).
     */
    queueRetentionDays?: number;
    /** Receives after which an event moves to the table's dead-letter queue. */
    maxReceiveCount?: number;
    /**
     * New objects of a table that start its crawl at once (1-100, the Glue EVENT trigger's
     * BatchSize); fewer start it after `crawlBatchWindowSeconds`.
     */
    crawlBatchSize?: number;
    /**
     * Seconds after a table's first new object that its crawl starts (1-900, the Glue EVENT
     * trigger's BatchWindow); the longest wait is this plus a crawl.
     */
    crawlBatchWindowSeconds?: number;
    /**
     * Crawl every table on `safetyNetSchedule` besides the crawls on arrival, for events whose crawl
     * on arrival did not happen. False needs `safetyNetSchedule: "none-events-may-expire"`, the
     * acknowledgement that events whose crawl did not start wait for their table's next arrival and
     * may expire.
     */
    safetyNetCrawl?: boolean;
    /**
     * When the fallback crawl runs: a Glue cron expression whose longest gap is at most half of
     * `queueRetentionDays` (the default: daily, 03:15 UTC), with `*` for the year, or
     * `"none-events-may-expire"` to crawl on arrival only.
     */
    safetyNetSchedule?: string;
    /** Glue (and Athena) database of the lake tables. */
    glueDatabase?: string;
    /** Email addresses subscribed to the alerts topic. */
    alertEmails?: string[];
    /** Snowflake database the component creates for the stage, streams, tasks and created tables. */
    snowflakeDatabase?: string;
    /** Schema in `snowflakeDatabase`. */
    snowflakeSchema?: string;
    /** Existing Snowflake warehouse that runs the backfill and the unload tasks. */
    snowflakeWarehouse?: string;
    /** Minutes between runs of each table's incremental unload task (it runs only when the stream has rows). */
    taskScheduleMinutes?: number;
    /**
     * Minutes a run of a table's unload task may take before Snowflake cancels it (1-10080, the task's
     * USER_TASK_TIMEOUT_MS); a cancelled run commits nothing and the next one unloads its rows.
     */
    taskTimeoutMinutes?: number;
    /** Upper bound of each unloaded Parquet file, in MB (Snowflake's MAX_FILE_SIZE). */
    maxFileSizeMb?: number;
    /**
     * Who read or deleted lake objects: `access-logs` (S3 server access logs in a log bucket of the
     * lake's own), `cloudtrail:<trail ARN>` (an existing trail that records the lake's S3 data
     * events) or `none` (refused in production).
     */
    auditTrail?: string;
    /** Days the access logs are kept in the log bucket (with `auditTrail: access-logs`). */
    accessLogDays?: number;
    /**
     * Region of the recovery replica of the exports (cross-region replication; deletes are not
     * replicated). `""`: none, refused in production. Needs versioning, and a region of the lake's
     * partition (S3 replicates only within one).
     */
    replicaRegion?: string;
    /** The Snowflake identity (never a credential). Default: the SNOWFLAKE_* environment. */
    snowflakeConnection?: SnowflakeConnection;
    /** Extra entries for the Snowflake provider's `previewFeaturesEnabled`. */
    snowflakePreviewFeatures?: string[];
}

/**
 * SNS allows 200 filter policies per topic by default, an adjustable quota
 * (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html): one per
 * table (its crawler's queue) and one per further subscriber of a table.
 */
export const SNS_FILTER_POLICIES_PER_TOPIC = 200;

/**
 * The defaults of the optional plain settings: the one place they are written. `npm run generate`
 * derives the project's Pulumi.yaml declarations and docs/configuration.md from them and from the
 * TSDoc above.
 */
export const LAKE_DEFAULTS = {
    production: false,
    exportPrefix: "exports",
    encryption: Encryption.SseS3 as Encryption,
    glueCatalogEncryption: false,
    versioning: true,
    storageTiers: [] as string[],
    noncurrentVersionDays: 30,
    abortIncompleteUploadDays: 7,
    athenaResultsDays: 30,
    queueRetentionDays: 7,
    maxReceiveCount: 5,
    crawlBatchSize: 100,
    crawlBatchWindowSeconds: 300,
    safetyNetCrawl: true,
    safetyNetSchedule: "cron(15 3 * * ? *)",
    glueDatabase: "lake",
    alertEmails: [] as string[],
    snowflakeDatabase: "LAKE_EXPORT",
    snowflakeSchema: "EXPORT",
    snowflakeWarehouse: "COMPUTE_WH",
    taskScheduleMinutes: 60,
    taskTimeoutMinutes: 240,
    maxFileSizeMb: 64,
    auditTrail: "access-logs",
    accessLogDays: 365,
    replicaRegion: "",
    readers: [] as string[],
    glueCatalogResourcePolicy: false,
    maxFilterPolicies: SNS_FILTER_POLICIES_PER_TOPIC,
};

/** Every key of IncrementalLakeArgs. */
export const ARG_KEYS = [...Object.keys(LAKE_DEFAULTS), "tables", "kmsKeyArn", "snowflakeConnection", "snowflakePreviewFeatures"] as const;
export const TABLE_KEYS = [
    "name",
    "columns",
    "partitionBy",
    "partitionGranularity",
    "source",
    "generation",
    "retentionDays",
    "storageTiers",
    "archived",
    "subscribers",
] as const;
export const SUBSCRIBER_KEYS = ["protocol", "endpoint", "subscribedBy"] as const;
export const COLUMN_KEYS = ["name", "type", "nullable"] as const;
export const SNOWFLAKE_CONNECTION_KEYS = ["organizationName", "accountName", "user", "role", "authenticator"] as const;

/** The most tables a lake holds under SNS's default quota of filter policies (no subscribers). */
export const MAX_TABLES = SNS_FILTER_POLICIES_PER_TOPIC;
