/**
 * The Glue table of an export, as a pure function of the table's columns: what Athena reads the
 * unloaded Parquet files as. The program declares the table itself (the crawler's catalog target
 * adds partitions to it), so its schema is known at deploy time rather than inferred from files.
 *
 * Each Snowflake type maps to the Hive type of the Parquet column the unload writes for it, with
 * ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION = FALSE (one physical type per column in every file):
 * https://docs.snowflake.com/en/user-guide/data-unload-considerations,
 * https://docs.aws.amazon.com/athena/latest/ug/data-types.html. Types Parquet or Athena cannot
 * hold as they are (TIME, semi-structured, GEOGRAPHY) are unloaded as text (`sql.textUnload`).
 */
import { textUnload } from "../warehouse/sql";
import { ColumnSpec } from "../types";

/** Athena's Parquet table form. https://docs.aws.amazon.com/athena/latest/ug/parquet-serde.html */
export const PARQUET_STORAGE = {
    inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serDeInfo: {
        serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        parameters: { "serialization.format": "1" },
    },
} as const;

/** The Hive type Athena reads the unloaded column as. Throws on a type config.ts does not accept. */
export function glueType(snowflakeType: string): string {
    const t = snowflakeType.toUpperCase();
    let m: RegExpExecArray | null;
    if ((m = /^(NUMBER|DECIMAL|NUMERIC)(?:\((\d{1,2})(?:,(\d{1,2}))?\))?$/.exec(t))) {
        // NUMBER without precision is NUMBER(38,0); NUMBER(p) is NUMBER(p,0).
        // https://docs.snowflake.com/en/sql-reference/data-types-numeric#number
        return `decimal(${m[2] ?? "38"},${m[3] ?? "0"})`;
    }
    // Synonyms of NUMBER(38,0). https://docs.snowflake.com/en/sql-reference/data-types-numeric#int-integer-bigint-smallint-tinyint-byteint
    if (/^(INT|INTEGER|BIGINT|SMALLINT|TINYINT|BYTEINT)$/.test(t)) return "decimal(38,0)";
    if (/^(FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION|REAL)$/.test(t)) return "double";
    if (/^(VARCHAR|CHAR|CHARACTER|STRING|TEXT)(\(\d+\))?$/.test(t)) return "string";
    if (/^(BINARY|VARBINARY)(\(\d+\))?$/.test(t)) return "binary";
    if (t === "BOOLEAN") return "boolean";
    if (t === "DATE") return "date";
    if (/^(DATETIME|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)(\(\d\))?$/.test(t)) return "timestamp";
    // Parquet has no TIME that Athena reads, nor JSON or geography types: the unload writes text.
    if (textUnload(t, '"X"') !== undefined) return "string";
    throw new Error(`no Glue type for Snowflake type ${snowflakeType}`);
}

/** The table's columns as Glue columns: lower-case names (Glue's form), in the unload's order. */
export function glueColumns(columns: ColumnSpec[]): Array<{ name: string; type: string }> {
    return columns.map((c) => ({ name: c.name.toLowerCase(), type: glueType(c.type) }));
}
