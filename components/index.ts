/**
 * @incremental-crawl/components: the component resources of the event-driven lake, and the pure
 * builders (policy documents, SQL, naming rules) they are made of.
 */
export * from "./types";
export * as naming from "./naming";
export { parseCron, CronSchedule } from "./cron";
export * as iam from "./iam-documents";
export * as documents from "./documents";
export * as sql from "./sql";
export { LakeKey, LakeKeyArgs } from "./lake-key";
export { ConsumerQueue, ConsumerQueueArgs, SQS_MAX_RETENTION_DAYS, VISIBILITY_TIMEOUT_SECONDS } from "./consumer-queue";
export { EventLake, EventLakeArgs, Consumer } from "./event-lake";
export { TableCrawler, TableCrawlerArgs } from "./table-crawler";
export { CrawlOnArrival, CrawlOnArrivalArgs, objectCreatedPattern } from "./crawl-on-arrival";
export { crawlTiming, CrawlTiming, CrawlTimingInput, EVENT_BATCH_LIMITS, SAFETY_NET_SCHEDULE, SAFETY_NET_INTERVAL_MINUTES, CRAWL_ALLOWANCE_MINUTES } from "./arrival";
export { Catalog, CatalogArgs, CatalogTable, rowsPerPartitionQuery } from "./catalog";
export { TableExport, TableExportArgs, BACKFILL_COMMAND, BACKFILL_KEEP_SUMMARY, connectionEnvironment } from "./table-export";
export { SnowflakeExport, SnowflakeExportArgs, SnowflakeTableArgs, REQUIRED_PREVIEW_FEATURES } from "./snowflake-export";
export { ExportLayout, ExportPlace, exportLayout } from "./export-layout";
export * as glueSchema from "./glue-schema";
export { TaskErrorNotifications, TaskErrorNotificationsArgs } from "./task-error-notifications";
export { Alerts, AlertsArgs, WatchedTable, oldestMessageThresholdSeconds } from "./alerts";
export { IncrementalLake, LakeTable, ATHENA_RESULTS_PREFIX } from "./incremental-lake";
