/**
 * The changes of the change matrix, with what each does to each stack: run through the lifecycle
 * engine by change-matrix.test.ts, and through the real Pulumi engine by
 * test/engine/change-matrix.engine.ts.
 *
 * Patterns: `<type label> <logical name without "incremental-crawl-<stack>-">`, `*` any text, a
 * leading `?` for "may be absent" (a resource of the target design whose exact shape is the
 * lead's), a trailing ` dbr` / ` cbd` for the replacement mode.
 */
import { stackConfig } from "../../offline";
import { RETURNS } from "../harness/config";

export type Stack = "dev" | "prod";
export type Check = "steps" | "verdicts" | "evaluates" | "safety" | "refused";

export interface Expectation {
    /** The configuration refuses the change for this stack (message pattern). */
    refused?: RegExp;
    create?: string[];
    update?: string[];
    replace?: string[];
    delete?: string[];
    verdicts?: string[];
    /** Re-exports into the location the earlier export is catalogued from are expected (and flagged). */
    duplicatesFlagged?: boolean;
    /** Checks that wait for the lead's changes on main, with why. */
    waitsFor?: Partial<Record<Check, string>>;
}

export interface Case {
    name: string;
    /** Settings of the stack before the change, over its stack file (default: the stack as it is). */
    from?: (stack: Stack) => Record<string, unknown>;
    change: (stack: Stack) => Record<string, unknown>;
    expect: Record<Stack, Expectation>;
    /** In CI's real-engine subset (`ENGINE_MATRIX=ci` in .ci/run): one case per kind of step. */
    ci?: true;
}

export const K = (key: string) => `incremental-crawl:${key}`;
const tablesOf = (stack: Stack): any[] => JSON.parse(stackConfig(stack)[K("tables")]);
/** The same expectation for both stacks, or one made for each. */
const both = (e: Expectation | ((stack: Stack) => Expectation)): Record<Stack, Expectation> =>
    typeof e === "function" ? { dev: e("dev"), prod: e("prod") } : { dev: e, prod: e };
const withOrders = (stack: Stack, edit: (t: any) => any) => ({
    [K("tables")]: tablesOf(stack).map((t) => (t.name === "ORDERS" ? edit(t) : t)),
});
/** An organisation trail: the valid way for a production stack to go without a log bucket of its own. */
const TRAIL = "cloudtrail:arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail";

// Why checks wait (shared wording, so the report can list them).

export const CASES: Case[] = [
    {
        name: "maxFileSizeMb",
        change: (s) => ({ [K("maxFileSizeMb")]: s === "dev" ? 32 : 256 }),
        expect: both({ update: ["snowflake.Task snowflake-*-task", "command.local.Command snowflake-*-backfill"] }),
    },
    {
        name: "snowflakeWarehouse",
        change: (s) => ({ [K("snowflakeWarehouse")]: s === "dev" ? "DEV_WH_2" : "EXPORT_WH_L" }),
        expect: both({
            update: [
                "providers.snowflake snowflake-provider",
                "snowflake.Task snowflake-*-task",
                "command.local.Command snowflake-*-backfill",
            ],
        }),
    },
    {
        name: "taskScheduleMinutes",
        change: (s) => ({ [K("taskScheduleMinutes")]: s === "dev" ? 15 : 10 }),
        expect: { dev: { update: ["snowflake.Task snowflake-orders-task"] }, prod: { update: ["snowflake.Task snowflake-*-task"] } },
    },
    {
        name: "crawlBatchWindowSeconds",
        change: (s) => ({ [K("crawlBatchWindowSeconds")]: s === "dev" ? 120 : 600 }),
        expect: {
            dev: { update: ["glue.Trigger catalog-orders-arrival-trigger", "cloudwatch.MetricAlarm alerts-orders-events-waiting"] },
            prod: { update: ["glue.Trigger catalog-*-arrival-trigger", "cloudwatch.MetricAlarm alerts-*-events-waiting"] },
        },
    },
    {
        name: "safetyNetSchedule",
        change: () => ({ [K("safetyNetSchedule")]: "cron(45 */6 * * ? *)" }),
        // A crawler's schedule updates in place (UpdateCrawler; crawler.go: schedule is not ForceNew).
        expect: { dev: { update: ["glue.Crawler catalog-orders-crawler"] }, prod: { update: ["glue.Crawler catalog-*-crawler"] } },
    },
    {
        name: "the safety net switched off, acknowledged",
        change: () => ({ [K("safetyNetCrawl")]: false, [K("safetyNetSchedule")]: "none-events-may-expire" }),
        expect: both({
            update: ["glue.Crawler catalog-*-crawler"],
            delete: ["cloudwatch.EventRule alerts-safety-net-failed", "cloudwatch.EventTarget alerts-safety-net-failed-target"],
        }),
    },
    {
        name: "a column added",
        change: (s) => withOrders(s, (t) => ({ ...t, columns: [...t.columns, { name: "CHANNEL", type: "VARCHAR(16)" }] })),
        expect: both({
            update: [
                "snowflake.Table snowflake-orders-table",
                "snowflake.Task snowflake-orders-task",
                "command.local.Command snowflake-orders-backfill",
                "?glue.CatalogTable *orders*",
            ],
        }),
    },
    {
        name: "a table added",
        ci: true,
        change: (s) => ({
            [K("tables")]: [...tablesOf(s), RETURNS],
        }),
        // The unload role may delete in the new table's export too; the crawler rules name its crawler.
        expect: both({ create: ["* *-returns-*"], update: ["iam.RolePolicy snowflake-access", "cloudwatch.EventRule alerts-*-failed"] }),
    },
    {
        name: "a table removed",
        ci: true,
        change: (s) => ({ [K("tables")]: tablesOf(s).filter((t) => t.name !== (s === "dev" ? "ORDERS" : "CUSTOMERS")) }),
        expect: {
            dev: { refused: /incremental-crawl:tables: expected a list of 1 to 200 tables/ },
            // The queues (and the Glue table) go with it; CRM.PUBLIC.CUSTOMERS is not the stack's.
            // CUSTOMERS' retention rule goes with it (its objects then stay: docs/security.md, erasing personal
            // data), and the unload role's delete grant on its export.
            prod: {
                delete: ["* *-customers-*"],
                update: [
                    "s3.BucketLifecycleConfiguration lake-lifecycle",
                    "s3.BucketLifecycleConfiguration replica-lifecycle",
                    "iam.RolePolicy snowflake-access",
                    "cloudwatch.EventRule alerts-*-failed",
                ],
                verdicts: ["advisory data-replaced-or-deleted lake-customers-*", "?advisory data-replaced-or-deleted *customers*"],
            },
        },
    },
    {
        name: "glueDatabase",
        ci: true,
        change: (s) => ({ [K("glueDatabase")]: s === "dev" ? "lake_dev_v2" : "lake_v2" }),
        expect: both({
            replace: [
                "glue.CatalogDatabase catalog-database cbd",
                "glue.Crawler catalog-*-crawler dbr",
                "athena.NamedQuery catalog-*-rows dbr",
                "glue.CatalogTable * dbr",
            ],
            // The crawler role's access names the Glue database; the backfill registers partitions in it.
            update: ["athena.Workgroup catalog-workgroup", "iam.RolePolicy catalog-*-access", "command.local.Command snowflake-*-backfill"],
            // dev: the old Glue database is deleted (the catalogue; S3 keeps the data); prod: retained, abandoned.
            verdicts: ["advisory data-replaced-or-deleted catalog-database", "?advisory data-replaced-or-deleted *"],
        }),
    },
    {
        name: "snowflakeDatabase",
        change: (s) => ({ [K("snowflakeDatabase")]: s === "dev" ? "LAKE_EXPORT_DEV_V2" : "LAKE_EXPORT_V2" }),
        expect: both((s) => ({
            replace: [
                "snowflake.Database snowflake-database",
                "snowflake.Schema snowflake-schema",
                "snowflake.FileFormat snowflake-parquet",
                "snowflake.Stage snowflake-stage",
                "snowflake.StreamOnTable snowflake-*-stream",
                "snowflake.Task snowflake-*-task",
                "?snowflake.Table snowflake-*",
                "?command.local.Command snowflake-*-backfill",
                "glue.CatalogTable * dbr",
            ],
            // The unload role's delete grant follows the exports to their new folders.
            update: ["?command.local.Command snowflake-*-backfill", "iam.RolePolicy snowflake-access"],
            // The stream's database is part of the export's identity: the re-export gets a new
            // location, and the Glue table switches to it.
            verdicts: [
                "advisory rows-exported-again snowflake-*-stream",
                "?advisory data-replaced-or-deleted catalog-*",
                ...(s === "dev" ? ["?error data-replaced-or-deleted snowflake-*"] : ["?advisory data-replaced-or-deleted snowflake-*"]),
            ],
        })),
    },
    {
        name: "exportPrefix",
        ci: true,
        change: () => ({ [K("exportPrefix")]: "lake-exports" }),
        expect: both((s) => ({
            replace: [
                "snowflake.StreamOnTable snowflake-*-stream dbr",
                "command.local.Command snowflake-*-backfill cbd",
                "glue.CatalogTable * dbr",
            ],
            update: [
                "snowflake.Task snowflake-*-task",
                "snowflake.Stage snowflake-stage",
                "snowflake.StorageIntegration snowflake-integration",
                "s3.BucketNotification lake-notification",
                "sns.TopicSubscription lake-*-subscription",
                "iam.RolePolicy *-access",
                "iam.Role catalog-*-role",
                "?glue.Crawler catalog-*-crawler",
                // The arrival rule's pattern and the workflow's description name the table's folder.
                "glue.Workflow catalog-*-arrival-workflow",
                "cloudwatch.EventRule catalog-*-arrival-rule",
                // prod: the replication rule's filter and the retention rules follow the prefix.
                ...(s === "prod"
                    ? ["s3.BucketReplicationConfig replica-configuration", "s3.BucketLifecycleConfiguration *-lifecycle"]
                    : []),
            ],
            // The Glue table goes with the old location (its partitions with it): that is the point.
            verdicts: ["advisory rows-exported-again snowflake-*-stream", "advisory data-replaced-or-deleted catalog-*-table"],
        })),
    },
    {
        name: "encryption",
        ci: true,
        change: (s) => ({ [K("encryption")]: s === "dev" ? "kms" : "sse-s3" }),
        expect: {
            dev: {
                // With the key, the crawler's logs are encrypted: a security configuration and the log
                // group it writes to are created, and the crawler is updated in place to name the
                // configuration (security_configuration is not ForceNew: crawler.go), keeping its name
                // and its queue; no event is lost.
                create: [
                    "kms.Key kms-key",
                    "kms.Alias kms-alias",
                    "glue.SecurityConfiguration catalog-crawler-logs-configuration",
                    "cloudwatch.LogGroup catalog-orders-logs",
                ],
                update: [
                    "sns.Topic lake-events",
                    "sns.Topic alerts-topic",
                    "sqs.Queue lake-orders-*",
                    "s3.BucketServerSideEncryptionConfiguration lake-encryption",
                    "athena.Workgroup catalog-workgroup",
                    "iam.RolePolicy *",
                    "snowflake.Stage snowflake-stage",
                    "glue.Crawler catalog-orders-crawler",
                ],
            },
            prod: { refused: /incremental-crawl:encryption/ },
        },
    },
    {
        // The account-wide Data Catalog encryption: an explicit opt-in, refused outside production.
        name: "glueCatalogEncryption",
        change: () => ({ [K("glueCatalogEncryption")]: true }),
        expect: {
            dev: { refused: /incremental-crawl:glueCatalogEncryption: expected false unless the stack is production/ },
            prod: {
                create: ["glue.DataCatalogEncryptionSettings catalog-encryption-settings"],
                update: ["iam.RolePolicy catalog-*-access"],
            },
        },
    },
    {
        name: "versioning",
        change: (s) => ({ [K("versioning")]: s === "dev" }),
        expect: {
            dev: { create: ["s3.BucketVersioning lake-versioning"], update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { refused: /incremental-crawl:versioning/ },
        },
    },
    ...(["generation", "partitioning"] as const).map((name): Case => ({
        name: name === "generation" ? "a table's generation" : "a table's partitioning (day → month)",
        ...(name === "generation" ? { ci: true as const } : {}),
        change: (s) => withOrders(s, (t) => (name === "generation" ? { ...t, generation: 2 } : { ...t, partitionGranularity: "month" })),
        expect: both({
            replace: [
                "snowflake.StreamOnTable snowflake-orders-stream dbr",
                "command.local.Command snowflake-orders-backfill cbd",
                "glue.CatalogTable *orders* dbr",
            ],
            // The unload role's delete grant moves to the new export's folder.
            update: ["snowflake.Task snowflake-orders-task", "iam.RolePolicy snowflake-access"],
            verdicts: ["advisory rows-exported-again snowflake-orders-stream", "advisory data-replaced-or-deleted catalog-orders-table"],
        }),
    })),
    {
        name: "alertEmails",
        change: (s) => ({
            [K("alertEmails")]: s === "dev" ? ["dev-oncall@example.com"] : ["data-platform-oncall@example.com", "lake-owners@example.com"],
        }),
        expect: { dev: { create: ["sns.TopicSubscription alerts-email-0"] }, prod: { create: ["sns.TopicSubscription alerts-email-1"] } },
    },
    {
        // An existing stack without a log bucket (dev: none; prod: a named trail) turns access logs
        // on: the log bucket and the logging configuration are created; the lake bucket is untouched.
        name: "access logs turned on",
        from: (s) => ({ [K("auditTrail")]: s === "dev" ? "none" : TRAIL }),
        change: () => ({ [K("auditTrail")]: "access-logs" }),
        expect: {
            dev: { create: ["* access-logs*"] },
            // prod logs the replica's requests too, in the replica's region.
            prod: { create: ["* access-logs*", "* replica-logs*"] },
        },
    },
    {
        name: "auditTrail none",
        change: (s) => ({ [K("auditTrail")]: s === "dev" ? TRAIL : "none" }),
        // dev declares nothing for either (the trail is not the stack's); prod refuses no audit trail.
        expect: {
            dev: {},
            prod: { refused: /incremental-crawl:auditTrail: expected "access-logs" or "cloudtrail:<trail ARN>" in a production stack/ },
        },
    },
    {
        name: "a table's retention added",
        change: (s) => withOrders(s, (t) => ({ ...t, retentionDays: 365 })),
        // Only the lifecycle rules change (the lake's, and the replica's in prod): no re-export.
        expect: {
            dev: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle", "s3.BucketLifecycleConfiguration replica-lifecycle"] },
        },
    },
    {
        // Storage tiers are lifecycle rules: the lake's configuration (and the replica's in prod) is
        // updated in place; no bucket, object or catalogue entry is touched, nothing is re-exported.
        name: "storage tiers added",
        change: () => ({ [K("storageTiers")]: ["STANDARD_IA:30", "GLACIER_IR:120"] }),
        expect: {
            dev: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle", "s3.BucketLifecycleConfiguration replica-lifecycle"] },
        },
    },
    {
        // ...and removed again: the same two configurations, in place; objects already moved stay in
        // their class (S3 moves nothing back), and none is deleted.
        name: "storage tiers removed",
        from: (s) => ({
            [K("storageTiers")]: ["STANDARD_IA:30", "GLACIER_IR:120"],
            ...withOrders(s, (t) => ({ ...t, archived: true, storageTiers: ["INTELLIGENT_TIERING:0", "GLACIER:365"] })),
        }),
        change: (s) => ({ [K("storageTiers")]: [], [K("tables")]: tablesOf(s) }),
        expect: {
            dev: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle"] },
            prod: { update: ["s3.BucketLifecycleConfiguration lake-lifecycle", "s3.BucketLifecycleConfiguration replica-lifecycle"] },
        },
    },
    {
        // A versioned stack without a replica gets one: everything of the replica is created, the
        // lake bucket and its versioning are untouched. prod cannot drop its replica.
        name: "replica turned on",
        from: (s) => (s === "dev" ? { [K("versioning")]: true } : {}),
        change: (s) => ({ [K("replicaRegion")]: s === "dev" ? "eu-central-1" : "" }),
        expect: {
            dev: { create: ["* replica-*", "iam.Role replica-role", "iam.RolePolicy replica-access"] },
            prod: { refused: /incremental-crawl:replicaRegion: expected an AWS region for the recovery replica in a production stack/ },
        },
    },
    {
        name: "maxReceiveCount",
        change: () => ({ [K("maxReceiveCount")]: 10 }),
        expect: { dev: { update: ["sqs.Queue lake-orders-queue"] }, prod: { update: ["sqs.Queue lake-*-queue"] } },
    },
];
