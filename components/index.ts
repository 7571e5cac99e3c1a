/**
 * @incremental-crawl/components: the `IncrementalLake` component, its arguments with their types
 * and defaults, their validation (and the naming rules it checks names against), and its outputs.
 * What operator tools share with the package's runtime (the Snowflake connection, partition
 * registration, unload SQL, the export layout, the account's cloud) is on the
 * `@incremental-crawl/components/runtime` entry.
 */
export * from "./lake-args";
export * from "./types";
export { validateLakeArgs, LakeArgsError, ValidateOptions, Validation, knownKey } from "./validate";
export * as naming from "./naming";
export type { BackfillSummary } from "./warehouse/backfill/backfill";
export {
    IncrementalLake,
    LakeTableOutputs,
    AuditTrailOutputs,
    SharingOutputs,
    LakeSubscriptionOutputs,
    EndpointOwnerSubscription,
} from "./incremental-lake";
