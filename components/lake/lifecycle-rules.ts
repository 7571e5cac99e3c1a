/**
 * The S3 Lifecycle rules of the lake bucket and of its replica, as pure functions of the stack's
 * settings: one place decides what expires, so the lake and its copies expire alike (S3 does not
 * replicate lifecycle actions: "If you want the same lifecycle configuration applied to both source
 * and destination buckets, enable the same lifecycle configuration on both",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html).
 */
import type * as aws from "@pulumi/aws";
import { StorageTier, TRANSITION_MIN_OBJECT_SIZE } from "./storage-tiers";

type Rule = aws.types.input.s3.BucketLifecycleConfigurationRule;

/** A table whose exported objects expire: its folder's key prefix (trailing slash) and days. */
export interface RetainedTable {
    /** Folder name (`customers`). */
    folder: string;
    /** Key prefix of every export of the table, with trailing slash (`exports/customers/`). */
    prefix: string;
    days: number;
}

export interface ExpirySettings {
    versioning: boolean;
    noncurrentVersionDays: number;
    abortIncompleteUploadDays: number;
}

/** The rule id of a table's retention (also what the policy pack's declared exception names). */
export const tableRuleId = (folder: string) => `expire-table-${folder}`;

/**
 * One rule per table with a retention: current objects under the table's folder expire `days` after
 * they are written (with versioning S3 then keeps the expired object as a noncurrent version), and
 * noncurrent versions of the folder expire `noncurrentVersionDays` after they become noncurrent.
 * Where two expiration rules overlap S3 honours the shorter one
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html), so no byte of the
 * table outlives `days + noncurrentVersionDays` (plus S3's lifecycle lag) in a bucket with these rules.
 */
export function tableRetentionRules(tables: RetainedTable[], s: Pick<ExpirySettings, "versioning" | "noncurrentVersionDays">): Rule[] {
    return [...tables]
        .sort((a, b) => a.folder.localeCompare(b.folder))
        .map((t) => ({
            id: tableRuleId(t.folder),
            status: "Enabled",
            filter: { prefix: t.prefix },
            expiration: { days: t.days },
            ...(s.versioning ? { noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionDays } } : {}),
        }));
}

/** A table whose objects move to cheaper storage classes as they age: its folder and tiers. */
export interface TieredTable {
    folder: string;
    /** Key prefix of every export of the table, with trailing slash. */
    prefix: string;
    tiers: StorageTier[];
}

/** The rule id of a table's storage tiers. */
export const tierRuleId = (folder: string) => `tier-table-${folder}`;

/**
 * One rule per tiered table: current objects under the table's folder move to each tier's class
 * when they are that many days old. A rule of its own, beside the table's retention rule, so that
 * adding or removing tiers leaves the expiry untouched. S3 applies both; on a day both apply,
 * "Permanent deletion takes precedence over transition" and "Transition takes precedence over
 * creation of delete markers" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html),
 * though the validator keeps every tier before the table's expiry.
 * Noncurrent versions are not transitioned: they stay in the class they had and expire after
 * `noncurrentVersionDays`, as before (a version moved to STANDARD_IA must already be 30 days
 * noncurrent, and then owes 30 more: not worth it for versions that live days to weeks).
 */
export function tableTierRules(tables: TieredTable[]): Rule[] {
    return [...tables]
        .sort((a, b) => a.folder.localeCompare(b.folder))
        .map((t) => ({
            id: tierRuleId(t.folder),
            status: "Enabled",
            filter: { prefix: t.prefix },
            transitions: t.tiers.map((tier) => ({ days: tier.days, storageClass: tier.storageClass })),
        }));
}

/**
 * What a bucket's lifecycle configuration says of small objects: with tiers, S3's default stated
 * (objects under 128 KB never transition; storage-tiers.ts says why that is the cheaper choice).
 * Without tiers nothing, so that a stack without tiers keeps its configuration as it was.
 */
export function minimumObjectSize(tables: TieredTable[]): { transitionDefaultMinimumObjectSize?: string } {
    return tables.length > 0 ? { transitionDefaultMinimumObjectSize: TRANSITION_MIN_OBJECT_SIZE } : {};
}

/** Rules every bucket of the lake's data has: abort incomplete uploads; with versioning, expire old versions and lone delete markers. */
export function housekeepingRules(s: ExpirySettings): Rule[] {
    const rules: Rule[] = [
        {
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: s.abortIncompleteUploadDays },
        },
    ];
    if (s.versioning) {
        rules.push({
            id: "expire-old-versions",
            status: "Enabled",
            filter: { prefix: "" },
            noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionDays },
            expiration: { expiredObjectDeleteMarker: true },
        });
    }
    return rules;
}

/** The lake bucket's rules: housekeeping, Athena results, each table's retention and storage tiers. */
export function lakeLifecycleRules(
    s: ExpirySettings & {
        athenaResultsPrefix: string;
        athenaResultsDays: number;
        retainedTables: RetainedTable[];
        tieredTables?: TieredTable[];
    },
): Rule[] {
    const [abort, ...versions] = housekeepingRules(s);
    return [
        abort,
        {
            id: "expire-athena-results",
            status: "Enabled",
            filter: { prefix: `${s.athenaResultsPrefix}/` },
            expiration: { days: s.athenaResultsDays },
        },
        ...versions,
        ...tableRetentionRules(s.retainedTables, s),
        ...tableTierRules(s.tieredTables ?? []),
    ];
}

/**
 * The replica's rules: the same housekeeping, table retentions and storage tiers as the lake (it
 * holds only exports). Replication writes every copy in STANDARD (the rule's destination class)
 * and S3 replicates no lifecycle action, so the replica's own tier rules move its copies as the
 * lake's move the originals: a failover to the replica finds each partition as readable as it was.
 */
export function replicaLifecycleRules(s: ExpirySettings & { retainedTables: RetainedTable[]; tieredTables?: TieredTable[] }): Rule[] {
    return [...housekeepingRules(s), ...tableRetentionRules(s.retainedTables, s), ...tableTierRules(s.tieredTables ?? [])];
}
