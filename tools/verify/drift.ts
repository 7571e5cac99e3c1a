/**
 * Drift of a `source` table: its columns as the stack file lists them against what Snowflake's
 * `DESCRIBE TABLE` says now. The table is someone else's, and it changes under the export: a
 * dropped or renamed column makes the task's `SELECT` fail on its next run, a retyped one changes
 * the Parquet schema the crawler catalogues. Pure.
 */
import { qualified } from "@incremental-crawl/components/runtime";

/** A column as `DESCRIBE TABLE` reports it. */
export interface DescribedColumn {
    name: string;
    type: string;
    nullable: boolean;
}

/** `DESCRIBE TABLE "DB"."SCHEMA"."NAME"` of `DB.SCHEMA.NAME` parts. https://docs.snowflake.com/en/sql-reference/sql/desc-table */
export function describeTableSql(parts: [string, string, string]): string {
    return `DESCRIBE TABLE ${qualified(...parts)}`;
}

/** A cell of a Snowflake result row by column name, whatever its case. */
export function cell(row: Record<string, unknown>, column: string): unknown {
    const key = Object.keys(row).find((k) => k.toLowerCase() === column);
    return key === undefined ? undefined : row[key];
}

/**
 * The columns of a `DESCRIBE TABLE` result: one row per column with `name`, `type`, `kind`
 * (`COLUMN`), `null?` (`Y`/`N`), in table order. Rows of another kind are left out.
 */
export function describedColumns(rows: Record<string, unknown>[]): DescribedColumn[] {
    return rows
        .filter((r) => String(cell(r, "kind") ?? "COLUMN").toUpperCase() === "COLUMN")
        .map((r) => {
            const name = cell(r, "name");
            const type = cell(r, "type");
            if (typeof name !== "string" || typeof type !== "string") {
                throw new Error(`DESCRIBE TABLE returned a row without name and type (columns: ${Object.keys(r).join(", ")})`);
            }
            return { name, type, nullable: String(cell(r, "null?") ?? "Y").toUpperCase() !== "N" };
        });
}

/**
 * One spelling per Snowflake type, as DESCRIBE TABLE writes it: synonyms resolved (INT is
 * NUMBER(38,0), TEXT is VARCHAR(16777216)), default precisions and lengths made explicit
 * (TIMESTAMP_TZ is TIMESTAMP_TZ(9)). https://docs.snowflake.com/en/sql-reference/intro-summary-data-types
 * TIMESTAMP (and DATETIME) is read as TIMESTAMP_NTZ, Snowflake's default TIMESTAMP_TYPE_MAPPING.
 */
export function canonicalType(type: string): string {
    const t = type
        .trim()
        .toUpperCase()
        .replace(/\s+/g, " ")
        .replace(/\s*([(),])\s*/g, "$1");
    const m = /^([A-Z_][A-Z0-9_ ]*?)(?:\((.*)\))?$/.exec(t);
    if (!m) return t;
    const base = m[1].trim();
    const args = m[2] === undefined ? [] : m[2].split(",");
    if (["NUMBER", "DECIMAL", "NUMERIC", "DEC"].includes(base)) return `NUMBER(${args[0] ?? 38},${args[1] ?? 0})`;
    if (["INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT"].includes(base)) return "NUMBER(38,0)";
    if (["FLOAT", "FLOAT4", "FLOAT8", "DOUBLE", "DOUBLE PRECISION", "REAL"].includes(base)) return "FLOAT";
    if (["VARCHAR", "STRING", "TEXT", "NVARCHAR", "NVARCHAR2", "CHAR VARYING", "NCHAR VARYING"].includes(base))
        return `VARCHAR(${args[0] ?? 16777216})`;
    if (["CHAR", "CHARACTER", "NCHAR"].includes(base)) return `VARCHAR(${args[0] ?? 1})`;
    if (["BINARY", "VARBINARY"].includes(base)) return `BINARY(${args[0] ?? 8388608})`;
    if (["TIMESTAMP", "DATETIME", "TIMESTAMP_NTZ", "TIMESTAMPNTZ", "TIMESTAMP WITHOUT TIME ZONE"].includes(base))
        return `TIMESTAMP_NTZ(${args[0] ?? 9})`;
    if (["TIMESTAMP_LTZ", "TIMESTAMPLTZ", "TIMESTAMP WITH LOCAL TIME ZONE"].includes(base)) return `TIMESTAMP_LTZ(${args[0] ?? 9})`;
    if (["TIMESTAMP_TZ", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"].includes(base)) return `TIMESTAMP_TZ(${args[0] ?? 9})`;
    if (base === "TIME") return `TIME(${args[0] ?? 9})`;
    return t;
}

export interface DriftColumn {
    name: string;
    type: string;
    /** 1-based, in its own list (the stack file's for dropped columns, Snowflake's for added ones). */
    position: number;
}

export interface Drift {
    /** In Snowflake, not in the stack file: not exported (harmless to the task). */
    added: DriftColumn[];
    /** In the stack file, gone from Snowflake: the task's SELECT fails. */
    dropped: DriftColumn[];
    /** A dropped and an added column of the same type at the same position. */
    renamed: Array<{ from: string; to: string; type: string; position: number }>;
    /** Same name, another type. */
    retyped: Array<{ name: string; from: string; to: string }>;
}

/**
 * Compares the stack file's columns with Snowflake's. Columns match by name. A dropped and an
 * added column are a rename when they have the same type and the same position: between the same
 * matched columns of their lists (so a rename is seen even when another column was dropped or
 * added next to it); at one place, they pair in order.
 */
export function compareColumns(
    configured: ReadonlyArray<{ name: string; type: string }>,
    actual: ReadonlyArray<{ name: string; type: string }>,
): Drift {
    const actualNames = new Set(actual.map((c) => c.name));
    const configuredNames = new Set(configured.map((c) => c.name));
    const slotted = (list: ReadonlyArray<{ name: string; type: string }>, other: Set<string>) => {
        let matched = 0;
        const out: Array<DriftColumn & { slot: number }> = [];
        list.forEach((c, i) => {
            if (other.has(c.name)) matched += 1;
            else out.push({ name: c.name, type: c.type, position: i + 1, slot: matched });
        });
        return out;
    };
    const dropped = slotted(configured, actualNames);
    const added = slotted(actual, configuredNames);

    const renamed: Drift["renamed"] = [];
    const pairedDropped = new Set<number>();
    const pairedAdded = new Set<number>();
    dropped.forEach((d, i) => {
        const j = added.findIndex((a, k) => !pairedAdded.has(k) && a.slot === d.slot && canonicalType(a.type) === canonicalType(d.type));
        if (j < 0) return;
        pairedDropped.add(i);
        pairedAdded.add(j);
        renamed.push({ from: d.name, to: added[j].name, type: added[j].type, position: added[j].position });
    });

    const byName = new Map(actual.map((c) => [c.name, c]));
    const retyped = configured
        .filter((c) => byName.has(c.name) && canonicalType(c.type) !== canonicalType(byName.get(c.name)!.type))
        .map((c) => ({ name: c.name, from: c.type, to: byName.get(c.name)!.type }));
    const strip = ({ name, type, position }: DriftColumn) => ({ name, type, position });
    return {
        added: added.filter((_, k) => !pairedAdded.has(k)).map(strip),
        dropped: dropped.filter((_, i) => !pairedDropped.has(i)).map(strip),
        renamed,
        retyped,
    };
}

/** Whether the export breaks on it: a configured column is gone, renamed or of another type. */
export function driftBreaks(d: Drift): boolean {
    return d.dropped.length + d.renamed.length + d.retyped.length > 0;
}

export function hasDrift(d: Drift): boolean {
    return driftBreaks(d) || d.added.length > 0;
}

/** One line per change, the breaking ones first. */
export function driftLines(d: Drift): string[] {
    return [
        ...d.renamed.map((r) => `renamed upstream: ${r.from} → ${r.to} (${r.type}, column ${r.position})`),
        ...d.dropped.map((c) => `dropped upstream: ${c.name} (${c.type})`),
        ...d.retyped.map((r) => `retyped upstream: ${r.name} ${r.from} → ${r.to}`),
        ...d.added.map((c) => `added upstream: ${c.name} (${c.type}, column ${c.position}), not exported`),
    ];
}
