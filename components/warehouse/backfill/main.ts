/**
 * The backfill program the `local.Command` of `TableExport` runs at `pulumi up`:
 *   incremental-lake-backfill (the package's bin: this file, compiled; see BACKFILL_COMMAND)
 * Reads the plan (BACKFILL_*) and the Snowflake credentials from the environment only, runs the
 * unload, prints the JSON summary as the single line of stdout (the stack output) and progress on
 * stderr. Exit code 0 on success, 1 otherwise. The private key is never printed.
 */
import type { Connection, ConnectionOptions, SnowflakeLogger } from "snowflake-sdk";
import { BackfillError, BackfillPlan, classifyError, LOGGED_ENV, runBackfill, SqlConnection } from "./backfill";
import { GlueTarget, gluePartitionCatalog } from "./glue-partitions";

/** One error for every missing or malformed variable. */
export class EnvironmentError extends Error {
    constructor(
        readonly missing: string[],
        readonly invalid: string[],
    ) {
        super([missing.length ? `missing environment variables: ${missing.join(", ")}` : "", ...invalid].filter(Boolean).join("\n"));
        this.name = "EnvironmentError";
    }
}

function present(env: NodeJS.ProcessEnv, name: string): string | undefined {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v;
}

/** Organization and account names: a letter, then letters, digits, underscores. https://docs.snowflake.com/en/user-guide/admin-account-identifier */
const ACCOUNT_PART = /^[A-Za-z][A-Za-z0-9_]*$/;

/** PEM text, also when a CI secret store turned its newlines into `\n`. */
function normalizePem(value: string): string {
    const v = value.trim();
    return !v.includes("\n") && v.includes("\\n") ? v.replace(/\\n/g, "\n") : v;
}

/**
 * snowflake-sdk connection options for key-pair (JWT) auth, from `env` alone (never
 * `process.env`). Throws one `EnvironmentError` listing every missing or malformed variable.
 * Identity settings (organization, account, user, role, warehouse) come from the stack's
 * configuration when the command passes them as BACKFILL_<NAME>, else from SNOWFLAKE_<NAME>, just
 * as the program's provider prefers its explicit settings over the environment; without a role the
 * user's default role applies. The private key only ever comes from SNOWFLAKE_PRIVATE_KEY.
 */
export function readEnvironment(env: NodeJS.ProcessEnv): ConnectionOptions {
    const missing: string[] = [];
    const invalid: string[] = [];
    const setting = (name: string) => (present(env, `BACKFILL_${name}`) ?? present(env, `SNOWFLAKE_${name}`))?.trim();
    const need = (name: string) => {
        const v = setting(name);
        if (v === undefined) missing.push(`SNOWFLAKE_${name}`);
        return v;
    };
    const org = need("ORGANIZATION_NAME");
    const account = need("ACCOUNT_NAME");
    const user = need("USER");
    const key = present(env, "SNOWFLAKE_PRIVATE_KEY");
    if (key === undefined) missing.push("SNOWFLAKE_PRIVATE_KEY");
    const warehouse = need("WAREHOUSE");
    const passphrase = present(env, "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE");
    const role = setting("ROLE");

    for (const [name, v] of [
        ["SNOWFLAKE_ORGANIZATION_NAME", org],
        ["SNOWFLAKE_ACCOUNT_NAME", account],
    ] as const) {
        if (v !== undefined && !ACCOUNT_PART.test(v)) {
            invalid.push(`${name} must be a bare name (letters, digits, underscores), got "${v}"`);
        }
    }
    const privateKey = key === undefined ? undefined : normalizePem(key);
    if (privateKey !== undefined && !/^-----BEGIN (ENCRYPTED |RSA )?PRIVATE KEY-----/.test(privateKey)) {
        // Never echo the value: it may be the key in another encoding.
        invalid.push("SNOWFLAKE_PRIVATE_KEY must hold the PEM text of the key (-----BEGIN PRIVATE KEY-----...), not a path");
    }
    if (missing.length || invalid.length) throw new EnvironmentError(missing, invalid);

    // snowflake-sdk takes `<org>-<account>` as `account` (a `.` would be read as a region).
    // https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-options
    const options: ConnectionOptions = {
        account: `${org}-${account}`,
        username: user,
        authenticator: "SNOWFLAKE_JWT",
        privateKey,
        warehouse,
        application: "incremental-crawl-backfill",
    };
    if (passphrase !== undefined) options.privateKeyPass = passphrase;
    if (role !== undefined) options.role = role;
    return options;
}

/** The backfill plan the command passes in (non-secret). */
export function readPlan(env: NodeJS.ProcessEnv): BackfillPlan {
    const missing = ["BACKFILL_TABLE", "BACKFILL_SESSION_SQL", "BACKFILL_COPY_SQL"].filter((n) => present(env, n) === undefined);
    const invalid: string[] = [];
    let session: string[] = [];
    const raw = present(env, "BACKFILL_SESSION_SQL");
    if (raw !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            parsed = undefined;
        }
        if (Array.isArray(parsed) && parsed.every((s) => typeof s === "string")) session = parsed;
        else invalid.push("BACKFILL_SESSION_SQL must be a JSON array of SQL strings");
    }
    // The statements of the unload log's invariant (sql.unloadStatements): all of them, or none.
    const logged = Object.entries(LOGGED_ENV).map(([key, [name, slot]]) => ({ key, name, slot, sql: present(env, name) }));
    for (const { name, slot, sql } of logged) {
        if (sql !== undefined && slot !== undefined && !sql.includes(slot)) invalid.push(`${name} must contain ${slot}`);
    }
    if (logged.some((l) => l.sql !== undefined)) missing.push(...logged.filter((l) => l.sql === undefined).map((l) => l.name));
    const statements = Object.fromEntries(logged.map((l) => [l.key, l.sql]));
    if (missing.length || invalid.length) throw new EnvironmentError(missing, invalid);
    return {
        table: (env.BACKFILL_TABLE as string).trim(),
        session,
        copy: env.BACKFILL_COPY_SQL as string,
        ...statements,
    };
}

/** Where the partitions go: the Glue table the command names, or none. */
export function readGlueTarget(env: NodeJS.ProcessEnv): GlueTarget | undefined {
    const [region, database, table] = ["BACKFILL_AWS_REGION", "BACKFILL_GLUE_DATABASE", "BACKFILL_GLUE_TABLE"].map((n) =>
        present(env, n)?.trim(),
    );
    if (region === undefined && database === undefined && table === undefined) return undefined;
    if (region === undefined || database === undefined || table === undefined) {
        throw new EnvironmentError(
            ["BACKFILL_AWS_REGION", "BACKFILL_GLUE_DATABASE", "BACKFILL_GLUE_TABLE"].filter((n) => present(env, n) === undefined),
            [],
        );
    }
    return { region, database, table };
}

/** Both, with every problem of both in one error. */
export function readAll(env: NodeJS.ProcessEnv): { options: ConnectionOptions; plan: BackfillPlan; glue?: GlueTarget } {
    const missing: string[] = [];
    const invalid: string[] = [];
    const attempt = <T>(read: () => T): T | undefined => {
        try {
            return read();
        } catch (err) {
            if (!(err instanceof EnvironmentError)) throw err;
            missing.push(...err.missing);
            invalid.push(...err.invalid);
            return undefined;
        }
    };
    const plan = attempt(() => readPlan(env));
    const options = attempt(() => readEnvironment(env));
    const glue = attempt(() => readGlueTarget(env) ?? null); // null: no Glue target; undefined: a bad one
    if (!plan || !options || glue === undefined) throw new EnvironmentError(missing, invalid);
    return { options, plan, glue: glue ?? undefined };
}

const stderr = (line: string) => process.stderr.write(`[backfill] ${line}\n`);

/** The driver's log on stderr (its default console transport could write to stdout). */
const driverLogger: SnowflakeLogger = {
    error: (m) => stderr(`snowflake-sdk: ${m}`),
    warn: (m) => stderr(`snowflake-sdk: ${m}`),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
};

/**
 * connectAsync reports a failed login through its callback and still resolves, so the callback
 * decides. (snowflake-sdk 3.x, lib/connection/connection.js)
 */
export function connect(conn: Connection): Promise<void> {
    return new Promise((resolve, reject) => {
        conn.connectAsync((err) => (err ? reject(err) : resolve())).catch(reject);
    });
}

/** `execute` with its `complete(err, stmt, rows)` callback as a promise. */
export function adapt(conn: Connection): SqlConnection {
    return {
        execute: (sqlText) =>
            new Promise((resolve, reject) => {
                conn.execute({
                    sqlText,
                    complete: (err, stmt, rows) => {
                        // The failed statement's id, from the statement itself when the error lacks it:
                        // the cleanup of a failed COPY removes the files named with it.
                        if (err) reject(withQueryId(err, stmt));
                        else resolve({ rows: (rows ?? []) as Record<string, unknown>[], queryId: stmt.getQueryId() });
                    },
                });
            }),
    };
}

/** `err` with `data.queryId` set from `stmt` when the driver left it out. */
export function withQueryId(err: unknown, stmt: { getQueryId(): string } | undefined): unknown {
    if (typeof err !== "object" || err === null) return err;
    const e = err as { data?: { queryId?: unknown } };
    if (typeof e.data?.queryId === "string") return err;
    let queryId: string | undefined;
    try {
        queryId = stmt?.getQueryId();
    } catch {
        queryId = undefined;
    }
    if (typeof queryId === "string" && queryId !== "") e.data = { ...(e.data ?? {}), queryId };
    return err;
}

function destroy(conn: Connection): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        try {
            conn.destroy(() => {
                clearTimeout(timer);
                resolve();
            });
        } catch {
            clearTimeout(timer);
            resolve();
        }
    });
}

/** Runs the backfill; resolves to the exit code. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
    let options: ConnectionOptions;
    let plan: BackfillPlan;
    let glue: GlueTarget | undefined;
    try {
        ({ options, plan, glue } = readAll(env));
    } catch (err) {
        stderr(`configuration error:\n${err instanceof Error ? err.message : String(err)}`);
        return 1;
    }

    let conn: Connection | undefined;
    try {
        const snowflake = await import("snowflake-sdk");
        snowflake.configure({ logLevel: "WARN", customLogger: driverLogger });
        stderr(
            `${plan.table}: connecting to ${options.account} as ${options.username}` +
                `${options.role ? ` (role ${options.role})` : ""}, warehouse ${options.warehouse}`,
        );
        conn = snowflake.createConnection(options);
        await connect(conn);
        // AWS credentials: the standard chain, as for the program's AWS provider in `pulumi up`.
        const catalog = glue ? await gluePartitionCatalog(glue, stderr) : undefined;
        const summary = await runBackfill(adapt(conn), plan, { log: stderr, catalog });
        await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(summary)}\n`, () => resolve()));
        return 0;
    } catch (err) {
        if (err instanceof BackfillError) {
            stderr(err.message);
        } else {
            const message = err instanceof Error ? err.message : String(err);
            stderr(`backfill of ${plan.table} failed: ${message.trim()}\nhint: ${classifyError(err).hint}`);
        }
        return 1;
    } finally {
        if (conn) await destroy(conn);
    }
}

/** Runs `main` as the process: its exit code, and an unexpected failure on stderr. */
export function runAsProgram(): void {
    main().then(
        (code) => process.exit(code),
        (err) => {
            stderr(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
            process.exit(1);
        },
    );
}

// Started directly (a test does); the package's bin starts it compiled.
if (require.main === module) runAsProgram();
