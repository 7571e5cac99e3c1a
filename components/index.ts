/**
 * @incremental-crawl/components: the component resources of the event-driven lake, and the pure
 * builders (policy documents, SQL, naming rules) they are made of.
 */
export * from "./lake-args";
export * from "./types";
export { validateLakeArgs, resolveLakeArgs, LakeArgsError, ValidateOptions, Validation, knownKey } from "./validate";
export { closest, didYouMean, editDistance } from "./suggest";
export { PACKAGE, token } from "./tokens";
export * as naming from "./naming";
export { parseCron, CronSchedule } from "./cron";
export * as iam from "./iam-documents";
export * as documents from "./documents";
export * as sql from "./warehouse/sql";
export { LakeKey, LakeKeyArgs } from "./lake/lake-key";
export { ConsumerQueue, ConsumerQueueArgs, SQS_MAX_RETENTION_DAYS, VISIBILITY_TIMEOUT_SECONDS } from "./lake/consumer-queue";
export { EventLake, EventLakeArgs, Consumer } from "./lake/event-lake";
export { AccessLogBucket, AccessLogBucketArgs } from "./lake/access-log-bucket";
export { LakeReplica, LakeReplicaArgs } from "./lake/lake-replica";
export * as lifecycleRules from "./lake/lifecycle-rules";
export * as storageTiers from "./lake/storage-tiers";
export { TableCrawler, TableCrawlerArgs } from "./catalog/table-crawler";
export { CrawlOnArrival, CrawlOnArrivalArgs, objectCreatedPattern } from "./catalog/crawl-on-arrival";
export { crawlTiming, CrawlTiming, CrawlTimingInput, EVENT_BATCH_LIMITS, SAFETY_NET_SCHEDULE, SAFETY_NET_INTERVAL_MINUTES, SAFETY_NET_OFF, CRAWL_ALLOWANCE_MINUTES } from "./catalog/arrival";
export { Catalog, CatalogArgs, CatalogTable, rowsPerPartitionQuery } from "./catalog/catalog";
export { CrawlerLogEncryption, CrawlerLogEncryptionArgs } from "./catalog/crawler-log-encryption";
export { DataCatalogEncryption, DataCatalogEncryptionArgs } from "./catalog/data-catalog-encryption";
export * as crawlerLogs from "./catalog/crawler-logs";
export { TableExport, TableExportArgs, BACKFILL_COMMAND, BACKFILL_KEEP_SUMMARY, connectionEnvironment } from "./warehouse/table-export";
export { SnowflakeExport, SnowflakeExportArgs, SnowflakeTableArgs, REQUIRED_PREVIEW_FEATURES } from "./warehouse/snowflake-export";
export { ExportLayout, ExportPlace, exportLayout } from "./lake/export-layout";
export * as glueSchema from "./catalog/glue-schema";
export { TaskErrorNotifications, TaskErrorNotificationsArgs } from "./warehouse/task-error-notifications";
export { Alerts, AlertsArgs, WatchedTable, oldestMessageThresholdSeconds, crawlerNamePatterns, CRAWLER_RULE_PATTERN_MAX_CHARS } from "./ops/alerts";
export type { BackfillSummary } from "./warehouse/backfill/backfill";
export { IncrementalLake, LakeTableOutputs, AuditTrailOutputs, ATHENA_RESULTS_PREFIX, ACCESS_LOG_PREFIX } from "./incremental-lake";
