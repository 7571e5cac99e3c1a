/**
 * The unload SQL, one builder for both runners: the deploy-time backfill (a command resource) and
 * the scheduled Snowflake task. Pure: identifiers are double-quoted with `"` doubled, literals
 * single-quoted with `'` and `\` escaped, so no configuration value can change the statement's shape
 * (config validation refuses such values long before; this is the second wall).
 */
import type { PartitionGranularity } from "../lake-args";
import { TableSpec } from "../types";

/**
 * Session parameters every unload runs with (the task's parameters, `ALTER SESSION` in the backfill).
 * - ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION: Snowflake otherwise picks each Parquet file's physical
 *   types from its values, so files of one table could disagree with each other and with the Glue
 *   table. https://docs.snowflake.com/en/sql-reference/parameters#enable-unload-physical-type-optimization
 * - TIMEZONE: the account default is America/Los_Angeles, and any NTZ-from-session conversion would
 *   follow it; the partition expression does not depend on it (see `partitionExpression`), this pins
 *   it anyway so no unload's values can. https://docs.snowflake.com/en/sql-reference/parameters#timezone
 */
export const UNLOAD_SESSION_PARAMETERS = { ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION: false, TIMEZONE: "UTC" } as const;

/**
 * The partition value of NULL (and empty) partition columns. Snowflake writes a NULL partition
 * expression under `_NULL_` (https://docs.snowflake.com/en/sql-reference/sql/copy-into-location),
 * which is not a `key=value` folder; Hive (hive.exec.default.partition.name,
 * https://cwiki.apache.org/confluence/display/Hive/Configuration+Properties), Glue and
 * Athena read `__HIVE_DEFAULT_PARTITION__` as the NULL partition.
 */
export const NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";

/** Hive-style partition key for date/time partitions. */
export const TIME_PARTITION_KEY = "dt";

/**
 * The partition key of a table's folders: `dt` for date/time partitions, `p_<column>` for value
 * partitions. A partition key may not repeat a column of the files, or Athena refuses the table
 * (HIVE_INVALID_METADATA: "Column repeated in partitioning columns";
 * https://docs.aws.amazon.com/athena/latest/ug/troubleshooting-athena.html), so the value key is
 * not the column's own name, and config.ts refuses a column named like the key.
 */
export function partitionKey(table: Pick<TableSpec, "partitionBy" | "partitionGranularity">): string {
    return table.partitionGranularity === "value" ? `p_${table.partitionBy.toLowerCase()}` : TIME_PARTITION_KEY;
}

/** `"IDENT"`, with embedded quotes doubled. https://docs.snowflake.com/en/sql-reference/identifiers-syntax */
export function quoteIdent(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

/** `"DB"."SCHEMA"."NAME"` from `DB.SCHEMA.NAME` parts. */
export function qualified(...parts: string[]): string {
    return parts.map(quoteIdent).join(".");
}

/** A single-quoted string literal; `\` is an escape character in Snowflake literals. */
export function quoteLiteral(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

const FORMATS: Record<Exclude<PartitionGranularity, "value">, string> = {
    day: "YYYY-MM-DD",
    month: "YYYY-MM",
    hour: "YYYY-MM-DD-HH24",
};

/** TIMESTAMP_TZ and TIMESTAMP_LTZ (optionally with precision). */
export const isZonedTimestamp = (type: string) => /^TIMESTAMP_(TZ|LTZ)(\(\d\))?$/.test(type);

/**
 * The column as unloaded: zoned timestamps normalised to UTC and cast to TIMESTAMP_NTZ, since Parquet
 * unload does not support TIMESTAMP_TZ/LTZ
 * (https://docs.snowflake.com/en/user-guide/data-unload-considerations). The two-argument
 * CONVERT_TIMEZONE of a zoned value converts the instant it holds, whatever the session's time zone.
 */
function selectExpression(column: { name: string; type: string }): string {
    const id = quoteIdent(column.name);
    if (isZonedTimestamp(column.type)) return `CONVERT_TIMEZONE('UTC', ${id})::TIMESTAMP_NTZ AS ${id}`;
    const text = textUnload(column.type, id);
    return text === undefined ? id : `${text} AS ${id}`;
}

/**
 * How a column Parquet or Athena cannot hold as it is becomes text in the unload, or undefined for
 * every other type: TIME as HH24:MI:SS.FF9, semi-structured values as JSON, geography as WKT. The
 * Glue table reads these columns as `string` (glue-schema.ts asks this function).
 */
export function textUnload(type: string, id: string): string | undefined {
    if (/^TIME(\(\d\))?$/.test(type)) return `TO_VARCHAR(${id}, 'HH24:MI:SS.FF9')`;
    if (/^(VARIANT|OBJECT|ARRAY)$/.test(type)) return `TO_JSON(${id})`;
    if (type === "GEOGRAPHY") return `ST_ASWKT(${id})`;
    return undefined;
}

/**
 * The partition folder name of a table, e.g. `'dt=' || ...`. NULL lands in the Hive default partition.
 *
 * PARTITION BY reads the columns of the unload's SELECT, where zoned timestamps are already UTC
 * `TIMESTAMP_NTZ` (`selectExpression`). The expression formats that value as it is: applying
 * `CONVERT_TIMEZONE('UTC', x)` again would read the NTZ value as *session*-time-zone wall time
 * (two-argument form, https://docs.snowflake.com/en/sql-reference/functions/convert_timezone) and,
 * under the account default America/Los_Angeles, put the last 7-8 hours of each UTC day in the
 * next day's folder.
 */
export function partitionExpression(table: TableSpec): string {
    const column = table.columns.find((c) => c.name === table.partitionBy);
    if (!column) throw new Error(`partition column ${table.partitionBy} is not a column of ${table.name}`);
    const id = quoteIdent(column.name);
    const key = partitionKey(table);
    let value: string;
    if (table.partitionGranularity === "value") {
        // Values become folder names: keep letters, digits, `_` and `.` only, so a value cannot add
        // folders, and no folder can contain "aws-glue-", which AWSGlueServiceRole opens to every
        // crawler role (naming.s3Prefix).
        value = `NULLIF(REGEXP_REPLACE(TO_VARCHAR(${id}), '[^A-Za-z0-9_.]', '_'), '')`;
    } else {
        value = `TO_VARCHAR(${id}, ${quoteLiteral(FORMATS[table.partitionGranularity])})`;
    }
    return `${quoteLiteral(`${key}=`)} || COALESCE(${value}, ${quoteLiteral(NULL_PARTITION)})`;
}

export interface UnloadSpec {
    table: TableSpec;
    /** Stage as `[database, schema, name]`. */
    stage: [string, string, string];
    /** The export's folder under the stage, with trailing slash (`ExportLayout.stagePath`). */
    path: string;
    /** The object rows are read from (the table's stream), as `[database, schema, name]`. */
    source: [string, string, string];
    /** File format as `[database, schema, name]`. */
    fileFormat: [string, string, string];
    maxFileSizeMb: number;
}

/**
 * `COPY INTO @stage/<table>/ FROM (SELECT ...) PARTITION BY (...) ...`.
 * PARTITION BY keeps INCLUDE_QUERY_ID=TRUE (its default), so each run writes new file names and
 * never overwrites earlier files; OVERWRITE is never set.
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-location
 */
export function buildUnloadSql(spec: UnloadSpec): string {
    if (!/^([a-z0-9][a-z0-9_-]*\/)+$/.test(spec.path)) throw new Error(`stage path must be folders ending in /, got ${spec.path}`);
    if (!Number.isInteger(spec.maxFileSizeMb) || spec.maxFileSizeMb < 1 || spec.maxFileSizeMb > 5120) {
        throw new Error(`maxFileSizeMb must be an integer from 1 to 5120, got ${spec.maxFileSizeMb}`);
    }
    const columns = spec.table.columns.map(selectExpression).join(",\n    ");
    return [
        `COPY INTO @${qualified(...spec.stage)}/${spec.path}`,
        `FROM (`,
        `  SELECT`,
        `    ${columns}`,
        `  FROM ${qualified(...spec.source)}`,
        `)`,
        `PARTITION BY (${partitionExpression(spec.table)})`,
        // FORMAT_NAME takes the (qualified) name as a string literal (copy-into-location).
        `FILE_FORMAT = (FORMAT_NAME = ${quoteLiteral(qualified(...spec.fileFormat))})`,
        `HEADER = TRUE`,
        `MAX_FILE_SIZE = ${spec.maxFileSizeMb * 1024 * 1024}`,
        `DETAILED_OUTPUT = TRUE`,
    ].join("\n");
}

/** `ALTER SESSION` statements that give an interactive session the task's unload parameters. */
export function sessionStatements(): string[] {
    return Object.entries(UNLOAD_SESSION_PARAMETERS).map(([k, v]) =>
        `ALTER SESSION SET ${k} = ${typeof v === "string" ? quoteLiteral(v) : String(v).toUpperCase()}`);
}

/** The task's run condition: only when the stream has rows. https://docs.snowflake.com/en/sql-reference/functions/system_stream_has_data */
export function streamHasDataCondition(stream: [string, string, string]): string {
    return `SYSTEM$STREAM_HAS_DATA(${quoteLiteral(stream.join("."))})`;
}

/**
 * `REMOVE` of the files one unload wrote under `path`, with `{queryId}` where its query id goes:
 * with INCLUDE_QUERY_ID (the default, and the only choice with PARTITION BY) every file name
 * carries the id of the query that wrote it. https://docs.snowflake.com/en/sql-reference/sql/copy-into-location
 * https://docs.snowflake.com/en/sql-reference/sql/remove
 */
export function removeFilesOfQuery(stage: [string, string, string], path: string): string {
    return `REMOVE @${qualified(...stage)}/${path} PATTERN = '.*{queryId}.*'`;
}

/** `LIST` of the files under `path` of the stage. https://docs.snowflake.com/en/sql-reference/sql/list */
export function listFiles(stage: [string, string, string], path: string): string {
    return `LIST @${qualified(...stage)}/${path}`;
}

/** The unload log: one row per file an unload committed, written by both runners. */
export const UNLOAD_LOG_TABLE = "LAKE_UNLOADS";
export const UNLOAD_LOG_COLUMNS = [
    { name: "TABLE_NAME", type: "VARCHAR(255)", nullable: false },
    { name: "EXPORT_ID", type: "VARCHAR(64)", nullable: false },
    { name: "QUERY_ID", type: "VARCHAR(64)", nullable: false },
    { name: "FILE_NAME", type: "VARCHAR(1024)", nullable: false },
    { name: "FILE_SIZE", type: "NUMBER(38,0)", nullable: false },
    { name: "ROW_COUNT", type: "NUMBER(38,0)", nullable: false },
    { name: "UNLOADED_AT", type: "TIMESTAMP_NTZ", nullable: false },
];

/**
 * Records what one committed unload wrote, from its own output: `{queryId}` is the COPY's query id,
 * whose DETAILED_OUTPUT rows (FILE_NAME, FILE_SIZE, ROW_COUNT) RESULT_SCAN returns. `npm run verify`
 * compares the lake's rows per partition with this log, since the lake keeps rows that Snowflake
 * has since deleted. https://docs.snowflake.com/en/sql-reference/functions/result_scan
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-location (DETAILED_OUTPUT)
 */
export function unloadLogInsert(log: [string, string, string], table: string, exportId: string): string {
    return `INSERT INTO ${qualified(...log)} (${UNLOAD_LOG_COLUMNS.map((c) => c.name).join(", ")}) ` +
        `SELECT ${quoteLiteral(table)}, ${quoteLiteral(exportId)}, '{queryId}', "FILE_NAME", "FILE_SIZE", "ROW_COUNT", SYSDATE() ` +
        `FROM TABLE(RESULT_SCAN('{queryId}'))`;
}

/**
 * The task's body: the COPY, then its line in the unload log. When the COPY fails, the handler
 * removes what it wrote before the error is raised again (the run still fails, and alerts): a COPY
 * that fails does not commit, so the stream keeps its rows and the next run unloads them again, and
 * without the removal they would be in the lake twice. The failed statement's id comes from
 * LAST_QUERY_ID(), read first in the handler, and is used only when it has the form of a query id,
 * so the pattern can never match every file. When the COPY committed (copy_id, from SQLID, is set)
 * and only the log failed, nothing is removed.
 * https://docs.snowflake.com/en/sql-reference/sql/create-task (Snowflake Scripting as the task's SQL)
 * https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions
 * https://docs.snowflake.com/en/sql-reference/functions/last_query_id
 */
export function taskBody(copy: string, cleanup: string, logInsert: string): string {
    const parts = cleanup.split("{queryId}");
    if (parts.length !== 2) throw new Error("the cleanup statement must contain {queryId} once");
    if (!logInsert.includes("'{queryId}'")) throw new Error("the log statement must contain '{queryId}'");
    return [
        "DECLARE",
        "  copy_id VARCHAR DEFAULT NULL;",
        "  failed VARCHAR DEFAULT NULL;",
        "  cleanup VARCHAR DEFAULT NULL;",
        "BEGIN",
        `  ${copy.split("\n").join("\n  ")};`,
        // SQLID: "the query ID of the last query that was executed" in the block.
        // https://docs.snowflake.com/en/developer-guide/snowflake-scripting/query-id
        "  copy_id := SQLID;",
        `  ${logInsert.split("'{queryId}'").join(":copy_id")};`,
        "EXCEPTION",
        "  WHEN OTHER THEN",
        // First, before anything else runs a query: the statement that failed.
        "    failed := LAST_QUERY_ID();",
        "    IF (copy_id IS NULL AND REGEXP_LIKE(failed, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'i')) THEN",
        `      cleanup := ${quoteLiteral(parts[0])} || failed || ${quoteLiteral(parts[1])};`,
        "      EXECUTE IMMEDIATE :cleanup;",
        "    END IF;",
        "    RAISE;",
        "END",
    ].join("\n");
}
