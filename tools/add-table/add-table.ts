/**
 * `npm run add-table`: a `source` table for the stack file from the table's own columns in
 * Snowflake (`DESCRIBE TABLE`), and `--check`: the drift of the stack's source tables.
 *
 * The pure parts (`parseSource`, `proposeTable`, `appendTable`, `addedLines`) take the described
 * columns and the stack file's document; `runAddTable` wires them to the stack file, config.ts's
 * validation and a Snowflake connection (the backfill's settings, key and driver adapter, see
 * verify-snowflake.ts), all injectable so tests use a fake `SqlConnection` and a temporary root.
 */
import * as fs from "node:fs";
import * as YAML from "yaml";
import { PartitionGranularity } from "@incremental-crawl/components";
import { connectionEnvironment, naming, partitionKey, TIME_PARTITION_KEY, type SqlConnection } from "@incremental-crawl/components/runtime";
import { PROJECT } from "../../config";
import { CommandError, CommandSpec, didYouMean, EXIT, Io, Parsed, processIo, runCommand, stackNames, UsageError } from "../cli/command";
import { compareColumns, DescribedColumn, describedColumns, describeTableSql, driftBreaks, driftLines } from "../verify/drift";
import { StackFile, stackFileText } from "../../offline/stack-file";
import { ROOT } from "../../offline/stacks";
import { StackConfigError, validateStack, validateStackFile } from "../cli/stack-config";

/** A table as the stack file holds it (`incremental-crawl:tables[]`). */
export interface TableEntry {
    name: string;
    source: string;
    columns: Array<{ name: string; type: string; nullable?: false }>;
    partitionBy: string;
    partitionGranularity: PartitionGranularity;
}

/** A column of the source that the stack cannot (or was asked not to) export, and why. */
export interface LeftOut {
    name: string;
    type: string;
    reason: string;
}

export interface Proposal {
    /** The table entry; undefined when a column blocks it or no partition column was found. */
    entry?: TableEntry;
    /** Columns the configuration cannot take that `--exclude` does not name: they block the entry. */
    refused: LeftOut[];
    /** Columns `--exclude` leaves out, with the reason the stack could not take them (or "--exclude"). */
    excluded: LeftOut[];
    /** How the partition column and granularity were chosen. */
    partition?: string;
    /** Why there is no entry besides refused columns. */
    problems: string[];
}

/** Date and time types: partitioned by day, month or hour. DATE takes day and month only (config.ts). */
const TEMPORAL = /^(DATE|DATETIME|TIMESTAMP|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)(\(\d\))?$/;

/** The type as config.ts normalises it. */
const normalType = (t: string) =>
    t
        .trim()
        .toUpperCase()
        .replace(/\s*,\s*/g, ",");

/** `crm.public.customers` → `CRM.PUBLIC.CUSTOMERS` (unquoted names fold to upper case); throws `UsageError`. */
export function parseSource(text: string): { source: string; parts: [string, string, string] } {
    if (text.includes('"')) {
        throw new UsageError(
            `${text}: a source is DATABASE.SCHEMA.TABLE of unquoted names (the stack file's source takes upper-case identifiers only)`,
        );
    }
    const source = text.trim().toUpperCase();
    const why = naming.snowflakeQualifiedName(source);
    if (why !== undefined) throw new UsageError(`${text}: expected ${why}`);
    const [db, schema, table] = source.split(".");
    return { source, parts: [db, schema, table] };
}

function nameProblem(name: string): string | undefined {
    if (naming.snowflakeColumn(name) === undefined) return undefined;
    if (name.length > 128) return "a name longer than the 128 characters the stack's columns may have";
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        return `a quoted mixed-case name: the stack's columns are upper-case unquoted names (unquoted, ${name} would be ${name.toUpperCase()}, another column)`;
    }
    return "a quoted name with characters other than letters, digits and _, which the stack's columns cannot have";
}

function typeProblem(type: string): string | undefined {
    if (naming.snowflakeType(type) === undefined) return undefined;
    // https://docs.snowflake.com/en/sql-reference/data-types-vector (loading and unloading Parquet data)
    if (/^VECTOR\b/.test(type)) return "VECTOR columns cannot be unloaded to Parquet (Snowflake unloads them only cast to ARRAY)";
    if (/^(ARRAY|OBJECT|MAP)\(/.test(type))
        return "a structured type: the stack's columns take ARRAY, OBJECT and VARIANT without element types";
    return `${type} is not among the types the stack unloads to Parquet (components/naming.ts: numbers, text, binary, boolean, date and time, VARIANT, OBJECT, ARRAY, GEOGRAPHY)`;
}

/** An option naming no column of `source`, with the column it most likely meant. */
function noColumn(option: string, source: string, name: string, columns: DescribedColumn[]): UsageError {
    const names = columns.map((c) => c.name);
    return new UsageError(`${option}: ${source} has no column ${name}${didYouMean(name, names)}`);
}

/** Names `--exclude` gives, matched to the described columns: exactly, else case-insensitively when that is unambiguous. */
function resolveExcludes(names: string[], columns: DescribedColumn[], source: string): Set<string> {
    const out = new Set<string>();
    for (const n of names) {
        const exact = columns.find((c) => c.name === n);
        const folded = columns.filter((c) => c.name.toUpperCase() === n.toUpperCase());
        const hit = exact ?? (folded.length === 1 ? folded[0] : undefined);
        if (!hit) throw noColumn("--exclude", source, n, columns);
        out.add(hit.name);
    }
    return out;
}

/**
 * The table entry for `source` from its described columns: every column the configuration can
 * take, `partitionBy` the first DATE or TIMESTAMP column (granularity `day`) unless given, and the
 * columns it cannot take listed with the reason — quoted mixed-case names, types the unload does
 * not write, names that clash with the partition key. Those block the entry unless `exclude`
 * names them. Throws `UsageError` for an `exclude` or `partitionBy` that names no column.
 */
export function proposeTable(
    source: string,
    columns: DescribedColumn[],
    opts: { name?: string; partitionBy?: string; granularity?: PartitionGranularity; exclude?: string[] } = {},
): Proposal {
    const excludes = resolveExcludes(opts.exclude ?? [], columns, source);
    const unfit = new Map<string, string>();
    for (const c of columns) {
        const why = nameProblem(c.name) ?? typeProblem(normalType(c.type));
        if (why !== undefined) unfit.set(c.name, why);
    }
    const usable = columns.filter((c) => !unfit.has(c.name) && !excludes.has(c.name));
    const problems: string[] = [];

    let partitionBy: string | undefined;
    let partition: string | undefined;
    if (opts.partitionBy !== undefined) {
        const hit = columns.find((c) => c.name === opts.partitionBy) ?? columns.find((c) => c.name === opts.partitionBy!.toUpperCase());
        if (!hit) throw noColumn("--partition-by", source, opts.partitionBy, columns);
        if (!usable.includes(hit))
            problems.push(`--partition-by ${hit.name}: the column is left out (${unfit.get(hit.name) ?? "--exclude"})`);
        else partitionBy = hit.name;
        partition = "--partition-by";
    } else {
        // A column named DT cannot partition by day: it would be its own partition key.
        const first = usable.find((c) => TEMPORAL.test(normalType(c.type)) && c.name !== TIME_PARTITION_KEY.toUpperCase());
        if (first) {
            partitionBy = first.name;
            partition = "the first DATE or TIMESTAMP column";
        } else {
            problems.push(
                `${source} has no DATE or TIMESTAMP column to partition by: pass --partition-by <column> (a text or number column partitions by value, p_<column>=<value>)`,
            );
        }
    }
    const partCol = columns.find((c) => c.name === partitionBy);
    const granularity: PartitionGranularity = opts.granularity ?? (partCol && TEMPORAL.test(normalType(partCol.type)) ? "day" : "value");
    if (partitionBy !== undefined) {
        const key = partitionKey({ partitionBy, partitionGranularity: granularity });
        for (const c of usable) {
            if (c.name.toLowerCase() === key)
                unfit.set(c.name, `named like the table's partition key ${key}: Athena refuses a column repeated as a partition key`);
        }
        partition = `partitionBy ${partitionBy} (${partition}), partitionGranularity ${granularity}`;
    }

    const refused: LeftOut[] = [];
    const excluded: LeftOut[] = [];
    for (const c of columns) {
        const reason = unfit.get(c.name);
        if (excludes.has(c.name)) excluded.push({ name: c.name, type: c.type, reason: reason ?? "--exclude" });
        else if (reason !== undefined) refused.push({ name: c.name, type: c.type, reason });
    }
    const kept = columns.filter((c) => !unfit.has(c.name) && !excludes.has(c.name));
    if (kept.length === 0 && columns.length > 0) problems.push(`no column of ${source} is left to export`);
    const entry: TableEntry | undefined =
        refused.length === 0 && problems.length === 0 && partitionBy !== undefined
            ? {
                  name: opts.name ?? source.split(".")[2],
                  source,
                  columns: kept.map((c) => ({
                      name: c.name,
                      type: normalType(c.type),
                      ...(c.nullable ? {} : { nullable: false as const }),
                  })),
                  partitionBy,
                  partitionGranularity: granularity,
              }
            : undefined;
    return { entry, refused, excluded, partition, problems };
}

/** The pair of the stack's `tables` setting in the document's `config` (full or short key). */
function tablesPair(config: YAML.YAMLMap, project: string): YAML.Pair<YAML.Scalar, unknown> | undefined {
    return (config.items as Array<YAML.Pair<YAML.Scalar, unknown>>).find(
        (p) => YAML.isScalar(p.key) && [`${project}:tables`, "tables"].includes(String(p.key.value)),
    );
}

/**
 * Appends `entry` to the document's `<project>:tables` list (creating the list, or `config`, when
 * missing), in the layout of the stack files: a block mapping per table, each column a flow
 * mapping `{ name: X, type: "NUMBER(38,0)" }`. Everything else in the document is left as it is.
 */
export function appendTable(doc: YAML.Document, entry: TableEntry, project: string = PROJECT): void {
    let config = doc.get("config", true);
    if (!YAML.isMap(config)) {
        doc.set("config", doc.createNode({}));
        config = doc.get("config", true);
    }
    const map = config as YAML.YAMLMap;
    let pair = tablesPair(map, project);
    if (!pair) {
        map.set(`${project}:tables`, doc.createNode([]));
        pair = tablesPair(map, project)!;
    }
    if (!YAML.isSeq(pair.value))
        throw new CommandError(`${String(pair.key.value)} is not a list in the stack file: fix it before adding a table`, EXIT.usage);
    const node = doc.createNode(entry) as YAML.YAMLMap;
    for (const col of (node.get("columns", true) as unknown as YAML.YAMLSeq).items as YAML.YAMLMap[]) {
        col.flow = true;
        const type = col.get("type", true) as YAML.Scalar;
        if (/[(),]/.test(String(type.value))) type.type = YAML.Scalar.QUOTE_DOUBLE;
    }
    pair.value.items.push(node);
}

/** The lines `after` has that `before` lacks, between their common first and last lines. */
export function addedLines(before: string, after: string): string {
    const a = before.split("\n");
    const b = after.split("\n");
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let end = 0;
    while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
    return `${b.slice(start, b.length - end).join("\n")}\n`;
}

// --- The command -------------------------------------------------------------------------------

const options = {
    stack: {
        type: "string",
        value: "name",
        description: "the stack whose Pulumi.<stack>.yaml gets the table (and whose Snowflake account is read)",
    },
    name: {
        type: "string",
        value: "NAME",
        description: "the table's name in the stack (its S3 folder and Glue table, lower-cased); default the source table's name",
    },
    "partition-by": { type: "string", value: "column", description: "the partition column; default the first DATE or TIMESTAMP column" },
    granularity: {
        type: "string",
        value: "day|month|hour|value",
        description: "the partition granularity; default day for a date or time column, value otherwise",
    },
    exclude: {
        type: "string",
        value: "columns",
        multiple: true,
        description: "columns to leave out, separated by commas (those the stack cannot take must be named here)",
    },
    "dry-run": { type: "boolean", description: "print the YAML it would add; leave the stack file as it is" },
    check: {
        type: "boolean",
        description: "compare the columns of the stack's source tables (or the one named) with Snowflake's, and name what changed upstream",
    },
} as const;

export const spec: CommandSpec<typeof options> = {
    script: "add-table",
    synopsis: "--stack <name> [--check] [--exclude <columns>] [--dry-run] [options] <DB.SCHEMA.TABLE>",
    summary:
        "Adds an existing Snowflake table to the stack file as a `source` table, with its columns read from Snowflake (DESCRIBE TABLE); --check shows how source tables changed upstream.",
    description:
        "The table is checked with the stack's configuration rules before anything is written, and appended to " +
        "incremental-crawl:tables with the file's comments and order kept. Columns the stack cannot export (quoted mixed-case names, " +
        "types the unload does not write to Parquet, names that clash with the partition key) are listed with the reason; " +
        "--exclude leaves them out. It connects as the backfill does: the stack's snowflake:* settings and snowflakeWarehouse, " +
        "the key from SNOWFLAKE_PRIVATE_KEY (and SNOWFLAKE_PRIVATE_KEY_PASSPHRASE).",
    options,
    positionals: { name: "<DB.SCHEMA.TABLE>", min: 0, max: 1 },
    stackRequired: true,
    examples: [
        "npm run add-table -- --stack prod CRM.PUBLIC.CUSTOMERS --dry-run",
        "npm run add-table -- --stack prod SALES.PUBLIC.EVENTS --exclude payload_v2 --partition-by EVENT_TS --granularity hour",
        "npm run add-table -- --stack prod --check",
    ],
    footer:
        "Exit status: 0 added (or, with --check, nothing the export breaks on), 1 the table cannot be added as it is " +
        "(or a source table changed upstream), 2 it could not run (arguments, stack file, Snowflake).",
};

export interface SnowflakeSession {
    conn: SqlConnection;
    describe: string;
    close(): Promise<void>;
}

export interface AddTableDeps extends Pick<Io, "env" | "stdout" | "stderr"> {
    /** The project root: Pulumi.yaml and the stack files. */
    root: string;
    /** Throws when the environment lacks Snowflake settings (the backfill's `EnvironmentError`); connects lazily. */
    snowflake(env: NodeJS.ProcessEnv): SnowflakeSession;
    writeFile(path: string, text: string): void;
}

export const defaultDeps: AddTableDeps = {
    root: ROOT,
    ...processIo,
    snowflake: (env) => {
        // Loaded here so that `--help` and argument errors do not load the driver.
        const { lazySnowflake } = require("../verify/snowflake") as typeof import("../verify/snowflake");
        return lazySnowflake(env, "incremental-crawl-add-table");
    },
    writeFile: (path, text) => fs.writeFileSync(path, text),
};

const GRANULARITIES: PartitionGranularity[] = ["day", "month", "hour", "value"];

/** Runs `DESCRIBE TABLE`; a failure is exit 2 with Snowflake's message. */
async function describe(session: SnowflakeSession, parts: [string, string, string]): Promise<DescribedColumn[]> {
    try {
        return describedColumns((await session.conn.execute(describeTableSql(parts))).rows);
    } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        throw new CommandError(`cannot read the columns of ${parts.join(".")} (${session.describe}): ${message.trim()}`, EXIT.usage);
    }
}

const show = (c: LeftOut) => `${naming.snowflakeColumn(c.name) === undefined ? c.name : JSON.stringify(c.name)} ${c.type}: ${c.reason}`;

/** Runs `npm run add-table` with `argv` (after `--`); resolves to the exit code. */
export async function runAddTable(argv: string[], overrides: Partial<AddTableDeps> = {}): Promise<number> {
    const deps: AddTableDeps = { ...defaultDeps, ...overrides };
    return runCommand(spec, (args) => addTable(args, deps), { ...deps, argv, stacks: () => stackNames(deps.root) });
}

async function addTable({ values, positionals }: Parsed<typeof options>, deps: AddTableDeps): Promise<number> {
    const stack = values.stack!;
    const err = (line: string) => deps.stderr(`${line}\n`);
    const granularity = values.granularity as PartitionGranularity | undefined;
    if (granularity !== undefined && !GRANULARITIES.includes(granularity)) {
        throw new UsageError(
            `--granularity: one of ${GRANULARITIES.join(", ")}${didYouMean(granularity, GRANULARITIES)}, got ${granularity}`,
        );
    }
    if (values.check && (values.exclude.length > 0 || values["partition-by"] || values.name || granularity || values["dry-run"])) {
        throw new UsageError("--check only compares: it takes no --name, --partition-by, --granularity, --exclude or --dry-run");
    }
    if (!values.check && positionals.length === 0)
        throw new UsageError("missing <DB.SCHEMA.TABLE>, the Snowflake table to add (or --check)");
    const target = positionals[0] === undefined ? undefined : parseSource(positionals[0]);

    // The stack file as it is must be valid: its settings say how to connect, and the new table joins them.
    const { file, settings } = validateStack(stack, { root: deps.root });
    const env = { ...deps.env, ...connectionEnvironment(settings.snowflakeConnection), BACKFILL_WAREHOUSE: settings.snowflakeWarehouse };

    if (values.check) {
        const sources = settings.tables.filter((t) => t.source !== undefined);
        const targets = target ? sources.filter((t) => t.source === target.source) : sources;
        if (target && targets.length === 0) {
            const known = sources.map((t) => t.source!);
            throw new UsageError(
                `${file.name} has no table with source ${target.source}${didYouMean(target.source, known)} (sources: ${known.join(", ") || "none"})`,
            );
        }
        if (targets.length === 0) {
            deps.stdout(`${file.name}: no source tables to compare\n`);
            return EXIT.ok;
        }
        const session = deps.snowflake(env);
        let breaks = false;
        try {
            for (const t of targets) {
                const drift = compareColumns(t.columns, await describe(session, t.source!.split(".") as [string, string, string]));
                const lines = driftLines(drift);
                breaks ||= driftBreaks(drift);
                const said =
                    lines.length === 0
                        ? ` ${t.columns.length} columns, as ${file.name} lists them`
                        : lines.length === 1
                          ? ` ${lines[0]}`
                          : `\n  ${lines.join("\n  ")}`;
                deps.stdout(`${t.source} (${t.name}):${said}\n`);
            }
        } finally {
            await session.close();
        }
        if (breaks) {
            err(
                `\nThe task's unload selects the columns ${file.name} lists and fails on its next run: update them in ${file.name}, then pulumi up --stack ${stack} (a change of columns re-exports the table).`,
            );
        }
        return breaks ? EXIT.failed : EXIT.ok;
    }

    const { source, parts } = target!;
    const same = settings.tables.findIndex((t) => t.source === source);
    if (same >= 0) {
        throw new CommandError(
            `${file.name} already exports ${source} as tables[${same}] (${settings.tables[same].name}); npm run add-table -- --stack ${stack} --check compares its columns`,
        );
    }

    const session = deps.snowflake(env);
    let columns: DescribedColumn[];
    try {
        columns = await describe(session, parts);
    } finally {
        await session.close();
    }
    const proposal = proposeTable(source, columns, {
        name: values.name,
        partitionBy: values["partition-by"],
        granularity,
        exclude: values.exclude
            .flatMap((e) => e.split(","))
            .map((e) => e.trim())
            .filter(Boolean),
    });

    err(`${source}: ${columns.length} column${columns.length === 1 ? "" : "s"} in Snowflake (${session.describe})`);
    if (proposal.partition) err(`  ${proposal.partition}`);
    for (const c of proposal.excluded) err(`  left out: ${show(c)}`);
    if (proposal.refused.length > 0 || !proposal.entry) {
        const lines = [
            ...(proposal.refused.length > 0
                ? [
                      `${source} has columns the stack cannot export:`,
                      ...proposal.refused.map((c) => `  ${show(c)}`),
                      `Leave them out with --exclude ${proposal.refused.map((c) => c.name).join(",")}${proposal.problems.length ? "" : ", or rename them in Snowflake"}.`,
                  ]
                : []),
            ...proposal.problems,
        ];
        throw new CommandError(lines.join("\n"));
    }

    // The new table with the stack's own rules, in the document that would be written.
    const doc = file.doc.clone() as YAML.Document.Parsed;
    appendTable(doc, proposal.entry);
    const changed: StackFile = { ...file, doc };
    try {
        validateStackFile(changed, { root: deps.root });
    } catch (e) {
        if (!(e instanceof StackConfigError)) throw e;
        throw new CommandError(
            `${proposal.entry.name} would not be a valid table of ${file.name}:\n  ${e.problems.join("\n  ")}` +
                (e.problems.some((p) => /\.name: expected (a name no other table has|an upper-case Snowflake identifier)/.test(p))
                    ? "\nPass another name with --name."
                    : ""),
        );
    }
    const text = stackFileText(doc);
    const added = addedLines(file.text, text);
    if (values["dry-run"]) {
        deps.stdout(added);
        err(`(dry run: ${file.name} is unchanged; without --dry-run these lines are appended to ${tablesKey(file)})`);
        return EXIT.ok;
    }
    deps.writeFile(file.path, text);
    err(`${file.name}: added ${proposal.entry.name} (source ${source}, ${proposal.entry.columns.length} columns) to ${tablesKey(file)}.`);
    err(`Next: npm run plan -- --stack ${stack}, then pulumi up --stack ${stack} (its first run backfills the table).`);
    return EXIT.ok;
}

function tablesKey(file: StackFile): string {
    const config = file.doc.get("config", true);
    const pair = YAML.isMap(config) ? tablesPair(config, PROJECT) : undefined;
    return pair ? String(pair.key.value) : `${PROJECT}:tables`;
}
