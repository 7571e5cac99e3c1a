/**
 * incremental-crawl: Snowflake → S3 (Parquet, `dt=` partitions) → SNS → SQS → Glue crawlers in
 * event mode → Athena, for one stack. It uses the component package as any program would: the
 * stack configuration is read and validated (config.ts), then one IncrementalLake is declared.
 */
import * as aws from "@pulumi/aws";
import { IncrementalLake } from "@incremental-crawl/components";
import { connectionEnvironment } from "@incremental-crawl/components/runtime";
import { loadSettings } from "./config";

const settings = loadSettings();

// An explicit AWS provider so every AWS resource carries the stack's tags.
const awsProvider = new aws.Provider("aws", {
    region: settings.awsRegion as aws.Region,
    defaultTags: { tags: { project: settings.project, stack: settings.stack, "managed-by": "pulumi" } },
});

const lake = new IncrementalLake(`${settings.project}-${settings.stack}`, settings.args, { providers: [awsProvider] });

export const bucketName = lake.bucketName;
export const exportPrefix = settings.exportPrefix;
export const topicArn = lake.topicArn;
export const glueDatabase = lake.glueDatabaseName;
export const athenaWorkgroup = lake.athenaWorkgroupName;
export const snowflakeStage = lake.snowflakeStageName;
export const snowflakeIntegration = lake.snowflakeIntegrationName;
export const snowflakeRoleArn = lake.snowflakeRoleArn;
export const alertsTopicArn = lake.alertsTopicArn;
/** Where the record of who read or deleted lake objects is: the log bucket, or the named CloudTrail trail. */
export const auditTrail = lake.auditTrail;
/** The recovery replica of the exports, when the stack has one. */
export const replica =
    settings.replicaRegion !== undefined ? { bucketName: lake.replicaBucketName, region: settings.replicaRegion } : undefined;
/**
 * Reader accounts and further subscribers, when the stack has any: what each reader may read, the
 * catalog id to register, and what an endpoint owner passes to its own Subscribe call.
 */
export const sharing = settings.readers.length > 0 || settings.tables.some((t) => t.subscribers !== undefined) ? lake.sharing : undefined;
/** How the stack connects to Snowflake (never a credential), for `npm run verify`. */
export const snowflakeConnection = {
    ...connectionEnvironment(settings.snowflakeConnection),
    BACKFILL_WAREHOUSE: settings.snowflakeWarehouse,
};
/** Per exported table (by folder name): everything a user needs to run the crawler and query the result. */
export const tables = lake.tables;
