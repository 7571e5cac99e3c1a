/**
 * The unload SQL, one builder for both runners: the deploy-time backfill (a command resource) and
 * the scheduled Snowflake task. Pure: identifiers are double-quoted with `"` doubled, literals
 * single-quoted with `'` and `\` escaped, so no configuration value can change the statement's shape
 * (config validation refuses such values long before; this is the second wall).
 */
import { folderName } from "./naming";
import { PartitionGranularity, TableSpec } from "./types";

/**
 * Session parameters every unload runs with. Snowflake otherwise picks each Parquet file's physical
 * types from its values, so files of one table can disagree and the crawler sees several schemas.
 * https://docs.snowflake.com/en/sql-reference/parameters#enable-unload-physical-type-optimization
 */
export const UNLOAD_SESSION_PARAMETERS = { ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION: false } as const;

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
 * (https://docs.snowflake.com/en/user-guide/data-unload-considerations).
 */
function selectExpression(column: { name: string; type: string }): string {
    const id = quoteIdent(column.name);
    return isZonedTimestamp(column.type) ? `CONVERT_TIMEZONE('UTC', ${id})::TIMESTAMP_NTZ AS ${id}` : id;
}

/** The partition folder name of a table, e.g. `'dt=' || ...`. NULL lands in the Hive default partition. */
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
        const utc = isZonedTimestamp(column.type) ? `CONVERT_TIMEZONE('UTC', ${id})` : id;
        value = `TO_VARCHAR(${utc}, ${quoteLiteral(FORMATS[table.partitionGranularity])})`;
    }
    return `${quoteLiteral(`${key}=`)} || COALESCE(${value}, ${quoteLiteral(NULL_PARTITION)})`;
}

export interface UnloadSpec {
    table: TableSpec;
    /** Stage as `[database, schema, name]`. */
    stage: [string, string, string];
    /** The object rows are read from (the table's stream), as `[database, schema, name]`. */
    source: [string, string, string];
    /** File format as `[database, schema, name]`. */
    fileFormat: [string, string, string];
    maxFileSizeMb: number;
}

/** The table's folder under the stage, `orders/` for ORDERS. */
export const stagePath = (table: TableSpec) => `${folderName(table.name)}/`;

/**
 * `COPY INTO @stage/<table>/ FROM (SELECT ...) PARTITION BY (...) ...`.
 * PARTITION BY keeps INCLUDE_QUERY_ID=TRUE (its default), so each run writes new file names and
 * never overwrites earlier files; OVERWRITE is never set.
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-location
 */
export function buildUnloadSql(spec: UnloadSpec): string {
    if (!Number.isInteger(spec.maxFileSizeMb) || spec.maxFileSizeMb < 1 || spec.maxFileSizeMb > 5120) {
        throw new Error(`maxFileSizeMb must be an integer from 1 to 5120, got ${spec.maxFileSizeMb}`);
    }
    const columns = spec.table.columns.map(selectExpression).join(",\n    ");
    return [
        `COPY INTO @${qualified(...spec.stage)}/${stagePath(spec.table)}`,
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
    return Object.entries(UNLOAD_SESSION_PARAMETERS).map(([k, v]) => `ALTER SESSION SET ${k} = ${String(v).toUpperCase()}`);
}

/** The task's run condition: only when the stream has rows. https://docs.snowflake.com/en/sql-reference/functions/system_stream_has_data */
export function streamHasDataCondition(stream: [string, string, string]): string {
    return `SYSTEM$STREAM_HAS_DATA(${quoteLiteral(stream.join("."))})`;
}
