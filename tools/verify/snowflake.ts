/**
 * The Snowflake side of `npm run verify` (and `add-table`): the backfill's key-pair settings (`readEnvironment`, the
 * SNOWFLAKE_* variables the provider reads) and its `adapt`, behind a connection that logs in on
 * first use and checks that the account is hosted on AWS (`requireAwsHosted`: the lake's task error
 * notifications cannot cross clouds). A failed login or check then fails each Snowflake check with its error.
 */
import type { ConnectionOptions } from "snowflake-sdk";
import {
    NotOnAwsError,
    requireAwsHosted,
    type SqlConnection,
    adapt,
    connect,
    readEnvironment,
} from "@incremental-crawl/components/runtime";

export interface LazySnowflake {
    conn: SqlConnection;
    /** Where it connects, for the log; never the key. */
    describe: string;
    close(): Promise<void>;
}

/** An open session: statements, and how to end it. */
export interface Dialed {
    conn: SqlConnection;
    close(): Promise<void>;
}

/** Logs in with snowflake-sdk. */
export async function dialSnowflake(options: ConnectionOptions): Promise<Dialed> {
    const snowflake = await import("snowflake-sdk");
    // The driver's own log goes to stderr, errors only: the report owns stdout.
    const toStderr = (m: string) => process.stderr.write(`[verify] snowflake-sdk: ${m}\n`);
    snowflake.configure({
        logLevel: "ERROR",
        customLogger: { error: toStderr, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined },
    });
    const connection = snowflake.createConnection(options);
    await connect(connection);
    return {
        conn: adapt(connection),
        close: () =>
            new Promise<void>((resolve) => {
                if (!connection.isUp()) return resolve();
                const timer = setTimeout(resolve, 10_000);
                connection.destroy(() => {
                    clearTimeout(timer);
                    resolve();
                });
            }),
    };
}

/**
 * Reads the settings now (throws the backfill's `EnvironmentError` listing every missing
 * variable) and connects when the first statement runs.
 */
export function lazySnowflake(
    env: NodeJS.ProcessEnv,
    application = "incremental-crawl-verify",
    dial: (options: ConnectionOptions) => Promise<Dialed> = dialSnowflake,
): LazySnowflake {
    const options: ConnectionOptions = { ...readEnvironment(env), application };
    let session: Dialed | undefined;
    let ready: Promise<SqlConnection> | undefined;

    const open = async (): Promise<SqlConnection> => {
        session = await dial(options).catch((err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            throw Object.assign(new Error(`could not log in to Snowflake account ${options.account} as ${options.username}: ${message}`), {
                name: "SnowflakeLoginError",
            });
        });
        await requireAwsHosted(session.conn).catch((err: unknown) => {
            if (err instanceof NotOnAwsError) throw err;
            // An account whose region cannot be read is not refused: the checks say what else fails.
            return undefined;
        });
        return session.conn;
    };

    return {
        describe: `Snowflake account ${options.account} as ${options.username}${options.role ? ` (role ${options.role})` : ""}, warehouse ${options.warehouse}`,
        conn: {
            execute: async (sqlText) => {
                ready ??= open();
                return (await ready).execute(sqlText);
            },
        },
        close: () => (session ? session.close() : Promise.resolve()),
    };
}
