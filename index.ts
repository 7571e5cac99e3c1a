/**
 * incremental-crawl: Snowflake → S3 (Parquet, `dt=` partitions) → SNS → SQS → Glue crawlers in
 * event mode → Athena, for one stack. Settings are read and validated before anything is declared.
 */
import * as aws from "@pulumi/aws";
import { connectionEnvironment, IncrementalLake } from "@incremental-crawl/components";
import { loadSettings } from "./config";

const settings = loadSettings();

// An explicit AWS provider so every AWS resource carries the stack's tags.
const awsProvider = new aws.Provider("aws", {
    region: settings.awsRegion as aws.Region,
    defaultTags: { tags: { project: settings.project, stack: settings.stack, "managed-by": "pulumi" } },
});

const lake = new IncrementalLake(`${settings.project}-${settings.stack}`, settings, { providers: [awsProvider] });

export const bucketName = lake.lake.bucket.bucket;
export const exportPrefix = settings.exportPrefix;
export const topicArn = lake.lake.topic.arn;
export const glueDatabase = lake.catalog.database.name;
export const athenaWorkgroup = lake.catalog.workgroup.name;
export const snowflakeStage = lake.snowflake.stage.fullyQualifiedName;
export const snowflakeIntegration = lake.snowflake.integration.name;
export const snowflakeRoleArn = lake.snowflake.role.arn;
export const alertsTopicArn = lake.alerts.topic.arn;
/** Where the record of who read or deleted lake objects is: the log bucket, or the named CloudTrail trail. */
export const auditTrail = settings.auditTrail.kind === "access-logs"
    ? { kind: "access-logs", logBucket: lake.accessLogs!.bucket.bucket, prefix: lake.accessLogs!.logging.targetPrefix }
    : settings.auditTrail.kind === "cloudtrail" ? { kind: "cloudtrail", trailArn: settings.auditTrail.trailArn } : { kind: "none" };
/** The recovery replica of the exports, when the stack has one. */
export const replica = lake.replica ? { bucketName: lake.replica.bucket.bucket, region: settings.replicaRegion } : undefined;
/** How the stack connects to Snowflake (never a credential), for `npm run verify`. */
export const snowflakeConnection = {
    ...connectionEnvironment(settings.snowflakeProvider),
    BACKFILL_WAREHOUSE: settings.snowflakeWarehouse,
};
/** Per exported table (by folder name): everything a user needs to run the crawler and query the result. */
export const tables = Object.fromEntries(Object.values(lake.tables).map((t) => [t.folder, {
    snowflakeTable: t.spec.source ?? `${settings.snowflakeDatabase}.${settings.snowflakeSchema}.${t.spec.name}`,
    /** The current export's folder, which the Glue table reads (`exports/orders/g1-0a1b2c3d/`). */
    s3Prefix: t.layout.location,
    /** The current export's id, as the unload log records it (EXPORT_ID). */
    exportId: t.layout.exportId,
    /** The table's folder, holding every export of the table (`exports/orders/`). */
    tablePrefix: t.layout.tablePrefix,
    queueUrl: t.consumer.queue.url,
    deadLetterQueueUrl: t.consumer.deadLetterQueue.url,
    deadLetterQueueArn: t.consumer.deadLetterQueue.arn,
    crawlerName: t.crawler.crawler.name,
    /** The Glue workflow whose EVENT trigger starts the crawler when the table's objects arrive. */
    workflowName: t.arrival.workflow.name,
    /** The EventBridge rule that hands the table's Object Created events to the workflow. */
    arrivalRuleName: t.arrival.rule.name,
    glueTable: t.folder,
    namedQueryId: t.namedQuery.id,
    streamName: t.export.stream.name,
    taskName: t.export.task.name,
    backfill: t.export.summary,
}]));
