/**
 * @incremental-crawl/components: the `IncrementalLake` component, its arguments with their types
 * and defaults, their validation, and its outputs. What operator tools and the project's own stack
 * reader share with the package's runtime (the Snowflake connection, partition registration, unload
 * SQL, the export layout, the account's cloud, the naming rules) is on the
 * `@incremental-crawl/components/runtime` entry.
 */
export * from "./lake-args";
export * from "./types";
export { validateLakeArgs, LakeArgsError, ValidateOptions, Validation } from "./validate";
export type { BackfillSummary } from "./warehouse/backfill/backfill";
export {
    IncrementalLake,
    LakeTableOutputs,
    AuditTrailOutputs,
    SharingOutputs,
    LakeSubscriptionOutputs,
    EndpointOwnerSubscription,
} from "./incremental-lake";
