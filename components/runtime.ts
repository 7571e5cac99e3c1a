/**
 * `@incremental-crawl/components/runtime`: what the package's own runtime (the backfill bin the
 * unload command runs) shares with operator tools that talk to the same Snowflake account, S3
 * layout and Glue catalog: the Snowflake connection, Glue partition registration, the unload SQL
 * builders, the export layout, the storage tiers' parsing and the account's cloud check; and, for
 * the project's own stack reader (config.ts) and tools, the naming rules, the unknown-key check
 * the validation uses and its "did you mean". Programs that only declare a lake need the main entry alone.
 */
export { SqlConnection, BackfillSummary, PARTITION_FOLDER, toCount } from "./warehouse/backfill/backfill";
export { connect, adapt, readEnvironment } from "./warehouse/backfill/main";
export { partitionCatalogOn, GlueTarget } from "./warehouse/backfill/glue-partitions";
export { connectionEnvironment } from "./warehouse/table-export";
export * from "./warehouse/sql";
export { ExportLayout, ExportPlace, exportLayout, EXPORT_ID, tablePrefixOf } from "./lake/export-layout";
export { CURRENT_REGION_SQL, NotOnAwsError, requireAwsHosted } from "./warehouse/account-cloud";
export * as storageTiers from "./lake/storage-tiers";
export * as naming from "./naming";
export { knownKey } from "./validate";
export { closest, didYouMean } from "./suggest";
