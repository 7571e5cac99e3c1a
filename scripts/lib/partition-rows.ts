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
import { NULL_PARTITION, qualified, quoteIdent, quoteLiteral } from "../../components/warehouse/sql";

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

/** Compares the lake's rows per partition (Athena) with the unload log's. */
export function comparePartitionRows(lake: PartitionCounts, logged: PartitionCounts): PartitionComparison {
    const fewer: PartitionDiff[] = [];
    const more: PartitionDiff[] = [];
    let matching = 0;
    const partitions = [...new Set([...lake.keys(), ...logged.keys()])].sort();
    for (const partition of partitions) {
        const d = { partition, lake: lake.get(partition) ?? 0, logged: logged.get(partition) ?? 0 };
        if (d.lake < d.logged) fewer.push(d);
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
export function unloadLogPartitionsSql(log: [string, string, string], table: string, exportId: string): string {
    return `SELECT REGEXP_SUBSTR("FILE_NAME", '([^/]+)/[^/]*$', 1, 1, 'e', 1) AS "PARTITION", ` +
        `SUM("ROW_COUNT") AS "ROW_COUNT", COUNT(*) AS "FILES" FROM ${qualified(...log)} ` +
        `WHERE "TABLE_NAME" = ${quoteLiteral(table)} AND "EXPORT_ID" = ${quoteLiteral(exportId)} GROUP BY 1`;
}
