/**
 * The S3 Lifecycle rules of the lake bucket and of its replica, as pure functions of the stack's
 * settings: one place decides what expires, so the lake and its copies expire alike (S3 does not
 * replicate lifecycle actions: "If you want the same lifecycle configuration applied to both source
 * and destination buckets, enable the same lifecycle configuration on both",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html).
 */
import type * as aws from "@pulumi/aws";

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
    return [...tables].sort((a, b) => a.folder.localeCompare(b.folder)).map((t) => ({
        id: tableRuleId(t.folder),
        status: "Enabled",
        filter: { prefix: t.prefix },
        expiration: { days: t.days },
        ...(s.versioning ? { noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionDays } } : {}),
    }));
}

/** Rules every bucket of the lake's data has: abort incomplete uploads; with versioning, expire old versions and lone delete markers. */
export function housekeepingRules(s: ExpirySettings): Rule[] {
    const rules: Rule[] = [{
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: { prefix: "" },
        abortIncompleteMultipartUpload: { daysAfterInitiation: s.abortIncompleteUploadDays },
    }];
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

/** The lake bucket's rules: housekeeping, Athena results, and each table's retention. */
export function lakeLifecycleRules(s: ExpirySettings & { athenaResultsPrefix: string; athenaResultsDays: number; retainedTables: RetainedTable[] }): Rule[] {
    const [abort, ...versions] = housekeepingRules(s);
    return [
        abort,
        { id: "expire-athena-results", status: "Enabled", filter: { prefix: `${s.athenaResultsPrefix}/` }, expiration: { days: s.athenaResultsDays } },
        ...versions,
        ...tableRetentionRules(s.retainedTables, s),
    ];
}

/** The replica's rules: the same housekeeping and table retentions as the lake (it holds only exports). */
export function replicaLifecycleRules(s: ExpirySettings & { retainedTables: RetainedTable[] }): Rule[] {
    return [...housekeepingRules(s), ...tableRetentionRules(s.retainedTables, s)];
}
