import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as snowflake from "@pulumi/snowflake";
import { BackfillSummary, LOGGED_ENV, parseBackfillSummary } from "./backfill/backfill";
import { ExportLayout } from "../lake/export-layout";
import { BACKFILL_BIN, PACKAGE_NAME, PACKAGE_VERSION } from "../package-info";
import { buildUnloadSql, sessionStatements, streamHasDataCondition, taskBody, unloadStatements, UNLOAD_SESSION_PARAMETERS } from "./sql";
import type { SnowflakeConnection } from "../lake-args";
import { TableSpec } from "../types";
import { renamedFrom, token } from "../tokens";
import type { LakeContext } from "../lake-context";

/**
 * How the unload command starts the unload program: the package's bin, resolved when the command
 * runs. `npm exec` runs it from the project's node_modules when this version of the package is
 * installed there (a TypeScript or JavaScript program); otherwise (a program in another language,
 * whose component runs in the plugin) npm installs this exact version into its cache first: "Package
 * names with a specifier will only be considered a match if they have the exact same name and version
 * as the local dependency". https://docs.npmjs.com/cli/v10/commands/npm-exec
 * The string names no path of one machine: it is stored in state, and a checkout elsewhere must
 * see no diff. A new version of the package changes it once, which runs the command's `update`.
 */
export const BACKFILL_COMMAND = `npm exec --yes --package=${PACKAGE_NAME}@${PACKAGE_VERSION} -- ${BACKFILL_BIN}`;

/**
 * The command's `update`: print the stored summary again, unloading nothing. pulumi-command runs
 * `update` on any change of the inputs other than `triggers` and stores what it prints as the new
 * `stdout`; it passes the previous `stdout` as PULUMI_COMMAND_STDOUT, but only when that is not empty
 * (pulumi/pulumi-command provider/pkg/provider/local/commandController.go `Update`,
 * commandOutputs.go `run`). So the summary survives a changed warehouse or file size, and an empty
 * one (left by an earlier `update`) stays empty rather than failing.
 */
export const BACKFILL_KEEP_SUMMARY = `node -e "process.stdout.write(process.env.PULUMI_COMMAND_STDOUT || '')"`;

export interface TableExportArgs {
    table: TableSpec;
    database: pulumi.Input<string>;
    schema: pulumi.Input<string>;
    stage: snowflake.Stage;
    stageName: string;
    /**
     * The unload log (both runners write a row per committed file) and its baseline, in the stage's
     * database and schema (`sql.unloadStatements`).
     */
    unloadLog: snowflake.Table;
    unloadBaseline: snowflake.Table;
    fileFormatName: string;
    /** Where the table's current export lives: the stream's name and the stage path. */
    layout: ExportLayout;
    /** Resources the first unload needs in place (the AWS role and its policy). */
    accessReady: pulumi.Resource[];
    /**
     * Resources that must exist before any object is written: the bucket notification, the table's
     * queue, queue policy and subscription, and its Glue table (the backfill registers its partitions).
     */
    eventsReady: pulumi.Resource[];
    /** The notification integration the task reports failed runs to (its ERROR_INTEGRATION). */
    errorIntegration: pulumi.Input<string>;
    /** What must exist before a failed run can be reported (the role Snowflake publishes with, and its policy). */
    errorsReady: pulumi.Resource[];
    /** The Glue database the backfill registers its partitions in (objects written before events flow), in the lake's region. */
    glueDatabase: pulumi.Input<string>;
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
    /** The backfill's summary (rows, files, bytes, queryId), or undefined when none is stored. */
    readonly summary: pulumi.Output<BackfillSummary | undefined>;

    constructor(name: string, ctx: LakeContext, args: TableExportArgs, opts?: pulumi.ComponentResourceOptions) {
        super(token("TableExport"), name, {}, renamedFrom("snowflake", "TableExport", opts));
        const child = { parent: this };
        const t = args.table;
        // Names used in SQL: they are plain validated identifiers, never Pulumi auto-names.
        const { snowflakeDatabase: databaseName, snowflakeSchema: schemaName, snowflakeWarehouse: warehouse } = ctx.settings;

        let sourceName: pulumi.Input<string>;
        if (t.source) {
            sourceName = t.source;
        } else {
            this.table = new snowflake.Table(
                `${name}-table`,
                {
                    database: args.database,
                    schema: args.schema,
                    name: t.name,
                    columns: t.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
                    changeTracking: true,
                    comment: "Exported to the lake by incremental-crawl",
                },
                { ...child, retainOnDelete: ctx.retain },
            );
            sourceName = this.table.fullyQualifiedName;
        }

        // The stream's name carries the export's digest (export-layout.ts): a new export is a new
        // stream, whose first read returns every row, into the export's own folder.
        const streamName = args.layout.streamName;
        const streamRef: [string, string, string] = [databaseName, schemaName, streamName];

        this.stream = new snowflake.StreamOnTable(
            `${name}-stream`,
            {
                database: args.database,
                schema: args.schema,
                name: streamName,
                table: sourceName,
                appendOnly: "true",
                showInitialRows: "true",
                comment: "Rows not yet unloaded to the lake",
            },
            child,
        );

        const stageRef: [string, string, string] = [databaseName, schemaName, args.stageName];
        this.copySql = buildUnloadSql({
            table: t,
            stage: stageRef,
            path: args.layout.stagePath,
            source: streamRef,
            fileFormat: [databaseName, schemaName, args.fileFormatName],
            maxFileSizeMb: ctx.settings.maxFileSizeMb,
        });

        // The COPY, its log line and the cleanup before it, run alike by the backfill and the task.
        const taskName = `${t.name}_LAKE_EXPORT`;
        const statements = unloadStatements({
            copy: this.copySql,
            stage: stageRef,
            path: args.layout.stagePath,
            table: t.name,
            exportId: args.layout.exportId,
            stream: streamName,
            task: taskName,
        });

        // No `delete`: destroying the stack never removes unloaded data. Credentials are read by
        // the program from the environment of `pulumi up`, so none are stored in this resource's
        // state (local.Command keeps `environment` in state in plain text).
        this.backfill = new command.local.Command(
            `${name}-backfill`,
            {
                create: BACKFILL_COMMAND,
                // Without `update`, any input change would run `create` again and read the stream
                // beside the running task. Only a new stream (a replacement, through `triggers`) backfills.
                update: BACKFILL_KEEP_SUMMARY,
                addPreviousOutputInEnv: true,
                environment: {
                    BACKFILL_TABLE: t.name,
                    BACKFILL_SESSION_SQL: JSON.stringify(sessionStatements()),
                    BACKFILL_COPY_SQL: this.copySql,
                    ...Object.fromEntries(
                        Object.entries(LOGGED_ENV).map(([key, [name]]) => [name, statements[key as keyof typeof LOGGED_ENV]]),
                    ),
                    BACKFILL_WAREHOUSE: warehouse,
                    BACKFILL_AWS_REGION: ctx.region,
                    BACKFILL_GLUE_DATABASE: args.glueDatabase,
                    BACKFILL_GLUE_TABLE: args.layout.folder,
                    ...connectionEnvironment(ctx.settings.snowflakeConnection),
                },
                // `triggers` replace the command, which runs `create`: a new stream is a new backfill.
                triggers: [streamName],
            },
            {
                ...child,
                dependsOn: [this.stream, args.stage, args.unloadLog, args.unloadBaseline, ...args.accessReady, ...args.eventsReady],
            },
        );
        // Whatever the state holds: a summary, "" (an update before BACKFILL_KEEP_SUMMARY), or text.
        this.summary = this.backfill.stdout.apply(parseBackfillSummary);

        this.task = new snowflake.Task(
            `${name}-task`,
            {
                database: args.database,
                schema: args.schema,
                name: taskName,
                warehouse,
                schedule: { minutes: ctx.settings.taskScheduleMinutes },
                when: streamHasDataCondition(streamRef),
                sqlStatement: taskBody(statements, t.name),
                enableUnloadPhysicalTypeOptimization: UNLOAD_SESSION_PARAMETERS.ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION,
                timezone: UNLOAD_SESSION_PARAMETERS.TIMEZONE,
                // A run that outlasts this is cancelled; its transaction is rolled back and the next run
                // removes its files (sql.unloadStatements). Both timeouts are set: when both are, "the
                // timeout is the lowest non-zero value of the two parameters", so an account's shorter
                // STATEMENT_TIMEOUT_IN_SECONDS does not cut the run short (a warehouse's still applies).
                // https://docs.snowflake.com/en/sql-reference/sql/create-task (USER_TASK_TIMEOUT_MS);
                // both are task parameters in terraform-provider-snowflake v1.2.1 pkg/resources/task_parameters.go.
                userTaskTimeoutMs: ctx.settings.taskTimeoutMinutes * 60_000,
                statementTimeoutInSeconds: ctx.settings.taskTimeoutMinutes * 60,
                // One run at a time: the cleanup at the start of a run relies on no other unload of the
                // export running meanwhile.
                allowOverlappingExecution: "false",
                // Every failed run, and so the suspension after 10 of them, reaches the alerts topic
                // before the stream can go stale. https://docs.snowflake.com/en/user-guide/tasks-errors-integrate
                errorIntegration: args.errorIntegration,
                suspendTaskAfterNumFailures: 10,
                started: true,
                comment: "Unloads new rows of the stream to the lake",
            },
            { ...child, dependsOn: [this.backfill, ...args.errorsReady] },
        );

        this.registerOutputs({ streamName, taskName: this.task.name, summary: this.summary });
    }
}

/**
 * The stack's Snowflake identity (never a credential) for the backfill program, which prefers it
 * over SNOWFLAKE_* as the provider prefers explicit settings over the environment.
 */
export function connectionEnvironment(c: SnowflakeConnection): Record<string, string> {
    const env: Record<string, string> = {};
    if (c.organizationName) env.BACKFILL_ORGANIZATION_NAME = c.organizationName;
    if (c.accountName) env.BACKFILL_ACCOUNT_NAME = c.accountName;
    if (c.user) env.BACKFILL_USER = c.user;
    if (c.role) env.BACKFILL_ROLE = c.role;
    return env;
}
