import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Alerts } from "./ops/alerts";
import { Catalog } from "./catalog/catalog";
import { CrawlOnArrival } from "./catalog/crawl-on-arrival";
import { ConsumerQueue } from "./lake/consumer-queue";
import { EventLake } from "./lake/event-lake";
import { ExportLayout, exportLayout } from "./lake/export-layout";
import { AccessLogBucket } from "./lake/access-log-bucket";
import { LakeKey } from "./lake/lake-key";
import { LakeReplica } from "./lake/lake-replica";
import { RetainedTable } from "./lake/lifecycle-rules";
import { boundedName, LIMITS, snowflakeName } from "./naming";
import { partitionKey } from "./warehouse/sql";
import { SnowflakeExport } from "./warehouse/snowflake-export";
import { TableCrawler } from "./catalog/table-crawler";
import { TableExport } from "./warehouse/table-export";
import { token } from "./tokens";
import { Settings, TableSpec } from "./types";

/** Where Athena writes results in the lake bucket (outside the export prefix: no events). */
export const ATHENA_RESULTS_PREFIX = "athena-results";

/** Key prefix of the access logs in a log bucket. */
export const ACCESS_LOG_PREFIX = "access-logs/";

/** Everything the stack declares for one exported table. */
export interface LakeTable {
    spec: TableSpec;
    /** S3 folder and Glue table name, e.g. `orders`. */
    folder: string;
    /** Where the table's current export lives. */
    layout: ExportLayout;
    consumer: ConsumerQueue;
    glueTable: aws.glue.CatalogTable;
    crawler: TableCrawler;
    /** What starts the crawler when the table's objects arrive. */
    arrival: CrawlOnArrival;
    namedQuery: aws.athena.NamedQuery;
    export: TableExport;
}

/**
 * The whole product for one stack: Snowflake unloads tables under `<exportPrefix>/<table>/dt=.../`,
 * S3 events fan out through SNS to one queue per table, an event-mode Glue crawler per table,
 * started when the table's objects arrive (S3 → EventBridge → a Glue workflow's EVENT trigger),
 * catalogues only the new partitions, and Athena reads them.
 */
export class IncrementalLake extends pulumi.ComponentResource {
    readonly key?: LakeKey;
    readonly lake: EventLake;
    readonly catalog: Catalog;
    readonly snowflake: SnowflakeExport;
    readonly alerts: Alerts;
    /** The lake bucket's access logs (auditTrail "access-logs"). */
    readonly accessLogs?: AccessLogBucket;
    /** The recovery replica of the exports (replicaRegion). */
    readonly replica?: LakeReplica;
    /** Per table, keyed by folder name. */
    readonly tables: Record<string, LakeTable> = {};

    constructor(name: string, settings: Settings, opts?: pulumi.ComponentResourceOptions) {
        super(token("IncrementalLake"), name, {}, opts);
        const child = { parent: this };
        const retain = settings.production;
        const namePrefix = `${settings.project}-${settings.stack}`;

        const identity = aws.getCallerIdentityOutput({}, child);
        const partition = aws.getPartitionOutput({}, child).partition;
        const region = aws.getRegionOutput({}, child).region;
        const accountId = identity.accountId;

        this.key = settings.encryption === "kms" ? new LakeKey(`${name}-kms`, { accountId, partition, retain }, child) : undefined;
        const kmsKeyArn = this.key?.arn;

        const tables = settings.tables.map((spec) => {
            const layout = exportLayout(spec, { exportPrefix: settings.exportPrefix, database: settings.snowflakeDatabase, schema: settings.snowflakeSchema });
            return { spec, layout, folder: layout.folder };
        });
        const retainedTables: RetainedTable[] = tables.filter((t) => t.spec.retentionDays !== undefined)
            .map((t) => ({ folder: t.folder, prefix: t.layout.tablePrefix, days: t.spec.retentionDays! }));

        this.lake = new EventLake(`${name}-lake`, {
            accountId,
            region,
            partition,
            exportPrefix: settings.exportPrefix,
            athenaResultsPrefix: ATHENA_RESULTS_PREFIX,
            consumers: tables.map((t) => ({
                name: t.folder,
                // The DLQ adds "-dlq" to the queue's name.
                queueName: boundedName(`${namePrefix}-${t.folder}`, LIMITS.sqsQueue - 4),
                keyPrefix: t.layout.tablePrefix,
            })),
            kmsKeyArn,
            versioning: settings.versioning,
            noncurrentVersionDays: settings.noncurrentVersionDays,
            abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
            athenaResultsDays: settings.athenaResultsDays,
            queueRetentionDays: settings.queueRetentionDays,
            maxReceiveCount: settings.maxReceiveCount,
            retainData: retain,
            retainedTables,
        }, child);

        // The audit trail: the lake bucket's server access logs in a bucket of the stack's own (a
        // stack naming an existing CloudTrail trail, or none, declares nothing here).
        const accessLogs = settings.auditTrail.kind === "access-logs" ? { prefix: ACCESS_LOG_PREFIX, retentionDays: settings.accessLogDays } : undefined;
        if (accessLogs) {
            this.accessLogs = new AccessLogBucket(`${name}-access-logs`, {
                source: { bucket: this.lake.bucket.bucket, arn: this.lake.bucket.arn },
                accountId,
                ...accessLogs,
                versioning: settings.versioning,
                noncurrentVersionDays: settings.noncurrentVersionDays,
                abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
                retain,
            }, child);
        }

        // The recovery copy: the exports replicated to another region, where no delete reaches them.
        if (settings.replicaRegion !== undefined) {
            this.replica = new LakeReplica(`${name}-replica`, {
                source: { bucket: this.lake.bucket.bucket, arn: this.lake.bucket.arn, versioning: this.lake.versioning },
                sourceRegion: region,
                region: settings.replicaRegion,
                accountId,
                partition,
                exportPrefix: settings.exportPrefix,
                sourceKeyArn: kmsKeyArn,
                roleName: boundedName(`${namePrefix}-replication`, LIMITS.iamRole),
                retainedTables,
                accessLogs,
                versioning: true,
                noncurrentVersionDays: settings.noncurrentVersionDays,
                abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
                retain,
            }, child);
        }

        this.catalog = new Catalog(`${name}-catalog`, {
            namePrefix,
            databaseName: settings.glueDatabase,
            bucketName: this.lake.bucket.bucket,
            bucketArn: this.lake.bucket.arn,
            athenaResultsPrefix: ATHENA_RESULTS_PREFIX,
            tables: tables.map((t) => ({
                name: t.folder,
                tablePrefix: t.layout.tablePrefix,
                location: t.layout.location,
                columns: t.spec.columns,
                queueArn: this.lake.consumers[t.folder].queue.arn,
                deadLetterQueueArn: this.lake.consumers[t.folder].deadLetterQueue.arn,
                partitionKey: partitionKey(t.spec),
            })),
            kmsKeyArn,
            partition,
            region,
            accountId,
            schedule: settings.crawl.schedule,
            arrival: { batchSize: settings.crawlBatchSize, batchWindowSeconds: settings.crawlBatchWindowSeconds },
            retain,
        }, child);

        this.alerts = new Alerts(`${name}-alerts`, {
            namePrefix,
            accountId,
            region,
            partition,
            undeliveredQueueName: this.lake.undelivered.name,
            tables: tables.map((t) => ({
                name: t.folder,
                queueName: this.lake.consumers[t.folder].queue.name,
                deadLetterQueueName: this.lake.consumers[t.folder].deadLetterQueue.name,
                arrivalRuleName: this.catalog.arrivals[t.folder].rule.name,
            })),
            crawlerNamePrefix: `${namePrefix}-`,
            emails: settings.alertEmails,
            arrivalWaitMinutes: settings.crawl.arrivalWaitMinutes,
            safetyNet: settings.crawl.schedule !== undefined,
            kmsKeyArn,
        }, child);

        this.snowflake = new SnowflakeExport(`${name}-snowflake`, {
            namePrefix: snowflakeName(settings.project, settings.stack),
            roleName: `${namePrefix}-snowflake`,
            alerts: { topicArn: this.alerts.topic.arn, roleName: `${namePrefix}-snowflake-alerts` },
            accountId,
            partition,
            bucketName: this.lake.bucket.bucket,
            bucketArn: this.lake.bucket.arn,
            exportPrefix: settings.exportPrefix,
            kmsKeyArn,
            database: settings.snowflakeDatabase,
            schema: settings.snowflakeSchema,
            warehouse: settings.snowflakeWarehouse,
            tables: tables.map((t) => {
                const consumer = this.lake.consumers[t.folder];
                return {
                    spec: t.spec,
                    layout: t.layout,
                    // Objects raise events only once the notification and the table's subscription
                    // exist; the backfill waits for them, and registers what it writes in the table.
                    eventsReady: [this.lake.notification, consumer.queue, consumer.policy, consumer.subscription, this.catalog.tables[t.folder]],
                };
            }),
            glue: { region, database: this.catalog.database.name },
            maxFileSizeMb: settings.maxFileSizeMb,
            taskScheduleMinutes: settings.taskScheduleMinutes,
            provider: { ...settings.snowflakeProvider, extraPreviewFeatures: settings.snowflakePreviewFeatures },
            retainData: retain,
        }, child);

        for (const t of tables) {
            this.tables[t.folder] = {
                ...t,
                consumer: this.lake.consumers[t.folder],
                glueTable: this.catalog.tables[t.folder],
                crawler: this.catalog.crawlers[t.folder],
                arrival: this.catalog.arrivals[t.folder],
                namedQuery: this.catalog.namedQueries[t.folder],
                export: this.snowflake.tables[t.spec.name],
            };
        }
        this.registerOutputs({});
    }
}
