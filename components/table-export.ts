import * as crypto from "crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import { buildUnloadSql, partitionExpression, sessionStatements, streamHasDataCondition, UNLOAD_SESSION_PARAMETERS } from "./sql";
import { SnowflakeProviderSettings, TableSpec } from "./types";

/** How the backfill program is started, from the project root (where `pulumi up` runs). */
export const BACKFILL_COMMAND = "node --require ts-node/register/transpile-only components/backfill/main.ts";

/** The command's `update`: nothing to do (a changed input other than the stream unloads nothing). */
export const BACKFILL_NO_OP = "node -e 0";

export interface TableExportArgs {
    table: TableSpec;
    database: pulumi.Input<string>;
    schema: pulumi.Input<string>;
    /** Names used in SQL: they are plain validated identifiers, never Pulumi auto-names. */
    databaseName: string;
    schemaName: string;
    stage: snowflake.Stage;
    stageName: string;
    fileFormatName: string;
    /** Where the stage points, e.g. `exports/`: part of what shapes the export. */
    stageLocation: string;
    warehouse: string;
    /** The stack's non-secret connection settings, passed to the backfill as BACKFILL_*. */
    connection: SnowflakeProviderSettings;
    maxFileSizeMb: number;
    taskScheduleMinutes: number;
    /** Resources the first unload needs in place (the AWS role and its policy). */
    accessReady: pulumi.Resource[];
    /** Keep the Snowflake table (and its rows) on destroy. */
    retainData: boolean;
}

/**
 * Moves one table to the lake, every row exactly once.
 *
 * An append-only stream with SHOW_INITIAL_ROWS returns, on its first consumption, every row the
 * table had when the stream was created, then each later insert once. The backfill (a command at
 * deploy time) is that first consumption; the task, created after it, consumes the rest. A COPY INTO
 * <location> that reads a stream advances the stream's offset when it commits, so the two never
 * repeat a row and leave no gap between them.
 * https://docs.snowflake.com/en/sql-reference/sql/create-stream
 * https://docs.snowflake.com/en/user-guide/streams-intro
 *
 * Updates and deletes in Snowflake are not exported: the stream is append-only, the lake is an
 * append-only history of inserted rows.
 */
export class TableExport extends pulumi.ComponentResource {
    readonly table?: snowflake.Table;
    readonly stream: snowflake.StreamOnTable;
    readonly backfill: command.local.Command;
    readonly task: snowflake.Task;
    readonly copySql: string;
    /** The backfill's JSON summary (rows, files, bytes, queryId). */
    readonly summary: pulumi.Output<unknown>;

    constructor(name: string, args: TableExportArgs, opts?: pulumi.ComponentResourceOptions) {
        super("incremental-crawl:snowflake:TableExport", name, {}, opts);
        const child = { parent: this };
        const t = args.table;

        let sourceName: pulumi.Input<string>;
        if (t.source) {
            sourceName = t.source;
        } else {
            this.table = new snowflake.Table(`${name}-table`, {
                database: args.database,
                schema: args.schema,
                name: t.name,
                columns: t.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
                changeTracking: true,
                comment: "Exported to the lake by incremental-crawl",
            }, { ...child, retainOnDelete: args.retainData });
            sourceName = this.table.fullyQualifiedName;
        }

        // The stream's name carries a digest of what decides which rows land where (source, columns,
        // partitioning, the stage's location) and of the export generation. A change of any of them
        // makes a new stream, whose first read returns every row: the table is exported again in its
        // new shape. File size, warehouse or schedule changes keep the stream and export nothing twice.
        const shape = JSON.stringify([t.source ?? null, t.columns, partitionExpression(t), args.stageLocation, t.generation]);
        const digest = crypto.createHash("sha256").update(shape).digest("hex").slice(0, 8).toUpperCase();
        const streamName = `${t.name}_LAKE_${digest}`;
        const streamRef: [string, string, string] = [args.databaseName, args.schemaName, streamName];

        this.stream = new snowflake.StreamOnTable(`${name}-stream`, {
            database: args.database,
            schema: args.schema,
            name: streamName,
            table: sourceName,
            appendOnly: "true",
            showInitialRows: "true",
            comment: "Rows not yet unloaded to the lake",
        }, child);

        this.copySql = buildUnloadSql({
            table: t,
            stage: [args.databaseName, args.schemaName, args.stageName],
            source: streamRef,
            fileFormat: [args.databaseName, args.schemaName, args.fileFormatName],
            maxFileSizeMb: args.maxFileSizeMb,
        });

        // No `delete`: destroying the stack never removes unloaded data. Credentials are read by
        // the program from the environment of `pulumi up`, so none are stored in this resource's
        // state (local.Command keeps `environment` in state in plain text).
        this.backfill = new command.local.Command(`${name}-backfill`, {
            create: BACKFILL_COMMAND,
            // Without `update`, any input change would run `create` again and read the stream
            // beside the running task. Only a new stream (a replacement, through `triggers`) backfills.
            update: BACKFILL_NO_OP,
            environment: {
                BACKFILL_TABLE: t.name,
                BACKFILL_SESSION_SQL: JSON.stringify(sessionStatements()),
                BACKFILL_COPY_SQL: this.copySql,
                BACKFILL_WAREHOUSE: args.warehouse,
                ...connectionEnvironment(args.connection),
            },
            // `triggers` replace the command, which runs `create`: a new stream is a new backfill.
            triggers: [streamName],
        }, { ...child, dependsOn: [this.stream, args.stage, ...args.accessReady] });
        this.summary = this.backfill.stdout.apply((out) => JSON.parse(out));

        this.task = new snowflake.Task(`${name}-task`, {
            database: args.database,
            schema: args.schema,
            name: `${t.name}_LAKE_EXPORT`,
            warehouse: args.warehouse,
            schedule: { minutes: args.taskScheduleMinutes },
            when: streamHasDataCondition(streamRef),
            sqlStatement: this.copySql,
            enableUnloadPhysicalTypeOptimization: UNLOAD_SESSION_PARAMETERS.ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION,
            allowOverlappingExecution: "false",
            suspendTaskAfterNumFailures: 10,
            started: true,
            comment: "Unloads new rows of the stream to the lake",
        }, { ...child, dependsOn: [this.backfill] });

        this.registerOutputs({ streamName, taskName: this.task.name, summary: this.summary });
    }
}

/**
 * The stack's Snowflake identity (never a credential) for the backfill program, which prefers it
 * over SNOWFLAKE_* as the provider prefers explicit settings over the environment.
 */
export function connectionEnvironment(c: SnowflakeProviderSettings): Record<string, string> {
    const env: Record<string, string> = {};
    if (c.organizationName) env.BACKFILL_ORGANIZATION_NAME = c.organizationName;
    if (c.accountName) env.BACKFILL_ACCOUNT_NAME = c.accountName;
    if (c.user) env.BACKFILL_USER = c.user;
    if (c.role) env.BACKFILL_ROLE = c.role;
    return env;
}
