/**
 * The validated settings the components are built from: `IncrementalLakeArgs` (lake-args.ts) with
 * every default applied and every value checked, as `validate.ts` returns them. The components
 * below IncrementalLake accept them typed and assume they are valid.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CrawlTiming } from "./catalog/arrival";
import type { Encryption, PartitionGranularity, SnowflakeConnection, SubscribedBy, SubscriberProtocol } from "./lake-args";
import type { StorageTier } from "./lake/storage-tiers";

export interface ColumnSpec {
    /** Upper-case Snowflake column name. */
    name: string;
    /** Snowflake data type, upper case, e.g. `NUMBER(38,0)`, `TIMESTAMP_TZ`. */
    type: string;
    nullable: boolean;
}

export interface TableSpec {
    /** Upper-case Snowflake table name; lower-cased it is the S3 folder and the Glue table. */
    name: string;
    columns: ColumnSpec[];
    /** The column whose value names the partition folder. */
    partitionBy: string;
    /** `day`/`month`/`hour` for DATE and TIMESTAMP columns (`dt=...`), `value` for others. */
    partitionGranularity: PartitionGranularity;
    /**
     * `DATABASE.SCHEMA.TABLE` of an existing table to export; the program then does not create
     * the table. Undefined: the program creates the table in the stack's database and schema.
     */
    source?: string;
    /**
     * Export generation, 1 by default. Raising it replaces the table's stream, so the next
     * `pulumi up` re-exports the whole table (a full backfill) without changing its shape.
     */
    generation: number;
    /**
     * Days the table's exported objects are kept, then expired by S3 Lifecycle (with their
     * noncurrent versions and their replicas). Undefined: kept as long as the lake.
     */
    retentionDays?: number;
    /**
     * The storage classes the table's objects move to as they age, in order: its own tiers, else
     * the lake's. Undefined: none, its objects stay in STANDARD.
     */
    storageTiers?: StorageTier[];
    /** Its tiers may archive (GLACIER, DEEP_ARCHIVE): Athena skips archived objects. */
    archived?: boolean;
    /** Further subscribers of the table's object-created events; absent when none. */
    subscribers?: SubscriberSpec[];
}

/** A further subscriber of a table's events, checked. */
export interface SubscriberSpec {
    protocol: SubscriberProtocol;
    /** The queue's or function's ARN, or the https:// URL. */
    endpoint: string;
    subscribedBy: SubscribedBy;
    /** The account of a queue or function (from its ARN); undefined for an HTTPS endpoint. */
    account?: string;
    /** Where it was configured (`tables[0].subscribers[1]`), for problems found at deploy time. */
    path: string;
}

/** One entry of `readers`: an account that may read every table, or one table. */
export interface ReaderGrant {
    account: string;
    /** The table's (Snowflake) name; undefined: every table. */
    table?: string;
    /** Where it was configured (`readers[1]`), for problems found at deploy time. */
    path: string;
}

/**
 * Who read or deleted lake objects: S3 server access logs in a log bucket of the stack's own, an
 * existing (organisation) CloudTrail trail that records S3 data events for the lake, or nothing.
 */
export type AuditTrail = { kind: "access-logs" } | { kind: "cloudtrail"; trailArn: string } | { kind: "none" };

export interface LakeSettings {
    /** A production lake keeps its data on `pulumi destroy`. */
    production: boolean;
    exportPrefix: string;
    encryption: Encryption;
    /** An existing key to use instead of creating one (encryption `kms` only). */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Encrypt the account's Glue Data Catalog in the stack's region with the lake key: an
     * account-wide setting, off unless the stack asks (production stacks with KMS only).
     */
    glueCatalogEncryption: boolean;
    versioning: boolean;
    /** The lake-wide default tiers (each table's own are in `tables`). */
    storageTiers: StorageTier[];
    noncurrentVersionDays: number;
    abortIncompleteUploadDays: number;
    athenaResultsDays: number;
    queueRetentionDays: number;
    maxReceiveCount: number;
    /** Events that start a table's crawl at once (the EVENT trigger's BatchSize, 1-100). */
    crawlBatchSize: number;
    /** Seconds after a table's first new object that its crawl starts (the trigger's BatchWindow, 1-900). */
    crawlBatchWindowSeconds: number;
    /** A safety-net crawl of every table on the crawler's schedule, besides the crawls on arrival (off only when acknowledged). */
    safetyNetCrawl: boolean;
    /** Its Glue cron expression; undefined when the stack switched it off. */
    safetyNetSchedule?: string;
    /** When crawls happen, derived from the settings above. */
    crawl: CrawlTiming;
    glueDatabase: string;
    alertEmails: string[];
    snowflakeDatabase: string;
    snowflakeSchema: string;
    snowflakeWarehouse: string;
    taskScheduleMinutes: number;
    taskTimeoutMinutes: number;
    maxFileSizeMb: number;
    /** Extra entries for the Snowflake provider's `previewFeaturesEnabled`. */
    snowflakePreviewFeatures: string[];
    /**
     * Non-secret Snowflake provider settings (account, user, role...). An explicit provider does not
     * read stack config, so the component passes them; the unload command gets them as BACKFILL_*.
     */
    snowflakeConnection: SnowflakeConnection;
    tables: TableSpec[];
    /** The lake's audit trail (production refuses none). */
    auditTrail: AuditTrail;
    /** Days access logs are kept in the log bucket. */
    accessLogDays: number;
    /** Region of the cross-region recovery replica of the exports; undefined: no replica (production refuses that). */
    replicaRegion?: string;
    /** Accounts that may read the lake, or one table of it, in the order configured. */
    readers: ReaderGrant[];
    /** Share the readers' Glue tables through the account's Data Catalog resource policy. */
    glueCatalogResourcePolicy: boolean;
    /** SNS filter policies the lake topic may hold (tables plus subscribers). */
    maxFilterPolicies: number;
}
