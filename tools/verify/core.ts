/**
 * The checks behind `npm run verify`: for each exported table, follow the data path of
 * the lake end to end (Snowflake rows and stream → S3 objects and partition folders → SQS
 * queue and DLQ → Glue crawler run → Glue table and partitions → Athena rows, in total against
 * Snowflake and per partition against the unload log) and return one check result per step, each
 * failure with its likely cause.
 *
 * Pure apart from its injected dependencies: AWS SDK v3 clients, a Snowflake query runner, a
 * clock and a sleep, so tests drive it with `aws-sdk-client-mock` and a fake connection and never
 * wait for real.
 */
import {
    toCount,
    type SqlConnection,
    qualified,
    showStreamSql,
    showTaskSql,
    UNLOAD_LOG_TABLE,
} from "@incremental-crawl/components/runtime";
import {
    AthenaClient,
    GetQueryExecutionCommand,
    paginateGetQueryResults,
    StartQueryExecutionCommand,
    StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { GetTableCommand, GetTablesCommand, GlueClient, paginateGetPartitions, Partition, Table } from "@aws-sdk/client-glue";
import { HeadObjectCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { splitQualifiedName, StackOutputs, TableOutputs } from "./outputs";
import { compareColumns, describedColumns, describeTableSql, driftBreaks, driftLines } from "./drift";
import {
    athenaPartitionFolder,
    athenaPartitionRowsSql,
    comparePartitionRows,
    keptSince,
    OUTSIDE_PARTITIONS,
    PartitionComparison,
    sampleDiffs,
    unloadLogPartitionsSql,
} from "./partition-rows";
import { fmtSpan, STALE_WARNING_MS, streamStaleness } from "./stream-staleness";
import { startCrawler, waitForCrawl } from "../crawl/crawler-run";
import { errorName, errorText } from "../cli/errors";

export type CheckResult = "pass" | "fail" | "skip";

export interface Check {
    /** The table's folder name (`orders`). */
    table: string;
    /** One of `CHECKS`. */
    check: string;
    result: CheckResult;
    detail: string;
    /** For failures: what most likely went wrong, and where to look. */
    cause?: string;
    /**
     * A failure that loses nothing yet but will if nobody acts (a stream about to go stale). It
     * fails verify like any other; the report marks its cause as a warning.
     */
    severity?: "warning";
}

/** The checks, in the order of the data path. */
export const CHECKS = {
    snowflakeRows: "snowflake rows",
    /** Only for `source` tables whose configured columns verify was given. */
    columns: "source columns",
    /** The table's stream is not stale, nor less than two days from it (SHOW STREAMS). */
    stream: "snowflake stream",
    objects: "s3 objects",
    /** The replication status of the current export's objects, when the stack has a replica. */
    replication: "s3 replication",
    queue: "event queue",
    deadLetterQueue: "dead-letter queue",
    crawler: "crawler run",
    glueTable: "glue table",
    partitions: "glue partitions",
    athenaRows: "athena rows",
    /** Athena's total against Snowflake's current rows, a lower bound: the lake is append-only. */
    rowCounts: "row counts",
    /** Athena's rows per partition against the unload log's, for the current export. */
    partitionRows: "partition rows",
} as const;

/**
 * What the checks need of Snowflake: the backfill's promise-based connection (rows as objects keyed
 * by column name). The CLI adapts a `snowflake-sdk` connection with the backfill's `adapt`; tests
 * pass a fake.
 */
export type { SqlConnection };

export interface VerifyDeps {
    s3: S3Client;
    sqs: SQSClient;
    glue: GlueClient;
    athena: AthenaClient;
    snowflake: SqlConnection;
    /** Milliseconds since the epoch. */
    now(): number;
    sleep(ms: number): Promise<void>;
    /**
     * Progress, one line each: every check's result as it completes, and the long waits (crawler,
     * Athena) meanwhile. The CLI writes them to stderr.
     */
    progress(line: string): void;
}

export interface VerifyOptions {
    /** The longest wait for the crawler, and for each Athena query. */
    timeoutSeconds: number;
    /** Between two GetCrawler calls; default 15. */
    crawlerPollSeconds?: number;
    /** Between two GetQueryExecution calls; default 2. */
    athenaPollSeconds?: number;
    /** Folder names of the tables to verify; all when undefined. */
    tables?: string[];
    /**
     * The columns the stack file lists for each `source` table, by folder name: compared with
     * Snowflake's `DESCRIBE TABLE` (drift upstream). Tables without an entry are not compared.
     */
    sourceColumns?: Record<string, ReadonlyArray<{ name: string; type: string }>>;
}

export const DEFAULT_TIMEOUT_SECONDS = 900;

/** Runs every check of every selected table (the tables concurrently) and returns them in table order. */
export async function verifyStack(outputs: StackOutputs, deps: VerifyDeps, options: VerifyOptions): Promise<Check[]> {
    const folders = options.tables ?? Object.keys(outputs.tables);
    const unknown = folders.filter((f) => outputs.tables[f] === undefined);
    if (unknown.length > 0) {
        throw new Error(`no table ${unknown.join(", ")} in the stack outputs (tables: ${Object.keys(outputs.tables).join(", ")})`);
    }
    const perTable = await Promise.all(folders.map((folder) => verifyTable(folder, outputs.tables[folder], outputs, deps, options)));
    return perTable.flat();
}

interface Listing {
    /** Folder names under the table prefix, without slashes: `dt=2024-01-31`. */
    folders: string[];
    objects: number;
    bytes: number;
    /** Every object's key and last-modified time (milliseconds), oldest first. */
    keys: Array<{ key: string; modified?: number }>;
    /** Objects directly under the table prefix, outside any partition folder. */
    looseObjects: string[];
}

interface QueueDepth {
    visible: number;
    inFlight: number;
}

/** One check's result: what `add` records. */
interface StepResult {
    result: CheckResult;
    detail: string;
    cause?: string;
    severity?: "warning";
}
const pass = (detail: string): StepResult => ({ result: "pass", detail });
const skip = (detail: string): StepResult => ({ result: "skip", detail });
const fail = (detail: string, cause: string, severity?: "warning"): StepResult => ({
    result: "fail",
    detail,
    cause,
    ...(severity ? { severity } : {}),
});
/** An AWS call that failed: where, the error, and its cause whichever call it was (`action`: what could not be done). */
const awsFail = (where: string, error: unknown, action: string) => fail(`${where}: ${errorText(error)}`, awsCause(error, action));

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function attempt<T>(f: () => Promise<T>): Promise<Outcome<T>> {
    try {
        return { ok: true, value: await f() };
    } catch (error) {
        return { ok: false, error };
    }
}

async function verifyTable(
    folder: string,
    t: TableOutputs,
    outputs: StackOutputs,
    deps: VerifyDeps,
    options: VerifyOptions,
): Promise<Check[]> {
    const checks: Check[] = [];
    const add = (check: string, { result, detail, cause, severity }: StepResult) => {
        checks.push({
            table: folder,
            check,
            result,
            detail,
            ...(cause !== undefined && result === "fail" ? { cause } : {}),
            ...(severity !== undefined && result === "fail" ? { severity } : {}),
        });
        deps.progress(`[${folder}] ${result.toUpperCase()} ${check}: ${detail.replace(/\s*\n\s*/g, " ")}`);
    };
    const log = (line: string) => deps.progress(`[${folder}] ${line}`);
    const sfName = splitQualifiedName(t.snowflakeTable)!;
    const sfQualified = qualified(...sfName);
    const location = `s3://${outputs.bucketName}/${t.s3Prefix}`;

    // 1. Snowflake: the rows the lake should hold.
    const sf = await attempt(() => snowflakeCount(deps.snowflake, sfQualified));
    if (sf.ok) add(CHECKS.snowflakeRows, pass(`${fmtInt(sf.value)} rows in ${t.snowflakeTable}`));
    else add(CHECKS.snowflakeRows, fail(`${sfQualified}: ${errorText(sf.error)}`, snowflakeCause(sf.error, t.snowflakeTable)));
    const sfRows = sf.ok ? sf.value : undefined;

    // 1b. A source table's columns against the stack file: a change upstream breaks the task's unload.
    const configured = options.sourceColumns?.[folder];
    if (configured !== undefined) {
        const described = await attempt(async () => describedColumns((await deps.snowflake.execute(describeTableSql(sfName))).rows));
        if (!described.ok) {
            add(
                CHECKS.columns,
                fail(`DESCRIBE TABLE ${sfQualified}: ${errorText(described.error)}`, snowflakeCause(described.error, t.snowflakeTable)),
            );
        } else {
            const drift = compareColumns(configured, described.value);
            const lines = driftLines(drift);
            if (driftBreaks(drift)) {
                add(
                    CHECKS.columns,
                    fail(
                        `${t.snowflakeTable} changed upstream: ${lines.join("; ")}`,
                        "the source table no longer has the columns the stack file lists: the task's unload selects them and fails on its next run " +
                            "(or writes another schema); update the table's columns in the stack file (npm run add-table -- --stack <stack> --check lists the changes) " +
                            "and run pulumi up, which re-exports the table",
                    ),
                );
            } else {
                add(
                    CHECKS.columns,
                    pass(`${configured.length} columns as the stack file lists them${lines.length ? `; ${lines.join("; ")}` : ""}`),
                );
            }
        }
    }

    // 1c. The stream the task reads: a stale one loses the rows not yet unloaded, and the provider
    //     recreates it with its initial rows once a refresh has read it as stale.
    add(CHECKS.stream, await streamCheck(deps, t, outputs));

    // 2. S3: what the backfill and the task unloaded.
    const listed = await attempt(() => listPrefix(deps.s3, outputs.bucketName, t.s3Prefix));
    const listing = listed.ok ? listed.value : undefined;
    const nothingExported = sfRows === 0 && listing?.objects === 0;
    if (!listed.ok) {
        add(CHECKS.objects, awsFail(location, listed.error, `list s3://${outputs.bucketName} (s3:ListBucket)`));
    } else if (nothingExported) {
        add(CHECKS.objects, pass(`no objects under ${location}; the Snowflake table is empty, so there is nothing to export`));
    } else if (listed.value.objects === 0) {
        add(CHECKS.objects, fail(`no objects under ${location}${backfillNote(t)}`, noObjectsCause(t, outputs)));
    } else {
        const l = listed.value;
        const notes: string[] = [];
        const nonHive = l.folders.filter((f) => !/^[a-z0-9_]+=[^/]+$/.test(f));
        if (nonHive.length > 0) notes.push(`folders not in key=value form: ${sample(nonHive)}`);
        if (l.looseObjects.length > 0) notes.push(`${l.looseObjects.length} objects outside partition folders: ${sample(l.looseObjects)}`);
        add(
            CHECKS.objects,
            pass(
                `${fmtInt(l.objects)} objects (${fmtBytes(l.bytes)}) in ${fmtInt(l.folders.length)} partition folders under ${location}${notes.length ? `; ${notes.join("; ")}` : ""}`,
            ),
        );
    }

    // 2b. The recovery replica: has S3 replicated the export's objects?
    if (outputs.replica === undefined) {
        add(CHECKS.replication, skip("the stack has no replica (replicaRegion)"));
    } else if (listing === undefined) {
        add(CHECKS.replication, skip("the S3 listing failed, so there are no objects to look at"));
    } else if (listing.keys.length === 0) {
        add(CHECKS.replication, skip("no objects in the export yet"));
    } else {
        add(CHECKS.replication, await replicationCheck(deps, outputs.bucketName, outputs.replica.bucketName, listing.keys));
    }

    // 3. The queue before the crawl: the events the crawler is about to consume.
    const before = await attempt(() => queueDepth(deps.sqs, t.queueUrl));

    // 4. The crawler: start a run (or join the one in progress) and wait for it.
    add(CHECKS.crawler, await runCrawler(t.crawlerName, deps, options, log));

    // 5. Queues after the crawl. What the crawler could not process, and what SQS redrove after
    //    maxReceiveCount failed receives, lands in the DLQ.
    const after = await attempt(() => queueDepth(deps.sqs, t.queueUrl));
    if (!before.ok || !after.ok) {
        const error = !before.ok ? before.error : (after as { error: unknown }).error;
        add(CHECKS.queue, awsFail(t.queueUrl, error, "read the queue's attributes (sqs:GetQueueAttributes)"));
    } else {
        add(CHECKS.queue, pass(`before the crawl ${fmtDepth(before.value)}; after ${fmtDepth(after.value)}`));
    }
    const dlq = await attempt(() => queueDepth(deps.sqs, t.deadLetterQueueUrl));
    if (!dlq.ok) {
        add(CHECKS.deadLetterQueue, awsFail(t.deadLetterQueueUrl, dlq.error, "read the DLQ's attributes (sqs:GetQueueAttributes)"));
    } else if (dlq.value.visible + dlq.value.inFlight > 0) {
        add(
            CHECKS.deadLetterQueue,
            fail(
                `${fmtDepth(dlq.value)} in ${t.deadLetterQueueUrl}`,
                "the crawler cannot read the queue (role/KMS) or events are malformed: the crawler role needs sqs:ReceiveMessage/DeleteMessage on the queue " +
                    "(and kms:Decrypt for a CMK), and the subscription must deliver raw S3 events (rawMessageDelivery); " +
                    "inspect a message with `aws sqs receive-message`, fix the cause, then redrive the DLQ",
            ),
        );
    } else {
        add(CHECKS.deadLetterQueue, pass(`empty (${fmtDepth(dlq.value)})`));
    }

    // 6. The Glue table the crawler keeps.
    let table: Table | undefined;
    if (nothingExported) {
        add(CHECKS.glueTable, skip("nothing exported yet, so the crawler has nothing to catalogue"));
    } else {
        const got = await attempt(() => deps.glue.send(new GetTableCommand({ DatabaseName: outputs.glueDatabase, Name: t.glueTable })));
        if (!got.ok) {
            add(
                CHECKS.glueTable,
                fail(
                    `${outputs.glueDatabase}.${t.glueTable}: ${errorText(got.error)}`,
                    errorName(got.error) === "EntityNotFoundException"
                        ? await missingTableCause(deps.glue, outputs.glueDatabase, t.glueTable)
                        : awsCause(got.error, "read the Glue catalog (glue:GetTable)"),
                ),
            );
        } else {
            table = got.value.Table;
            const tableLocation = table?.StorageDescriptor?.Location ?? "";
            const keys = (table?.PartitionKeys ?? []).map((k) => k.Name ?? "?");
            const columns = table?.StorageDescriptor?.Columns?.length ?? 0;
            const classification = table?.Parameters?.classification ?? "unknown";
            const detail = `${outputs.glueDatabase}.${t.glueTable}: ${columns} columns, partition keys (${keys.join(", ") || "none"}), ${classification}, at ${tableLocation || "no location"}`;
            if (stripSlash(tableLocation) !== stripSlash(location)) {
                add(
                    CHECKS.glueTable,
                    fail(
                        detail,
                        `the table points at ${tableLocation || "nothing"}, not ${location}: the crawler's S3 target is not the table's export folder (or another crawler wrote this table)`,
                    ),
                );
            } else if (keys.length === 0 && (listing?.folders.length ?? 0) > 0) {
                add(
                    CHECKS.glueTable,
                    fail(
                        detail,
                        "the table has no partition keys although the prefix holds partition folders: objects lie directly under the prefix, or folders are not key=value",
                    ),
                );
            } else {
                add(CHECKS.glueTable, pass(detail));
            }
        }
    }

    // 7. Partitions: one per folder.
    if (table === undefined) {
        add(CHECKS.partitions, skip(nothingExported ? "nothing exported yet" : "no Glue table to read partitions of"));
    } else if (listing === undefined) {
        add(CHECKS.partitions, skip("the S3 listing failed, so there are no folders to compare with"));
    } else {
        const parts = await attempt(() => listPartitions(deps.glue, outputs.glueDatabase, t.glueTable));
        if (!parts.ok) {
            add(CHECKS.partitions, awsFail(`${outputs.glueDatabase}.${t.glueTable}`, parts.error, "read partitions (glue:GetPartitions)"));
        } else {
            const key = table.PartitionKeys?.[0]?.Name;
            const catalogued = new Set(parts.value.map((p) => partitionFolder(p, location, key)));
            const folders = new Set(listing.folders);
            const missing = [...folders].filter((f) => !catalogued.has(f)).sort();
            const extra = [...catalogued].filter((f) => !folders.has(f)).sort();
            const counts = `${fmtInt(catalogued.size)} partitions for ${fmtInt(folders.size)} folders`;
            if (missing.length > 0) {
                add(
                    CHECKS.partitions,
                    fail(
                        `${counts}; not catalogued: ${sample(missing)}${extra.length ? `; without a folder: ${sample(extra)}` : ""}`,
                        "partitions fewer than folders: the crawler has not consumed the events yet (wait for the crawl their arrival starts, or start the table's workflow), " +
                            "or the notification/subscription filter is wrong (the bucket notification's prefix and the subscription's key filter must match the table's folder), " +
                            "or the events went to the DLQ",
                    ),
                );
            } else if (extra.length > 0 && t.retentionDays !== undefined) {
                // S3 Lifecycle expired every object of these folders; the crawler (deleteBehavior LOG) keeps their partitions.
                add(
                    CHECKS.partitions,
                    pass(
                        `${counts}; without a folder: ${sample(extra)}, whose objects expired (retentionDays ${t.retentionDays}); ` +
                            "the crawler keeps their partitions (deleteBehavior LOG), which Athena reads as empty",
                    ),
                );
            } else if (extra.length > 0) {
                add(
                    CHECKS.partitions,
                    fail(
                        `${counts}; without a folder: ${sample(extra)}`,
                        "partitions outnumber folders: folders were deleted from S3 after they were catalogued (the crawler's deleteBehavior LOG keeps their partitions), " +
                            "or partitions point outside the table's prefix",
                    ),
                );
            } else {
                add(CHECKS.partitions, pass(counts));
            }
        }
    }

    // 8. Athena: the rows a query over the catalogued table sees.
    let athenaRows: number | undefined;
    if (table === undefined) {
        add(CHECKS.athenaRows, skip(nothingExported ? "nothing exported yet" : "no Glue table to query"));
    } else {
        const q = await athenaCount(outputs.glueDatabase, t.glueTable, outputs.athenaWorkgroup, deps, options, log);
        add(CHECKS.athenaRows, q);
        athenaRows = q.rows;
    }

    // 9. The lake holds at least the rows Snowflake holds now. More is normal: the lake is
    //    append-only and keeps rows deleted or updated upstream (the partition rows tell duplicates).
    if (sfRows === undefined || athenaRows === undefined) {
        add(
            CHECKS.rowCounts,
            skip(
                nothingExported
                    ? "nothing exported yet"
                    : `needs both counts (${sfRows === undefined ? "Snowflake" : "Athena"} failed or was skipped)`,
            ),
        );
    } else if (sfRows === athenaRows) {
        add(CHECKS.rowCounts, pass(`Snowflake ${fmtInt(sfRows)} = Athena ${fmtInt(athenaRows)}`));
    } else if (athenaRows > sfRows) {
        add(
            CHECKS.rowCounts,
            pass(
                `Snowflake ${fmtInt(sfRows)} < Athena ${fmtInt(athenaRows)}; ${fmtInt(athenaRows - sfRows)} rows more than Snowflake holds now: ` +
                    `deleted or updated upstream, the lake is append-only; see ${CHECKS.partitionRows} for duplicates`,
            ),
        );
    } else if (t.retentionDays !== undefined) {
        // S3 expires the table's objects after retentionDays while Snowflake keeps the rows: the
        // lower bound is then the rows the unload log records as unloaded within the retention.
        add(CHECKS.rowCounts, await retainedRowCounts(folder.toUpperCase(), t, t.retentionDays, outputs, deps, sfRows, athenaRows));
    } else {
        const diag = await countDiagnosis(deps.snowflake, t, outputs, sfRows, athenaRows);
        add(
            CHECKS.rowCounts,
            fail(
                `Snowflake ${fmtInt(sfRows)} > Athena ${fmtInt(athenaRows)} (lake ${fmtInt(sfRows - athenaRows)} behind)${diag.detail}`,
                diag.cause,
            ),
        );
    }

    // 10. Rows per partition: Athena against the unload log of the current export.
    const partitionKey = table?.PartitionKeys?.[0]?.Name;
    const schema = objectSchema(outputs);
    if (table === undefined) {
        add(CHECKS.partitionRows, skip(nothingExported ? "nothing exported yet" : "no Glue table to query"));
    } else if (athenaRows === undefined) {
        add(CHECKS.partitionRows, skip("needs Athena's count, which failed"));
    } else if (t.exportId === undefined) {
        add(
            CHECKS.partitionRows,
            skip(
                "the outputs carry no exportId (a stack deployed before exports had folders of their own and an unload log): " +
                    "after pulumi up, verify compares rows per partition",
            ),
        );
    } else if (schema === undefined) {
        add(CHECKS.partitionRows, skip("the outputs carry no snowflakeStage, so the unload log's schema is unknown"));
    } else if (partitionKey === undefined) {
        add(CHECKS.partitionRows, skip("the Glue table has no partition key to count rows by"));
    } else {
        add(
            CHECKS.partitionRows,
            await partitionRowsCheck(
                folder.toUpperCase(),
                t.exportId,
                [schema[0], schema[1], UNLOAD_LOG_TABLE],
                partitionKey,
                outputs,
                t,
                deps,
                options,
                log,
                listing?.objects,
                t.retentionDays === undefined ? undefined : keptSince(deps.now(), t.retentionDays),
            ),
        );
    }
    // Report in the order of the data path (the queues are read after the crawl, but come before it).
    const order: string[] = Object.values(CHECKS);
    return checks.sort((a, b) => order.indexOf(a.check) - order.indexOf(b.check));
}

// --- Snowflake ---------------------------------------------------------------------------------

/** `SELECT COUNT(*)` of a quoted `"DB"."SCHEMA"."NAME"`. */
async function snowflakeCount(sql: SqlConnection, qualifiedName: string): Promise<number> {
    const { rows } = await sql.execute(`SELECT COUNT(*) AS "ROW_COUNT" FROM ${qualifiedName}`);
    return toCount(rows[0]?.ROW_COUNT ?? (rows[0] ? Object.values(rows[0])[0] : undefined), qualifiedName);
}

function snowflakeCause(error: unknown, table: string): string {
    const m = errorText(error);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|network|socket/i.test(m)) {
        return "Snowflake is unreachable: check SNOWFLAKE_ORGANIZATION_NAME and SNOWFLAKE_ACCOUNT_NAME, and the network or proxy";
    }
    if (/JWT|private key|passphrase|authenticat|username or password|log ?in|not granted/i.test(m)) {
        return (
            "Snowflake refused the login: check SNOWFLAKE_ORGANIZATION_NAME/SNOWFLAKE_ACCOUNT_NAME, SNOWFLAKE_USER, the key pair " +
            "(SNOWFLAKE_PRIVATE_KEY and its passphrase, the user's RSA_PUBLIC_KEY) and SNOWFLAKE_ROLE"
        );
    }
    if (/does not exist or not authorized|insufficient privileges/i.test(m)) {
        return `${table} is missing, or the session's role lacks USAGE on its database and schema or SELECT on it (SNOWFLAKE_ROLE)`;
    }
    if (/warehouse/i.test(m)) {
        return "no usable warehouse: set SNOWFLAKE_WAREHOUSE to one the role has USAGE on (and that is not suspended)";
    }
    return "the Snowflake query failed: check the SNOWFLAKE_* credentials, the role's grants and the warehouse";
}

/** Where the stack's streams and tasks live: the stage's database and schema. */
function objectSchema(outputs: StackOutputs): [string, string] | undefined {
    const parts = outputs.snowflakeStage ? splitQualifiedName(outputs.snowflakeStage) : undefined;
    return parts ? [parts[0], parts[1]] : undefined;
}

/**
 * The task's state in SHOW TASKS (`started`, `suspended`), `missing` when it is not there, undefined
 * when SHOW TASKS fails or the outputs do not name the task.
 */
async function taskState(sql: SqlConnection, t: TableOutputs, schema: [string, string] | undefined): Promise<string | undefined> {
    if (!schema || !t.taskName) return undefined;
    const s = await attempt(() => sql.execute(showTaskSql(schema, t.taskName!)));
    if (!s.ok) return undefined;
    const row = s.value.rows.find((r) => String(r.name ?? r.NAME ?? "").toUpperCase() === t.taskName!.toUpperCase()) ?? s.value.rows[0];
    return row ? String(row.state ?? row.STATE ?? "unknown").toLowerCase() : "missing";
}

/**
 * Why the lake holds fewer rows than Snowflake. Selecting from a stream does not advance its offset
 * (only DML that reads it does, https://docs.snowflake.com/en/user-guide/streams-intro), so counting
 * the stream shows the rows the task has yet to unload; SHOW TASKS tells whether the task runs.
 */
async function countDiagnosis(
    sql: SqlConnection,
    t: TableOutputs,
    outputs: StackOutputs,
    sfRows: number,
    athenaRows: number,
): Promise<{ detail: string; cause: string }> {
    const notes: string[] = [];
    const schema = objectSchema(outputs);
    let pending: number | undefined;
    if (schema && t.streamName) {
        const p = await attempt(() => snowflakeCount(sql, qualified(schema[0], schema[1], t.streamName!)));
        if (p.ok) {
            pending = p.value;
            notes.push(`${fmtInt(pending)} rows pending in stream ${t.streamName}`);
        } else {
            notes.push(`stream ${t.streamName} unreadable: ${errorText(p.error)}`);
        }
    }
    const state = await taskState(sql, t, schema);
    if (state !== undefined) notes.push(`task ${t.taskName} ${state}`);
    const detail = notes.length ? `; ${notes.join("; ")}` : "";
    const generic = "the lake holds fewer rows than Snowflake: the task is not running, the stream is stale, or the crawler is behind";
    const specifics: string[] = [];
    if (state === "suspended")
        specifics.push(
            `task ${t.taskName} is suspended (it suspends itself after repeated failures): see TASK_HISTORY, then ALTER TASK ... RESUME`,
        );
    if (state === "missing") specifics.push(`task ${t.taskName} does not exist: run pulumi up`);
    if (pending !== undefined && pending > 0 && athenaRows + pending === sfRows) {
        specifics.push(
            `the ${fmtInt(pending)} missing rows are still in the stream: they leave with the task's next run (EXECUTE TASK to run it now), and their arrival starts the crawl`,
        );
    } else if (pending !== undefined && athenaRows + pending < sfRows) {
        specifics.push(
            "rows were unloaded but are not counted by Athena: their partitions are not catalogued yet (crawler behind), or the stream went stale and lost them",
        );
    }
    return { detail, cause: specifics.length ? `${generic}: ${specifics.join("; ")}` : generic };
}

/**
 * The table's stream in SHOW STREAMS: stale (fail), less than two days from stale (a warning-level
 * failure) or fresh. A stale stream cannot be read; the provider recreates it (CREATE OR REPLACE, an
 * in-place update that does not run the backfill again) with SHOW_INITIAL_ROWS under the same name
 * on the first `pulumi up` after a refresh recorded it as stale: it decides from the `stale` value in
 * state (terraform-provider-snowflake v1.2.1 pkg/resources/custom_diffs.go RecreateWhenStreamIsStale,
 * stream_on_table.go UpdateStreamOnTable). Its first read would repeat the export, so the task's
 * runs refuse (sql.unloadStatements). https://docs.snowflake.com/en/sql-reference/sql/show-streams
 */
async function streamCheck(deps: VerifyDeps, t: TableOutputs, outputs: StackOutputs): Promise<StepResult> {
    const schema = objectSchema(outputs);
    if (!t.streamName || !schema) {
        return skip(`the outputs carry no ${!t.streamName ? "streamName" : "snowflakeStage"}, so the stream is unknown`);
    }
    const name = t.streamName;
    const where = `${schema[0]}.${schema[1]}`;
    const shown = await attempt(() => deps.snowflake.execute(showStreamSql(schema, name)));
    if (!shown.ok)
        return fail(`SHOW STREAMS in ${where}: ${errorText(shown.error)}`, snowflakeCause(shown.error, `stream ${where}.${name}`));
    const now = deps.now();
    const s = streamStaleness(shown.value.rows, name, now);
    const at = (ms: number | undefined) =>
        ms === undefined ? "" : ` (stale_after ${fmtTime(ms)}, ${ms <= now ? `${fmtSpan(now - ms)} ago` : `in ${fmtSpan(ms - now)}`})`;
    const reExport =
        "the first pulumi up after a refresh (pulumi refresh, or pulumi up --refresh) recreates the stream in place, and the recreated stream starts " +
        `with every row of the table (SHOW_INITIAL_ROWS), which the task refuses to unload again into export ${t.exportId ?? "the same export"} (each run fails): ` +
        "raise the table's `generation` in the stack file before the next pulumi up, so that the table is re-exported into a new folder";
    if (s.state === "missing") {
        return fail(`no stream ${name} in ${where}`, `the stream was dropped (or the role may not see it): ${reExport}`);
    }
    if (s.state === "fresh") {
        return pass(
            `${name} is not stale${s.staleAfter === undefined ? " (no stale_after reported)" : `; stale after ${fmtTime(s.staleAfter)}, in ${fmtSpan(s.leftMs ?? 0)}`}`,
        );
    }
    const task = await taskState(deps.snowflake, t, schema);
    const taskNote = task === undefined ? "" : `; task ${t.taskName} ${task}`;
    if (s.state === "stale") {
        return fail(
            `${name} is stale${at(s.staleAfter)}${taskNote}`,
            `the stream was not read within the table's data retention: its unread rows are lost to it and the task cannot run; ${reExport}`,
        );
    }
    return fail(
        `${name} goes stale in ${fmtSpan(s.leftMs)}, at ${fmtTime(s.staleAfter)} (less than ${fmtSpan(STALE_WARNING_MS)} away)${taskNote}`,
        "the task is not consuming the stream (each scheduled run keeps it fresh: its COPY consumes the rows, and its WHEN check, " +
            "SYSTEM$STREAM_HAS_DATA, keeps an empty stream from going stale): " +
            `check SHOW TASKS LIKE '${t.taskName ?? "<table>_LAKE_EXPORT"}' (suspended?) and TASK_HISTORY, and the alerts topic for failed runs; ` +
            "fix the cause and ALTER TASK ... RESUME (or EXECUTE TASK) before it goes stale",
        "warning",
    );
}

// --- Rows per partition ------------------------------------------------------------------------

interface LoggedPartitions {
    rows: Map<string, number>;
    files: number;
    /** With `since`: the rows of files unloaded since then, per partition. */
    kept?: Map<string, number>;
}

/**
 * The unload log's rows per partition folder of one export, and its files; an empty map when it
 * records none. With `since` (a retained table), also the rows of the files unloaded since then.
 */
async function loggedPartitions(
    sql: SqlConnection,
    log: [string, string, string],
    table: string,
    exportId: string,
    since?: string,
): Promise<LoggedPartitions> {
    const { rows } = await sql.execute(unloadLogPartitionsSql(log, table, exportId, since));
    const counts = new Map<string, number>();
    const kept = since === undefined ? undefined : new Map<string, number>();
    let files = 0;
    for (const r of rows) {
        const partition =
            r.PARTITION === null || r.PARTITION === undefined || r.PARTITION === "" ? OUTSIDE_PARTITIONS : String(r.PARTITION);
        counts.set(partition, (counts.get(partition) ?? 0) + toCount(r.ROW_COUNT, "ROW_COUNT"));
        kept?.set(partition, (kept.get(partition) ?? 0) + toCount(r.KEPT_ROWS, "KEPT_ROWS"));
        files += toCount(r.FILES, "FILES");
    }
    return { rows: counts, files, kept };
}

/**
 * Row counts of a table with `retentionDays`: S3 expires its objects while Snowflake keeps the
 * rows, so Snowflake's count is no lower bound. Athena must hold at least the rows of the files the
 * unload log records as unloaded since `keptSince` (S3 keeps those); without the log the check
 * cannot tell, and says so.
 */
async function retainedRowCounts(
    tableName: string,
    t: TableOutputs,
    days: number,
    outputs: StackOutputs,
    deps: VerifyDeps,
    sfRows: number,
    athenaRows: number,
): Promise<StepResult> {
    const schema = objectSchema(outputs);
    const why = `the table keeps its objects ${days} days (retentionDays): S3 expires them while Snowflake keeps their rows, so Snowflake's ${fmtInt(sfRows)} rows are no lower bound`;
    if (schema === undefined || t.exportId === undefined) {
        return skip(
            `${why}, and the outputs carry no ${t.exportId === undefined ? "exportId" : "snowflakeStage"} to read the unload log with`,
        );
    }
    const since = keptSince(deps.now(), days);
    const log: [string, string, string] = [schema[0], schema[1], UNLOAD_LOG_TABLE];
    const read = await attempt(() => loggedPartitions(deps.snowflake, log, tableName, t.exportId!, since));
    if (!read.ok) {
        if (/does not exist or not authorized/i.test(errorText(read.error))) {
            return skip(`${why}, and there is no unload log ${log.join(".")} to compare with`);
        }
        return fail(`${log.join(".")}: ${errorText(read.error)}`, snowflakeCause(read.error, log.join(".")));
    }
    const kept = [...(read.value.kept?.values() ?? [])].reduce((a, b) => a + b, 0);
    const base = `Snowflake ${fmtInt(sfRows)} > Athena ${fmtInt(athenaRows)}: ${why}; the unload log has ${fmtInt(kept)} rows unloaded since ${since} UTC, which S3 still keeps`;
    if (athenaRows >= kept) return pass(`${base}, and Athena holds them`);
    const diag = await countDiagnosis(deps.snowflake, t, outputs, kept, athenaRows);
    return fail(`${base}; Athena is ${fmtInt(kept - athenaRows)} short${diag.detail}`, diag.cause);
}

/**
 * Athena's rows per partition against the unload log's. The log is read first (a missing or empty
 * log skips the check without querying Athena) and read again when Athena counts more rows, so an
 * unload that committed while Athena counted is not taken for a duplicate.
 */
async function partitionRowsCheck(
    tableName: string,
    exportId: string,
    log: [string, string, string],
    partitionKey: string,
    outputs: StackOutputs,
    t: TableOutputs,
    deps: VerifyDeps,
    options: VerifyOptions,
    progress: (line: string) => void,
    objects: number | undefined,
    since?: string,
): Promise<StepResult> {
    const logName = log.join(".");
    const first = await attempt(() => loggedPartitions(deps.snowflake, log, tableName, exportId, since));
    if (!first.ok) {
        if (/does not exist or not authorized/i.test(errorText(first.error))) {
            return skip(
                `no unload log ${logName} to compare with (${errorText(first.error).replace(/\s*\n\s*/g, " ")}): a stack deployed before the log, ` +
                    "which pulumi up creates, or a role that may not read it",
            );
        }
        return fail(`${logName}: ${errorText(first.error)}`, snowflakeCause(first.error, logName));
    }
    if (first.value.rows.size === 0) {
        const held = objects === undefined ? "" : `, while S3 holds ${fmtInt(objects)} objects of it`;
        return skip(
            `per-partition check skipped: the unload log ${logName} records no files of ${tableName} export ${exportId}${held}. ` +
                "They were unloaded before the log existed, or by a version whose log INSERT failed after its COPY had committed " +
                "(COPY results with lower-case column names, or an unload that wrote nothing); rows unloaded twice in this export cannot be found by verify",
        );
    }
    const q = await athenaQuery(
        athenaPartitionRowsSql(outputs.glueDatabase, t.glueTable, partitionKey),
        outputs.glueDatabase,
        outputs.athenaWorkgroup,
        deps,
        options,
        progress,
    );
    if (q.rows === undefined) return q;
    const lake = new Map<string, number>();
    for (const [value, count] of q.rows) {
        if (count === undefined || !/^\d+$/.test(count)) {
            return fail(
                `query ${q.id}: unexpected row ${JSON.stringify([value, count])}`,
                "Athena returned no row count per partition: rerun the query in the console",
            );
        }
        const partition = athenaPartitionFolder(partitionKey, value);
        lake.set(partition, (lake.get(partition) ?? 0) + Number(count));
    }
    let logged = first.value;
    let cmp = comparePartitionRows(lake, logged.rows, logged.kept);
    if (cmp.more.length > 0) {
        const again = await attempt(() => loggedPartitions(deps.snowflake, log, tableName, exportId, since));
        if (again.ok) {
            logged = again.value;
            cmp = comparePartitionRows(lake, logged.rows, logged.kept);
        }
    }
    const total = cmp.matching + cmp.fewer.length + cmp.more.length;
    // A retained table: a partition agrees when Athena holds its files unloaded since `since` (S3
    // keeps them) and no more than the log records (older files expire, or have not yet).
    const retained =
        since === undefined
            ? ""
            : `; retentionDays ${t.retentionDays}: at least the rows unloaded since ${since} UTC, at most all the log's`;
    if (cmp.fewer.length === 0 && cmp.more.length === 0) {
        return pass(
            since === undefined
                ? `${fmtInt(total)} partitions, ${fmtInt(cmp.lakeRows)} rows in Athena as in the unload log (${fmtInt(logged.files)} files of export ${exportId}; query ${q.id})`
                : `${fmtInt(total)} partitions, ${fmtInt(cmp.lakeRows)} rows in Athena of the unload log's ${fmtInt(cmp.loggedRows)} (${fmtInt(logged.files)} files of export ${exportId}${retained}; query ${q.id})`,
        );
    }
    return fail(`${partitionRowsDetail(cmp, total, q.id)}${retained}`, partitionRowsCause(cmp));
}

function partitionRowsDetail(cmp: PartitionComparison, total: number, queryId: string | undefined): string {
    const parts: string[] = [];
    const rows = (diffs: PartitionComparison["fewer"]) => fmtInt(diffs.reduce((a, d) => a + Math.abs(d.lake - d.logged), 0));
    if (cmp.fewer.length > 0)
        parts.push(
            `${fmtInt(cmp.fewer.length)} with fewer rows in Athena than the unload log (${rows(cmp.fewer)} rows): ${sampleDiffs(cmp.fewer)}`,
        );
    if (cmp.more.length > 0) parts.push(`${fmtInt(cmp.more.length)} with more (${rows(cmp.more)} rows): ${sampleDiffs(cmp.more)}`);
    return `${parts.join("; ")}; ${fmtInt(cmp.matching)} of ${fmtInt(total)} partitions agree (Athena ${fmtInt(cmp.lakeRows)}, log ${fmtInt(cmp.loggedRows)} rows; query ${queryId ?? "?"})`;
}

function partitionRowsCause(cmp: PartitionComparison): string {
    const causes: string[] = [];
    const absent = cmp.fewer.filter((d) => d.lake === 0);
    const short = cmp.fewer.filter((d) => d.lake > 0);
    if (absent.length > 0) {
        causes.push(
            `partitions Athena does not have (${sample(
                absent.map((d) => d.partition),
                3,
            )}) are not catalogued yet: ` +
                "the crawler has not consumed their events (see glue partitions, event queue and dead-letter queue; start the table's workflow to crawl again), or their folders were deleted",
        );
    }
    if (short.length > 0) {
        causes.push(
            "catalogued partitions with fewer rows than were unloaded lost files: deleted from S3 after the unload (by hand, or a lifecycle rule), " +
                "or an unload committed while verify ran (run it again)",
        );
    }
    if (cmp.more.length > 0) {
        causes.push(
            "partitions with more rows than the log hold rows twice, or files the log lacks: a stream recreated with its initial rows " +
                "(after it went stale or was dropped) re-exports every row into the same export, files were copied into the folder, " +
                "a committed unload's log INSERT failed (see TASK_HISTORY), or its files predate the log; " +
                "list the folder (aws s3 ls) and compare the query ids in the file names with the log's QUERY_ID",
        );
    }
    return causes.join("; ");
}

// --- S3 ----------------------------------------------------------------------------------------

/**
 * Folders (Delimiter `/`, CommonPrefixes) and all objects under the table prefix, each listing
 * page by page (the SDK's paginator follows NextContinuationToken). https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 */
async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<Listing> {
    const folders: string[] = [];
    const looseObjects: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix, Delimiter: "/" })) {
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(prefix.length).replace(/\/$/, ""));
        for (const o of page.Contents ?? []) if (o.Key && o.Key !== prefix) looseObjects.push(o.Key.slice(prefix.length));
    }
    let objects = 0;
    let bytes = 0;
    const keys: Listing["keys"] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) {
            if (!o.Key || o.Key.endsWith("/")) continue; // folder markers
            objects += 1;
            bytes += o.Size ?? 0;
            keys.push({ key: o.Key, modified: o.LastModified?.getTime() });
        }
    }
    keys.sort((a, b) => (a.modified ?? 0) - (b.modified ?? 0));
    return { folders: folders.sort(), objects, bytes, looseObjects, keys };
}

function backfillNote(t: TableOutputs): string {
    const b = t.backfill;
    if (!b) return "";
    const parts = [
        b.status && `status ${b.status}`,
        b.rows !== undefined && `${fmtInt(b.rows)} rows`,
        b.files !== undefined && `${fmtInt(b.files)} files`,
    ].filter(Boolean);
    return parts.length ? `; the backfill reported ${parts.join(", ")}` : "";
}

function noObjectsCause(t: TableOutputs, outputs: StackOutputs): string {
    const generic = "no objects: the backfill did not run or the integration role cannot write";
    const b = t.backfill;
    if (b && typeof b.rows === "number" && b.rows > 0) {
        return (
            `${generic}; the backfill reported ${fmtInt(b.rows)} rows unloaded, so they went elsewhere: check the stage URL ` +
            `(${outputs.snowflakeStage ?? "the stack's stage"}) points at s3://${outputs.bucketName}/${outputs.exportPrefix ?? ""}/, or the objects were deleted`
        );
    }
    return (
        `${generic}: check the backfill command's output in \`pulumi up\`, that the Snowflake role ${outputs.snowflakeRoleArn ?? ""} ` +
        "trusts the storage integration's IAM user and external id and may s3:PutObject under the prefix (and kms:GenerateDataKey with a CMK)"
    );
}

/** At most this many objects are asked for their replication status: the oldest half and the newest half. */
export const REPLICATION_SAMPLE = 1000;
/** A replication still PENDING after this long is worth a look (S3 replicates most objects within minutes). */
export const REPLICATION_PENDING_WARNING_MS = 24 * 60 * 60 * 1000;

/**
 * Each object's `x-amz-replication-status` (HeadObject ReplicationStatus) in the lake bucket: a
 * source object is PENDING, then COMPLETED (COMPLETE) or FAILED; REPLICA marks an object that is
 * itself a replica; an object written before the replication configuration existed (or outside its
 * rule) has none, and live replication never copies it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-existing-config.html
 */
async function replicationCheck(deps: VerifyDeps, bucket: string, replicaBucket: string, keys: Listing["keys"]): Promise<StepResult> {
    const sample =
        keys.length <= REPLICATION_SAMPLE ? keys : [...keys.slice(0, REPLICATION_SAMPLE / 2), ...keys.slice(-REPLICATION_SAMPLE / 2)];
    const statuses = new Map<string, string[]>();
    const now = deps.now();
    let stalePending = 0;
    let failure: unknown;
    await eachLimited(sample, 8, async ({ key, modified }) => {
        const head = await attempt(() => deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
        if (!head.ok) {
            failure ??= head.error;
            return;
        }
        const status = head.value.ReplicationStatus === "COMPLETE" ? "COMPLETED" : (head.value.ReplicationStatus ?? "none");
        statuses.set(status, [...(statuses.get(status) ?? []), key]);
        if (status === "PENDING" && modified !== undefined && now - modified > REPLICATION_PENDING_WARNING_MS) stalePending += 1;
    });
    if (failure !== undefined) {
        return awsFail(`HeadObject in s3://${bucket}`, failure, "read the objects' metadata (s3:GetObject)");
    }
    const of = (status: string) => statuses.get(status) ?? [];
    const counts = ["COMPLETED", "PENDING", "FAILED", "REPLICA", "none"]
        .filter((st) => of(st).length > 0)
        .map((st) => `${fmtInt(of(st).length)} ${st === "none" ? "without a status" : st}`)
        .join(", ");
    const scope =
        sample.length < keys.length
            ? `the ${fmtInt(sample.length / 2)} oldest and ${fmtInt(sample.length / 2)} newest of ${fmtInt(keys.length)} objects`
            : `${fmtInt(keys.length)} objects`;
    const detail = `${counts} (${scope}; replica s3://${replicaBucket})`;
    const batch =
        "copy them once with S3 Batch Replication (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-batch.html)";
    const causes: string[] = [];
    if (of("none").length > 0) {
        causes.push(
            `${sampleKeys(of("none"))} have no replication status: written before the replication configuration existed (or outside its rule), ` +
                `so live replication never copies them; ${batch}`,
        );
    }
    if (of("FAILED").length > 0) {
        causes.push(
            `S3 could not replicate ${sampleKeys(of("FAILED"))}: check the replication role's grants (s3:ReplicateObject on the replica, kms:Decrypt on the lake key, ` +
                `kms:Encrypt on the replica key) and the replica bucket; then ${batch.replace("copy them once", "replicate the FAILED objects again")}`,
        );
    }
    if (of("REPLICA").length > 0) {
        causes.push(
            `${sampleKeys(of("REPLICA"))} are replicas another bucket's replication wrote into the export: they are not the lake's unloads`,
        );
    }
    if (causes.length > 0) return { result: "fail", detail, cause: causes.join("; ") };
    if (stalePending > 0) {
        return {
            result: "fail",
            severity: "warning",
            detail,
            cause: `${fmtInt(stalePending)} objects have been PENDING for more than a day: see the bucket's replication metrics (OperationsPendingReplication, OperationsFailedReplication) and the replication role`,
        };
    }
    return { result: "pass", detail };
}

/** Runs `f` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, f: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) await f(items[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// --- SQS ---------------------------------------------------------------------------------------

/** ApproximateNumberOfMessages (visible) and ApproximateNumberOfMessagesNotVisible (in flight). */
async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
    const r = await sqs.send(
        new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
    );
    const a = r.Attributes ?? {};
    return { visible: Number(a.ApproximateNumberOfMessages ?? 0), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

const fmtDepth = (d: QueueDepth) => `${fmtInt(d.visible)} visible, ${fmtInt(d.inFlight)} in flight`;

// --- Glue crawler ------------------------------------------------------------------------------

/**
 * Starts the crawler (or joins the run in progress) and waits for the run (crawler-run.ts).
 * https://docs.aws.amazon.com/glue/latest/webapi/API_StartCrawler.html
 */
async function runCrawler(name: string, deps: VerifyDeps, options: VerifyOptions, log: (line: string) => void): Promise<StepResult> {
    const start = await startCrawler(deps.glue, name);
    if (start.kind === "error") {
        if (start.call === "StartCrawler") {
            return awsFail(`StartCrawler ${name}`, start.error, "start the crawler (glue:StartCrawler)");
        }
        return fail(
            `${name}: ${errorText(start.error)}`,
            errorName(start.error) === "EntityNotFoundException"
                ? `crawler ${name} does not exist in this account and region: the stack is not deployed, or the outputs belong to another stack or region`
                : awsCause(start.error, "read the crawler (glue:GetCrawler)"),
        );
    }
    const joined = start.kind === "joined";
    log(joined ? `crawler ${name} is already running; waiting for that run` : `crawler ${name} started`);

    const timeoutMs = options.timeoutSeconds * 1000;
    const wait = await waitForCrawl(name, start.previousStart, deps, {
        timeoutMs,
        pollMs: (options.crawlerPollSeconds ?? 15) * 1000,
        onPoll: (state, elapsed) => log(`crawler ${name}: ${state}, ${fmtDuration(elapsed)} elapsed (timeout ${fmtDuration(timeoutMs)})`),
    });
    if (wait.kind === "error") {
        return awsFail(`GetCrawler ${name}`, wait.error, "read the crawler (glue:GetCrawler)");
    }
    if (wait.kind === "timeout") {
        log(`crawler ${name}: still ${wait.state} after ${fmtDuration(wait.elapsedMs)}; giving up`);
        return fail(
            `${name}: still ${wait.state} after ${fmtDuration(wait.elapsedMs)} (--timeout-seconds ${options.timeoutSeconds}); the run goes on`,
            "the crawl outlasted the timeout: a first event-mode run lists the whole folder, and a run reads at most 100,000 events; " +
                "raise --timeout-seconds, or see the crawler's CloudWatch logs (/aws-glue/crawlers, or its /aws-glue/crawlers-role/... group with the lake key) if it is stuck",
        );
    }
    const last = wait.lastCrawl;
    const how = `${joined ? "joined a run in progress" : "started by verify"}, ${fmtDuration(wait.elapsedMs)}`;
    const logs = last.LogGroup ? `; logs: ${last.LogGroup}${last.LogStream ? ` / ${last.LogStream}` : ""}` : "";
    if (last.Status === "SUCCEEDED") {
        log(`crawler ${name}: SUCCEEDED`);
        return pass(`${name}: SUCCEEDED (${how})`);
    }
    log(`crawler ${name}: ${last.Status ?? "no status"}`);
    return fail(
        `${name}: ${last.Status ?? "no status"}${last.ErrorMessage ? `: ${last.ErrorMessage}` : ""} (${how})${logs}`,
        crawlerCause(last.Status, last.ErrorMessage ?? ""),
    );
}

function crawlerCause(status: string | undefined, message: string): string {
    if (status === "CANCELLED") return "the run was stopped (StopCrawler, or the console) before it finished: run verify again";
    const denied = /access ?denied|not authorized|forbidden|403/i.test(message);
    if (/logs:|log group|AssociateKmsKey|CloudWatch ?Logs/i.test(message) && denied) {
        // With a security configuration Glue logs to /aws-glue/crawlers-role/<role>-<configuration>
        // (components/catalog/crawler-logs.ts), the group the program declares and grants.
        return (
            "the crawler cannot write its CloudWatch log: its role may create, associate the lake key with and write to its own log group only " +
            "(crawlerPolicy), and the key admits CloudWatch Logs for the stack's crawler log groups only; compare the run's log group (logs: above) " +
            "with the one the stack declares, /aws-glue/crawlers-role/<role>-<security configuration>"
        );
    }
    if (/kms|decrypt|key/i.test(message) && denied) {
        return "the crawler role lacks kms:Decrypt on the customer-managed key of the queue or the objects";
    }
    if (/sqs|queue/i.test(message)) {
        return (
            "the crawler cannot use its event queue: its role needs sqs:ReceiveMessage, DeleteMessage, GetQueueAttributes, GetQueueUrl, SetQueueAttributes, " +
            "PurgeQueue, ListDeadLetterSourceQueues, ListQueueTags on the queue and the DLQ (and kms:Decrypt for a CMK), and the queue must exist"
        );
    }
    if (denied || /s3/i.test(message)) {
        return "the crawler role cannot read the objects: grant s3:GetObject on the table's folder (crawlerPolicy ReadOwnTableObjects) and kms:Decrypt with a CMK";
    }
    return "the crawl failed: read LastCrawl.ErrorMessage and the crawler's CloudWatch logs (/aws-glue/crawlers, or its /aws-glue/crawlers-role/... group with the lake key)";
}

async function missingTableCause(glue: GlueClient, database: string, table: string): Promise<string> {
    const base = `the crawler has not created ${database}.${table}: no run has completed over the table's files`;
    const others = await attempt(() => glue.send(new GetTablesCommand({ DatabaseName: database, MaxResults: 20 })));
    if (!others.ok) {
        return errorName(others.error) === "EntityNotFoundException"
            ? `the Glue database ${database} does not exist: the stack is not deployed in this account and region`
            : base;
    }
    const names = (others.value.TableList ?? []).map((x) => x.Name ?? "").filter((n) => n && n !== table);
    return names.length
        ? `${base}, or the files' schemas differ so it made one table per folder (the database holds ${sample(names)}): unload with ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION = FALSE and keep CombineCompatibleSchemas`
        : base;
}

async function listPartitions(glue: GlueClient, database: string, table: string): Promise<Partition[]> {
    const all: Partition[] = [];
    for await (const page of paginateGetPartitions({ client: glue }, { DatabaseName: database, TableName: table })) {
        all.push(...(page.Partitions ?? []));
    }
    return all;
}

/** The folder a partition stands for: its location below the table's, else `key=value`. */
function partitionFolder(p: Partition, tableLocation: string, key: string | undefined): string {
    const loc = p.StorageDescriptor?.Location;
    const base = stripSlash(tableLocation);
    if (loc && loc.startsWith(`${base}/`)) return stripSlash(loc.slice(base.length + 1));
    if (loc) return loc;
    return `${key ?? "?"}=${(p.Values ?? []).join("/")}`;
}

// --- Athena ------------------------------------------------------------------------------------

/**
 * One query in the stack's workgroup: StartQueryExecution, poll GetQueryExecution until SUCCEEDED,
 * FAILED or CANCELLED, then GetQueryResults page by page (NextToken). The first row of the first
 * page holds the column names and is left out; a NULL is an undefined cell.
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_QueryExecutionStatus.html
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html
 */
async function athenaQuery(
    sqlText: string,
    database: string,
    workgroup: string,
    deps: VerifyDeps,
    options: VerifyOptions,
    log: (line: string) => void,
): Promise<StepResult & { id?: string; rows?: Array<Array<string | undefined>> }> {
    const started = await attempt(() =>
        deps.athena.send(
            new StartQueryExecutionCommand({
                QueryString: sqlText,
                WorkGroup: workgroup,
                QueryExecutionContext: { Database: database },
            }),
        ),
    );
    if (!started.ok || !started.value.QueryExecutionId) {
        const error = started.ok ? new Error("StartQueryExecution returned no QueryExecutionId") : started.error;
        return fail(`StartQueryExecution in workgroup ${workgroup}: ${errorText(error)}`, athenaCause(errorText(error), workgroup));
    }
    const id = started.value.QueryExecutionId;
    const t0 = deps.now();
    const timeoutMs = options.timeoutSeconds * 1000;
    const pollMs = (options.athenaPollSeconds ?? 2) * 1000;
    for (;;) {
        const got = await attempt(() => deps.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })));
        if (!got.ok) return awsFail(`GetQueryExecution ${id}`, got.error, "read the query (athena:GetQueryExecution)");
        const status = got.value.QueryExecution?.Status;
        const state = status?.State ?? "UNKNOWN";
        const elapsed = deps.now() - t0;
        if (state === "SUCCEEDED") break;
        if (state === "FAILED" || state === "CANCELLED") {
            const reason = status?.AthenaError?.ErrorMessage ?? status?.StateChangeReason ?? "no reason given";
            log(`athena query ${id}: ${state}`);
            return fail(`query ${id} ${state}: ${reason}`, athenaCause(reason, workgroup));
        }
        if (elapsed >= timeoutMs) {
            await attempt(() => deps.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id })));
            return fail(
                `query ${id} still ${state} after ${fmtDuration(elapsed)}; stopped`,
                "the Athena query outlasted --timeout-seconds: the workgroup is queueing queries, or the table has very many small files",
            );
        }
        log(`athena query ${id}: ${state}, ${fmtDuration(elapsed)} elapsed`);
        await deps.sleep(pollMs);
    }
    const read = await attempt(async () => {
        const all: Array<Array<string | undefined>> = [];
        for await (const page of paginateGetQueryResults({ client: deps.athena }, { QueryExecutionId: id })) {
            for (const r of page.ResultSet?.Rows ?? []) all.push((r.Data ?? []).map((d) => d.VarCharValue));
        }
        return all.slice(1); // the first row of the first page names the columns
    });
    if (!read.ok) return fail(`GetQueryResults ${id}: ${errorText(read.error)}`, athenaCause(errorText(read.error), workgroup));
    const rows = read.value;
    return { result: "pass", detail: `query ${id}`, id, rows };
}

/** `SELECT COUNT(*)` of the table. */
async function athenaCount(
    database: string,
    table: string,
    workgroup: string,
    deps: VerifyDeps,
    options: VerifyOptions,
    log: (line: string) => void,
): Promise<StepResult & { rows?: number }> {
    const q = await athenaQuery(`SELECT COUNT(*) FROM "${database}"."${table}"`, database, workgroup, deps, options, log);
    if (q.rows === undefined) return { result: q.result, detail: q.detail, cause: q.cause };
    const values = q.rows.map((r) => r[0] ?? "");
    if (values.length !== 1 || !/^\d+$/.test(values[0])) {
        return fail(
            `query ${q.id}: unexpected result ${JSON.stringify(values)}`,
            "Athena returned no single row count: rerun the query in the console",
        );
    }
    const rows = Number(values[0]);
    return { result: "pass", detail: `${fmtInt(rows)} rows (query ${q.id}, workgroup ${workgroup})`, rows };
}

function athenaCause(reason: string, workgroup: string): string {
    if (
        /HIVE_BAD_DATA|HIVE_CANNOT_OPEN_SPLIT|HIVE_PARTITION_SCHEMA_MISMATCH|schema mismatch|type mismatch|HIVE_CURSOR_ERROR/i.test(reason)
    ) {
        return "the files disagree with the table's schema: unload with ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION = FALSE, and let partitions inherit the table's schema (crawler configuration)";
    }
    if (/access ?denied|not authorized|kms|forbidden|403/i.test(reason)) {
        return `Athena cannot read the data or write results: you need s3:GetObject on the export prefix, kms:Decrypt with a CMK, and write access to workgroup ${workgroup}'s result location`;
    }
    if (/TABLE_NOT_FOUND|SCHEMA_NOT_FOUND|does not exist/i.test(reason)) {
        return "the table is not in the catalog Athena reads: the crawler has not created it, or the workgroup queries another catalog";
    }
    if (/workgroup/i.test(reason)) return `workgroup ${workgroup} is missing or disabled: run pulumi up`;
    return "the Athena query failed: see its StateChangeReason in the Athena console";
}

// --- helpers -----------------------------------------------------------------------------------

/** The cause of an AWS call's failure that is the same whichever call it was. */
function awsCause(error: unknown, action: string): string {
    const name = errorName(error);
    const text = errorText(error);
    if (name === "CredentialsProviderError" || /could not load credentials/i.test(text)) {
        return "no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)";
    }
    if (/ExpiredToken|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch/i.test(name + text)) {
        return "the AWS credentials are expired or invalid: log in again (aws sso login)";
    }
    if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(name + text)) return `you may not ${action}: use a role that can`;
    if (/NoSuchBucket|NonExistentQueue|QueueDoesNotExist|EntityNotFound|ResourceNotFound/i.test(name + text)) {
        return "the resource does not exist in this account and region: the stack is not deployed, or the outputs (or --region) belong elsewhere";
    }
    return `could not ${action}`;
}

function stripSlash(s: string): string {
    return s.replace(/\/+$/, "");
}

/** `3 objects (a, b, c)`: a count of keys with the first few names. */
function sampleKeys(keys: string[]): string {
    return `${fmtInt(keys.length)} object${keys.length === 1 ? "" : "s"} (${sample(
        keys.map((k) => k.slice(k.lastIndexOf("/", k.lastIndexOf("/") - 1) + 1)),
        3,
    )})`;
}

/** The first `n` items, then how many more. */
export function sample(items: string[], n = 5): string {
    return items.length <= n ? items.join(", ") : `${items.slice(0, n).join(", ")} and ${items.length - n} more`;
}

export function fmtInt(n: number): string {
    return n.toLocaleString("en-US");
}

export function fmtBytes(n: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i += 1;
    }
    return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** `2024-01-31T12:00:00Z`: an instant in UTC, to the second. */
export function fmtTime(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function fmtDuration(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    return s % 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${m}m`;
}
