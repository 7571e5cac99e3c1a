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
    return Object.entries(UNLOAD_SESSION_PARAMETERS).map(
        ([k, v]) => `ALTER SESSION SET ${k} = ${typeof v === "string" ? quoteLiteral(v) : String(v).toUpperCase()}`,
    );
}

/** A stream's name as the task's condition quotes it: `'DB.SCHEMA.NAME'`. */
const streamNameLiteral = (stream: [string, string, string]) => quoteLiteral(stream.join("."));

/** The task's run condition: only when the stream has rows. https://docs.snowflake.com/en/sql-reference/functions/system_stream_has_data */
export function streamHasDataCondition(stream: [string, string, string]): string {
    return `SYSTEM$STREAM_HAS_DATA(${streamNameLiteral(stream)})`;
}

/** Where a statement takes the id of the COPY it logs or cleans up after (`'{queryId}'` in SQL text). */
export const QUERY_ID_SLOT = "{queryId}";
/** Where a cleanup statement takes the id of the run's LIST (`'{listId}'`). */
export const LIST_ID_SLOT = "{listId}";
/** Where the repeat check takes the id of the run's SHOW STREAMS (`'{showId}'`). */
export const SHOW_ID_SLOT = "{showId}";
/** A Snowflake query id: the UUID unloaded file names carry (INCLUDE_QUERY_ID). */
export const QUERY_ID_FORM = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/**
 * `REMOVE` of the files one unload wrote under `path`, with `{queryId}` where its query id goes:
 * with INCLUDE_QUERY_ID (the default, and the only choice with PARTITION BY) every file name
 * carries the id of the query that wrote it. https://docs.snowflake.com/en/sql-reference/sql/copy-into-location
 * https://docs.snowflake.com/en/sql-reference/sql/remove
 */
export function removeFilesOfQuery(stage: [string, string, string], path: string): string {
    return `REMOVE @${qualified(...stage)}/${path} PATTERN = '.*${QUERY_ID_SLOT}.*'`;
}

/** `LIST` of the files under `path` of the stage. https://docs.snowflake.com/en/sql-reference/sql/list */
export function listFiles(stage: [string, string, string], path: string): string {
    return `LIST @${qualified(...stage)}/${path}`;
}

/** `SHOW STREAMS LIKE '<name>' IN SCHEMA "<DB>"."<SCHEMA>"`. https://docs.snowflake.com/en/sql-reference/sql/show-streams */
export function showStreamSql(schema: [string, string], stream: string): string {
    return `SHOW STREAMS LIKE ${quoteLiteral(stream)} IN SCHEMA ${qualified(...schema)}`;
}

/** `SHOW TASKS LIKE '<name>' IN SCHEMA "<DB>"."<SCHEMA>"`. https://docs.snowflake.com/en/sql-reference/sql/show-tasks */
export function showTaskSql(schema: [string, string], task: string): string {
    return `SHOW TASKS LIKE ${quoteLiteral(task)} IN SCHEMA ${qualified(...schema)}`;
}

/**
 * What a run that would repeat an export says (the backfill's error, the task's exception). No
 * quote: the exception's message is a literal, whose escapes the DECLARE documentation does not show.
 */
export function repeatedExportMessage(table: string): string {
    return (
        `${table}: the export folder holds files that an earlier stream committed, and its stream has committed none, ` +
        "so its first read would unload every row again beside them. Raise the table generation in the stack file."
    );
}

/**
 * The unload log: one row per file of every committed unload, written by both runners in the
 * unload's own transaction. A file is listed here exactly when the unload that wrote it committed.
 */
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
 * Per export, the query ids of files that were in its folder, unlisted, when its first run under the
 * log's invariant looked (files of an earlier version, whose log INSERT could fail after the COPY had
 * committed), and a marker row (QUERY_ID '') that the baseline is taken. The cleanup never removes
 * them: whether they committed is not known.
 */
export const UNLOAD_BASELINE_TABLE = "LAKE_UNLOAD_BASELINE";
export const UNLOAD_BASELINE_COLUMNS = [
    { name: "TABLE_NAME", type: "VARCHAR(255)", nullable: false },
    { name: "EXPORT_ID", type: "VARCHAR(64)", nullable: false },
    { name: "QUERY_ID", type: "VARCHAR(64)", nullable: false },
    { name: "RECORDED_AT", type: "TIMESTAMP_NTZ", nullable: false },
];

/**
 * A field of a result row, whatever the case of its column name. COPY and LIST results do not name
 * their columns alike (COPY's DETAILED_OUTPUT columns have been seen as FILE_NAME and as file_name,
 * LIST's are lower-case), so rows are read as `OBJECT_CONSTRUCT(*) AS O` and their fields with
 * GET_IGNORE_CASE; an absent field is NULL (OBJECT_CONSTRUCT omits NULL values).
 * https://docs.snowflake.com/en/sql-reference/functions/get_ignore_case
 * https://docs.snowflake.com/en/sql-reference/functions/object_construct
 */
const field = (name: string) => `GET_IGNORE_CASE(O, ${quoteLiteral(name)})`;
const resultObjects = (slot: string) => `(SELECT OBJECT_CONSTRUCT(*) AS O FROM TABLE(RESULT_SCAN('${slot}')))`;

/**
 * The query id in an unloaded file's name (`<folder>/data_<query id>_<n>.<extension>`: every unload
 * is partitioned, so its FILE_NAME and each LIST name hold a folder, as copy-into-location's
 * PARTITION BY example shows: `date=2020-01-28/hour=18/data_019c059d-..._006_4_0.snappy.parquet`),
 * as the first group. https://docs.snowflake.com/en/sql-reference/sql/copy-into-location
 */
const FILE_QUERY_ID = `/data_(${QUERY_ID_FORM})_[^/]*$`;

/**
 * Records what one unload wrote, from its own output: `{queryId}` is the COPY's query id, whose
 * DETAILED_OUTPUT rows (FILE_NAME, FILE_SIZE, ROW_COUNT) RESULT_SCAN returns. QUERY_ID is the id
 * the file's name carries, the one the cleanup reads (`listedQueryIds`): after "a machine or
 * network failure, the unload job is retried ... Any new files written to the stage have the
 * retried query ID as the UUID" (copy-into-location, INCLUDE_QUERY_ID), so the COPY's own id, its
 * fallback, could name none of its files and the next cleanup would remove them. An unload that wrote
 * nothing returns the summary row instead (rows_unloaded 0, input_bytes, output_bytes), which is
 * skipped; any other row, a summary of rows unloaded included, has no FILE_NAME and fails the log's
 * NOT NULL column, so an unload whose files the log cannot list never commits (NOT NULL is the one
 * constraint Snowflake enforces: https://docs.snowflake.com/en/sql-reference/constraints-overview).
 * `npm run verify` compares the lake's rows per partition with this log.
 * https://docs.snowflake.com/en/sql-reference/functions/result_scan
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-location (DETAILED_OUTPUT)
 */
export function unloadLogInsert(log: [string, string, string], table: string, exportId: string): string {
    return (
        `INSERT INTO ${qualified(...log)} (${UNLOAD_LOG_COLUMNS.map((c) => c.name).join(", ")}) ` +
        `SELECT ${quoteLiteral(table)}, ${quoteLiteral(exportId)}, ` +
        `COALESCE(REGEXP_SUBSTR(${field("FILE_NAME")}::VARCHAR, '${FILE_QUERY_ID}', 1, 1, 'e', 1), '${QUERY_ID_SLOT}'), ${field("FILE_NAME")}::VARCHAR, ` +
        `${field("FILE_SIZE")}::NUMBER(38,0), ${field("ROW_COUNT")}::NUMBER(38,0), SYSDATE() ` +
        `FROM ${resultObjects(QUERY_ID_SLOT)} WHERE COALESCE(${field("ROWS_UNLOADED")}::NUMBER, -1) <> 0`
    );
}

/**
 * The query ids the files of the run's LIST carry: `<path>/data_<query id>_<n>.<extension>`
 * (INCLUDE_QUERY_ID, https://docs.snowflake.com/en/sql-reference/sql/copy-into-location); NULL for a
 * name of another form, which the cleanup therefore never removes.
 */
const listedQueryIds = () =>
    `(SELECT DISTINCT REGEXP_SUBSTR(${field("name")}::VARCHAR, '${FILE_QUERY_ID}', 1, 1, 'e', 1) AS QUERY_ID ` +
    `FROM ${resultObjects(LIST_ID_SLOT)})`;

/** The statements of one unload and of the cleanup and checks before it; both runners run them, but for the backfill's own two. */
export interface UnloadStatements {
    /** The COPY INTO <location>. */
    copy: string;
    /** The log INSERT of the COPY's files, `'{queryId}'` the COPY's id (`unloadLogInsert`). */
    log: string;
    /** LIST of the export's folder. */
    list: string;
    /** The export's baseline, taken once, from the LIST (`'{listId}'`). */
    baseline: string;
    /** The query ids of the export's files that neither the log nor the baseline lists, from the LIST (`'{listId}'`). */
    unlisted: string;
    /** REMOVE of one query's files (`{queryId}`). */
    remove: string;
    /** SHOW STREAMS of the export's stream. */
    show: string;
    /**
     * One row, one column: how many files of the export the log lists from before its stream was
     * created when it lists none since, else 0, from the SHOW (`'{showId}'`). A run refuses when it is not 0.
     */
    repeated: string;
    /**
     * One row: the files, rows and bytes the log lists of the export since its stream was created,
     * and the query id of the first of them (FILES, ROW_TOTAL, BYTE_TOTAL, FIRST_QUERY_ID), from the
     * SHOW (`'{showId}'`). Files there mean the stream is past its first read.
     */
    since: string;
    /** The backfill's: SHOW TASKS of the table's task. */
    showTask: string;
    /**
     * The backfill's: one row, TASKS, 1 when the task in the SHOW TASKS (`'{showId}'`) reads this export's
     * stream (its WHEN names the stream), else 0. The task is updated to a stream only once the stream's
     * backfill has succeeded, so such a stream is past its first read.
     */
    taskReads: string;
}

/**
 * The unload, its log, and the cleanup that keeps "a file is listed in LAKE_UNLOADS exactly when
 * the unload that wrote it committed":
 * - the COPY and its log INSERT commit together (the runners wrap them in one transaction), and the
 *   stream advances only when that transaction commits ("this includes ... a COPY INTO location
 *   transaction and this behavior applies to both explicit and autocommit transactions",
 *   https://docs.snowflake.com/en/user-guide/streams-intro). An unload that fails, is rolled back or
 *   is cancelled (USER_TASK_TIMEOUT_MS) leaves files no log row lists, and its rows in the stream;
 * - each run first removes, under the export's folder, the files of every query the log does not
 *   list. The run's LIST is taken before its own COPY, so it holds no file of this run; no other
 *   unload of the export runs meanwhile (the task disallows overlapping runs, and the backfill runs
 *   before the task exists, or in a new export's folder). Files that were in the folder, unlisted,
 *   when the export's first run under this rule looked, are kept (the baseline): they may have
 *   committed under an earlier version, whose log INSERT could fail after the COPY had committed.
 *
 * And no stream's first read repeats an export: before anything else, a run refuses when the log
 * lists files of the export from before its stream was created and none since. The export's folder
 * is a function of the table's settings (export-layout.ts), so a setting set back to an earlier
 * value returns to a folder an earlier stream filled, under a new stream; and the provider recreates
 * a stale stream in place, under the same name (terraform-provider-snowflake v1.2.1
 * pkg/resources/custom_diffs.go RecreateWhenStreamIsStale). Either new stream starts with every row
 * of the table (SHOW_INITIAL_ROWS, https://docs.snowflake.com/en/sql-reference/sql/create-stream).
 * A stream that has committed files is past its first read (`since`): a task run, or an export
 * repeated before this check existed, goes on; the backfill, which is the first read, then unloads
 * nothing (a re-run after a failed partition registration, or a replaced command beside the running
 * task, whose cleanup could remove the files of a task run that has not committed yet). A stream
 * whose reads committed no file (an empty first read) cannot be told from a new one that way. SHOW's
 * `created_on` is TIMESTAMP_LTZ and its columns are lower-case (show-streams, "use double-quoted
 * identifiers"); the log's UNLOADED_AT is SYSDATE(), UTC. A stream SHOW does not show (dropped, or
 * not granted) counts 0: the COPY from it then fails on its own. The checks are aggregates without
 * GROUP BY, one row even over no rows (COUNT_IF and COUNT give 0, MIN_BY NULL).
 *
 * A stream whose reads committed no file (an empty first read, and every run since) is told apart
 * by its task instead (`taskReads`): the task depends on the backfill, so it names a stream only
 * once that stream's backfill has committed; a backfill replaced beside it (`pulumi up --replace`)
 * then unloads and removes nothing. Where the task names a stream before its backfill ran
 * (`pulumi up --target` of the task, an imported task, a stream recreated under its name), the
 * task's own run is the stream's first read: nothing is lost either way. A task the backfill's role
 * cannot see (SHOW lists only what the role has a privilege on) counts 0: the backfill then runs. SHOW TASKS' `condition` is the task's WHEN (the provider reads `when` back
 * from it: terraform-provider-snowflake pkg/sdk/tasks_gen.go `taskDBRow`, pkg/resources/task.go);
 * only the stream's quoted name in it is looked for, in upper case. A condition Snowflake stored in
 * another form would count 0, and the backfill would run as it did before this check.
 * https://docs.snowflake.com/en/sql-reference/sql/show-tasks
 * https://docs.snowflake.com/en/sql-reference/functions/count_if
 * https://docs.snowflake.com/en/sql-reference/functions/min_by
 */
export function unloadStatements(a: {
    copy: string;
    stage: [string, string, string];
    path: string;
    table: string;
    exportId: string;
    /** The export's stream, in the stage's database and schema. */
    stream: string;
    /** The table's task, in the stage's database and schema. */
    task: string;
}): UnloadStatements {
    const log = qualified(a.stage[0], a.stage[1], UNLOAD_LOG_TABLE);
    const baseline = qualified(a.stage[0], a.stage[1], UNLOAD_BASELINE_TABLE);
    const mine = (alias: string) => `${alias}.TABLE_NAME = ${quoteLiteral(a.table)} AND ${alias}.EXPORT_ID = ${quoteLiteral(a.exportId)}`;
    const taken = `EXISTS (SELECT 1 FROM ${baseline} M WHERE ${mine("M")} AND M.QUERY_ID = '')`;
    // The stream's creation, from the run's SHOW STREAMS.
    const created =
        `(SELECT CONVERT_TIMEZONE('UTC', "created_on")::TIMESTAMP_NTZ AS CREATED ` +
        `FROM TABLE(RESULT_SCAN('${SHOW_ID_SLOT}')) WHERE "name" = ${quoteLiteral(a.stream)}) S`;
    const logged = `EXISTS (SELECT 1 FROM ${log} L WHERE ${mine("L")} AND L.QUERY_ID = F.QUERY_ID)`;
    return {
        copy: a.copy,
        log: unloadLogInsert([a.stage[0], a.stage[1], UNLOAD_LOG_TABLE], a.table, a.exportId),
        list: listFiles(a.stage, a.path),
        baseline:
            `INSERT INTO ${baseline} (${UNLOAD_BASELINE_COLUMNS.map((c) => c.name).join(", ")}) ` +
            `SELECT ${quoteLiteral(a.table)}, ${quoteLiteral(a.exportId)}, Q.QUERY_ID, SYSDATE() FROM (` +
            `SELECT '' AS QUERY_ID UNION SELECT F.QUERY_ID FROM ${listedQueryIds()} F WHERE F.QUERY_ID IS NOT NULL AND NOT ${logged}` +
            `) Q WHERE NOT ${taken}`,
        unlisted:
            `SELECT F.QUERY_ID FROM ${listedQueryIds()} F WHERE F.QUERY_ID IS NOT NULL AND ${taken} AND NOT ${logged} ` +
            `AND NOT EXISTS (SELECT 1 FROM ${baseline} K WHERE ${mine("K")} AND K.QUERY_ID = F.QUERY_ID)`,
        remove: removeFilesOfQuery(a.stage, a.path),
        show: showStreamSql([a.stage[0], a.stage[1]], a.stream),
        repeated:
            "SELECT IFF(COUNT_IF(L.UNLOADED_AT >= S.CREATED) = 0, COUNT_IF(L.UNLOADED_AT < S.CREATED), 0) " +
            `FROM ${log} L, ${created} WHERE ${mine("L")}`,
        since:
            "SELECT COUNT(*) AS FILES, COALESCE(SUM(L.ROW_COUNT), 0) AS ROW_TOTAL, COALESCE(SUM(L.FILE_SIZE), 0) AS BYTE_TOTAL, " +
            `MIN_BY(L.QUERY_ID, L.UNLOADED_AT) AS FIRST_QUERY_ID FROM ${log} L, ${created} WHERE ${mine("L")} AND L.UNLOADED_AT >= S.CREATED`,
        showTask: showTaskSql([a.stage[0], a.stage[1]], a.task),
        taskReads:
            `SELECT COUNT(*) AS TASKS FROM TABLE(RESULT_SCAN('${SHOW_ID_SLOT}')) WHERE "name" = ${quoteLiteral(a.task)} ` +
            `AND CONTAINS(UPPER("condition"), UPPER(${quoteLiteral(streamNameLiteral([a.stage[0], a.stage[1], a.stream]))}))`,
    };
}

/** `sql` with `'{slot}'` replaced by `replacement`; throws unless the slot is there. */
export function fill(sql: string, slot: string, replacement: string): string {
    const parts = sql.split(`'${slot}'`);
    if (parts.length < 2) throw new Error(`the statement must contain '${slot}': ${sql.slice(0, 80)}`);
    return parts.join(replacement);
}

/**
 * The task's body: the repeat check and the cleanup (`unloadStatements`), then the COPY and its log
 * line in one explicit transaction. A repeat raises `export_repeated`, whose message is
 * `repeatedExportMessage(table)`. The handler rolls the transaction back and raises the error again, so the run fails
 * (and alerts through the task's ERROR_INTEGRATION). A run cancelled by USER_TASK_TIMEOUT_MS runs no
 * handler; the transaction it leaves open is rolled back ("If a transaction is started inside a
 * stored procedure and is still active when the stored procedure finishes, an error occurs and the
 * transaction is rolled back"), and the next run's cleanup removes its files.
 * https://docs.snowflake.com/en/sql-reference/transactions
 * https://docs.snowflake.com/en/sql-reference/snowflake-scripting/begin (a transaction inside a block)
 * https://docs.snowflake.com/en/developer-guide/snowflake-scripting/query-id (SQLID)
 * https://docs.snowflake.com/en/developer-guide/snowflake-scripting/resultsets (a cursor over a RESULTSET)
 * https://docs.snowflake.com/en/sql-reference/constructs/into (SELECT ... INTO :variable, one row)
 * https://docs.snowflake.com/en/sql-reference/snowflake-scripting/raise (an exception with a number and message)
 * https://docs.snowflake.com/en/sql-reference/snowflake-scripting/declare (its number, -20000 to -20999)
 */
export function taskBody(s: UnloadStatements, table: string): string {
    const remove = s.remove.split(QUERY_ID_SLOT);
    if (remove.length !== 2) throw new Error(`the REMOVE statement must contain ${QUERY_ID_SLOT} once`);
    // The check's one select item has no FROM of its own: INTO goes before the first.
    const check = fill(s.repeated, SHOW_ID_SLOT, ":show_id");
    const from = check.indexOf(" FROM ");
    if (!check.startsWith("SELECT ") || from < 0) throw new Error(`the repeat check must be a SELECT: ${check.slice(0, 80)}`);
    return [
        "DECLARE",
        "  show_id VARCHAR;",
        "  repeated_files INTEGER;",
        "  list_id VARCHAR;",
        "  copy_id VARCHAR;",
        "  cleanup VARCHAR;",
        `  export_repeated EXCEPTION (-20001, ${quoteLiteral(repeatedExportMessage(table))});`,
        "BEGIN",
        `  ${s.show};`,
        "  show_id := SQLID;",
        `  ${check.slice(0, from)} INTO :repeated_files${check.slice(from)};`,
        "  IF (repeated_files > 0) THEN",
        "    RAISE export_repeated;",
        "  END IF;",
        `  ${s.list};`,
        "  list_id := SQLID;",
        `  ${fill(s.baseline, LIST_ID_SLOT, ":list_id")};`,
        `  LET unlisted RESULTSET := (${fill(s.unlisted, LIST_ID_SLOT, ":list_id")});`,
        "  LET unlisted_files CURSOR FOR unlisted;",
        "  FOR f IN unlisted_files DO",
        `    cleanup := ${quoteLiteral(remove[0])} || f.QUERY_ID || ${quoteLiteral(remove[1])};`,
        "    EXECUTE IMMEDIATE :cleanup;",
        "  END FOR;",
        "  BEGIN TRANSACTION;",
        `  ${s.copy.split("\n").join("\n  ")};`,
        "  copy_id := SQLID;",
        `  ${fill(s.log, QUERY_ID_SLOT, ":copy_id")};`,
        "  COMMIT;",
        "EXCEPTION",
        "  WHEN OTHER THEN",
        "    ROLLBACK;",
        "    RAISE;",
        "END",
    ].join("\n");
}
