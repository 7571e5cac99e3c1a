/**
 * The deploy-time backfill: run the session statements and the unload COPY against Snowflake,
 * retrying while a just-created IAM role cannot be assumed yet, and summarise the files written.
 * Pure: the Snowflake driver stays in `main.ts`, behind `SqlConnection`.
 */

/** A minimal promise-based connection; `main.ts` adapts snowflake-sdk to it. */
export interface SqlConnection {
    execute(sqlText: string): Promise<{ rows: Record<string, unknown>[]; queryId: string }>;
}

export interface BackfillPlan {
    table: string;
    session: string[];
    copy: string;
}

export interface BackfillSummary {
    status: "ok";
    table: string;
    rows: number;
    files: number;
    bytes: number;
    queryId: string;
    attempts: number;
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
            "(components/sql.ts).",
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
            throw new Error(`COPY returned a row without FILE_SIZE/ROW_COUNT (columns: ${Object.keys(row).join(", ")}); expected DETAILED_OUTPUT = TRUE`);
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
    const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
    return new BackfillError(
        `backfill of ${plan.table} failed after ${tries}: ${message.trim()}${details ? ` (${details})` : ""}\nhint: ${hint}`,
        plan.table,
        hint,
        attempts,
        transient,
        err,
    );
}

/**
 * Runs the session statements, then the COPY; on a transient error waits (bounded exponential
 * backoff) and runs them again, up to `maxAttempts` in all. Throws `BackfillError` otherwise.
 */
export async function runBackfill(conn: SqlConnection, plan: BackfillPlan, opts: BackfillOptions = {}): Promise<BackfillSummary> {
    const maxAttempts = opts.maxAttempts ?? 6;
    const baseDelayMs = opts.baseDelayMs ?? 5000;
    const maxDelayMs = opts.maxDelayMs ?? 60000;
    const sleep = opts.sleep ?? defaultSleep;
    const log = opts.log ?? (() => undefined);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`maxAttempts must be a positive integer, got ${maxAttempts}`);

    for (let attempt = 1; ; attempt++) {
        let result: { rows: Record<string, unknown>[]; queryId: string };
        try {
            // Re-run each time: a retry may follow a reconnect, and ALTER SESSION is idempotent.
            for (const statement of plan.session) await conn.execute(statement);
            log(`${plan.table}: unloading (attempt ${attempt}/${maxAttempts})`);
            result = await conn.execute(plan.copy);
        } catch (err) {
            const c = classifyError(err);
            if (!c.transient) throw failure(plan, err, c.hint, attempt, false);
            if (attempt >= maxAttempts) {
                throw failure(plan, err, `${c.hint} Gave up after ${maxAttempts} attempts.`, attempt, true);
            }
            const delay = backoffDelay(attempt, baseDelayMs, maxDelayMs);
            log(`${plan.table}: attempt ${attempt}/${maxAttempts} failed with a transient error (${errorText(err).message.split("\n")[0]}); retrying in ${Math.round(delay / 1000)}s`);
            await sleep(delay);
            continue;
        }
        let totals: ReturnType<typeof summarizeCopyRows>;
        try {
            totals = summarizeCopyRows(result.rows);
        } catch (err) {
            // The files are written: say so, or a blind re-run would unload the table twice.
            throw failure(
                plan,
                err,
                `The COPY itself succeeded (query ${result.queryId}) and its files are in the stage; only its output ` +
                    "was not understood. This is a bug: report it rather than re-running the backfill.",
                attempt,
                false,
            );
        }
        log(`${plan.table}: unloaded ${totals.rows} rows into ${totals.files} files (${totals.bytes} bytes), query ${result.queryId}`);
        return { status: "ok", table: plan.table, ...totals, queryId: result.queryId, attempts: attempt };
    }
}
