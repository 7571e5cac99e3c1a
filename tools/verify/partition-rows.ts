/**
 * Rows per partition, the lake's against the unload log's: the SQL of both sides and their
 * comparison. Pure.
 *
 * The unload log (`sql.UNLOAD_LOG_TABLE`) holds one row per file of every committed unload, with the
 * rows COPY wrote to it; files of failed unloads are removed and never logged. So for each partition
 * folder of an export, Athena's COUNT(*) should equal the log's SUM(ROW_COUNT): fewer rows in Athena
 * are rows lost (or not catalogued yet), more are rows written twice (or an unload the log lacks).
 * Snowflake's current rows cannot say that much: the lake is append-only, and keeps rows deleted or
 * updated upstream.
 */
import { NULL_PARTITION, qualified, quoteIdent, quoteLiteral } from "@incremental-crawl/components/runtime";

/** Rows by partition folder (`dt=2024-01-31`). */
export type PartitionCounts = ReadonlyMap<string, number>;

/** Where the log puts a file that lies outside any partition folder (none should). */
export const OUTSIDE_PARTITIONS = "(outside partition folders)";

export interface PartitionDiff {
    partition: string;
    /** Rows Athena counts in the partition; 0 when it has no such partition. */
    lake: number;
    /** Rows the unload log records for the partition; 0 when it records none. */
    logged: number;
}

export interface PartitionComparison {
    /** Partitions with as many rows in Athena as in the log. */
    matching: number;
    /** Fewer rows in Athena than logged (lost, or not yet catalogued), by partition name. */
    fewer: PartitionDiff[];
    /** More rows in Athena than logged (duplicated, or an unload missing from the log), by partition name. */
    more: PartitionDiff[];
    lakeRows: number;
    loggedRows: number;
}

/**
 * Compares the lake's rows per partition (Athena) with the unload log's. With `kept` (a table with
 * `retentionDays`: the rows of files unloaded recently enough that S3 has surely not expired them),
 * a partition agrees when Athena holds at least its kept rows and at most its logged rows: its
 * older files may have expired, or not yet.
 */
export function comparePartitionRows(lake: PartitionCounts, logged: PartitionCounts, kept?: PartitionCounts): PartitionComparison {
    const fewer: PartitionDiff[] = [];
    const more: PartitionDiff[] = [];
    let matching = 0;
    const partitions = [...new Set([...lake.keys(), ...logged.keys()])].sort();
    for (const partition of partitions) {
        const d = { partition, lake: lake.get(partition) ?? 0, logged: logged.get(partition) ?? 0 };
        const least = kept ? (kept.get(partition) ?? 0) : d.logged;
        if (d.lake < least) fewer.push(kept ? { ...d, logged: least } : d);
        else if (d.lake > d.logged) more.push(d);
        else matching += 1;
    }
    const sum = (m: PartitionCounts) => [...m.values()].reduce((a, b) => a + b, 0);
    return { matching, fewer, more, lakeRows: sum(lake), loggedRows: sum(logged) };
}

/** `dt=2024-01-31 (Athena 40, log 50), ... and 3 more`: the first `n` by partition name. */
export function sampleDiffs(diffs: PartitionDiff[], n = 5): string {
    const fmt = (x: number) => x.toLocaleString("en-US");
    const shown = diffs.slice(0, n).map((d) => `${d.partition} (Athena ${fmt(d.lake)}, log ${fmt(d.logged)})`);
    return diffs.length > n ? `${shown.join(", ")} and ${diffs.length - n} more` : shown.join(", ");
}

/**
 * Athena's rows per value of the partition key. Athena reads the Hive default partition
 * (`__HIVE_DEFAULT_PARTITION__`) as NULL.
 */
export function athenaPartitionRowsSql(database: string, table: string, partitionKey: string): string {
    return `SELECT ${quoteIdent(partitionKey)}, COUNT(*) FROM ${quoteIdent(database)}.${quoteIdent(table)} GROUP BY 1`;
}

/** The folder of one row of `athenaPartitionRowsSql`: `dt=2024-01-31`; NULL is the Hive default partition. */
export function athenaPartitionFolder(partitionKey: string, value: string | undefined): string {
    return `${partitionKey}=${value === undefined ? NULL_PARTITION : value}`;
}

/**
 * The unload log's rows and files per partition folder of one export. FILE_NAME is relative to the
 * export's folder (`dt=2024-01-31/data_<query id>_0_0_0.snappy.parquet`, as COPY's DETAILED_OUTPUT
 * reports it); the folder is the path segment before the file's name, NULL for a file outside any
 * folder. https://docs.snowflake.com/en/sql-reference/functions/regexp_substr
 */
export function unloadLogPartitionsSql(log: [string, string, string], table: string, exportId: string, keptSince?: string): string {
    // UNLOADED_AT is SYSDATE(), UTC (sql.unloadLogInsert); `keptSince` is a UTC time `YYYY-MM-DD HH:MM:SS`.
    const kept =
        keptSince === undefined
            ? ""
            : `, SUM(IFF("UNLOADED_AT" >= ${quoteLiteral(keptSince)}::TIMESTAMP_NTZ, "ROW_COUNT", 0)) AS "KEPT_ROWS"`;
    return (
        `SELECT REGEXP_SUBSTR("FILE_NAME", '([^/]+)/[^/]*$', 1, 1, 'e', 1) AS "PARTITION", ` +
        `SUM("ROW_COUNT") AS "ROW_COUNT", COUNT(*) AS "FILES"${kept} FROM ${qualified(...log)} ` +
        `WHERE "TABLE_NAME" = ${quoteLiteral(table)} AND "EXPORT_ID" = ${quoteLiteral(exportId)} GROUP BY 1`
    );
}

/**
 * Since when a retained table's files are surely still in the lake, as `YYYY-MM-DD HH:MM:SS` UTC:
 * S3 expires an object no sooner than `retentionDays` after its creation (the expiry time is rounded
 * up to the next midnight UTC), and a file is logged after its COPY wrote it; one day less than the
 * retention leaves room for that.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html ("Lifecycle rules: Based on an object's age": "rounding the resulting time to the next day midnight UTC")
 */
export function keptSince(now: number, retentionDays: number): string {
    return new Date(now - (retentionDays - 1) * 86_400_000)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d{3}Z$/, "");
}
