import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Alerts } from "./alerts";
import { Catalog } from "./catalog";
import { EventLake } from "./event-lake";
import { LakeKey } from "./lake-key";
import { folderName, snowflakeName } from "./naming";
import { TIME_PARTITION_KEY } from "./sql";
import { SnowflakeExport } from "./snowflake-export";
import { Settings, TableSpec } from "./types";

/** Where Athena writes results in the lake bucket (outside the export prefix: no events). */
export const ATHENA_RESULTS_PREFIX = "athena-results";

/** The partition key of a table's folders. */
export const partitionKeyOf = (t: TableSpec) => (t.partitionGranularity === "value" ? t.partitionBy.toLowerCase() : TIME_PARTITION_KEY);

/**
 * The whole product for one stack: Snowflake unloads tables under `<exportPrefix>/<table>/dt=.../`,
 * S3 events fan out through SNS to one queue per table, an event-mode Glue crawler per table
 * catalogues only the new partitions, and Athena reads them.
 */
export class IncrementalLake extends pulumi.ComponentResource {
    readonly key?: LakeKey;
    readonly lake: EventLake;
    readonly catalog: Catalog;
    readonly snowflake: SnowflakeExport;
    readonly alerts: Alerts;

    constructor(name: string, settings: Settings, opts?: pulumi.ComponentResourceOptions) {
        super("incremental-crawl:index:IncrementalLake", name, {}, opts);
        const child = { parent: this };
        const retain = settings.production;

        const identity = aws.getCallerIdentityOutput({}, child);
        const partition = aws.getPartitionOutput({}, child).partition;
        const region = aws.getRegionOutput({}, child).region;
        const accountId = identity.accountId;

        this.key = settings.encryption === "kms" ? new LakeKey(`${name}-kms`, { accountId, partition, retain }, child) : undefined;
        const kmsKeyArn = this.key?.arn;

        const tablePrefix = (t: TableSpec) => `${settings.exportPrefix}/${folderName(t.name)}`;

        this.lake = new EventLake(`${name}-lake`, {
            accountId,
            exportPrefix: settings.exportPrefix,
            athenaResultsPrefix: ATHENA_RESULTS_PREFIX,
            consumers: settings.tables.map((t) => ({ name: folderName(t.name), keyPrefix: `${tablePrefix(t)}/` })),
            kmsKeyArn,
            versioning: settings.versioning,
            noncurrentVersionDays: settings.noncurrentVersionDays,
            abortIncompleteUploadDays: settings.abortIncompleteUploadDays,
            athenaResultsDays: settings.athenaResultsDays,
            queueRetentionDays: settings.queueRetentionDays,
            maxReceiveCount: settings.maxReceiveCount,
            retainData: retain,
        }, child);

        this.catalog = new Catalog(`${name}-catalog`, {
            namePrefix: `${settings.project}-${settings.stack}`,
            databaseName: settings.glueDatabase,
            bucketName: this.lake.bucket.bucket,
            bucketArn: this.lake.bucket.arn,
            athenaResultsPrefix: ATHENA_RESULTS_PREFIX,
            tables: settings.tables.map((t) => {
                const consumer = this.lake.consumers[folderName(t.name)];
                return {
                    name: folderName(t.name),
                    tablePrefix: tablePrefix(t),
                    queueArn: consumer.queue.arn,
                    deadLetterQueueArn: consumer.deadLetterQueue.arn,
                    partitionKey: partitionKeyOf(t),
                };
            }),
            kmsKeyArn,
            partition,
            schedule: settings.crawlerSchedule,
            retain,
        }, child);

        this.snowflake = new SnowflakeExport(`${name}-snowflake`, {
            namePrefix: snowflakeName(settings.project, settings.stack),
            roleName: `${settings.project}-${settings.stack}-snowflake`,
            accountId,
            partition,
            bucketName: this.lake.bucket.bucket,
            bucketArn: this.lake.bucket.arn,
            exportPrefix: settings.exportPrefix,
            kmsKeyArn,
            database: settings.snowflakeDatabase,
            schema: settings.snowflakeSchema,
            warehouse: settings.snowflakeWarehouse,
            tables: settings.tables,
            maxFileSizeMb: settings.maxFileSizeMb,
            taskScheduleMinutes: settings.taskScheduleMinutes,
            provider: { ...settings.snowflakeProvider, extraPreviewFeatures: settings.snowflakePreviewFeatures },
            retainData: retain,
        }, child);

        this.alerts = new Alerts(`${name}-alerts`, {
            namePrefix: `${settings.project}-${settings.stack}`,
            accountId,
            region,
            partition,
            tables: settings.tables.map((t) => {
                const folder = folderName(t.name);
                const consumer = this.lake.consumers[folder];
                return {
                    name: folder,
                    queueName: consumer.queue.name,
                    deadLetterQueueName: consumer.deadLetterQueue.name,
                    crawlerName: this.catalog.crawlers[folder].crawler.name,
                };
            }),
            emails: settings.alertEmails,
            crawlerIntervalMinutes: settings.crawlerIntervalMinutes,
            queueRetentionDays: settings.queueRetentionDays,
            kmsKeyArn,
        }, child);

        this.registerOutputs({});
    }
}
