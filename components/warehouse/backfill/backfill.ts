/**
 * The deploy-time backfill: the first read of a new export's stream. Checks the stream (it refuses
 * one that would repeat the export, and unloads nothing from one past its first read), runs the
 * session statements, removes what an earlier attempt left uncommitted, then the COPY and its
 * unload-log line in one transaction (`sql.unloadStatements`, the task's own statements), retrying
 * while a just-created IAM role cannot be assumed yet; registers the partitions and summarises the
 * files written.
 * Pure: the Snowflake driver stays in `main.ts`, behind `SqlConnection`.
 */
import { NotOnAwsError, requireAwsHosted } from "../account-cloud";
import { fill, LIST_ID_SLOT, QUERY_ID_SLOT, repeatedExportMessage, SHOW_ID_SLOT, UnloadStatements } from "../sql";

/** A minimal promise-based connection; `main.ts` adapts snowflake-sdk to it. */
export interface SqlConnection {
    execute(sqlText: string): Promise<{ rows: Record<string, unknown>[]; queryId: string }>;
}

/**
 * What the backfill runs: the session statements and the COPY, and (all of them, or none) the log
 * INSERT and the cleanup statements of `sql.unloadStatements`. Without them the COPY alone runs, as
 * a plain autocommit unload.
 */
export interface BackfillPlan extends Partial<Omit<UnloadStatements, "copy">> {
    table: string;
    session: string[];
    copy: string;
}

/**
 * The environment variable the command passes each statement of the log's invariant in, and the
 * slot the statement must hold (`sql.unloadStatements`).
 */
export const LOGGED_ENV: Record<keyof Omit<UnloadStatements, "copy">, [name: string, slot?: string]> = {
    log: ["BACKFILL_LOG_SQL", `'${QUERY_ID_SLOT}'`],
    list: ["BACKFILL_LIST_SQL"],
    baseline: ["BACKFILL_BASELINE_SQL", `'${LIST_ID_SLOT}'`],
    unlisted: ["BACKFILL_UNLISTED_SQL", `'${LIST_ID_SLOT}'`],
    remove: ["BACKFILL_CLEANUP_SQL", QUERY_ID_SLOT],
    show: ["BACKFILL_SHOW_SQL"],
    repeated: ["BACKFILL_REPEATED_SQL", `'${SHOW_ID_SLOT}'`],
    since: ["BACKFILL_SINCE_SQL", `'${SHOW_ID_SLOT}'`],
    showTask: ["BACKFILL_SHOW_TASK_SQL"],
    taskReads: ["BACKFILL_TASK_READS_SQL", `'${SHOW_ID_SLOT}'`],
};
const LOGGED_KEYS = Object.keys(LOGGED_ENV) as Array<keyof typeof LOGGED_ENV>;

/** The statements of the log's invariant, when the plan has them; throws when it has only some. */
export function loggedStatements(plan: BackfillPlan): Omit<UnloadStatements, "copy"> | undefined {
    const given = LOGGED_KEYS.filter((k) => plan[k] !== undefined);
    if (given.length === 0) return undefined;
    if (given.length < LOGGED_KEYS.length)
        throw new Error(`the plan must give all or none of ${LOGGED_KEYS.join(", ")}; it gives ${given.join(", ")}`);
    return Object.fromEntries(LOGGED_KEYS.map((k) => [k, plan[k]])) as Omit<UnloadStatements, "copy">;
}

/**
 * Where the backfill registers the partitions it wrote. Objects written at deploy time can precede
 * the moment a new bucket notification or subscription takes effect, so they may raise no event
 * (S3 user guide how-to-enable-disable-notification-intro; SNS sns-subscription-filter-policies):
 * the backfill does not leave their cataloguing to the crawler. `main.ts` implements it on Glue.
 */
export interface PartitionCatalog {
    /** Makes each partition folder (`dt=2024-01-01`) a partition of the table; resolves to the count added. */
    register(folders: string[]): Promise<number>;
}

/** What the unload command prints when it finished: the stack keeps it as the table's backfill output. */
export interface BackfillSummary {
    /** `ok`, the only status a finished unload prints (a plain string: the component's schema takes no literal types). */
    status: string;
    table: string;
    /** What the COPY unloaded; with `attempts` 0, what the log lists of the stream (its first read and the task's runs since). */
    rows: number;
    files: number;
    bytes: number;
    /** The COPY INTO's Snowflake query id (its files carry it in their names); with `attempts` 0, the first read's. */
    queryId: string;
    /** The COPY's attempts; 0 when the stream was past its first read, so the backfill unloaded nothing. */
    attempts: number;
    /** Partitions the backfill added to the Glue table (those already there are not counted). */
    partitionsAdded?: number;
}

/**
 * The summary a command's stored `stdout` holds, or undefined when it holds none: an update of an
 * older version printed nothing, or the text is not a summary. Never throws: a stack's outputs are
 * computed from it on every `pulumi up`.
 */
export function parseBackfillSummary(stdout: string | undefined): BackfillSummary | undefined {
    if (!stdout || !stdout.trim()) return undefined;
    let v: unknown;
    try {
        v = JSON.parse(stdout.trim().split("\n").pop() as string);
    } catch {
        return undefined;
    }
    if (typeof v !== "object" || v === null) return undefined;
    const o = v as Record<string, unknown>;
    const counts = ["rows", "files", "bytes", "attempts"].every((k) => typeof o[k] === "number");
    return o.status === "ok" && typeof o.table === "string" && typeof o.queryId === "string" && counts
        ? (o as unknown as BackfillSummary)
        : undefined;
}

export interface BackfillOptions {
    /** Attempts of the COPY in all, first one included. Default 6. */
    maxAttempts?: number;
    /** Wait after the first failed attempt; doubles after each further one. Default 5000. */
    baseDelayMs?: number;
    /** Upper bound of one wait. Default 60000. */
    maxDelayMs?: number;
    sleep?: (ms: number) => Promise<void>;
    log?: (line: string) => void;
    /** Registers the written partitions; without it, the crawler catalogues them from their events. */
    catalog?: PartitionCatalog;
}

export interface ErrorClass {
    transient: boolean;
    hint: string;
}

/** A failed backfill; `message` names the table, the Snowflake error and what to fix. */
export class BackfillError extends Error {
    constructor(
        message: string,
        readonly table: string,
        readonly hint: string,
        readonly attempts: number,
        readonly transient: boolean,
        readonly cause?: unknown,
    ) {
        super(message);
        this.name = "BackfillError";
    }
}

const STORAGE_INTEGRATION_DOC = "https://docs.snowflake.com/en/user-guide/data-load-s3-config-storage-integration";

/**
 * Errors Snowflake raises while the storage integration's IAM role (or its trust policy) is not
 * usable yet; IAM is eventually consistent, so a role written seconds before the COPY can fail.
 * Real messages:
 * - `003167 (42601): Error assuming AWS_ROLE:\nUser: arn:aws:iam::…:user/…-s is not authorized to
 *   perform: sts:AssumeRole on resource: arn:aws:iam::…:role/…` (reported by public Terraform modules
 *   on the first use of a role created moments before, and gone on re-run).
 * - `SQL execution error: Error assuming AWS_ROLE. Please verify the role and externalId are
 *   configured correctly in your AWS policy.`
 *   https://docs.snowflake.com/en/sql-reference/external-functions-creating-aws-troubleshooting
 * - `Failure using stage area. Cause: [Access Denied (Status Code: 403; Error Code: AccessDenied)]`
 *   and `Failed to access remote file: access denied. Please check your credentials`
 *   https://docs.snowflake.com/en/user-guide/data-load-snowpipe-ts (access denied errors)
 */
const TRANSIENT: RegExp[] = [
    /Error assuming AWS_ROLE/i,
    /verify the role and externalId/i,
    /not authorized to perform:?\s*sts:AssumeRole/i,
    /Access Denied \(Status Code: 403/i,
    /\bAccessDenied\b/,
    /Failed to access remote file: access denied/i,
];

/**
 * Also starts with "Error assuming AWS_ROLE", but no wait fixes it.
 * https://docs.snowflake.com/en/user-guide/tables-iceberg-configure-external-volume-s3
 */
const STS_NOT_ACTIVATED = /STS is not activated/i;

/** Permanent errors, first match wins: the order keeps specific causes ahead of generic ones. */
const PERMANENT: Array<[RegExp, string]> = [
    [
        STS_NOT_ACTIVATED,
        "AWS STS is disabled in the Snowflake deployment region for the AWS account of the role: activate it " +
            "(IAM console, Account settings, Security Token Service endpoints).",
    ],
    [
        /Role '[^']*' specified in the connect string is not granted|\b390189\b/i,
        "SNOWFLAKE_ROLE names a role that is not granted to SNOWFLAKE_USER: grant it or change SNOWFLAKE_ROLE.",
    ],
    [
        /JWT token is invalid|\b390144\b|\b390100\b|Incorrect username or password|private key|passphrase|bad decrypt|DECODER routines|Failed to authenticate|authenticat/i,
        "Authentication failed: check SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY (PEM text of the key whose public key " +
            "is the user's RSA_PUBLIC_KEY), SNOWFLAKE_PRIVATE_KEY_PASSPHRASE if the key is encrypted, and " +
            "SNOWFLAKE_ORGANIZATION_NAME / SNOWFLAKE_ACCOUNT_NAME. https://docs.snowflake.com/en/user-guide/key-pair-auth",
    ],
    [
        /ENOTFOUND|EAI_AGAIN|getaddrinfo|Could not reach Snowflake|HTTP:? 404|status code 404/i,
        "Snowflake could not be reached at <organization>-<account>.snowflakecomputing.com: check " +
            "SNOWFLAKE_ORGANIZATION_NAME and SNOWFLAKE_ACCOUNT_NAME (SELECT CURRENT_ORGANIZATION_NAME(), " +
            "CURRENT_ACCOUNT_NAME()) and network access.",
    ],
    [
        /No active warehouse|\b000606\b|warehouse\b[^.]*\b(suspended|cannot be resumed|does not exist)|resource monitor/i,
        "No usable warehouse: set SNOWFLAKE_WAREHOUSE (or the stack's snowflakeWarehouse config, passed as " +
            "BACKFILL_WAREHOUSE) to an existing warehouse the role has USAGE on, and check it is not suspended by a " +
            "resource monitor.",
    ],
    [
        /does not exist or not authorized|Insufficient privileges|\b002003\b|\b003001\b|not authorized/i,
        "An object is missing or not granted: check that the stage, file format and stream named in the COPY exist, " +
            "and that the role (SNOWFLAKE_ROLE, else the user's default role) has USAGE on their database, schema, " +
            "stage, file format and storage integration, and SELECT on the stream and its table.",
    ],
    [
        /SQL compilation error|syntax error|invalid identifier/i,
        "The generated SQL does not compile: this is a bug, report it with the statement and the query ID " +
            "(components/warehouse/sql.ts).",
    ],
];

function errorText(err: unknown): { message: string; code: string; queryId?: string } {
    if (err instanceof Error || (typeof err === "object" && err !== null)) {
        const e = err as { message?: unknown; code?: unknown; data?: { queryId?: unknown } };
        const queryId = typeof e.data?.queryId === "string" ? e.data.queryId : undefined;
        return {
            message: typeof e.message === "string" ? e.message : String(err),
            code: e.code === undefined || e.code === null ? "" : String(e.code),
            queryId,
        };
    }
    return { message: String(err), code: "" };
}

/** Whether waiting can fix `err` (IAM propagation), and what to fix if not. */
export function classifyError(err: unknown): ErrorClass {
    const { message, code } = errorText(err);
    const text = code ? `${code} ${message}` : message;
    if (!STS_NOT_ACTIVATED.test(text) && TRANSIENT.some((re) => re.test(text))) {
        return {
            transient: true,
            hint:
                "Snowflake cannot assume the storage integration's IAM role yet (IAM changes take a while to " +
                "propagate). If it persists, the role's trust policy must name STORAGE_AWS_IAM_USER_ARN and " +
                "sts:ExternalId STORAGE_AWS_EXTERNAL_ID from DESC INTEGRATION, and its policy must allow " +
                `s3:PutObject on the bucket prefix. ${STORAGE_INTEGRATION_DOC}`,
        };
    }
    for (const [re, hint] of PERMANENT) {
        if (re.test(text)) return { transient: false, hint };
    }
    return { transient: false, hint: "Unexpected error: see the Snowflake message and the query ID in Snowflake's query history." };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wait before attempt `attempt + 1`: base * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
    return Math.min(baseDelayMs * 2 ** (attempt - 1), maxDelayMs);
}

/** A count from a result cell: numbers, bigints and numeric strings (the driver can return any). */
export function toCount(value: unknown, column: string): number {
    const n = typeof value === "bigint" ? Number(value) : typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
        throw new Error(`column ${column} is ${JSON.stringify(typeof value === "bigint" ? String(value) : value)}, not a count`);
    }
    return n;
}

/** A cell by column name, case-insensitively (Snowflake upper-cases unquoted names). */
function cell(row: Record<string, unknown>, column: string): { found: boolean; value: unknown } {
    for (const key of Object.keys(row)) {
        if (key.toUpperCase() === column) return { found: true, value: row[key] };
    }
    return { found: false, value: undefined };
}

/**
 * Totals of a `COPY INTO <location> ... DETAILED_OUTPUT = TRUE` result: one row per file with
 * FILE_NAME, FILE_SIZE, ROW_COUNT. An empty table writes no file, so no row is success.
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-location (DETAILED_OUTPUT, usage notes)
 */
export function summarizeCopyRows(rows: Record<string, unknown>[]): { rows: number; files: number; bytes: number } {
    let total = 0;
    let bytes = 0;
    let files = 0;
    for (const row of rows) {
        const count = cell(row, "ROW_COUNT");
        const size = cell(row, "FILE_SIZE");
        if (!count.found || !size.found) {
            // The summary shape (DETAILED_OUTPUT = FALSE) of an unload that wrote nothing.
            const unloaded = cell(row, "ROWS_UNLOADED");
            if (unloaded.found && toCount(unloaded.value, "ROWS_UNLOADED") === 0) continue;
            throw new Error(
                `COPY returned a row without FILE_SIZE/ROW_COUNT (columns: ${Object.keys(row).join(", ")}); expected DETAILED_OUTPUT = TRUE`,
            );
        }
        total += toCount(count.value, "ROW_COUNT");
        bytes += toCount(size.value, "FILE_SIZE");
        files += 1;
    }
    return { rows: total, files, bytes };
}

function failure(plan: BackfillPlan, err: unknown, hint: string, attempts: number, transient: boolean): BackfillError {
    const { message, code, queryId } = errorText(err);
    const details = [code && `code ${code}`, queryId && `query ${queryId}`].filter(Boolean).join(", ");
    const when = attempts === 0 ? "before unloading" : `after ${attempts === 1 ? "1 attempt" : `${attempts} attempts`}`;
    return new BackfillError(
        `backfill of ${plan.table} failed ${when}: ${message.trim()}${details ? ` (${details})` : ""}\nhint: ${hint}`,
        plan.table,
        hint,
        attempts,
        transient,
        err,
    );
}

/** A Hive-style partition folder's name, `key=value` (`dt=2024-01-01`, `p_status=open`). */
export const PARTITION_FOLDER = /^[a-z_][a-z0-9_]*=[^=/]+$/;

/**
 * The partition folders (`dt=2024-01-01`) of the files in a `LIST @stage/...` result: the folder
 * each file sits in, when it has the `key=value` form. https://docs.snowflake.com/en/sql-reference/sql/list
 */
export function partitionFolders(rows: Record<string, unknown>[]): string[] {
    const folders = new Set<string>();
    for (const row of rows) {
        const name = cell(row, "NAME");
        if (!name.found || typeof name.value !== "string")
            throw new Error(`LIST returned a row without a name (columns: ${Object.keys(row).join(", ")})`);
        const parts = name.value.split("/");
        const folder = parts[parts.length - 2];
        if (folder !== undefined && PARTITION_FOLDER.test(folder)) folders.add(folder);
    }
    return [...folders].sort();
}

/** A Snowflake query id as it appears in unloaded file names (INCLUDE_QUERY_ID); anything else is never put in SQL. */
const QUERY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Removes the export's files that no committed unload lists (`sql.unloadStatements`): what an
 * earlier attempt, or an earlier `pulumi up`, wrote and did not commit. Resolves to the query ids
 * whose files it removed.
 */
export async function removeUnlisted(
    conn: SqlConnection,
    s: Omit<UnloadStatements, "copy">,
    table: string,
    log: (line: string) => void,
): Promise<string[]> {
    const listed = await conn.execute(s.list);
    if (!QUERY_ID.test(listed.queryId))
        throw new Error(`LIST returned no query id (${JSON.stringify(listed.queryId)}), so its files cannot be read back`);
    const fromList = (sql: string) => fill(sql, LIST_ID_SLOT, `'${listed.queryId}'`);
    await conn.execute(fromList(s.baseline));
    const ids = (await conn.execute(fromList(s.unlisted))).rows
        .map((r) => cell(r, "QUERY_ID").value)
        .filter((v): v is string => typeof v === "string" && QUERY_ID.test(v));
    for (const id of ids) {
        await conn.execute(s.remove.replace(QUERY_ID_SLOT, id));
        log(`${table}: removed the files of query ${id}, an unload that did not commit`);
    }
    return ids;
}

/**
 * Where the export's stream stands (`sql.unloadStatements`): `repeated`, the files of the export an
 * earlier stream committed while this one has committed none, which its first read would repeat (0
 * when it may run); `since`, what the log lists since the stream's creation; `taskReads`, whether the
 * table's task reads this stream. Past its first read when the log lists files since, or the task reads it.
 */
export async function streamState(
    conn: SqlConnection,
    s: Omit<UnloadStatements, "copy">,
): Promise<{ repeated: number; taskReads: boolean; since: { files: number; rows: number; bytes: number; queryId?: string } }> {
    /** The query id of a SHOW, for the checks that scan its result. */
    const shown = async (show: string) => {
        const { queryId } = await conn.execute(show);
        if (!QUERY_ID.test(queryId)) throw new Error(`${show.split(" LIKE ")[0]} returned no query id (${JSON.stringify(queryId)})`);
        return queryId;
    };
    const one = async (check: string, showId: string, what: string) => {
        const { rows } = await conn.execute(fill(check, SHOW_ID_SLOT, `'${showId}'`));
        if (rows.length !== 1) throw new Error(`${what} returned ${rows.length} rows, not one`);
        return rows[0];
    };
    const streams = await shown(s.show);
    const repeated = toCount(Object.values(await one(s.repeated, streams, "the repeat check"))[0], "repeated files");
    const since = await one(s.since, streams, "the files since the stream's creation");
    const tasks = await one(s.taskReads, await shown(s.showTask), "the task check");
    const first = cell(since, "FIRST_QUERY_ID").value;
    return {
        repeated,
        taskReads: toCount(cell(tasks, "TASKS").value, "TASKS") > 0,
        since: {
            files: toCount(cell(since, "FILES").value, "FILES"),
            rows: toCount(cell(since, "ROW_TOTAL").value, "ROW_TOTAL"),
            bytes: toCount(cell(since, "BYTE_TOTAL").value, "BYTE_TOTAL"),
            queryId: typeof first === "string" ? first : undefined,
        },
    };
}

/** Closes the transaction of a failed attempt; a connection that is gone has taken it with it. */
async function rollback(conn: SqlConnection, table: string, log: (line: string) => void): Promise<void> {
    try {
        await conn.execute("ROLLBACK");
    } catch (err) {
        log(
            `${table}: ROLLBACK failed (${errorText(err).message.split("\n")[0]}); an open transaction never commits and Snowflake aborts it`,
        );
    }
}

/** Snowflake answered with a SQL error (a SQLSTATE): the statement failed. Otherwise the connection's fate is unknown. */
function isSqlError(err: unknown): boolean {
    const sqlState = typeof err === "object" && err !== null ? (err as { sqlState?: unknown }).sqlState : undefined;
    return typeof sqlState === "string" && /^[0-9A-Z]{5}$/.test(sqlState);
}

/**
 * Checks that the account is on AWS, then per attempt: the session statements, the cleanup, and the
 * COPY with its log INSERT in one transaction. On a transient error the transaction is rolled back,
 * the backfill waits (bounded exponential backoff) and tries again, up to `maxAttempts` in all; the
 * next attempt's cleanup removes what the failed one wrote. Then registers the export's partitions
 * in the catalog. Throws `BackfillError` otherwise.
 */
export async function runBackfill(conn: SqlConnection, plan: BackfillPlan, opts: BackfillOptions = {}): Promise<BackfillSummary> {
    const maxAttempts = opts.maxAttempts ?? 6;
    const baseDelayMs = opts.baseDelayMs ?? 5000;
    const maxDelayMs = opts.maxDelayMs ?? 60000;
    const sleep = opts.sleep ?? defaultSleep;
    const log = opts.log ?? (() => undefined);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    const logged = loggedStatements(plan);

    try {
        const region = await requireAwsHosted(conn);
        log(`${plan.table}: Snowflake account in ${region}`);
    } catch (err) {
        if (err instanceof NotOnAwsError)
            throw failure(plan, err, "Deploy the lake with a Snowflake account hosted on AWS (README, Deploying a stack).", 0, false);
        throw failure(plan, err, classifyError(err).hint, 0, false);
    }
    if (logged) {
        let state: Awaited<ReturnType<typeof streamState>>;
        try {
            state = await streamState(conn, logged);
        } catch (err) {
            throw failure(plan, err, classifyError(err).hint, 0, false);
        }
        if (state.repeated > 0) {
            throw failure(
                plan,
                new Error(repeatedExportMessage(plan.table)),
                `The unload log (LAKE_UNLOADS) lists ${state.repeated} files of this export from before its stream was created. The ` +
                    "export's folder follows from the table's settings, so setting one back to an earlier value returns to a folder " +
                    "that an earlier stream filled. Raise the table's `generation` in the stack file and run `pulumi up` again: the table " +
                    "is then exported into a new folder. Nothing was unloaded.",
                0,
                false,
            );
        }
        const { since } = state;
        if (since.files > 0 || state.taskReads) {
            // Past its first read: unload nothing, and remove nothing (the task may be mid-run).
            const why = [
                since.files > 0 && `${since.files} files since its creation, the first by query ${since.queryId}`,
                state.taskReads && "the task reads it",
            ].filter(Boolean);
            log(`${plan.table}: the stream is past its first read (${why.join("; ")}); unloading nothing: the task unloads what is new`);
            const { files, rows, bytes } = since;
            return registered(
                conn,
                plan,
                { status: "ok", table: plan.table, rows, files, bytes, queryId: since.queryId ?? "", attempts: 0 },
                opts.catalog,
                log,
            );
        }
    }

    for (let attempt = 1; ; attempt++) {
        let result: { rows: Record<string, unknown>[]; queryId: string };
        try {
            // Re-run each time: a retry may follow a reconnect, and ALTER SESSION is idempotent.
            for (const statement of plan.session) await conn.execute(statement);
            if (logged) await removeUnlisted(conn, logged, plan.table, log);
            log(`${plan.table}: unloading (attempt ${attempt}/${maxAttempts})`);
            if (logged) await conn.execute("BEGIN TRANSACTION");
            result = await conn.execute(plan.copy);
        } catch (err) {
            if (logged) {
                await rollback(conn, plan.table, log);
                log(
                    isSqlError(err)
                        ? `${plan.table}: the COPY failed and was rolled back; the next attempt removes what it wrote`
                        : // The session may be gone; its transaction never commits without a COMMIT, and Snowflake aborts it.
                          `${plan.table}: the connection failed during the COPY; its transaction never commits, and the next run removes its files`,
                );
            }
            const c = classifyError(err);
            if (!c.transient) throw failure(plan, err, c.hint, attempt, false);
            if (attempt >= maxAttempts) {
                throw failure(plan, err, `${c.hint} Gave up after ${maxAttempts} attempts.`, attempt, true);
            }
            const delay = backoffDelay(attempt, baseDelayMs, maxDelayMs);
            log(
                `${plan.table}: attempt ${attempt}/${maxAttempts} failed with a transient error (${errorText(err).message.split("\n")[0]}); retrying in ${Math.round(delay / 1000)}s`,
            );
            await sleep(delay);
            continue;
        }
        let totals: ReturnType<typeof summarizeCopyRows>;
        try {
            totals = summarizeCopyRows(result.rows);
        } catch (err) {
            if (!logged) {
                // Committed already (autocommit): say so, or a blind re-run would unload the table twice.
                throw failure(
                    plan,
                    err,
                    `The COPY itself succeeded (query ${result.queryId}) and its files are in the stage; only its output ` +
                        "was not understood. This is a bug: report it rather than re-running the backfill.",
                    attempt,
                    false,
                );
            }
            await rollback(conn, plan.table, log);
            throw failure(
                plan,
                err,
                `The COPY's output (query ${result.queryId}) was not understood, so it was rolled back: nothing is ` +
                    "committed, and the next run removes its files. This is a bug: report it with the query id.",
                attempt,
                false,
            );
        }
        if (logged) {
            try {
                if (!QUERY_ID.test(result.queryId))
                    throw new Error(`the COPY returned no query id (${JSON.stringify(result.queryId)}) to read its files back with`);
                const inserted = await conn.execute(fill(logged.log, QUERY_ID_SLOT, `'${result.queryId}'`));
                const count = inserted.rows[0]
                    ? toCount(
                          cell(inserted.rows[0], "NUMBER OF ROWS INSERTED").value ?? Object.values(inserted.rows[0])[0],
                          "number of rows inserted",
                      )
                    : 0;
                // Never commit files the log does not list: the next run's cleanup would remove them.
                if (count !== totals.files) throw new Error(`the unload log got ${count} rows for the COPY's ${totals.files} files`);
                await conn.execute("COMMIT");
            } catch (err) {
                await rollback(conn, plan.table, log);
                const { message } = errorText(err);
                throw failure(
                    plan,
                    err,
                    `The unload (query ${result.queryId}) and its log line were rolled back together: nothing is committed, ` +
                        "the stream keeps its rows, and the next run (pulumi up again) removes its files. " +
                        (/privilege|not authorized/i.test(message)
                            ? "Grant the role INSERT on the unload log (LAKE_UNLOADS)."
                            : classifyError(err).hint),
                    attempt,
                    false,
                );
            }
        }
        log(`${plan.table}: unloaded ${totals.rows} rows into ${totals.files} files (${totals.bytes} bytes), query ${result.queryId}`);
        return registered(
            conn,
            plan,
            { status: "ok", table: plan.table, ...totals, queryId: result.queryId, attempts: attempt },
            opts.catalog,
            log,
        );
    }
}

/** `summary`, once the export's partitions are in the catalog (when the backfill registers them). */
async function registered(
    conn: SqlConnection,
    plan: BackfillPlan,
    summary: BackfillSummary,
    catalog: PartitionCatalog | undefined,
    log: (line: string) => void,
): Promise<BackfillSummary> {
    if (!catalog || !plan.list) return summary;
    try {
        // Every file of the export, not only this COPY's: a re-run after a failed registration catches up.
        const folders = partitionFolders((await conn.execute(plan.list)).rows);
        summary.partitionsAdded = await catalog.register(folders);
        log(`${plan.table}: ${folders.length} partitions in the export, ${summary.partitionsAdded} added to the catalog`);
        return summary;
    } catch (err) {
        // The rows are unloaded and the stream has advanced: a re-run unloads nothing twice,
        // and the crawler catalogues the partitions from their events once they flow.
        throw failure(
            plan,
            err,
            `${summary.attempts === 0 ? "The stream's first read committed" : "The COPY succeeded"} (query ${summary.queryId}); ` +
                "registering the partitions in Glue failed. Check the AWS " +
                "credentials of `pulumi up` (glue:GetTable, glue:BatchCreatePartition on the table) and run `pulumi up` again: " +
                "the re-run unloads nothing more (the task unloads what is new) and registers every partition of the export.",
            summary.attempts,
            false,
        );
    }
}
